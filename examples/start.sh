#!/bin/sh
# Quick start: install the build dependencies, build, and run sthenod in
# the foreground on examples/stheno.conf (Ctrl-C stops it).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/deps.sh
[ -x configure ] || ./autogen.sh
mkdir -p _build/plain
cd _build/plain
[ -f Makefile ] || ../../configure -q
make -j"$(nproc)" >/dev/null
cd "$top"
STHENO_PLUGIN_PATH="$top/_build/plain/plugins/.libs-all"
export STHENO_PLUGIN_PATH
exec "$top/_build/plain/daemon/sthenod" -n -c "$top/examples/stheno.conf" "$@"
