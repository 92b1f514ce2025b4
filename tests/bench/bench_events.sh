#!/bin/sh
# bench_events.sh — PROCESS_LOG_STDOUT events acknowledged per second by one
# byte-exact listener (tests/bench/evl_listener.c, answers at once) while a
# program writes as fast as it can, under sthenod and under Debian's
# supervisord in the same run, with the same config.  Prints both rates and
# the ratio.
#
#   tests/bench/bench_events.sh [SECONDS] [WRITER]
#
# Environment: STHENOD (default _build/*/daemon/sthenod), STHENO_PLUGIN_PATH,
# SUPERVISORD (default /usr/bin/supervisord).  WRITER defaults to a C loop
# writing one 61-byte line per write(2); /usr/bin/yes fills the pipe instead,
# so each event carries a whole read (up to 128 KiB).  Either way an event
# is one pipe read, as supervisord makes them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-5}
writer=${2:-}
STHENOD=${STHENOD:-$(ls "$top"/_build/*/daemon/sthenod 2>/dev/null | head -n 1)}
SUPERVISORD=${SUPERVISORD:-/usr/bin/supervisord}
if [ -z "${STHENO_PLUGIN_PATH:-}" ]; then
	STHENO_PLUGIN_PATH=$(dirname "$(dirname "$STHENOD")")/plugins/.libs-all
	export STHENO_PLUGIN_PATH
fi

work=$(mktemp -d /tmp/bench-events.XXXXXX)
dpid=
cleanup() {
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill -TERM "$dpid" 2>/dev/null || true
		wait "$dpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cc -O2 -o "$work/evl_listener" "$here/evl_listener.c"
if [ -z "$writer" ]; then
	cat > "$work/writer.c" <<'WEOF'
#include <unistd.h>
int
main(void)
{
	static const char l[] =
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";

	for (;;)
		if (write(1, l, sizeof l - 1) < 0)
			return 1;
}
WEOF
	cc -O2 -o "$work/writer" "$work/writer.c"
	writer=$work/writer
fi

# run NAME DAEMON: one daemon, one listener, one writer; prints events/s
run() {
	name=$1
	daemon=$2
	dir=$work/$name
	mkdir -p "$dir"
	cat > "$dir/conf" <<EOF
[supervisord]
logfile=$dir/main.log
pidfile=$dir/pid
loglevel=info
identifier=bench
childlogdir=$dir

[eventlistener:ack]
command=$work/evl_listener - $secs $dir/count
events=PROCESS_LOG_STDOUT
stdout_logfile=NONE
stderr_logfile=NONE
startsecs=0

[program:writer]
command=$writer
stdout_events_enabled=true
stdout_logfile=NONE
stderr_logfile=NONE
startsecs=0
EOF
	"$daemon" -n -c "$dir/conf" >/dev/null 2>&1 &
	dpid=$!
	i=0
	while [ ! -s "$dir/count" ]; do
		sleep 0.2
		i=$((i + 1))
		if [ $i -gt $(( (secs + 20) * 5 )) ]; then
			echo "$name: no count after $((secs + 20)) s" >&2
			tail -n 20 "$dir/main.log" >&2
			exit 1
		fi
	done
	kill -TERM "$dpid"
	wait "$dpid" 2>/dev/null || true
	dpid=
	awk '{ printf "%.0f\n", $1 / $2 }' "$dir/count"
}

s=$(run sthenod "$STHENOD")
p=$(run supervisord "$SUPERVISORD")
echo "PROCESS_LOG_STDOUT events acknowledged per second over ${secs}s" \
    "(writer: $writer)"
echo "sthenod:     $s"
echo "supervisord: $p"
awk -v s="$s" -v p="$p" 'BEGIN { printf "ratio:       %.1fx\n", s / p }'
