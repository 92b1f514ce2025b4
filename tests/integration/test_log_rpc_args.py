#!/usr/bin/python3
"""The offset and length of the log-reading methods are any 64-bit integer
a client sends (issue 12): readProcessStdoutLog, readProcessStderrLog,
tailProcessStdoutLog, tailProcessStderrLog (and their aliases) and readLog
must answer what supervisord answers, never abort the daemon.
`tailProcessStdoutLog("name", 0, 100000000000)` used to end sthenod in
xmalloc (the length was never clamped to the file, and offset + length
wrapped).

The reference is supervisor's own readFile()/tailFile(), run here on the
same files with one change: a read never asks for more bytes than the file
has (supervisord allocates the length it is asked for, and answers HTTP 500
when it cannot).  Beside Debian's supervisord 4.2.5, when installed, every
answer it gives must also be sthenod's.

Integers beyond int32 travel as <int> (xmlrpc.client's limits are widened
here; both servers read any 64-bit value)."""

import builtins
import os
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

import supervisor.options  # noqa: E402
from supervisor.xmlrpc import SupervisorTransport  # noqa: E402

SUPERVISORD = "/usr/bin/supervisord"
I64_MIN, I64_MAX = -2**63, 2**63 - 1

CONFIG = """[supervisord]
logfile=@DIR@/main.log
pidfile=@DIR@/d.pid
childlogdir=@DIR@
[unix_http_server]
file=@DIR@/d.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:full]
command=/bin/sh -c 'printf before; exec sleep 1000'
startsecs=0
stdout_logfile=@DIR@/full.out
stderr_logfile=@DIR@/full.err
"""

# Offsets and lengths: the edges of int64, int32 and of the 6-byte log.
VALUES = [I64_MIN, I64_MIN + 1, -2**62, -2**32, -100, -7, -6, -5, -1, 0, 1,
          3, 5, 6, 7, 100, 2**31 - 1, 2**31, 100000000000, 2**62,
          I64_MAX - 1, I64_MAX]


class ClampedFile:
    """A file whose read(n) asks for no more than the file holds."""

    def __init__(self, f):
        self.f = f
        self.size = os.fstat(f.fileno()).st_size

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()
        return False

    def seek(self, *a):
        return self.f.seek(*a)

    def tell(self):
        return self.f.tell()

    def read(self, n=-1):
        if n is not None and n > self.size:
            n = self.size
        return self.f.read(n)


def clamped_open(*a, **kw):
    return ClampedFile(builtins.open(*a, **kw))


def reference(method, path, offset, length):
    """supervisor's answer for the file at path, reads clamped."""
    supervisor.options.open = clamped_open
    try:
        if method.startswith("tail"):
            if not os.path.exists(path):
                return ['', 0, False]
            return supervisor.options.tailFile(path, offset, length)
        try:
            return supervisor.options.as_string(
                supervisor.options.readFile(path, offset, length))
        except ValueError as e:
            code = getattr(xmlrpc_faults(), e.args[0])
            return ("fault", code, e.args[0])
    finally:
        del supervisor.options.open


def xmlrpc_faults():
    from supervisor.xmlrpc import Faults
    return Faults


class Daemon(sthtest.Peer):
    """supervisord or sthenod on CONFIG, waited until `full` has written
    its 6 bytes."""

    def __init__(self, argv):
        super().__init__(argv + ["-n"], CONFIG, prefix="sth-logargs-")
        self.rpc = None
        ok = sthtest.wait_for(self._ready, 20, 0.05)
        if not ok:
            self.close()
            raise AssertionError("%s did not start" % argv[0])

    def path(self, name):
        return os.path.join(self.dir, name)

    def proxy(self):
        if self.rpc is not None:
            self.rpc("close")()
        t = SupervisorTransport(None, None, "unix://" + self.path("d.sock"))
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("daemon exited %d" % self.proc.returncode)
        try:
            self.rpc = self.proxy()
            st = self.rpc.supervisor.getProcessInfo("full")["statename"]
            return (st == "RUNNING" and
                    os.path.getsize(self.path("full.out")) == 6)
        except (OSError, xmlrpc.client.Error):
            return False

    def call(self, method, *args):
        """The answer, ("fault", code, string), or ("http", status): the
        connection is remade after anything but a fault."""
        try:
            return getattr(self.rpc.supervisor, method)(*args)
        except xmlrpc.client.Fault as e:
            return ("fault", e.faultCode, e.faultString)
        except xmlrpc.client.ProtocolError as e:
            self.rpc = self.proxy()
            return ("http", e.errcode)
        except OSError as e:
            self.rpc = self.proxy()
            return ("gone", str(e))

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.rpc is not None:
            self.rpc("close")()
        self.cleanup()


# (method, log file of program `full`): the 6-byte stdout log and the
# empty stderr log, through every name the methods have.
CALLS = [("tailProcessStdoutLog", "full.out"),
         ("tailProcessLog", "full.out"),
         ("tailProcessStderrLog", "full.err"),
         ("readProcessStdoutLog", "full.out"),
         ("readProcessLog", "full.out"),
         ("readProcessStderrLog", "full.err")]


class LogRpcArgs(unittest.TestCase):

    def setUp(self):
        self.saved = (xmlrpc.client.MAXINT, xmlrpc.client.MININT)
        xmlrpc.client.MAXINT, xmlrpc.client.MININT = I64_MAX, I64_MIN
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.close()
        xmlrpc.client.MAXINT, xmlrpc.client.MININT = self.saved

    def start(self, argv):
        d = Daemon(argv)
        self.daemons.append(d)
        return d

    def test_issue_calls_answer_and_daemon_lives(self):
        """The calls of the issue: the bytes there are, the daemon alive."""
        d = self.start([sthtest.STHENOD])
        cases = [("tailProcessStdoutLog", "full.out", 0, 100000000000),
                 ("tailProcessStdoutLog", "full.out", 0, I64_MAX),
                 ("tailProcessStderrLog", "full.err", I64_MIN, I64_MAX),
                 ("readProcessStdoutLog", "full.out", 0, I64_MAX),
                 ("readProcessStderrLog", "full.err", I64_MIN, 0)]
        for method, log, off, length in cases:
            got = d.call(method, "full", off, length)
            self.assertEqual(got, reference(method, d.path(log), off,
                                            length),
                             "%s(%d, %d)" % (method, off, length))
            self.assertTrue(d.alive(), "%s(%d, %d) killed sthenod" %
                            (method, off, length))
        self.assertEqual(d.call("tailProcessStdoutLog", "full", 0,
                                100000000000), ["before", 6, False])
        self.assertEqual(d.call("tailProcessStderrLog", "full", I64_MIN,
                                I64_MAX), ["", 0, True])
        # the main log, read whole from both ends
        for off, length in ((0, I64_MAX), (I64_MIN, 0), (0, 100000000000)):
            text = d.call("readLog", off, length)
            self.assertEqual(text, sthtest.read_text(d.path("main.log")))
        # FAILED where the filesystem refuses the seek (ext4), else ''
        self.assertEqual(d.call("readLog", I64_MAX, I64_MAX),
                         reference("readLog", d.path("main.log"), I64_MAX,
                                   I64_MAX))
        self.assertEqual(d.call("readLog", -1, I64_MIN),
                         ("fault", 3, "BAD_ARGUMENTS"))

    @unittest.skipUnless(os.access(SUPERVISORD, os.X_OK),
                         "needs Debian's supervisord")
    def test_every_edge_as_supervisord(self):
        sup = self.start([SUPERVISORD])
        sth = self.start([sthtest.STHENOD])
        diffs, answered = [], 0
        t0 = time.monotonic()
        for method, log in CALLS:
            for off in VALUES:
                for length in VALUES:
                    want = sup.call(method, "full", off, length)
                    ref = reference(method, sth.path(log), off, length)
                    if isinstance(want, tuple) and want[0] == "http":
                        want = ref      # supervisord could not allocate
                    else:
                        answered += 1
                        # the reference agrees with supervisord itself
                        self.assertEqual(ref, want, "reference %s(%d, %d)"
                                         % (method, off, length))
                    got = sth.call(method, "full", off, length)
                    if got != want:
                        diffs.append("%s(%d, %d): %r, supervisord %r" %
                                     (method, off, length, got, want))
                    if not sth.alive():
                        self.fail("%s(%d, %d) killed sthenod" %
                                  (method, off, length))
        self.assertEqual(diffs, [], "\n".join(diffs[:20]))
        # most of the matrix is supervisord's own answer, not the model
        self.assertGreater(answered, len(CALLS) * len(VALUES) ** 2 * 0.8)
        self.assertLess(time.monotonic() - t0, 120)


if __name__ == "__main__":
    unittest.main()
