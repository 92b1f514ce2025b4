#!/bin/sh
# bench_rpc.sh — supervisor.getAllProcessInfo with 10 programs (sleep 1000):
# wrk POSTing to /RPC2 on Debian's supervisord and on sthenod, started from
# the same config in the same run on two free loopback ports, then the same
# call over JSON-RPC (/jsonrpc) on sthenod; requests/s and the ratios
# (targets: sthenod ≥ 100× supervisord over XML-RPC, JSON-RPC ≥
# XML-RPC).  Then the latency Python's xmlrpc.client sees over N sequential
# calls on one connection, for both daemons.
#
# Not part of make check.  Needs wrk (apt-get install wrk) and supervisor.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_rpc.sh
# Knobs (environment): DURATION (10s), CONNS (10), THREADS (2), ROUNDS (1:
# run the wrk series that many times, best of each), CALLS (1000).
set -eu
. "$(dirname "$0")/lib.sh"
need wrk

DURATION=${DURATION:-10s}
CONNS=${CONNS:-10}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-1}
CALLS=${CALLS:-1000}

start_both "$(sleepers 0)" 10

cat > "$tmp/xmlrpc.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n"
LUA
cat > "$tmp/jsonrpc.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"supervisor.getAllProcessInfo","params":[]}'
LUA

# Each answer must carry the ten processes before anything is timed.
for p in "$port_sth" "$port_sup"; do
	n=$(curl -s -H 'Content-Type: text/xml' --data-binary \
	    "<?xml version='1.0'?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>" \
	    "http://127.0.0.1:$p/RPC2" | grep -o '<name>statename</name>' | wc -l)
	[ "$n" -eq 10 ] || die "port $p: /RPC2 answered $n processes, not 10"
done
n=$(curl -s -H 'Content-Type: application/json' --data-binary \
    '{"jsonrpc":"2.0","id":1,"method":"supervisor.getAllProcessInfo","params":[]}' \
    "http://127.0.0.1:$port_sth/jsonrpc" | grep -o '"statename"' | wc -l)
[ "$n" -eq 10 ] || die "sthenod /jsonrpc answered $n processes, not 10"

best_sup=0
best_sth=0
best_json=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	sup=$(wrk_rps "http://127.0.0.1:$port_sup/RPC2" -s "$tmp/xmlrpc.lua")
	sth=$(wrk_rps "http://127.0.0.1:$port_sth/RPC2" -s "$tmp/xmlrpc.lua")
	json=$(wrk_rps "http://127.0.0.1:$port_sth/jsonrpc" -s "$tmp/jsonrpc.lua")
	best_sup=$(max "$sup" "$best_sup")
	best_sth=$(max "$sth" "$best_sth")
	best_json=$(max "$json" "$best_json")
	r=$((r + 1))
done

lat_sup=$("$PYTHON" "$BENCH_DIR/benchrpc.py" latency "$port_sup" "$CALLS")
lat_sth=$("$PYTHON" "$BENCH_DIR/benchrpc.py" latency "$port_sth" "$CALLS")

printf "getAllProcessInfo, 10 programs, wrk -t%s -c%s -d%s (best of %s)\n" \
    "$THREADS" "$CONNS" "$DURATION" "$ROUNDS"
printf "  supervisord  XML-RPC  %10.0f req/s\n" "$best_sup"
printf "  sthenod      XML-RPC  %10.0f req/s   %s× supervisord (target ≥ 100)\n" \
    "$best_sth" "$(ratio "$best_sth" "$best_sup")"
printf "  sthenod      JSON-RPC %10.0f req/s   %s× sthenod XML-RPC (target ≥ 1)\n" \
    "$best_json" "$(ratio "$best_json" "$best_sth" %.2f)"
printf "xmlrpc.client, %s sequential calls on one connection (ms)\n" "$CALLS"
printf "  %-12s %8s %8s %8s %8s %8s %8s\n" "" mean p50 p99 max ">30ms" "total s"
# shellcheck disable=SC2086
printf "  %-12s %8s %8s %8s %8s %8s %8s\n" supervisord $lat_sup
# shellcheck disable=SC2086
printf "  %-12s %8s %8s %8s %8s %8s %8s\n" sthenod $lat_sth
set -- $lat_sup
m_sup=$1
set -- $lat_sth
printf "  mean latency ratio supervisord/sthenod %s\n" "$(ratio "$m_sup" "$1")"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: getAllProcessInfo, 10 programs, XML-RPC, wrk -c%s | supervisord %.0f req/s | %.0f req/s (JSON-RPC %.0f) | - | %sx peer | ≥ 100x supervisord\n' \
    "$CONNS" "$best_sup" "$best_sth" "$best_json" \
    "$(ratio "$best_sth" "$best_sup")"
