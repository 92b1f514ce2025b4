#!/bin/sh
# run-all.sh — every benchmark of tests/bench/ that compares Stheno with a
# peer, one after the other, then one dated markdown table of their `row:`
# lines (workload | peer | Stheno | floor | ratios | target) with a
# description of the machine.  `make bench` runs it with --readme.
#
#   tests/bench/run-all.sh [--readme] [BENCH...]
#
# BENCH names a script without .sh (default: all of them, see below); the
# event benches run twice, free and with PIN=1 (everything on one CPU), and
# bench_tls too (PIN=1: the servers on one CPU, the clients on the other).
# The section goes to stdout and to OUT (default bench-YYYY-MM-DD.md in
# the current directory), every bench's own output to LOGDIR (default
# bench-logs-YYYY-MM-DD); --readme also appends the section to
# tests/bench/README.md.  A bench that cannot run (exit 77: a tool
# missing) or fails gets a row saying so; the runner goes on.
#
# Environment: STHENOD, STHENO_PLUGIN_PATH, SUPERVISORD as for each bench
# (build sthenod -O2: configure without --enable-debug); QUICK=1 shortens
# every bench (fewer rounds, smaller sizes) for a trial of the runner.
# Not part of make check nor CI: a loaded machine must not fail a build.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
readme=0
if [ "${1:-}" = --readme ]; then
	readme=1
	shift
fi
day=$(date -u +%Y-%m-%d)
OUT=${OUT:-bench-$day.md}
LOGDIR=${LOGDIR:-bench-logs-$day}
mkdir -p "$LOGDIR"
if [ -z "${STHENOD:-}" ] && [ -x "$top/_build/bench/daemon/sthenod" ]; then
	STHENOD=$top/_build/bench/daemon/sthenod
	export STHENOD
fi

# NAME:ENV... — a bench and the environment of one run of it
all="bench_flood bench_flood:PIN=1 bench_events bench_events:PIN=1
bench_capture bench_startup bench_static bench_static_large
bench_rpc bench_ftp bench_tls bench_tls:PIN=1 bench_tls_instr"
if [ "${QUICK:-0}" = 1 ]; then
	quick="ROUNDS=1 SIZE_MB=100 DURATION=3s SECS=3 PROGRAMS=100"
	esecs=3
else
	quick=
	esecs=
fi
[ $# -gt 0 ] && all=$*

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
trap 'exit 130' INT TERM
load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%H:%M)
for spec in $all; do
	name=${spec%%:*}
	envs=
	[ "$name" = "$spec" ] || envs=$(echo "${spec#*:}" | tr ':' ' ')
	log=$LOGDIR/$name$(echo "$envs" | tr -d ' =').log
	echo "== $name $envs" >&2
	case $name in
	bench_events | bench_flood)
		# shellcheck disable=SC2086
		env $quick $envs sh "$here/$name.sh" $esecs > "$log" 2>&1 ;;
	*)
		# shellcheck disable=SC2086
		env $quick $envs sh "$here/$name.sh" > "$log" 2>&1 ;;
	esac
	rc=$?
	if grep -q '^row: ' "$log"; then
		sed -n 's/^row: //p' "$log" | sed "s/\$/ | $envs/" >> "$rows"
	elif [ $rc -eq 77 ]; then
		echo "$name | skipped: $(tail -n 1 "$log") | | | | | $envs" \
		    >> "$rows"
	else
		echo "$name | failed (exit $rc), see $log | | | | | $envs" \
		    >> "$rows"
	fi
	tail -n 4 "$log" >&2
done

{
	echo
	echo "## run-all.sh, $day $start-$(date -u +%H:%M) UTC"
	echo
	printf '%s, %s CPUs (%s), %s MB RAM; load average %s at the start, %s at the end.\n' \
	    "$(uname -sr)" "$(nproc)" \
	    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	    "$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" \
	    "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'sthenod %s (commit %s)%s.\n' "${STHENOD:-sthenod on PATH}" \
	    "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')" \
	    "${quick:+; QUICK=1}"
	echo
	echo "| workload | peer | Stheno | floor | ratios | target | run |"
	echo "|---|---|---|---|---|---|---|"
	sed 's/^/| /; s/$/ |/' "$rows"
} > "$OUT"
cat "$OUT"
[ $readme -eq 0 ] || cat "$OUT" >> "$here/README.md"
