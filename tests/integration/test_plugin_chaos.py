"""test_plugin_chaos.py — random load / unload / reload of every plugin
while real clients use every endpoint.

One sthenod runs every plugin of the tree (http, files, status, metrics,
webui, xmlrpc, ftp, monitor, eventlistener) and the SDK's examples
(sdk/example/hello.c and the HTTP extension sdk/example-http/ticker.c,
built as tests/plugins/hello.so and ticker.so).  One thread sends
random plugin.load / plugin.unload / plugin.reload operations, each through
the monitor (sthenoctl -j) or over XML-RPC (plugin.*), at random, while
traffic threads keep using:

    static    GET of three files (small: from the cache; 300 KiB: sendfile;
              a directory's index.html) on a [http_server:www] (files.so)
    webui     GET / on the control server (webui.so)
    tail      /mainlogtail followed for 0.5-3 s (webui.so, a stream)
    xmlrpc    supervisor.getState, start/stopProcess of 'flap'
    slowrpc   startProcess('slow', wait): answers a second later
    ctl       supervisorctl status
    jsonrpc   POST /jsonrpc with urllib
    status    GET /status/json; metrics: GET /metrics
    hello     hello.greet over XML-RPC and through the monitor
    ticker    GET /ticker/ on www: ticker.so's stream of six lines
    ftp       ftplib: login, RETR of 192 KiB, NLST, QUIT; ftp-slow: RETR
              of 3 MiB read slowly (a transfer in flight)
    monitor   one session on the unix socket: ping, rpc getState,
              hello.greet, start/stopProcess of 'slow2' (waits 1 s)
    stall     odd clients: a request head sent in pieces, a 4 KiB-window
              reader, an FTP passive port never connected, a wrong answer
              to the monitor's TCP challenge
    events    an [eventlistener:evl] that stays BUSY 50 ms per event,
              recording the PROCESS_STATE events of the toggled programs

Seeded and repeatable: the operations are a function of the seed and of
the daemon's answers (the traffic's timing is not).  Environment:

    STHENO_CHAOS_SEED   the seed (default 11); printed at the end
    STHENO_CHAOS_OPS    operations (default 500, about a minute in the
                        plain build; the full run is 1000)
    STHENO_CHAOS_LOG    append every operation, every odd client and every
                        request not answered right to this file; on a
                        failure, sthenod's main log goes to
                        FILE.seedN.sthenod.log, the control servers'
                        access log to FILE.seedN.access.log
    STHENO_CHAOS_PACE   mean pause between two operations (default 0.1 s,
                        but every third phase of 20 is a burst, back to
                        back, over copies still draining; 0: all bursts)
    STHENO_CHAOS_EXCLUDE  operations never chosen, as KIND:PLUGIN, comma
                        separated (e.g. reload:http), to look past a known
                        crash for the next one

The full run, under ASan+UBSan (about four minutes):

    cd _build/asan && STHENO_CHAOS_OPS=1000 \
        make check TESTS=tests/integration/test_plugin_chaos.py

or by hand from a build directory:

    STHENOD=$PWD/daemon/sthenod STHENO_BUILDDIR=$PWD \
    STHENO_PLUGIN_PATH=$PWD/plugins/.libs-all STHENO_CHAOS_OPS=1000 \
    STHENO_CHAOS_SEED=7 python3 ../../tests/integration/test_plugin_chaos.py

A second test, test_sigterm_in_the_middle, runs OPS / 10 operations from
seed + 1 and sends SIGTERM at once, with plugins draining and clients
connected.  ChaosFindsTest keeps what the chaos found as short fixed
cases, each a few commands.

Pass criteria:

- sthenod never dies (same pid throughout) and, at SIGTERM, exits 0 with no
  AddressSanitizer / LeakSanitizer / UBSan report on its stderr;
- every refused operation says why (one of REASONS below: "required by",
  "in use by", "is not loaded", ...), and plugin.list after every operation
  agrees with its answer: what was loaded is "active", what was unloaded is
  gone or on its way out (draining, stopping, unloaded), nothing else
  changed, and no plugin is ever a "zombie"; a control channel answers
  every operation but its own unload or reload;
- every request to an endpoint that was loaded for the whole time it was in
  flight is answered correctly.  Precisely: a plugin is *up* from the
  moment plugin.list shows it active after the operation that loaded it
  until the moment an operation that unloads it is sent; a reload does not
  interrupt it (endpoints keep answering through a reload of their
  provider or of themselves: docs/plugin-guide.md).  For a session (an FTP
  session, a monitor session, a log tail stream) a reload of a plugin
  that holds it does interrupt it: the old copy drains and may close it
  (FTP's 421, EOF).  A request is covered when every plugin it needs was
  up from its send (for a session, from its connect) to its answer
  (NEEDS); covered requests must get the right answer.  Uncovered ones may
  get the right answer, 404, 503, a refused or reset connection, EOF, FTP
  421 or XML-RPC's UNKNOWN_METHOD (hello.*): nothing else.  A keep-alive
  connection closed by the server while idle is retried once on a new
  connection, as HTTP clients do; then the send time is the first
  attempt's.  A wrong body, a 500, a hang (20 s) fails whatever was
  loaded;
- at the end (every plugin loaded again, every client gone): each endpoint
  answers right again; the daemon's fd count is back within FD_SLACK of
  the baseline taken after the warm-up, its RSS within RSS_SLACK (plain
  build only: under ASan, LeakSanitizer at exit stands for it); no
  leftover private copies (the copy folder, under the daemon's TMPDIR,
  holds exactly the copies plugin.list names, and is gone after exit); no
  orphan (every process started for the test is below sthenod while it
  runs, just one event listener, and none is left after exit); the event
  listener receives a fresh event.
"""

import collections
import ftplib
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", "")
STHENOCTL = os.path.join(BUILDDIR, "plugins", "monitor", "sthenoctl")
HELLO_DIR = os.path.join(BUILDDIR, "tests", "plugins", ".libs")
SEED = int(os.environ.get("STHENO_CHAOS_SEED", "11"))
OPS = int(os.environ.get("STHENO_CHAOS_OPS", "500"))
LOGFILE = os.environ.get("STHENO_CHAOS_LOG", "")
EXCLUDE = set(filter(None, os.environ.get("STHENO_CHAOS_EXCLUDE",
                                          "").split(",")))

PLUGINS = ["http", "files", "status", "metrics", "webui", "xmlrpc",
           "ftp", "monitor", "eventlistener", "hello", "ticker"]
REQUIRES = {"files": {"http"}, "status": {"http"}, "metrics": {"http"},
            "webui": {"http"}, "xmlrpc": {"http"}, "ticker": {"http"}}
# the SDK's examples, built by make check into tests/plugins/.libs
SDK_EXAMPLES = ("hello", "ticker")
# What each endpoint needs loaded: (plugins holding its session, from the
# connect to the answer, which a reload may end; plugins serving each
# request, from its send to its answer, which a reload must not disturb).
NEEDS = {
    "static": ((), ("http", "files")),
    "webui": ((), ("http", "webui")),
    "xmlrpc": ((), ("http", "xmlrpc")),
    "slowrpc": ((), ("http", "xmlrpc")),
    "ctl": ((), ("http", "xmlrpc")),
    "jsonrpc": ((), ("http", "xmlrpc")),
    "status": ((), ("http", "status")),
    "metrics": ((), ("http", "metrics")),
    "hello-xmlrpc": ((), ("http", "xmlrpc", "hello")),
    "hello-monitor": (("monitor",), ("hello",)),
    "tail": (("http", "webui"), ()),
    "ticker": (("http", "ticker"), ()),
    "ftp": (("ftp",), ()),
    "ftp-slow": (("ftp",), ()),
    "monitor": (("monitor",), ()),
    "stall": ((), ()),
}
# A refusal must say why: one of these.
REASONS = [
    ("required by", r"is required by '[a-z0-9_-]+'"),
    ("in use by", r"is in use by '[a-z0-9_-]+'"),
    ("not loaded", r"plugin '[a-z0-9_-]+' is not loaded"),
    ("already loaded", r"is already loaded"),
    ("requires", r"requires '[a-z0-9_-]+', which is not loaded"),
    ("initialising", r"is still initialising"),
    ("pools served", r"already served by another plugin: unload it first"),
    ("reload failed", r"reload of plugin '[a-z0-9_-]+' failed, the loaded "
                      r"version keeps serving: \S"),
    ("cannot reload", r"cannot be reloaded|reload .* is an unload and a load"),
    # a port this test let go (an unload) taken meanwhile by another
    # test's daemon on the same machine
    ("address in use", r"Another program is already listening"),
]
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:|"
                       r"UndefinedBehaviorSanitizer")
FD_SLACK = 2
TIMEOUT = 20            # any one request, seconds
PACE = 0.02             # between two requests of one traffic thread
MAX_REQUESTS = 200000   # per traffic thread, whatever the op count
# mean pause between two operations, seconds
OP_PACE = float(os.environ.get("STHENO_CHAOS_PACE", "0.1"))
PHASE = 20              # operations in a phase preferring unloads or loads

SMALL = b"small file\n" * 10
BIG = bytes(random.Random(5).getrandbits(8) for _ in range(300 * 1024))
INDEX = b"<html><body>index of sub</body></html>\n"
FTPFILE = bytes(random.Random(6).getrandbits(8) for _ in range(192 * 1024))
FTPSLOW = FTPFILE * 16          # 3 MiB, read slowly: a transfer in flight
# programs a test thread starts and stops (flap: events for the listener;
# slow, slow2: startProcess calls that wait a second, in flight over
# XML-RPC and in the monitor); all three run at the baseline and the end
TOGGLED = ("flap", "slow", "slow2")

RECORDER = r'''
import sys, time
rec = sys.argv[1]
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    out.write(b"READY\n"); out.flush()
    line = inp.readline()
    if not line.endswith(b"\n"):
        sys.exit(0)
    n = int(dict(t.split(b":", 1) for t in line.split())[b"len"])
    body = inp.read(n)
    with open(rec, "ab") as f:
        f.write(line.rstrip(b"\n") + b" " + body.replace(b"\n", b" ") + b"\n")
    time.sleep(0.05)    # BUSY for a while: an event in flight at unload
    out.write(b"RESULT 2\nOK"); out.flush()
'''


ASAN = sthtest.asan_build()
# dlopen/dlclose and malloc arenas: some growth is not a leak.  Under ASan
# RSS is not compared: its quarantine (256 MiB) keeps freed memory on
# purpose, and LeakSanitizer checks for leaks at exit instead.
RSS_SLACK = 16 * 1024 * 1024


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def tagged(tag):
    """Pids of processes whose environment carries CHAOS_TAG=tag."""
    out = []
    needle = ("CHAOS_TAG=%s" % tag).encode()
    for p in sthtest.pids():
        try:
            with open("/proc/%d/environ" % p, "rb") as f:
                if needle in f.read().split(b"\0"):
                    out.append(p)
        except OSError:
            pass
    return out


class Gone(Exception):
    """The endpoint answered as an unloaded one may: 404, 503, refused,
    reset, EOF, 421, UNKNOWN_METHOD."""


class Bad(Exception):
    """A wrong answer, whatever was loaded."""


class Retry(Exception):
    """An idle keep-alive connection closed under us: try once more."""


DROPS = (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
         ConnectionAbortedError, http.client.RemoteDisconnected,
         http.client.IncompleteRead, EOFError, FileNotFoundError)


class Console:
    """A monitor session on its unix socket (trusted: no challenge)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise
        self.buf = b""

    def _need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("monitor closed the session")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self):
        hdr = self._need(13)
        status, length = int(hdr[:3]), int(hdr[4:12])
        body = self._need(length + 1)[:-1]
        return status, body.decode(errors="replace")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.read()

    def close(self):
        self.sock.close()


class Chaos:
    """The daemon, the model of what is loaded, the traffic and the ops."""

    def __init__(self, test, seed):
        self.t = test
        self.seed = seed
        self.tag = "%d-%d" % (os.getpid(), seed)
        self.d = None
        self.rng = random.Random(seed)
        self.failures = []
        self.lock = threading.Lock()
        self.results = []          # (ep, t_sess, t_send, t_end, cls, why)
        self.ops = []              # op records
        self.refusals = collections.Counter()
        self.refusal_text = {}
        self.unexpected = collections.Counter()
        # [start, end or None] while loaded: "up" ends at an unload,
        # "sess" at an unload or a reload
        self.up = {(w, p): [] for w in ("up", "sess") for p in PLUGINS}
        self.active = set()
        self.stop = threading.Event()
        self.threads = []
        self.flap_toggles = 0
        self.t_dead = float("inf")
        self.logf = open(LOGFILE, "a") if LOGFILE else None
        mono, wall = time.monotonic(), time.time()
        self.log("== %s, seed %d, %d ops; monotonic %.3f is %s,%03d" % (
            test.id(), seed, OPS, mono, time.strftime(
                "%Y-%m-%d %H:%M:%S", time.localtime(wall)),
            int(wall * 1000) % 1000))

    # --- bookkeeping -----------------------------------------------------

    def log(self, text):
        if self.logf is not None:
            with self.lock:
                self.logf.write(text + "\n")
                self.logf.flush()

    def fail(self, text, first=False):
        with self.lock:
            self.failures.insert(0 if first else len(self.failures), text)
        self.log("FAIL " + text)

    def record(self, ep, t_sess, t_send, cls, why=""):
        t_end = time.monotonic()
        with self.lock:
            self.results.append((ep, t_sess, t_send, t_end, cls, why))
        if cls != "ok":
            self.log("%-13s %-4s %.3f-%.3f %s" % (ep, cls, t_send, t_end,
                                                  why))

    def open_up(self, p, t, which=("up", "sess")):
        for w in which:
            iv = self.up[w, p]
            if not iv or iv[-1][1] is not None:
                iv.append([t, None])

    def close_up(self, p, t, which=("up", "sess")):
        for w in which:
            iv = self.up[w, p]
            if iv and iv[-1][1] is None:
                iv[-1][1] = t

    def was_up(self, which, p, t0, t1):
        for a, b in self.up[which, p]:
            if a <= t0 and (b is None or t1 <= b):
                return True
        return False

    def covered(self, ep, t_sess, t_send, t_end):
        sess, req = NEEDS[ep]
        return all(self.was_up("sess", p, t_sess, t_end) for p in sess) and \
            all(self.was_up("up", p, t_send, t_end) for p in req)

    # --- the daemon --------------------------------------------------------

    def setup(self):
        self.ports = {k: free_port() for k in ("ctl", "www", "ftp", "mon")}
        d = self.d = sthtest.Sthenod(loglevel="info", identifier="chaos")
        os.chmod(d.dir, 0o755)
        self.tmp = os.path.join(d.dir, "tmp")
        os.mkdir(self.tmp, 0o700)
        www = os.path.join(d.dir, "www")
        os.makedirs(os.path.join(www, "sub"))
        self.files = {"/small.txt": SMALL, "/big.bin": BIG, "/sub/": INDEX}
        for name, data in (("small.txt", SMALL), ("big.bin", BIG),
                           ("sub/index.html", INDEX)):
            with open(os.path.join(www, name), "wb") as f:
                f.write(data)
        ftproot = os.path.join(d.dir, "ftp")
        os.mkdir(ftproot)
        with open(os.path.join(ftproot, "f.bin"), "wb") as f:
            f.write(FTPFILE)
        with open(os.path.join(ftproot, "slow.bin"), "wb") as f:
            f.write(FTPSLOW)
        for dirpath, dirs, files in os.walk(d.dir):
            os.chmod(dirpath, 0o755 if dirpath != self.tmp else 0o700)
            for n in files:
                os.chmod(os.path.join(dirpath, n), 0o644)
        with open(os.path.join(d.dir, "recorder.py"), "w") as f:
            f.write(RECORDER)
        self.events = os.path.join(d.dir, "events.log")
        self.sock = os.path.join(d.dir, "mon.sock")
        secret = os.path.join(d.dir, "secret")
        with open(secret, "w") as f:
            f.write("a chaos test secret of 32 bytes\n")
        os.chmod(secret, 0o600)
        env = "environment=CHAOS_TAG=%s\n" % self.tag
        d.extra = (
            "[inet_http_server]\nport=127.0.0.1:%d\n"
            "[plugin:http]\nping=true\n"
            "control_access_log=%%(here)s/access.log\n"
            "[http_server:www]\nlisten=127.0.0.1:%d\nroot=%s\n"
            "[plugin:files]\n[plugin:status]\n[plugin:metrics]\n"
            "[plugin:ftp]\nport=127.0.0.1:%d\nanonymous=true\n"
            "anon_root=%s\n"
            "[plugin:monitor]\nsocket=%s\nport=127.0.0.1:%d\n"
            "secret=%s\nmax_auth_failures=0\n"
            "[plugin:hello]\ninterval=1\n"
            "[plugin:ticker]\nserver=www\ninterval_ms=40\ncount=5\n"
            "[program:sleeper]\ncommand=/bin/sleep 100000\n%s"
            "[program:flap]\ncommand=/bin/sleep 100000\nautostart=false\n"
            "startsecs=0\n%s"
            "[program:slow]\ncommand=/bin/sleep 100000\nautostart=false\n"
            "startsecs=1\n%s"
            "[program:slow2]\ncommand=/bin/sleep 100000\nautostart=false\n"
            "startsecs=1\n%s"
            "[eventlistener:evl]\ncommand=/usr/bin/python3 %s/recorder.py "
            "%s\nevents=PROCESS_STATE\nbuffer_size=1000\nstopwaitsecs=2\n%s"
            % (self.ports["ctl"], self.ports["www"], www, self.ports["ftp"],
               ftproot, self.sock, self.ports["mon"], secret, env, env, env,
               env, d.dir, self.events, env))
        d.write_config()
        path = sthtest.PLUGIN_PATH + ":" + HELLO_DIR
        d.start(env={"STHENO_PLUGIN_PATH": path, "TMPDIR": self.tmp})
        self.pid = d.pid
        self.rpc_url = "http://127.0.0.1:%d/RPC2" % self.ports["ctl"]
        if not sthtest.wait_for(lambda: os.path.exists(self.sock), 10):
            raise AssertionError("no monitor socket:\n" + d.describe())
        lst = sthtest.wait_for(self.full_list, 20)
        if not lst:
            raise AssertionError("not every plugin loaded: %s\n%s" %
                                 (self.list_any(), d.describe()))
        def running():
            how, r = self.call("xmlrpc", "supervisor.getAllProcessInfo")
            return how == "done" and {x["name"]: x["statename"]
                                      for x in r}.get("sleeper") == \
                "RUNNING"
        if not sthtest.wait_for(running, 20, 0.1):
            raise AssertionError("sleeper never RUNNING:\n" + d.describe())
        now = time.monotonic()
        for p in PLUGINS:
            self.open_up(p, now)
        self.active = set(PLUGINS)

    def full_list(self):
        lst = self.list_any()
        if lst is None:
            return None
        act = [e["name"] for e in lst if e["state"] == "active"]
        if sorted(act) == sorted(PLUGINS) and len(lst) == len(PLUGINS):
            return lst
        return None

    def alive(self):
        return self.d.proc.poll() is None

    # --- the two control channels -----------------------------------------

    def channels(self, active):
        ch = []
        if "monitor" in active:
            ch.append("monitor")
        if {"http", "xmlrpc"} <= active:
            ch.append("xmlrpc")
        return ch

    def call(self, channel, method, *args):
        """('done', result) | ('refused', message) | ('lost', why)."""
        if channel == "monitor":
            words = ([method] + list(args) if method != "plugin.list"
                     else ["rpc", "plugin.list"])
            try:
                r = subprocess.run([STHENOCTL, "-s", self.sock, "-j"] + words,
                                   capture_output=True, text=True,
                                   timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                return "lost", "sthenoctl timed out"
            if r.returncode == 0:
                try:
                    return "done", json.loads(r.stdout)[3]
                except (ValueError, IndexError):
                    return "lost", "bad -j answer %r" % r.stdout[:200]
            err = r.stderr.strip()
            try:
                a = json.loads(err)
                return "refused", a[3]["faultString"]
            except (ValueError, IndexError, KeyError, TypeError):
                return "lost", err[:300]
        s = xmlrpc.client.ServerProxy(self.rpc_url)
        try:
            f = s
            for part in method.split("."):
                f = getattr(f, part)
            return "done", f(*args)
        except xmlrpc.client.Fault as e:
            return "refused", e.faultString
        except (xmlrpc.client.ProtocolError, OSError, EOFError,
                http.client.HTTPException) as e:
            return "lost", "%s: %s" % (type(e).__name__, e)
        finally:
            s("close")()

    def list_any(self, prefer=None):
        order = [prefer] if prefer else []
        order += [c for c in ("monitor", "xmlrpc") if c != prefer]
        for ch in order:
            how, r = self.call(ch, "plugin.list")
            if how == "done":
                return r
        return None

    # --- operations --------------------------------------------------------

    def valid_ops(self, active):
        ops = []
        for p in PLUGINS:
            if p in active:
                if not any(p in REQUIRES.get(q, ()) for q in active):
                    ops.append(("unload", p))
                if p != "eventlistener":
                    ops.append(("reload", p))
            elif REQUIRES.get(p, set()) <= active:
                ops.append(("load", p))
        return ops

    def keeps_a_channel(self, op, active):
        kind, p = op
        if kind != "unload":
            return True
        return bool(self.channels(active - {p}))

    def choose(self, i):
        """80 % an operation the model says is allowed, 20 % any.  Phases
        of PHASE operations prefer unloads, then loads, so that the walk
        also reaches the states where http has no dependents left."""
        active = self.active
        if self.rng.random() < 0.8:
            pool = self.valid_ops(active)
            prefer = "unload" if (i // PHASE) % 2 else "load"
            # the monitor's unload is not favoured: without it, http's
            # unload would be refused as the last control channel
            pool += [o for o in pool if o[0] == prefer and
                     o != ("unload", "monitor")] * 3
        else:
            pool = [(k, p) for k in ("load", "unload", "reload")
                    for p in PLUGINS]
        pool = [o for o in pool if self.keeps_a_channel(o, active) and
                "%s:%s" % o not in EXCLUDE]
        op = self.rng.choice(pool)
        ch = self.rng.choice(self.channels(active))
        return op, ch

    def predict(self, op, active):
        kind, p = op
        if kind == "load":
            return p not in active and REQUIRES.get(p, set()) <= active
        if kind == "unload":
            return p in active and not any(p in REQUIRES.get(q, ())
                                           for q in active)
        return p in active and p != "eventlistener"

    def run_op(self, i, op, ch):
        kind, p = op
        before = set(self.active)
        t0 = time.monotonic()
        self.close_up(p, t0, ("up", "sess") if kind == "unload" else
                      ("sess",))
        how, r = self.call(ch, "plugin." + kind, p)
        t1 = time.monotonic()
        if not self.alive():
            self.t_dead = t0
            self.ops.append((i, kind, p, ch, "crash", ""))
            return False
        # after our own unload/reload through that channel, its answer
        # may be lost: the list through the other channel tells
        lst = self.list_any(prefer="xmlrpc" if ch == "monitor" else
                            "monitor")
        t2 = time.monotonic()
        if not self.alive():
            self.t_dead = t1
            self.ops.append((i, kind, p, ch, "crash", ""))
            return False
        msg = r if how != "done" else ""
        self.ops.append((i, kind, p, ch, how, msg))
        self.log("op %4d %-6s %-13s via %-7s %.3f-%.3f %s %s" % (
            i, kind, p, ch, t0, t1, how, msg))
        if how == "refused":
            self.check_refusal(i, op, r)
        own = {"monitor": {"monitor"}, "xmlrpc": {"http", "xmlrpc"}}[ch]
        if how == "lost" and not (kind != "load" and p in own):
            # only an unload or reload of the channel itself may lose
            # the answer
            self.fail("op %d (%s %s via %s): no answer: %s" % (
                i, kind, p, ch, msg))
        if lst is None:
            if not self.alive():
                return False
            self.fail("op %d (%s %s via %s: %s %s): no control channel "
                      "answers plugin.list any more" % (i, kind, p, ch, how,
                                                        msg))
            return False
        states = collections.defaultdict(list)
        for e in lst:
            states[e["name"]].append(e["state"])
            if e["state"] == "zombie":
                self.fail("op %d (%s %s): plugin '%s' is a zombie" %
                          (i, kind, p, e["name"]))
        after = {n for n, s in states.items() if "active" in s}
        for n, s in states.items():
            if s.count("active") > 1:
                self.fail("op %d: plugin '%s' listed active %d times" %
                          (i, n, s.count("active")))
        self.check_after(i, op, ch, how, msg, before, after)
        # the model follows the daemon
        for q in PLUGINS:
            if q in before and q not in after:
                self.close_up(q, t0)
            elif q in after:
                self.open_up(q, t2)
        self.active = after
        return True

    def check_after(self, i, op, ch, how, msg, before, after):
        kind, p = op
        what = "op %d (%s %s via %s: %s %s)" % (i, kind, p, ch, how, msg)
        if how == "done":
            if kind in ("load", "reload") and p not in after:
                self.fail(what + ": plugin.list does not show it active")
            if kind == "unload" and p in after:
                self.fail(what + ": plugin.list still shows it active")
            if not self.predict(op, before):
                self.fail(what + ": accepted, though %s" % (
                    "loaded" if kind == "load" and p in before else
                    "its requirements or dependents say no"))
        elif how == "refused":
            if (p in before) != (p in after):
                self.fail(what + ": refused, yet its state changed")
            if self.predict(op, before):
                # allowed by the model (e.g. the previous copy still
                # drains): not a failure, but shown
                self.unexpected[msg] += 1
        # nothing else moves, but what a load brings in
        brought = REQUIRES.get(p, set()) if kind == "load" else set()
        for q in PLUGINS:
            if q == p or q in brought:
                continue
            if (q in before) != (q in after):
                self.fail(what + ": plugin '%s' went from %s to %s" % (
                    q, "active" if q in before else "absent",
                    "active" if q in after else "absent"))

    def check_refusal(self, i, op, msg):
        for name, rx in REASONS:
            if re.search(rx, msg):
                self.refusals[name] += 1
                self.refusal_text.setdefault(name, msg)
                return
        self.refusals["unexplained"] += 1
        self.fail("op %d (%s %s): refused without a reason: %r" %
                  (i, op[0], op[1], msg))

    def run_ops(self, n):
        for i in range(n):
            if not self.alive():
                return
            op, ch = self.choose(i)
            if not self.run_op(i, op, ch):
                return
            # every third phase is a burst: operations back to back,
            # over copies still draining
            if (i // PHASE) % 3 != 2:
                self.stop.wait(self.rng.uniform(0, 2 * OP_PACE))

    # --- traffic -----------------------------------------------------------

    def loop(self, name, fn, pace=PACE):
        def body():
            n = 0
            state = {}
            while not self.stop.is_set() and n < MAX_REQUESTS:
                n += 1
                try:
                    fn(state)
                except Exception as e:    # a bug of the test itself
                    self.fail("traffic %s raised %s: %s" %
                              (name, type(e).__name__, e))
                    return
                self.stop.wait(pace)
            for v in state.values():
                if isinstance(v, xmlrpc.client.ServerProxy):
                    v("close")()
                elif hasattr(v, "close"):
                    v.close()
        t = threading.Thread(target=body, name=name, daemon=True)
        self.threads.append(t)
        t.start()

    def attempt(self, ep, fn, t_sess=None):
        """Run fn() once (twice if it raises Retry); record the outcome."""
        t0 = time.monotonic()
        try:
            try:
                fn()
            except Retry:
                fn()
            cls, why = "ok", ""
        except Retry as e:
            cls, why = "gone", "closed twice: %s" % e
        except Gone as e:
            cls, why = "gone", str(e)
        except Bad as e:
            cls, why = "bad", str(e)
        except socket.timeout as e:
            cls, why = "bad", "timeout: %s" % e
        except DROPS as e:
            cls, why = "gone", "%s: %s" % (type(e).__name__, e)
        except (OSError, http.client.HTTPException) as e:
            cls, why = "bad", "%s: %s" % (type(e).__name__, e)
        self.record(ep, t0 if t_sess is None else t_sess, t0, cls, why)
        return cls

    def http_get(self, state, key, port, path, check):
        """GET on a keep-alive connection kept in state[key]."""
        def once():
            conn = state.get(key)
            reused = conn is not None
            if conn is None:
                conn = state[key] = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=TIMEOUT)
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
            except DROPS as e:
                conn.close()
                state.pop(key, None)
                if reused and not isinstance(e, http.client.IncompleteRead):
                    raise Retry(str(e))
                raise
            except BaseException:
                conn.close()
                state.pop(key, None)
                raise
            if resp.will_close:
                conn.close()
                state.pop(key, None)
            if resp.status in (404, 503):
                raise Gone("%d" % resp.status)
            if resp.status != 200:
                raise Bad("status %d: %r" % (resp.status, body[:200]))
            check(resp, body)
        return once

    def t_static(self, state):
        path = self.rng_t.choice(sorted(self.files))
        want = self.files[path]

        def check(resp, body):
            if body != want:
                raise Bad("%s: %d bytes, sha %s, want %d" % (
                    path, len(body), hashlib.sha256(body).hexdigest()[:12],
                    len(want)))
        if self.rng_t.random() < 0.3:
            c = state.pop("www", None)
            if c:
                c.close()
        self.attempt("static", self.http_get(state, "www", self.ports["www"],
                                             path, check))

    def t_webui(self, state):
        def check(resp, body):
            if b"<title>Supervisor Status</title>" not in body or \
                    b"sleeper" not in body:
                raise Bad("web UI page without its title or program: %r" %
                          body[:200])
        self.attempt("webui", self.http_get(state, "ui", self.ports["ctl"],
                                            "/", check))

    def t_status(self, state):
        def check_status(resp, body):
            try:
                j = json.loads(body)
            except ValueError:
                raise Bad("/status/json not JSON: %r" % body[:200])
            if "plugins" not in j or "servers" not in j:
                raise Bad("/status/json without plugins or servers: %r" % j)

        def check_metrics(resp, body):
            if b"stheno_build_info" not in body:
                raise Bad("/metrics without stheno_build_info: %r" %
                          body[:200])
        self.attempt("status", self.http_get(state, "st", self.ports["ctl"],
                                             "/status/json", check_status))
        self.attempt("metrics", self.http_get(state, "st", self.ports["ctl"],
                                              "/metrics", check_metrics))

    def xr(self, state, ep, method, args, check):
        def once():
            s = state.get("xr")
            reused = s is not None
            if s is None:
                s = state["xr"] = xmlrpc.client.ServerProxy(
                    self.rpc_url, transport=TimeoutTransport())
            try:
                f = s
                for part in method.split("."):
                    f = getattr(f, part)
                got = f(*args)
            except xmlrpc.client.Fault as e:
                if e.faultCode == 1 and ep.startswith("hello"):
                    raise Gone("UNKNOWN_METHOD: %s" % e.faultString)
                got = e
            except xmlrpc.client.ProtocolError as e:
                state.pop("xr")("close")()
                if e.errcode in (404, 503):
                    raise Gone("%d" % e.errcode)
                raise Bad("ProtocolError %d %s" % (e.errcode, e.errmsg))
            except DROPS as e:
                state.pop("xr")("close")()
                if reused:
                    raise Retry(str(e))
                raise
            except BaseException:
                state.pop("xr")("close")()
                raise
            check(got)
        return once

    def t_xmlrpc(self, state):
        def state_ok(got):
            if got != {"statecode": 1, "statename": "RUNNING"}:
                raise Bad("getState: %r" % (got,))
        self.attempt("xmlrpc", self.xr(state, "xmlrpc", "supervisor.getState",
                                       (), state_ok))

        def greet_ok(got):
            if got != "Hello, chaos!":
                raise Bad("hello.greet: %r" % (got,))
        self.attempt("hello-xmlrpc", self.xr(state, "hello-xmlrpc",
                                             "hello.greet", ("chaos",),
                                             greet_ok))
        # start or stop 'flap': the event listener's traffic
        n = state.setdefault("n", [0])
        n[0] += 1
        if n[0] % 5 == 0:
            method = ("supervisor.startProcess" if n[0] % 10 == 0 else
                      "supervisor.stopProcess")

            def toggled(got):
                if isinstance(got, xmlrpc.client.Fault):
                    if got.faultCode not in (60, 70):  # ALREADY_STARTED,
                        raise Bad("%s: %r" % (method, got))  # NOT_RUNNING
                elif got is not True:
                    raise Bad("%s: %r" % (method, got))
                else:
                    self.flap_toggles += 1
            self.attempt("xmlrpc", self.xr(state, "xmlrpc", method,
                                           ("flap",), toggled))

    def t_ctl(self, state):
        def once():
            r = subprocess.run(
                ["supervisorctl", "-s", "http://127.0.0.1:%d" %
                 self.ports["ctl"], "status", "sleeper"],
                capture_output=True, text=True, timeout=TIMEOUT + 10)
            out = r.stdout + r.stderr
            if r.returncode == 0 and re.search(r"^sleeper\s+RUNNING", out,
                                               re.M):
                return
            if re.search(r"refused connection|ProtocolError.*(404|503)|"
                         r"Connection reset|RemoteDisconnected|"
                         r"BrokenPipe", out):
                raise Gone(out.strip()[-200:])
            raise Bad("supervisorctl status: rc %d %r" % (r.returncode,
                                                          out[-300:]))
        self.attempt("ctl", once)

    def t_jsonrpc(self, state):
        state.setdefault("id", [0])[0] += 1
        ident = state["id"][0]

        def once():
            req = urllib.request.Request(
                "http://127.0.0.1:%d/jsonrpc" % self.ports["ctl"],
                data=json.dumps({"jsonrpc": "2.0", "id": ident,
                                 "method": "supervisor.getState"}).encode(),
                headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=TIMEOUT) as f:
                    text = f.read()
            except urllib.error.HTTPError as e:
                if e.code in (404, 503):
                    raise Gone("%d" % e.code)
                raise Bad("HTTP %d" % e.code)
            except urllib.error.URLError as e:
                if isinstance(e.reason, DROPS):
                    raise Gone(str(e.reason))
                raise Bad("URLError %s" % e.reason)
            want = {"jsonrpc": "2.0", "id": ident,
                    "result": {"statecode": 1, "statename": "RUNNING"}}
            if json.loads(text) != want:
                raise Bad("jsonrpc: %r" % text[:300])
        self.attempt("jsonrpc", once)

    def t_ftp(self, state):
        t_sess = time.monotonic()

        def once():
            f = ftplib.FTP(timeout=TIMEOUT)
            try:
                try:
                    f.connect("127.0.0.1", self.ports["ftp"])
                    f.login()
                    buf = bytearray()
                    f.retrbinary("RETR f.bin", buf.extend)
                    if bytes(buf) != FTPFILE:
                        raise Bad("RETR f.bin: %d bytes, want %d" %
                                  (len(buf), len(FTPFILE)))
                    names = f.nlst()
                    if "f.bin" not in [os.path.basename(n) for n in names]:
                        raise Bad("NLST: %r" % names)
                    f.quit()
                except ftplib.error_temp as e:
                    if str(e).startswith("421"):
                        raise Gone(str(e))
                    raise Bad("ftp: %s" % e)
                except (ftplib.error_perm, ftplib.error_reply,
                        ftplib.error_proto) as e:
                    raise Bad("ftp: %s" % e)
            finally:
                f.close()
        self.attempt("ftp", once, t_sess=t_sess)

    def t_monitor(self, state):
        c = state.get("mon")
        if c is None:
            t_sess = time.monotonic()
            try:
                c = Console(self.sock)
                st, body = c.read()
                if st != 200:
                    c.close()
                    raise Bad("monitor banner %d %r" % (st, body[:200]))
            except Bad as e:
                self.record("monitor", t_sess, t_sess, "bad", str(e))
                return
            except (OSError, EOFError) as e:
                self.record("monitor", t_sess, t_sess, "gone",
                            "connect: %s" % e)
                return
            state["mon"] = c
            state["t_sess"] = t_sess

        def cmd(line, want):
            def once():
                try:
                    st, body = c.cmd(line)
                except (OSError, EOFError):
                    c.close()
                    state.pop("mon", None)
                    raise
                if st == 300 and body.startswith("1 ") and \
                        "hello" in line:
                    raise Gone("UNKNOWN_METHOD: %s" % body)
                if st not in (200, 300) or not re.search(want, body):
                    raise Bad("monitor %r: %d %r" % (line, st, body[:200]))
            return once
        t_sess = state["t_sess"]
        if self.attempt("monitor", cmd("ping", r"^PONG \d+"),
                        t_sess) != "ok":
            return
        if self.attempt("monitor", cmd("rpc supervisor.getState",
                                       r"RUNNING"), t_sess) != "ok":
            return
        if self.attempt("hello-monitor",
                        cmd("rpc hello.greet '[\"m\"]'", r"Hello, m!"),
                        t_sess) != "ok":
            return
        # a call that answers after startsecs (1 s), or says why not
        n = state.setdefault("n", [0])
        n[0] += 1
        if n[0] % 5 == 0:
            m = "start" if n[0] % 10 else "stop"
            self.attempt("monitor", cmd(
                "rpc supervisor.%sProcess '[\"slow2\", true]'" % m,
                r"^true$|ALREADY_STARTED|NOT_RUNNING"), t_sess)

    def t_slowrpc(self, state):
        """startProcess('slow', wait) answers after startsecs (1 s): an
        RPC in flight when xmlrpc or http goes."""
        n = state.setdefault("n", [0])
        n[0] += 1
        method = ("supervisor.startProcess" if n[0] % 2 else
                  "supervisor.stopProcess")

        def toggled(got):
            if isinstance(got, xmlrpc.client.Fault):
                if got.faultCode not in (60, 70):  # ALREADY_STARTED,
                    raise Bad("%s: %r" % (method, got))  # NOT_RUNNING
            elif got is not True:
                raise Bad("%s: %r" % (method, got))
        self.attempt("slowrpc", self.xr(state, "slowrpc", method,
                                        ("slow", True), toggled))

    def t_tail(self, state):
        """/mainlogtail followed for 0.5-3 s (the main log grows with
        every operation), then closed by us: a stream the server ends or
        cuts is "gone"."""
        t0 = time.monotonic()
        until = t0 + self.rng_t.uniform(0.5, 3)

        def once():
            s = socket.create_connection(("127.0.0.1", self.ports["ctl"]),
                                         timeout=TIMEOUT)
            try:
                s.sendall(b"GET /mainlogtail HTTP/1.1\r\nHost: x\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    b = s.recv(65536)
                    if not b:
                        raise EOFError("EOF before the head: %r" % data)
                    data += b
                head = data.split(b"\r\n", 1)[0]
                st = int(head.split()[1])
                if st in (404, 503):
                    raise Gone("%d" % st)
                if st != 200:
                    raise Bad("/mainlogtail: %r" % head)
                while time.monotonic() < until:
                    s.settimeout(max(0.01, until - time.monotonic()))
                    try:
                        b = s.recv(65536)
                    except socket.timeout:
                        break
                    if not b:
                        raise Gone("stream ended by the server (%s)" % (
                            "last chunk" if data.endswith(b"0\r\n\r\n")
                            else "cut"))
                    data += b
            finally:
                s.close()
        self.attempt("tail", once, t_sess=t0)

    def t_stall(self, state):
        """Odd clients, each for 0.2-1.5 s, then gone: an HTTP request
        head sent in pieces, big.bin read 4 KiB at a time, an FTP session
        with a passive data port never connected, a monitor TCP session
        that answers its challenge wrong (the answer comes a second
        later, from a timer).  Whatever is loaded, the daemon must not
        mind; only a wrong answer to what was asked is a failure."""
        kind = self.rng_t.choice(("head", "slowread", "pasv", "badauth"))
        hold = self.rng_t.uniform(0.2, 1.5)
        t0 = time.monotonic()
        try:
            getattr(self, "stall_" + kind)(hold)
            cls, why = "ok", ""
        except Bad as e:
            cls, why = "bad", str(e)
        except (OSError, EOFError, ftplib.Error) as e:
            cls, why = "gone", "%s: %s" % (type(e).__name__, e)
        self.record("stall", t0, t0, "bad" if cls == "bad" else "ok",
                    "%s: %s" % (kind, why))
        self.log("stall %s %.2f s (hold %.2f): %s %s" % (
            kind, time.monotonic() - t0, hold, cls, why))

    def stall_head(self, hold):
        s = socket.create_connection(("127.0.0.1", self.ports["www"]),
                                     timeout=TIMEOUT)
        try:
            s.sendall(b"GET /small.txt HTTP/1.1\r\n")
            self.stop.wait(hold)
            s.sendall(b"Host: x\r\n\r\n")
            data = s.recv(65536)
            if data and not re.match(rb"HTTP/1\.1 (200|404|503|408|400) ",
                                     data):
                raise Bad("head in pieces: %r" % data[:100])
        finally:
            s.close()

    def stall_slowread(self, hold):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(TIMEOUT)
        try:
            s.connect(("127.0.0.1", self.ports["www"]))
            s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            deadline = time.monotonic() + hold
            while time.monotonic() < deadline:
                if not s.recv(4096):
                    break
                time.sleep(0.01)
        finally:
            s.close()

    def stall_pasv(self, hold):
        f = ftplib.FTP(timeout=TIMEOUT)
        try:
            f.connect("127.0.0.1", self.ports["ftp"])
            f.login()
            f.sendcmd("TYPE I")
            f.makepasv()
            self.stop.wait(hold)
            f.quit()
        finally:
            f.close()

    def stall_badauth(self, hold):
        c = socket.create_connection(("127.0.0.1", self.ports["mon"]),
                                     timeout=TIMEOUT)
        try:
            c.recv(13 + 64)
            c.sendall(b"auth " + b"0" * 64 + b"\n")
            self.stop.wait(hold)
        finally:
            c.close()

    def t_ticker(self, state):
        """GET /ticker/ on www: the SDK's HTTP extension streams its
        greeting and five ticks, 40 ms apart; an unload or reload of
        ticker ends a stream early with its goodbye line."""
        t0 = time.monotonic()
        want = "ticker\n" + "".join("tick %d/5\n" % i for i in range(1, 6))

        def once():
            conn = http.client.HTTPConnection("127.0.0.1", self.ports["www"],
                                              timeout=TIMEOUT)
            try:
                conn.request("GET", "/ticker/")
                resp = conn.getresponse()
                body = resp.read().decode(errors="replace")
            finally:
                conn.close()
            if resp.status in (404, 503):
                raise Gone("%d" % resp.status)
            if resp.status != 200:
                raise Bad("/ticker/: %d %r" % (resp.status, body[:200]))
            if body == want:
                return
            if want.startswith(body.rsplit("ticker: unloading", 1)[0]) and \
                    body.endswith("ticker: unloading, goodbye\n"):
                raise Gone("ended by its unload: %r" % body)
            raise Bad("/ticker/: %r" % body[:300])
        self.attempt("ticker", once, t_sess=t0)

    def t_ftp_slow(self, state):
        t_sess = time.monotonic()

        def once():
            f = ftplib.FTP(timeout=TIMEOUT)
            buf = bytearray()

            def slowly(b):
                buf.extend(b)
                time.sleep(0.005)
            try:
                try:
                    f.connect("127.0.0.1", self.ports["ftp"])
                    f.login()
                    f.retrbinary("RETR slow.bin", slowly, blocksize=16384)
                    if bytes(buf) != FTPSLOW:
                        raise Bad("RETR slow.bin: %d bytes, want %d" %
                                  (len(buf), len(FTPSLOW)))
                    f.quit()
                except ftplib.error_temp as e:
                    if str(e).startswith(("421", "426")):
                        raise Gone(str(e))
                    raise Bad("ftp: %s" % e)
                except (ftplib.error_perm, ftplib.error_reply,
                        ftplib.error_proto) as e:
                    raise Bad("ftp: %s" % e)
            finally:
                f.close()
        self.attempt("ftp-slow", once, t_sess=t_sess)

    def start_traffic(self):
        self.rng_t = random.Random(self.seed + 1000)
        self.loop("static", self.t_static)
        self.loop("webui", self.t_webui, 0.05)
        self.loop("status", self.t_status, 0.1)
        self.loop("xmlrpc", self.t_xmlrpc)
        self.loop("ctl", self.t_ctl, 1.0)
        self.loop("jsonrpc", self.t_jsonrpc)
        self.loop("ftp", self.t_ftp, 0.1)
        self.loop("ftp-slow", self.t_ftp_slow, 0.2)
        self.loop("tail", self.t_tail, 0.2)
        self.loop("ticker", self.t_ticker, 0.05)
        self.loop("slowrpc", self.t_slowrpc, 0.1)
        self.loop("stall", self.t_stall, 0.05)
        self.loop("stall2", self.t_stall, 0.05)
        self.loop("monitor", self.t_monitor)

    def stop_traffic(self):
        self.stop.set()
        for t in self.threads:
            t.join(TIMEOUT * 3)
            if t.is_alive():
                self.fail("traffic thread %s did not stop" % t.name)
        self.threads = []

    # --- the end -----------------------------------------------------------

    def restore(self):
        """Load every plugin again (dependencies first); wait until the
        list holds exactly PLUGINS, all active."""
        order = ["http"] + [p for p in PLUGINS if p != "http"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            lst = self.list_any()
            if lst is None:
                self.fail("restore: no control channel answers")
                return False
            act = {e["name"] for e in lst if e["state"] == "active"}
            if act == set(PLUGINS) and len(lst) == len(PLUGINS):
                now = time.monotonic()
                for p in PLUGINS:
                    self.open_up(p, now)
                self.active = act
                return True
            for p in order:
                if p not in act and REQUIRES.get(p, set()) <= act:
                    ch = self.channels(act)[0]
                    how, r = self.call(ch, "plugin.load", p)
                    self.log("restore load %s via %s: %s %s" % (p, ch, how,
                                                                r))
                    if how == "done":
                        act.add(p)
            time.sleep(0.1)
        self.fail("restore: plugin.list never showed every plugin "
                  "alone and active: %s" % [(e["name"], e["state"])
                                            for e in self.list_any() or []])
        return False

    def wait_each_endpoint(self, since):
        def seen():
            with self.lock:
                ok = {r[0] for r in self.results
                      if r[2] >= since and r[4] == "ok"}
            return set(NEEDS) <= ok
        if not sthtest.wait_for(seen, 30, 0.1):
            with self.lock:
                ok = {r[0] for r in self.results
                      if r[2] >= since and r[4] == "ok"}
            self.fail("after the restore, no right answer from %s" %
                      sorted(set(NEEDS) - ok))

    def start_toggled(self):
        for name in TOGGLED:
            how, r = self.call("xmlrpc", "supervisor.startProcess", name)
            if how != "done" and "ALREADY_STARTED" not in str(r):
                self.fail("startProcess %s: %s %s" % (name, how, r))

    def check_requests(self):
        per = collections.defaultdict(collections.Counter)
        shown = 0
        for ep, t_sess, t_send, t_end, cls, why in self.results:
            if t_end >= self.t_dead:     # the crash is the failure
                continue
            cov = self.covered(ep, t_sess, t_send, t_end)
            per[ep][cls + ("" if cov else "-uncovered")] += 1
            if cls == "bad" or (cls == "gone" and cov):
                per[ep]["FAILED"] += 1
                if shown < 20:
                    shown += 1
                    self.fail("%s request at %.3f-%.3f (%s): %s %s" % (
                        ep, t_send, t_end,
                        "covered" if cov else "uncovered", cls, why))
        return per


class TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = TIMEOUT
        return conn


@unittest.skipUnless(
    all(os.path.exists(os.path.join(sthtest.PLUGIN_PATH, p + ".so"))
        for p in PLUGINS if p not in SDK_EXAMPLES) and
    all(os.path.exists(os.path.join(HELLO_DIR, p + ".so"))
        for p in SDK_EXAMPLES) and
    os.access(STHENOCTL, os.X_OK) and shutil.which("supervisorctl"),
    "needs every plugin, the SDK examples in tests/plugins, sthenoctl, "
    "supervisorctl")
class PluginChaosTest(unittest.TestCase):

    def chaos(self, run, seed):
        c = Chaos(self, seed)
        started = time.monotonic()
        try:
            c.setup()
            run(c)
        finally:
            c.stop.set()
            c.stop_traffic()
            if c.d is not None and c.failures and LOGFILE:
                shutil.copy(c.d.log, "%s.seed%d.sthenod.log" % (LOGFILE,
                                                               seed))
                access = os.path.join(c.d.dir, "access.log")
                if os.path.exists(access):
                    shutil.copy(access, "%s.seed%d.access.log" % (LOGFILE,
                                                                 seed))
            if c.d is not None:
                c.d.cleanup()
            # a crashed daemon's children were reparented to init: the
            # test started them, the test stops them
            for pid in tagged(c.tag):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if c.logf is not None:
                c.logf.close()
        print("\nchaos: seed %d, %d ops in %.1f s" %
              (seed, len(c.ops), time.monotonic() - started),
              file=sys.stderr)
        if c.failures:
            self.fail("%d failure(s) (seed %d; re-run with "
                      "STHENO_CHAOS_SEED=%d STHENO_CHAOS_OPS=%d):\n%s" % (
                          len(c.failures), seed, SEED, OPS,
                          "\n".join(c.failures[:40])))

    def test_random_load_unload_reload_under_traffic(self):
        self.chaos(self.run_chaos, SEED)

    def test_sigterm_in_the_middle(self):
        """SIGTERM right after an operation, while plugins drain and
        clients are connected: exit 0, no sanitizer report, no process
        and no private copy left.  STHENO_CHAOS_OPS / 10 operations
        first, from the seed + 1."""
        self.chaos(self.run_sigterm, SEED + 1)

    def run_sigterm(self, c):
        c.start_traffic()
        c.run_ops(max(10, OPS // 10))
        if not c.alive():
            c.fail("sthenod (pid %d) died of %s after ops %s:\n%s" % (
                c.pid, self.exit_how(c.d.proc.returncode), c.ops[-5:],
                c.d.stderr_text()[-4000:]), first=True)
            return
        states = [(e["name"], e["state"]) for e in c.list_any() or []]
        c.t_dead = time.monotonic()     # what comes after is not checked
        self.check_exit(c, "after ops %s, plugins %s" % (c.ops[-3:],
                                                          states))
        c.stop_traffic()
        per = c.check_requests()
        print("\n".join("  %-13s %s" % (ep, dict(per[ep]))
                        for ep in sorted(per)), file=sys.stderr)

    def run_chaos(self, c):
        d = c.d
        # warm-up: every endpoint answers once, then the baseline
        c.start_traffic()
        t = time.monotonic()
        c.wait_each_endpoint(t)
        c.stop_traffic()
        if c.failures:
            return
        # the toggled programs run at the baseline and at the end: their
        # logs and pipes are in both counts
        c.start_toggled()
        sthtest.wait_for(lambda: self.settled_fds(c, None), 20)
        base_fd = nfds(c.pid)
        base_rss = rss(c.pid)
        c.stop.clear()
        c.results = []
        c.start_traffic()
        t_ops = time.monotonic()
        c.run_ops(OPS)
        t_ops = time.monotonic() - t_ops
        crashed = not c.alive()
        if not crashed:
            if c.restore():
                c.wait_each_endpoint(time.monotonic())
        c.stop_traffic()
        crashed = crashed or not c.alive()
        per = c.check_requests()
        counts = collections.Counter((o[1], o[4]) for o in c.ops)
        summary = ["ops: %d in %.1f s (%s)" % (
            len(c.ops), t_ops, ", ".join("%s %s %d" % (k, h, n) for (k, h), n
                                         in sorted(counts.items())))]
        summary.append("refusals: %s" % dict(c.refusals))
        for name, text in sorted(c.refusal_text.items()):
            summary.append("  e.g. %s: %s" % (name, text))
        for text, n in c.unexpected.most_common(5):
            summary.append("  refused %d time(s) though the model allowed "
                           "it: %s" % (n, text))
        for ep in sorted(per):
            summary.append("  %-13s %s" % (ep, dict(per[ep])))
        summary.append("flap toggles: %d" % c.flap_toggles)
        if crashed:
            c.fail("sthenod (pid %d) died of %s after ops %s:\n%s" % (
                c.pid, self.exit_how(d.proc.returncode), c.ops[-5:],
                d.stderr_text()[-4000:]), first=True)
        else:
            self.check_end(c, base_fd, base_rss, summary)
        print("\n".join(summary), file=sys.stderr)

    @staticmethod
    def exit_how(rc):
        if rc is not None and rc < 0:
            return signal.Signals(-rc).name
        return "exit %s" % rc

    def settled_fds(self, c, limit):
        """True when no connection of a client is left in the daemon:
        the fd count is stable over 0.3 s (and within limit)."""
        a = nfds(c.pid)
        time.sleep(0.3)
        b = nfds(c.pid)
        return a == b and (limit is None or b <= limit)

    def check_end(self, c, base_fd, base_rss, summary):
        d = c.d
        pid = c.pid
        # listener: a fresh event reaches it
        before = sthtest.read_text(c.events).count("\n")
        c.call("xmlrpc", "supervisor.stopProcess", "flap")
        c.start_toggled()
        if not sthtest.wait_for(
                lambda: sthtest.read_text(c.events).count("\n") > before,
                15):
            c.fail("the event listener got no event after the restore "
                   "(%d recorded before)" % before)
        sthtest.wait_for(lambda: self.settled_fds(c, base_fd + FD_SLACK), 20)
        end_fd, end_rss = nfds(pid), rss(pid)
        summary.append("fds: baseline %d, end %d; RSS: baseline %.1f MiB, "
                       "end %.1f MiB" % (base_fd, end_fd, base_rss / 2**20,
                                         end_rss / 2**20))
        if end_fd > base_fd + FD_SLACK:
            c.fail("fd count %d at the end, baseline %d: %s" % (
                end_fd, base_fd, self.fd_diff(pid)))
        if not ASAN and end_rss > base_rss + RSS_SLACK:
            c.fail("RSS %.1f MiB at the end, baseline %.1f MiB" % (
                end_rss / 2**20, base_rss / 2**20))
        # children: every process of ours is below sthenod, one listener
        kids = set(sthtest.descendants(pid))
        mine = tagged(c.tag)
        orphans = [p for p in mine if p not in kids]
        if orphans:
            c.fail("orphaned children: %s" % [
                (p, sthtest.read_text("/proc/%d/cmdline" % p)
                 .replace("\0", " ")) for p in orphans])
        listeners = [p for p in mine if "recorder.py" in sthtest.read_text(
            "/proc/%d/cmdline" % p)]
        if len(listeners) != 1:
            c.fail("%d event listener processes, want 1" % len(listeners))
        # private copies: exactly those plugin.list names
        lst = c.list_any() or []
        copies = {e["copy"] for e in lst}
        found = set()
        for sub in os.listdir(c.tmp):
            full = os.path.join(c.tmp, sub)
            if os.path.isdir(full):
                found |= {os.path.join(full, n) for n in os.listdir(full)}
        if found != copies or len(copies) != len(PLUGINS):
            c.fail("private copies: on disk %s, listed %s" % (
                sorted(found - copies), sorted(copies - found)))
        self.check_exit(c, "at the end")

    def check_exit(self, c, when):
        """SIGTERM: exit 0, no sanitizer report, nothing left behind."""
        d = c.d
        try:
            rc = d.stop(timeout=30)
        except subprocess.TimeoutExpired:
            c.fail("sthenod did not exit 30 s after SIGTERM %s" % when)
            return
        err = d.stderr_text()
        if rc != 0:
            c.fail("sthenod exited with %s at SIGTERM %s:\n%s" % (
                self.exit_how(rc), when, err[-4000:]))
        elif SANITIZER.search(err):
            c.fail("sanitizer report at SIGTERM %s:\n%s" % (when,
                                                           err[-6000:]))
        self.log_digest(c)
        if not sthtest.wait_for(lambda: not tagged(c.tag), 10):
            c.fail("processes left after exit: %s" % tagged(c.tag))
        if os.listdir(c.tmp):
            c.fail("left in the copy folder after exit: %s" %
                   os.listdir(c.tmp))
        if os.path.exists(d.pidfile):
            c.fail("pidfile left after exit")

    def log_digest(self, c):
        """The main log's WARN, ERRO and CRIT lines, counted by message
        (numbers and ports masked), on stderr; a zombie fails."""
        seen = collections.Counter()
        for line in c.d.read_log().splitlines():
            m = re.match(r"^\S+ \S+ (WARN|ERRO|CRIT) (.*)", line)
            if m:
                seen["%s %s" % (m.group(1), re.sub(r"\d+", "N",
                                                   m.group(2)))] += 1
            if re.search(r"zombie", line):
                c.fail("main log: %s" % line)
        for text, n in seen.most_common(12):
            print("  log %5d x %s" % (n, text[:160]), file=sys.stderr)

    def fd_diff(self, pid):
        out = collections.Counter()
        for n in os.listdir("/proc/%d/fd" % pid):
            try:
                t = os.readlink("/proc/%d/fd/%s" % (pid, n))
            except OSError:
                continue
            out[re.sub(r"\[\d+\]", "", t)] += 1
        return dict(out)


@unittest.skipUnless(
    all(os.path.exists(os.path.join(sthtest.PLUGIN_PATH, p + ".so"))
        for p in ("http", "xmlrpc", "webui", "status", "monitor")) and
    os.access(STHENOCTL, os.X_OK), "needs the http plugins and sthenoctl")
class ChaosFindsTest(unittest.TestCase):
    """What the chaos test found, kept as short fixed cases."""

    def test_consumer_loaded_after_reload_http_answers_old_connections(self):
        """A keep-alive connection the old http copy still holds after
        plugin.reload http: a request for a consumer loaded after the
        reload was dispatched against the old copy's handlers, 404."""
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        port = free_port()
        d.extra = ("[inet_http_server]\nport=127.0.0.1:%d\n"
                   "[plugin:status]\n[plugin:monitor]\nsocket=%%(here)s/m.sock\n"
                   % port)
        d.write_config()
        # the copy folder inside d.dir: cleanup removes it with the rest
        d.start(env={"TMPDIR": d.dir})

        def ctl(*words):
            r = subprocess.run([STHENOCTL, "-c", d.conf] + list(words),
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, r.stderr)

        def get(conn, path):
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            return r.status
        ctl("plugin.unload", "webui")
        k = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.addCleanup(k.close)
        self.assertEqual(get(k, "/status/json"), 200)
        ctl("plugin.reload", "http")
        ctl("plugin.load", "webui")
        self.assertEqual(get(k, "/"), 200)

    def test_sigterm_right_after_plugin_reload_http(self):
        """SIGTERM while the old copy of a reloaded provider (and the
        consumers the reload superseded) still drain used freed plugin
        records in plugins_shutdown (ASan: heap-use-after-free; plain
        build: "double free or corruption", SIGABRT), leaving the copy
        folder, the pidfile and the programs behind."""
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        tmp = os.path.join(d.dir, "tmp")
        os.mkdir(tmp, 0o700)
        port = free_port()
        d.extra = ("[inet_http_server]\nport=127.0.0.1:%d\n"
                   "[plugin:status]\n[plugin:monitor]\nsocket=%%(here)s/m.sock\n"
                   "[program:sleeper]\ncommand=/bin/sleep 1000\n" % port)
        d.write_config()
        d.start(env={"TMPDIR": tmp})
        # half a request head: the old http copy has a connection to
        # drain when the reload retires it
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"GET /status/json HTTP/1.1\r\n")
        r = subprocess.run([STHENOCTL, "-c", d.conf, "plugin.reload", "http"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        kids = sthtest.descendants(d.pid)
        self.addCleanup(self.kill_all, kids)
        rc = d.stop(timeout=30)
        err = d.stderr_text()
        self.assertEqual(rc, 0, "sthenod ended with %s:\n%s" % (
            PluginChaosTest.exit_how(rc), err[-3000:]))
        self.assertNotRegex(err, SANITIZER)
        self.assertEqual(os.listdir(tmp), [])
        self.assertFalse(os.path.exists(d.pidfile))
        self.assertEqual([k for k in kids if sthtest.pid_alive(k)], [])

    @staticmethod
    def kill_all(pids):
        """A crashed daemon leaves its children to init: stop them."""
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    unittest.main()
