# lib.sh — what every bench_*.sh shares: finding sthenod, its plugins and
# Debian's supervisord (or nginx); a scratch directory; free loopback ports;
# the daemons started in the foreground from one config each; waiting for
# their XML-RPC or HTTP; wrk; and a cleanup that stops every daemon and then
# every child any of them left behind.  Sourced, never run.
#
# Environment: STHENOD (sthenod, or a path), STHENO_PLUGIN_PATH (default:
# plugins/.libs-all beside STHENOD's build dir), SUPERVISORD
# (/usr/bin/supervisord), PYTHON (/usr/bin/python3, which has supervisor),
# NGINX (nginx on PATH, else /usr/sbin/nginx).  A script that compares with
# nginx, not supervisord, sets bench_peer=nginx before sourcing this.

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
STHENOD=${STHENOD:-sthenod}
SUPERVISORD=${SUPERVISORD:-/usr/bin/supervisord}
PYTHON=${PYTHON:-/usr/bin/python3}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

bench_name=$(basename "$0" .sh)

die() {
	echo "$bench_name: $*" >&2
	exit 1
}

# need TOOL... — exit 77 (skipped) naming the first missing tool.
need() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "$bench_name: $tool not found (apt-get install" \
			    "wrk curl nginx supervisor; set STHENOD)" >&2
			exit 77
		fi
	done
}

case ${bench_peer:-supervisord} in
nginx)	need "$STHENOD" "$PYTHON" "$NGINX" curl ;;
*)	need "$STHENOD" "$SUPERVISORD" "$PYTHON" ;;
esac
STHENOD=$(command -v "$STHENOD")
if [ -z "${STHENO_PLUGIN_PATH:-}" ]; then
	d=$(dirname "$STHENOD")
	[ "$(basename "$d")" = .libs ] && d=$(dirname "$d")
	STHENO_PLUGIN_PATH=$(cd "$d/.." && pwd)/plugins/.libs-all
fi
export STHENO_PLUGIN_PATH

tmp=$(mktemp -d /tmp/sth-bench.XXXXXX)
sth_pid=
sup_pid=
ngx_pid=

# children_of PID — the pids whose parent is PID.
children_of() {
	for s in /proc/[0-9]*/stat; do
		# field 4 is the ppid; the comm in field 2 may hold spaces
		sed -n 's/^\([0-9]*\) (.*) . \([0-9]*\) .*/\1 \2/p' "$s" \
		    2>/dev/null
	done | awk -v p="$1" '$2 == p { print $1 }'
}

# stop_daemon PID — SIGTERM, wait up to 30 s for it to stop its children
# and exit, then SIGKILL it and every child it still had.
stop_daemon() {
	[ -n "$1" ] || return 0
	kill -0 "$1" 2>/dev/null || return 0
	kids=$(children_of "$1")
	kill -TERM "$1" 2>/dev/null || :
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do
		# a zombie (exited, not yet waited for) counts as gone
		case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' \
		    "/proc/$1/status" 2>/dev/null) in
		Z | "") break ;;
		esac
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || :
	for k in $kids; do
		kill -KILL "$k" 2>/dev/null || :
	done
}

cleanup() {
	stop_daemon "$sth_pid"
	stop_daemon "$sup_pid"
	stop_daemon "$ngx_pid"
	# daemons a benchmark started out of sight (in a subshell or a helper)
	for f in "$tmp"/*.pid; do
		[ -f "$f" ] && stop_daemon "$(cat "$f")"
	done
	wait 2>/dev/null || :
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "$bench_name: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_ports N — N distinct free loopback TCP ports, one a line.
free_ports() {
	"$PYTHON" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	socks.append(s)
for s in socks:
	print(s.getsockname()[1])
PY
}

# write_conf FILE NAME PORT BODY — a config both daemons read unchanged:
# [supervisord] with its logs in $tmp/NAME.*, [inet_http_server] on PORT
# (no auth), then BODY (program sections).
write_conf() {
	cat > "$1" <<CONF
[supervisord]
logfile = $tmp/$2.log
pidfile = $tmp/$2.pid
childlogdir = $tmp/$2.children
minfds = ${MINFDS:-1024}
loglevel = ${LOGLEVEL:-info}

[inet_http_server]
port = 127.0.0.1:$3

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

$4
CONF
	mkdir -p "$tmp/$2.children"
}

# start_sthenod CONF / start_supervisord CONF — in the foreground (-n), so
# that $sth_pid / $sup_pid is the daemon itself; output to $tmp/*.out.
start_sthenod() {
	"$STHENOD" -n -c "$1" >"$tmp/sthenod.out" 2>&1 &
	sth_pid=$!
}

start_supervisord() {
	"$SUPERVISORD" -n -c "$1" >"$tmp/supervisord.out" 2>&1 &
	sup_pid=$!
}

# sleepers STARTSECS — the programs of the RPC, idle and memory benchmarks:
# ten processes of sleep 1000.
sleepers() {
	cat <<CONF
[program:sleeper]
command = sleep 1000
numprocs = 10
process_name = %(program_name)s_%(process_num)02d
startsecs = $1
CONF
}

# start_both BODY N [STHENOD_LINES] — both daemons on the same config
# (write_conf with BODY; STHENOD_LINES added to sthenod's alone), each on a
# free port ($port_sth, $port_sup); returns once each lists N processes,
# all RUNNING.
start_both() {
	set -- "$1" "$2" "${3:-}" $(free_ports 2)
	port_sth=$4
	port_sup=$5
	write_conf "$tmp/sthenod.conf" sthenod "$port_sth" "$1
$3"
	write_conf "$tmp/supervisord.conf" supervisord "$port_sup" "$1"
	start_sthenod "$tmp/sthenod.conf"
	start_supervisord "$tmp/supervisord.conf"
	wait_running "$port_sth" "$2"
	wait_running "$port_sup" "$2"
}

# write_files_conf PORT [SERVER_LINES [SUPERVISORD_LINES]] — the sthenod
# config of the HTTP benchmarks, $tmp/sthenod.conf: [http_server:bench] on
# 127.0.0.1:PORT serving $tmp/www through files.so; the lines are added to
# those two sections.
write_files_conf() {
	mkdir -p "$tmp/www"
	cat > "$tmp/sthenod.conf" <<CONF
[supervisord]
logfile = $tmp/sthenod.log
pidfile = $tmp/sthenod.pid
loglevel = warn
${3:-}

[http_server:bench]
listen = 127.0.0.1:$1
root = $tmp/www
${2:-}

[plugin:http]
[plugin:files]
CONF
}

# write_nginx_conf PORT WORKER_CONNECTIONS [HTTP_LINES [MAIN_LINES]] —
# $tmp/nginx/nginx.conf: one worker process in the foreground serving
# $tmp/www on 127.0.0.1:PORT, sendfile on, access log off, keep-alive
# without a request limit; HTTP_LINES go into http {}, MAIN_LINES at the
# top.
write_nginx_conf() {
	mkdir -p "$tmp/www" "$tmp/nginx"
	cat > "$tmp/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
${4:-}
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections $2; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 1000000;
	${3:-}
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$1;
		root $tmp/www;
	}
}
CONF
}

# make_certs — a throwaway CA ($tmp/ca.pem) and an RSA-2048 certificate for
# localhost and 127.0.0.1 signed by it ($tmp/srv.pem, $tmp/srv.key): the
# TLS benchmarks give sthenod and nginx the same one.
make_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" \
	    -out "$tmp/ca.pem" -days 2 -subj /CN=bench-ca 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$tmp/srv.key" \
	    -out "$tmp/srv.csr" -subj /CN=localhost 2>/dev/null
	echo "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$tmp/ext"
	openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" \
	    -CAkey "$tmp/ca.key" -CAcreateserial -out "$tmp/srv.pem" -days 2 \
	    -extfile "$tmp/ext" 2>/dev/null
}

# write_tls_confs PORT_STHENO PORT_NGINX [SERVER_LINES] — both servers'
# configs for the TLS benchmarks: $tmp/www over HTTPS with make_certs'
# certificate, TLS 1.3 and X25519 only; SERVER_LINES go into sthenod's
# [http_server:bench].
write_tls_confs() {
	write_files_conf "$1" "tls = bench
${3:-}"
	cat >> "$tmp/sthenod.conf" <<CONF

[tls:bench]
cert = $tmp/srv.pem
key = $tmp/srv.key
min_version = 1.3
groups = X25519
CONF
	write_nginx_conf "$2 ssl" 4096 "ssl_certificate $tmp/srv.pem;
	ssl_certificate_key $tmp/srv.key;
	ssl_protocols TLSv1.3;
	ssl_ecdh_curve X25519;"
}

# start_nginx — nginx on $tmp/nginx/nginx.conf, $ngx_pid.
start_nginx() {
	"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
	    2>>"$tmp/nginx/error.log" &
	ngx_pid=$!
}

# wait_http PORT PATH — until a GET of PATH answers 2xx (5 s at most);
# dies with the servers' logs otherwise.
wait_http() {
	i=0
	while [ $i -lt 100 ]; do
		if curl -sf -o /dev/null "http://127.0.0.1:$1$2"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	cat "$tmp/sthenod.log" "$tmp/sthenod.out" "$tmp/nginx/error.log" \
	    >&2 2>/dev/null || :
	die "nothing answers on port $1"
}

# wrk_rps URL [WRK_ARG...] — requests/s of one wrk run with $THREADS,
# $CONNS and $DURATION, run under $WRK_PIN if set (a taskset command); any
# non-2xx answer or socket error fails the run.
wrk_rps() {
	url=$1
	shift
	out=$(${WRK_PIN:-} wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$@" "$url")
	if echo "$out" | grep -qE "Non-2xx|Socket errors"; then
		echo "$out" >&2
		die "errors against $url"
	fi
	echo "$out" | awk '/^Requests\/sec:/ { print $2 }'
}

# median — the median of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# max A B — the larger of two numbers.
max() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'
}

# rpc PORT METHOD [ARG...] — one XML-RPC call, its result printed by repr().
rpc() {
	"$PYTHON" "$BENCH_DIR/benchrpc.py" call "$@"
}

# wait_running PORT N [SECONDS] — until getAllProcessInfo lists N processes,
# all RUNNING (default 60 s); dies with the daemon's log otherwise.
wait_running() {
	"$PYTHON" "$BENCH_DIR/benchrpc.py" wait "$1" "$2" "${3:-60}" ||
	    die "port $1: not all $2 processes RUNNING"
}

# status_kb PID FIELD — a field of /proc/PID/status in kB.
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# cpu_ticks PID — user + system CPU ticks (getconf CLK_TCK a second) of PID
# so far (after the command's parenthesised name, which may hold blanks).
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# pss_kb PID — the proportional set size from smaps_rollup, in kB.
pss_kb() {
	awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"
}

# ctxt PID — voluntary + nonvoluntary context switches of every thread.
ctxt() {
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '
	    $1 == "voluntary_ctxt_switches:" || \
	    $1 == "nonvoluntary_ctxt_switches:" { n += $2 }
	    END { print n + 0 }'
}

# ratio A B [FMT] — A / B, printed with FMT (default %.1f).
ratio() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN {
		if (b == 0) print "inf"; else printf f "\n", a / b }'
}

# now — seconds since the epoch with nanoseconds.
now() {
	date +%s.%N
}
