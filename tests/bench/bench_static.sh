#!/bin/sh
# bench_static.sh — a 1 KiB static file over keep-alive, wrk -c100, served by
# sthenod's files extension and by nginx (one worker, sendfile on, access log
# off) in the same run, on two loopback ports; prints requests/s of both,
# the ratio, and the resident memory of both after the run.
#
# Not part of make check.  Needs wrk and nginx (apt-get install wrk nginx).
#   STHENOD=_build/x/daemon/sthenod \
#   STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all tests/bench/bench_static.sh
# Knobs (environment): DURATION (5s), CONNS (100), THREADS (2), SIZE (1024),
# PORT_STHENO, PORT_NGINX (free ports), ROUNDS (1: alternate the two that
# many times and report the best of each).
set -eu
bench_peer=nginx	# for lib.sh: nginx is the peer, not supervisord
. "$(dirname "$0")/lib.sh"
need wrk

DURATION=${DURATION:-5s}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
SIZE=${SIZE:-1024}
set -- $(free_ports 2)
PORT_STHENO=${PORT_STHENO:-$1}
PORT_NGINX=${PORT_NGINX:-$2}
ROUNDS=${ROUNDS:-1}

# --- sthenod: [http_server:bench] root= served by files.so
write_files_conf "$PORT_STHENO" "max_connections = 4096
max_connections_per_address = 4096"
head -c "$SIZE" /dev/urandom > "$tmp/www/file.bin"
start_sthenod "$tmp/sthenod.conf"

# --- nginx: one worker, sendfile, no access log, keep-alive unlimited
write_nginx_conf "$PORT_NGINX" 4096 "tcp_nopush on;"
start_nginx

wait_http "$PORT_STHENO" /file.bin
wait_http "$PORT_NGINX" /file.bin

# Both must send the same bytes.
curl -s "http://127.0.0.1:$PORT_STHENO/file.bin" | cmp -s - "$tmp/www/file.bin" ||
    die "sthenod sent other bytes"

best_sth=0
best_ngx=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	s=$(wrk_rps "http://127.0.0.1:$PORT_STHENO/file.bin" --latency)
	n=$(wrk_rps "http://127.0.0.1:$PORT_NGINX/file.bin" --latency)
	best_sth=$(max "$s" "$best_sth")
	best_ngx=$(max "$n" "$best_ngx")
	r=$((r + 1))
done

printf "static %s bytes, wrk -t%s -c%s -d%s, keep-alive\n" "$SIZE" \
    "$THREADS" "$CONNS" "$DURATION"
printf "  sthenod (files.so)  %12.0f req/s   RSS %6s KiB\n" "$best_sth" \
    "$(status_kb "$sth_pid" VmRSS)"
printf "  nginx (1 worker)    %12.0f req/s   RSS %6s KiB\n" "$best_ngx" \
    "$(status_kb "$ngx_pid" VmRSS)"
echo "$best_sth $best_ngx" | awk '{ printf "  ratio sthenod/nginx %12.2f\n", $1 / $2 }'
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: static %s bytes, wrk -t%s -c%s | nginx %.0f req/s | %.0f req/s | - | %sx nginx | ≥ 1.0x nginx\n' \
    "$SIZE" "$THREADS" "$CONNS" "$best_ngx" "$best_sth" \
    "$(ratio "$best_sth" "$best_ngx" %.2f)"
