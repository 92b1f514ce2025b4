#!/bin/sh
# bench_events.sh — PROCESS_LOG_STDOUT events acknowledged per second by one
# byte-exact listener (tests/bench/evl_listener.c, answers at once) while a
# program writes as fast as it can, under Debian's supervisord, under
# sthenod and through the floor, alternating in the same run, with the same
# config.  Prints, for each, events/s, payload MB/s delivered and events
# discarded per second (buffer overflows), and the ratios.
#
#   tests/bench/bench_events.sh [SECONDS] [WRITER]
#
# Environment: STHENOD (default _build/bench/daemon/sthenod, else the first
# _build/*/daemon/sthenod), STHENO_PLUGIN_PATH, SUPERVISORD (default
# /usr/bin/supervisord), ROUNDS (default 3: each round runs the three, the
# order of the daemons alternating; medians are printed, with the range;
# a ratio is the median of the rounds' ratios), BUFFER_SIZE (the pool's
# buffer_size, default 10), PIN=1 (everything on CPU 0, taskset -c 0),
# LOGLEVEL (default info; critical leaves out the overflow line each
# discarded event writes to the main log, to measure its share),
# WORKLOAD and TARGET (the name and the target of the `row:` line printed
# last, which tests/bench/run-all.sh collects).  WRITER defaults to a C
# loop writing one 61-byte line per write(2); /usr/bin/yes fills the pipe
# instead, so each event carries a whole read (tests/bench/bench_flood.sh).
# Either way an event is one pipe read, as supervisord makes them, so how
# many bytes an event carries depends on how often the daemon reads.
#
# The discarded count is the gaps in the poolserial of the events the
# listener got: the oldest event is always sent first, so an event never
# sent is one that overflowed the buffer.
#
# The floor (tests/bench/evl_floor.c) is the same writer and listener
# joined by a C loop that does nothing but relay through the same
# drop-oldest buffer: no log, no bus.  It is what any daemon could reach
# here.  On a VM every event is a round trip through two pipes between
# processes, a cross-CPU wake-up each way; with PIN=1 no wake-up crosses
# CPUs and the daemons' own cost per event decides.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-5}
writer=${2:-}
rounds=${ROUNDS:-3}
bufsize=${BUFFER_SIZE:-10}
if [ -z "${STHENOD:-}" ]; then
	STHENOD=$top/_build/bench/daemon/sthenod
	[ -x "$STHENOD" ] ||
	    STHENOD=$(ls "$top"/_build/*/daemon/sthenod 2>/dev/null | head -n 1)
fi
SUPERVISORD=${SUPERVISORD:-/usr/bin/supervisord}
for t in "$STHENOD" "$SUPERVISORD" cc; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "bench_events: $t not found" >&2; exit 77; }
done
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
trap cleanup EXIT
trap 'exit 130' INT TERM	# through cleanup: the EXIT trap

cc -O2 -o "$work/evl_listener" "$here/evl_listener.c"
cc -O2 -o "$work/evl_floor" "$here/evl_floor.c"
pin=
if [ "${PIN:-0}" = 1 ]; then
	command -v taskset >/dev/null || { echo "PIN=1 needs taskset" >&2; exit 77; }
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
# events/s, payload bytes/s, discarded/s and bytes per event (run in this
# shell, not in a $(...), so that the trap knows the daemon's pid)
run() {
	name=$1
	daemon=$2
	dir=$work/$name.$round
	mkdir -p "$dir"
	cat > "$dir/conf" <<EOF
[supervisord]
logfile=$dir/main.log
pidfile=$dir/pid
loglevel=${LOGLEVEL:-info}
identifier=bench
childlogdir=$dir

[eventlistener:ack]
command=$work/evl_listener - $secs $dir/count
events=PROCESS_LOG_STDOUT
buffer_size=$bufsize
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
		    "$dir/count" "$writer" "$bufsize" &
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
	awk '{ printf "%.0f %.0f %.0f %.0f\n", $1 / $2, $3 / $2, $4 / $2,
	    ($1 > 0 ? $3 / $1 : 0) }' "$dir/count" > "$work/result"
	rm -rf "$dir"		# main.log grows by an overflow line a drop
}

# med N...: the median, then the range, of N numbers
med() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%g %g %g\n", m, v[1], v[NR] }'
}

# the per-round figures, one list per daemon and column
for n in s p f; do
	for c in e b d ev; do
		eval "${n}_$c="
	done
done
rse= rsb= rfe= rfb=	# per-round ratios: sthenod/supervisord, sthenod/floor
round=1
while [ $round -le "$rounds" ]; do
	if [ $((round % 2)) -eq 1 ]; then
		run supervisord "$SUPERVISORD"
		p=$(cat "$work/result")
		run sthenod "$STHENOD"
		s=$(cat "$work/result")
		run floor floor
		f=$(cat "$work/result")
	else
		run floor floor
		f=$(cat "$work/result")
		run sthenod "$STHENOD"
		s=$(cat "$work/result")
		run supervisord "$SUPERVISORD"
		p=$(cat "$work/result")
	fi
	for n in s p f; do
		eval "set -- \$$n"
		eval "${n}_e=\"\$${n}_e $1\" ${n}_b=\"\$${n}_b $2\"" \
		    "${n}_d=\"\$${n}_d $3\" ${n}_ev=\"\$${n}_ev $4\""
	done
	set -- $s $p $f
	rse="$rse $(awk -v a="$1" -v b="$5" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	rsb="$rsb $(awk -v a="$2" -v b="$6" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	rfe="$rfe $(awk -v a="$1" -v b="$9" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	rfb="$rfb $(awk -v a="$2" -v b="${10}" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	round=$((round + 1))
done

echo "PROCESS_LOG_STDOUT events acknowledged by one listener," \
    "buffer_size=$bufsize, ${secs}s x $rounds rounds, medians (range)"
echo "writer: $writer${pin:+; everything on CPU 0 (PIN=1)}"
printf '%-12s %-26s %-22s %-22s %s\n' "" "events/s" "payload MB/s" \
    "discarded/s" "bytes/event"
for n in p s f; do
	case $n in
	p) label=supervisord ;;
	s) label=sthenod ;;
	f) label=floor ;;
	esac
	eval "e=\$${n}_e b=\$${n}_b d=\$${n}_d ev=\$${n}_ev"
	set -- $(med $e) $(med $b) $(med $d) $(med $ev)
	printf '%-12s %-26s %-22s %-22s %s\n' "$label" \
	    "$(printf '%.0f (%.0f-%.0f)' "$1" "$2" "$3")" \
	    "$(awk -v m="$4" -v a="$5" -v z="$6" \
	    'BEGIN { printf "%.0f (%.0f-%.0f)", m / 1e6, a / 1e6, z / 1e6 }')" \
	    "$(printf '%.0f (%.0f-%.0f)' "$7" "$8" "$9")" "$(printf '%.0f' "${10}")"
	eval "${n}_med=$1 ${n}_mbs=$4"
done
set -- $(med $rse) $(med $rsb) $(med $rfe) $(med $rfb)
printf 'sthenod / supervisord: %.2fx events (%.2f-%.2f), %.2fx MB/s (%.2f-%.2f)\n' \
    "$1" "$2" "$3" "$4" "$5" "$6"
printf 'sthenod / floor:       %.2fx events (%.2f-%.2f), %.2fx MB/s (%.2f-%.2f)\n' \
    "$7" "$8" "$9" "${10}" "${11}" "${12}"
# row: workload | peer | Stheno | floor | ratios | target
printf 'row: %s | supervisord %.0f ev/s, %.0f MB/s | %.0f ev/s, %.0f MB/s | %.0f ev/s, %.0f MB/s | %.2fx peer, %.2fx floor (MB/s: %.2fx, %.2fx) | %s\n' \
    "${WORKLOAD:-events, $(basename "$writer"), buffer_size=$bufsize}${pin:+, PIN=1}" \
    "$p_med" "$(awk -v x="$p_mbs" 'BEGIN { print x / 1e6 }')" \
    "$s_med" "$(awk -v x="$s_mbs" 'BEGIN { print x / 1e6 }')" \
    "$f_med" "$(awk -v x="$f_mbs" 'BEGIN { print x / 1e6 }')" \
    "$1" "$7" "$4" "${10}" "${TARGET:-≥ 0.9x floor}"
