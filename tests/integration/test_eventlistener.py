"""test_eventlistener.py — real listeners against sthenod's eventlistener
plugin (docs/supervisord.md §6): a Python one built on
supervisor.childutils, a byte-exact C one (tests/bench/evl_listener.c),
the one-line shell listener that shuts
sthenod down on PROCESS_STATE_FATAL, one that answers FAIL, one that dies
while BUSY, slow ones that make the buffer overflow, ones that write garbage,
and unloading/loading the plugin live.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

PY = "/usr/bin/python3"
SRC = sthtest.SRCDIR

# A childutils listener: records the raw header line and the payload it read
# (as text, the way childutils reads it) as JSON lines.  Behaviour per
# argv[2]: ok (default), fail1 (FAIL the first event), die1 (exit while BUSY
# on the first event, if the marker file does not exist yet), hang (never
# answer), badresult (answer with a bad RESULT line).
PY_LISTENER = r'''
import os, sys, json
from supervisor import childutils
rec, mode = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "ok")
n = 0
while True:
    childutils.listener.ready(sys.stdout)
    line = sys.stdin.readline()
    headers = childutils.get_headers(line)
    payload = sys.stdin.read(int(headers["len"]))
    with open(rec, "a") as f:
        f.write(json.dumps({"line": line, "payload": payload,
                            "pid": os.getpid()}) + "\n")
    n += 1
    if mode == "die1" and not os.path.exists(rec + ".died"):
        open(rec + ".died", "w").close()
        os._exit(1)
    if mode == "hang":
        sys.stdin.readline()
    if mode == "badresult":
        sys.stdout.write("RESULT x\n"); sys.stdout.flush()
        sys.stdin.readline()
    if mode == "fail1" and n == 1:
        childutils.listener.fail(sys.stdout)
    else:
        childutils.listener.ok(sys.stdout)
'''


C_LISTENER = None


def c_listener():
    """Build tests/bench/evl_listener.c once per run."""
    global C_LISTENER
    if C_LISTENER is None:
        d = tempfile.mkdtemp(prefix="evl-cc-")
        out = os.path.join(d, "evl_listener")
        subprocess.run(["cc", "-O2", "-o", out,
                        os.path.join(SRC, "tests/bench/evl_listener.c")],
                       check=True)
        C_LISTENER = out
    return C_LISTENER


def read_raw(path):
    """Envelopes recorded byte for byte by the C listener: (header dict,
    raw header line, payload bytes), split on the len: it was given."""
    data = b""
    if os.path.exists(path):
        with open(path, "rb") as f:
            data = f.read()
    out = []
    while data:
        nl = data.index(b"\n") + 1
        line = data[:nl]
        m = sthtest.EVENT_HEADER.match(line.decode())
        assert m, "bad header %r" % line
        n = int(m.group(5))
        out.append(({"serial": int(m.group(1)), "pool": m.group(2),
                     "poolserial": int(m.group(3)), "name": m.group(4),
                     "len": n}, line, data[nl:nl + n]))
        data = data[nl + n:]
    return out


class Base(unittest.TestCase):
    def daemon(self, sections, **opts):
        o = dict(loglevel="debug", identifier="myident")
        o.update(opts)
        d = sthtest.Sthenod(extra="", **o)
        d.opts["childlogdir"] = d.dir
        self.d = d
        self.addCleanup(self.finish)
        with open(os.path.join(d.dir, "listener.py"), "w") as f:
            f.write(PY_LISTENER)
        d.extra = sections.replace("@DIR@", d.dir).replace(
            "@PYL@", "%s %s/listener.py" % (PY, d.dir)).replace(
            "@CL@", c_listener() if "@CL@" in sections else "")
        d.write_config()
        return d

    def finish(self):
        d = self.d
        if d.proc is not None and d.proc.poll() is None:
            try:
                d.stop(timeout=20)
            except Exception:
                pass
        d.cleanup()

    def path(self, name):
        return os.path.join(self.d.dir, name)

    def wait_records(self, name, pred, timeout=15):
        r = sthtest.wait_for(lambda: pred(sthtest.read_event_records(self.path(name))),
                             timeout)
        self.assertTrue(r, "records of %s:\n%s\n%s" % (
            name, sthtest.read_text(self.path(name)), self.d.describe()))
        return sthtest.read_event_records(self.path(name))

    def rpc(self):
        from supervisor.xmlrpc import SupervisorTransport
        t = SupervisorTransport(None, None,
                                "unix://" + self.path("s.sock"))
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


class EveryEvent(Base):
    SECTIONS = """
[unix_http_server]
file=@DIR@/s.sock
[eventlistener:lst]
command=@PYL@ @DIR@/lst.jsonl
events=EVENT
buffer_size=100
[eventlistener:raw]
command=@CL@ @DIR@/raw.bin
events=PROCESS_STATE,process_state_running,PROCESS_STATE_RUNNING,PROCESS_GROUP
buffer_size=100
[program:quick]
command=/bin/sh -c "sleep 2.5; exit 0"
autorestart=false
[program:failer]
command=/bin/sh -c "exit 3"
startretries=0
[program:chatty]
command=/bin/sh -c "echo out; echo err >&2; exec sleep 100"
stdout_events_enabled=true
stderr_events_enabled=true
[program:cap]
command=/bin/sh -c "printf '<!--XSUPERVISOR:BEGIN-->captured-data<!--XSUPERVISOR:END-->'; printf '<!--XSUPERVISOR:BEGIN-->err-data<!--XSUPERVISOR:END-->' >&2; exec sleep 100"
stdout_capture_maxbytes=1KB
stderr_capture_maxbytes=1KB
[program:sleeper]
command=/bin/sleep 100
"""

    def test_every_event_type_with_exact_envelopes(self):
        d = self.daemon(self.SECTIONS)
        d.start()
        want = {"TICK_5", "PROCESS_STATE_EXITED", "PROCESS_STATE_FATAL",
                "PROCESS_LOG_STDERR", "PROCESS_COMMUNICATION_STDERR"}
        self.wait_records("lst.jsonl",
                          lambda rs: want <= {r["name"] for r in rs},
                          timeout=20)
        # Stop sleeper by RPC, not through the shutdown: at shutdown the
        # listener pools (priority -1) are signalled as soon as the last
        # program is down, which may be before its STOPPED event is sent.
        self.rpc().supervisor.stopProcess("sleeper")
        self.wait_records("lst.jsonl",
                          lambda rs: "PROCESS_STATE_STOPPED" in
                          {r["name"] for r in rs}, timeout=20)
        self.assertEqual(d.stop(), 0)
        recs = sthtest.read_event_records(self.path("lst.jsonl"))
        pid = {}
        for name in ("chatty", "cap", "sleeper", "quick"):
            m = re.search(r"spawned: '%s' with pid (\d+)" % name,
                          d.read_log())
            pid[name] = m.group(1)
        got = {}
        for r in recs:
            # one pool per envelope; len is Python's len() of the text
            self.assertEqual(r["pool"], "lst")
            self.assertEqual(r["len"], len(r["payload"]))
            got.setdefault(r["name"], []).append(r["payload"])
        # pool serials count from 0 without a gap
        self.assertEqual([r["poolserial"] for r in recs],
                         list(range(len(recs))))
        # A.4's first envelope, byte for byte: the pool sees its own ADDED
        self.assertEqual(recs[0]["line"] + recs[0]["payload"],
                         "ver:3.0 server:myident serial:0 pool:lst "
                         "poolserial:0 eventname:PROCESS_GROUP_ADDED "
                         "len:14\ngroupname:lst\n")
        expect = {
            "PROCESS_GROUP_ADDED": "groupname:sleeper\n",
            "PROCESS_STATE_STARTING":
                "processname:lst groupname:lst from_state:STOPPED tries:0",
            "PROCESS_STATE_RUNNING":
                "processname:quick groupname:quick from_state:STARTING "
                "pid:%s" % pid["quick"],
            "PROCESS_STATE_EXITED":
                "processname:quick groupname:quick from_state:RUNNING "
                "expected:1 pid:%s" % pid["quick"],
            "PROCESS_STATE_BACKOFF":
                "processname:failer groupname:failer from_state:STARTING "
                "tries:1",
            "PROCESS_STATE_FATAL":
                "processname:failer groupname:failer from_state:BACKOFF",
            "PROCESS_STATE_STOPPING":
                "processname:sleeper groupname:sleeper from_state:RUNNING "
                "pid:%s" % pid["sleeper"],
            "PROCESS_STATE_STOPPED":
                "processname:sleeper groupname:sleeper from_state:STOPPING "
                "pid:%s" % pid["sleeper"],
            "PROCESS_LOG_STDOUT":
                "processname:chatty groupname:chatty pid:%s "
                "channel:stdout\nout\n" % pid["chatty"],
            "PROCESS_LOG_STDERR":
                "processname:chatty groupname:chatty pid:%s "
                "channel:stderr\nerr\n" % pid["chatty"],
            "PROCESS_COMMUNICATION_STDOUT":
                "processname:cap groupname:cap pid:%s\ncaptured-data"
                % pid["cap"],
            "PROCESS_COMMUNICATION_STDERR":
                "processname:cap groupname:cap pid:%s\nerr-data"
                % pid["cap"],
        }
        for name, payload in expect.items():
            self.assertIn(payload, got.get(name, []), name)
        tick = got["TICK_5"][0]
        self.assertRegex(tick, r"^when:\d+$")
        self.assertEqual(int(tick[5:]) % 5, 0)
        # the byte-exact pool: its own serials, the shared global ones, and
        # PROCESS_STATE_RUNNING twice (through PROCESS_STATE and by name,
        # with one pool serial; the name given twice counts once)
        raw = read_raw(self.path("raw.bin"))
        self.assertEqual(raw[0][1] + raw[0][2],
                         b"ver:3.0 server:myident serial:1 pool:raw "
                         b"poolserial:0 eventname:PROCESS_GROUP_ADDED "
                         b"len:14\ngroupname:raw\n")
        by_serial = {r["serial"]: r for r in recs}
        runs = [h for h, _, _ in raw if h["name"] == "PROCESS_STATE_RUNNING"]
        self.assertTrue(runs)
        for h in runs:
            self.assertEqual(by_serial[h["serial"]]["name"],
                             "PROCESS_STATE_RUNNING")
            self.assertEqual(sum(1 for g in runs
                                 if g["serial"] == h["serial"]), 2)
            self.assertEqual(len({g["poolserial"] for g in runs
                                  if g["serial"] == h["serial"]}), 1)
        starts = [h["serial"] for h, _, _ in raw
                  if h["name"] == "PROCESS_STATE_STARTING"]
        self.assertTrue(starts)
        self.assertEqual(len(starts), len(set(starts)))
        log = d.read_log()
        self.assertIn("lst: ACKNOWLEDGED -> READY", log)
        self.assertIn("lst: BUSY -> ACKNOWLEDGED", log)
        self.assertIn("lst: event was processed", log)
        self.assertRegex(log, r"DEBG event \d+ sent to listener lst")
        self.assertIn("'lst' stdout output:\nb'READY\\n'", log)
        self.assertIn("rebuffering event", log)

    def test_nothing_is_sent_before_running(self):
        d = self.daemon("""
[eventlistener:late]
command=@PYL@ @DIR@/late.jsonl
events=PROCESS_GROUP
startsecs=2
""")
        d.start()
        self.wait_records("late.jsonl", lambda rs: len(rs) >= 1)
        log = d.read_log()
        ready = log.index("late: ACKNOWLEDGED -> READY")
        running = log.index("success: late entered RUNNING state")
        sent = log.index("event 0 sent to listener late")
        self.assertLess(ready, running)
        self.assertLess(running, sent)


class Len(Base):
    PROG = """
[program:malmo]
command=/bin/sh -c "sleep 1.2; printf 'Malm\\303\\266 1\\n'; sleep 0.3; echo after; exec sleep 100"
stdout_events_enabled=true
"""

    def test_python_text_listener_counts_characters(self):
        self.daemon("""
[eventlistener:txt]
command=@PYL@ @DIR@/txt.jsonl
events=PROCESS_LOG,PROCESS_STATE_RUNNING
""" + self.PROG)
        self.d.start()
        recs = self.wait_records(
            "txt.jsonl",
            lambda rs: any(r["payload"].endswith("after\n") for r in rs))
        m = [r for r in recs if r["name"] == "PROCESS_LOG_STDOUT"][0]
        self.assertTrue(m["payload"].endswith("\nMalm\u00f6 1\n"))
        self.assertEqual(m["len"], len(m["payload"]))
        self.assertEqual(m["len"] + 1, len(m["payload"].encode()))
        # still in step: the next envelope arrived whole
        self.assertTrue(recs[-1]["payload"].endswith("\nafter\n"))
        self.assertEqual(recs[-1]["len"], len(recs[-1]["payload"]))
        self.assertNotIn("UNKNOWN", self.d.read_log())

    def test_byte_exact_listener_with_len_unit_bytes(self):
        self.daemon("""
[plugin:eventlistener]
len_unit = bytes
[eventlistener:bin]
command=@CL@ @DIR@/bin.raw
events=PROCESS_LOG_STDOUT,PROCESS_STATE_RUNNING
""" + self.PROG)
        self.d.start()
        sthtest.wait_for(lambda: any(p.endswith(b"after\n") for _, _, p in
                                     read_raw(self.path("bin.raw"))), 15)
        raw = read_raw(self.path("bin.raw"))
        logs = [x for x in raw if x[0]["name"] == "PROCESS_LOG_STDOUT"]
        self.assertTrue(logs, raw)
        h, line, payload = logs[0]
        self.assertTrue(payload.endswith(b"\nMalm\xc3\xb6 1\n"))
        self.assertEqual(h["len"], len(payload))
        self.assertTrue(raw[-1][2].endswith(b"\nafter\n"))
        self.assertNotIn("UNKNOWN", self.d.read_log())


class Behaviour(Base):
    def test_shell_listener_shuts_sthenod_down_on_fatal(self):
        d = self.daemon("""
[eventlistener:crashmail]
command=/bin/sh -c 'printf "READY\\n"; read line; kill -15 $PPID; printf "RESULT 2\\nOK"'
events=PROCESS_STATE_FATAL
[program:failer]
command=/bin/sh -c "exit 3"
startretries=0
""")
        d.start()
        self.assertEqual(d.wait_exit(timeout=20), 0, d.describe())
        log = d.read_log()
        self.assertIn("gave up: failer entered FATAL state", log)
        self.assertIn("received SIGTERM indicating exit request", log)
        self.assertRegex(log, r"event \d+ sent to listener crashmail")

    def test_fail_is_resent_first_with_the_same_serials(self):
        d = self.daemon("""
[eventlistener:picky]
command=@PYL@ @DIR@/picky.jsonl fail1
events=PROCESS_GROUP_ADDED
[program:a]
command=/bin/sleep 100
""")
        d.start()
        recs = self.wait_records("picky.jsonl", lambda rs: len(rs) >= 3)
        self.assertEqual(recs[0]["line"], recs[1]["line"])
        self.assertEqual(recs[0]["payload"], recs[1]["payload"])
        self.assertEqual((recs[2]["serial"], recs[2]["poolserial"]),
                         (recs[0]["serial"] + 1, recs[0]["poolserial"] + 1))
        log = d.read_log()
        self.assertRegex(log, r"WARN picky: event was rejected")
        self.assertIn("picky: BUSY -> ACKNOWLEDGED", log)

    def test_listener_dying_while_busy_gets_its_event_again(self):
        d = self.daemon("""
[eventlistener:fragile]
command=@PYL@ @DIR@/fragile.jsonl die1
events=PROCESS_GROUP_ADDED
autorestart=true
startsecs=0
""")
        d.start()
        recs = self.wait_records("fragile.jsonl", lambda rs: len(rs) >= 2)
        self.assertEqual(recs[0]["line"], recs[1]["line"])
        self.assertNotEqual(recs[0]["pid"], recs[1]["pid"])
        self.assertRegex(d.read_log(),
                         r"rebuffering event 0 for pool fragile")

    def test_overflow_discards_the_oldest(self):
        d = self.daemon("""
[eventlistener:slow]
command=/bin/sh -c "sleep 2; exec @PYL@ @DIR@/slow.jsonl"
events=PROCESS_LOG_STDOUT
buffer_size=2
startsecs=0
[program:talker]
command=/bin/sh -c "for i in 1 2 3 4 5 6; do echo line$i; sleep 0.1; done; exec sleep 100"
stdout_events_enabled=true
""")
        d.start()
        recs = self.wait_records("slow.jsonl", lambda rs: len(rs) >= 2)
        log = d.read_log()
        dropped = [int(x) for x in re.findall(
            r"ERRO pool slow event buffer overflowed, discarding event "
            r"(\d+)", log)]
        self.assertTrue(dropped, log)
        self.assertEqual(dropped, sorted(dropped))
        delivered = [r["serial"] for r in recs]
        self.assertFalse(set(dropped) & set(delivered))
        self.assertGreater(min(delivered), max(dropped))
        self.assertTrue(recs[-1]["payload"].endswith("line6\n"))

    def test_garbage_and_floods_put_listeners_in_unknown(self):
        d = self.daemon("""
[eventlistener:garbage]
command=/bin/sh -c "printf 'HELLO!\\n'; exec sleep 100"
events=PROCESS_STATE
[eventlistener:flood]
command=/bin/sh -c "printf 'READY\\n'; sleep 0.5; head -c 1000000 /dev/zero; exec sleep 100"
events=TICK_60
[eventlistener:badresult]
command=@PYL@ @DIR@/bad.jsonl badresult
events=PROCESS_GROUP_ADDED
""")
        d.start()
        warn = ("has entered the UNKNOWN state and will no longer receive "
                "events, this usually indicates the process violated the "
                "eventlistener protocol")
        for name in ("garbage", "flood", "badresult"):
            self.assertTrue(d.wait_log(r"WARN %s: %s" % (name, warn)),
                            d.describe())
        log = d.read_log()
        self.assertIn("garbage: ACKNOWLEDGED -> UNKNOWN", log)
        self.assertIn("flood: READY -> UNKNOWN", log)
        self.assertIn("WARN badresult: bad result line: 'RESULT x'", log)
        self.assertIn("badresult: BUSY -> UNKNOWN", log)
        self.assertRegex(log, r"rebuffering event \d+ for pool badresult")
        # the raw protocol bytes are in the listener's stdout log
        logs = [f for f in os.listdir(d.dir) if f.startswith("flood-stdout")]
        self.assertEqual(os.path.getsize(os.path.join(d.dir, logs[0])),
                         6 + 1000000)


class UnloadLoad(Base):
    def test_unload_stops_pools_and_drops_buffers_load_starts_them(self):
        d = self.daemon("""
[unix_http_server]
file=@DIR@/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[eventlistener:stuck]
command=@PYL@ @DIR@/stuck.jsonl hang
events=PROCESS_GROUP_ADDED,PROCESS_STATE
startsecs=0
[program:a]
command=/bin/sleep 100
""")
        d.start()
        self.wait_records("stuck.jsonl", lambda rs: len(rs) >= 1)
        self.assertTrue(d.wait_log(r"success: a entered RUNNING"))
        rpc = self.rpc()
        rpc.plugin.unload("eventlistener")
        self.assertTrue(d.wait_log(r"stopping listener pool stuck"))
        self.assertTrue(d.wait_log(
            r"INFO pool stuck: dropping \d+ buffered events? "
            r"\(eventlistener unloaded\)"), d.describe())
        self.assertTrue(d.wait_log(r"stopped: stuck"), d.describe())
        rpc.plugin.load("eventlistener")
        self.assertTrue(d.wait_log(r"spawned: 'stuck' with pid \d+",
                                   count=2), d.describe())
        self.assertTrue(d.wait_log(r"starting listener pool stuck"))
        # the new instance talks the protocol again
        self.assertTrue(d.wait_log(r"stuck: ACKNOWLEDGED -> READY",
                                   count=2), d.describe())


class BigEnvelopes(Base):
    """Envelopes are written from the event's own buffer with the header in
    front of the payload when the header fits in the room kept there (256
    bytes in a copy; about 450 in front of a long read the pool keeps where
    the core read it, host->event_hold), and assembled in a separate buffer
    when it does not: every way must carry the same bytes, also for
    payloads larger than a pipe.  A pool named "short" and one whose
    headers are between 256 and 450 bytes, or over 512, see the same
    events; the writer waits until both listeners are READY, so that the
    first event goes out at once, through a header buffer that starts at
    256 bytes and must not cut the long header."""

    def check_pool(self, pool, least):
        self.daemon("""
[eventlistener:short]
command=@CL@ @DIR@/short.raw
events=PROCESS_LOG_STDOUT
buffer_size=10000
[eventlistener:%s]
command=@CL@ @DIR@/other.raw
events=PROCESS_LOG_STDOUT
buffer_size=10000
stdout_logfile=NONE
stderr_logfile=NONE
[program:w]
command=%s -c "import sys, time; time.sleep(1); sys.stdout.write(''.join('%%%%06d\\n' %%%% i for i in range(30000))); sys.stdout.flush(); time.sleep(100)"
stdout_events_enabled=true
""" % (pool, PY), loglevel="info")
        self.d.start()
        want = b"".join(b"%06d\n" % i for i in range(30000))

        def data(name):
            return [(h, line, p[p.index(b"\n") + 1:]) for h, line, p in
                    read_raw(self.path(name))]

        for name in ("short.raw", "other.raw"):
            ok = sthtest.wait_for(lambda: sum(len(p) for _, _, p in
                                              data(name)) >= len(want), 20)
            self.assertTrue(ok, "%s: %d of %d bytes\n%s" % (
                name, sum(len(p) for _, _, p in data(name)), len(want),
                self.d.describe()))
        short, other = data("short.raw"), data("other.raw")
        self.assertEqual(b"".join(p for _, _, p in short), want)
        self.assertLess(len(short[0][1]), 256)
        # a long read is among them: the pools kept it, not a copy
        self.assertGreaterEqual(max(len(p) for _, _, p in short), 32768)
        self.assertEqual([p for _, _, p in other], [p for _, _, p in short])
        self.assertGreater(len(other[0][1]), least)
        for (hs, ls, _), (ho, lo, _) in zip(short, other):
            self.assertEqual(ho["serial"], hs["serial"])
            self.assertEqual(ho["poolserial"], hs["poolserial"])
            self.assertEqual(lo, ls.replace(b"pool:short ",
                                            b"pool:%s " % pool.encode()))
        self.assertNotIn("UNKNOWN", self.d.read_log())
        self.assertNotIn("overflowed", self.d.read_log())
        self.assertNotIn("exit status", self.d.read_log())

    def test_a_header_over_256_bytes_in_front_of_a_kept_read(self):
        self.check_pool("p" * 280, 256)

    def test_a_header_over_the_room_assembled_apart(self):
        self.check_pool("p" * 600, 512)


class Shutdown(Base):
    """At shutdown the pools (priority -1) are stopped last, and only once
    they have delivered what they hold (up to POOL_DRAIN_SECS, 2 s, in
    daemon/proc_table.c): the STOPPING and STOPPED events of the last
    programs reach a listener that dies on SIGTERM."""

    SECTIONS = """
[unix_http_server]
file=@DIR@/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[eventlistener:lst]
command=@PYL@ @DIR@/lst.jsonl %s
events=PROCESS_STATE,SUPERVISOR_STATE_CHANGE
[program:a]
command=/bin/sleep 100
[program:b]
command=/bin/sleep 100
"""
    DRAIN_SECS = 2

    def started(self, mode="ok"):
        d = self.daemon(self.SECTIONS % mode)
        d.start()
        self.assertTrue(d.wait_log(r"success: a entered RUNNING"))
        self.assertTrue(d.wait_log(r"success: b entered RUNNING"))
        return d

    def check_last_events(self, d):
        recs = sthtest.read_event_records(self.path("lst.jsonl"))
        got = [(r["name"], dict(t.split(":", 1) for t in
                                r["payload"].split()).get("processname"))
               for r in recs]
        for want in [("SUPERVISOR_STATE_CHANGE_STOPPING", None)] + [
                (e, n) for n in ("a", "b") for e in
                ("PROCESS_STATE_STOPPING", "PROCESS_STATE_STOPPED")]:
            self.assertIn(want, got, "%r\n%s" % (got, d.describe()))
        self.assertEqual([r["serial"] for r in recs],
                         list(range(len(recs))))

    def wait_delivered(self, d):
        # the RUNNING events of a and b have reached the listener
        self.wait_records("lst.jsonl", lambda rs: sum(
            r["name"] == "PROCESS_STATE_RUNNING" for r in rs) == 3)

    def test_sigterm_delivers_the_last_events(self):
        d = self.started()
        self.wait_delivered(d)
        self.assertEqual(d.stop(timeout=20), 0, d.describe())
        self.check_last_events(d)

    def test_rpc_shutdown_delivers_the_last_events(self):
        d = self.started()
        self.wait_delivered(d)
        self.assertTrue(self.rpc().supervisor.shutdown())
        self.assertEqual(d.wait_exit(timeout=20), 0, d.describe())
        self.check_last_events(d)

    def test_a_listener_that_never_answers_delays_by_the_bound_only(self):
        d = self.started("hang")
        # it took an event and will never answer it
        self.wait_records("lst.jsonl", lambda rs: len(rs) >= 1)
        t0 = time.monotonic()
        self.assertEqual(d.stop(timeout=20), 0, d.describe())
        took = time.monotonic() - t0
        self.assertLess(took, self.DRAIN_SECS + 1.5, d.describe())
        log = d.read_log()
        self.assertRegex(log, r"WARN listener pool lst: stopping with "
                         r"\d+ events? undelivered after 2 s")
        self.assertGreater(took, self.DRAIN_SECS - 0.2, d.describe())


if __name__ == "__main__":
    unittest.main()
