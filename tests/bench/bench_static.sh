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
# PORT_STHENO (18481), PORT_NGINX (18482), ROUNDS (1: alternate the two that
# many times and report the best of each).
set -eu

STHENOD=${STHENOD:-sthenod}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
SIZE=${SIZE:-1024}
PORT_STHENO=${PORT_STHENO:-18481}
PORT_NGINX=${PORT_NGINX:-18482}
ROUNDS=${ROUNDS:-1}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

for tool in wrk "$NGINX" "$STHENOD"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench_static: $tool not found (apt-get install wrk nginx;" \
		    "set STHENOD)" >&2
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
trap cleanup EXIT INT TERM

mkdir -p "$tmp/www" "$tmp/nginx"
head -c "$SIZE" /dev/urandom > "$tmp/www/file.bin"

# --- sthenod: [http_server:bench] root= served by files.so
cat > "$tmp/stheno.conf" <<CONF
[supervisord]
logfile = $tmp/sthenod.log
pidfile = $tmp/sthenod.pid
loglevel = warn

[http_server:bench]
listen = 127.0.0.1:$PORT_STHENO
root = $tmp/www
max_connections = 4096

[plugin:http]
[plugin:files]
CONF
"$STHENOD" -n -c "$tmp/stheno.conf" >/dev/null 2>&1 &
sth_pid=$!

# --- nginx: one worker, sendfile, no access log, keep-alive unlimited
cat > "$tmp/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
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
		if curl -sf -o /dev/null "http://127.0.0.1:$1/file.bin"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "bench_static: nothing answers on port $1" >&2
	[ -f "$tmp/sthenod.log" ] && cat "$tmp/sthenod.log" >&2
	cat "$tmp/nginx/error.log" >&2
	exit 1
}
ready "$PORT_STHENO"
ready "$PORT_NGINX"

# Both must send the same bytes.
curl -s "http://127.0.0.1:$PORT_STHENO/file.bin" | cmp -s - "$tmp/www/file.bin" ||
    { echo "bench_static: sthenod sent other bytes" >&2; exit 1; }

# Requests/s of one wrk run; errors (non-2xx, socket errors) fail the run.
run_wrk() {
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency \
	    "http://127.0.0.1:$1/file.bin")
	if echo "$out" | grep -qE "Non-2xx|Socket errors"; then
		echo "$out" >&2
		echo "bench_static: errors against port $1" >&2
		exit 1
	fi
	echo "$out" | awk '/^Requests\/sec:/ { print $2 }'
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

best_sth=0
best_ngx=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	s=$(run_wrk "$PORT_STHENO")
	n=$(run_wrk "$PORT_NGINX")
	best_sth=$(echo "$s $best_sth" | awk '{ print ($1 > $2) ? $1 : $2 }')
	best_ngx=$(echo "$n $best_ngx" | awk '{ print ($1 > $2) ? $1 : $2 }')
	r=$((r + 1))
done

printf "static %s bytes, wrk -t%s -c%s -d%s, keep-alive\n" "$SIZE" \
    "$THREADS" "$CONNS" "$DURATION"
printf "  sthenod (files.so)  %12.0f req/s   RSS %6s KiB\n" "$best_sth" \
    "$(rss_kb "$sth_pid")"
printf "  nginx (1 worker)    %12.0f req/s   RSS %6s KiB\n" "$best_ngx" \
    "$(rss_kb "$ngx_pid")"
echo "$best_sth $best_ngx" | awk '{ printf "  ratio sthenod/nginx %12.2f\n", $1 / $2 }'
