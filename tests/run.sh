#!/bin/sh
# The whole test suite: install what it needs, then build twice and run
# `make check` in each build (plain with -Werror; ASan+UBSan+LSan), builds
# once more with clang -Werror (tests included, not run), then
# `make distcheck` (which also builds the SDK example out of tree against
# the installed SDK), then the Debian package (tests/deb.sh), and last
# runs the tests that act as other users once more the way a brand-new
# machine would (tests/fresh.sh: a clone in a 0700 folder, a private
# TMPDIR, no `ftp` user).  First of all, the README's quick start on a view
# without the test packages.  Prints one closing line:
# "tests: N passed, N failed".
#
# tests/run.sh --fresh: only that last phase, with every integration test.
set -u
fresh_only=0
case ${1-} in
--fresh) fresh_only=1 ;;
"") ;;
*) echo "usage: tests/run.sh [--fresh]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/deps.sh --test || exit 1
./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
jobs=$(nproc)
t0=$(date +%s)
status=0
pass=0
fail=0

count() {	# add a build's test-suite.log totals
	log=$1/test-suite.log
	[ -f "$log" ] || return 0
	p=$(sed -n 's/^# PASS: *\([0-9]*\).*/\1/p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *\([0-9]*\).*/\1/p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *\([0-9]*\).*/\1/p' "$log" | head -1)
	x=$(sed -n 's/^# XPASS: *\([0-9]*\).*/\1/p' "$log" | head -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
}

stamp() {	# a phase's name, with the minutes:seconds since the start
	t=$(($(date +%s) - t0))
	printf '=== [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*"
}

# Processes a phase's tests left running: anything whose environment still
# says STHENO_BUILDDIR=<a build of this tree> once its make check is over
# (test daemons, their programs, peers).  Each is named, then killed, so
# that it cannot disturb the next phase; the names say which test to mend.
leftovers() {	# phase [builds' folder]
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" = "$$" ] && continue
		{ tr '\0' '\n' <"$d/environ"; } 2>/dev/null |
			grep -q "^STHENO_BUILDDIR=${2:-$top/_build/}" || continue
		echo "leftover after $1: $pid $({ tr '\0' ' ' <"$d/cmdline"; } \
			2>/dev/null | cut -c1-160) (in $(readlink "$d/cwd"))"
		kill -9 "$pid" 2>/dev/null
	done
}

# The logs of the tests under dir that failed, and of those that never
# finished (a .log without its .trs: the phase's time ran out).
failed_logs() {	# dir
	for l in $(find "$1" -name '*.log' -path '*/tests/*'); do
		t=${l%.log}.trs
		if [ ! -f "$t" ] || grep -qE '^:test-result: (FAIL|ERROR)' "$t"
		then
			[ -f "$t" ] || echo "--- $l (did not finish)"
			[ -f "$t" ] && echo "--- $l"
			tail -60 "$l"
		fi
	done
}

# A bound on each phase's tests, far above their time here (4-5 min), so
# that even a run where many tests hang ends well inside CI's 90 minutes.
PHASE_TIMEOUT=1200

build_and_check() {	# name, configure flags...
	name=$1; shift
	dir="$top/_build/test-$name"
	rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
	stamp "$name: configure $*"
	if ! ../../configure -q "$@" >configure.out 2>&1; then
		cat configure.out; status=1; cd "$top"; return
	fi
	stamp "$name: make"
	if ! make -j"$jobs" >make.out 2>&1; then
		tail -50 make.out; status=1; cd "$top"; return
	fi
	stamp "$name: make check"
	if ! timeout -k 30 $PHASE_TIMEOUT make -j"$jobs" check; then
		status=1
		[ -f test-suite.log ] ||
			{ echo "$name: make check did not finish"; fail=$((fail + 1)); }
		failed_logs .
	fi
	count "$dir"
	leftovers "$name"
	cd "$top"
}

# The tests that run sthenod, its children or FTP sessions as other users,
# from a clone in a 0700 folder without an ftp user (tests/fresh.sh); with
# no argument, every integration test.
FRESH_TESTS="tests/integration/test_daemon.py
tests/integration/test_proc_robust.py tests/integration/test_ftp.py
tests/integration/test_plugin_trust.py"

fresh_check() {	# [test...]
	stamp "fresh: a clone in a 0700 folder, private TMPDIR, no ftp user"
	base=$(mktemp -d) || { fail=$((fail + 1)); status=1; return; }
	fdir=$base/stheno/_build/fresh
	if ! timeout -k 30 $PHASE_TIMEOUT sh "$top/tests/fresh.sh" "$base" "$@"
	then
		status=1
		[ -f "$fdir/test-suite.log" ] ||
			{ echo "fresh: make check did not finish"; fail=$((fail + 1)); }
		[ -d "$fdir" ] && failed_logs "$fdir"
	fi
	count "$fdir"
	leftovers fresh "$base/stheno/_build/"
	rm -rf "$base"
}

if [ $fresh_only -eq 1 ]; then
	fresh_check
	stamp "done"
	echo "tests: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] || status=1
	exit $status
fi

# The README's quick start on a machine that has only the build packages:
# examples/start.sh's own build, with the test packages' pkg-config files
# hidden (PKG_CONFIG_LIBDIR at a copy of the search path without them), so
# that a configure that needs a test package (Criterion) fails here, not on
# a user's new machine.  Then configure without expat must fail and name
# the package to install.
quickstart() {
	pcdir="$top/_build/test-quickstart-pc"
	rm -rf "$pcdir" "$top/_build/test-quickstart"; mkdir -p "$pcdir"
	hide=$(for p in $(sh tests/deps.sh --print-test); do
		dpkg -L "$p" 2>/dev/null; done | grep '\.pc$' | sed 's,.*/,,')
	for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
		for f in "$d"/*.pc; do
			[ -f "$f" ] || continue
			b=${f##*/}
			echo "$hide" | grep -qx "$b" || cp -n "$f" "$pcdir/"
		done
	done
	stamp "quickstart: examples/start.sh --build-only, hidden:" $hide
	if PKG_CONFIG_LIBDIR="$pcdir" \
	    STHENO_QUICKSTART_DIR="$top/_build/test-quickstart" \
	    sh examples/start.sh --build-only >"$pcdir.out" 2>&1 &&
	    [ -x "$top/_build/test-quickstart/daemon/sthenod" ]; then
		echo "quickstart: ok"; pass=$((pass + 1))
	else
		tail -30 "$pcdir.out" "$top/_build/test-quickstart/config.log"
		fail=$((fail + 1)); status=1
	fi
	rm -f "$pcdir/expat.pc"
	mkdir -p "$top/_build/test-quickstart/noexpat"
	cd "$top/_build/test-quickstart/noexpat"
	if PKG_CONFIG_LIBDIR="$pcdir" ../../../configure -q --disable-tests \
	    >configure.out 2>&1; then
		echo "quickstart: configure without expat did not fail"
		fail=$((fail + 1)); status=1
	elif grep -q 'libexpat1-dev' configure.out; then
		echo "quickstart: no expat: ok"; pass=$((pass + 1))
	else
		cat configure.out; fail=$((fail + 1)); status=1
	fi
	cd "$top"
	rm -rf "$top/_build/test-quickstart" "$pcdir" "$pcdir.out"
}
quickstart

build_and_check plain --enable-werror --enable-tests

stamp "clang: build with -Werror (warnings are errors with clang too)"
dir="$top/_build/test-clang"
rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
if ../../configure -q CC=clang --enable-werror --enable-tests >configure.out 2>&1 &&
    make -j"$jobs" >make.out 2>&1 && make -j"$jobs" check TESTS= >>make.out 2>&1; then
	echo "clang: ok"; pass=$((pass + 1))
else
	tail -n 40 make.out configure.out; fail=$((fail + 1)); status=1
fi
cd "$top"
build_and_check asan --enable-asan --enable-debug --enable-tests

# distcheck builds and checks the tarball once more, in parallel like the
# builds above; every test in it runs under the same per-test timeout.
stamp "distcheck"
cd "$top/_build/test-plain" && if timeout -k 30 $PHASE_TIMEOUT \
    make -j"$jobs" distcheck >distcheck.out 2>&1; then
	echo "distcheck: ok"; pass=$((pass + 1))
else
	tail -60 distcheck.out
	for d in stheno-*/_build/sub; do
		[ -d "$d" ] && failed_logs "$d"
	done
	fail=$((fail + 1)); status=1
fi
cd "$top"

leftovers distcheck

# The Debian package: built, lintian-checked, installed into a scratch root
# and purged again (tests/deb.sh); prints its sizes and file counts.
stamp "deb: dpkg-buildpackage, lintian, dpkg --root"
if sh tests/deb.sh "$top/_build/test-deb"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); status=1
fi

# shellcheck disable=SC2086
fresh_check $FRESH_TESTS
stamp "done"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || status=1
exit $status
