"""test_eventlistener_types.py — every event type of docs/supervisord.md
§6.1 received by a real listener, with its exact envelope, from sthenod
and from Debian's supervisord in the same run.

One scenario runs on both daemons with the same config: startup (groups
added, SUPERVISOR_STATE_CHANGE_RUNNING, every process state a program can
reach without a kill failing), stdout/stderr as PROCESS_LOG and
PROCESS_COMMUNICATION, two supervisor.sendRemoteCommEvent calls (one
non-ASCII), addProcessGroup and removeProcessGroup, and a shutdown that
brings SUPERVISOR_STATE_CHANGE_STOPPING.  A byte-level listener records each
envelope; the two recordings must hold the same envelopes (pids aside), the
same startup prefix serial for serial, and the same per-process order.

TICK_5 is received from both daemons (exact header, when: rounded down to
5 s, consecutive ticks 5 s apart).  TICK_60 and TICK_3600 take too long to
wait for: for them (and for TICK_5, and for no TICK subscription) strace
shows the timeout sthenod's loop sleeps with, which must be exactly the time
to the next boundary of the period subscribed to, and infinite without one.

PROCESS_STATE_UNKNOWN is not here: supervisord enters it only when kill(2)
fails with something other than ESRCH, which a root-run test cannot cause.
"""

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

PY = "/usr/bin/python3"
SUPERVISORD = "/usr/bin/supervisord"

# Reads the protocol as bytes, counting len: in characters (supervisord's
# unit, sthenod's default), and records each envelope as received.  Under
# supervisord it ignores SIGTERM (stopwaitsecs then kills it): supervisord
# stops its pool at the loop pass after it sent it the shutdown's event,
# which a listener that dies on SIGTERM may not have recorded yet.  sthenod
# stops a pool only once its listener has answered, so under sthenod it
# keeps the default SIGTERM.
RECORDER = r'''
import codecs, json, os, signal, sys
if sys.argv[2:] == ["ignore-sigterm"]:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
rec = sys.argv[1]
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    out.write(b"READY\n"); out.flush()
    line = inp.readline()
    if not line.endswith(b"\n"):
        sys.exit(0)
    n = int(dict(t.split(b":", 1) for t in line.split())[b"len"])
    dec = codecs.getincrementaldecoder("utf-8")()
    raw, chars = b"", 0
    while chars < n:
        b = inp.read(1)
        if not b:
            sys.exit(0)
        raw += b
        chars += len(dec.decode(b))
    with open(rec, "a") as f:
        f.write(json.dumps({"line": line.decode(),
                            "payload": raw.decode()}) + "\n")
    out.write(b"RESULT 2\nOK"); out.flush()
'''


CONFIG = """\
[supervisord]
logfile=@DIR@/main.log
pidfile=@DIR@/d.pid
childlogdir=@DIR@
identifier=myident
loglevel=debug

[unix_http_server]
file=@DIR@/d.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:lst]
command=@PY@ @DIR@/recorder.py @DIR@/lst.jsonl @TERM@
events=PROCESS_STATE,PROCESS_LOG,PROCESS_COMMUNICATION,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE,PROCESS_GROUP
buffer_size=1000
stopwaitsecs=1

[program:chatty]
command=/bin/sh -c "echo out; sleep 0.2; echo err >&2; exec sleep 100"
stdout_events_enabled=true
stderr_events_enabled=true

[program:cap]
command=/bin/sh -c "printf '<!--XSUPERVISOR:BEGIN-->captured-data<!--XSUPERVISOR:END-->'; sleep 0.2; printf '<!--XSUPERVISOR:BEGIN-->err-data<!--XSUPERVISOR:END-->' >&2; exec sleep 100"
stdout_capture_maxbytes=1KB
stderr_capture_maxbytes=1KB

[program:quick]
command=/bin/sh -c "sleep 1.5; exit 3"
autorestart=false

[program:done]
command=/bin/sh -c "sleep 1.5; exit 0"
autorestart=false

[program:failer]
command=/bin/sh -c "exit 3"
startretries=0

[program:victim]
command=/bin/sleep 100

[program:ga]
command=/bin/sleep 100

[group:grp]
programs=ga
"""

LATE = """
[program:late]
command=/bin/sleep 100
startsecs=0
"""


def tokens(payload):
    """The first line's key:value tokens."""
    return dict(t.split(":", 1) for t in payload.split("\n", 1)[0].split())


def norm(r):
    """An envelope without its serials and pids: what must be the same
    from both daemons (len: too, which check_alone ties to the payload and
    which pids of other lengths would change)."""
    return (r["name"], re.sub(r"\bpid:\d+", "pid:P", r["payload"]))


class Daemon:
    """sthenod or supervisord (-n) on CONFIG in a folder of its own."""

    def __init__(self, argv, config=CONFIG):
        self.dir = tempfile.mkdtemp(prefix="sth-evt-")
        self.conf = os.path.join(self.dir, "d.conf")
        self.log = os.path.join(self.dir, "main.log")
        self.rec = os.path.join(self.dir, "lst.jsonl")
        self.is_supervisord = argv[0] == SUPERVISORD
        with open(os.path.join(self.dir, "recorder.py"), "w") as f:
            f.write(RECORDER)
        self.write(config)
        env = dict(os.environ)
        if sthtest.PLUGIN_PATH:
            env.setdefault("STHENO_PLUGIN_PATH", sthtest.PLUGIN_PATH)
        self.proc = subprocess.Popen(
            argv + ["-n", "-c", self.conf], cwd=self.dir,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True)

    def write(self, text):
        term = "ignore-sigterm" if self.is_supervisord else ""
        with open(self.conf, "w") as f:
            f.write(text.replace("@DIR@", self.dir).replace(
                "@PY@", PY).replace("@TERM@", term))

    def rpc(self):
        from supervisor.xmlrpc import SupervisorTransport
        t = SupervisorTransport(None, None,
                                "unix://" + os.path.join(self.dir, "d.sock"))
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)

    def records(self):
        return sthtest.read_event_records(self.rec)

    def wait_records(self, pred, what, timeout=20):
        if not sthtest.wait_for(lambda: pred(self.records()), timeout):
            raise AssertionError("%s: no %s in\n%s\n--- log:\n%s" % (
                self.proc.args[0], what, sthtest.read_text(self.rec),
                sthtest.read_text(self.log)[-6000:]))
        return self.records()

    def spawned(self):
        """process name -> the pids the main log says it was given."""
        out = collections.defaultdict(set)
        for name, pid in re.findall(r"spawned: '([^']+)' with pid (\d+)",
                                    sthtest.read_text(self.log)):
            out[name].add(pid)
        return out

    def cleanup(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        kill_session(self.proc.pid)
        shutil.rmtree(self.dir, ignore_errors=True)


def kill_session(sid):
    """SIGKILL what is left in session sid (the daemon's children, each
    in a process group of its own, stay in the session it began)."""
    for p in sthtest.pids():
        f = sthtest.proc_stat(p)
        if f is not None and int(f[3]) == sid:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


def has(name, **tok):
    """A predicate: some record is event name with these payload tokens."""
    def pred(rs):
        return any(r["name"] == name and
                   all(tokens(r["payload"]).get(k) == v
                       for k, v in tok.items()) for r in rs)
    return pred


def scenario(d):
    """Drive d through every event type; returns its records, and the
    index of the first record after the SIGTERM."""
    startup = [
        has("PROCESS_STATE_FATAL", processname="failer"),
        has("PROCESS_STATE_EXITED", processname="quick"),
        has("PROCESS_STATE_EXITED", processname="done"),
        has("PROCESS_LOG_STDERR", processname="chatty"),
        has("PROCESS_COMMUNICATION_STDERR", processname="cap"),
    ] + [has("PROCESS_STATE_RUNNING", processname=n)
         for n in ("chatty", "cap", "victim", "ga")]
    d.wait_records(lambda rs: all(p(rs) for p in startup), "startup")
    r = d.rpc()
    assert r.supervisor.sendRemoteCommEvent("mytype", "failme please")
    assert r.supervisor.sendRemoteCommEvent("enc", "Malm\u00f6 \u2713\n")
    d.wait_records(lambda rs: sum(x["name"] == "REMOTE_COMMUNICATION"
                                  for x in rs) == 2, "REMOTE_COMMUNICATION")
    # addProcessGroup after a reread: GROUP_ADDED and the new process
    with open(d.conf, "a") as f:
        f.write(LATE)
    assert r.supervisor.reloadConfig() == [[["late"], [], []]]
    assert r.supervisor.addProcessGroup("late")
    d.wait_records(has("PROCESS_STATE_RUNNING", processname="late"),
                   "late RUNNING")
    # removeProcessGroup: STOPPING, STOPPED, GROUP_REMOVED
    r.supervisor.stopProcessGroup("victim")
    assert r.supervisor.removeProcessGroup("victim")
    d.wait_records(has("PROCESS_GROUP_REMOVED"), "PROCESS_GROUP_REMOVED")
    # stop everything but the listener, so that a shutdown sends it one
    # event only: supervisord stops its pool without sending it the last
    # programs' STOPPING and STOPPED (sthenod lets the pool deliver them
    # first: test_eventlistener.py, Shutdown), and the order groups stop in
    # is then not in question
    for g in ("chatty", "cap", "grp", "late"):
        r.supervisor.stopProcessGroup(g)
    d.wait_records(lambda rs: all(
        has("PROCESS_STATE_STOPPED", processname=n)(rs)
        for n in ("chatty", "cap", "ga", "late")), "STOPPED")
    r("close")()
    time.sleep(0.5)     # nothing else is on its way
    mark = len(d.records())
    d.proc.send_signal(signal.SIGTERM)
    if d.proc.wait(timeout=30) != 0:
        raise AssertionError("%s exited %d" % (d.proc.args[0],
                                               d.proc.returncode))
    return d.records(), mark


class EveryEventType(unittest.TestCase):
    def run_one(self, argv):
        d = Daemon(argv)
        self.addCleanup(d.cleanup)
        recs, mark = scenario(d)
        return d, recs, mark

    def check_alone(self, d, recs, mark):
        """What holds for one daemon's recording by itself."""
        who = d.proc.args[0]
        # one pool: global serials are the pool's, both from 0, no gap
        self.assertEqual([r["poolserial"] for r in recs],
                         list(range(len(recs))), who)
        self.assertEqual([r["serial"] for r in recs],
                         list(range(len(recs))), who)
        for r in recs:
            self.assertEqual(r["pool"], "lst")
            self.assertEqual(r["len"], len(r["payload"]), r)
        # every pid is one the process was spawned with
        spawned = d.spawned()
        for r in recs:
            t = tokens(r["payload"])
            if "pid" in t:
                self.assertIn(t["pid"], spawned[t["processname"]], r)
        # the shutdown sent exactly one event, with nothing in it
        self.assertEqual([(r["line"], r["payload"]) for r in recs[mark:]],
                         [("ver:3.0 server:myident serial:%d pool:lst "
                           "poolserial:%d eventname:"
                           "SUPERVISOR_STATE_CHANGE_STOPPING len:0\n"
                           % (mark, mark), "")], who)

    def test_same_envelopes_as_supervisord(self):
        if not os.path.exists(SUPERVISORD):
            self.skipTest("no supervisord")
        sd, srecs, smark = self.run_one([sthtest.STHENOD])
        vd, vrecs, vmark = self.run_one([SUPERVISORD])
        self.check_alone(vd, vrecs, vmark)
        self.check_alone(sd, srecs, smark)
        # the same envelopes, pids aside, as many times each
        sc = collections.Counter(map(norm, srecs))
        vc = collections.Counter(map(norm, vrecs))
        self.assertEqual(sc, vc, "only sthenod: %r\nonly supervisord: %r"
                         % (sorted((sc - vc).elements()),
                            sorted((vc - sc).elements())))
        self.assertEqual(len(srecs), len(vrecs))
        # startup, serial for serial: every group added in (priority,
        # name) order, the pool first and seeing its own, then RUNNING
        def prefix(rs):
            i = [r["name"] for r in rs].index(
                "SUPERVISOR_STATE_CHANGE_RUNNING")
            return [r["line"] + r["payload"] for r in rs[:i + 1]]
        self.assertEqual(prefix(srecs), prefix(vrecs))

        # each process's own events in the same order
        def per_process(rs):
            out = collections.defaultdict(list)
            for r in rs:
                t = tokens(r["payload"])
                if "processname" in t:
                    out[t["processname"]].append(norm(r))
            return out
        self.assertEqual(per_process(srecs), per_process(vrecs))
        # and the types: all of them but PROCESS_STATE_UNKNOWN and TICK_*
        self.assertEqual({r["name"] for r in srecs}, {
            "PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING",
            "PROCESS_STATE_BACKOFF", "PROCESS_STATE_STOPPING",
            "PROCESS_STATE_EXITED", "PROCESS_STATE_STOPPED",
            "PROCESS_STATE_FATAL", "PROCESS_LOG_STDOUT",
            "PROCESS_LOG_STDERR", "PROCESS_COMMUNICATION_STDOUT",
            "PROCESS_COMMUNICATION_STDERR", "REMOTE_COMMUNICATION",
            "SUPERVISOR_STATE_CHANGE_RUNNING",
            "SUPERVISOR_STATE_CHANGE_STOPPING", "PROCESS_GROUP_ADDED",
            "PROCESS_GROUP_REMOVED"})

    def test_exact_envelopes(self):
        """Each type once, byte for byte as docs/supervisord.md §6.1 and §A.4
        give it."""
        d, recs, mark = self.run_one([sthtest.STHENOD])
        self.check_alone(d, recs, mark)
        pid = {n: p.pop() for n, p in d.spawned().items() if len(p) == 1}
        got = collections.defaultdict(list)
        for r in recs:
            got[r["name"]].append(r["line"] + r["payload"])

        def env(name, payload):
            n = len(payload)
            for e in got[name]:
                m = re.match(r"ver:3\.0 server:myident serial:(\d+) "
                             r"pool:lst poolserial:\1 eventname:%s "
                             r"len:%d\n" % (name, n), e)
                if m and e[m.end():] == payload:
                    return
            self.fail("no %s envelope with payload %r in %r"
                      % (name, payload, got[name]))
        env("PROCESS_GROUP_ADDED", "groupname:grp\n")
        env("PROCESS_GROUP_ADDED", "groupname:late\n")
        env("PROCESS_GROUP_REMOVED", "groupname:victim\n")
        env("SUPERVISOR_STATE_CHANGE_RUNNING", "")
        env("SUPERVISOR_STATE_CHANGE_STOPPING", "")
        env("PROCESS_STATE_STARTING",
            "processname:ga groupname:grp from_state:STOPPED tries:0")
        env("PROCESS_STATE_RUNNING",
            "processname:ga groupname:grp from_state:STARTING pid:%s"
            % pid["ga"])
        env("PROCESS_STATE_RUNNING",
            "processname:late groupname:late from_state:STARTING pid:%s"
            % pid["late"])
        env("PROCESS_STATE_BACKOFF",
            "processname:failer groupname:failer from_state:STARTING "
            "tries:1")
        env("PROCESS_STATE_FATAL",
            "processname:failer groupname:failer from_state:BACKOFF")
        env("PROCESS_STATE_EXITED",
            "processname:quick groupname:quick from_state:RUNNING "
            "expected:0 pid:%s" % pid["quick"])
        env("PROCESS_STATE_EXITED",
            "processname:done groupname:done from_state:RUNNING "
            "expected:1 pid:%s" % pid["done"])
        env("PROCESS_STATE_STOPPING",
            "processname:victim groupname:victim from_state:RUNNING pid:%s"
            % pid["victim"])
        env("PROCESS_STATE_STOPPED",
            "processname:victim groupname:victim from_state:STOPPING "
            "pid:%s" % pid["victim"])
        env("PROCESS_LOG_STDOUT",
            "processname:chatty groupname:chatty pid:%s channel:stdout\n"
            "out\n" % pid["chatty"])
        env("PROCESS_LOG_STDERR",
            "processname:chatty groupname:chatty pid:%s channel:stderr\n"
            "err\n" % pid["chatty"])
        env("PROCESS_COMMUNICATION_STDOUT",
            "processname:cap groupname:cap pid:%s\ncaptured-data"
            % pid["cap"])
        env("PROCESS_COMMUNICATION_STDERR",
            "processname:cap groupname:cap pid:%s\nerr-data" % pid["cap"])
        # A.4's REMOTE_COMMUNICATION, len:25
        env("REMOTE_COMMUNICATION", "type:mytype\nfailme please")
        # len: counts characters: 16 characters, 19 bytes
        env("REMOTE_COMMUNICATION", "type:enc\nMalm\u00f6 \u2713\n")
        # the pool saw its own creation first (A.4's first envelope)
        self.assertEqual(recs[0]["line"] + recs[0]["payload"],
                         "ver:3.0 server:myident serial:0 pool:lst "
                         "poolserial:0 eventname:PROCESS_GROUP_ADDED "
                         "len:14\ngroupname:lst\n")


TICK_CONF = """\
[supervisord]
logfile=@DIR@/main.log
pidfile=@DIR@/d.pid
childlogdir=@DIR@
identifier=myident
loglevel=debug

[eventlistener:tick]
command=@PY@ @DIR@/recorder.py @DIR@/lst.jsonl @TERM@
events=TICK_5
stopwaitsecs=1
"""


class Tick5(unittest.TestCase):
    def test_tick_5_envelopes_from_both_daemons(self):
        argvs = [[sthtest.STHENOD]]
        if os.path.exists(SUPERVISORD):
            argvs.append([SUPERVISORD])
        ds = []
        for argv in argvs:
            d = Daemon(argv, TICK_CONF)
            self.addCleanup(d.cleanup)
            ds.append(d)
        start = time.time()
        lines = []
        for d in ds:
            recs = d.wait_records(lambda rs: len(rs) >= 2, "two TICK_5",
                                  timeout=16)
            first, second = recs[0], recs[1]
            for i, r in enumerate((first, second)):
                self.assertEqual(r["line"],
                                 "ver:3.0 server:myident serial:%d "
                                 "pool:tick poolserial:%d eventname:TICK_5 "
                                 "len:15\n" % (i, i), d.proc.args[0])
                self.assertRegex(r["payload"], r"^when:\d{10}$")
            w1 = int(first["payload"][5:])
            w2 = int(second["payload"][5:])
            self.assertEqual(w1 % 5, 0)
            self.assertEqual(w2, w1 + 5)
            # nothing at startup: the first tick is the first boundary
            # after the daemon's loop starts.  supervisord's Python start
            # can take over a second on a loaded machine, and its first
            # tick() only notes the current slice, so its first boundary
            # may be the next one: one period more of slack for it.
            self.assertGreaterEqual(w1, int(start) - 1)
            self.assertLessEqual(w1, start + (6 if d is ds[0] else 11),
                                 d.proc.args[0])
            lines.append(first["line"])
        self.assertEqual(len(set(lines)), 1)


def ms_to_boundary(period, now):
    return (period - now % period) * 1000


@unittest.skipUnless(sthtest.strace_works(), "strace is missing or cannot trace")
class TickTimers(unittest.TestCase):
    """What timeout sthenod's loop sleeps with, seen by strace: exactly
    the time to the next boundary of the period a pool subscribes to."""

    def sleep_timeout(self, events):
        d = sthtest.Sthenod(loglevel="debug")
        self.addCleanup(d.cleanup)
        d.extra = """
[eventlistener:t]
command=/bin/sh -c 'printf "READY\\n"; exec sleep 1000'
events=%s
""" % events
        d.write_config()
        d.start()
        self.assertTrue(d.wait_log(r"success: t entered RUNNING state"),
                        d.describe())
        time.sleep(0.2)     # startsecs' timer is gone, nothing pending
        out = os.path.join(d.dir, "strace.out")
        st = sthtest.Strace(d.pid, out, "epoll_wait,epoll_pwait",
                            follow=False, args=("-ttt",))
        try:
            self.assertTrue(sthtest.wait_for(
                lambda: "epoll" in sthtest.read_text(out), 5),
                "strace did not attach")
            # wake the loop (SIGUSR2 reopens the log): the next sleep's
            # timeout is computed afresh; a second wake ends that sleep
            # so that strace prints its arguments
            d.send_signal(signal.SIGUSR2)
            time.sleep(0.3)
            d.send_signal(signal.SIGUSR2)
            self.assertTrue(sthtest.wait_for(
                lambda: len(re.findall(r"epoll_p?wait\(.*\) = ",
                                       sthtest.read_text(out))) >= 2, 5),
                sthtest.read_text(out))
        finally:
            st.stop()
        calls = re.findall(r"^(\d+\.\d+) epoll_p?wait\(\d+, .*, \d+, "
                           r"(-?\d+)(?:, .*)?\) = ", sthtest.read_text(out),
                           re.M)
        self.assertEqual(d.stop(), 0)
        # the last sleep that ended (after a wake), with the time strace
        # saw it begin: its timeout was computed at that moment, whichever
        # of the calls around the two wakes it is
        began, timeout = calls[-1]
        return float(began), int(timeout), sthtest.read_text(out)

    def check(self, period, cap=None):
        began, timeout, text = self.sleep_timeout("TICK_%d" % period)
        want = ms_to_boundary(period, began)
        if cap is not None:
            want = min(want, cap)
        # the loop computes it a moment before strace sees the call begin
        # (a boundary may fall in between: compare around the period)
        off = (timeout - want) % (period * 1000)
        self.assertLessEqual(min(off, period * 1000 - off), 250,
                             "timeout %d, want %d\n%s" % (timeout, want, text))

    def test_no_tick_subscription_sleeps_without_a_timeout(self):
        _, timeout, text = self.sleep_timeout("PROCESS_GROUP")
        self.assertEqual(timeout, -1, text)

    def test_tick_5(self):
        self.check(5)

    def test_tick_60(self):
        self.check(60)

    def test_tick_3600(self):
        # libevent's epoll backend sleeps at most 35 minutes at a time
        self.check(3600, cap=35 * 60 * 1000)


if __name__ == "__main__":
    unittest.main()
