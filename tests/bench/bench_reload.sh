#!/bin/sh
# bench_reload.sh — the target for a provider's reload: `plugin.reload
# http` RELOADS (20) times, one every PAUSE (0.3) s, while three wrk runs
# (keep-alive) hit /RPC2 (supervisor.getState over POST), the web UI page
# and a static file; then prints how many requests each answered, the
# non-2xx answers and socket errors wrk saw (target: 0 and 0), how long a
# reload call took, and the daemon's fds and RSS before and after.
# supervisorctl status must work after every reload.  There is no peer to
# run beside it: supervisord cannot reload its HTTP server at all.
#
# Not part of make check.  Needs wrk and supervisor (apt-get install wrk
# supervisor).
#   STHENOD=_build/x/daemon/sthenod tests/bench/bench_reload.sh
# Knobs (environment): RELOADS (20), PAUSE (0.3), CONNS (4 per wrk),
# STHENOCTL (sthenoctl beside STHENOD's build tree).
set -eu
bench_peer=nginx	# no supervisord run; nginx is not needed either
NGINX=${NGINX:-true}
. "$(dirname "$0")/lib.sh"
need wrk supervisorctl

RELOADS=${RELOADS:-20}
PAUSE=${PAUSE:-0.3}
CONNS=${CONNS:-4}
if [ -z "${STHENOCTL:-}" ]; then
	d=$(dirname "$STHENOD")
	[ "$(basename "$d")" = .libs ] && d=$(dirname "$d")
	STHENOCTL=$(cd "$d/.." && pwd)/plugins/monitor/sthenoctl
fi
need "$STHENOCTL"

set -- $(free_ports 2)
PORT_PUB=$1
PORT_CTL=$2
write_files_conf "$PORT_PUB"
cat >>"$tmp/sthenod.conf" <<CONF
[inet_http_server]
port = 127.0.0.1:$PORT_CTL
[supervisorctl]
serverurl = http://127.0.0.1:$PORT_CTL
[plugin:monitor]
socket = $tmp/mon.sock
[program:sleeper]
command = sleep 1000
CONF
echo "static bytes" > "$tmp/www/a.txt"
cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = "<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName><params></params></methodCall>"
LUA
start_sthenod "$tmp/sthenod.conf"
wait_http "$PORT_PUB" /a.txt
wait_http "$PORT_CTL" /

ctl() { "$STHENOCTL" -c "$tmp/sthenod.conf" "$@"; }
fds() { ls "/proc/$sth_pid/fd" | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$sth_pid/status"; }

ctl plugin.reload http >/dev/null	# warm: the copies, the page cache
sleep 1.5
fd0=$(fds)
rss0=$(rss)
secs=$(awk -v n="$RELOADS" -v p="$PAUSE" 'BEGIN { print int(n * p + 3) }')
wrk -t1 -c"$CONNS" -d"${secs}s" -s "$tmp/post.lua" \
    "http://127.0.0.1:$PORT_CTL/RPC2" >"$tmp/wrk.rpc" 2>&1 &
w1=$!
wrk -t1 -c"$CONNS" -d"${secs}s" "http://127.0.0.1:$PORT_CTL/" \
    >"$tmp/wrk.ui" 2>&1 &
w2=$!
wrk -t1 -c"$CONNS" -d"${secs}s" "http://127.0.0.1:$PORT_PUB/a.txt" \
    >"$tmp/wrk.static" 2>&1 &
w3=$!
sleep 1
i=0
ms_total=0
ctl_fail=0
while [ $i -lt "$RELOADS" ]; do
	t0=$(date +%s%N)
	ctl plugin.reload http >/dev/null || die "reload $i failed"
	t1=$(date +%s%N)
	ms_total=$((ms_total + (t1 - t0) / 1000000))
	supervisorctl -c "$tmp/sthenod.conf" status sleeper >/dev/null 2>&1 ||
	    ctl_fail=$((ctl_fail + 1))
	sleep "$PAUSE"
	i=$((i + 1))
done
wait $w1 $w2 $w3
sleep 2		# the last old versions drain
kill -0 "$sth_pid" || die "sthenod died"

report() {	# name file
	reqs=$(awk '/requests in/ { print $1 }' "$2")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$2")
	sock=$(sed -n 's/.*Socket errors: //p' "$2")
	printf '%-8s %8s requests  non-2xx %s  socket errors %s\n' "$1" \
	    "$reqs" "${non2xx:-0}" "${sock:-none}"
}
echo "$RELOADS reloads of http under wrk (-c$CONNS each), one every ${PAUSE}s:"
report /RPC2 "$tmp/wrk.rpc"
report "/ (ui)" "$tmp/wrk.ui"
report static "$tmp/wrk.static"
echo "plugin.reload http: $((ms_total / RELOADS)) ms a call (sthenoctl round trip)"
echo "supervisorctl status after a reload: $ctl_fail failures"
echo "fds: $fd0 before, $(fds) after; VmRSS: $rss0 kB before, $(rss) kB after"
