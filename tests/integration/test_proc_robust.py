#!/usr/bin/python3
"""The process table under stress, through sthenod as a black box with real
children: a 1 GiB capture compared by
checksum across rotations (and across logrotate + SIGUSR2, and through a
slow FIFO); no zombie and no orphan after shutdown, after SIGKILL of
children in a tight loop, after restarts, after a fork failure
(RLIMIT_NPROC) and fd exhaustion (RLIMIT_NOFILE); signals racing a fresh
fork; random start/stop/signal/kill; a full log disk (child logs, while
rotating, the main log); and every program option with a real child:
directory, umask, user, environment precedence (docs/supervisord.md §3.7),
redirect_stderr, stopsignal, stopwaitsecs then SIGKILL, exitcodes with
autorestart, startretries and the backoff timing, numprocs/process_name
and priority order.

Tests that need root (a tmpfs, another
user) are skipped, saying why, when the suite does not run as root.

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_proc_robust.py -v

With --gen SEED NBYTES this file is the 1 GiB test's child: it writes the
deterministic stream gen_chunks() describes to stdout as fast as it can.
"""

import datetime
import errno
import hashlib
import json
import os
import pwd
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

THIS = os.path.abspath(__file__)
PYTHON = "/usr/bin/python3"
TS = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
RPC_SECTIONS = """
[unix_http_server]
file=%(dir)s/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""
TEST_USER = "sthrobust"

GIB = 1 << 30
MIB = 1 << 20


# --- the generator ---------------------------------------------------------

def gen_chunks(seed, total):
    """The generator's output as a sequence of memoryviews: one random MiB
    rotated by a different amount for every MiB, so that a lost, doubled or
    reordered chunk changes the checksum."""
    block = memoryview(random.Random(seed).randbytes(MIB))
    i = 0
    left = total
    while left > 0:
        k = (i * 7919 + 13) % MIB
        for part in (block[k:], block[:k]):
            part = part[:left]
            if part:
                yield part
                left -= len(part)
        i += 1


def gen_main(seed, total):
    for part in gen_chunks(seed, total):
        while part:
            part = part[os.write(1, part):]


def gen_sha256(seed, total):
    h = hashlib.sha256()
    for part in gen_chunks(seed, total):
        h.update(part)
    return h.hexdigest()


# --- /proc ---------------------------------------------------------------

def proc_stat(pid):
    """(state, ppid, pgid) of pid, or None if it is gone."""
    f = sthtest.proc_stat(pid)
    return None if f is None else (f[0], int(f[1]), int(f[2]))


all_pids = sthtest.pids


def children_of(pid):
    """{child pid: state letter} of every child of pid, zombies included."""
    kids = {}
    for p in all_pids():
        st = proc_stat(p)
        if st is not None and st[1] == pid:
            kids[p] = st[0]
    return kids


def zombies_of(pid):
    return sorted(p for p, s in children_of(pid).items() if s == "Z")


def live_in_groups(pgids):
    """Live (non-zombie) processes whose process group is one of pgids."""
    found = []
    for p in all_pids():
        st = proc_stat(p)
        if st is not None and st[2] in pgids and st[0] != "Z":
            found.append(p)
    return sorted(found)


def owner(pid):
    """The uid pid runs as, or None if it is gone."""
    try:
        return os.stat("/proc/%d" % pid).st_uid
    except OSError:
        return None


def cpu_seconds(pid):
    """User + system CPU time pid has used."""
    ticks = sum(int(x) for x in sthtest.proc_stat(pid)[11:13])
    return ticks / os.sysconf("SC_CLK_TCK")


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def log_time(line):
    """The time of a main-log line, in seconds."""
    t = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
    return t.timestamp()


def no_asan_note(data):
    """data without the note an --enable-asan build prints in a child
    that runs on its own stack (clone) before exec; unchanged otherwise."""
    return re.sub(rb"==\d+==WARNING: ASan is ignoring requested "
                  rb"__asan_handle_no_return.*?issues/189\n", b"", data,
                  flags=re.S)


def is_root():
    return os.geteuid() == 0


def test_user():
    """The unprivileged user the RLIMIT_NPROC test runs sthenod as: one of
    its own (created here), so that nobody else's processes count against
    its limit."""
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--no-create-home",
                    "--shell", "/usr/sbin/nologin", TEST_USER],
                   check=True, capture_output=True)
    return pwd.getpwnam(TEST_USER)


class Daemon(sthtest.Sthenod):
    """sthtest.Sthenod that may run as another user under an rlimit
    (what `su` and `ulimit -u` would do)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.as_user = None     # a pwd entry
        self.rlimits = {}       # resource.RLIMIT_*: limit, for the daemon
        self.stderr_file = None  # stderr to this file, not a pipe

    def stderr_text(self):
        if self.stderr_file is None:
            return super().stderr_text()
        return sthtest.read_text(self.stderr_file)

    def start(self, args=("-n",), wait=True, env=None, log=None, **kw):
        if self.as_user is None and not self.rlimits and \
                self.stderr_file is None:
            return super().start(args=args, wait=wait, env=env, log=log)
        e = dict(os.environ)
        if sthtest.PLUGIN_PATH:
            e.setdefault("STHENO_PLUGIN_PATH", sthtest.PLUGIN_PATH)
        if env:
            e.update(env)
        rlimits = dict(self.rlimits)

        def limit():
            for res, n in rlimits.items():
                resource.setrlimit(res, (n, n))

        extra = {}
        exe = sthtest.STHENOD
        if self.as_user is not None:
            extra = dict(user=self.as_user.pw_uid,
                         group=self.as_user.pw_gid, extra_groups=[])
            # the user may not reach the build tree: copies it can run;
            # nor write in TMPDIR (sthenod's plugin copies go there)
            exe, e["STHENO_PLUGIN_PATH"] = sthtest.for_other_users()
            e["TMPDIR"] = sthtest.need_shared_tmp()
        self._stderr = None
        err = subprocess.PIPE
        if self.stderr_file is not None:
            err = open(self.stderr_file, "ab")
        try:
            self.proc = subprocess.Popen(
                [exe, "-c", self.conf] + list(args),
                stdout=subprocess.DEVNULL, stderr=err, env=e,
                cwd=self.dir, preexec_fn=limit, **extra)
        finally:
            if err is not subprocess.PIPE:
                err.close()
        if wait and not self.wait_log(r"supervisord started with pid \d+",
                                      path=log):
            raise AssertionError("sthenod did not start:\n%s" %
                                 self.describe())
        return self.proc


class Robust(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.d = None
        self.mounts = []
        self.pgids = set()      # children's process groups to sweep
        self._rpc = None

    def tearDown(self):
        # clean up even when the test failed: daemon, children, mounts
        if self._rpc is not None:
            self._rpc("close")()
            self._rpc = None
        if self.d is not None and os.environ.get("ROBUST_SHOW_LOG"):
            sys.stderr.write("\n--- %s\n%s" % (self.id(),
                                                self.d.read_log()))
        if self.d is not None:
            pid = self.d.pid
            if pid and sthtest.pid_alive(pid):
                for p, _ in children_of(pid).items():
                    self.pgids.add(p)
        for p in live_in_groups(self.pgids) if self.pgids else []:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        if self.d is not None:
            d, self.d = self.d, None
            try:
                for m in reversed(self.mounts):
                    subprocess.run(["umount", "-l", m],
                                   capture_output=True)
                self.mounts = []
            finally:
                d.cleanup()
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", m], capture_output=True)

    # --- helpers --------------------------------------------------------

    def daemon(self, programs, loglevel="info", rpc=True, shared=False,
               **opts):
        """A Daemon whose config has programs (@DIR@ is its folder), an
        RPC unix socket when rpc, and [supervisord] opts; its folder one
        other users can reach when shared (sthtest.Sthenod)."""
        d = Daemon(shared=shared)
        self.d = d
        d.opts.update(loglevel=loglevel, childlogdir=d.dir)
        d.opts.update(opts)
        for k, v in d.opts.items():
            d.opts[k] = str(v).replace("@DIR@", d.dir)
        extra = (RPC_SECTIONS % {"dir": d.dir}) if rpc else ""
        d.extra = extra + programs.replace("@DIR@", d.dir)
        d.write_config()
        return d

    def rpc(self):
        """A client of the daemon's unix socket (closed in tearDown)."""
        if self._rpc is None:
            from supervisor.xmlrpc import SupervisorTransport
            t = SupervisorTransport(None, None,
                                    "unix://%s/s.sock" % self.d.dir)
            self._rpc = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                                  transport=t)
        return self._rpc

    def wait_log(self, pattern, timeout=15, count=1):
        m = self.d.wait_log(pattern, timeout=timeout, count=count)
        if m is None:
            self.fail("no /%s/ (x%d) in the main log:\n%s" %
                      (pattern, count, self.d.describe()))
        return m

    def spawned_pid(self, name, count=1, timeout=15):
        m = self.wait_log(TS + r"INFO spawned: '%s' with pid (\d+)$" %
                          re.escape(name), timeout=timeout, count=count)
        return int(m.group(1))

    def state(self, name):
        return self.rpc().supervisor.getProcessInfo(name)["statename"]

    def wait_state(self, name, statename, timeout=10):
        got = sthtest.wait_for(lambda: self.state(name) == statename,
                               timeout, 0.05)
        if not got:
            self.fail("%s is %s, not %s:\n%s" % (
                name, self.state(name), statename, self.d.describe()))

    def read(self, path):
        with open(path.replace("@DIR@", self.d.dir), "rb") as f:
            return f.read()

    def wait_file(self, path, pattern, timeout=10):
        path = path.replace("@DIR@", self.d.dir)
        rx = re.compile(pattern, re.M)
        m = sthtest.wait_for(lambda: rx.search(sthtest.read_text(path)),
                             timeout)
        if not m:
            self.fail("no /%s/ in %s: %r" % (pattern, path,
                                             sthtest.read_text(path)))
        return m

    def shutdown(self):
        """SIGTERM: sthenod must exit 0 and leave no child behind."""
        pid = self.d.pid
        kids = children_of(pid)
        self.pgids.update(kids)
        self.assertEqual(self.d.stop(timeout=30), 0, self.d.describe())
        # under --enable-asan: no memory error and no leak at exit
        self.assertNotIn("Sanitizer", self.d.stderr_text())
        self.assertEqual(children_of(pid), {})
        # a shell's last `sleep 0.05` may outlive it by that long
        self.assertTrue(sthtest.wait_for(
            lambda: not live_in_groups(self.pgids), 1),
            "orphans left behind: %s" % live_in_groups(self.pgids))

    def assert_log(self, pattern):
        """pattern (multi-line mode) is in the main log."""
        self.assertRegex(self.d.read_log(), re.compile(pattern, re.M))

    def assert_no_zombies(self, timeout=3):
        pid = self.d.pid
        left = sthtest.wait_for(lambda: not zombies_of(pid), timeout)
        self.assertTrue(left, "zombies under sthenod: %s" % zombies_of(pid))

    # --- child output: not one byte lost, no starved client ---------------

    def test_1gib_capture_identical_across_rotations(self):
        """A child writes 1 GiB as fast as it can; the concatenation of
        .10 ... .1 and the base log is byte-identical to it."""
        maxbytes = 100 * MIB
        d = self.daemon(
            "[program:gen]\ncommand=%s %s --gen 4 %d\nstartsecs=0\n"
            "autorestart=false\nstdout_logfile=@DIR@/gen.log\n"
            "stdout_logfile_maxbytes=100MB\nstdout_logfile_backups=20\n"
            % (PYTHON, THIS, GIB), rpc=False)
        t0 = time.monotonic()
        d.start()
        self.wait_log(TS + r"INFO exited: gen \(exit status 0; expected\)$",
                      timeout=120)
        took = time.monotonic() - t0
        names = ["gen.log.%d" % i for i in range(20, 0, -1)] + ["gen.log"]
        paths = [os.path.join(d.dir, n) for n in names
                 if os.path.exists(os.path.join(d.dir, n))]
        sizes = [os.path.getsize(p) for p in paths]
        self.assertEqual(sum(sizes), GIB, dict(zip(paths, sizes)))
        # ten full backups, each rotated after the write that reached
        # maxbytes (one read is at most 128 KiB), then the rest
        self.assertEqual(len(paths), 11, paths)
        for p, s in zip(paths[:-1], sizes[:-1]):
            self.assertGreaterEqual(s, maxbytes, p)
            self.assertLess(s, maxbytes + 128 * 1024, p)
        h = hashlib.sha256()
        for p in paths:
            with open(p, "rb") as f:
                while True:
                    b = f.read(8 * MIB)
                    if not b:
                        break
                    h.update(b)
        self.assertEqual(h.hexdigest(), gen_sha256(4, GIB))
        self.shutdown()
        sys.stderr.write("[1 GiB captured in %.1f s] " % took)

    def test_logrotate_and_sigusr2_during_a_flood_lose_nothing(self):
        """An external logrotate (rename, then SIGUSR2) every 50 ms while
        a child writes 512 MiB: the renamed files and the last one
        together are the child's output, byte for byte."""
        total = 512 * MIB
        d = self.daemon(
            "[program:gen]\ncommand=%s %s --gen 7 %d\nstartsecs=0\n"
            "autorestart=false\nstdout_logfile=@DIR@/gen.log\n"
            "stdout_logfile_maxbytes=0\n" % (PYTHON, THIS, total),
            rpc=False)
        log = os.path.join(d.dir, "gen.log")
        d.start()
        done = re.compile(TS + r"INFO exited: gen \(exit status 0; "
                          r"expected\)$", re.M)
        rotated = []
        deadline = time.monotonic() + 60
        while not done.search(d.read_log()):
            self.assertLess(time.monotonic(), deadline, d.describe())
            if os.path.exists(log):
                to = "%s.r%d" % (log, len(rotated) + 1)
                os.rename(log, to)
                rotated.append(to)
                d.send_signal(signal.SIGUSR2)
            time.sleep(0.05)
        self.assertGreater(len(rotated), 3, "the child was too quick")
        self.assertIn("received SIGUSR2 indicating log reopen request",
                      d.read_log())
        h = hashlib.sha256()
        n = 0
        for p in rotated + [log]:
            if os.path.exists(p):
                with open(p, "rb") as f:
                    while True:
                        b = f.read(8 * MIB)
                        if not b:
                            break
                        h.update(b)
                        n += len(b)
        self.assertEqual(n, total)
        self.assertEqual(h.hexdigest(), gen_sha256(7, total))
        self.shutdown()

    def test_slow_log_target_slows_the_child_no_byte_lost(self):
        """A log target slower than the child (a FIFO read at ~16 MiB/s):
        the child is slowed down, and every byte arrives, in order."""
        total = 24 * MIB
        d = self.daemon(
            "[program:gen]\ncommand=%s %s --gen 9 %d\nstartsecs=0\n"
            "autorestart=false\nstdout_logfile=@DIR@/fifo\n"
            "stdout_logfile_maxbytes=0\n" % (PYTHON, THIS, total),
            rpc=False)
        fifo = os.path.join(d.dir, "fifo")
        os.mkfifo(fifo)
        got = hashlib.sha256()
        count = [0]

        def reader():
            with open(fifo, "rb", buffering=0) as f:
                while True:
                    b = f.read(64 * 1024)
                    if not b:
                        return
                    got.update(b)
                    count[0] += len(b)
                    time.sleep(0.004)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        t0 = time.monotonic()
        d.start()
        self.wait_log(TS + r"INFO exited: gen \(exit status 0; expected\)$",
                      timeout=60)
        took = time.monotonic() - t0
        self.assertGreater(took, 1.0, "the child was not slowed down")
        self.shutdown()         # closes the FIFO: the reader sees EOF
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(count[0], total)
        self.assertEqual(got.hexdigest(), gen_sha256(9, total))

    def test_rpc_answers_during_an_output_flood(self):
        """Two children writing as fast as they can do not starve the RPC
        clients: answers come in milliseconds, the slowest within seconds
        (a starved loop would take tens; the margins are for a loaded CI
        machine, where one scheduling stall can cost a second)."""
        d = self.daemon(
            "[program:flood]\ncommand=/bin/cat /dev/zero\nnumprocs=2\n"
            "process_name=flood_%(process_num)d\nstartsecs=0\n"
            "stdout_logfile=/dev/null\n")
        d.start()
        self.wait_state("flood:flood_1", "RUNNING")
        rpc = self.rpc().supervisor
        took = []
        for i in range(50):
            t0 = time.monotonic()
            self.assertEqual(rpc.getState()["statename"], "RUNNING")
            took.append(time.monotonic() - t0)
            time.sleep(0.01)
        took.sort()
        self.assertLess(took[len(took) // 2], 0.25, took)
        self.assertLess(took[-1], 3.0, took)
        self.pgids.update(children_of(d.pid))
        self.shutdown()

    # --- no zombie, no orphan, no daemon hurt -----------------------------

    def test_shutdown_leaves_no_zombie_and_no_orphan(self):
        """Children with grandchildren, stopped as a group (TERM) or killed
        as a group (TERM ignored, then SIGKILL): after shutdown none of
        their process groups has a live member, and while running no
        exited child stays a zombie."""
        d = self.daemon(
            "[program:tree]\n"
            "command=/bin/sh -c 'sleep 1000 & sleep 1000 & wait'\n"
            "stopasgroup=true\nstartsecs=0\n"
            "[program:stubborn]\n"
            "command=/bin/sh -c 'trap \"\" TERM; sleep 1000 & "
            "sleep 1000 & while :; do sleep 0.1; done'\n"
            "killasgroup=true\nstopwaitsecs=1\nstartsecs=0\n"
            "[program:brief]\n"
            "command=/bin/sh -c 'sleep 1000 & exit 0'\n"
            "startsecs=0\nautorestart=false\n")
        d.start()
        tree = self.spawned_pid("tree")
        stubborn = self.spawned_pid("stubborn")
        brief = self.spawned_pid("brief")
        self.wait_log(TS + r"INFO exited: brief \(exit status 0; "
                      r"expected\)$")
        self.assert_no_zombies()
        # each tree is the shell and its two sleeps, in its own group
        groups = {tree, stubborn}
        self.pgids.update(groups | {brief})
        members = sthtest.wait_for(
            lambda: len(live_in_groups(groups)) >= 6 and
            live_in_groups(groups), 5)
        self.assertTrue(members, live_in_groups(groups))
        # brief's grandchild is an orphan by supervisord's design
        # (docs/supervisord.md §8, supervisor issue #1101): not ours to
        # sweep, so take it out of the count
        for p in live_in_groups({brief}):
            os.kill(p, signal.SIGKILL)
        self.shutdown()
        self.assert_log(TS + r"WARN stopped: tree \(terminated by "
                        r"SIGTERM\)$")
        self.assert_log(TS + r"WARN killing 'stubborn' \(%d\) with "
                        r"SIGKILL$" % stubborn)
        self.assert_log(TS + r"WARN stopped: stubborn \(terminated "
                        r"by SIGKILL\)$")
        for p in members:
            self.assertFalse(sthtest.pid_alive(p), "pid %d survived" % p)

    def test_many_children_exit_at_once_all_reaped(self):
        """50 children exiting in the same instant (their SIGCHLDs
        coalesce): every exit is logged, none stays a zombie."""
        d = self.daemon(
            "[program:herd]\ncommand=/bin/sh -c 'sleep 1; exit 0'\n"
            "numprocs=50\nprocess_name=%(program_name)s_%(process_num)d\n"
            "startsecs=0\nautorestart=false\nstdout_logfile=NONE\n"
            "stderr_logfile=NONE\n", rpc=False)
        d.start()
        self.wait_log(r"spawned: 'herd_\d+' with pid", count=50)
        self.wait_log(TS + r"INFO exited: herd_\d+ \(exit status 0; "
                      r"expected\)$", count=50)
        self.assert_no_zombies()
        self.assertEqual(children_of(d.pid), {})
        self.shutdown()

    def test_stopped_child_is_killed_at_shutdown(self):
        """A child frozen by SIGSTOP cannot act on SIGTERM: shutdown
        SIGKILLs it after stopwaitsecs and exits, leaving nothing."""
        d = self.daemon(
            "[program:frozen]\ncommand=/bin/sleep 1000\nstopwaitsecs=1\n"
            "startsecs=0\n", rpc=False)
        d.start()
        pid = self.spawned_pid("frozen")
        self.pgids.add(pid)
        os.kill(pid, signal.SIGSTOP)
        self.assertTrue(sthtest.wait_for(
            lambda: (proc_stat(pid) or "Z")[0] == "T", 5))
        self.shutdown()
        self.assert_log(TS + r"WARN killing 'frozen' \(%d\) with SIGKILL$"
                        % pid)
        self.assert_log(TS + r"WARN stopped: frozen \(terminated by "
                        r"SIGKILL\)$")

    def test_sigkill_loop_no_zombie_daemon_stays_up(self):
        """kill -9 the children 200 times in a tight loop (autorestart):
        sthenod stays up, logs every exit, reaps every child and keeps no
        fd of the dead ones."""
        d = self.daemon(
            "[program:victim]\ncommand=/bin/sleep 1000\nnumprocs=2\n"
            "process_name=%(program_name)s_%(process_num)d\n"
            "autorestart=true\nstartsecs=0\n")
        d.start()
        pid = d.pid
        self.spawned_pid("victim_0")
        self.spawned_pid("victim_1")
        self.wait_state("victim:victim_1", "RUNNING")
        fds = fd_count(pid)

        killed = set()

        def live_children():
            # a killed child may not be a zombie yet: never count it
            return sorted(p for p, s in children_of(pid).items()
                          if s != "Z" and p not in killed)

        for i in range(200):
            kids = sthtest.wait_for(
                lambda: len(live_children()) == 2 and live_children(), 5)
            self.assertTrue(kids, "round %d: children %s\n%s" % (
                i, children_of(pid), d.describe()))
            self.pgids.update(kids)
            for k in kids:
                os.kill(k, signal.SIGKILL)
                killed.add(k)
            self.assertIsNone(d.proc.poll(), d.describe())
        self.wait_log(TS + r"WARN exited: victim_\d \(terminated by "
                      r"SIGKILL; not expected\)$", count=len(killed))
        self.wait_log(r"spawned: 'victim_\d' with pid",
                      count=len(killed) + 2)
        self.wait_state("victim:victim_0", "RUNNING")
        self.wait_state("victim:victim_1", "RUNNING")
        self.assert_no_zombies()
        self.assertEqual(len(live_children()), 2)
        self.assertEqual(fd_count(pid), fds, "fds leaked")
        self.assertIsNone(d.proc.poll())
        self.shutdown()

    def test_restarts_leave_no_orphan_and_no_fd(self):
        """SIGHUP five times: every restart stops the old children (their
        groups empty), starts new ones in the same daemon, and the daemon
        holds no more fds after the fifth than after the first."""
        d = self.daemon(
            "[program:tree]\n"
            "command=/bin/sh -c 'sleep 1000 & sleep 1000 & wait'\n"
            "stopasgroup=true\nstartsecs=0\n"
            "[program:plain]\ncommand=/bin/sleep 1000\nstartsecs=0\n")
        d.start()
        pid = d.pid
        fds = None
        for i in range(1, 7):
            kids = {self.spawned_pid("tree", count=i),
                    self.spawned_pid("plain", count=i)}
            self.pgids.update(kids)
            self.assertEqual(set(p for p, s in children_of(pid).items()
                                 if s != "Z"), kids)
            if i == 2:
                fds = os.listdir("/proc/%d/fd" % pid)
            elif i > 2:
                self.assertEqual(len(os.listdir("/proc/%d/fd" % pid)),
                                 len(fds), "fds leaked across restarts")
            if i == 6:
                break
            old = live_in_groups(kids)
            d.send_signal(signal.SIGHUP)
            self.wait_log(r"received SIGHUP indicating restart request",
                          count=i)
            self.wait_log(r"supervisord started with pid %d" % pid,
                          count=i + 1)
            self.assertTrue(sthtest.wait_for(
                lambda: not any(sthtest.pid_alive(p) for p in old), 2),
                "restart left %s" % old)
        self.assertEqual(d.pid, pid)
        self.assert_no_zombies()
        self.shutdown()

    def test_signal_between_fork_and_exec_is_the_childs(self):
        """startProcess and signalProcess in one multicall: the signal
        reaches the child before it has exec'd.  It must act as the
        default action in the child (the child dies of it), never run the
        daemon's handler there (which would tell the daemon it got
        SIGHUP, SIGTERM...)."""
        d = self.daemon("[program:x]\ncommand=/bin/sleep 1000\n"
                        "startsecs=0\nautorestart=false\n"
                        "autostart=false\n")
        d.start()
        rpc = self.rpc()
        for i in range(1, 21):
            for sig in ("HUP", "TERM"):
                r = rpc.system.multicall([
                    {"methodName": "supervisor.startProcess",
                     "params": ["x", False]},
                    {"methodName": "supervisor.signalProcess",
                     "params": ["x", sig]}])
                self.assertEqual(r, [True, True])
                m = self.wait_log(TS + r"WARN exited: x \(terminated by "
                                  r"SIG%s; not expected\)$" % sig, count=i,
                                  timeout=5)
                self.assertTrue(m)
        self.assertNotRegex(d.read_log(), r"received SIG(HUP|TERM)")
        self.shutdown()

    def test_chaos_rpc_and_kills(self):
        """Start, stop and signal requests (wait=false) interleaved with
        kill -9 of the children, 400 times at random (fixed seed), on
        processes that crash, exit or run: sthenod never aborts, every
        request gets an answer or a fault, and at the end everything
        stops, reaped."""
        d = self.daemon(
            "[program:crash]\ncommand=/bin/sh -c 'sleep 0.$$; exit 1'\n"
            "startsecs=1\nstartretries=100\n"
            "[program:flap]\ncommand=/bin/sh -c 'sleep 0.1; exit 0'\n"
            "startsecs=0\nautorestart=true\n"
            "[program:run]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "numprocs=2\nprocess_name=run_%(process_num)d\n"
            "[program:deaf]\ncommand=/bin/sh -c 'trap \"\" TERM; "
            "while :; do sleep 0.05; done'\nstopwaitsecs=1\n"
            "startsecs=0\nstopasgroup=true\n")
        d.start()
        rng = random.Random(20261125)
        names = ["crash", "flap", "run:run_0", "run:run_1", "deaf"]
        rpc = self.rpc().supervisor
        faults = 0
        history = []
        for i in range(400):
            op = rng.choice(("start", "stop", "signal", "kill", "all"))
            name = rng.choice(names)
            history.append("%s %s" % (op, name))
            try:
                if op == "start":
                    rpc.startProcess(name, False)
                elif op == "stop":
                    rpc.stopProcess(name, False)
                elif op == "signal":
                    rpc.signalProcess(name, "HUP")
                elif op == "all":
                    rpc.getAllProcessInfo()
                else:
                    for p, st in children_of(d.pid).items():
                        if st != "Z" and rng.random() < 0.5:
                            self.pgids.add(p)
                            os.kill(p, signal.SIGKILL)
            except xmlrpc.client.Fault as e:
                history[-1] += " -> %s" % e.faultString
                faults += 1
            except ProcessLookupError:
                pass
            except OSError as e:
                self.fail("round %d: %r after %s\n%s" % (
                    i, e, history[-6:], d.describe()))
            self.assertIsNone(d.proc.poll(), "round %d (%s %s):\n%s" % (
                i, op, name, d.describe()))
            if rng.random() < 0.3:
                time.sleep(rng.random() * 0.05)
        self.assertGreater(faults, 0)
        self.pgids.update(children_of(d.pid))
        rpc.stopAllProcesses(True)
        states = {i["name"]: i["statename"]
                  for i in rpc.getAllProcessInfo()}
        self.assertTrue(all(s in ("STOPPED", "EXITED", "FATAL")
                            for s in states.values()), states)
        self.assertTrue(sthtest.wait_for(
            lambda: not live_in_groups(self.pgids), 2),
            live_in_groups(self.pgids))
        self.assert_no_zombies()
        self.assertNotRegex(d.read_log(), r"CRIT (?!Supervisor is running"
                            r"|Server 'unix_http_server')")
        self.shutdown()

    # --- out of processes, out of fds -------------------------------------

    @unittest.skipUnless(is_root(), "needs root to run sthenod as another "
                         "user under RLIMIT_NPROC")
    def test_fork_failure_rlimit_nproc(self):
        """sthenod as an unprivileged user whose RLIMIT_NPROC leaves room
        for one child: the second spawn fails with supervisord's message,
        goes to BACKOFF then FATAL, the daemon stays up, and once a slot
        frees up the program starts."""
        user = test_user()
        # what ran as the user before (a previous test) must be gone: it
        # counts against the limit
        busy = sthtest.wait_for(
            lambda: not [p for p in all_pids() if owner(p) == user.pw_uid],
            5)
        if not busy:
            left = [(p, proc_stat(p)) for p in all_pids()
                    if owner(p) == user.pw_uid]
            self.skipTest("user %s already runs %s" % (TEST_USER, left))
        d = self.daemon(
            "[program:first]\ncommand=/bin/sleep 1000\npriority=1\n"
            "startsecs=0\nautorestart=false\n"
            "[program:x]\ncommand=/bin/sleep 1000\npriority=2\n"
            "startsecs=0\nstartretries=2\n", shared=True)
        os.chown(d.dir, user.pw_uid, user.pw_gid)
        d.as_user = user
        d.rlimits[resource.RLIMIT_NPROC] = 2   # sthenod and one child
        d.start(args=("-n", "--minprocs", "2"))
        first = self.spawned_pid("first")
        self.pgids.add(first)
        self.assertEqual(os.stat("/proc/%d" % first).st_uid, user.pw_uid)
        m = self.wait_log(TS + r"INFO spawnerr: Too many processes in "
                          r"process table to spawn 'x'$")
        t1 = log_time(m.group(0))
        info = self.rpc().supervisor.getProcessInfo("x")
        fds = fd_count(d.pid)   # the RPC connection included
        self.assertIn(info["statename"], ("BACKOFF", "FATAL"), info)
        self.assertEqual(info["spawnerr"], "Too many processes in process "
                         "table to spawn 'x'")
        self.assertEqual(info["pid"], 0)
        # tries 0, 1, 2: three failures 1 s then 2 s apart, then FATAL
        m = self.wait_log(TS + r"INFO spawnerr: Too many processes in "
                          r"process table to spawn 'x'$", count=3)
        self.assertAlmostEqual(log_time(m.group(0)) - t1, 3.0, delta=0.5)
        self.wait_log(TS + r"INFO gave up: x entered FATAL state, too many "
                      r"start retries too quickly$")
        self.assertEqual(self.state("x"), "FATAL")
        self.assertIsNone(d.proc.poll(), d.describe())
        self.assertEqual(fd_count(d.pid), fds, "a failed spawn leaked fds: "
                         "%s" % os.listdir("/proc/%d/fd" % d.pid))
        self.assertNotRegex(d.read_log(), r"spawned: 'x'")
        # a slot frees up: x starts on request
        os.kill(first, signal.SIGKILL)
        self.wait_log(TS + r"WARN exited: first \(terminated by SIGKILL; "
                      r"not expected\)$")
        self.assertTrue(self.rpc().supervisor.startProcess("x"))
        x = self.spawned_pid("x")
        self.pgids.add(x)
        self.assertEqual(self.state("x"), "RUNNING")
        self.assert_no_zombies()
        self.shutdown()

    def test_fd_exhaustion_spawnerr(self):
        """Out of file descriptors (RLIMIT_NOFILE): the processes that do
        not fit fail with supervisord's spawnerr, whether the pipes or the
        log files ran out (make_dispatchers does both), and go FATAL; the
        others run and the daemon stays up."""
        d = self.daemon(
            "[program:w]\ncommand=/bin/sleep 1000\nnumprocs=20\n"
            "process_name=w_%(process_num)d\nstartsecs=0\n"
            "startretries=0\n", rpc=False)
        d.rlimits[resource.RLIMIT_NOFILE] = 40
        d.start(args=("-n", "--minfds", "40"))
        self.wait_log(TS + r"INFO (spawned|gave up): '?w_19'? ")
        log = d.read_log()
        spawned = re.findall(r"spawned: 'w_\d+' with pid (\d+)$", log, re.M)
        self.pgids.update(int(p) for p in spawned)
        errs = re.findall(TS + r"INFO spawnerr: (.*)$", log, re.M)
        gave_up = re.findall(r"gave up: (w_\d+) entered FATAL", log)
        self.assertTrue(spawned and errs, log)
        # a child that was spawned runs: none dies of the daemon's limit
        time.sleep(0.3)
        log = d.read_log()
        self.assertNotIn("exited:", log)
        self.assertEqual(len(spawned) + len(gave_up), 20, log)
        self.assertEqual(
            [e for e in errs if not re.fullmatch(
                r"too many open files to spawn 'w_\d+'", e)], [], log)
        self.assertIsNone(d.proc.poll())
        self.assert_no_zombies()
        self.shutdown()

    def test_rpc_survives_fd_exhaustion(self):
        """Out of fds with an RPC client waiting: sthenod neither spins
        nor floods its log on accept's EMFILE, and answers the client once
        fds free up (here: its children exit)."""
        d = self.daemon(
            "[program:w]\ncommand=/bin/sleep 1000\nnumprocs=20\n"
            "process_name=w_%(process_num)d\nstartsecs=0\n"
            "startretries=0\nautorestart=false\n")
        d.rlimits[resource.RLIMIT_NOFILE] = 48
        d.start(args=("-n", "--minfds", "48"))
        self.wait_log(TS + r"INFO (spawned|gave up): '?w_19'? ")
        pids = [int(p) for p in re.findall(
            r"spawned: 'w_\d+' with pid (\d+)$", d.read_log(), re.M)]
        self.pgids.update(pids)
        self.assertIn("too many open files to spawn", d.read_log())
        # fill the last free fds with idle clients, then ask
        idle = []
        body = (b"<?xml version='1.0'?><methodCall><methodName>"
                b"supervisor.getState</methodName><params></params>"
                b"</methodCall>")
        try:
            for i in range(6):
                c = socket.socket(socket.AF_UNIX)
                c.connect(os.path.join(d.dir, "s.sock"))
                idle.append(c)
            c = socket.socket(socket.AF_UNIX)
            c.settimeout(10)
            c.connect(os.path.join(d.dir, "s.sock"))
            c.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            idle.append(c)
            cpu0 = cpu_seconds(d.pid)
            lines0 = d.read_log().count("\n")
            time.sleep(2)
            cpu = cpu_seconds(d.pid) - cpu0
            lines = d.read_log().count("\n") - lines0
            self.assertLess(cpu, 0.5, "sthenod spins on EMFILE")
            self.assertLess(lines, 20, "sthenod floods its log on EMFILE")
            # free fds: the children exit, their pipes close
            for p in pids:
                os.kill(p, signal.SIGKILL)
            reply = b""
            while True:
                b = c.recv(65536)
                if not b:
                    break
                reply += b
            self.assertRegex(reply, rb"^HTTP/1\.[01] 200 ")
            self.assertIn(b"RUNNING", reply)
        finally:
            for c in idle:
                c.close()
        self.assertIsNone(d.proc.poll())
        self.shutdown()

    # --- a full log disk ---------------------------------------------------

    def mount_tmpfs(self, path, size="1m"):
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size,
                            "tmpfs", path], capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs: %s" % r.stderr.strip())
        self.mounts.append(path)

    @unittest.skipUnless(is_root(), "needs root to mount a tmpfs")
    def test_log_disk_full_daemon_and_child_keep_running(self):
        """stdout_logfile and childlogdir on a 1 MiB tmpfs that fills up:
        sthenod says so in the main log (ERRO naming the file and ENOSPC),
        the child is not killed, and once space frees up logging
        resumes."""
        self.child_log_disk_full(0)

    @unittest.skipUnless(is_root(), "needs root to mount a tmpfs")
    def test_log_disk_full_while_rotating(self):
        """The same with rotation every 16 KB: renames and reopens on a
        full disk do not stop the daemon, and logging resumes."""
        self.child_log_disk_full(16 * 1024)

    def child_log_disk_full(self, maxbytes):
        d = self.daemon(
            "[program:chatty]\ncommand=/bin/sh -c 'i=0; while :; do "
            "i=$((i+1)); echo \"line $i %s\"; sleep 0.01; done'\n"
            "startsecs=0\nstdout_logfile=@DIR@/full/chatty.log\n"
            "stdout_logfile_maxbytes=%d\nstdout_logfile_backups=3\n"
            "stderr_logfile=AUTO\n" % ("." * 200, maxbytes),
            childlogdir="@DIR@/full")
        full = os.path.join(d.dir, "full")
        self.mount_tmpfs(full)
        log = os.path.join(full, "chatty.log")
        d.start()
        pid = self.spawned_pid("chatty")
        self.pgids.add(pid)
        self.wait_file(log, r"^line 5 ")
        # fill the disk
        filler = os.path.join(full, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)
        self.wait_log(TS + r"(ERRO|WARN) .*%s.*(No space left on device|"
                      r"ENOSPC)" % re.escape(log), timeout=20)
        time.sleep(1)
        # the daemon and the child run on, same pid
        self.assertIsNone(d.proc.poll(), d.describe())
        info = self.rpc().supervisor.getProcessInfo("chatty")
        self.assertEqual((info["statename"], info["pid"]), ("RUNNING", pid))
        self.assertTrue(sthtest.pid_alive(pid))
        self.assertEqual(len(re.findall(r"No space left", d.read_log())), 1,
                         "one report per failure, not one per write")
        # space frees up: the log grows again with new lines

        def newest():
            nums = [0]
            for p in [log + ".%d" % i for i in (3, 2, 1)] + [log]:
                if os.path.exists(p):
                    nums += [int(n) for n in re.findall(
                        rb"^line (\d+) ", self.read(p), re.M)]
            return max(nums)

        last = newest()
        self.assertGreater(last, 0)
        os.unlink(filler)
        m = sthtest.wait_for(lambda: newest() > last + 50, 10)
        self.assertTrue(m, "logging did not resume:\n%s" % d.describe())
        self.wait_log(TS + r"INFO writing stdout log of 'chatty' again$")
        self.assertEqual(self.rpc().supervisor.getProcessInfo("chatty")
                         ["pid"], pid)
        self.shutdown()

    @unittest.skipUnless(is_root(), "needs root to mount a tmpfs")
    def test_main_log_disk_full_daemon_keeps_running(self):
        """The main log itself on the full disk: sthenod says so on stderr,
        the daemon and the child run on, and the main log resumes once
        space frees up."""
        d = self.daemon(
            "[program:chatty]\ncommand=/bin/sh -c 'while :; do "
            "echo %s; sleep 0.01; done'\nstartsecs=0\n"
            "stdout_logfile=@DIR@/full/chatty.log\n" % ("x" * 200),
            logfile="@DIR@/full/main.log", childlogdir="@DIR@/full",
            loglevel="debug")
        full = os.path.join(d.dir, "full")
        self.mount_tmpfs(full)
        d.log = os.path.join(full, "main.log")
        # a file, not a pipe: nobody reads stderr while the test runs
        d.stderr_file = os.path.join(d.dir, "stderr")
        d.start()
        pid = self.spawned_pid("chatty")
        self.pgids.add(pid)
        self.wait_file(os.path.join(full, "chatty.log"), "x")
        filler = os.path.join(full, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)
        # the child log fills (stops growing); the ERRO saying so cannot
        # reach the main log
        chatty = os.path.join(full, "chatty.log")
        self.assertTrue(sthtest.wait_for(
            lambda: os.path.getsize(chatty) ==
            (time.sleep(0.3) or os.path.getsize(chatty)), 10))
        self.assertIsNone(d.proc.poll())
        self.assertEqual(self.rpc().supervisor.getProcessInfo("chatty")
                         ["pid"], pid)
        self.assertTrue(sthtest.wait_for(
            lambda: "sthenod: cannot write the log %s: No space left on "
            "device" % d.log in d.stderr_text(), 5))
        os.unlink(filler)
        # a line either made it whole or not at all: the next one starts
        # a line of its own (tools grep for ^DATE LEVEL)
        self.wait_log(TS + r"INFO writing stdout log of 'chatty' again$")
        self.assertNotRegex(d.read_log(), r"[^\n]\d{4}-\d\d-\d\d "
                            r"\d\d:\d\d:\d\d,\d{3} "
                            r"(CRIT|ERRO|WARN|INFO|DEBG) ")
        self.assertEqual(self.state("chatty"), "RUNNING")
        self.shutdown()
        self.assert_log(TS + r"WARN stopped: chatty \(terminated by "
                        r"SIGTERM\)$")

    # --- every program option with a real child ---------------------------

    def test_directory(self):
        """directory= is the child's working directory; a missing one
        makes the child say why on stderr and exit 127."""
        d = self.daemon(
            "[program:here]\ncommand=/bin/sh -c 'pwd; ls'\n"
            "directory=@DIR@/work\nstartsecs=0\nautorestart=false\n"
            "stdout_logfile=@DIR@/here.log\n"
            "[program:nowhere]\ncommand=/bin/pwd\n"
            "directory=@DIR@/missing\nstartsecs=0\nautorestart=false\n"
            "stdout_logfile=@DIR@/nowhere.log\n"
            "stderr_logfile=@DIR@/nowhere.err\n", rpc=False)
        os.mkdir(os.path.join(d.dir, "work"))
        open(os.path.join(d.dir, "work", "marker"), "w").close()
        d.start()
        self.wait_log(TS + r"INFO exited: here \(exit status 0; "
                      r"expected\)$")
        self.wait_log(TS + r"WARN exited: nowhere \(exit status 127; not "
                      r"expected\)$")
        self.assertEqual(self.read("@DIR@/here.log"),
                         b"%s/work\nmarker\n" % d.dir.encode())
        self.assertEqual(no_asan_note(self.read("@DIR@/nowhere.err")),
                         b"supervisor: couldn't chdir to %s/missing: "
                         b"ENOENT\nsupervisor: child process was not "
                         b"spawned\n" % d.dir.encode())
        self.assertEqual(self.read("@DIR@/nowhere.log"), b"")
        self.shutdown()

    def test_umask(self):
        """umask= applies to the child's new files; without it the child
        inherits the daemon's."""
        old = os.umask(0o022)
        try:
            d = self.daemon(
                "[program:tight]\ncommand=/bin/sh -c 'umask; : > tight'\n"
                "umask=027\ndirectory=@DIR@\nstartsecs=0\n"
                "autorestart=false\nstdout_logfile=@DIR@/tight.log\n"
                "[program:loose]\ncommand=/bin/sh -c 'umask; : > loose'\n"
                "directory=@DIR@\nstartsecs=0\nautorestart=false\n"
                "stdout_logfile=@DIR@/loose.log\n", rpc=False)
            d.start()
        finally:
            os.umask(old)
        for name in ("tight", "loose"):
            self.wait_log(TS + r"INFO exited: %s \(exit status 0; "
                          r"expected\)$" % name)
        self.assertEqual(self.read("@DIR@/tight.log"), b"0027\n")
        self.assertEqual(self.read("@DIR@/loose.log"), b"0022\n")
        mode = os.stat(os.path.join(d.dir, "tight")).st_mode & 0o777
        self.assertEqual(mode, 0o640)
        mode = os.stat(os.path.join(d.dir, "loose")).st_mode & 0o777
        self.assertEqual(mode, 0o644)
        self.shutdown()

    @unittest.skipUnless(is_root(), "user= needs a root daemon")
    def test_user(self):
        """user= runs the child as that user with that user's groups only
        (none of root's), and leaves HOME and USER alone
        (docs/supervisord.md §3.7)."""
        nobody = pwd.getpwnam("nobody")
        d = self.daemon(
            "[program:who]\ncommand=/bin/sh -c 'id -u; id -g; id -G; "
            "echo \"$HOME $USER\"; exec sleep 1000'\nuser=nobody\n"
            "startsecs=0\nstdout_logfile=@DIR@/who.log\n", rpc=False,
            shared=True)
        d.start(env={"HOME": "/home-of-the-daemon", "USER": "daemonuser"})
        pid = self.spawned_pid("who")
        self.pgids.add(pid)
        groups = subprocess.run(["id", "-G", "nobody"], capture_output=True,
                                text=True, check=True).stdout
        self.wait_file("@DIR@/who.log", r"daemonuser")
        self.assertEqual(self.read("@DIR@/who.log").decode(),
                         "%d\n%d\n%s/home-of-the-daemon daemonuser\n" % (
                             nobody.pw_uid, nobody.pw_gid, groups))
        self.assertEqual(owner(pid), nobody.pw_uid)
        self.shutdown()

    def test_environment_precedence(self):
        """The daemon's environment, then SUPERVISOR_*, then [supervisord]
        environment=, then the program's: each later one wins
        (docs/supervisord.md §3.7); the program's PATH finds a relative
        command."""
        d = self.daemon(
            "[program:e]\ncommand=printenv-here\n"
            "environment=STH_B=\"prog\",SUPERVISOR_PROCESS_NAME=\"renamed\","
            "PATH=\"@DIR@/bin:/usr/bin:/bin\"\n"
            "startsecs=0\nautorestart=false\nstdout_logfile=@DIR@/e.log\n",
            environment='STH_A="global",STH_B="global",'
            'SUPERVISOR_ENABLED="from-global"')
        os.mkdir(os.path.join(d.dir, "bin"))
        script = os.path.join(d.dir, "bin", "printenv-here")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nexec /usr/bin/env\n")
        os.chmod(script, 0o755)
        d.start(env={"STH_OUTER": "outer", "STH_A": "outer",
                     "STH_B": "outer"})
        self.wait_log(TS + r"INFO exited: e \(exit status 0; expected\)$")
        env = dict(line.split("=", 1) for line in
                   self.read("@DIR@/e.log").decode().splitlines())
        want = {
            "STH_OUTER": "outer",
            "STH_A": "global",
            "STH_B": "prog",
            "SUPERVISOR_ENABLED": "from-global",
            "SUPERVISOR_PROCESS_NAME": "renamed",
            "SUPERVISOR_GROUP_NAME": "e",
            "SUPERVISOR_SERVER_URL": "unix://%s/s.sock" % d.dir,
            "PATH": "%s/bin:/usr/bin:/bin" % d.dir,
        }
        self.assertEqual({k: env.get(k) for k in want}, want)
        self.shutdown()

    def test_environment_file(self):
        """environment_file= (supervisor#242, systemd's EnvironmentFile=):
        files read in order at each spawn, over [supervisord]'s
        environment= and under the program's own; '-' makes a missing file
        no error; an edit applies at the next start, without reread; a bad
        line or a missing file is a spawnerr naming it."""
        d = self.daemon(
            "[program:e]\ncommand=@DIR@/envjson\n"
            "environment_file=@DIR@/a.env, -@DIR@/none.env, @DIR@/b.env\n"
            "environment=STH_D=\"prog\"\n"
            "startsecs=0\nautorestart=false\nstdout_logfile=@DIR@/e.log\n"
            "[program:bad]\ncommand=/bin/true\nstartretries=0\n"
            "environment_file=@DIR@/bad.env\n"
            "[program:gone]\ncommand=/bin/true\nstartretries=0\n"
            "environment_file=@DIR@/none.env\n",
            environment='STH_E="global",STH_F="global"')
        script = os.path.join(d.dir, "envjson")
        with open(script, "w") as f:
            f.write("#!/usr/bin/python3\nimport json, os\n"
                    "print(json.dumps(dict(os.environ)))\n")
        os.chmod(script, 0o755)
        with open(os.path.join(d.dir, "a.env"), "w") as f:
            f.write("# comment\n\n; also a comment\n"
                    "export STH_A=from-a\n"
                    "STH_B = \"quoted \\\"b\\\" $HOME\\n\"  # after\n"
                    "STH_C='single $y \\n'\r\n"
                    "STH_D=file\n"
                    "STH_E=plain value # not a comment\n")
        with open(os.path.join(d.dir, "b.env"), "w") as f:
            f.write("STH_A=from-b\n")
        with open(os.path.join(d.dir, "bad.env"), "w") as f:
            f.write("OK=1\n1NVALID=x\n")
        d.start()
        self.wait_log(TS + r"INFO exited: e \(exit status 0; expected\)$")
        env = json.loads(self.read("@DIR@/e.log"))
        want = {"STH_A": "from-b", "STH_B": 'quoted "b" $HOME\n',
                "STH_C": "single $y \\n", "STH_D": "prog",
                "STH_E": "plain value # not a comment", "STH_F": "global"}
        self.assertEqual({k: env.get(k) for k in want}, want)
        for name, err in (
                ("bad", "can't read environment_file %s/bad.env, line 2: "
                 "expected KEY=VALUE" % d.dir),
                ("gone", "can't read environment_file %s/none.env: No such "
                 "file or directory" % d.dir)):
            self.wait_log(TS + r"INFO spawnerr: %s$" % re.escape(err))
            self.wait_log(TS + r"INFO gave up: %s entered FATAL state"
                          % name)
        # an edit applies at the next start: no reread, no update
        with open(os.path.join(d.dir, "b.env"), "w") as f:
            f.write("STH_A=edited\n")
        os.unlink(os.path.join(d.dir, "e.log"))
        self.assertTrue(self.rpc().supervisor.startProcess("e"))
        self.wait_log(TS + r"INFO exited: e \(exit status 0; expected\)$",
                      count=2)
        self.assertEqual(json.loads(self.read("@DIR@/e.log"))["STH_A"],
                         "edited")
        self.shutdown()

    def test_timestamps(self):
        """stdout_timestamps= (supervisor#553): each line of the log file
        starts with the main log's time stamp, taken when its first byte
        arrived (a line finished by a later write keeps its first stamp);
        stderr without it is written as is; the bytes are otherwise the
        child's."""
        d = self.daemon(
            "[program:t]\ncommand=/bin/sh -c 'printf \"one\\ntwo\"; "
            "sleep 1.2; printf \" more\\nthree\\n\"; echo err >&2'\n"
            "stdout_timestamps=true\nstartsecs=0\nautorestart=false\n"
            "stdout_logfile=@DIR@/t.out\nstderr_logfile=@DIR@/t.err\n",
            rpc=False)
        t0 = time.time()
        d.start()
        self.wait_log(TS + r"INFO exited: t \(exit status 0; expected\)$")
        out = self.read("@DIR@/t.out").decode()
        stamp = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) "
        m = re.fullmatch(stamp + r"one\n" + stamp + r"two more\n" + stamp +
                         r"three\n", out)
        self.assertIsNotNone(m, out)
        times = [log_time(g) for g in m.groups()]
        self.assertEqual(times[0], times[1], "one read, one stamp")
        self.assertGreaterEqual(times[2] - times[1], 1.0, out)
        self.assertLess(abs(times[0] - t0), 5)
        self.assertEqual(self.read("@DIR@/t.err"), b"err\n")
        self.shutdown()

    def test_child_has_only_fds_0_1_2(self):
        """With the HTTP and RPC plugins loaded, an RPC client connected
        and other children running, a child started over RPC inherits no
        fd beyond 0, 1 and 2."""
        d = self.daemon(
            "[program:other]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "[program:fds]\ncommand=/bin/sh -c 'sleep 0.2; "
            "exec ls /proc/self/fd'\nstartsecs=0\nautorestart=false\n"
            "autostart=false\nstdout_logfile=@DIR@/fds.log\n")
        d.start()
        self.pgids.add(self.spawned_pid("other"))
        self.assertTrue(self.rpc().supervisor.startProcess("fds"))
        self.wait_log(TS + r"INFO exited: fds \(exit status 0; "
                      r"expected\)$")
        # ls's own directory fd is the 3
        self.assertEqual(self.read("@DIR@/fds.log"), b"0\n1\n2\n3\n")
        self.shutdown()

    def test_redirect_stderr(self):
        """redirect_stderr: stderr lands in the stdout log, in order, and
        there is no stderr log at all."""
        d = self.daemon(
            "[program:r]\ncommand=/bin/sh -c 'echo out1; echo err1 >&2; "
            "echo out2; echo err2 >&2'\nredirect_stderr=true\n"
            "startsecs=0\nautorestart=false\n"
            "[program:split]\ncommand=/bin/sh -c 'echo out1; "
            "echo err1 >&2'\nstartsecs=0\nautorestart=false\n")
        d.start()
        for name in ("r", "split"):
            self.wait_log(TS + r"INFO exited: %s \(exit status 0; "
                          r"expected\)$" % name)
        rpc = self.rpc().supervisor
        info = rpc.getProcessInfo("r")
        self.assertEqual(info["stderr_logfile"], "")
        self.assertEqual(self.read(info["stdout_logfile"]),
                         b"out1\nerr1\nout2\nerr2\n")
        self.assertEqual(rpc.readProcessStdoutLog("r", 0, 0),
                         "out1\nerr1\nout2\nerr2\n")
        autologs = [n for n in os.listdir(d.dir)
                    if n.startswith("r-stderr---")]
        self.assertEqual(autologs, [])
        info = rpc.getProcessInfo("split")
        self.assertEqual(self.read(info["stdout_logfile"]), b"out1\n")
        self.assertEqual(self.read(info["stderr_logfile"]), b"err1\n")
        self.shutdown()

    def test_stopsignal(self):
        """stopsignal= is the signal a stop sends."""
        d = self.daemon(
            "[program:sig]\ncommand=/bin/sh -c 'trap \"echo got HUP; "
            "exit 0\" HUP; trap \"echo got TERM; exit 0\" TERM; "
            "echo ready; while :; do sleep 0.05; done'\n"
            "stopsignal=HUP\nstartsecs=0\nstdout_logfile=@DIR@/sig.log\n",
            loglevel="debug")
        d.start()
        pid = self.spawned_pid("sig")
        self.pgids.add(pid)
        self.wait_file("@DIR@/sig.log", "ready")
        self.assertTrue(self.rpc().supervisor.stopProcess("sig"))
        self.assert_log(TS + r"DEBG killing sig \(pid %d\) with signal "
                        r"SIGHUP$" % pid)
        self.assert_log(TS + r"INFO stopped: sig \(exit status 0\)$")
        self.assertEqual(self.read("@DIR@/sig.log"), b"ready\ngot HUP\n")
        self.assertEqual(self.state("sig"), "STOPPED")
        self.shutdown()

    def test_log_line_written_when_rpc_answers(self):
        """When stopProcess or startProcess answers, its lines are in the
        main log already, as with supervisord: a script that reads the log
        right after supervisorctl finds them."""
        d = self.daemon("[program:p]\ncommand=sleep 1000\nstartsecs=0\n"
                        "autostart=false\n")
        d.start()
        rpc = self.rpc()
        for i in range(1, 31):
            self.assertTrue(rpc.supervisor.startProcess("p"))
            self.assertEqual(d.read_log().count("INFO success: p entered "
                                                "RUNNING"), i)
            self.assertTrue(rpc.supervisor.stopProcess("p"))
            self.assertEqual(d.read_log().count(" stopped: p ("), i)
        self.shutdown()

    def test_stopwaitsecs_then_sigkill(self):
        """A child that ignores its stop signal is SIGKILLed stopwaitsecs
        later, and stopProcess answers once it is gone."""
        d = self.daemon(
            "[program:deaf]\ncommand=/bin/sh -c 'trap \"\" TERM; "
            "echo ready; while :; do sleep 0.05; done'\n"
            "stopwaitsecs=2\nstartsecs=0\nstdout_logfile=@DIR@/deaf.log\n")
        d.start()
        pid = self.spawned_pid("deaf")
        self.pgids.add(pid)
        self.wait_file("@DIR@/deaf.log", "ready")
        t0 = time.time()
        self.assertTrue(self.rpc().supervisor.stopProcess("deaf"))
        took = time.time() - t0
        m = self.wait_log(TS + r"WARN killing 'deaf' \(%d\) with SIGKILL$"
                          % pid)
        self.assertAlmostEqual(log_time(m.group(0)) - t0, 2.0, delta=0.4)
        self.assertAlmostEqual(took, 2.0, delta=0.5)
        self.assert_log(TS + r"WARN stopped: deaf \(terminated by "
                        r"SIGKILL\)$")
        self.assertFalse(sthtest.pid_alive(pid))
        self.assertEqual(self.state("deaf"), "STOPPED")
        self.shutdown()

    def test_waiting_to_die_every_3_seconds(self):
        """While a process outlives the stop signal at shutdown, "waiting
        for x to die" repeats every 3 s until the SIGKILL."""
        d = self.daemon(
            "[program:deaf]\ncommand=/bin/sh -c 'trap \"\" TERM; "
            "while :; do sleep 0.05; done'\nstopwaitsecs=7\n"
            "startsecs=0\n", rpc=False)
        d.start()
        pid = self.spawned_pid("deaf")
        self.pgids.add(pid)
        self.shutdown()
        log = d.read_log()
        waits = [log_time(m.group(0)) for m in re.finditer(
            TS + r"INFO waiting for deaf to die$", log, re.M)]
        self.assertEqual(len(waits), 3, log)
        for a, b in zip(waits, waits[1:]):
            self.assertAlmostEqual(b - a, 3.0, delta=0.3)
        m = re.search(TS + r"WARN killing 'deaf' \(%d\) with SIGKILL$" %
                      pid, log, re.M)
        self.assertAlmostEqual(log_time(m.group(0)) - waits[0], 7.0,
                               delta=0.3)

    def test_spawn_errors(self):
        """A command that is missing, a directory or not executable never
        forks: supervisord's spawnerr, BACKOFF, then FATAL."""
        d = self.daemon(
            "[program:missing]\ncommand=no-such-command-here\n"
            "startretries=0\n"
            "[program:dir]\ncommand=@DIR@\nstartretries=0\n"
            "[program:noexec]\ncommand=@DIR@/stheno.conf\n"
            "startretries=0\n")
        d.start()
        for name, err in (
                ("missing", "can't find command 'no-such-command-here'"),
                ("dir", "command at '%s' is a directory" % d.dir),
                ("noexec", "command at '%s/stheno.conf' is not executable"
                 % d.dir)):
            self.wait_log(TS + r"INFO spawnerr: %s$" % re.escape(err))
            self.wait_log(TS + r"INFO gave up: %s entered FATAL state, "
                          r"too many start retries too quickly$" % name)
            info = self.rpc().supervisor.getProcessInfo(name)
            self.assertEqual((info["statename"], info["spawnerr"],
                              info["pid"]), ("FATAL", err, 0))
        self.assertNotIn("spawned:", d.read_log())
        self.assertEqual(children_of(d.pid), {})
        self.shutdown()

    def test_exitcodes_and_autorestart(self):
        """autorestart=unexpected restarts only on an exit code outside
        exitcodes; true always; false never."""
        prog = ("[program:%s]\ncommand=/bin/sh -c 'sleep 0.3; exit %d'\n"
                "exitcodes=0,3\nstartsecs=0\nautorestart=%s\n")
        d = self.daemon(prog % ("ok3", 3, "unexpected") +
                        prog % ("bad4", 4, "unexpected") +
                        prog % ("always0", 0, "true") +
                        prog % ("never4", 4, "false"))
        d.start()
        self.wait_log(TS + r"INFO exited: ok3 \(exit status 3; "
                      r"expected\)$")
        self.wait_log(TS + r"WARN exited: bad4 \(exit status 4; not "
                      r"expected\)$", count=3)
        self.wait_log(TS + r"INFO exited: always0 \(exit status 0; "
                      r"expected\)$", count=3)
        self.wait_log(TS + r"WARN exited: never4 \(exit status 4; not "
                      r"expected\)$")
        log = d.read_log()
        self.assertEqual(log.count("spawned: 'ok3'"), 1, log)
        self.assertEqual(log.count("spawned: 'never4'"), 1, log)
        rpc = self.rpc().supervisor
        info = rpc.getProcessInfo("ok3")
        self.assertEqual((info["statename"], info["exitstatus"],
                          info["spawnerr"]), ("EXITED", 3, ""))
        info = rpc.getProcessInfo("never4")
        self.assertEqual((info["statename"], info["exitstatus"],
                          info["spawnerr"]),
                         ("EXITED", 4, "Bad exit code 4"))
        self.shutdown()

    def test_startretries_and_backoff_timing(self):
        """A child that dies before startsecs is retried startretries
        times, 1 s, 2 s, 3 s apart, in BACKOFF meanwhile, then FATAL."""
        d = self.daemon("[program:f]\ncommand=/bin/false\nstartsecs=1\n"
                        "startretries=3\n")
        d.start()
        self.wait_log(TS + r"WARN exited: f \(exit status 1; not "
                      r"expected\)$")
        info = self.rpc().supervisor.getProcessInfo("f")
        self.assertEqual((info["statename"], info["spawnerr"]),
                         ("BACKOFF", "Exited too quickly (process log may "
                          "have details)"))
        self.assert_retry_gaps(d, "f", (1, 2, 3))
        self.assertEqual(self.state("f"), "FATAL")
        self.shutdown()

    def assert_retry_gaps(self, d, name, want):
        """name goes FATAL after len(want) retries, spawned want[i]
        seconds apart (each within 0.25 s)."""
        self.wait_log(TS + r"INFO gave up: %s entered FATAL state, too many "
                      r"start retries too quickly$" % name,
                      timeout=sum(want) + 10)
        times = [log_time(m.group(0)) for m in re.finditer(
            TS + r"INFO spawned: '%s' with pid \d+$" % name, d.read_log(),
            re.M)]
        self.assertEqual(len(times), len(want) + 1, d.read_log())
        gaps = [b - a for a, b in zip(times, times[1:])]
        for w, got in zip(want, gaps):
            self.assertAlmostEqual(got, w, delta=0.25, msg=gaps)

    def test_maxbackoff_caps_the_ladder(self):
        """maxbackoff= (supervisor PR #1529) caps the wait between retries:
        1 s, 2 s, then 2 s again and again, where supervisord's ladder
        would go on 3 s, 4 s, 5 s; startretries still counts."""
        d = self.daemon("[program:f]\ncommand=/bin/false\nstartsecs=1\n"
                        "startretries=5\nmaxbackoff=2\n")
        d.start()
        self.assert_retry_gaps(d, "f", (1, 2, 2, 2, 2))
        self.shutdown()

    def test_maxbackoff_out_of_range_is_a_config_error(self):
        d = self.daemon("[program:f]\ncommand=/bin/false\nmaxbackoff=-1\n")
        d.start(wait=False)
        self.assertEqual(d.wait_exit(10), 2, d.describe())
        self.assertIn("-1 is below lower bound (0) for 'maxbackoff' in "
                      "section 'program:f'", d.read_log() + d.stderr_text())

    def test_depends_on_start_and_stop_order(self):
        """depends_on= (supervisor#122): web waits until db is RUNNING (past
        its startsecs) and app until the one-shot migrate has exited 0,
        whatever their priorities; needs never starts (broken went FATAL);
        at shutdown web and app stop before db although db's priority
        would stop it first."""
        d = self.daemon(
            "[program:db]\ncommand=/bin/sleep 1000\nstartsecs=2\n"
            "priority=900\n"
            "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "priority=1\ndepends_on=db\n"
            "[program:migrate]\ncommand=/bin/sh -c 'sleep 1; exit 0'\n"
            "startsecs=0\nautorestart=false\n"
            "[program:app]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "depends_on = migrate , db\n"
            "[program:broken]\ncommand=/bin/false\nstartretries=0\n"
            "[program:needs]\ncommand=/bin/sleep 1000\n"
            "depends_on=broken\n")
        d.start()
        self.wait_log(TS + r"INFO waiting for db before starting web$")
        self.wait_log(TS + r"INFO spawned: 'web' with pid \d+$")
        self.wait_log(TS + r"INFO spawned: 'app' with pid \d+$")
        self.wait_log(TS + r"WARN not starting needs: broken entered FATAL "
                      r"state$")
        log = d.read_log()
        at = {k: log.index(v) for k, v in (
            ("db_up", "success: db entered RUNNING"),
            ("web", "spawned: 'web'"),
            ("migrated", "exited: migrate (exit status 0; expected)"),
            ("app", "spawned: 'app'"))}
        self.assertLess(at["db_up"], at["web"], log)
        self.assertLess(at["migrated"], at["app"], log)
        self.assertLess(at["db_up"], at["app"], log)
        self.assertEqual(self.state("needs"), "STOPPED")
        # the operator's start is not held
        self.assertTrue(self.rpc().supervisor.startProcess("needs"))
        self.shutdown()
        log = d.read_log()
        stopped = [m.group(1) for m in re.finditer(
            r"stopped: (\w+) \(", log)]
        self.assertLess(stopped.index("web"), stopped.index("db"), log)
        self.assertLess(stopped.index("app"), stopped.index("db"), log)

    def test_depends_on_a_removed_group_ends_the_wait(self):
        d = self.daemon(
            "[program:db]\ncommand=/bin/sleep 1000\nautostart=false\n"
            "[program:web]\ncommand=/bin/sleep 1000\ndepends_on=db\n")
        d.start()
        self.wait_log(TS + r"INFO waiting for db before starting web$")
        self.assertTrue(self.rpc().supervisor.removeProcessGroup("db"))
        self.wait_log(TS + r"WARN not starting web: db is gone$")
        self.assertEqual(self.state("web"), "STOPPED")
        self.shutdown()

    def test_depends_on_errors(self):
        for body, err in (
                ("[program:a]\ncommand=/bin/true\ndepends_on=nope\n",
                 "depends_on: [program:a] names no program or group 'nope'"),
                ("[program:a]\ncommand=/bin/true\ndepends_on=a\n",
                 "depends_on: [program:a] depends on itself"),
                ("[program:a]\ncommand=/bin/true\ndepends_on=b\n"
                 "[program:b]\ncommand=/bin/true\ndepends_on=c\n"
                 "[program:c]\ncommand=/bin/true\ndepends_on=a\n",
                 "depends_on: a cycle: a -> b -> c -> a")):
            d = self.daemon(body, rpc=False)
            self.addCleanup(d.cleanup)
            d.start(wait=False)
            self.assertEqual(d.wait_exit(10), 2, d.describe())
            self.assertIn(err, d.read_log() + d.stderr_text())

    def test_numprocs_and_process_name(self):
        """numprocs processes named by process_name from numprocs_start,
        each with its own log and SUPERVISOR_PROCESS_NAME."""
        d = self.daemon(
            "[program:w]\ncommand=/bin/sh -c 'echo $SUPERVISOR_PROCESS_NAME "
            "$SUPERVISOR_GROUP_NAME; exec sleep 1000'\n"
            "numprocs=3\nnumprocs_start=5\n"
            "process_name=%(program_name)s-%(process_num)02d\n"
            "stdout_logfile=@DIR@/w-%(process_num)d.log\nstartsecs=0\n")
        d.start()
        for n in (5, 6, 7):
            self.pgids.add(self.spawned_pid("w-%02d" % n))
            self.wait_file("@DIR@/w-%d.log" % n, "w")
            self.assertEqual(self.read("@DIR@/w-%d.log" % n),
                             b"w-%02d w\n" % n)
        rpc = self.rpc().supervisor
        got = [(i["group"], i["name"], i["statename"])
               for i in rpc.getAllProcessInfo()]
        self.assertEqual(got, [("w", "w-05", "RUNNING"),
                               ("w", "w-06", "RUNNING"),
                               ("w", "w-07", "RUNNING")])
        self.assertTrue(rpc.stopProcess("w:w-06"))
        got = [i["statename"] for i in rpc.getAllProcessInfo()]
        self.assertEqual(got, ["RUNNING", "STOPPED", "RUNNING"])
        self.shutdown()

    def test_priority_order(self):
        """Lower priority starts first and stops last; shutdown stops one
        group at a time, waiting for each."""
        prog = ("[program:%s]\ncommand=/bin/sh -c 'trap \"sleep 0.3; "
                "exit 0\" TERM; while :; do sleep 0.05; done'\n"
                "priority=%d\nstartsecs=0\n")
        d = self.daemon(prog % ("aa", 30) + prog % ("mm", 10) +
                        prog % ("zz", 20), rpc=False)
        d.start()
        pids = [self.spawned_pid(n) for n in ("mm", "zz", "aa")]
        self.pgids.update(pids)
        log = d.read_log()
        order = [m.group(1) for m in
                 re.finditer(r"spawned: '(\w+)'", log)]
        self.assertEqual(order, ["mm", "zz", "aa"])
        time.sleep(0.2)
        self.shutdown()
        log = d.read_log()
        stops = [(m.group(1), log_time(m.group(0))) for m in re.finditer(
            TS + r"INFO stopped: (\w+) \(exit status 0\)$", log, re.M)]
        self.assertEqual([n for n, _ in stops], ["aa", "zz", "mm"], log)
        for (_, a), (_, b) in zip(stops, stops[1:]):
            self.assertGreaterEqual(b - a, 0.25, stops)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--gen":
        gen_main(int(sys.argv[2]), int(sys.argv[3]))
        sys.exit(0)
    unittest.main()
