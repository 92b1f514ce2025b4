#!/bin/sh
# bench_rpc.sh — supervisor.getAllProcessInfo with 10 programs (sleep 1000):
# wrk POSTing to /RPC2 on Debian's supervisord and on sthenod, started from
# the same config in the same run on two free loopback ports, then the same
# call over JSON-RPC (/jsonrpc) on sthenod; requests/s and the ratios
# (targets: sthenod ≥ 100× supervisord over XML-RPC, JSON-RPC ≥
# XML-RPC).  The floor: the same sthenod's rate for a 1 KiB static file
# (files.so) on one more listener that also answers /RPC2 (a public server
# with control = true), both through the same wrk, keep-alive, in every
# round; target getAllProcessInfo ≥ 0.5× that static rate.  The series
# alternate, ROUNDS rounds, medians (the ratio is the median of the
# rounds' ratios).  Then the latency Python's xmlrpc.client sees over N
# sequential calls on one connection, for both daemons.
#
# Not part of make check.  Needs wrk (apt-get install wrk) and supervisor.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_rpc.sh
# Knobs (environment): DURATION (5s), CONNS (10), THREADS (2), ROUNDS (3),
# CALLS (1000).
set -eu
. "$(dirname "$0")/lib.sh"
need wrk

DURATION=${DURATION:-5s}
CONNS=${CONNS:-10}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
CALLS=${CALLS:-1000}

# The floor: the same sthenod serving a 1 KiB static file (files.so) on one
# more listener, a public server made a control server too, so that /RPC2
# and /file.bin are answered by the same server, to the same wrk.
set -- $(free_ports 1)
port_one=$1
mkdir -p "$tmp/www"
head -c 1024 /dev/urandom > "$tmp/www/file.bin"
start_both "$(sleepers 0)" 10 "[http_server:bench]
listen = 127.0.0.1:$port_one
root = $tmp/www
control = true

[plugin:files]"

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

curl -s "http://127.0.0.1:$port_one/file.bin" | cmp -s - "$tmp/www/file.bin" ||
    die "sthenod sent other bytes for /file.bin"

# Each round runs every series once, in turn; medians of the rounds.
: > "$tmp/rounds"
r=0
while [ $r -lt "$ROUNDS" ]; do
	sup=$(wrk_rps "http://127.0.0.1:$port_sup/RPC2" -s "$tmp/xmlrpc.lua")
	sth=$(wrk_rps "http://127.0.0.1:$port_sth/RPC2" -s "$tmp/xmlrpc.lua")
	json=$(wrk_rps "http://127.0.0.1:$port_sth/jsonrpc" -s "$tmp/jsonrpc.lua")
	one=$(wrk_rps "http://127.0.0.1:$port_one/RPC2" -s "$tmp/xmlrpc.lua")
	stat=$(wrk_rps "http://127.0.0.1:$port_one/file.bin")
	echo "$sup $sth $json $one $stat $(ratio "$one" "$stat" %.3f)" \
	    >> "$tmp/rounds"
	printf 'round %d: supervisord %.0f, sthenod %.0f, JSON-RPC %.0f; one server: XML-RPC %.0f, static 1 KiB %.0f req/s (%s)\n' \
	    $((r + 1)) "$sup" "$sth" "$json" "$one" "$stat" \
	    "$(ratio "$one" "$stat" %.3f)"
	r=$((r + 1))
done
col() {
	awk -v c="$1" '{ print $c }' "$tmp/rounds" | median
}
best_sup=$(col 1)
best_sth=$(col 2)
best_json=$(col 3)
med_one=$(col 4)
med_stat=$(col 5)
med_r=$(printf %.2f "$(col 6)")
lat_sup=$("$PYTHON" "$BENCH_DIR/benchrpc.py" latency "$port_sup" "$CALLS")
lat_sth=$("$PYTHON" "$BENCH_DIR/benchrpc.py" latency "$port_sth" "$CALLS")

printf "getAllProcessInfo, 10 programs, wrk -t%s -c%s -d%s (medians of %s rounds)\n" \
    "$THREADS" "$CONNS" "$DURATION" "$ROUNDS"
printf "  supervisord  XML-RPC  %10.0f req/s\n" "$best_sup"
printf "  sthenod      XML-RPC  %10.0f req/s   %s× supervisord (target ≥ 100)\n" \
    "$best_sth" "$(ratio "$best_sth" "$best_sup")"
printf "  sthenod      JSON-RPC %10.0f req/s   %s× sthenod XML-RPC (target ≥ 1)\n" \
    "$best_json" "$(ratio "$best_json" "$best_sth" %.2f)"
printf "one sthenod server (/RPC2 and files.so on one listener), same wrk\n"
printf "  getAllProcessInfo XML-RPC %10.0f req/s\n" "$med_one"
printf "  static 1 KiB GET          %10.0f req/s\n" "$med_stat"
printf "  ratio %s (median of the rounds' ratios; target ≥ 0.5)\n" "$med_r"
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
printf 'row: getAllProcessInfo, 10 programs, XML-RPC, wrk -t%s -c%s | supervisord %.0f req/s | %.0f req/s (JSON-RPC %.0f; on the static listener %.0f) | static 1 KiB on that listener %.0f req/s | %sx peer, %sx floor | ≥ 100x supervisord, ≥ 0.5x floor\n' \
    "$THREADS" "$CONNS" "$best_sup" "$best_sth" "$best_json" "$med_one" \
    "$med_stat" "$(ratio "$best_sth" "$best_sup")" "$med_r"
