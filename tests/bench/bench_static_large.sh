#!/bin/sh
# bench_static_large.sh — a 10 MB static file over keep-alive, wrk, served by
# sthenod's files extension (respond_file: sendfile) and by nginx (one
# worker, sendfile on, access log off) in the same run, on two loopback
# ports; prints MB/s and requests/s of both and the ratio.  The
# target: at least 1.0x nginx.
#
# Not part of make check.  Needs wrk and nginx (apt-get install wrk nginx).
#   STHENOD=_build/x/daemon/sthenod \
#   STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all tests/bench/bench_static_large.sh
# Knobs (environment): DURATION (5s), CONNS (10), THREADS (2), SIZE
# (10485760), ROUNDS (3: alternate the two that many times, the order
# alternating; best of each and the median of the rounds' ratios).
set -eu
bench_peer=nginx	# for lib.sh: nginx is the peer, not supervisord
. "$(dirname "$0")/lib.sh"
need wrk

DURATION=${DURATION:-5s}
CONNS=${CONNS:-10}
THREADS=${THREADS:-2}
SIZE=${SIZE:-10485760}
ROUNDS=${ROUNDS:-3}

set -- $(free_ports 2)
PORT_STHENO=$1
PORT_NGINX=$2

write_files_conf "$PORT_STHENO"
head -c "$SIZE" /dev/urandom > "$tmp/www/large.bin"
start_sthenod "$tmp/sthenod.conf"
write_nginx_conf "$PORT_NGINX" 1024 "tcp_nopush on;"
start_nginx

wait_http "$PORT_STHENO" /large.bin
wait_http "$PORT_NGINX" /large.bin
for p in "$PORT_STHENO" "$PORT_NGINX"; do
	curl -s "http://127.0.0.1:$p/large.bin" | cmp -s - "$tmp/www/large.bin" ||
	    die "port $p sent other bytes"
done

# timed PORT PID — wrk_rps of large.bin on PORT; adds the server PID's CPU
# ticks to $tmp/ticks.PORT and the requests it answered to $tmp/reqs.PORT
# (for the CPU each server spends a GB sent: when the two are at the
# loopback's limit, the figure that says whose code costs more).
timed() {
	t0=$(cpu_ticks "$2")
	rps=$(wrk_rps "http://127.0.0.1:$1/large.bin")
	t1=$(cpu_ticks "$2")
	echo $((t1 - t0)) >>"$tmp/ticks.$1"
	echo "$rps ${DURATION%s}" | awk '{ print $1 * $2 }' >>"$tmp/reqs.$1"
	echo "$rps"
}

# cpu_per_gb PORT — the server's CPU seconds a GB sent, over every round.
cpu_per_gb() {
	awk -v hz="$(getconf CLK_TCK)" -v size="$SIZE" '
	    FILENAME ~ /ticks/ { t += $1 } FILENAME ~ /reqs/ { n += $1 }
	    END { printf "%.3f", (n > 0 ? t / hz / (n * size / 1e9) : 0) }' \
	    "$tmp/ticks.$1" "$tmp/reqs.$1"
}

best_sth=0
best_ngx=0
ratios=
r=0
while [ $r -lt "$ROUNDS" ]; do
	# the order alternates, each round's ratio is kept for the median
	if [ $((r % 2)) -eq 0 ]; then
		s=$(timed "$PORT_STHENO" "$sth_pid")
		n=$(timed "$PORT_NGINX" "$ngx_pid")
	else
		n=$(timed "$PORT_NGINX" "$ngx_pid")
		s=$(timed "$PORT_STHENO" "$sth_pid")
	fi
	best_sth=$(max "$s" "$best_sth")
	best_ngx=$(max "$n" "$best_ngx")
	ratios="$ratios $(ratio "$s" "$n" %.3f)"
	r=$((r + 1))
done
median=$(printf '%s\n' $ratios | sort -g | awk '{ v[NR] = $1 } END {
	printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

printf "static %s bytes, wrk -t%s -c%s -d%s, keep-alive, best of %s\n" \
    "$SIZE" "$THREADS" "$CONNS" "$DURATION" "$ROUNDS"
echo "$best_sth $SIZE $(status_kb "$sth_pid" VmRSS)" | awk '{ printf \
    "  sthenod (files.so)  %9.1f req/s %9.0f MB/s   RSS %6s KiB\n", \
    $1, $1 * $2 / 1e6, $3 }'
echo "$best_ngx $SIZE $(status_kb "$ngx_pid" VmRSS)" | awk '{ printf \
    "  nginx (1 worker)    %9.1f req/s %9.0f MB/s   RSS %6s KiB\n", \
    $1, $1 * $2 / 1e6, $3 }'
echo "$best_sth $best_ngx" | awk '{ printf "  ratio sthenod/nginx %9.2f (best of each)\n", $1 / $2 }'
echo "  ratio sthenod/nginx $median (median of the rounds:$ratios)"
printf "  server CPU s a GB sent: sthenod %s, nginx %s\n" \
    "$(cpu_per_gb "$PORT_STHENO")" "$(cpu_per_gb "$PORT_NGINX")"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: static %s bytes, wrk -t%s -c%s | nginx %.0f MB/s | %.0f MB/s | - | %sx nginx, median of rounds (best of each: %sx) | ≥ 1.0x nginx\n' \
    "$SIZE" "$THREADS" "$CONNS" \
    "$(awk -v r="$best_ngx" -v s="$SIZE" 'BEGIN { print r * s / 1e6 }')" \
    "$(awk -v r="$best_sth" -v s="$SIZE" 'BEGIN { print r * s / 1e6 }')" \
    "$median" "$(ratio "$best_sth" "$best_ngx" %.2f)"
