#!/bin/sh
# tests/fresh.sh DIR [TEST...] — the integration tests as a brand-new machine
# would run them: from a clone of this repository in DIR/stheno, where DIR is
# a folder only its owner may enter (mode 0700, as /root), built there
# (_build/fresh, -Werror), with TMPDIR a 0700 folder of its own too, and,
# when run as root, without an `ftp` user: the tests run in a mount
# namespace of their own (unshare -m) whose /etc is a copy without `ftp`,
# so nothing on this machine changes.  With no TEST, every integration
# test; else those named (tests/integration/test_x.py).  The results are in
# DIR/stheno/_build/fresh (test-suite.log), which tests/run.sh counts; the
# caller removes DIR.  tests/run.sh --fresh runs it with every test.
set -u
base=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
src=$base/stheno
build=$src/_build/fresh

chmod 700 "$base" || exit 1
if git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	rev=$(git -C "$top" rev-parse HEAD)
	[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
		echo "fresh: uncommitted changes are not in the clone"
	git clone -q "$top" "$src" && git -C "$src" checkout -q "$rev" ||
		exit 1
	echo "fresh: clone of $(git -C "$src" log -1 --format='%h %s' |
		cut -c1-60) in $src ($(stat -c %a "$base") parent)"
else
	mkdir "$src" && tar -C "$top" --exclude=./_build -cf - . |
		tar -C "$src" -xf - || exit 1
	echo "fresh: copy of $top in $src ($(stat -c %a "$base") parent)"
fi
cd "$src" && ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
mkdir -p "$build" "$base/tmp" && chmod 700 "$base/tmp" && cd "$build" ||
	exit 1
if ! ../../configure -q --enable-werror --enable-tests >configure.out 2>&1; then
	cat configure.out; exit 1
fi
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; exit 1; }

# The integration tests make check knows (a plugin's own among them).
if [ $# -eq 0 ]; then
	set -- $(printf 'include Makefile\nfresh-tests:\n\t@echo %s\n' \
	    '$(filter %.py,$(TESTS))' | make -s -f - fresh-tests)
fi
echo "fresh: $# integration tests, TMPDIR=$base/tmp"

# /etc without the ftp user, in this namespace only.  useradd and the PAM
# files the tests write land in the copy too.
hide_ftp() {
	cp -a /etc "$base/etc" || return 1
	for f in passwd group shadow gshadow; do
		[ -f "$base/etc/$f" ] || continue
		grep -v '^ftp:' "$base/etc/$f" >"$base/etc/$f.new"
		chmod --reference="$base/etc/$f" "$base/etc/$f.new"
		chown --reference="$base/etc/$f" "$base/etc/$f.new"
		mv "$base/etc/$f.new" "$base/etc/$f"
	done
}

# check_PROGRAMS= : the unit and fuzz programs are not built (test plugins,
# check_LTLIBRARIES, are).
check="make -j$(nproc) check check_PROGRAMS= TESTS='$*'"
if [ "$(id -u)" -ne 0 ]; then
	echo "fresh: not root: the ftp user stays (no mount namespace)"
elif ! getent passwd ftp >/dev/null; then
	echo "fresh: this machine has no ftp user"
elif ! unshare -m true 2>/dev/null; then
	echo "fresh: unshare -m refused: the ftp user stays"
elif hide_ftp; then
	echo "fresh: the ftp user hidden (a copy of /etc in a mount namespace)"
	check="mount --bind '$base/etc' /etc && \
! getent passwd ftp >/dev/null && $check"
	exec env TMPDIR="$base/tmp" unshare -m --propagation private \
	    sh -c "$check"
else
	echo "fresh: cannot copy /etc: the ftp user stays"
fi
TMPDIR="$base/tmp" sh -c "$check"
