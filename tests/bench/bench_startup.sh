#!/bin/sh
# bench_startup.sh — 500 programs (sleep 1000, each its own [program:x]
# section, AUTO stdout/stderr logs in childlogdir), from the daemon's exec to
# the 500th "entered RUNNING state" line in its main log; sthenod first,
# then Debian's supervisord on the same config, one at a time so they do not
# share the CPUs; the seconds of both and the ratio (target:
# sthenod ≥ 10× faster).  Each run is checked afterwards with
# getAllProcessInfo (500 listed, all RUNNING).
#
# Not part of make check.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_startup.sh
# Knobs (environment): PROGRAMS (500), STARTSECS (0; 1 adds the second both
# wait), LOGS (AUTO; NONE for no child logs), ROUNDS (1: best of that many).
set -eu
. "$(dirname "$0")/lib.sh"

PROGRAMS=${PROGRAMS:-500}
STARTSECS=${STARTSECS:-0}
LOGS=${LOGS:-AUTO}
ROUNDS=${ROUNDS:-1}
# three pipes and two log files a child, and some slack
MINFDS=$((PROGRAMS * 5 + 64))

programs=$(i=0; while [ $i -lt "$PROGRAMS" ]; do
	printf '[program:p%03d]\ncommand = sleep 1000\nstartsecs = %s\n' \
	    "$i" "$STARTSECS"
	printf 'stdout_logfile = %s\nstderr_logfile = %s\n\n' "$LOGS" "$LOGS"
	i=$((i + 1))
done)

set -- $(free_ports 2)
port_sth=$1
port_sup=$2

# run_one NAME PORT ARGV... — one start; the seconds go to $tmp/NAME.t.
run_one() {
	name=$1
	port=$2
	shift 2
	rm -rf "$tmp/$name.log" "$tmp/$name.children"
	write_conf "$tmp/$name.conf" "$name" "$port" "$programs"
	printf '%s\n' "$@" -n -c "$tmp/$name.conf" > "$tmp/$name.argv"
	out=$("$PYTHON" "$BENCH_DIR/benchrpc.py" startup "$tmp/$name.argv" \
	    "$tmp/$name.log" "$PROGRAMS" 120) || {
		set -- $out
		stop_daemon "$1"
		tail -5 "$tmp/$name.log" >&2
		die "$name: not all $PROGRAMS RUNNING in 120 s"
	}
	set -- $out
	case $name in
	sthenod) sth_pid=$1 ;;
	supervisord) sup_pid=$1 ;;
	esac
	wait_running "$port" "$PROGRAMS" 30
	stop_daemon "$1"
	echo "$2" > "$tmp/$name.t"
}

best() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'
}

t_sth=
t_sup=
r=0
while [ $r -lt "$ROUNDS" ]; do
	run_one sthenod "$port_sth" "$STHENOD"
	t_sth=$(best "$(cat "$tmp/sthenod.t")" "$t_sth")
	run_one supervisord "$port_sup" "$SUPERVISORD"
	t_sup=$(best "$(cat "$tmp/supervisord.t")" "$t_sup")
	r=$((r + 1))
done

printf "%s programs to all RUNNING (startsecs=%s, logs %s, best of %s)\n" \
    "$PROGRAMS" "$STARTSECS" "$LOGS" "$ROUNDS"
printf "  supervisord %8.3f s\n" "$t_sup"
printf "  sthenod     %8.3f s   %s× faster (target ≥ 10)\n" "$t_sth" \
    "$(ratio "$t_sup" "$t_sth")"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh);
# no floor is measured here
printf 'row: %s programs to RUNNING, startsecs=%s | supervisord %.3f s | %.3f s | - | %sx faster | ≤ 0.1x supervisord\n' \
    "$PROGRAMS" "$STARTSECS" "$t_sup" "$t_sth" "$(ratio "$t_sup" "$t_sth")"
