#!/bin/sh
# bench_ctl.sh — `sthenoctl status` beside `supervisorctl status` with 100
# programs: wall time per call (fork, exec, connect, getVersion and
# getAllProcessInfo, print 100 lines), CALLS sequential calls of each,
# against sthenod and against Debian's supervisord on the same config, in
# the same run; every answer first checked to list the 100 processes
# RUNNING.  Target: sthenoctl ≥ 10× faster than supervisorctl.
# The last line ("none") is each client alone: no server at its URL, so
# start-up, config and the failed connect ("no such file", status 4).
#
# Not part of make check.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_ctl.sh
# Knobs (environment): PROGRAMS (100), CALLS (20), ROUNDS (3: the two
# clients take turns, the best round of each counts, against a shared
# machine's noise), STHENOCTL (beside STHENOD's build), SUPERVISORCTL
# (/usr/bin/supervisorctl).
set -eu
. "$(dirname "$0")/lib.sh"

PROGRAMS=${PROGRAMS:-100}
CALLS=${CALLS:-20}
ROUNDS=${ROUNDS:-3}
SUPERVISORCTL=${SUPERVISORCTL:-/usr/bin/supervisorctl}
if [ -z "${STHENOCTL:-}" ]; then
	d=$(dirname "$STHENOD")
	[ "$(basename "$d")" = .libs ] && d=$(dirname "$d")
	STHENOCTL=$(cd "$d/.." && pwd)/plugins/monitor/sthenoctl
fi
[ -x "$STHENOCTL" ] || die "no sthenoctl at $STHENOCTL (set STHENOCTL)"
[ -x "$SUPERVISORCTL" ] || { echo "$bench_name: no $SUPERVISORCTL" >&2; exit 77; }
MINFDS=$((PROGRAMS * 5 + 64))

start_both "$(printf '[program:p]\ncommand = sleep 1000\nnumprocs = %s\n' \
    "$PROGRAMS")
process_name = p%(process_num)03d
startsecs = 0" "$PROGRAMS"

# calls CLIENT PORT — CALLS times `CLIENT -s URL status`; seconds a call.
# PORT "none": a unix socket that is not there, the client's own cost.
calls() {
	url=http://127.0.0.1:$2
	if [ "$2" = none ]; then
		url=unix://$tmp/none.sock
	else
		n=$("$1" -s "$url" status | grep -c ' RUNNING ') || true
		[ "$n" = "$PROGRAMS" ] ||
		    die "$1 on $url: $n of $PROGRAMS RUNNING"
	fi
	t0=$(now)
	i=0
	while [ $i -lt "$CALLS" ]; do
		"$1" -s "$url" status >/dev/null || [ "$2" = none ]
		i=$((i + 1))
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v n="$CALLS" 'BEGIN { printf "%.6f\n", (b - a) / n }'
}

# min A [B] — the smaller of A and B (B may be empty).
min() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'
}

echo "$bench_name: status with $PROGRAMS programs, best of $ROUNDS rounds" \
    "of $CALLS calls, ms a call"
for daemon in sthenod supervisord none; do
	case $daemon in
	sthenod)	port=$port_sth ;;
	supervisord)	port=$port_sup ;;
	*)		port=none ;;
	esac
	t_ctl=
	t_py=
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		t_ctl=$(min "$(calls "$STHENOCTL" "$port")" "$t_ctl")
		t_py=$(min "$(calls "$SUPERVISORCTL" "$port")" "$t_py")
		r=$((r + 1))
	done
	printf "  %-12s sthenoctl %8.2f   supervisorctl %8.2f   %s× faster (target ≥ 10)\n" \
	    "$daemon" "$(awk -v t="$t_ctl" 'BEGIN { print t * 1000 }')" \
	    "$(awk -v t="$t_py" 'BEGIN { print t * 1000 }')" \
	    "$(ratio "$t_py" "$t_ctl")"
done
