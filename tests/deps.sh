#!/bin/sh
# Install everything building and testing Stheno needs, from Debian's
# registry.  Idempotent; run as root (or with sudo available).
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
BUILD_PKGS="build-essential autoconf automake libtool libltdl-dev pkg-config
	libevent-dev libjansson-dev libexpat1-dev libcrypt-dev libpam0g-dev
	libedit-dev libssl-dev"
TEST_PKGS="libcriterion-dev python3 supervisor curl clang libclang-rt-14-dev procps
	chromium wrk strace lftp vsftpd nginx-light mandoc debhelper lintian openssl
	valgrind"
# --print-build / --print-test: name the packages and stop (tests/run.sh
# hides the test packages' pkg-config files for its quickstart phase).
case "${1:-}" in
--print-build) echo $BUILD_PKGS; exit 0 ;;
--print-test) echo $TEST_PKGS; exit 0 ;;
esac
want="$BUILD_PKGS"
[ "${1:-}" = "--test" ] && want="$BUILD_PKGS $TEST_PKGS"
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# Debian's supervisor package may start its own supervisord; the tests run
# their own, so stop a packaged one that the install just started.
if [ -n "$missing" ] && command -v service >/dev/null 2>&1; then
	$SUDO service supervisor stop >/dev/null 2>&1 || true
	# vsftpd and nginx likewise: the benches start their own on free ports
	$SUDO service vsftpd stop >/dev/null 2>&1 || true
	$SUDO service nginx stop >/dev/null 2>&1 || true
fi
