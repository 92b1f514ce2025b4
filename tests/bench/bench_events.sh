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
# SUPERVISORD (default /usr/bin/supervisord), ROUNDS (default 3: each round
# runs both daemons, the order alternating; medians are printed, with the
# range).  WRITER defaults to a C loop writing one 61-byte line per
# write(2); /usr/bin/yes fills the pipe instead, so each event carries a
# whole read (64 KiB, the pipe's size).  Either way an event is one pipe
# read, as supervisord makes them, so how many bytes an event carries
# depends on how often the daemon reads: the faster one reads smaller
# pieces.  Payload MB/s and bytes per event are printed beside events/s.
#
# Each round also runs the floor (tests/bench/evl_floor.c): the same
# writer and listener joined by a C loop that does nothing but relay, no
# log, no bus.  It is what any daemon could reach here, so it says how far
# sthenod is from the machine's limit and whether "10x supervisord" is
# within reach at all: every event is a round trip through two pipes
# between processes, which on a VM costs a cross-CPU wake-up each way.
# PIN=1 runs everything on one CPU (taskset -c 0), where no wake-up crosses
# CPUs and the daemons' own cost per event decides.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-5}
writer=${2:-}
rounds=${ROUNDS:-3}
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
cc -O2 -o "$work/evl_floor" "$here/evl_floor.c"
pin=
if [ "${PIN:-0}" = 1 ]; then
	command -v taskset >/dev/null || { echo "PIN=1 needs taskset" >&2; exit 2; }
	pin="taskset -c 0"
fi
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

# run NAME DAEMON: one daemon, one listener, one writer; $work/result gets
# events/s, payload bytes/s and bytes per event (run in this shell, not in
# a $(...), so that the trap knows the daemon's pid)
run() {
	name=$1
	daemon=$2
	dir=$work/$name.$round
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
	if [ "$name" = floor ]; then
		$pin "$work/evl_floor" "$work/evl_listener" "$secs" \
		    "$dir/count" "$writer" &
	else
		$pin "$daemon" -n -c "$dir/conf" >/dev/null 2>&1 &
	fi
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
	kill -TERM "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	dpid=
	awk '{ printf "%.0f %.0f %.0f\n", $1 / $2, $3 / $2, $3 / $1 }' \
	    "$dir/count" > "$work/result"
	rm -rf "$dir"		# main.log grows by an overflow line a drop
}

# med N...: the median, then the range, of N numbers
med() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f %.0f %.0f\n", m, v[1], v[NR] }'
}

se= sb= sp= pe= pb= pp= fe=
round=1
while [ $round -le "$rounds" ]; do
	if [ $((round % 2)) -eq 1 ]; then
		run sthenod "$STHENOD"
		r=$(cat "$work/result")
		run supervisord "$SUPERVISORD"
		q=$(cat "$work/result")
	else
		run supervisord "$SUPERVISORD"
		q=$(cat "$work/result")
		run sthenod "$STHENOD"
		r=$(cat "$work/result")
	fi
	run floor floor
	set -- $(cat "$work/result")
	fe="$fe $1"
	set -- $r
	se="$se $1" sb="$sb $2" sp="$sp $3"
	set -- $q
	pe="$pe $1" pb="$pb $2" pp="$pp $3"
	round=$((round + 1))
done
set -- $(med $se)
s=$1 srange="$2-$3"
set -- $(med $pe)
p=$1 prange="$2-$3"
set -- $(med $fe)
f=$1 frange="$2-$3"
set -- $(med $sb)
sbytes=$1
set -- $(med $pb)
pbytes=$1
echo "PROCESS_LOG_STDOUT events acknowledged per second over ${secs}s," \
    "median of $rounds rounds (writer: $writer${pin:+; all on CPU 0})"
echo "sthenod:     $s"
echo "supervisord: $p"
awk -v s="$s" -v p="$p" 'BEGIN { printf "ratio:       %.1fx\n", s / p }'
echo "events/s range: sthenod $srange, supervisord $prange"
awk -v s="$s" -v p="$p" -v f="$f" -v r="$frange" 'BEGIN {
	printf "floor (a C loop that only relays): %d (range %s); " \
	    "sthenod %.0f%% of it;\n", f, r, 100 * s / f
	printf "10x supervisord would be %d events/s, %.1fx the floor\n",
	    10 * p, 10 * p / f }'
awk -v s="$sbytes" -v p="$pbytes" -v sp="$(med $sp)" -v pp="$(med $pp)" \
    'BEGIN { split(sp, a, " "); split(pp, b, " ")
	printf "payload MB/s: sthenod %.1f, supervisord %.1f, ratio %.1fx\n",
	    s / 1e6, p / 1e6, s / p
	printf "bytes/event:  sthenod %d, supervisord %d\n", a[1], b[1] }'
