#!/bin/sh
# bench_ftp.sh — sthenod's ftp plugin beside vsftpd (Debian's package, one
# listener process, anonymous read-only, sendfile on), in the same run, on
# two loopback ports, each started here with its own config:
#   1. RETR of a SIZE_MB file with curl (passive, binary), MB/s, median
#      (and best) of ROUNDS, alternating the two servers, the bytes checked
#      once;
#   2. LOGINS sequential sessions (connect, anonymous login, LIST, QUIT)
#      with Python's ftplib: sessions/s;
#   3. resident memory: VmRSS and VmHWM of sthenod and of vsftpd's listener
#      after the runs, and the peak while a RETR runs summed over each
#      server's processes (vsftpd forks two per session), and what
#      libcrypt and libpam (linked by ftp.so alone) have resident in
#      sthenod (smaps).
# Prints both figures and the ratios.  Not part of make check.
# TLS=1: FTPS instead, both servers on one throwaway RSA-2048 certificate
# (sthenod: tls = NAME; vsftpd: ssl_enable=YES, allow_anon_ssl=YES; both
# require_ssl_reuse off: ftplib never resumes a session), curl
# --ssl-reqd (AUTH TLS, PROT P) and ftplib's FTP_TLS with prot_p.
#
#   apt-get install -y vsftpd curl
#   STHENOD=_build/x/daemon/sthenod tests/bench/bench_ftp.sh
# Knobs (environment): SIZE_MB (500), ROUNDS (9), LOGINS (200), TLS (0).
set -eu
. "$(dirname "$0")/lib.sh"
VSFTPD=${VSFTPD:-$(command -v vsftpd || echo /usr/sbin/vsftpd)}
need curl "$VSFTPD"

SIZE_MB=${SIZE_MB:-500}
ROUNDS=${ROUNDS:-9}
LOGINS=${LOGINS:-200}
TLS=${TLS:-0}

set -- $(free_ports 2)
PORT_STH=$1
PORT_VS=$2

mkdir -p "$tmp/ftp" "$tmp/empty"
chmod 755 "$tmp" "$tmp/ftp" "$tmp/empty"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$tmp/ftp/big.bin"
for i in $(seq 1 20); do echo "file $i" > "$tmp/ftp/f$i.txt"; done
chmod 644 "$tmp/ftp"/*

cat > "$tmp/sthenod.conf" <<CONF
[supervisord]
logfile = $tmp/sthenod.log
pidfile = $tmp/sthenod.pid

[plugin:ftp]
port = 127.0.0.1:$PORT_STH
anonymous = true
anon_root = $tmp/ftp
max_clients = 100
CONF
CURL_TLS=
HOST=127.0.0.1
if [ "$TLS" = 1 ]; then
	need openssl
	make_certs
	cat >> "$tmp/sthenod.conf" <<CONF
tls = bench
require_ssl_reuse = false

[tls:bench]
cert = $tmp/srv.pem
key = $tmp/srv.key
CONF
	CURL_TLS="--ssl-reqd --cacert $tmp/ca.pem"
	HOST=localhost
fi
cat > "$tmp/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$PORT_VS
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$tmp/ftp
local_enable=NO
write_enable=NO
secure_chroot_dir=$tmp/empty
xferlog_enable=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
use_sendfile=YES
max_clients=100
CONF
[ "$TLS" = 1 ] && cat >> "$tmp/vsftpd.conf" <<CONF
ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=YES
force_anon_data_ssl=YES
rsa_cert_file=$tmp/srv.pem
rsa_private_key_file=$tmp/srv.key
ssl_ciphers=HIGH
require_ssl_reuse=NO
CONF

start_sthenod "$tmp/sthenod.conf"
"$VSFTPD" "$tmp/vsftpd.conf" >"$tmp/vsftpd.out" 2>&1 &
vs_pid=$!
echo "$vs_pid" > "$tmp/vsftpd.pid"	# lib.sh's cleanup stops it

wait_ftp() {
	i=0
	until curl -s $CURL_TLS -o /dev/null "ftp://$HOST:$1/f1.txt"; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "no FTP server on port $1"
		sleep 0.1
	done
}
wait_ftp "$PORT_STH"
wait_ftp "$PORT_VS"
for p in "$PORT_STH" "$PORT_VS"; do
	curl -s $CURL_TLS "ftp://$HOST:$p/big.bin" |
	    cmp -s - "$tmp/ftp/big.bin" ||
	    die "port $p sent other bytes"
done

# tree_rss PID — VmRSS (kB) of PID and its descendants, summed (one ps per
# sample: fast enough to catch vsftpd's per-session processes).
tree_rss() {
	ps -eo pid=,ppid=,rss= | awk -v root="$1" '
		{ pp[$1] = $2; rss[$1] = $3 }
		END {
			for (p in pp) {
				q = p
				while (q != "" && q != root && q != 1 && q != 0)
					q = pp[q]
				if (q == root)
					s += rss[p]
			}
			print s + 0
		}'
}

# retr PORT PID — MB/s of one RETR of big.bin; the largest tree_rss of PID
# seen while it ran (sampled every 50 ms) in $tmp/peak.
retr() {
	curl -s $CURL_TLS -o /dev/null -w '%{speed_download}\n' \
	    "ftp://$HOST:$1/big.bin" > "$tmp/speed" &
	c=$!
	peak=0
	while kill -0 "$c" 2>/dev/null; do
		k=$(tree_rss "$2")
		[ "$k" -gt "$peak" ] && peak=$k
		sleep 0.05
	done
	wait "$c" || die "curl failed on port $1"
	echo "$peak" > "$tmp/peak"
	awk '{ printf "%.1f\n", $1 / 1048576 }' "$tmp/speed"
}

# $ROUNDS rounds, the two servers in turn; the median of each server's
# rounds is its figure (single rounds of either server range over almost a
# factor of two on a shared two-CPU machine), the best is printed beside it.
: >"$tmp/retr.sth"
: >"$tmp/retr.vs"
peak_sth=0
peak_vs=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	retr "$PORT_STH" "$sth_pid" >>"$tmp/retr.sth"
	peak_sth=$(max "$(cat "$tmp/peak")" "$peak_sth")
	retr "$PORT_VS" "$vs_pid" >>"$tmp/retr.vs"
	peak_vs=$(max "$(cat "$tmp/peak")" "$peak_vs")
	r=$((r + 1))
done
med_sth=$(median <"$tmp/retr.sth")
med_vs=$(median <"$tmp/retr.vs")
best_sth=$(sort -n "$tmp/retr.sth" | tail -1)
best_vs=$(sort -n "$tmp/retr.vs" | tail -1)

logins() {
	"$PYTHON" - "$1" "$LOGINS" "$TLS" "$tmp/ca.pem" <<'PY'
import ftplib, ssl, sys, time
port, n, tls = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
t0 = time.monotonic()
for _ in range(n):
	if tls:
		f = ftplib.FTP_TLS(context=ssl.create_default_context(
		    cafile=sys.argv[4]))
		f.connect("localhost", port, timeout=10)
		f.login()
		f.prot_p()
	else:
		f = ftplib.FTP()
		f.connect("127.0.0.1", port, timeout=10)
		f.login()
	lines = []
	f.retrlines("LIST", lines.append)
	assert len(lines) == 21, lines
	f.quit()
print("%.1f" % (n / (time.monotonic() - t0)))
PY
}
ls_sth=$(logins "$PORT_STH")
ls_vs=$(logins "$PORT_VS")

status() {
	sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"
}
rss_sth=$(status "$sth_pid" VmRSS)
hwm_sth=$(status "$sth_pid" VmHWM)
rss_vs=$(status "$vs_pid" VmRSS)
hwm_vs=$(status "$vs_pid" VmHWM)
crypt_kb=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { lib = ($6 ~ /libcrypt\.so/) }
	lib && /^Rss:/ { s += $2 } END { print s + 0 }' "/proc/$sth_pid/smaps")
pam_kb=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { lib = ($6 ~ /libpam\.so/) }
	lib && /^Rss:/ { s += $2 } END { print s + 0 }' "/proc/$sth_pid/smaps")

ratio() {
	echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "-" }'
}
[ "$TLS" = 1 ] && echo "FTPS: AUTH TLS, PROT P, RSA-2048 (OpenSSL's TLS 1.3 default cipher)"
printf '%-34s %12s %12s %8s\n' "" sthenod vsftpd ratio
printf '%-34s %12s %12s %8s\n' "RETR ${SIZE_MB} MB, MB/s (median of $ROUNDS)" \
    "$med_sth" "$med_vs" "$(ratio "$med_sth" "$med_vs")"
printf '%-34s %12s %12s %8s\n' "RETR, best round" \
    "$best_sth" "$best_vs" "$(ratio "$best_sth" "$best_vs")"
printf '%-34s %12s %12s %8s\n' "$LOGINS logins+LIST, sessions/s" \
    "$ls_sth" "$ls_vs" "$(ratio "$ls_sth" "$ls_vs")"
printf '%-34s %12s %12s %8s\n' "VmRSS after, kB (vsftpd: listener)" \
    "$rss_sth" "$rss_vs" "$(ratio "$rss_sth" "$rss_vs")"
printf '%-34s %12s %12s %8s\n' "VmHWM, kB" "$hwm_sth" "$hwm_vs" \
    "$(ratio "$hwm_sth" "$hwm_vs")"
printf '%-34s %12s %12s %8s\n' "peak during RETR, kB (all procs)" \
    "$peak_sth" "$peak_vs" "$(ratio "$peak_sth" "$peak_vs")"
printf '%-34s %12s\n' "libcrypt resident in sthenod, kB" "$crypt_kb"
printf '%-34s %12s\n' "libpam resident in sthenod, kB" "$pam_kb"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: FTP RETR %s MB / %s sessions | vsftpd %s MB/s, %s sessions/s | %s MB/s, %s sessions/s | - | %sx / %sx vsftpd | ≥ 1.0x / ≥ 2x vsftpd\n' \
    "$SIZE_MB" "$LOGINS" "$med_vs" "$ls_vs" "$med_sth" "$ls_sth" \
    "$(ratio "$med_sth" "$med_vs")" "$(ratio "$ls_sth" "$ls_vs")"
