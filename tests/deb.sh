#!/bin/sh
# The Debian package, as a user gets it: build it from a copy of this tree
# with `dpkg-buildpackage -us -uc -b`, check it with lintian (no errors),
# install both packages into a scratch root with `dpkg --root`, check what
# is there (daemon, sthenoctl, plugins, man pages, unit, config, SDK),
# build the SDK example against the installed stheno.pc, compare the file
# set with `make install`'s, then purge and check that nothing is left.
#
# Maintainer scripts cannot run in an empty root (they are chrooted into
# it) and must not touch this machine's systemd: the scratch install uses
# copies of the packages without them; the scripts themselves are checked
# with sh -n.  Prints the packages' sizes and file counts and the build
# time.  Usage: tests/deb.sh [workdir]   (default _build/test-deb)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$top/_build/test-deb}
fail=0
bad() { echo "deb: FAIL $*"; fail=1; }

rm -rf "$work"; mkdir -p "$work/src"
cd "$top"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard | tar -cf - -T - |
		tar -xf - -C "$work/src"
else
	tar -cf - --exclude=./_build . | tar -xf - -C "$work/src"
fi
cd "$work/src"
t0=$(date +%s)
if ! DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"; echo "deb: FAIL dpkg-buildpackage"; exit 1
fi
t1=$(date +%s)
cd "$work"
deb=$(ls stheno_*.deb) dev=$(ls stheno-dev_*.deb)
for d in $deb $dev; do
	echo "deb: $d $(stat -c %s "$d") bytes," \
	    "$(dpkg-deb -c "$d" | grep -vc '/$') files"
done
echo "deb: built in $((t1 - t0)) s"

if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error \
	    stheno_*.changes >lintian.out 2>&1 || { cat lintian.out;
		bad "lintian reports errors"; }
	echo "deb: lintian: $(grep -c '^E:' lintian.out) errors," \
	    "$(grep -c '^W:' lintian.out) warnings"
else
	echo "deb: lintian not installed, skipped"
fi

# the maintainer scripts parse
dpkg-deb -e "$deb" ctl
for s in ctl/preinst ctl/postinst ctl/prerm ctl/postrm; do
	[ -f "$s" ] && { sh -n "$s" || bad "$s does not parse"; }
done
grep -qx /etc/stheno/stheno.conf ctl/conffiles || bad "config not a conffile"

# copies without maintainer scripts, for the scratch root
mkdir -p bare
for d in $deb $dev; do
	rm -rf x; dpkg-deb -R "$d" x
	rm -f x/DEBIAN/preinst x/DEBIAN/postinst x/DEBIAN/prerm x/DEBIAN/postrm
	dpkg-deb -b x "bare/$d" >/dev/null || bad "repack $d"
done
R=$work/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status"
dpkg --root="$R" --force-depends --force-not-root -i "bare/$deb" \
    "bare/$dev" >dpkg.out 2>&1 || { cat dpkg.out; bad "dpkg --root -i"; }
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in usr/sbin/sthenod usr/bin/sthenoctl etc/stheno/stheno.conf \
    lib/systemd/system/stheno.service \
    usr/share/man/man8/sthenod.8.gz usr/share/man/man1/sthenoctl.1.gz \
    usr/share/man/man5/stheno.conf.5.gz \
    usr/include/stheno/plugin.h usr/lib/$ma/pkgconfig/stheno.pc; do
	[ -f "$R/$f" ] || bad "missing /$f"
done
for d in etc/stheno/conf.d var/log/stheno; do
	[ -d "$R/$d" ] || bad "missing /$d/"
done
for p in http xmlrpc webui eventlistener monitor metrics status files ftp
do
	[ -f "$R/usr/lib/$ma/stheno/plugins/$p.so" ] || bad "missing $p.so"
done
"$R/usr/sbin/sthenod" --print-config | cmp -s - "$R/etc/stheno/stheno.conf" ||
	bad "sthenod --print-config differs from /etc/stheno/stheno.conf"
"$R/usr/sbin/sthenod" -v >/dev/null || bad "sthenod -v"
grep -q '^ExecStart=/usr/sbin/sthenod -n -c /etc/stheno/stheno.conf$' \
    "$R/lib/systemd/system/stheno.service" || bad "unit's ExecStart"
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p unit
	sed "s|^ExecStart=/usr/sbin/sthenod|ExecStart=$R/usr/sbin/sthenod|" \
	    "$R/lib/systemd/system/stheno.service" >unit/stheno.service
	systemd-analyze verify --man=no unit/stheno.service >verify.out 2>&1
	if grep stheno.service verify.out; then
		bad "systemd-analyze verify"
	fi
fi
# the SDK guide's example against the installed SDK
mkdir -p sdk && cp src/sdk/example/hello.c src/sdk/example/Makefile sdk/
PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_PATH=$R/usr/lib/$ma/pkgconfig \
    make -s -C sdk hello.so >sdk.out 2>&1 || { cat sdk.out; bad "SDK example"; }
[ "$(PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_PATH=$R/usr/lib/$ma/pkgconfig \
    pkg-config --variable=plugindir stheno)" = \
    "$R/usr/lib/$ma/stheno/plugins" ] || bad "stheno.pc plugindir"

# make install (the package's own build folder) gives the same files
make -s -C src/_build/deb install DESTDIR="$work/mi" >mi.out 2>&1 ||
	{ cat mi.out; bad "make install"; }
(cd mi && find . ! -type d | sed 's,^\.,,' | sort) >mi.list
{ dpkg-deb -c "$deb"; dpkg-deb -c "$dev"; } | awk '{print $6}' |
	grep -v '/$' | grep -v '^\./usr/share/doc/' |
	sed -e 's,^\.,,' -e 's,\.gz$,,' | sort >deb.list
diff -u mi.list deb.list || bad "make install and the package differ"
echo "deb: make install = package: $(wc -l <mi.list) files"

# purge leaves nothing but dpkg's own records
dpkg --root="$R" --force-not-root --purge stheno-dev stheno >>dpkg.out 2>&1 ||
	{ cat dpkg.out; bad "dpkg --purge"; }
left=$(cd "$R" && find . -mindepth 1 ! -path './var/lib/dpkg*' \
    ! -path ./var/lib ! -path ./var)
[ -z "$left" ] || bad "left after purge: $left"

[ $fail = 0 ] && echo "deb: ok" && rm -rf "$work"
exit $fail
