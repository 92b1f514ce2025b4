#!/bin/sh
# bench_idle.sh — how often an idle daemon wakes: sthenod and Debian's
# supervisord run the same config (10 programs, sleep 1000, and an
# [inet_http_server]) side by side; once all are RUNNING and a settling
# pause has passed, the context switches of every thread of each daemon
# (voluntary_ctxt_switches + nonvoluntary_ctxt_switches in
# /proc/PID/task/*/status) are counted over the same SECONDS window, during
# which nobody talks to them (target: sthenod 0, supervisord
# about one a second).
#
# Not part of make check.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_idle.sh
# Knobs (environment): SECONDS_IDLE (10), SETTLE (2 seconds).
set -eu
. "$(dirname "$0")/lib.sh"

SECONDS_IDLE=${SECONDS_IDLE:-10}
SETTLE=${SETTLE:-2}

start_both "$(sleepers 1)" 10
# the RPC connections of wait_running are closed, startsecs timers fired
sleep "$SETTLE"

c0_sth=$(ctxt "$sth_pid")
c0_sup=$(ctxt "$sup_pid")
sleep "$SECONDS_IDLE"
c1_sth=$(ctxt "$sth_pid")
c1_sup=$(ctxt "$sup_pid")
d_sth=$((c1_sth - c0_sth))
d_sup=$((c1_sup - c0_sup))

printf "context switches of an idle daemon over %s s, 10 programs\n" \
    "$SECONDS_IDLE"
printf "  supervisord %6d\n" "$d_sup"
printf "  sthenod     %6d   (target 0)\n" "$d_sth"
