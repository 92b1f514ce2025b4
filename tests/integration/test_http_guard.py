#!/usr/bin/python3
"""Control servers against an attacker on 127.0.0.1, with curl,
raw sockets and Python as the attacker, and the real clients as the users
who must notice nothing:

- Basic auth guessing: failures are logged with the peer and the user
  name, and past max_auth_failures the address gets 429 for auth_penalty
  seconds (the monitor's policy, plugins/common/penalty.c), by uid on the
  unix socket; supervisorctl and Ansible with the right password work.
- CSRF: a page of another site (Origin, Sec-Fetch-Site, Referer) or a
  form's content type cannot call /RPC2, /jsonrpc or a web UI action.
- DNS rebinding: a loopback control server answers to local Host names
  only, unless allowed_hosts says more; public servers answer any.
- The web UI's Location cannot be pointed elsewhere by the Host header.

Needs curl; supervisorctl and ansible parts are skipped without them."""

import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port, wait_for  # noqa: E402

CURL = shutil.which("curl")
SUPERVISORCTL = "/usr/bin/supervisorctl"
ANSIBLE = shutil.which("ansible")
USER, PASS = "bob", "tcp-secret"
UNIX_USER, UNIX_PASS = "alice", "unix-secret"
EVIL = "https://evil.example"

PROGRAMS = """
[program:sleeper]
command=/bin/sleep 1000
startsecs=0
"""


def raw(port, data, timeout=10):
    """Send data as is, read until the server closes: (status, head,
    body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.1 (\d+)", head)
    return (int(m.group(1)) if m else 0), head.decode("latin-1"), body


def basic(user, password):
    return "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()


def start(test_cls, extra):
    """sthenod on extra (@DIR@: its folder) and the sleeper, as
    test_cls.d."""
    d = sthtest.Sthenod()
    d.extra = extra.replace("@DIR@", d.dir) + PROGRAMS
    d.write_config()
    d.start_or_cleanup(log=r"success: sleeper entered RUNNING")
    test_cls.d = d


def stop(test_cls):
    test_cls.d.stop_and_cleanup()


@unittest.skipUnless(CURL, "needs curl")
class Penalties(unittest.TestCase):
    """[inet_http_server] and [unix_http_server] with auth; auth_penalty
    is 2 s on TCP so that a test can wait one out."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        extra = """
[inet_http_server]
port=127.0.0.1:%(port)d
username=%(user)s
password=%(pw)s
max_auth_failures=3
auth_penalty=2

[unix_http_server]
file=@DIR@/ctl.sock
username=%(uuser)s
password=%(upw)s
max_auth_failures=2
auth_penalty=60

[plugin:metrics]

[supervisorctl]
serverurl=http://127.0.0.1:%(port)d
username=%(user)s
password=%(pw)s
""" % dict(port=cls.port, user=USER, pw=PASS, uuser=UNIX_USER,
           upw=UNIX_PASS)
        start(cls, extra)
        cls.sock = os.path.join(cls.d.dir, "ctl.sock")

    @classmethod
    def tearDownClass(cls):
        stop(cls)

    def curl(self, *args, unix=False):
        """curl's status code and body for / (GET)."""
        where = (["--unix-socket", self.sock, "http://localhost/"] if unix
                 else ["http://127.0.0.1:%d/" % self.port])
        p = subprocess.run([CURL, "-sS", "-o", "-", "-w", "\n%{http_code}",
                            "-D", "-", "--max-time", "10"] + list(args) +
                           where, capture_output=True, text=True,
                           timeout=20)
        out, _, code = p.stdout.rpartition("\n")
        return int(code), out

    def wait_clear(self):
        """Wait out a penalty earlier tests left: the right password is let
        in again, which also forgets the failures."""
        self.assertTrue(wait_for(
            lambda: self.curl("-u", "%s:%s" % (USER, PASS))[0] == 200,
            timeout=30, interval=0.2), self.d.describe())

    def failures_logged(self):
        return re.findall(r"WARN http: server 'inet_http_server': failed "
                          r"authentication for user '([^']*)' from "
                          r"127\.0\.0\.1:\d+", self.d.read_log())

    def test_guessing_is_logged_then_refused_with_429(self):
        self.wait_clear()
        before = len(self.failures_logged())
        for i in range(3):
            code, _ = self.curl("-u", "%s:guess%d" % (USER, i))
            self.assertEqual(code, 401)
        # the right password now is refused too: nothing is checked (a
        # socket, not a curl to start, well inside the 2 s)
        code, head, body = raw(self.port, (
            "GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\n"
            "\r\n" % basic(USER, PASS)).encode())
        self.assertEqual(code, 429, head)
        self.assertRegex(head, r"\r\nRetry-After: [12]\r\n")
        self.assertIn(b"Too many failed authentications", body)
        self.assertEqual(self.failures_logged()[before:], [USER] * 3)
        self.assertTrue(self.d.wait_log(
            r"WARN http: server 'inet_http_server': refusing 127\.0\.0\.1 "
            r"for 2 s: too many failed authentications"))
        # the user name offered is logged, escaped
        self.wait_clear()
        self.curl("-u", "r\x01oot:x")
        self.assertTrue(self.d.wait_log(r"failed authentication for user "
                                        r"'r\\x01oot' from 127\.0\.0\.1"))
        # served, the penalty ends by itself
        self.wait_clear()
        # and the counts are in /metrics
        out = subprocess.run(
            [CURL, "-sS", "--fail", "-u", "%s:%s" % (USER, PASS),
             "http://127.0.0.1:%d/metrics" % self.port], capture_output=True,
            text=True, timeout=20).stdout
        m = re.search(r'^stheno_http_auth_failures_total\{server='
                      r'"inet_http_server"\} (\d+)$', out, re.M)
        self.assertIsNotNone(m, out)
        self.assertGreaterEqual(int(m.group(1)), 4)
        m = re.search(r'^stheno_http_penalty_refused_total\{server='
                      r'"inet_http_server"\} (\d+)$', out, re.M)
        self.assertGreaterEqual(int(m.group(1)), 1)

    def test_no_credentials_count_for_nothing(self):
        self.wait_clear()
        for _ in range(6):
            code, out = self.curl()
            self.assertEqual(code, 401, out)
            self.assertIn('WWW-Authenticate: Basic realm="default"', out)

    def test_unix_socket_penalty_is_the_uid_s(self):
        self.wait_clear()
        for i in range(2):
            code, _ = self.curl("-u", "%s:bad%d" % (UNIX_USER, i),
                                unix=True)
            self.assertEqual(code, 401)
        code, out = self.curl("-u", "%s:%s" % (UNIX_USER, UNIX_PASS),
                              unix=True)
        self.assertEqual(code, 429, out)
        self.assertTrue(self.d.wait_log(
            r"server 'unix_http_server': failed authentication for user "
            r"'alice' from unix \(pid \d+, uid %d\)" % os.getuid()))
        self.assertTrue(self.d.wait_log(
            r"server 'unix_http_server': refusing uid %d for 60 s"
            % os.getuid()))
        # the TCP server keeps its own count
        code, _ = self.curl("-u", "%s:%s" % (USER, PASS))
        self.assertEqual(code, 200)

    @unittest.skipUnless(os.access(SUPERVISORCTL, os.X_OK),
                         "needs Debian's supervisorctl")
    def test_supervisorctl_with_the_right_password_is_unchanged(self):
        self.wait_clear()
        for _ in range(5):
            p = subprocess.run([SUPERVISORCTL, "-c", self.d.conf, "status"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertRegex(p.stdout, r"sleeper\s+RUNNING")
        p = subprocess.run([SUPERVISORCTL, "-c", self.d.conf, "-p", "nope",
                            "status"], capture_output=True, text=True,
                           timeout=30)
        self.assertIn("Server requires authentication", p.stdout)
        self.wait_clear()

    @unittest.skipUnless(ANSIBLE and os.access(SUPERVISORCTL, os.X_OK),
                         "needs ansible (community.general) and "
                         "supervisorctl")
    def test_ansible_supervisorctl_module(self):
        self.wait_clear()
        args = ("name=sleeper state=restarted server_url=http://127.0.0.1:%d"
                " username=%s password=%s" % (self.port, USER, PASS))
        env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="False",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
                   ANSIBLE_NOCOLOR="1", HOME=self.d.dir)
        p = subprocess.run([ANSIBLE, "localhost", "-c", "local", "-m",
                            "community.general.supervisorctl", "-a", args],
                           capture_output=True, text=True, timeout=120,
                           env=env, cwd=self.d.dir)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn('"changed": true', p.stdout)
        self.assertTrue(self.d.wait_log(r"success: sleeper entered RUNNING",
                                        count=2))


@unittest.skipUnless(CURL, "needs curl")
class Browsers(unittest.TestCase):
    """A loopback control server without auth (supervisord's usual
    127.0.0.1:9001), a pinned one, and a public server."""

    @classmethod
    def setUpClass(cls):
        cls.port, cls.pinned, cls.pub = free_port(), free_port(), free_port()
        start(cls, """
[inet_http_server]
port=127.0.0.1:%d

[inet_http_server:pinned]
port=127.0.0.1:%d
allowed_hosts=ctl.example.com, .corp.example

[http_server:pub]
listen=127.0.0.1:%d

[plugin:http]
ping=true
""" % (cls.port, cls.pinned, cls.pub))
        cls.rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2"
                                            % cls.port)

    @classmethod
    def tearDownClass(cls):
        stop(cls)

    def setUp(self):
        # every attack is tried on a running sleeper
        if self.rpc.supervisor.getProcessInfo("sleeper")["statename"] != \
                "RUNNING":
            self.rpc.supervisor.startProcess("sleeper")

    def state(self):
        return self.rpc.supervisor.getProcessInfo("sleeper")["statename"]

    def post(self, path, body, headers, port=None):
        c = http.client.HTTPConnection("127.0.0.1", port or self.port,
                                       timeout=30)
        c.request("POST", path, body, headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def stop_json(self):
        return json.dumps({"jsonrpc": "2.0", "id": 1,
                           "method": "supervisor.stopProcess",
                           "params": ["sleeper"]})

    def stop_xml(self):
        return xmlrpc.client.dumps(("sleeper",), "supervisor.stopProcess")

    # --- CSRF ------------------------------------------------------------

    def test_a_form_of_another_site_cannot_call_jsonrpc(self):
        # what <form enctype="text/plain"> on evil.example posts
        status, _ = self.post("/jsonrpc", self.stop_json(), {
            "Content-Type": "text/plain", "Origin": EVIL})
        self.assertEqual(status, 403)
        # even with the right type (a CORS preflight would not be answered)
        status, _ = self.post("/jsonrpc", self.stop_json(), {
            "Content-Type": "application/json", "Origin": EVIL})
        self.assertEqual(status, 403)
        # a browser too old to send Origin: the type alone stops it
        status, _ = self.post("/jsonrpc", self.stop_json(), {
            "Content-Type": "text/plain"})
        self.assertEqual(status, 415)
        status, _ = self.post("/RPC2", self.stop_xml(), {
            "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 415)
        status, _ = self.post("/RPC2", self.stop_xml(), {
            "Content-Type": "text/xml", "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(status, 403)
        # another port of the same host is another origin, same site
        status, _ = self.post("/RPC2", self.stop_xml(), {
            "Content-Type": "text/xml", "Sec-Fetch-Site": "same-site",
            "Origin": "http://127.0.0.1:%d" % self.pub})
        self.assertEqual(status, 403)
        self.assertEqual(self.state(), "RUNNING")
        self.assertTrue(self.d.wait_log(r"WARN RPC request from 127\.0\.0\.1"
                                        r":\d+ refused: .*Origin: "
                                        r"https://evil\.example"))

    def test_the_same_origin_and_non_browsers_go_through(self):
        status, data = self.post("/jsonrpc", json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "supervisor.getState"}), {
            "Content-Type": "application/json; charset=utf-8",
            "Origin": "http://127.0.0.1:%d" % self.port,
            "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(status, 200, data)
        # curl as its users write it for each endpoint
        p = subprocess.run([CURL, "-sS", "--max-time", "10", "-H",
                            "Content-Type: text/xml", "--data-binary",
                            xmlrpc.client.dumps((), "supervisor.getState"),
                            "http://127.0.0.1:%d/RPC2" % self.port],
                           capture_output=True, text=True, timeout=20)
        self.assertIn("<name>statename</name>", p.stdout, p.stderr)
        p = subprocess.run([CURL, "-sS", "--max-time", "10", "--json",
                            '{"jsonrpc":"2.0","id":1,'
                            '"method":"supervisor.getState"}',
                            "http://127.0.0.1:%d/jsonrpc" % self.port],
                           capture_output=True, text=True, timeout=20)
        self.assertIn('"statename"', p.stdout, p.stderr)
        self.assertEqual(self.rpc.supervisor.getState()["statename"],
                         "RUNNING")
        if os.access(SUPERVISORCTL, os.X_OK):
            p = subprocess.run([SUPERVISORCTL, "-s", "http://127.0.0.1:%d"
                                % self.port, "status"], capture_output=True,
                               text=True, timeout=30)
            self.assertRegex(p.stdout, r"sleeper\s+RUNNING", p.stderr)

    def ui_action(self, query, headers):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/index.html?" + query, headers=headers)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status

    def test_web_ui_actions_from_another_site_are_refused(self):
        # <img src="http://127.0.0.1:9001/index.html?...&action=stop">
        self.assertEqual(self.ui_action("processname=sleeper&action=stop",
                                        {"Sec-Fetch-Site": "cross-site"}),
                         403)
        self.assertEqual(self.ui_action("processname=sleeper&action=stop",
                                        {"Referer": EVIL + "/page"}), 403)
        status, _ = self.post("/index.html", "processname=sleeper&"
                              "action=stop", {
                                  "Content-Type":
                                  "application/x-www-form-urlencoded",
                                  "Origin": EVIL})
        self.assertEqual(status, 403)
        self.assertEqual(self.state(), "RUNNING")
        self.assertTrue(self.d.wait_log(r"WARN webui: action from "
                                        r"127\.0\.0\.1:\d+ refused"))
        # the page's own links, and a link followed to the page, still work
        here = "http://127.0.0.1:%d" % self.port
        self.assertEqual(self.ui_action("action=refresh", {
            "Sec-Fetch-Site": "same-origin", "Referer": here + "/"}), 301)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/", headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    # --- DNS rebinding ---------------------------------------------------

    def host_status(self, port, host, path="/stheno/ping"):
        status, _, _ = raw(port, ("GET %s HTTP/1.1\r\nHost: %s\r\n"
                                  "Connection: close\r\n\r\n"
                                  % (path, host)).encode())
        return status

    def test_a_rebound_name_does_not_reach_a_loopback_control_server(self):
        # evil.example now resolves to 127.0.0.1: the browser's request is
        # same-origin, only its Host gives it away
        status, _ = self.post("/jsonrpc", self.stop_json(), {
            "Host": "evil.example:%d" % self.port,
            "Content-Type": "application/json",
            "Origin": "http://evil.example:%d" % self.port})
        self.assertEqual(status, 421)
        self.assertEqual(self.state(), "RUNNING")
        self.assertTrue(self.d.wait_log(r"does not answer to Host "
                                        r"'evil\.example:\d+'"))
        for host in ("127.0.0.1:%d" % self.port, "localhost:%d" % self.port,
                     "[::1]:%d" % self.port, "myhost", "app.localhost"):
            self.assertEqual(self.host_status(self.port, host), 200, host)
        # allowed_hosts adds names; addresses stay accepted
        for host, want in (("ctl.example.com", 200), ("a.corp.example", 200),
                           ("corp.example:80", 200), ("evil.example", 421),
                           ("127.0.0.1", 200)):
            self.assertEqual(self.host_status(self.pinned, host), want, host)
        # a public server answers any name, as supervisord's do
        self.assertEqual(self.host_status(self.pub, "evil.example"), 200)

    # --- the Location of a 301 -----------------------------------------

    def test_host_header_cannot_redirect_elsewhere(self):
        for host in ("a@evil.com/x?", "evil.com/", "x y", "a\\@b"):
            status, head, _ = raw(self.port, (
                "GET /index.html?action=refresh HTTP/1.1\r\nHost: %s\r\n"
                "Connection: close\r\n\r\n" % host).encode())
            self.assertEqual(status, 400, host)
            self.assertNotIn("Location", head)
        status, head, _ = raw(self.port, (
            "GET /index.html?action=refresh HTTP/1.1\r\nHost: 127.0.0.1:%d"
            "\r\nConnection: close\r\n\r\n" % self.port).encode())
        self.assertEqual(status, 301)
        self.assertIn("Location: http://127.0.0.1:%d/?message=Page"
                      % self.port, head)
        # an empty Host is RFC 9112's for a URI without an authority
        # (supervisorctl's tail -f over a unix socket sends it)
        status, _, _ = raw(self.port, b"GET /stheno/ping HTTP/1.1\r\n"
                           b"Host: \r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)
        # two Host headers are a 400 too (RFC 9112)
        status, _, _ = raw(self.port, b"GET / HTTP/1.1\r\nHost: localhost\r\n"
                           b"Host: evil.example\r\n\r\n")
        self.assertEqual(status, 400)


if __name__ == "__main__":
    unittest.main()
