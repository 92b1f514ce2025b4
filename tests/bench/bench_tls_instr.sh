#!/bin/sh
# bench_tls_instr.sh — user-space instructions per new TLS handshake,
# sthenod beside nginx, each under valgrind's callgrind: the same RSA-2048
# certificate, TLS 1.3, X25519, one worker each (bench_tls.sh's setup).
#
# bench_tls.sh's handshakes per second are decided on a two-CPU machine by
# the clients' share of the CPUs and by whatever else runs: single rounds
# of the same build swing by 20 %.  An instruction count does not: it is
# the same for the same binaries and inputs whatever else runs.  It leaves
# out the kernel's share (about 7 % of the server's CPU per handshake in
# both daemons: bench_tls.sh's server CPU figure has it).
#
# Counting starts after a warm-up of 5 handshakes (callgrind_control
# --zero) and stops after $N more (--dump), so start-up and config loading
# are not counted.  Each handshake is a fresh connection from Python's ssl
# module that closes after the handshake.
#
# Not part of make check.  Needs valgrind, openssl, curl and nginx.
#   STHENOD=_build/x/daemon/sthenod tests/bench/bench_tls_instr.sh
# Knobs (environment): N (300 handshakes).
set -eu
bench_peer=nginx	# for lib.sh: nginx is the peer, not supervisord
. "$(dirname "$0")/lib.sh"
need valgrind callgrind_control openssl

N=${N:-300}
[ "$(head -c 4 "$STHENOD" | tail -c 3)" = ELF ] ||
	die "$STHENOD is not an ELF binary (a libtool wrapper? name .libs/sthenod)"
set -- $(free_ports 2)
PORT_STHENO=$1
PORT_NGINX=$2
make_certs
write_tls_confs "$PORT_STHENO" "$PORT_NGINX"
echo hello > "$tmp/www/f"

valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.sthenod" \
    "$STHENOD" -n -c "$tmp/sthenod.conf" >"$tmp/sthenod.out" 2>&1 &
sth_pid=$!
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.nginx" \
    "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
    >"$tmp/nginx.out" 2>&1 &
ngx_pid=$!

# handshakes PORT COUNT — COUNT new TLS sessions, each closed at once.
handshakes() {
	"$PYTHON" - "$1" "$2" <<'PY'
import socket, ssl, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
for i in range(n):
	s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port),
	    timeout=60))
	s.close()
PY
}

# ready PORT — the server under valgrind answers (60 s at most).
ready() {
	i=0
	until curl -sfk -o /dev/null "https://127.0.0.1:$1/f"; do
		i=$((i + 1))
		[ $i -lt 600 ] || die "nothing answers HTTPS on port $1"
		sleep 0.1
	done
}

# count NAME PID PORT — instructions per handshake of one server.
count() {
	handshakes "$3" 5
	callgrind_control --zero "$2" >/dev/null 2>&1
	handshakes "$3" "$N"
	callgrind_control --dump=handshakes "$2" >/dev/null 2>&1
	# the dump is written when the server next runs: wait for it
	i=0
	until ls "$tmp/cg.$1".* >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "callgrind wrote no dump for $1"
		sleep 0.1
	done
	sleep 0.5
	awk -v n="$N" '/^summary:/ { printf "%.0f\n", $2 / n }' \
	    "$(ls "$tmp/cg.$1".* | head -1)"
}

ready "$PORT_STHENO"
ready "$PORT_NGINX"
i_sth=$(count sthenod "$sth_pid" "$PORT_STHENO")
i_ngx=$(count nginx "$ngx_pid" "$PORT_NGINX")
[ -n "$i_sth" ] && [ -n "$i_ngx" ] || die "a callgrind dump had no summary"

printf "TLS 1.3, RSA-2048, X25519: user-space instructions per new handshake (callgrind, %s handshakes)\n" "$N"
printf "  sthenod %10s   nginx %10s   ratio sthenod/nginx %.3f\n" \
    "$i_sth" "$i_ngx" "$(echo "$i_sth $i_ngx" | awk '{ print $1 / $2 }')"
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh)
printf 'row: HTTPS handshake, user-space instructions (callgrind) | nginx %s | %s | - | %s | ≤ nginx\n' \
    "$i_ngx" "$i_sth" \
    "$(echo "$i_sth $i_ngx" | awk '{ printf "%.3fx nginx", $1 / $2 }')"
