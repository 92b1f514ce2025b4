#!/bin/sh
# bench_flood.sh — the yes-flood: /usr/bin/yes writing as fast as it can,
# every read of its stdout a PROCESS_LOG_STDOUT event, one listener
# (evl_listener.c, acks at once) behind a pool with buffer_size=100, so
# that most events overflow the buffer and are discarded.  supervisord,
# sthenod and the floor (evl_floor.c: a C relay with the same drop-oldest
# buffer) alternate in the same run; prints events/s, payload MB/s
# delivered and events discarded per second of each, and the ratios.
# Targets: sthenod >= 2x supervisord and >= 0.9x the floor.
#
#   tests/bench/bench_flood.sh [SECONDS]
#
# Knobs as bench_events.sh (which does the work): ROUNDS (default 5 here),
# BUFFER_SIZE (100), PIN=1, STHENOD, SUPERVISORD.
set -eu
ROUNDS=${ROUNDS:-5} BUFFER_SIZE=${BUFFER_SIZE:-100} \
WORKLOAD=${WORKLOAD:-"yes-flood PROCESS_LOG events, buffer_size=${BUFFER_SIZE:-100}"} \
TARGET=${TARGET:-"≥ 2x supervisord, ≥ 0.9x floor"} \
    exec "$(dirname "$0")/bench_events.sh" "${1:-5}" /usr/bin/yes
