#!/bin/sh
# bench_rpc_cpu.sh — what one supervisor.getAllProcessInfo (10 programs)
# costs sthenod itself, as figures that do not depend on how busy the
# machine is: (1) daemon CPU per request (utime+stime from /proc/PID/stat)
# while wrk -c10 runs, for /RPC2 and /jsonrpc; (2) with valgrind, callgrind
# instructions per request (user space only) over CALLS sequential calls
# on one connection, counters zeroed after a warm-up, the ten programs
# running as in step 1 (see bench_rpc.sh for the comparison with
# supervisord).
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_rpc_cpu.sh
# Knobs: DURATION (5s), CALLS (1000), CALLGRIND (1; 0 skips step 2).
set -eu
. "$(dirname "$0")/lib.sh"
need wrk

DURATION=${DURATION:-5s}
CALLS=${CALLS:-1000}
CALLGRIND=${CALLGRIND:-1}

set -- $(free_ports 1)
port=$1
write_conf "$tmp/sthenod.conf" sthenod "$port" "$(sleepers 0)"
xml_body="<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n"
json_body='{"jsonrpc":"2.0","id":1,"method":"supervisor.getAllProcessInfo","params":[]}'
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/xml"\nwrk.body = "%s"\n' \
    "$xml_body" > "$tmp/RPC2.lua"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' \
    "'$json_body'" > "$tmp/jsonrpc.lua"
cat > "$tmp/client.py" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body, ctype = sys.argv[4].encode().decode("unicode_escape").encode(), \
    sys.argv[5]
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(n):
    c.request("POST", path, body, {"Content-Type": ctype})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("HTTP %d" % r.status)
PY

start_sthenod "$tmp/sthenod.conf"
wait_running "$port" 10
hz=$(getconf CLK_TCK)
printf "getAllProcessInfo, 10 programs: sthenod's own cost a request\n"
for path in RPC2 jsonrpc; do
	c0=$(cpu_ticks "$sth_pid")
	out=$(wrk -t2 -c10 -d"$DURATION" -s "$tmp/$path.lua" \
	    "http://127.0.0.1:$port/$path")
	c1=$(cpu_ticks "$sth_pid")
	echo "$out" | grep -qE "Non-2xx|Socket errors" &&
	    die "errors on /$path: $out"
	echo "$out" | awk -v c=$((c1 - c0)) -v hz="$hz" -v p="/$path" '
	    / requests in / { n = $1 }
	    /^Requests\/sec:/ { r = $2 }
	    END { printf "  %-9s wrk -c10 %9.0f req/s %7.1f us CPU/request\n",
		p, r, c * 1e6 / hz / n }'
done
stop_daemon "$sth_pid"
sth_pid=

[ "$CALLGRIND" = 1 ] || exit 0
need valgrind callgrind_control callgrind_annotate
# Under valgrind the spawn copies the fd table (proc_spawn.c), so the ten
# programs run there too.
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" -q \
    "$STHENOD" -n -c "$tmp/sthenod.conf" >"$tmp/valgrind.out" 2>&1 &
sth_pid=$!
"$PYTHON" "$BENCH_DIR/benchrpc.py" wait "$port" 10 60 RUNNING ||
    die "port $port: not all 10 processes RUNNING under valgrind"
i=0
for path in RPC2 jsonrpc; do
	if [ $path = RPC2 ]; then
		set -- "$xml_body" text/xml
	else
		set -- "$json_body" application/json
	fi
	"$PYTHON" "$tmp/client.py" "$port" "/$path" 50 "$@"
	callgrind_control -z "$sth_pid" >/dev/null 2>&1
	"$PYTHON" "$tmp/client.py" "$port" "/$path" "$CALLS" "$@"
	callgrind_control -d "$sth_pid" >/dev/null 2>&1
	i=$((i + 1))
	f=$tmp/cg.$sth_pid.$i
	wait_file=0
	while [ ! -s "$f" ] && [ $wait_file -lt 50 ]; do
		sleep 0.1
		wait_file=$((wait_file + 1))
	done
	callgrind_annotate "$f" 2>/dev/null | awk -v n="$CALLS" -v p="/$path" '
	    /PROGRAM TOTALS/ { gsub(",", "", $1);
		printf "  %-9s callgrind %9.0f instructions/request\n",
		p, $1 / n }'
done
