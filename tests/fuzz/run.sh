#!/bin/sh
# run.sh — run every built libFuzzer target for a while; build nothing.
#
#   tests/fuzz/run.sh BUILDDIR SECONDS [NAME...]
#
# BUILDDIR is a build directory configured with `CC=clang --enable-fuzzing`
# where the targets are built (`make fuzz` builds and runs them; here
# `make tests/fuzz/NAME_fuzzer` or `make` first).  Each target found in
# BUILDDIR/tests/fuzz/ (or only the NAMEs given: vfs, ini, logargs, ...)
# runs for SECONDS, one after the other (one core: the machine is shared),
# on its seed corpus tests/fuzz/corpus/NAME with its NAME.dict if there is
# one.  New inputs go to BUILDDIR/tests/fuzz/run/NAME, findings (crash-*,
# leak-*, timeout-*, oom-* files; only this run's are counted; and every
# UBSan "runtime error", which does not stop the target) to
# BUILDDIR/tests/fuzz/findings/NAME/, libFuzzer's output to
# BUILDDIR/tests/fuzz/findings/NAME.log.
#
# Prints one line per target: executions, executions per second, findings;
# exits 1 if any target had a finding or could not run, 2 on bad usage.
set -u

usage() {
	echo "usage: $0 BUILDDIR SECONDS [NAME...]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
build=$1
secs=$2
shift 2
case $secs in ''|*[!0-9]*) usage ;; esac
src=$(cd "$(dirname "$0")" && pwd)
dir=$build/tests/fuzz
[ -d "$dir" ] || { echo "$0: no $dir" >&2; exit 2; }

if [ $# -eq 0 ]; then
	set --
	for t in "$dir"/*_fuzzer; do
		[ -x "$t" ] || continue
		n=$(basename "$t" _fuzzer)
		set -- "$@" "$n"
	done
fi
[ $# -gt 0 ] || { echo "$0: no fuzz target built in $dir" >&2; exit 1; }

status=0
printf '%-10s %8s %14s %10s %9s\n' target seconds executions exec/s findings
for n in "$@"; do
	t=$dir/${n}_fuzzer
	if [ ! -x "$t" ]; then
		printf '%-10s not built (%s)\n' "$n" "$t"
		status=1
		continue
	fi
	run=$dir/run/$n
	found=$dir/findings/$n
	log=$dir/findings/$n.log
	mkdir -p "$run" "$found" || exit 1
	dict=
	[ -f "$src/$n.dict" ] && dict=-dict=$src/$n.dict
	touch "$found/.start"
	start=$(date +%s)
	"$t" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$found/" $dict "$run" "$src/corpus/$n" \
	    >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	[ -n "$execs" ] || execs=0
	rate=$(( execs / (took > 0 ? took : 1) ))
	finds=$(find "$found" -maxdepth 1 -type f -newer "$found/.start" \
	    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o \
	    -name 'oom-*' \) | wc -l)
	finds=$(( finds + $(grep -c 'runtime error:' "$log") ))
	printf '%-10s %8d %14d %10d %9d\n' "$n" "$took" "$execs" "$rate" \
	    "$finds"
	if [ "$finds" -ne 0 ] || [ "$rc" -ne 0 ]; then
		[ "$finds" -ne 0 ] || echo "  $n exited $rc, see $log"
		status=1
	fi
done
exit $status
