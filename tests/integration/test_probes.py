#!/usr/bin/python3
"""GET /healthz and /readyz (plugins/http/README.md, "Probes"): on every
control server and on an [http_server:x] with probes = true, answered
without credentials; /readyz turns from 503 (a JSON body naming the
program that is not ready) to 200 as a slow program becomes ready, and
nothing else on those servers is opened: a wrong password still gets 401,
a file named readyz is not served in its place.

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_probes.py -v
"""

import base64
import http.client
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

USER, PASS = "admin", "s3cret"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def request(where, path, method="GET", body=None, headers=None):
    """(status, headers, body bytes) of one request; where is a port or a
    unix socket path."""
    if isinstance(where, int):
        c = http.client.HTTPConnection("127.0.0.1", where, timeout=10)
    else:
        c = UnixHTTPConnection(where)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


class Probes(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ctl = sthtest.free_port()
        cls.pub = sthtest.free_port()
        cls.plain = sthtest.free_port()
        cls.d = sthtest.Sthenod()
        top = cls.d.dir
        cls.sock = os.path.join(top, "ctl.sock")
        cls.flag = os.path.join(top, "go")
        cls.root = os.path.join(top, "www")
        os.makedirs(cls.root)
        for name in ("healthz", "readyz"):
            with open(os.path.join(cls.root, name), "w") as f:
                f.write("a file, not a probe\n")
        cls.d.extra = """
[inet_http_server]
port = 127.0.0.1:%(ctl)d
username = %(user)s
password = %(pw)s

[unix_http_server]
file = %(sock)s
username = %(user)s
password = %(pw)s

[http_server:pub]
listen = 127.0.0.1:%(pub)d
probes = true
root = %(root)s
username = %(user)s
password = %(pw)s

[http_server:plain]
listen = 127.0.0.1:%(plain)d
root = %(root)s

[plugin:http]
max_auth_failures = 0

[plugin:files]

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:quick]
command = sleep 1000
startsecs = 0

[program:slow]
command = /bin/sh -c 'while [ ! -e %(flag)s ]; do sleep 0.05; done; echo READY; exec sleep 1000'
startsecs = 0
healthcheck = log:^READY$

[program:manual]
command = sleep 1000
autostart = false
""" % dict(ctl=cls.ctl, pub=cls.pub, plain=cls.plain, user=USER, pw=PASS,
           sock=cls.sock, root=cls.root, flag=cls.flag)
        cls.d.write_config()
        cls.d.start_or_cleanup(log=r"success: slow entered RUNNING")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup()

    def probe_servers(self):
        return (self.ctl, self.sock, self.pub)

    def test_1_not_ready_then_ready(self):
        for where in self.probe_servers():
            st, hdrs, body = request(where, "/readyz")
            self.assertEqual(st, 503, (where, body))
            self.assertEqual(hdrs.get("Content-Type"), "application/json")
            doc = json.loads(body)
            self.assertIs(doc["ready"], False)
            # the program not yet ready, and only it: manual has
            # autostart=false, quick is RUNNING
            self.assertEqual([p["name"] for p in doc["not_ready"]],
                             ["slow"], doc)
            self.assertEqual(doc["not_ready"][0]["state"], "RUNNING")
            self.assertEqual(doc["not_ready"][0]["health"], "starting")
        open(self.flag, "w").close()
        self.assertTrue(sthtest.wait_for(
            lambda: request(self.ctl, "/readyz")[0] == 200, 10),
            self.d.describe())
        for where in self.probe_servers():
            st, _, body = request(where, "/readyz")
            self.assertEqual(st, 200, (where, body))
            self.assertEqual(json.loads(body),
                             {"ready": True, "not_ready": []})

    def test_healthz(self):
        for where in self.probe_servers():
            st, hdrs, body = request(where, "/healthz")
            self.assertEqual((st, body), (200, b"ok\n"), where)
            st, _, body = request(where, "/healthz", method="HEAD")
            self.assertEqual((st, body), (200, b""), where)

    def test_a_stopped_autostart_program_is_not_ready(self):
        # after test_1, everything is ready: stop quick through the RPC
        open(self.flag, "w").close()
        auth = "Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASS)).encode()).decode()
        call = (b"<?xml version='1.0'?><methodCall><methodName>"
                b"supervisor.%s</methodName><params><param><value>"
                b"<string>quick</string></value></param></params>"
                b"</methodCall>")
        hdrs = {"Content-Type": "text/xml", "Authorization": auth}
        st, _, _ = request(self.ctl, "/RPC2", "POST",
                           call % b"stopProcess", hdrs)
        self.assertEqual(st, 200)
        try:
            st, _, body = request(self.ctl, "/readyz")
            self.assertEqual(st, 503, body)
            self.assertIn({"name": "quick", "group": "quick",
                           "state": "STOPPED"},
                          json.loads(body)["not_ready"])
        finally:
            st, _, _ = request(self.ctl, "/RPC2", "POST",
                               call % b"startProcess", hdrs)
            self.assertEqual(st, 200)

    def test_nothing_else_is_opened(self):
        bad = "Basic " + base64.b64encode(b"admin:wrong").decode()
        call = (b"<?xml version='1.0'?><methodCall><methodName>"
                b"supervisor.getState</methodName></methodCall>")
        for where in self.probe_servers():
            st, _, _ = request(where, "/RPC2", "POST", call,
                               {"Content-Type": "text/xml",
                                "Authorization": bad})
            self.assertEqual(st, 401, where)
            for path in ("/", "/healthz/x", "/readyzz", "/readyz/",
                         "/%2e/readyz"):
                st, _, _ = request(where, path)
                self.assertEqual(st, 401, (where, path))
            # a probe answers GET and HEAD only
            st, _, _ = request(where, "/readyz", "POST", b"x")
            self.assertEqual(st, 401, where)
        # the public server's file named readyz is not what a probe gets
        st, _, body = request(self.pub, "/readyz")
        self.assertNotIn(b"a file", body)

    def test_not_on_a_server_without_probes(self):
        st, _, body = request(self.plain, "/readyz")
        self.assertEqual((st, body), (200, b"a file, not a probe\n"))
        st, _, _ = request(self.plain, "/healthz")
        self.assertEqual(st, 200)


if __name__ == "__main__":
    unittest.main()
