#!/bin/sh
# Quick start: install the build dependencies, build, and run sthenod in
# the foreground on examples/stheno.conf (Ctrl-C stops it).
#
# Only the build packages are installed (tests/deps.sh), so configure is
# told --disable-tests: Criterion and the other test packages are not needed
# to run the daemon.  tests/run.sh runs this script's build on a pkg-config
# view without the test packages ("quickstart" phase), so a new build
# dependency that tests/deps.sh's BUILD_PKGS lacks fails there first.
#
#   --build-only   build into $STHENO_QUICKSTART_DIR (default _build/plain)
#                  and stop; tests/run.sh uses it
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${STHENO_QUICKSTART_DIR:-$top/_build/plain}
sh tests/deps.sh
[ -x configure ] || ./autogen.sh
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" -q --disable-tests
make -j"$(nproc)" >/dev/null
[ "${1:-}" = "--build-only" ] && exit 0
cd "$top"
STHENO_PLUGIN_PATH="$build/plugins/.libs-all"
export STHENO_PLUGIN_PATH
exec "$build/daemon/sthenod" -n -c "$top/examples/stheno.conf" "$@"
