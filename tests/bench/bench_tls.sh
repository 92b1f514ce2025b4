#!/bin/sh
# bench_tls.sh — HTTPS beside nginx in the same run, with the same RSA-2048
# certificate, protocol and cipher (TLS 1.3, TLS_AES_128_GCM_SHA256, X25519),
# one worker each: new TLS handshakes per second (openssl s_time -new, no
# session reuse, $CLIENTS clients at once), 1 KiB requests per second on
# kept-alive TLS connections (wrk -c$CONNS) and a 10 MB file's MB/s over TLS
# (wrk -t1 -c$BULK_CONNS, kept alive); prints all three, the ratios and the
# resident memory of both after the run.
#
# Not part of make check.  Needs wrk, openssl and nginx (apt-get install
# wrk openssl nginx-light).
#   STHENOD=_build/x/daemon/sthenod \
#   STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all tests/bench/bench_tls.sh
# Knobs (environment): DURATION (5s), SECS (5: s_time's seconds), CLIENTS
# (2), CONNS (100), THREADS (2), SIZE (1024), BULK_CONNS (4), ROUNDS (3:
# handshake and 10 MB rounds, sthenod and nginx alternating, medians), PIN=1
# (each server on CPU 0, the clients on CPU 1: the handshake rate is then
# the server's, not a share of two CPUs that four processes fight over).
set -eu
bench_peer=nginx	# for lib.sh: nginx is the peer, not supervisord
. "$(dirname "$0")/lib.sh"
need wrk openssl

DURATION=${DURATION:-5s}
SECS=${SECS:-5}
CLIENTS=${CLIENTS:-2}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
SIZE=${SIZE:-1024}
ROUNDS=${ROUNDS:-3}
BULK_CONNS=${BULK_CONNS:-4}
CIPHER=TLS_AES_128_GCM_SHA256
set -- $(free_ports 2)
PORT_STHENO=$1
PORT_NGINX=$2

make_certs
write_tls_confs "$PORT_STHENO" "$PORT_NGINX" "max_connections = 4096
max_connections_per_address = 4096"
head -c "$SIZE" /dev/urandom > "$tmp/www/file.bin"
head -c 10485760 /dev/urandom > "$tmp/www/big.bin"
start_sthenod "$tmp/sthenod.conf"
start_nginx

wait_https() {
	i=0
	while [ $i -lt 100 ]; do
		if curl -sf --cacert "$tmp/ca.pem" -o /dev/null \
		    "https://localhost:$1/file.bin"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	cat "$tmp/sthenod.log" "$tmp/nginx/error.log" >&2 2>/dev/null || :
	die "nothing answers HTTPS on port $1"
}
wait_https "$PORT_STHENO"
wait_https "$PORT_NGINX"
cpin=
if [ "${PIN:-0}" = 1 ]; then
	need taskset
	taskset -a -pc 0 "$sth_pid" >/dev/null
	taskset -a -pc 0 "$ngx_pid" >/dev/null
	cpin="taskset -c 1"
	WRK_PIN=$cpin
fi
for p in "$PORT_STHENO" "$PORT_NGINX"; do
	curl -s --cacert "$tmp/ca.pem" "https://localhost:$p/file.bin" |
	    cmp -s - "$tmp/www/file.bin" || die "port $p sent other bytes"
done

# handshakes PORT PID — "RATE MS": new handshakes per second with $CLIENTS
# s_time at once, and the server's CPU milliseconds per handshake (the rate
# depends on the clients' share of the CPUs too, on a busy machine much;
# the CPU time per handshake does not).
handshakes() {
	t0=$(cpu_ticks "$2")
	c=0
	while [ $c -lt "$CLIENTS" ]; do
		$cpin openssl s_time -connect "127.0.0.1:$1" -new -time "$SECS" \
		    -ciphersuites "$CIPHER" >"$tmp/stime.$c" 2>&1 &
		c=$((c + 1))
	done
	wait
	t1=$(cpu_ticks "$2")
	# "N connections in T real seconds" (T whole seconds)
	cat "$tmp"/stime.* | awk -v t0="$t0" -v t1="$t1" \
	    -v hz="$(getconf CLK_TCK)" '/connections in .* real seconds/ {
		n += $1; if ($4 > t) t = $4 } END {
		if (t > 0 && n > 0) printf "%.0f %.3f\n", n / t,
		    (t1 - t0) * 1000 / hz / n; else print "0 0" }'
	rm -f "$tmp"/stime.*
}

# The machine may be shared: $ROUNDS rounds, sthenod and nginx in turn,
# each figure the median of its rounds.
r=0
: >"$tmp/hs.sth"
: >"$tmp/hs.ngx"
while [ $r -lt "$ROUNDS" ]; do
	echo "$(handshakes "$PORT_STHENO" "$sth_pid")" >>"$tmp/hs.sth"
	echo "$(handshakes "$PORT_NGINX" "$ngx_pid")" >>"$tmp/hs.ngx"
	r=$((r + 1))
done
hs_sth=$(cut -d' ' -f1 "$tmp/hs.sth" | median)
cpu_sth=$(cut -d' ' -f2 "$tmp/hs.sth" | median)
hs_ngx=$(cut -d' ' -f1 "$tmp/hs.ngx" | median)
cpu_ngx=$(cut -d' ' -f2 "$tmp/hs.ngx" | median)
rps_sth=$(wrk_rps "https://localhost:$PORT_STHENO/file.bin")
rps_ngx=$(wrk_rps "https://localhost:$PORT_NGINX/file.bin")

# bulk PORT — MB/s of the 10 MB file (10 MiB an answer) over TLS.
bulk() {
	THREADS=1 CONNS=$BULK_CONNS wrk_rps "https://localhost:$1/big.bin" |
	    awk '{ printf "%.0f\n", $1 * 10.48576 }'
}
r=0
: >"$tmp/bulk.sth"
: >"$tmp/bulk.ngx"
while [ $r -lt "$ROUNDS" ]; do
	bulk "$PORT_STHENO" >>"$tmp/bulk.sth"
	bulk "$PORT_NGINX" >>"$tmp/bulk.ngx"
	r=$((r + 1))
done
mbs_sth=$(median <"$tmp/bulk.sth")
mbs_ngx=$(median <"$tmp/bulk.ngx")

printf "TLS 1.3 %s, RSA-2048, X25519, one worker each%s\n" "$CIPHER" \
    "${cpin:+; servers on CPU 0, clients on CPU 1 (PIN=1)}"
printf "  new handshakes/s (s_time -new x%s, median of %s)   sthenod %8s   nginx %8s\n" \
    "$CLIENTS" "$ROUNDS" "$hs_sth" "$hs_ngx"
printf "  server CPU ms per handshake           sthenod %8s   nginx %8s\n" \
    "$cpu_sth" "$cpu_ngx"
printf "  %s B keep-alive req/s (wrk -c%s)    sthenod %8.0f   nginx %8.0f\n" \
    "$SIZE" "$CONNS" "$rps_sth" "$rps_ngx"
printf "  10 MB over TLS, MB/s (wrk -t1 -c%s, median of %s)  sthenod %8s   nginx %8s\n" \
    "$BULK_CONNS" "$ROUNDS" "$mbs_sth" "$mbs_ngx"
echo "$hs_sth $hs_ngx $rps_sth $rps_ngx $mbs_sth $mbs_ngx" | awk '{
	printf "  ratio sthenod/nginx: handshakes %.2f, requests %.2f, " \
	    "10 MB %.2f\n", $1 / $2, $3 / $4, $5 / $6 }'
printf "  RSS after: sthenod %s KiB, nginx %s KiB\n" \
    "$(status_kb "$sth_pid" VmRSS)" "$(status_kb "$ngx_pid" VmRSS)"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: HTTPS (TLS 1.3, RSA-2048%s): new handshakes, 1 KiB keep-alive, 10 MB | nginx %s hs/s, %.0f req/s, %s MB/s | %s hs/s, %.0f req/s, %s MB/s | - | %s | ≥ 1.0x nginx\n' \
    "${cpin:+, PIN=1}" "$hs_ngx" "$rps_ngx" "$mbs_ngx" "$hs_sth" "$rps_sth" "$mbs_sth" \
    "$(echo "$hs_sth $hs_ngx $rps_sth $rps_ngx $mbs_sth $mbs_ngx" | awk '{
	printf "%.2fx / %.2fx / %.2fx nginx", $1 / $2, $3 / $4, $5 / $6 }')"
