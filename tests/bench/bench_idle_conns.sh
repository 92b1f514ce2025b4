#!/bin/sh
# bench_idle_conns.sh — N (10,000) idle keep-alive connections held open
# against sthenod's files extension and against nginx (one worker), one
# server at a time; prints how much each one's resident memory grew per
# connection.  The target: at most 4 KiB per connection for sthenod.
#
# Each connection sends one GET and reads the answer, so it is a real
# keep-alive connection that has served a request, then stays idle.  Both
# servers get the file-descriptor room (sthenod: minfds; nginx:
# worker_rlimit_nofile) and an idle timeout longer than the run.
#
# Not part of make check.  Needs nginx (apt-get install nginx).
#   STHENOD=_build/x/daemon/sthenod \
#   STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all tests/bench/bench_idle_conns.sh
# Knobs (environment): CONNS (10000).
set -eu
bench_peer=nginx	# for lib.sh: nginx is the peer, not supervisord
. "$(dirname "$0")/lib.sh"

CONNS=${CONNS:-10000}
FDS=$((CONNS * 2 + 200))

if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$FDS" ]; then
	FDS=$(ulimit -Hn)
	if [ "$FDS" -lt $((CONNS + 100)) ]; then
		echo "bench_idle_conns: the hard RLIMIT_NOFILE ($FDS) is too" \
		    "low for $CONNS connections" >&2
		exit 77
	fi
fi
ulimit -n "$FDS"

set -- $(free_ports 2)
PORT_STHENO=$1
PORT_NGINX=$2

mkdir -p "$tmp/www"
echo "<h1>idle</h1>" > "$tmp/www/index.html"

# The client: open CONNS connections, one request each, hold them; print
# the server's VmRSS and RssAnon (KiB) before and after.
cat > "$tmp/hold.py" <<'PY'
import resource, socket, sys, time

port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
req = b"GET /index.html HTTP/1.1\r\nHost: bench\r\n\r\n"

def rss():
	v = {}
	with open("/proc/%d/status" % pid) as f:
		for line in f:
			k, _, rest = line.partition(":")
			if k in ("VmRSS", "RssAnon"):
				v[k] = int(rest.split()[0])
	return v["VmRSS"], v["RssAnon"]

def one():
	s = socket.create_connection(("127.0.0.1", port))
	s.sendall(req)
	got = b""
	while b"\r\n\r\n" not in got or not got.endswith(b"</h1>\n"):
		b = s.recv(4096)
		if not b:
			raise SystemExit("server closed a connection")
		got += b
	return s

# warm up: the first connections allocate what every later one reuses
warm = [one() for _ in range(10)]
for s in warm:
	s.close()
time.sleep(0.5)
before = rss()
held = []
for i in range(n):
	held.append(one())
time.sleep(1.0)
after = rss()
# still alive: the last one answers again
held[-1].sendall(req)
if not held[-1].recv(4096).startswith(b"HTTP/1.1 200"):
	raise SystemExit("an idle connection no longer answers")
print(before[0], after[0], before[1], after[1])
for s in held:
	s.close()
PY

write_files_conf "$PORT_STHENO" "max_connections = $((CONNS + 100))
max_connections_per_address = $((CONNS + 100))" "minfds = $FDS"
write_nginx_conf "$PORT_NGINX" $((CONNS + 100)) "keepalive_timeout 300s;" \
    "worker_rlimit_nofile $FDS;"

report() {
	echo "$2" | awk -v name="$1" -v n="$CONNS" '{
	    printf "  %-19s VmRSS %6d -> %6d KiB  %7.0f B/conn   " \
	        "RssAnon %6d -> %6d KiB  %7.0f B/conn\n", name, $1, $2,
	        ($2 - $1) * 1024 / n, $3, $4, ($4 - $3) * 1024 / n }'
}

start_sthenod "$tmp/sthenod.conf"
wait_http "$PORT_STHENO" /index.html
sth=$("$PYTHON" "$tmp/hold.py" "$PORT_STHENO" "$sth_pid" "$CONNS")
stop_daemon "$sth_pid"
sth_pid=

start_nginx
wait_http "$PORT_NGINX" /index.html
ngx=$("$PYTHON" "$tmp/hold.py" "$PORT_NGINX" "$ngx_pid" "$CONNS")

echo "$CONNS idle keep-alive connections (one GET each), RSS growth"
report "sthenod (files.so)" "$sth"
report "nginx (1 worker)" "$ngx"
echo "$sth $ngx $CONNS" | awk '{ s = ($2 - $1) * 1024 / $9;
    g = ($6 - $5) * 1024 / $9;
    printf "  ratio sthenod/nginx %9.2f (VmRSS growth)\n", (g > 0) ? s / g : 0 }'
