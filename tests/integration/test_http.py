"""test_http.py — the HTTP server core (plugins/http) through a running
sthenod, driven by curl, Python's http.client and raw sockets.

Every header behaviour of the server: keep-alive (1.1 default, 1.0 with
Connection: keep-alive, Connection: close), pipelining, chunked request
bodies and chunked responses, HEAD, the caps (414, 431, 413), the idle and
header timeouts (a slowloris client dropped while another is served), the
connection cap, 400/405/501/505, Basic auth on [inet_http_server] ({SHA})
and [unix_http_server] (plain) with supervisord's exact 401, the access log
line, and control endpoints that public servers never expose.

A second class loads and unloads the files extension over XML-RPC while wrk
runs against it: no crash, no failed request but 404s after the unload.
"""

import hashlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

USER = "alice"
SHA_PASS = "s3cret-sha"
PLAIN_PASS = "pl@in pass"



def curl(args, timeout=20):
    """(status, [(name, value)...] in order, body) of the last response
    curl printed with -D -; the rest of stderr in .verbose if -v."""
    # with -I the head is the output: -D - would print it twice, mixed
    dump = [] if "-I" in args else ["-D", "-"]
    p = subprocess.run(["curl", "-s"] + dump + ["--max-time", "10"] +
                       list(args), capture_output=True, timeout=timeout)
    out = p.stdout
    # -D - puts every response head first; the body follows the last one
    heads = []
    rest = out
    while rest.startswith(b"HTTP/"):
        head, _, rest = rest.partition(b"\r\n\r\n")
        heads.append(head)
    if not heads:
        raise AssertionError("no response from curl %r: %r %r" %
                             (args, out, p.stderr))
    lines = heads[-1].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = [tuple(x.strip() for x in ln.split(":", 1)) for ln in lines[1:]]
    return status, hdrs, rest, p.stderr.decode("latin-1", "replace")


def hget(hdrs, name):
    for k, v in hdrs:
        if k.lower() == name.lower():
            return v
    return None


class Raw:
    """A raw client socket that parses responses itself (for pipelining,
    HEAD, HTTP/1.0 and malformed requests)."""

    def __init__(self, port=None, path=None, timeout=5):
        if path is not None:
            self.s = socket.socket(socket.AF_UNIX)
            self.s.settimeout(timeout)
            self.s.connect(path)
        else:
            self.s = socket.create_connection(("127.0.0.1", port),
                                              timeout=timeout)
        self.buf = b""
        self.eof = False

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        b = self.s.recv(65536)
        if not b:
            self.eof = True
            raise EOFError("connection closed")
        self.buf += b

    def read_response(self, head_request=False):
        """(status, headers dict lower-cased, raw head, body) of the next
        response; the body by Content-Length, chunked or until EOF."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        h = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            h[k.strip().lower()] = v.strip()
        if head_request or status in (204, 304) or status < 200:
            return status, h, head, b""
        if "content-length" in h:
            n = int(h["content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        elif h.get("transfer-encoding") == "chunked":
            body = self.read_chunked()
        else:
            try:
                while True:
                    self._fill()
            except EOFError:
                pass
            body, self.buf = self.buf, b""
        return status, h, head, body

    def read_chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, _, self.buf = self.buf.partition(b"\r\n")
            n = int(line.split(b";")[0], 16)
            while len(self.buf) < n + 2:
                self._fill()
            body += self.buf[:n]
            assert self.buf[n:n + 2] == b"\r\n", self.buf[:n + 2]
            self.buf = self.buf[n + 2:]
            if n == 0:
                return body

    def closed_by_peer(self, timeout=5):
        """True if the server closes the connection within timeout
        (bytes that arrive meanwhile are kept)."""
        self.s.settimeout(timeout)
        try:
            while True:
                self._fill()
        except EOFError:
            return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.s.close()


def request(port, data, path=None):
    """Send data on a new connection, return the first response."""
    r = Raw(port, path)
    try:
        r.send(data)
        return r.read_response(data.startswith(b"HEAD"))
    finally:
        r.close()


class HttpCore(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ctl = free_port()       # [inet_http_server], {SHA} password
        cls.www = free_port()       # public, files, access log
        cls.bare = free_port()      # public, no root: only ping
        cls.slow = free_port()      # short timeouts
        cls.capped = free_port()    # max_connections = 3
        cls.d = sthtest.Sthenod()
        top = cls.d.dir
        cls.sock = os.path.join(top, "ctl.sock")
        cls.pubsock = os.path.join(top, "pub.sock")
        cls.root = os.path.join(top, "www")
        os.makedirs(cls.root)
        cls.index = b"<h1>index</h1>\n"
        with open(os.path.join(cls.root, "index.html"), "wb") as f:
            f.write(cls.index)
        with open(os.path.join(cls.root, "big.bin"), "wb") as f:
            f.write(os.urandom(300000))
        cls.www_log = os.path.join(top, "www-access.log")
        cls.ctl_log = os.path.join(top, "ctl-access.log")
        sha = hashlib.sha1(SHA_PASS.encode()).hexdigest()
        cls.d.extra = """
[inet_http_server]
port = 127.0.0.1:%(ctl)d
username = %(user)s
password = {SHA}%(sha)s

[unix_http_server]
file = %(sock)s
username = %(user)s
password = %(plain)s

[http_server:www]
listen = 127.0.0.1:%(www)d
root = %(root)s
access_log = %(wwwlog)s
max_body = 4096

[http_server:bare]
listen = 127.0.0.1:%(bare)d

[http_server:pubsock]
listen = %(pubsock)s
max_body = 4096

[http_server:slow]
listen = 127.0.0.1:%(slow)d
idle_timeout = 1
header_timeout = 1

[http_server:capped]
listen = 127.0.0.1:%(capped)d
max_connections = 3

[plugin:http]
ping = true
control_access_log = %(ctllog)s
; wrong passwords are tried on purpose here: no penalties (those are
; test_http_guard.py's)
max_auth_failures = 0

[plugin:files]
[plugin:status]
[plugin:metrics]

[program:talker]
command = /bin/sh -c 'echo hello-from-talker; exec sleep 1000'
startsecs = 0
""" % dict(ctl=cls.ctl, user=USER, sha=sha, sock=cls.sock,
           plain=PLAIN_PASS, www=cls.www, root=cls.root,
           wwwlog=cls.www_log, bare=cls.bare, slow=cls.slow,
           capped=cls.capped, ctllog=cls.ctl_log, pubsock=cls.pubsock)
        cls.d.write_config()
        cls.d.start_or_cleanup(log=(r"plugin 'metrics' .*loaded",
                                    r"success: talker entered RUNNING"))

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup()

    def setUp(self):
        self.assertIsNone(self.d.proc.poll(), "sthenod died:\n%s" %
                          self.d.describe())

    def url(self, port, path):
        return "http://127.0.0.1:%d%s" % (port, path)

    def auth(self, password=SHA_PASS):
        return ["-u", "%s:%s" % (USER, password)]

    # ---------------------------------------------------------- keep-alive

    def test_keepalive_http11_default(self):
        c = http.client.HTTPConnection("127.0.0.1", self.www, timeout=5)
        try:
            socks = []
            for path in ("/index.html", "/stheno/ping", "/index.html"):
                c.request("GET", path)
                resp = c.getresponse()
                body = resp.read()
                self.assertEqual(resp.status, 200)
                self.assertIsNone(resp.getheader("Connection"))
                self.assertFalse(resp.will_close)
                socks.append(c.sock)
            self.assertEqual(body, self.index)
            # one TCP connection served all three
            self.assertIs(socks[0], socks[1])
            self.assertIs(socks[1], socks[2])
        finally:
            c.close()
        # curl says so too
        _, _, _, err = curl(["-v", self.url(self.www, "/index.html"),
                             self.url(self.www, "/stheno/ping")])
        self.assertIn("Re-using existing connection", err)

    def test_keepalive_http10(self):
        # 1.0 without Connection: keep-alive is closed after the answer
        r = Raw(self.www)
        r.send(b"GET /index.html HTTP/1.0\r\n\r\n")
        st, h, _, body = r.read_response()
        self.assertEqual((st, body), (200, self.index))
        self.assertEqual(h.get("connection"), "close")
        self.assertTrue(r.closed_by_peer(3))
        r.close()
        # 1.0 with it: Connection: Keep-Alive and the socket stays
        r = Raw(self.www)
        for _ in range(3):
            r.send(b"GET /index.html HTTP/1.0\r\n"
                   b"Connection: keep-alive\r\n\r\n")
            st, h, _, body = r.read_response()
            self.assertEqual((st, body), (200, self.index))
            self.assertEqual(h.get("connection"), "Keep-Alive")
        self.assertFalse(r.closed_by_peer(0.5))
        r.close()
        _, _, _, err = curl(["-v", "--http1.0", "-H",
                             "Connection: keep-alive",
                             self.url(self.www, "/index.html"),
                             self.url(self.www, "/index.html")])
        self.assertIn("Re-using existing connection", err)

    def test_connection_close(self):
        r = Raw(self.www)
        r.send(b"GET /index.html HTTP/1.1\r\nHost: x\r\n"
               b"Connection: close\r\n\r\n")
        st, h, _, body = r.read_response()
        self.assertEqual((st, body), (200, self.index))
        self.assertEqual(h.get("connection"), "close")
        self.assertTrue(r.closed_by_peer(3))
        self.assertEqual(r.buf, b"")
        r.close()
        c = http.client.HTTPConnection("127.0.0.1", self.www, timeout=5)
        c.request("GET", "/index.html", headers={"Connection": "close"})
        resp = c.getresponse()
        self.assertEqual(resp.read(), self.index)
        self.assertTrue(resp.will_close)
        c.close()

    # ----------------------------------------------------------- pipelining

    def test_pipelining_in_order(self):
        r = Raw(self.www)
        reqs = [("GET", "/stheno/ping"), ("GET", "/index.html"),
                ("HEAD", "/big.bin"), ("GET", "/missing"),
                ("GET", "/big.bin"), ("GET", "/stheno/ping")]
        data = b"".join(b"%s %s HTTP/1.1\r\nHost: x\r\n\r\n" %
                        (m.encode(), p.encode()) for m, p in reqs)
        r.send(data)          # one send: several requests in one segment
        got = [r.read_response(m == "HEAD") for m, _ in reqs]
        self.assertEqual([g[0] for g in got], [200, 200, 200, 404, 200, 200])
        self.assertEqual(got[0][3], b"pong\n")
        self.assertEqual(got[1][3], self.index)
        self.assertEqual((got[2][1]["content-length"], got[2][3]),
                         ("300000", b""))
        self.assertIn(b"Error code 404", got[3][3])
        self.assertEqual(len(got[4][3]), 300000)
        self.assertEqual(got[5][3], b"pong\n")
        self.assertFalse(r.closed_by_peer(0.3))
        self.assertEqual(r.buf, b"")
        # and byte by byte
        r.send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
        for _ in range(2):
            self.assertEqual(r.read_response()[3], b"pong\n")
        r.close()

    # ------------------------------------------------------------- chunked

    def rpc_body(self, method):
        return xmlrpc.client.dumps((), method).encode()

    def test_chunked_request_body(self):
        # the web UI takes its form from a POST body: a message split
        # across chunks (with an extension and a trailer) comes back whole
        body = b"message=chunked%20body%20arrived%20whole"
        chunks = [body[:7], body[7:8], body[8:20], body[20:]]
        data = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in chunks)
        data += b"0\r\nX-Trailer: yes\r\n\r\n"
        r = Raw(path=self.sock)
        r.send(b"POST /index.html HTTP/1.1\r\nHost: x\r\n"
               b"Authorization: Basic %s\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" %
               self.basic(PLAIN_PASS) + data)
        st, h, _, page = r.read_response()
        self.assertEqual(st, 200, page)
        self.assertIn(b"chunked body arrived whole", page)
        # the connection goes on after the chunked body
        r.send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n"
               b"Authorization: Basic %s\r\n\r\n" % self.basic(PLAIN_PASS))
        self.assertEqual(r.read_response()[3], b"pong\n")
        r.close()
        # curl sends chunked when told to
        p = subprocess.run(
            ["curl", "-s", "--max-time", "10"] + self.auth() +
            ["-H", "Transfer-Encoding: chunked", "--data-binary", "@-",
             self.url(self.ctl, "/index.html")],
            input=b"message=from%20curl%20chunked", capture_output=True,
            timeout=20)
        self.assertIn(b"from curl chunked", p.stdout)
        # XML-RPC wants a Content-Length, as supervisord's does (411);
        # with one it answers
        rpc = self.rpc_body("supervisor.getAPIVersion")
        st, _, _, _ = request(self.ctl, b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n"
                              b"Authorization: Basic %s\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n"
                              b"%x\r\n%s\r\n0\r\n\r\n" %
                              (self.basic(SHA_PASS), len(rpc), rpc))
        self.assertEqual(st, 411)
        st, _, _, out = request(self.ctl, b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n"
                                b"Authorization: Basic %s\r\n"
                                b"Content-Type: text/xml\r\n"
                                b"Content-Length: %d\r\n\r\n%s" %
                                (self.basic(SHA_PASS), len(rpc), rpc))
        self.assertEqual((st, xmlrpc.client.loads(out)[0][0]), (200, "3.0"))

    def test_chunked_body_over_cap_is_413(self):
        r = Raw(self.www)
        r.send(b"POST /stheno/ping HTTP/1.1\r\nHost: x\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" +
               b"800\r\n" + b"x" * 0x800 + b"\r\n" +
               b"800\r\n" + b"x" * 0x800 + b"\r\n" +
               b"800\r\n" + b"x" * 0x800 + b"\r\n")
        st, h, _, _ = r.read_response()
        self.assertEqual(st, 413)
        self.assertEqual(h.get("connection"), "close")
        self.assertTrue(r.closed_by_peer(3))
        r.close()

    def test_chunked_response(self):
        # /logtail streams with chunked encoding on a control server
        r = Raw(self.ctl)
        r.send(b"GET /logtail/talker HTTP/1.1\r\nHost: x\r\n"
               b"Authorization: Basic %s\r\n\r\n" % self.basic(SHA_PASS))
        while b"hello-from-talker" not in r.buf:
            r._fill()
        head, _, rest = r.buf.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK\r\n"), head)
        self.assertIn(b"\r\nTransfer-Encoding: chunked", head)
        self.assertNotIn(b"Content-Length", head)
        # a chunk: hex size, CRLF, data, CRLF
        m = re.match(rb"([0-9a-f]+)\r\n", rest)
        self.assertIsNotNone(m, rest)
        n = int(m.group(1), 16)
        self.assertEqual(rest[m.end():m.end() + n],
                         b"hello-from-talker\n")
        r.close()
        # http.client decodes it
        c = http.client.HTTPConnection("127.0.0.1", self.ctl, timeout=5)
        c.request("GET", "/logtail/talker",
                  headers={"Authorization": "Basic " +
                           self.basic(SHA_PASS).decode()})
        resp = c.getresponse()
        self.assertTrue(resp.chunked)
        self.assertEqual(resp.read1(100), b"hello-from-talker\n")
        c.close()

    def test_http10_stream_is_close_delimited(self):
        r = Raw(self.ctl)
        r.send(b"GET /logtail/talker HTTP/1.0\r\nConnection: keep-alive\r\n"
               b"Authorization: Basic %s\r\n\r\n" % self.basic(SHA_PASS))
        while b"hello-from-talker" not in r.buf:
            r._fill()
        head, _, rest = r.buf.partition(b"\r\n\r\n")
        self.assertNotIn(b"Transfer-Encoding", head)
        self.assertIn(b"Connection: close", head)
        self.assertEqual(rest, b"hello-from-talker\n")
        r.close()

    # ---------------------------------------------------------------- HEAD

    def test_head_has_no_body(self):
        for port, path, auth in ((self.www, "/index.html", None),
                                 (self.www, "/big.bin", None),
                                 (self.www, "/missing", None),
                                 (self.bare, "/stheno/ping", None),
                                 (self.ctl, "/status", SHA_PASS)):
            r = Raw(port)
            a = b""
            if auth:
                a = b"Authorization: Basic %s\r\n" % self.basic(auth)
            r.send(b"HEAD %s HTTP/1.1\r\nHost: x\r\n%s\r\n"
                   b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n%s"
                   b"Connection: close\r\n\r\n" % (path.encode(), a, a))
            st, h, _, _ = r.read_response(head_request=True)
            self.assertIn(st, (200, 404), path)
            if st == 200 and path != "/status":
                self.assertGreater(int(h["content-length"]), 0, path)
            # the next bytes are the next response, nothing in between
            st2, _, _, body = r.read_response()
            self.assertEqual((st2, body), (200, b"pong\n"), path)
            self.assertTrue(r.closed_by_peer(3))
            self.assertEqual(r.buf, b"")
            r.close()
        st, h, body, _ = curl(["-I", self.url(self.www, "/big.bin")])
        self.assertEqual((st, hget(h, "Content-Length"), body),
                         (200, "300000", b""))

    # -------------------------------------------------------------- limits

    def test_request_line_too_long_is_414(self):
        st, h, _, body = request(
            self.www, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(st, 414)
        self.assertEqual(h.get("connection"), "close")
        self.assertIn(b"Error code 414", body)
        st, _, _, _ = curl([self.url(self.www, "/" + "a" * 9000)])
        self.assertEqual(st, 414)

    def test_header_too_large_is_431(self):
        # one line over max_line (8 KiB)
        st, h, _, _ = request(self.www, b"GET / HTTP/1.1\r\nHost: x\r\n"
                              b"X-Big: " + b"b" * 9000 + b"\r\n\r\n")
        self.assertEqual((st, h.get("connection")), (431, "close"))
        # lines each under the cap, the head over max_head (64 KiB)
        hdrs = b"".join(b"X-H%d: %s\r\n" % (i, b"h" * 7000)
                        for i in range(10))
        st, _, _, _ = request(self.www, b"GET / HTTP/1.1\r\nHost: x\r\n" +
                              hdrs + b"\r\n")
        self.assertEqual(st, 431)
        # more than max_headers (100)
        hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(120))
        st, _, _, _ = request(self.www, b"GET / HTTP/1.1\r\n" + hdrs +
                              b"\r\n")
        self.assertEqual(st, 431)
        # curl too
        st, _, _, _ = curl(["-H", "X-Big: " + "c" * 9000,
                            self.url(self.www, "/")])
        self.assertEqual(st, 431)
        # under the caps: fine
        st, _, _, body = request(self.www, b"GET / HTTP/1.1\r\nHost: x\r\n"
                                 b"X-Ok: " + b"o" * 8000 + b"\r\n"
                                 b"Connection: close\r\n\r\n")
        self.assertEqual((st, body), (200, self.index))

    def test_body_too_large_is_413(self):
        # max_body = 4096 on www: refused from Content-Length, unread
        r = Raw(self.www)
        r.send(b"POST /stheno/ping HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 5000\r\n\r\n")
        st, h, _, body = r.read_response()
        self.assertEqual((st, h.get("connection")), (413, "close"))
        self.assertIn(b"Error code 413", body)
        self.assertTrue(r.closed_by_peer(3))
        r.close()
        p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w",
                            "%{http_code}", "--data-binary", "@-",
                            self.url(self.www, "/stheno/ping")],
                           input=b"z" * 10000, capture_output=True,
                           timeout=20)
        self.assertEqual(p.stdout, b"413")
        # at the cap the body is read and the handler answers
        st, h, _, _ = request(self.www, b"POST /stheno/ping HTTP/1.1\r\n"
                              b"Host: x\r\nContent-Length: 4096\r\n\r\n" +
                              b"y" * 4096)
        self.assertEqual(st, 405)

    def test_refused_body_still_sent_gets_the_answer(self):
        # The server answers 413 from the head, and the client goes on
        # sending the body it announced.  On a unix socket a close on
        # unread bytes would fail that send (EPIPE) and lose the answer;
        # the server lingers: half-closes, discards, then closes.
        r = Raw(path=self.pubsock)
        r.send(b"POST /stheno/ping HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 200000\r\n\r\n")
        st, h, _, _ = r.read_response()
        self.assertEqual((st, h.get("connection")), (413, "close"))
        time.sleep(0.2)
        r.send(b"x" * 200000)       # no BrokenPipeError
        self.assertTrue(r.closed_by_peer(5))
        self.assertEqual(r.buf, b"")
        r.close()
        # a 400 with more garbage behind it, the same
        r = Raw(path=self.pubsock)
        r.send(b"GET / HTTP/1.1\r\nBad header\r\n\r\n")
        self.assertEqual(r.read_response()[0], 400)
        r.send(b"more junk\r\n" * 1000)
        self.assertTrue(r.closed_by_peer(5))
        r.close()
        # and one that never closes its side is dropped after a while
        r = Raw(path=self.pubsock)
        r.send(b"POST /stheno/ping HTTP/1.1\r\nContent-Length: 9999\r\n"
               b"\r\n")
        self.assertEqual(r.read_response()[0], 413)
        t0 = time.monotonic()
        self.assertTrue(r.closed_by_peer(10))
        self.assertLess(time.monotonic() - t0, 5)
        r.close()

    def test_idle_keepalive_connection_is_closed(self):
        r = Raw(self.slow)
        r.send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(r.read_response()[3], b"pong\n")
        t0 = time.monotonic()
        self.assertTrue(r.closed_by_peer(5), "idle connection kept")
        self.assertGreater(time.monotonic() - t0, 0.7)
        r.close()
        # a connection that never sends anything goes the same way
        r = Raw(self.slow)
        self.assertTrue(r.closed_by_peer(5))
        r.close()
        # www has the 300 s default: still open after 1.5 s
        r = Raw(self.www)
        self.assertFalse(r.closed_by_peer(1.5))
        r.close()

    def test_slowloris_dropped_while_others_served(self):
        r = Raw(self.slow)
        t0 = time.monotonic()
        head = b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + \
            b"a" * 100
        dropped = None
        served = 0
        for i, byte in enumerate(head):
            try:
                r.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                dropped = time.monotonic() - t0
                break
            # another client on the same server is served meanwhile
            if i % 3 == 0:
                st, _, _, body = request(self.slow, b"GET /stheno/ping "
                                         b"HTTP/1.1\r\nHost: y\r\n"
                                         b"Connection: close\r\n\r\n")
                self.assertEqual((st, body), (200, b"pong\n"))
                served += 1
            if r.closed_by_peer(0.2):
                dropped = time.monotonic() - t0
                break
        self.assertIsNotNone(dropped, "slowloris client never dropped")
        # header_timeout = 1: dropped at the deadline, though it kept
        # sending a byte every 0.2 s (well inside the idle timeout)
        self.assertLess(dropped, 3.0)
        self.assertGreater(dropped, 0.8)
        self.assertGreater(served, 1)
        r.close()

    def test_connection_cap(self):
        held = [Raw(self.capped) for _ in range(3)]
        try:
            for r in held:
                r.send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(r.read_response()[3], b"pong\n")
            # the fourth is closed as soon as it is accepted
            extra = Raw(self.capped)
            try:
                extra.send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.assertTrue(extra.closed_by_peer(3))
            self.assertEqual(extra.buf, b"")
            extra.close()
            # the others are still served, and other servers too
            held[0].send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(held[0].read_response()[3], b"pong\n")
            self.assertEqual(request(self.bare, b"GET /stheno/ping "
                                     b"HTTP/1.1\r\n\r\n")[3], b"pong\n")
        finally:
            held[2].close()
        # a freed slot takes a new client
        ok = sthtest.wait_for(lambda: self.try_ping(self.capped), 5)
        self.assertTrue(ok, "no slot after a close")
        for r in held[:2]:
            r.close()
        # the refusal is counted
        st, _, body, _ = curl(self.auth() + [self.url(self.ctl,
                                                      "/status/json")])
        self.assertEqual(st, 200)
        self.assertRegex(body.decode(), r'"refused[a-z_]*": *[1-9]')

    def try_ping(self, port):
        try:
            r = Raw(port, timeout=1)
            r.send(b"GET /stheno/ping HTTP/1.1\r\nHost: x\r\n"
                   b"Connection: close\r\n\r\n")
            ok = r.read_response()[3] == b"pong\n"
            r.close()
            return ok
        except (OSError, EOFError):
            return False

    # -------------------------------------------------------------- errors

    def test_garbage_is_400(self):
        for data in (b"GARBAGE\r\n\r\n",
                     b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 4,
                     b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
                     b"GET / HTTP/1.1\r\nName : v\r\n\r\n",
                     b"GET /%00 HTTP/1.1\r\n\r\n",
                     b"GET / HTTP/1.1\rHost: x\r\n\r\n",
                     b"POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n",
                     b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                     b"GET /\r\n\r\n"):
            st, h, _, body = request(self.www, data)
            self.assertEqual(st, 400, data)
            self.assertEqual(h.get("connection"), "close", data)
            self.assertIn(b"Error code 400", body)
        # the daemon is fine
        self.assertEqual(request(self.www, b"GET /stheno/ping "
                                 b"HTTP/1.1\r\n\r\n")[3], b"pong\n")

    def test_405_and_501(self):
        st, h, _, _ = curl(["-X", "DELETE", self.url(self.www,
                                                      "/index.html")])
        self.assertEqual(st, 405)
        self.assertEqual(hget(h, "Allow"), "GET, HEAD")
        c = http.client.HTTPConnection("127.0.0.1", self.bare, timeout=5)
        c.request("PUT", "/stheno/ping", body=b"x")
        resp = c.getresponse()
        resp.read()
        self.assertEqual(resp.status, 405)
        self.assertIn("GET", resp.getheader("Allow"))
        c.close()
        st, _, _, _ = request(self.www, b"BREW /pot HTTP/1.1\r\n\r\n")
        self.assertEqual(st, 501)
        st, _, _, _ = request(self.www, b"POST / HTTP/1.1\r\nHost: x\r\n"
                              b"Transfer-Encoding: gzip\r\n\r\n")
        self.assertEqual(st, 501)
        st, _, _, _ = request(self.www, b"GET / HTTP/2.0\r\n\r\n")
        self.assertEqual(st, 505)
        st, _, _, _ = request(self.www, b"POST / HTTP/1.1\r\n\r\n")
        self.assertEqual(st, 411)

    # ---------------------------------------------------------------- auth

    @staticmethod
    def basic(password, user=USER):
        import base64
        return base64.b64encode(("%s:%s" % (user, password)).encode())

    def assert_exact_401(self, hdrs, body):
        names = [k for k, _ in hdrs]
        self.assertEqual(names, ["Server", "Date", "Connection",
                                 "WWW-Authenticate", "Content-Length",
                                 "Content-Type"])
        self.assertEqual(hget(hdrs, "Server"), "Medusa/1.12")
        self.assertRegex(hget(hdrs, "Date"),
                         r"^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$")
        self.assertEqual(hget(hdrs, "Connection"), "close")
        self.assertEqual(hget(hdrs, "WWW-Authenticate"),
                         'Basic realm="default"')
        self.assertEqual(hget(hdrs, "Content-Length"), "137")
        self.assertEqual(hget(hdrs, "Content-Type"), "text/html")
        self.assertEqual(len(body), 137)
        self.assertIn(b"Error code 401", body)

    def test_basic_auth_inet_sha(self):
        url = self.url(self.ctl, "/stheno/ping")
        for args in ([], self.auth("wrong"), ["-u", "bob:" + SHA_PASS],
                     self.auth(SHA_PASS.upper()),
                     # the stored hash is not the password
                     self.auth("{SHA}" + hashlib.sha1(
                         SHA_PASS.encode()).hexdigest()),
                     ["-H", "Authorization: Basic !!!"],
                     ["-H", "Authorization: Digest x"]):
            st, h, body, _ = curl(args + [url])
            self.assertEqual(st, 401, args)
            self.assert_exact_401(h, body)
        st, h, body, _ = curl(self.auth() + [url])
        self.assertEqual((st, body), (200, b"pong\n"))
        self.assertEqual(hget(h, "Server"), "Medusa/1.12")
        # the status line too, and the connection is closed after a 401
        r = Raw(self.ctl)
        r.send(b"GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n")
        st, _, head, _ = r.read_response()
        self.assertTrue(head.startswith(b"HTTP/1.1 401 Unauthorized\r\n"))
        self.assertTrue(r.closed_by_peer(3))
        r.close()
        # the real client: xmlrpc with the right and wrong credentials
        sp = xmlrpc.client.ServerProxy("http://%s:%s@127.0.0.1:%d/RPC2" %
                                       (USER, SHA_PASS, self.ctl))
        self.assertEqual(sp.supervisor.getState()["statename"], "RUNNING")
        sp = xmlrpc.client.ServerProxy("http://%s:x@127.0.0.1:%d/RPC2" %
                                       (USER, self.ctl))
        with self.assertRaises(xmlrpc.client.ProtocolError) as cm:
            sp.supervisor.getState()
        self.assertEqual(cm.exception.errcode, 401)

    def test_basic_auth_unix_plain(self):
        base = ["--unix-socket", self.sock]
        url = "http://localhost/stheno/ping"
        for args in ([], self.auth("wrong"), self.auth(PLAIN_PASS + " "),
                     ["-u", "mallory:" + PLAIN_PASS]):
            st, h, body, _ = curl(base + args + [url])
            self.assertEqual(st, 401, args)
            self.assert_exact_401(h, body)
        st, _, body, _ = curl(base + self.auth(PLAIN_PASS) + [url])
        self.assertEqual((st, body), (200, b"pong\n"))
        # supervisorctl over the socket, with and without the password
        p = subprocess.run(["supervisorctl", "-s", "unix://" + self.sock,
                            "-u", USER, "-p", PLAIN_PASS, "status",
                            "talker"], capture_output=True, text=True,
                           timeout=30)
        self.assertRegex(p.stdout, r"^talker\s+RUNNING", p.stderr)
        p = subprocess.run(["supervisorctl", "-s", "unix://" + self.sock,
                            "-u", USER, "-p", "nope", "status"],
                           capture_output=True, text=True, timeout=30)
        self.assertIn("Server requires authentication", p.stdout)

    # ---------------------------------------------------------- access log

    def test_access_log_format(self):
        ua = "sthtest-agent/1.0 (x)"
        ref = "http://example.invalid/from"
        curl(["-A", ua, "-e", ref, self.url(self.www, "/index.html?q=1")])
        curl([self.url(self.www, "/nothing-here")])
        rx = (r'^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d '
              r'[+-]\d{4}\] "%s" %d %d "%s" "%s"$')
        line = sthtest.wait_for(lambda: re.search(
            rx % (re.escape("GET /index.html?q=1 HTTP/1.1"), 200,
                  len(self.index), re.escape(ref), re.escape(ua)),
            sthtest.read_text(self.www_log), re.M), 5)
        self.assertIsNotNone(line, sthtest.read_text(self.www_log))
        self.assertIsNotNone(sthtest.wait_for(lambda: re.search(
            r'"GET /nothing-here HTTP/1\.1" 404 \d+ "-" "curl/[^"]+"$',
            sthtest.read_text(self.www_log), re.M), 5))
        # the control servers' log names the authenticated user, and a
        # refused one as "-"
        curl(self.auth() + [self.url(self.ctl, "/stheno/ping")])
        curl([self.url(self.ctl, "/stheno/ping?unauth")])
        text = sthtest.wait_for(lambda: (lambda t: t if "unauth" in t
                                         else None)(
            sthtest.read_text(self.ctl_log)), 5)
        self.assertRegex(text, r'(?m)^127\.0\.0\.1 - %s \[[^]]+\] '
                         r'"GET /stheno/ping HTTP/1\.1" 200 5 ' % USER)
        self.assertRegex(text, r'(?m)^127\.0\.0\.1 - - \[[^]]+\] '
                         r'"GET /stheno/ping\?unauth HTTP/1\.1" 401 137 ')
        # nothing of the control servers in the public log
        self.assertNotIn("/stheno/ping?unauth",
                         sthtest.read_text(self.www_log))

    # ----------------------------------------------- control vs public

    CONTROL = (("POST", "/RPC2"), ("POST", "/jsonrpc"),
               ("GET", "/logtail/talker"), ("GET", "/mainlogtail"),
               ("GET", "/status"), ("GET", "/status/json"),
               ("GET", "/metrics"), ("GET", "/RPC2"),
               ("GET", "/index.html?action=stopall"))

    def probe(self, port, method, path, auth=None):
        a = b""
        if auth:
            a = b"Authorization: Basic %s\r\n" % self.basic(auth)
        body = self.rpc_body("supervisor.getState") if method == "POST" \
            else b""
        r = Raw(port)
        # each RPC endpoint wants its own type (415 otherwise)
        ctype = b"application/json" if path.startswith("/jsonrpc") \
            else b"text/xml"
        r.send(b"%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n"
               b"Content-Type: %s\r\n\r\n%s" %
               (method.encode(), path.encode(), a, len(body), ctype, body))
        while b"\r\n\r\n" not in r.buf:
            r._fill()
        st = int(r.buf.split(b" ", 2)[1])
        r.close()
        return st

    def test_public_servers_never_expose_control_endpoints(self):
        for port in (self.www, self.bare):
            for method, path in self.CONTROL:
                if (port, path) == (self.www, "/index.html?action=stopall"):
                    continue    # the files extension's index.html
                st = self.probe(port, method, path)
                if port == self.www and method == "POST":
                    # the files extension answers every path there
                    self.assertIn(st, (404, 405), (port, method, path))
                else:
                    self.assertEqual(st, 404, (port, method, path))
        # stopall did nothing
        st, _, body, _ = curl(self.auth() + [
            "-H", "Content-Type: text/xml", "--data-binary",
            self.rpc_body("supervisor.getProcessInfo").replace(
                b"<params>\n</params>",
                b"<params><param><value><string>talker</string></value>"
                b"</param></params>"),
            self.url(self.ctl, "/RPC2")])
        self.assertEqual(xmlrpc.client.loads(body)[0][0]["statename"],
                         "RUNNING")

    def test_control_servers_expose_them(self):
        for method, path in self.CONTROL[:-1]:
            if path == "/RPC2" and method == "GET":
                continue    # supervisord answers a GET of /RPC2 oddly
            self.assertEqual(self.probe(self.ctl, method, path, SHA_PASS),
                             200, path)
            self.assertEqual(self.probe(self.ctl, method, path), 401, path)


class FilesUnloadUnderLoad(unittest.TestCase):
    """plugin.unload / plugin.load of files.so while wrk hammers it."""

    LUA = r"""
local counts = {}
local threads = {}
function setup(thread)
   table.insert(threads, thread)
end
function init(args)
   statuses = {}
end
function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
   local total = {}
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      for k, v in pairs(s) do
         total[k] = (total[k] or 0) + v
      end
   end
   for k, v in pairs(total) do
      io.write(string.format("STATUS %d %d\n", k, v))
   end
   local e = summary.errors
   io.write(string.format("ERRORS %d %d %d %d %d\n", e.connect, e.read,
      e.write, e.status, e.timeout))
end
"""

    def setUp(self):
        if shutil.which("wrk") is None:
            self.skipTest("wrk is not installed (apt-get install wrk)")
        self.ctl = free_port()
        self.www = free_port()
        self.d = sthtest.Sthenod()
        root = os.path.join(self.d.dir, "www")
        os.makedirs(root)
        with open(os.path.join(root, "f.txt"), "wb") as f:
            f.write(b"f" * 1024)
        self.lua = os.path.join(self.d.dir, "count.lua")
        with open(self.lua, "w") as f:
            f.write(self.LUA)
        self.d.extra = """
[inet_http_server]
port = 127.0.0.1:%d

[http_server:www]
listen = 127.0.0.1:%d
root = %s

[plugin:files]
""" % (self.ctl, self.www, root)
        self.d.write_config()
        self.d.start()
        self.assertTrue(self.d.wait_log(r"plugin 'files' \S+ loaded"))
        self.rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" %
                                             self.ctl)

    def tearDown(self):
        self.d.stop_and_cleanup()

    def run_wrk(self, seconds):
        return subprocess.Popen(
            ["wrk", "-t2", "-c20", "-d%ds" % seconds, "-s", self.lua,
             "http://127.0.0.1:%d/f.txt" % self.www],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def parse(self, out):
        statuses = {int(a): int(b) for a, b in
                    re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
        m = re.search(r"^ERRORS (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
        self.assertIsNotNone(m, out)
        errors = [int(x) for x in m.groups()]
        return statuses, errors

    def state_of(self, name):
        for p in self.rpc.plugin.list():
            if p.get("name") == name:
                return p.get("state")
        return None

    def test_unload_and_load_under_wrk(self):
        w = self.run_wrk(3)
        try:
            time.sleep(0.7)
            self.rpc.plugin.unload("files")
            self.assertTrue(self.d.wait_log(r"plugin 'files' .*unloaded"),
                            self.d.describe())
            time.sleep(0.7)
            self.rpc.plugin.load("files")
            self.assertTrue(self.d.wait_log(r"plugin 'files' \S+ loaded",
                                            count=2), self.d.describe())
            time.sleep(0.3)
            self.rpc.plugin.unload("files")
            self.assertTrue(self.d.wait_log(r"plugin 'files' .*unloaded",
                                            count=2))
            self.rpc.plugin.load("files")
            out, _ = w.communicate(timeout=30)
        finally:
            if w.poll() is None:
                w.kill()
                w.wait()
        self.assertIsNone(self.d.proc.poll(), "sthenod died:\n%s\n%s" %
                          (out, self.d.describe()))
        statuses, errors = self.parse(out)
        # only 200s, and the 404s of the unloaded stretches
        self.assertEqual(set(statuses) - {200, 404}, set(), out)
        self.assertGreater(statuses.get(200, 0), 100, out)
        self.assertGreater(statuses.get(404, 0), 0, out)
        # wrk's own count agrees: every non-2xx is one of those 404s
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        self.assertEqual(int(m.group(1)) if m else 0,
                         statuses.get(404, 0), out)
        self.assertNotIn("Socket errors", out)
        self.assertEqual(errors, [0, 0, 0, statuses.get(404, 0), 0], out)
        # and files serves again
        st, _, body, _ = curl([self.url("/f.txt")])
        self.assertEqual((st, body), (200, b"f" * 1024))
        self.assertEqual(self.state_of("files"), "active")

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.www, path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
