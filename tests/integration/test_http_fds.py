"""test_http_fds.py — a flood of silent connections cannot take sthenod's
file descriptors (plugins/http/README.md, "Behaviour"; docs/stheno.conf.5.md,
"DESCRIPTORS").

sthenod runs with a low RLIMIT_NOFILE (FDS, 256) so that a flood of FLOOD
(300) silent connections to a public [http_server:x] whose own caps are set
far too high would take every descriptor.  While the flood holds:
  (a) the control server still answers XML-RPC;
  (b) a program with autorestart keeps being restarted, never FATAL with
      "too many open files";
then (c) after the flood leaves, everything is normal.  Besides:
  (d) a per-address cap closes the excess connections of one address at
      once, with one WARN line for many refusals, while another address is
      still served;
  (e) a connection that sends nothing is closed after header_timeout, not
      idle_timeout; an idle keep-alive connection waits idle_timeout.
And with the descriptor table full anyway (prlimit below what sthenod has
open), a connection is closed at once (the spare descriptor) instead of
waiting in the backlog, and the listener does not spin.

FDS=1024 FLOOD=1100 reproduce the figures of tests/bench/README.md,
"Descriptor exhaustion" (slower).
"""

import os
import resource
import socket
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

FDS = int(os.environ.get("FDS", "256"))
FLOOD = int(os.environ.get("FLOOD", "300"))
PING = b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n"


def connect(port, src="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(s, timeout):
    """True if the peer closes (EOF or reset) within timeout seconds with
    nothing sent to us; False if it is still open then."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def ping(port, src="127.0.0.1"):
    """The body of GET /stheno/ping, or None."""
    try:
        s = connect(port, src)
    except OSError:
        return None
    try:
        s.sendall(PING)
        got = b""
        while not got.endswith(b"pong\n"):
            b = s.recv(4096)
            if not b:
                return None
            got += b
        return b"pong\n"
    except OSError:
        return None
    finally:
        s.close()


class TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class FdFlood(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ctl = free_port()       # [inet_http_server]
        cls.pub = free_port()       # public, caps far too high
        cls.capped = free_port()    # public, 4 per address
        cls.quiet = free_port()     # public, header_timeout = 1
        cls.d = sthtest.Sthenod(minfds=FDS, extra="""
[inet_http_server]
port = 127.0.0.1:%(ctl)d

[http_server:pub]
listen = 127.0.0.1:%(pub)d
max_connections = 100000
max_connections_per_address = 100000
header_timeout = 120

[http_server:capped]
listen = 127.0.0.1:%(capped)d
max_connections_per_address = 4
header_timeout = 60

[http_server:quiet]
listen = 127.0.0.1:%(quiet)d
header_timeout = 1
idle_timeout = 60

[plugin:http]
ping = true

[program:flap]
command = /bin/sh -c 'exec sleep 0.3'
startsecs = 0
autorestart = true
""" % dict(ctl=cls.ctl, pub=cls.pub, capped=cls.capped, quiet=cls.quiet))
        # sthenod inherits a soft limit of FDS (minfds = FDS keeps it);
        # the test itself needs more for the flood.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < FLOOD + 100:
            raise unittest.SkipTest("hard RLIMIT_NOFILE %d too low" % hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (FDS, hard))
            cls.d.start_or_cleanup()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        want = max(soft, FLOOD + 100)
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        cls.rpc = xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % cls.ctl,
            transport=TimeoutTransport(5))

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def spawns(self):
        return self.d.read_log().count("spawned: 'flap'")

    def flap_state(self):
        return self.rpc.supervisor.getProcessInfo("flap")["statename"]

    def test_flood_leaves_supervision_alone(self):
        self.assertTrue(sthtest.wait_for(lambda: self.spawns() >= 2, 10),
                        self.d.describe())
        flood = []
        try:
            for _ in range(FLOOD):
                try:
                    flood.append(connect(self.pub))
                except OSError:
                    break   # the backlog is full: flood enough
            # (a) the control server answers while the flood holds
            t0 = time.monotonic()
            try:
                state = self.rpc.supervisor.getState()["statename"]
            except (OSError, xmlrpc.client.Error) as e:
                state = repr(e)
            took = time.monotonic() - t0
            self.assertEqual(state, "RUNNING", self.d.describe())
            self.assertLess(took, 5.0)
            # (b) the program keeps being restarted
            n = self.spawns()
            log = sthtest.wait_for(
                lambda: (self.spawns() >= n + 3 or
                         "too many open files" in self.d.read_log() or
                         "entered FATAL" in self.d.read_log()), 20)
            self.assertTrue(log)
            text = self.d.read_log()
            self.assertNotIn("too many open files", text)
            self.assertNotIn("entered FATAL", text)
            self.assertGreaterEqual(self.spawns(), n + 3)
            # the excess of the flood was refused, with a WARN that says
            # so, not an accept(2) failure
            self.assertRegex(text, r"WARN connection from 127\.0\.0\.1 to "
                             r"127\.0\.0\.1:%d refused" % self.pub)
            self.assertNotIn("Too many open files", text)
        finally:
            for s in flood:
                s.close()
        # (c) after the flood, all is normal
        self.assertTrue(sthtest.wait_for(lambda: ping(self.pub), 10),
                        self.d.describe())
        self.assertIn(self.flap_state(), ("RUNNING", "STARTING", "EXITED",
                                          "BACKOFF"))
        n = self.spawns()
        self.assertTrue(sthtest.wait_for(lambda: self.spawns() >= n + 2,
                                         10))
        self.assertEqual(self.rpc.supervisor.getState()["statename"],
                         "RUNNING")

    def test_per_address_cap(self):
        held = [connect(self.capped) for _ in range(4)]
        extra = []
        try:
            for s in held:
                self.assertFalse(closed_by_peer(s, 0.2))
            # (d) one address beyond its cap: closed at once, each time
            for _ in range(6):
                s = connect(self.capped)
                extra.append(s)
                self.assertTrue(closed_by_peer(s, 3))
            # the held ones are served; another address too
            held[0].sendall(PING)
            self.assertIn(b"pong\n", held[0].recv(4096))
            self.assertEqual(ping(self.capped, "127.0.0.2"), b"pong\n")
            self.assertTrue(self.d.wait_log(
                r"WARN .*capped.*127\.0\.0\.1.*per address", 5))
            time.sleep(0.2)
            self.assertEqual(len(list(filter(
                lambda ln: "per address" in ln,
                self.d.read_log().splitlines()))), 1,
                "the WARN is not rate-limited")
        finally:
            for s in held + extra:
                s.close()
        # the address gets its slots back
        self.assertTrue(sthtest.wait_for(lambda: ping(self.capped), 5))

    def test_silent_connection_gets_header_timeout(self):
        s = connect(self.quiet)
        try:
            t0 = time.monotonic()
            # (e) nothing sent: closed after header_timeout (1 s), long
            # before idle_timeout (60 s)
            self.assertTrue(closed_by_peer(s, 8), "still open")
            took = time.monotonic() - t0
            self.assertGreater(took, 0.8)
            self.assertLess(took, 8)
        finally:
            s.close()

    def test_keepalive_waits_idle_timeout(self):
        # between requests a keep-alive connection waits idle_timeout, as
        # nginx's keepalive_timeout; only a started head has the deadline
        s = connect(self.quiet)
        try:
            s.sendall(PING)
            got = b""
            while not got.endswith(b"pong\n"):
                got += s.recv(4096)
            self.assertFalse(closed_by_peer(s, 2.5))
            s.sendall(PING)
            self.assertIn(b"pong\n", s.recv(4096))
        finally:
            s.close()


def cpu_secs(pid):
    f = sthtest.proc_stat(pid)
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


class FdFull(unittest.TestCase):

    def setUp(self):
        self.port = free_port()
        self.d = sthtest.Sthenod(extra="""
[http_server:pub]
listen = 127.0.0.1:%d

[plugin:http]
ping = true
""" % self.port)
        self.addCleanup(self.d.cleanup)
        self.d.start()

    def test_emfile_closes_at_once_without_spinning(self):
        pid = self.d.pid
        self.assertEqual(ping(self.port), b"pong\n")
        soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        nopen = len(os.listdir("/proc/%d/fd" % pid))
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (nopen, hard))
        held = []
        try:
            cpu0, t0 = cpu_secs(pid), time.monotonic()
            for _ in range(5):
                s = connect(self.port)
                held.append(s)
                self.assertTrue(closed_by_peer(s, 3), "left waiting")
            time.sleep(1)
            # no busy loop on EMFILE: a fraction of the CPU time elapsed
            cpu = cpu_secs(pid) - cpu0
            self.assertLess(cpu, 0.5 * (time.monotonic() - t0))
            self.assertTrue(self.d.wait_log(
                r"WARN connection from 127\.0\.0\.1 to 127\.0\.0\.1:%d "
                r"refused: (out of descriptors|descriptors nearly "
                r"exhausted)" % self.port, 5))
        finally:
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
            for s in held:
                s.close()
        self.assertTrue(sthtest.wait_for(lambda: ping(self.port), 5))


if __name__ == "__main__":
    unittest.main()
