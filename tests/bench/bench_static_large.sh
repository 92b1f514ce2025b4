#!/bin/sh
# bench_static_large.sh — a 10 MB static file over keep-alive, wrk, served by
# sthenod's files extension (respond_file: sendfile) and by nginx (one
# worker, sendfile on, access log off) in the same run, on two loopback
# ports; prints MB/s and requests/s of both and the ratio.  Issue 5's
# target: at least 1.0x nginx.
#
# Not part of make check.  Needs wrk and nginx (apt-get install wrk nginx).
#   STHENOD=_build/x/daemon/sthenod \
#   STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all tests/bench/bench_static_large.sh
# Knobs (environment): DURATION (5s), CONNS (10), THREADS (2), SIZE
# (10485760), ROUNDS (3: alternate the two that many times, best of each).
set -eu

STHENOD=${STHENOD:-sthenod}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-10}
THREADS=${THREADS:-2}
SIZE=${SIZE:-10485760}
ROUNDS=${ROUNDS:-3}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PYTHON=${PYTHON:-/usr/bin/python3}

for tool in wrk curl "$NGINX" "$STHENOD" "$PYTHON"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench_static_large: $tool not found (apt-get install" \
		    "wrk nginx curl; set STHENOD)" >&2
		exit 77
	fi
done

tmp=$(mktemp -d /tmp/sth-bench.XXXXXX)
sth_pid=
ngx_pid=
cleanup() {
	if [ -n "$sth_pid" ]; then kill "$sth_pid" 2>/dev/null || :; fi
	if [ -n "$ngx_pid" ]; then kill "$ngx_pid" 2>/dev/null || :; fi
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

set -- $("$PYTHON" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
	x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
PORT_STHENO=$1
PORT_NGINX=$2

mkdir -p "$tmp/www" "$tmp/nginx"
head -c "$SIZE" /dev/urandom > "$tmp/www/large.bin"

cat > "$tmp/stheno.conf" <<CONF
[supervisord]
logfile = $tmp/sthenod.log
pidfile = $tmp/sthenod.pid
loglevel = warn

[http_server:bench]
listen = 127.0.0.1:$PORT_STHENO
root = $tmp/www

[plugin:http]
[plugin:files]
CONF
"$STHENOD" -n -c "$tmp/stheno.conf" >/dev/null 2>&1 &
sth_pid=$!

cat > "$tmp/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$PORT_NGINX;
		root $tmp/www;
	}
}
CONF
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>>"$tmp/nginx/error.log" &
ngx_pid=$!

ready() {
	i=0
	while [ $i -lt 100 ]; do
		if curl -sf -o /dev/null "http://127.0.0.1:$1/large.bin"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "bench_static_large: nothing answers on port $1" >&2
	cat "$tmp/sthenod.log" "$tmp/nginx/error.log" >&2 2>/dev/null || :
	exit 1
}
ready "$PORT_STHENO"
ready "$PORT_NGINX"
for p in "$PORT_STHENO" "$PORT_NGINX"; do
	curl -s "http://127.0.0.1:$p/large.bin" | cmp -s - "$tmp/www/large.bin" ||
	    { echo "bench_static_large: port $p sent other bytes" >&2; exit 1; }
done

# "req/s MB/s" of one wrk run; errors fail the run.
run_wrk() {
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" \
	    "http://127.0.0.1:$1/large.bin")
	if echo "$out" | grep -qE "Non-2xx|Socket errors"; then
		echo "$out" >&2
		echo "bench_static_large: errors against port $1" >&2
		exit 1
	fi
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	echo "$rps" | awk -v s="$SIZE" '{ printf "%f %f\n", $1, $1 * s / 1e6 }'
}

best() {
	echo "$1 $2" | awk '{ print ($1 > $2) ? $1 : $2 }'
}

best_sth=0
best_ngx=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	s=$(run_wrk "$PORT_STHENO" | cut -d' ' -f1)
	n=$(run_wrk "$PORT_NGINX" | cut -d' ' -f1)
	best_sth=$(best "$s" "$best_sth")
	best_ngx=$(best "$n" "$best_ngx")
	r=$((r + 1))
done

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

printf "static %s bytes, wrk -t%s -c%s -d%s, keep-alive, best of %s\n" \
    "$SIZE" "$THREADS" "$CONNS" "$DURATION" "$ROUNDS"
echo "$best_sth $SIZE $(rss_kb "$sth_pid")" | awk '{ printf \
    "  sthenod (files.so)  %9.1f req/s %9.0f MB/s   RSS %6s KiB\n", \
    $1, $1 * $2 / 1e6, $3 }'
echo "$best_ngx $SIZE $(rss_kb "$ngx_pid")" | awk '{ printf \
    "  nginx (1 worker)    %9.1f req/s %9.0f MB/s   RSS %6s KiB\n", \
    $1, $1 * $2 / 1e6, $3 }'
echo "$best_sth $best_ngx" | awk '{ printf "  ratio sthenod/nginx %9.2f\n", $1 / $2 }'
