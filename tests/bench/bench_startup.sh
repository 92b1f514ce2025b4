#!/bin/sh
# bench_startup.sh — 500 programs (sleep 1000, each its own [program:x]
# section, AUTO stdout/stderr logs in childlogdir), from the daemon's exec to
# the 500th "entered RUNNING state" line in its main log; sthenod, then
# Debian's supervisord on the same config, then the floor, one at a time so
# they do not share the CPUs, ROUNDS rounds; the median seconds of each, the
# ratios (targets: sthenod ≤ 0.1× supervisord in every round, ≤ 1.5× the
# floor).  Each daemon run is checked afterwards with getAllProcessInfo
# (500 listed, all RUNNING).
#
# The floor is spawn_floor.c (built here with cc): PROGRAMS children of
# `sleep 1000` made by vfork(2) and exec'ed, each known to be running when
# the O_CLOEXEC pipe it was given reads EOF (closed by its execve), which
# is what both daemons mean by RUNNING with startsecs=0 (spawned, exec
# done).  It writes one "pNNN entered RUNNING state" line a child to its
# log and is timed by the same poller as the daemons; afterwards every one
# of its children is checked to be `sleep` (/proc/PID/exe).  No config, no
# child logs (its children write to /dev/null), no state machine.
#
# Not part of make check.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_startup.sh
# Knobs (environment): PROGRAMS (500), STARTSECS (0; 1 adds the second both
# daemons wait, not the floor), LOGS (AUTO; NONE for no child logs), ROUNDS
# (3: medians of that many), FLOOR_SPAWN (vfork; fork for the floor made
# with fork(2)), CC (cc).
set -eu
. "$(dirname "$0")/lib.sh"

PROGRAMS=${PROGRAMS:-500}
STARTSECS=${STARTSECS:-0}
LOGS=${LOGS:-AUTO}
ROUNDS=${ROUNDS:-3}
FLOOR_SPAWN=${FLOOR_SPAWN:-vfork}
CC=${CC:-cc}
need "$CC"
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

# run_floor — one start of spawn_floor, timed as run_one times a daemon;
# the seconds go to $tmp/floor.t.
run_floor() {
	rm -f "$tmp/floor.log"
	printf '%s\n' "$tmp/spawn_floor" "$FLOOR_SPAWN" "$PROGRAMS" \
	    "$tmp/floor.log" sleep 1000 > "$tmp/floor.argv"
	out=$("$PYTHON" "$BENCH_DIR/benchrpc.py" startup "$tmp/floor.argv" \
	    "$tmp/floor.log" "$PROGRAMS" 120) || {
		set -- $out
		stop_daemon "$1"
		die "floor: not all $PROGRAMS running in 120 s"
	}
	set -- $out
	echo "$1" > "$tmp/floor.pid"	# cleanup() stops it if we die
	n=0
	for k in $(pgrep -P "$1"); do
		[ "$(readlink "/proc/$k/exe")" = "$sleep_exe" ] && n=$((n + 1))
	done
	stop_daemon "$1"
	rm -f "$tmp/floor.pid"
	[ "$n" -eq "$PROGRAMS" ] ||
	    die "floor: $n of $PROGRAMS children are $sleep_exe"
	echo "$2" > "$tmp/floor.t"
}

"$CC" -O2 -o "$tmp/spawn_floor" "$BENCH_DIR/spawn_floor.c" ||
    die "cannot build spawn_floor.c"
sleep_exe=$(readlink -f "$(command -v sleep)")
: > "$tmp/sth.all"
: > "$tmp/sup.all"
: > "$tmp/floor.all"
: > "$tmp/r_sup.all"
: > "$tmp/r_floor.all"
r=0
while [ $r -lt "$ROUNDS" ]; do
	run_one sthenod "$port_sth" "$STHENOD"
	run_one supervisord "$port_sup" "$SUPERVISORD"
	run_floor
	a=$(cat "$tmp/sthenod.t")
	b=$(cat "$tmp/supervisord.t")
	c=$(cat "$tmp/floor.t")
	echo "$a" >> "$tmp/sth.all"
	echo "$b" >> "$tmp/sup.all"
	echo "$c" >> "$tmp/floor.all"
	ratio "$a" "$b" %.3f >> "$tmp/r_sup.all"
	ratio "$a" "$c" %.2f >> "$tmp/r_floor.all"
	printf 'round %d: supervisord %.3f s, sthenod %.3f s, floor %.3f s: %sx supervisord, %sx floor\n' \
	    $((r + 1)) "$b" "$a" "$c" "$(tail -n 1 "$tmp/r_sup.all")" \
	    "$(tail -n 1 "$tmp/r_floor.all")"
	r=$((r + 1))
done
t_sth=$(median <"$tmp/sth.all")
t_sup=$(median <"$tmp/sup.all")
t_floor=$(median <"$tmp/floor.all")
worst_sup=$(sort -g "$tmp/r_sup.all" | tail -n 1)
worst_floor=$(sort -g "$tmp/r_floor.all" | tail -n 1)

printf "%s programs to all RUNNING (startsecs=%s, logs %s, medians of %s rounds)\n" \
    "$PROGRAMS" "$STARTSECS" "$LOGS" "$ROUNDS"
printf "  supervisord %8.3f s\n" "$t_sup"
printf "  sthenod     %8.3f s   %sx supervisord (worst round %s; target ≤ 0.1 every round)\n" \
    "$t_sth" "$(ratio "$t_sth" "$t_sup" %.3f)" "$worst_sup"
printf "  floor       %8.3f s   sthenod %sx the floor (worst round %s; target ≤ 1.5)\n" \
    "$t_floor" "$(ratio "$t_sth" "$t_floor" %.2f)" "$worst_floor"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: %s programs to RUNNING, startsecs=%s | supervisord %.3f s | %.3f s | %.3f s (%s + exec, spawn_floor.c) | %sx peer (worst round %s), %sx floor (worst %s) | ≤ 0.1x supervisord every round, ≤ 1.5x floor\n' \
    "$PROGRAMS" "$STARTSECS" "$t_sup" "$t_sth" "$t_floor" "$FLOOR_SPAWN" \
    "$(ratio "$t_sth" "$t_sup" %.3f)" "$worst_sup" \
    "$(ratio "$t_sth" "$t_floor" %.2f)" "$worst_floor"
