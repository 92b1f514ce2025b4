#!/bin/sh
# bench_capture.sh — a child writing SIZE_MB of pre-generated random data to
# its stdout (head -c, which writes 4 KiB at a time like a stdio program;
# WRITER=cat writes 128 KiB), captured into its stdout_logfile (no rotation), by
# sthenod and by Debian's supervisord, one at a time on the same config;
# against `cat FILE > out` on the same data as the ceiling.  Timed from
# supervisor.startProcess(name, False) to the log file holding every byte;
# each copy is checked byte-identical by sha256.  Prints MB/s of the three
# and the ratios (targets: sthenod ≥ 90% of cat, ≥ 3× supervisord),
# and, for reference, `WRITER | cat > out`: the same bytes through a pipe
# and a user-space relay, which is what a daemon does, and `WRITER > out`,
# the child writing the file itself.  The last line sets the targets
# against `cat > file` itself: coreutils 9 copies file to file inside the
# kernel (copy_file_range), with no pipe and no second process, which no
# daemon reading a child's pipe can do.
#
# Not part of make check.  Needs about 4 × SIZE_MB free in /tmp.
#   STHENOD=_build/bench/daemon/sthenod tests/bench/bench_capture.sh
# Knobs (environment): SIZE_MB (500), ROUNDS (3: best of that many),
# WRITER (head or cat).
set -eu
. "$(dirname "$0")/lib.sh"
need sha256sum

SIZE_MB=${SIZE_MB:-500}
ROUNDS=${ROUNDS:-3}
WRITER=${WRITER:-head}
bytes=$((SIZE_MB * 1024 * 1024))

head -c "$bytes" /dev/urandom > "$tmp/data.bin"
sum=$(sha256sum < "$tmp/data.bin" | cut -d' ' -f1)
case $WRITER in
head) writer="head -c $bytes $tmp/data.bin" ;;
cat) writer="cat $tmp/data.bin" ;;
*) die "WRITER is head or cat" ;;
esac

set -- $(free_ports 2)
port_sth=$1
port_sup=$2

# check FILE WHO — FILE must be the data, byte for byte; then removed.
check() {
	got=$(sha256sum < "$1" | cut -d' ' -f1)
	[ "$got" = "$sum" ] ||
	    die "$2: $1 differs from the data ($(wc -c < "$1") bytes)"
	rm -f "$1"
}

# mbs SECONDS — MB/s for the data's size.
mbs() {
	awk -v s="$1" -v b="$bytes" 'BEGIN { printf "%.1f\n", b / 1048576 / s }'
}

best() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'
}

# time_cat — seconds of `cat data > out`, output checked.
time_cat() {
	t0=$(now)
	cat "$tmp/data.bin" > "$tmp/cat.out"
	t1=$(now)
	check "$tmp/cat.out" cat
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# time_direct — seconds of `WRITER > out`: the child writing the file itself,
# no pipe and no daemon (the same as time_cat when WRITER is cat).
time_direct() {
	t0=$(now)
	$writer > "$tmp/direct.out"
	t1=$(now)
	check "$tmp/direct.out" direct
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# time_relay — seconds of `WRITER | cat > out`: what any read/write relay
# through a pipe costs, the ceiling for a daemon that copies in user space.
time_relay() {
	t0=$(now)
	$writer | cat > "$tmp/relay.out"
	t1=$(now)
	check "$tmp/relay.out" relay
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# time_daemon NAME PORT — start the daemon NAME, capture once, stop it;
# the seconds go to $tmp/NAME.t.
time_daemon() {
	name=$1
	port=$2
	write_conf "$tmp/$name.conf" "$name" "$port" "[program:writer]
command = $writer
autostart = false
autorestart = false
startsecs = 0
stdout_logfile = $tmp/$name.cap
stdout_logfile_maxbytes = 0
stderr_logfile = NONE"
	rm -f "$tmp/$name.cap"
	case $name in
	sthenod) start_sthenod "$tmp/$name.conf"; pid=$sth_pid ;;
	supervisord) start_supervisord "$tmp/$name.conf"; pid=$sup_pid ;;
	esac
	# ready: the program is listed (STOPPED, autostart is off)
	i=0
	until rpc "$port" supervisor.getProcessInfo writer >/dev/null 2>&1; do
		[ $i -lt 100 ] || die "$name: no answer on port $port"
		sleep 0.1
		i=$((i + 1))
	done
	t=$("$PYTHON" "$BENCH_DIR/benchrpc.py" capture "$port" writer \
	    "$tmp/$name.cap" "$bytes") || die "$name: capture incomplete"
	# let the child's exit land, then no byte may follow
	sleep 0.5
	stop_daemon "$pid"
	check "$tmp/$name.cap" "$name"
	echo "$t" > "$tmp/$name.t"
}

t_cat=
t_direct=
t_relay=
t_sth=
t_sup=
r=0
while [ $r -lt "$ROUNDS" ]; do
	t_cat=$(best "$(time_cat)" "$t_cat")
	t_relay=$(best "$(time_relay)" "$t_relay")
	[ "$WRITER" = cat ] || t_direct=$(best "$(time_direct)" "$t_direct")
	time_daemon sthenod "$port_sth"
	t_sth=$(best "$(cat "$tmp/sthenod.t")" "$t_sth")
	time_daemon supervisord "$port_sup"
	t_sup=$(best "$(cat "$tmp/supervisord.t")" "$t_sup")
	t_cat=$(best "$(time_cat)" "$t_cat")
	r=$((r + 1))
done

printf "child stdout captured to a file: %s MB by %s (best of %s), sha256 identical\n" \
    "$SIZE_MB" "$WRITER" "$ROUNDS"
printf "  cat > file   %7.3f s %8s MB/s\n" "$t_cat" "$(mbs "$t_cat")"
[ -z "$t_direct" ] ||
    printf "  %-12s %7.3f s %8s MB/s\n" "$WRITER > file" "$t_direct" \
    "$(mbs "$t_direct")"
printf "  %-12s %7.3f s %8s MB/s\n" "$WRITER | cat" "$t_relay" "$(mbs "$t_relay")"
printf "  supervisord  %7.3f s %8s MB/s\n" "$t_sup" "$(mbs "$t_sup")"
pct=$(ratio "$t_cat" "$t_sth" %.4f | awk '{ printf "%.0f", $1 * 100 }')
printf "  sthenod      %7.3f s %8s MB/s\n" "$t_sth" "$(mbs "$t_sth")"
printf "  sthenod: %s%% of cat (target ≥ 90), %s× supervisord (target ≥ 3)\n" \
    "$pct" "$(ratio "$t_sup" "$t_sth")"
awk -v sup="$(mbs "$t_sup")" -v cat="$(mbs "$t_cat")" \
    -v relay="$(mbs "$t_relay")" -v sth="$(mbs "$t_sth")" 'BEGIN {
	printf "  sthenod: %.0f%% of %s | cat; 3x supervisord would be %.0f " \
	    "MB/s, %.2fx cat > file itself\n", 100 * sth / relay,
	    "'"$WRITER"'", 3 * sup, 3 * sup / cat }'
# row: workload | peer | Stheno | floor | ratios | target (run-all.sh);
# the floor is the pipe relay, WRITER piped into cat > file
printf 'row: child stdout -> log file, %s MB by %s | supervisord %s MB/s | %s MB/s | %s MB/s (%s piped to cat) | %sx peer, %sx floor | ≥ 0.9x floor\n' \
    "$SIZE_MB" "$WRITER" "$(mbs "$t_sup")" "$(mbs "$t_sth")" \
    "$(mbs "$t_relay")" "$WRITER" "$(ratio "$t_sup" "$t_sth" %.2f)" \
    "$(ratio "$t_relay" "$t_sth" %.2f)"
