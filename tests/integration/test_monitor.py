#!/usr/bin/python3
"""The monitor console (plugins/monitor) through sthenod as a black box,
driven by sthenoctl and by a raw socket with Python's hmac module:
Varnish framing, the mutual HMAC-SHA256 challenge-response on TCP (a
wrong answer is logged, counted, answered after a delay and closed;
squatters that relay or fake the monitor get nothing; a secret emptied
mid-rotation refuses everyone), the commands allowed before auth, plugin.list / unload / load of webui seen by curl
(the hot-load story end to end), rpc, a slow startProcess that does not
block the loop, a client leaving mid-call, an over-long line, quit, the
unload of the monitor through itself, port= without secret=, a squatted
socket named at startup, and no fd leaked after 100 sessions.

Needs monitor.so, sthenoctl and the http plugins built."""

import hashlib
import hmac
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", "")
STHENOCTL = os.path.join(BUILDDIR, "plugins", "monitor", "sthenoctl")
SECRET = b"correct horse battery staple\n"

PROGRAMS = """
[program:slow]
command=/bin/sleep 600
startsecs=2
autostart=false
[program:slow2]
command=/bin/sleep 600
startsecs=2
autostart=false
"""


def have_plugins(*names):
    path = sthtest.PLUGIN_PATH
    return bool(path) and all(
        os.path.exists(os.path.join(path, n + ".so")) for n in names)


class Console:
    """A raw monitor session: frames in, lines out.  Every console is
    closed by close_all() at the end of each test."""

    opened = []

    def __init__(self, addr):
        Console.opened.append(self)
        if isinstance(addr, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        else:
            self.sock = socket.socket()
        self.sock.settimeout(10)
        self.sock.connect(addr)
        self.addr = addr
        self.buf = b""

    def endpoint(self):
        """What the proofs are bound to: the address this socket reached."""
        if isinstance(self.addr, str):
            return "unix:" + os.path.realpath(self.addr)
        return "tcp:%s:%d" % self.sock.getpeername()[:2]

    def _need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("closed after %r" % self.buf)
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self):
        """(status, body) of one answer."""
        hdr = self._need(13)
        assert hdr[3:4] == b" " and hdr[12:13] == b"\n", hdr
        status, length = int(hdr[:3]), int(hdr[4:12])
        body = self._need(length + 1)
        assert body[-1:] == b"\n", body
        return status, body[:-1].decode()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def cmd(self, line):
        self.send(line)
        return self.read()

    def closed(self):
        """True if the server closed the connection (EOF, no more bytes)."""
        try:
            return self.buf == b"" and self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()

    @classmethod
    def close_all(cls):
        for c in cls.opened:
            c.close()
        cls.opened = []


def proof(secret, role, sn, cn, endpoint):
    """The monitor's proofs: HMAC-SHA256 of both nonces and the endpoint
    (plugins/monitor/README.md, "Authentication")."""
    msg = "stheno-monitor %s\n%s\n%s\n%s" % (role, sn, cn, endpoint)
    return hmac.new(secret, msg.encode(), hashlib.sha256).hexdigest()


def auth_line(console, challenge_body, secret=SECRET):
    """The auth line answering challenge_body on console's connection; the
    server's proof expected back is left in console.server_proof."""
    sn = challenge_body.split("\n")[0]
    cn = os.urandom(16).hex()
    ep = console.endpoint()
    console.server_proof = proof(secret, "server", sn, cn, ep)
    return "auth %s %s" % (cn, proof(secret, "client", sn, cn, ep))


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


@unittest.skipUnless(have_plugins("monitor", "http", "xmlrpc", "webui") and
                     os.access(STHENOCTL, os.X_OK), "monitor not built")
class MonitorTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.http = free_port()
        cls.d = sthtest.Sthenod()
        cls.sock = os.path.join(cls.d.dir, "mon.sock")
        cls.secret = os.path.join(cls.d.dir, "secret")
        with open(cls.secret, "wb") as f:
            f.write(SECRET)
        os.chmod(cls.secret, 0o600)
        # these tests answer wrong on purpose, many times from 127.0.0.1:
        # penalties are off here and tested in PenaltyTest
        cls.d.extra = ("[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
                       "port=%d\nsecret=%%(here)s/secret\n"
                       "max_auth_failures=0\n"
                       "[inet_http_server]\nport=127.0.0.1:%d\n"
                       % (cls.port, cls.http)) + PROGRAMS
        cls.d.write_config()
        cls.d.start_or_cleanup()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup(timeout=20)

    def tearDown(self):
        Console.close_all()

    def ctl(self, *args, tcp=False, stdin=None, timeout=20):
        if tcp:
            opts = ["-s", "127.0.0.1:%d" % self.port, "-S", self.secret]
        else:
            opts = ["-c", self.d.conf]
        return subprocess.run([STHENOCTL] + opts + list(args),
                              input=stdin, capture_output=True, text=True,
                              timeout=timeout)

    def ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr))
        return r.stdout

    def tcp(self):
        return Console(("127.0.0.1", self.port))

    def authed_tcp(self):
        c = self.tcp()
        status, body = c.read()
        self.assertEqual(status, 107)
        status, body = c.cmd(auth_line(c, body))
        self.assertEqual(status, 200, body)
        self.assertEqual(body.split("\n")[0], c.server_proof)
        return c

    def curl_root(self):
        return subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
             "http://127.0.0.1:%d/" % self.http],
            capture_output=True, text=True, timeout=10).stdout

    def status(self):
        r = self.ok("-j", "status")
        return json.loads(r)[3]

    # --- transports and auth ------------------------------------------------

    def test_unix_peer_is_trusted(self):
        c = Console(self.sock)
        status, body = c.read()
        self.assertEqual(status, 200)
        self.assertIn("monitor\n\nType 'help' for command list.", body)
        self.assertTrue(body.startswith("-----------------------------\n"
                                        "Stheno "))
        status, body = c.cmd("ping")
        self.assertEqual(status, 200)
        self.assertRegex(body, r"^PONG \d+ 1\.0$")
        c.close()
        self.assertEqual(os.stat(self.sock).st_mode & 0o777, 0o600)

    def test_tcp_challenge_and_auth(self):
        c = self.tcp()
        raw = c._need(13)
        self.assertRegex(raw.decode(), r"^107 \d+ +\n$")
        c.buf = raw + c.buf
        status, body = c.read()
        self.assertEqual(status, 107)
        self.assertRegex(body, r"^[0-9a-f]{32}\ntcp:127\.0\.0\.1:%d\n\n"
                         r"Authentication required\.$" % self.port)
        status, banner = c.cmd(auth_line(c, body))
        self.assertEqual(status, 200)
        # the server proves it knows the secret, then the banner
        self.assertTrue(banner.startswith(c.server_proof + "\n\n-----"))
        self.assertIn("Type 'quit' to close CLI session.", banner)
        self.assertEqual(c.cmd("rpc supervisor.getState")[0], 200)
        c.close()

    def test_wrong_secret_is_delayed_counted_and_closed(self):
        before = self.status()["failed_auths"]
        c = self.tcp()
        status, body = c.read()
        self.assertEqual(status, 107)
        t0 = time.monotonic()
        c.send(auth_line(c, body, b"wrong secret, long enough\n"))
        status, body2 = c.read()
        elapsed = time.monotonic() - t0
        self.assertEqual(status, 107)
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertTrue(c.closed())
        c.close()
        self.assertEqual(self.status()["failed_auths"], before + 1)
        self.assertTrue(self.d.wait_log(
            r"WARN monitor: failed authentication from 127\.0\.0\.1:\d+"))
        # sthenoctl with the wrong secret file fails, with exit status 1
        wrong = os.path.join(self.d.dir, "wrong")
        with open(wrong, "wb") as f:
            f.write(b"not the secret at all\n")
        r = subprocess.run([STHENOCTL, "-s", "127.0.0.1:%d" % self.port,
                            "-S", wrong, "ping"], capture_output=True,
                           text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("authentication failed", r.stderr)
        self.assertEqual(self.status()["failed_auths"], before + 2)

    def test_commands_before_auth_are_refused(self):
        c = self.tcp()
        status, challenge = c.read()
        for line in ("plugin.list", "rpc supervisor.getState", "status",
                     "plugin.unload webui"):
            status, body = c.cmd(line)
            self.assertEqual(status, 107, line)
            self.assertIn("Authentication required.", body)
        status, body = c.cmd("ping")
        self.assertEqual(status, 200)
        status, body = c.cmd("help")
        self.assertEqual((status, body),
                         (200, "help [command]\nping\nauth <nonce> <proof>\n"
                          "challenge\nquit"))
        self.assertEqual(c.cmd("challenge"), (107, challenge))
        # the challenge stays the same for the connection
        status, body = c.cmd(auth_line(c, challenge))
        self.assertEqual(status, 200)
        status, body = c.cmd("plugin.list")
        self.assertEqual(status, 200)
        self.assertIn("webui", body)
        c.close()

    def test_sthenoctl_over_tcp(self):
        self.assertRegex(self.ok("ping", tcp=True), r"^PONG \d+ 1\.0\n$")

    # --- commands -----------------------------------------------------------

    def test_plugin_list(self):
        out = self.ok("plugin.list")
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^NAME +VERSION +STATE +PATH$")
        names = [line.split()[0] for line in lines[1:]]
        for n in ("http", "xmlrpc", "webui", "monitor"):
            self.assertIn(n, names)
        # the columns line up
        col = lines[0].index("STATE")
        for line in lines[1:]:
            self.assertEqual(line[col:col + 6], "active", line)
        env = json.loads(self.ok("-j", "plugin.list"))
        self.assertEqual(env[0], 1)
        self.assertEqual(env[1], ["-j", "plugin.list"])
        self.assertIsInstance(env[2], float)
        self.assertIn("webui", [p["name"] for p in env[3]])

    def test_hot_unload_and_load_webui(self):
        self.assertEqual(self.curl_root(), "200")
        self.assertEqual(self.ok("plugin.unload", "webui"),
                         "webui: unloading\n")
        self.assertTrue(sthtest.wait_for(
            lambda: "webui" not in self.ok("plugin.list")))
        self.assertNotEqual(self.curl_root(), "200")
        self.assertEqual(self.ok("plugin.load", "webui"), "webui: loaded\n")
        self.assertEqual(self.curl_root(), "200")
        r = self.ctl("plugin.unload", "nosuch")
        self.assertEqual(r.returncode, 1)
        self.assertIn("plugin 'nosuch' is not loaded", r.stderr)

    def test_rpc(self):
        out = self.ok("rpc", "supervisor.getState")
        self.assertEqual(json.loads(out)["statename"], "RUNNING")
        env = json.loads(self.ok("-j", "rpc", "supervisor.getState"))
        self.assertEqual(env[3], {"statecode": 1, "statename": "RUNNING"})
        r = self.ctl("rpc", "supervisor.getProcessInfo", '["nosuch"]')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "10 BAD_NAME: nosuch\n")
        c = Console(self.sock)
        c.read()
        self.assertEqual(c.cmd("rpc supervisor.getState [")[0], 104)
        self.assertEqual(c.cmd("rpc supervisor.getState '{}'")[0], 104)
        self.assertEqual(c.cmd("rpc")[0], 102)
        self.assertEqual(c.cmd("eval 1+1")[0], 101)
        self.assertEqual(c.cmd('ping "open')[0], 100)
        status, body = c.cmd("-j rpc supervisor.getProcessInfo "
                             "'[\"nosuch\"]'")
        self.assertEqual(status, 300)
        self.assertEqual(json.loads(body)[3],
                         {"faultCode": 10, "faultString": "BAD_NAME: nosuch"})
        c.close()

    def test_stdin_mode(self):
        r = self.ctl(stdin="ping\n\nrpc supervisor.getState\nquit\nping\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.splitlines()
        self.assertRegex(out[0], r"^PONG \d+ 1\.0$")
        self.assertIn('"statename": "RUNNING"', r.stdout)
        self.assertEqual(r.stderr, "Closing CLI connection\n")

    def test_quit(self):
        c = Console(self.sock)
        c.read()
        self.assertEqual(c.cmd("quit"), (500, "Closing CLI connection"))
        self.assertTrue(c.closed())
        c.close()

    def test_slow_call_does_not_block(self):
        c = Console(self.sock)
        c.read()
        t0 = time.monotonic()
        c.send("rpc supervisor.startProcess '[\"slow\", true]'")
        # the loop goes on while the call waits for startsecs
        self.assertRegex(self.ok("ping"), r"^PONG")
        self.assertLess(time.monotonic() - t0, 1.5)
        status, body = c.read()
        self.assertEqual((status, body), (200, "true"))
        self.assertGreaterEqual(time.monotonic() - t0, 1.8)
        self.ok("rpc", "supervisor.stopProcess", '["slow"]')
        c.close()

    def test_client_leaving_mid_call(self):
        c = Console(self.sock)
        c.read()
        c.send("rpc supervisor.startProcess '[\"slow2\", true]'")
        time.sleep(0.2)
        c.close()
        time.sleep(2.5)     # past startsecs: the call would answer now
        self.assertTrue(sthtest.pid_alive(self.d.pid))
        self.assertRegex(self.ok("ping"), r"^PONG")
        self.assertTrue(sthtest.wait_for(
            lambda: json.loads(self.ok("rpc", "supervisor.getProcessInfo",
                                       '["slow2"]'))["statename"] ==
            "RUNNING", timeout=10, interval=0.2))
        self.ok("rpc", "supervisor.stopProcess", '["slow2"]')

    def test_line_too_long(self):
        c = Console(self.sock)
        c.read()
        c.sock.sendall(b"x" * 70000)
        status, body = c.read()
        self.assertEqual(status, 400)
        self.assertIn("line too long", body)
        self.assertTrue(c.closed())
        c.close()
        c = Console(self.sock)
        c.read()
        c.sock.sendall(b"ping " + b"y" * 65536 + b"\nping\n")
        self.assertEqual(c.read()[0], 400)
        self.assertTrue(c.closed())
        c.close()
        self.assertRegex(self.ok("ping"), r"^PONG")

    def test_no_fd_leak_after_100_sessions(self):
        self.ok("ping")
        time.sleep(0.2)
        before = fd_count(self.d.pid)
        for i in range(50):
            c = Console(self.sock)
            c.read()
            c.cmd("ping")
            if i % 2:
                c.cmd("quit")
            c.close()
            c = self.tcp()
            c.read()
            if i % 5 == 0:
                c.cmd("auth " + "0" * 32 + " " + "0" * 64)  # left waiting
            c.close()
        self.assertTrue(sthtest.wait_for(
            lambda: fd_count(self.d.pid) <= before, timeout=5),
            "fds: %d before, %d after" % (before, fd_count(self.d.pid)))
        self.assertEqual(self.status()["connections"], 1)


@unittest.skipUnless(have_plugins("monitor") and os.access(STHENOCTL, os.X_OK),
                     "monitor not built")
class PenaltyTest(unittest.TestCase):
    """max_auth_failures wrong answers from one address refuse its new
    connections for auth_penalty seconds; the trusted unix socket is not
    affected, and a right answer once it is over forgets the failures."""

    def setUp(self):
        self.port = free_port()
        self.d = sthtest.Sthenod()
        self.addCleanup(self.d.cleanup)
        with open(os.path.join(self.d.dir, "secret"), "wb") as f:
            f.write(SECRET)
        os.chmod(os.path.join(self.d.dir, "secret"), 0o600)
        self.d.extra = ("[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
                        "port=%d\nsecret=%%(here)s/secret\n"
                        "max_auth_failures=2\nauth_penalty=5\n" % self.port)
        self.d.write_config()
        self.d.start()
        self.addCleanup(Console.close_all)

    def wrong(self):
        c = Console(("127.0.0.1", self.port))
        status, body = c.read()
        self.assertEqual(status, 107, body)
        status, _ = c.cmd(auth_line(c, body, b"not it, but long enough\n"))
        self.assertEqual(status, 107)
        self.assertTrue(c.closed())

    def first_answer(self):
        c = Console(("127.0.0.1", self.port))
        try:
            return c.read()
        finally:
            c.close()

    def status(self):
        r = subprocess.run([STHENOCTL, "-c", self.d.conf, "-j", "status"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)[3]

    def test_penalty_refuses_then_expires_and_success_forgets(self):
        self.wrong()
        self.assertEqual(self.first_answer()[0], 107, "one is not enough")
        self.wrong()
        self.assertTrue(self.d.wait_log(
            r"WARN monitor: refusing 127\.0\.0\.1 for 5 s: too many "
            r"failed authentications"), self.d.describe())
        status, body = self.first_answer()
        self.assertEqual(status, 400)
        self.assertRegex(body, r"^too many failed authentications from "
                         r"127\.0\.0\.1: try again in [1-5] s$")
        # even with the right secret, sthenoctl is turned away, clearly
        r = subprocess.run([STHENOCTL, "-s", "127.0.0.1:%d" % self.port,
                            "-S", os.path.join(self.d.dir, "secret"),
                            "ping"], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("too many failed authentications", r.stderr)
        # the trusted unix socket is not penalised
        st = self.status()
        self.assertEqual(st["penalized_peers"], 1)
        self.assertEqual(st["penalty_refused"], 2)
        self.assertEqual(st["failed_auths"], 2)
        # over: the right answer gets in and forgets both failures
        self.assertTrue(sthtest.wait_for(
            lambda: self.first_answer()[0] == 107, timeout=10,
            interval=0.2))
        r = subprocess.run([STHENOCTL, "-s", "127.0.0.1:%d" % self.port,
                            "-S", os.path.join(self.d.dir, "secret"),
                            "ping"], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.status()["penalized_peers"], 0)
        self.wrong()
        self.assertEqual(self.first_answer()[0], 107,
                         "the count started again from zero")

    def test_bad_values_are_refused(self):
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        d.extra = ("[plugin:monitor]\nsocket=%%(here)s/m.sock\n"
                   "max_auth_failures=-1\n")
        d.write_config()
        d.start(wait=False)
        self.assertEqual(d.wait_exit(10), 2, d.describe())
        self.assertRegex(d.read_log() + d.stderr_text(),
                         r"-1 is below lower bound \(0\) for "
                         r"'max_auth_failures' in section 'plugin:monitor' "
                         r"\(file: '[^']+', line \d+\)")


@unittest.skipUnless(have_plugins("monitor", "http", "xmlrpc") and
                     os.access(STHENOCTL, os.X_OK), "monitor not built")
class MonitorLifeTest(unittest.TestCase):
    """Loading and unloading the monitor itself."""

    def setUp(self):
        self.d = sthtest.Sthenod()
        self.addCleanup(self.d.cleanup)
        self.addCleanup(Console.close_all)

    def test_port_without_secret_is_refused(self):
        self.d.extra = "[plugin:monitor]\nport=%d\n" % free_port()
        self.d.write_config()
        self.d.start(wait=False)
        self.assertEqual(self.d.wait_exit(), 2)
        self.assertIn("port=", self.d.stderr_text())
        self.assertIn("needs secret=", self.d.stderr_text())

    def test_readable_secret_is_warned_about(self):
        secret = os.path.join(self.d.dir, "secret")
        with open(secret, "wb") as f:
            f.write(SECRET)
        os.chmod(secret, 0o644)
        port = free_port()
        self.d.extra = ("[plugin:monitor]\nport=%d\nsecret=%s\n"
                        % (port, secret))
        self.d.write_config()
        self.d.start()
        self.assertTrue(self.d.wait_log(
            r"WARN monitor: the secret file .*/secret can be read by other "
            r"users \(mode 0644\): chmod 0600 it"))
        # port= alone listens on loopback, and sthenoctl gets in
        r = subprocess.run([STHENOCTL, "-c", self.d.conf, "ping"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        with socket.socket() as s:
            self.assertNotEqual(s.connect_ex(("127.0.0.2", port)), 0)
        self.assertEqual(self.d.stop(), 0, self.d.stderr_text())

    def test_squatted_socket_is_named_with_its_owner(self):
        path = os.path.join(self.d.dir, "mon.sock")
        squat = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(squat.close)
        squat.bind(path)
        squat.listen(8)
        uid = os.getuid()
        if uid == 0:        # an attacker's socket, not root's
            uid = 65534
            os.chown(path, uid, -1)
        self.d.extra = "[plugin:monitor]\nsocket=%(here)s/mon.sock\n"
        self.d.write_config()
        self.d.start(wait=False)
        self.assertEqual(self.d.wait_exit(), 2, self.d.describe())
        err = self.d.stderr_text()
        self.assertNotIn("HTTP servers", err)
        self.assertRegex(err, r"\[plugin:monitor\] socket=%s: another "
                         r"program \(pid %d\) is already listening on the "
                         r"unix socket %s, owned by uid %d( \(\w+\))?: "
                         r"shut it down, or configure another path"
                         % (re.escape(path), os.getpid(), re.escape(path),
                            uid))
        # and the squatter's socket is left where it was
        self.assertEqual(os.stat(path).st_uid, uid)

    def test_unload_through_itself(self):
        http = free_port()
        self.d.extra = ("[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
                        "[inet_http_server]\nport=127.0.0.1:%d\n" % http)
        self.d.write_config()
        self.d.start()
        sock = os.path.join(self.d.dir, "mon.sock")
        c = Console(sock)
        c.read()
        c.send("plugin.unload monitor")
        try:
            status, body = c.read()
            self.assertEqual((status, body), (200, "monitor: unloading"))
        except EOFError:
            pass            # the answer may be lost; the daemon may not
        self.assertTrue(self.d.wait_log(r"plugin 'monitor' unloaded"))
        self.assertNotIn("plugin 'monitor' left", self.d.read_log())
        self.assertFalse(os.path.exists(sock))
        with xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2"
                                       % http) as s:
            self.assertEqual(s.supervisor.getState()["statename"],
                             "RUNNING")
            self.assertTrue(s.plugin.load("monitor"))
        r = subprocess.run([STHENOCTL, "-c", self.d.conf, "ping"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        # and a reload through itself hands the socket over
        r = subprocess.run([STHENOCTL, "-c", self.d.conf, "plugin.reload",
                            "monitor"], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([STHENOCTL, "-c", self.d.conf, "ping"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.d.stop(), 0, self.d.stderr_text())


@unittest.skipUnless(have_plugins("monitor") and os.access(STHENOCTL, os.X_OK),
                     "monitor not built")
class SecretTest(unittest.TestCase):
    """The secret file is read again at every auth: emptied or cut short
    while it is rotated, it must refuse everyone, not key the HMAC with
    nothing an attacker cannot guess."""

    def setUp(self):
        self.port = free_port()
        self.d = sthtest.Sthenod()
        self.addCleanup(self.d.cleanup)
        self.addCleanup(Console.close_all)
        self.secret = os.path.join(self.d.dir, "secret")
        self.write(SECRET)
        self.d.extra = ("[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
                        "port=%d\nsecret=%%(here)s/secret\n" % self.port)
        self.d.write_config()
        self.d.start()

    def write(self, data):
        with open(self.secret, "wb") as f:
            f.write(data)
        os.chmod(self.secret, 0o600)

    def try_key(self, key):
        """The first answer to an auth made with key."""
        c = Console(("127.0.0.1", self.port))
        status, body = c.read()
        self.assertEqual(status, 107, body)
        return c, c.cmd(auth_line(c, body, key))

    def test_empty_or_short_secret_refuses_everyone(self):
        for data in (b"", b"ab\n", b"fifteen bytes!\n"):
            self.write(data)
            c, (status, body) = self.try_key(data)
            self.assertNotEqual(status, 200, "%r authenticated" % data)
            self.assertEqual(status, 400, body)
            self.assertIn("secret file", body)
            self.assertTrue(c.closed())
            self.assertTrue(self.d.wait_log(
                r"ERRO monitor: the secret file .*/secret is %d bytes long, "
                r"(less than 16|empty): refusing every authentication"
                % len(data)), self.d.describe())
        # not the clients' fault: no failure counted, no penalty
        self.assertNotIn("failed authentication", self.d.read_log())
        # the new secret is in place: it works at once
        self.write(SECRET)
        c, (status, body) = self.try_key(SECRET)
        self.assertEqual(status, 200, body)
        # a secret cut short is refused at load too
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        with open(os.path.join(d.dir, "s"), "wb") as f:
            f.write(b"short\n")
        d.extra = ("[plugin:monitor]\nport=%d\nsecret=%%(here)s/s\n"
                   % free_port())
        d.write_config()
        d.start(wait=False)
        self.assertEqual(d.wait_exit(10), 2, d.describe())
        self.assertIn("is 6 bytes long: at least 16", d.stderr_text())


def read_frame(sock, buf=b""):
    """(status, body, rest) of one Varnish frame read from sock."""
    while len(buf) < 13 or len(buf) < 14 + int(buf[4:12]):
        data = sock.recv(65536)
        if not data:
            raise EOFError("closed after %r" % buf)
        buf += data
    n = int(buf[4:12])
    return int(buf[:3]), buf[13:13 + n].decode(), buf[14 + n:]


def frame(status, body):
    body = body.encode()
    return b"%-3d %-8d\n%s\n" % (status, len(body), body)


def read_line(sock, buf=b""):
    """(line, rest): one request line read from sock."""
    while b"\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise EOFError("closed after %r" % buf)
        buf += data
    line, rest = buf.split(b"\n", 1)
    return line.decode(), rest


class Squatter(threading.Thread):
    """An attacker's server at a unix path or a TCP port the client was
    told is the monitor's.  It serves one connection; with `relay` (the
    real monitor's TCP port) it is a man in the middle that hands the
    real challenge to the client and the client's answer to the real
    monitor, then tries a command of its own on the real session; without,
    it does not know the secret and fakes the monitor.  What it saw and
    won is in self.lines (the client's lines) and self.hijacked."""

    def __init__(self, addr, relay=None, rewrite=False, greet=107):
        super().__init__(daemon=True)
        family = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
        self.lsock = socket.socket(family, socket.SOCK_STREAM)
        self.lsock.bind(addr)
        self.lsock.listen(4)
        self.lsock.settimeout(15)
        self.addr = addr
        self.relay, self.rewrite, self.greet = relay, rewrite, greet
        self.lines, self.hijacked, self.error = [], None, None
        self.start()

    def endpoint(self):
        if isinstance(self.addr, str):
            return "unix:" + os.path.realpath(self.addr)
        return "tcp:%s:%d" % self.lsock.getsockname()

    def run(self):
        try:
            conn, _ = self.lsock.accept()
            with conn:
                conn.settimeout(10)
                if self.relay:
                    self.man_in_the_middle(conn)
                else:
                    self.fake(conn)
        except (OSError, EOFError) as e:
            self.error = e
        finally:
            self.lsock.close()

    def man_in_the_middle(self, client):
        real = socket.create_connection(("127.0.0.1", self.relay), 10)
        with real:
            status, body, rbuf = read_frame(real)
            if self.rewrite:    # pass its own address off as the monitor's
                body = "\n".join(self.endpoint() if l.startswith(
                    ("tcp:", "unix:")) else l for l in body.split("\n"))
            client.sendall(frame(status, body))
            line, _ = read_line(client)
            self.lines.append(line)
            real.sendall(line.encode() + b"\n")
            status, body, rbuf = read_frame(real, rbuf)
            if status != 200:
                return
            real.sendall(b"rpc supervisor.getState\n")
            self.hijacked = read_frame(real, rbuf)[:2]

    def fake(self, client):
        nonce = os.urandom(16).hex()
        client.sendall(frame(self.greet, nonce + "\n" + self.endpoint() +
                             "\n\nAuthentication required."
                             if self.greet == 107 else "Stheno monitor"))
        buf = b""
        for _ in range(8):
            line, buf = read_line(client, buf)
            self.lines.append(line)
            if line == "challenge":
                client.sendall(frame(107, nonce + "\n" + self.endpoint() +
                                     "\n\nAuthentication required."))
            else:               # any answer is right, any command done
                client.sendall(frame(200, "0" * 64 + "\n\nok"))

    def stop(self):
        self.lsock.close()
        self.join(15)


class Tunnel(threading.Thread):
    """A port forward, as ssh -L makes one: one connection, both ways."""

    def __init__(self, to_port):
        super().__init__(daemon=True)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(15)
        self.port, self.to = self.lsock.getsockname()[1], to_port
        self.start()

    def run(self):
        try:
            a, _ = self.lsock.accept()
            b = socket.create_connection(("127.0.0.1", self.to), 10)
        except OSError:
            return
        finally:
            self.lsock.close()
        with a, b:
            for _ in range(1000):
                r, _, _ = select.select([a, b], [], [], 15)
                if not r:
                    return
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)


@unittest.skipUnless(have_plugins("monitor", "http", "xmlrpc") and
                     os.access(STHENOCTL, os.X_OK), "monitor not built")
class SquatterTest(unittest.TestCase):
    """sthenoctl -S talks only to a monitor that proves it knows the
    secret, and its answer is bound to the address it connected to: a
    server squatting the monitor's path or a port cannot use it against
    the real monitor, nor take commands without the secret."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.d = sthtest.Sthenod()
        cls.secret = os.path.join(cls.d.dir, "secret")
        with open(cls.secret, "wb") as f:
            f.write(SECRET)
        os.chmod(cls.secret, 0o600)
        cls.d.extra = ("[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
                       "port=%d\nsecret=%%(here)s/secret\n"
                       "max_auth_failures=0\n" % cls.port)
        cls.d.write_config()
        cls.d.start_or_cleanup()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def squat(self, where, **kw):
        if where == "unix":
            addr = os.path.join(self.d.dir, "squat%d.sock" % len(
                os.listdir(self.d.dir)))
        else:
            addr = ("127.0.0.1", free_port())
        sq = Squatter(addr, **kw)
        self.addCleanup(sq.stop)
        server = addr if where == "unix" else "127.0.0.1:%d" % addr[1]
        return sq, server

    def sthenoctl(self, server, *args):
        return subprocess.run([STHENOCTL, "-s", server, "-S", self.secret] +
                              list(args), capture_output=True, text=True,
                              timeout=20)

    def test_a_relayed_answer_does_not_authenticate(self):
        for where in ("tcp", "unix"):
            for rewrite in (False, True):
                what = "%s squatter, rewrite=%s" % (where, rewrite)
                failed = len(re.findall("failed authentication",
                                        self.d.read_log()))
                sq, server = self.squat(where, relay=self.port,
                                        rewrite=rewrite)
                r = self.sthenoctl(server, "rpc", "supervisor.getState")
                sq.join(15)
                self.assertIsNone(sq.hijacked, what)
                self.assertNotEqual(r.returncode, 0, what)
                self.assertNotIn("RUNNING", r.stdout, what)
                if rewrite:     # the real monitor saw a wrong answer
                    self.assertTrue(self.d.wait_log(
                        "failed authentication", count=failed + 1), what)
                else:           # sthenoctl saw the address differ
                    self.assertEqual(sq.lines, [], what)
                    self.assertIn("the monitor says it is tcp:127.0.0.1:%d"
                                  % self.port, r.stderr, what)

    def test_a_tunnel_needs_the_monitors_endpoint(self):
        t = Tunnel(self.port)
        r = self.sthenoctl("127.0.0.1:%d" % t.port, "ping")
        t.join(15)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Through a tunnel, give -A", r.stderr)
        t = Tunnel(self.port)
        r = self.sthenoctl("127.0.0.1:%d" % t.port, "-A",
                           "tcp:127.0.0.1:%d" % self.port, "ping")
        t.join(15)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^PONG ")

    def test_a_server_without_the_secret_is_refused(self):
        for where, greet in (("tcp", 107), ("unix", 107), ("unix", 200),
                             ("tcp", 200)):
            what = "%s squatter greeting %d" % (where, greet)
            sq, server = self.squat(where, greet=greet)
            r = self.sthenoctl(server, "rpc", "supervisor.shutdown")
            sq.stop()
            self.assertEqual(r.returncode, 1, what)
            self.assertFalse([l for l in sq.lines if "shutdown" in l],
                             "%s: got the command: %s" % (what, sq.lines))
            self.assertRegex(r.stderr, "the monitor at .* (did not prove|"
                             "did not ask)", what)
        # the real monitor proves itself, on TCP and on the unix socket
        # (where root is trusted without a secret, but sthenoctl -S asks)
        for server in ("127.0.0.1:%d" % self.port,
                       os.path.join(self.d.dir, "mon.sock")):
            r = self.sthenoctl(server, "rpc", "supervisor.getState")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("RUNNING", r.stdout)


class SthenoctlUsage(unittest.TestCase):
    def test_help_and_a_bad_option(self):
        for flag in ("--help", "-h"):
            p = subprocess.run([STHENOCTL, flag], capture_output=True,
                               text=True, timeout=10)
            self.assertEqual(p.returncode, 0, flag)
            self.assertTrue(p.stdout.startswith("usage: sthenoctl "), flag)
            self.assertEqual(p.stderr, "", flag)
        p = subprocess.run([STHENOCTL, "-x"], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertIn("usage: sthenoctl ", p.stderr)


if __name__ == "__main__":
    unittest.main()
