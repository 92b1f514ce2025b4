#!/bin/sh
# bench_memory.sh — resident memory of sthenod and of Debian's supervisord,
# both running the same config in the same run: 10 programs (sleep 1000)
# and an [inet_http_server], which brings sthenod's HTTP, RPC and web UI
# plugins in by themselves (the plugins actually loaded are listed from
# sthenod's log).  Measured once all are RUNNING and again after both have
# served CALLS getAllProcessInfo calls and their web page: VmRSS, RssAnon
# (the part no other process shares) and VmHWM from /proc/PID/status, Pss
# from /proc/PID/smaps_rollup (a shared library counts once across the
# processes mapping it); the ratios (target: sthenod ≤ 1/10 of
# supervisord).  Both run in the foreground: a daemon that forks away shows
# less VmRSS, since fork does not copy the page tables of file mappings.
#
# Not part of make check.  Needs curl.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_memory.sh
# Knobs (environment): CALLS (200).
set -eu
. "$(dirname "$0")/lib.sh"
need curl

CALLS=${CALLS:-200}

start_both "$(sleepers 0)" 10
sleep 1

plugins=$(sed -n "s/.* INFO plugin '\([^']*\)' .* loaded from .*/\1/p" \
    "$tmp/sthenod.log" | tr '\n' ' ')

# row LABEL PID — VmRSS, its anonymous part, VmHWM, Pss in kB.
row() {
	printf "  %-22s %8s %8s %8s %8s\n" "$1" "$(status_kb "$2" VmRSS)" \
	    "$(status_kb "$2" RssAnon)" "$(status_kb "$2" VmHWM)" \
	    "$(pss_kb "$2")"
}

echo "memory with 10 programs and [inet_http_server] (kB)"
echo "  sthenod plugins loaded: $plugins"
printf "  %-22s %8s %8s %8s %8s\n" "" VmRSS RssAnon VmHWM Pss
row "supervisord, started" "$sup_pid"
row "sthenod, started" "$sth_pid"
rss0_sup=$(status_kb "$sup_pid" VmRSS)
rss0_sth=$(status_kb "$sth_pid" VmRSS)

# Traffic: RPC calls and the web UI's status page on each.
for p in "$port_sup" "$port_sth"; do
	"$PYTHON" "$BENCH_DIR/benchrpc.py" latency "$p" "$CALLS" >/dev/null
	curl -sf -o /dev/null "http://127.0.0.1:$p/" ||
	    echo "  (no web page on port $p)"
done
sleep 1
row "supervisord, after use" "$sup_pid"
row "sthenod, after use" "$sth_pid"
rss_sup=$(status_kb "$sup_pid" VmRSS)
rss_sth=$(status_kb "$sth_pid" VmRSS)
pss_sup=$(pss_kb "$sup_pid")
pss_sth=$(pss_kb "$sth_pid")

anon_sup=$(status_kb "$sup_pid" RssAnon)
anon_sth=$(status_kb "$sth_pid" RssAnon)
echo "  sthenod/supervisord (target ≤ 0.100):"
printf "    VmRSS started %s, after use %s; RssAnon %s; Pss %s\n" \
    "$(ratio "$rss0_sth" "$rss0_sup" %.3f)" \
    "$(ratio "$rss_sth" "$rss_sup" %.3f)" \
    "$(ratio "$anon_sth" "$anon_sup" %.3f)" \
    "$(ratio "$pss_sth" "$pss_sup" %.3f)"
