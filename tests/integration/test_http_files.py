"""test_http_files.py — the files, status and metrics HTTP extensions
through a running sthenod, driven by curl (--path-as-is) and raw sockets.

files: GET/HEAD, index.html, 301 to the slash, Content-Type, ETag and
Last-Modified, 304, Range (206/416), sendfile for a large file, 405, a
traversal corpus that never escapes the root, the small-file cache seeing
changes.  status: /status and /status/json on the control server only,
with the plugins and the per-server counters.  metrics: /metrics parsed
as Prometheus text 0.0.4 (HELP/TYPE before samples, label syntax).
"""

import email.utils
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

SECRET = "SECRET-OUTSIDE-THE-ROOT-7f3a"



def curl(url, *args):
    """(status, headers dict lower-cased, body bytes) of one request."""
    out = subprocess.run(
        ["curl", "-s", "--path-as-is", "-D", "-", "--max-time", "10",
         *args, url], capture_output=True, timeout=20).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        raise AssertionError("no status line from %s: %r" % (url, out))
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


def raw_request(port, data):
    """Send data as-is (it must end with "Connection: close" or make the
    server close); return all that comes back until EOF (or 5 s)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    chunks = []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    except socket.timeout:
        pass
    s.close()
    return b"".join(chunks)


class HttpExtensions(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.ctl = free_port()
        cls.www = free_port()
        cls.d = sthtest.Sthenod(extra="")
        top = cls.d.dir
        cls.root = root = os.path.join(top, "www")
        os.makedirs(os.path.join(root, "sub"))
        os.makedirs(os.path.join(root, "noindex"))
        os.makedirs(os.path.join(root, "a b"))
        with open(os.path.join(top, "secret.txt"), "w") as f:
            f.write(SECRET)
        os.makedirs(os.path.join(top, "outside"))
        with open(os.path.join(top, "outside", "index.html"), "w") as f:
            f.write(SECRET)
        cls.files = {
            "index.html": b"<h1>root index</h1>\n",
            "sub/index.html": b"sub index\n",
            "file.txt": b"0123456789abcdefghijklmnopqrstuvwxyz\n",
            "style.css": b"body{}\n",
            "a b/c d.json": b"{}\n",
            "noext": b"raw\n",
            "big.bin": os.urandom(1024 * 1024 + 7),
        }
        for name, data in cls.files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
        os.symlink(os.path.join(top, "secret.txt"),
                   os.path.join(root, "abs-link"))
        os.symlink("../secret.txt", os.path.join(root, "rel-link"))
        os.symlink("../outside", os.path.join(root, "dir-link"))
        os.symlink("file.txt", os.path.join(root, "inside-link"))
        os.mkfifo(os.path.join(root, "fifo"))
        cls.d.extra = """
[inet_http_server]
port = 127.0.0.1:%d

[http_server:www]
listen = 127.0.0.1:%d
root = %s

[plugin:files]
[plugin:status]
[plugin:metrics]

[program:sleeper]
command = /bin/sleep 1000
startsecs = 0
""" % (cls.ctl, cls.www, root)
        cls.d.write_config()
        cls.d.start_or_cleanup(
            log=r"plugin 'metrics' .*loaded",
            ready=lambda: cls.get_ctl("/status")[0] == 200)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup()

    @classmethod
    def get_ctl(cls, path, *args):
        return curl("http://127.0.0.1:%d%s" % (cls.ctl, path), *args)

    def get(self, path, *args):
        return curl("http://127.0.0.1:%d%s" % (self.www, path), *args)

    # ---------------------------------------------------------- files

    def test_get_and_head(self):
        st, h, body = self.get("/file.txt")
        self.assertEqual(st, 200)
        self.assertEqual(body, self.files["file.txt"])
        self.assertEqual(h["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(int(h["content-length"]), len(body))
        self.assertEqual(h["accept-ranges"], "bytes")
        self.assertRegex(h["etag"], r'^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$')
        mtime = os.stat(os.path.join(self.root, "file.txt")).st_mtime
        self.assertEqual(
            email.utils.parsedate_to_datetime(h["last-modified"])
            .timestamp(), int(mtime))
        # HEAD: the same headers and no body (the next request on the
        # connection would show any stray bytes)
        out = raw_request(self.www, b"HEAD /file.txt HTTP/1.1\r\nHost: x"
                          b"\r\n\r\nGET /noext HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
        head, _, rest = out.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: %d" % len(body), head)
        self.assertIn(b"ETag: " + h["etag"].encode(), head)
        self.assertTrue(rest.startswith(b"HTTP/1.1 200 OK"), rest[:40])
        self.assertTrue(rest.endswith(self.files["noext"]))

    def test_content_types(self):
        for path, ctype in (("/style.css", "text/css; charset=utf-8"),
                            ("/a%20b/c%20d.json", "application/json"),
                            ("/noext", "application/octet-stream"),
                            ("/", "text/html; charset=utf-8")):
            st, h, _ = self.get(path)
            self.assertEqual(st, 200, path)
            self.assertEqual(h["content-type"], ctype, path)

    def test_index_and_redirect(self):
        st, _, body = self.get("/")
        self.assertEqual((st, body), (200, self.files["index.html"]))
        st, h, _ = self.get("/sub")
        self.assertEqual(st, 301)
        self.assertEqual(h["location"], "/sub/")
        st, h, _ = self.get("/sub?x=1")
        self.assertEqual(h["location"], "/sub/?x=1")
        st, h, _ = self.get("/a%20b")
        self.assertEqual(h["location"], "/a%20b/")
        # never a scheme-relative Location from a "//host" path
        st, h, _ = self.get("//sub")
        self.assertEqual((st, h["location"]), (301, "/sub/"))
        st, _, body = self.get("/sub/")
        self.assertEqual((st, body), (200, self.files["sub/index.html"]))
        st, _, _ = self.get("/noindex/")
        self.assertEqual(st, 404)
        st, _, _ = self.get("/file.txt/")
        self.assertEqual(st, 404)
        st, _, body = self.get("/inside-link")
        self.assertEqual((st, body), (200, self.files["file.txt"]))

    def test_conditional(self):
        _, h, _ = self.get("/file.txt")
        etag, lm = h["etag"], h["last-modified"]
        st, h2, body = self.get("/file.txt", "-H", "If-None-Match: " + etag)
        self.assertEqual((st, body), (304, b""))
        self.assertEqual(h2["etag"], etag)
        self.assertNotIn("content-length", h2)
        st, _, _ = self.get("/file.txt", "-H",
                            'If-None-Match: "other", W/' + etag)
        self.assertEqual(st, 304)
        st, _, _ = self.get("/file.txt", "-H", "If-Modified-Since: " + lm)
        self.assertEqual(st, 304)
        st, _, body = self.get("/file.txt", "-H", "If-Modified-Since: "
                               "Sun, 06 Nov 1994 08:49:37 GMT")
        self.assertEqual((st, body), (200, self.files["file.txt"]))
        # If-None-Match that does not match wins over a matching IMS
        st, _, _ = self.get("/file.txt", "-H", 'If-None-Match: "x"', "-H",
                            "If-Modified-Since: " + lm)
        self.assertEqual(st, 200)
        # keep-alive survives a 304 (no stray body bytes on the wire)
        out = raw_request(self.www, (
            "GET /file.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n"
            "GET /file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            % etag).encode())
        self.assertTrue(out.startswith(b"HTTP/1.1 304 "), out[:40])
        self.assertEqual(out.count(b"HTTP/1.1 200 OK"), 1)
        self.assertTrue(out.endswith(self.files["file.txt"]))

    def test_range(self):
        data = self.files["file.txt"]
        st, h, body = self.get("/file.txt", "-H", "Range: bytes=0-9")
        self.assertEqual((st, body), (206, data[:10]))
        self.assertEqual(h["content-range"], "bytes 0-9/%d" % len(data))
        st, h, body = self.get("/file.txt", "-H", "Range: bytes=-5")
        self.assertEqual((st, body), (206, data[-5:]))
        st, h, body = self.get("/file.txt", "-H", "Range: bytes=30-")
        self.assertEqual((st, body), (206, data[30:]))
        st, h, _ = self.get("/file.txt", "-H", "Range: bytes=1000-")
        self.assertEqual(st, 416)
        self.assertEqual(h["content-range"], "bytes */%d" % len(data))
        st, _, body = self.get("/file.txt", "-H", "Range: bytes=0-1,4-5")
        self.assertEqual((st, body), (200, data))
        # If-Range with a stale validator: the whole file
        st, _, body = self.get("/file.txt", "-H", "Range: bytes=0-1", "-H",
                               'If-Range: "stale"')
        self.assertEqual((st, body), (200, data))
        _, h, _ = self.get("/file.txt")
        st, _, body = self.get("/file.txt", "-H", "Range: bytes=0-1", "-H",
                               "If-Range: " + h["etag"])
        self.assertEqual((st, body), (206, data[:2]))
        big = self.files["big.bin"]
        st, h, body = self.get("/big.bin", "-H",
                               "Range: bytes=500000-500999")
        self.assertEqual((st, body), (206, big[500000:501000]))

    def test_large_file(self):
        st, h, body = self.get("/big.bin")
        self.assertEqual(st, 200)
        self.assertEqual(int(h["content-length"]), len(self.files["big.bin"]))
        self.assertEqual(body, self.files["big.bin"])

    def test_large_files_on_one_connection_do_not_stall(self):
        # a file is sent corked (TCP_CORK, as nginx's tcp_nopush) and
        # uncorked once sent: a tail short of a segment left corked waits
        # 200 ms in the kernel, 2 s over ten answers
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.www, timeout=10)
        try:
            t0 = time.monotonic()
            for _ in range(10):
                conn.request("GET", "/big.bin")
                r = conn.getresponse()
                self.assertEqual((r.status, r.read()),
                                 (200, self.files["big.bin"]))
            conn.request("GET", "/file.txt")
            r = conn.getresponse()
            self.assertEqual(r.read(), self.files["file.txt"])
            took = time.monotonic() - t0
        finally:
            conn.close()
        self.assertLess(took, 1.5, "ten 1 MiB answers took %.2f s" % took)

    def test_methods(self):
        st, h, _ = self.get("/file.txt", "-X", "DELETE")
        self.assertEqual(st, 405)
        self.assertEqual(h["allow"], "GET, HEAD")
        st, _, _ = self.get("/file.txt", "-d", "x=1")
        self.assertEqual(st, 405)

    def test_fifo_is_never_opened_for_reading(self):
        st, _, _ = self.get("/fifo")
        self.assertEqual(st, 403)

    def test_escape_corpus(self):
        corpus = [
            "/../secret.txt", "/../../../../etc/passwd", "/..",
            "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
            "/%2e%2e%2fsecret.txt", "/%2e%2e%2Fsecret.txt",
            "/..%2fsecret.txt", "/..%2Fsecret.txt", "/.%2e/secret.txt",
            "/%2e./secret.txt", "/sub/../../secret.txt",
            "/sub/%2e%2e/%2e%2e/secret.txt", "/sub%2f..%2f..%2fsecret.txt",
            "/./../secret.txt", "/.././secret.txt", "//../secret.txt",
            "/..//secret.txt", "/sub/..//../secret.txt",
            "/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt",
            "/%c0%ae%c0%ae/secret.txt", "/%c0%af../secret.txt",
            "/..%c0%afsecret.txt", "/%e0%80%ae%e0%80%ae/secret.txt",
            "/..%5csecret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt",
            "/abs-link", "/rel-link", "/dir-link/", "/dir-link",
            "/dir-link/index.html", "/sub/../rel-link", "/%61bs-link",
            "/rel-link/", "/secret.txt%00.html", "/%00/../secret.txt",
            "/file.txt%00", "/%00", "/sub/%2e%2e%2f%2e%2e%2fsecret.txt",
            "/../www/../secret.txt", "/....//secret.txt",
            "/.../secret.txt", "/sub/.../../secret.txt",
            "/%2e%2e%5csecret.txt", "/..;/secret.txt",
            "/%2e%2e;/secret.txt", "/?/../secret.txt",
            "/#/../secret.txt", "/%3f/../../secret.txt",
            "/%23/../../secret.txt", "/" + "../" * 40 + "etc/passwd",
            "/" + "%2e%2e/" * 40 + "secret.txt", "/%", "/%2", "/%g0",
            "/proc/self/root/etc/passwd", "/dev/null",
        ]
        self.assertGreaterEqual(len(corpus), 50)
        inside = set(self.files.values())
        for path in corpus:
            st, _, body = self.get(path)
            self.assertNotIn(SECRET.encode(), body, path)
            if st == 200:
                # "/?/../x" is "/" with a query: the root's own index
                self.assertIn(body, inside, path)
            else:
                self.assertIn(st, (400, 403, 404), path)
        # Raw bytes curl would not send as they are.
        for target in (b"/../secret.txt", b"/..\x00/secret.txt",
                       b"../secret.txt", b"/sub/../../secret.txt",
                       b"http://x/../secret.txt", b"*"):
            out = raw_request(self.www, b"GET " + target +
                              b" HTTP/1.1\r\nHost: x\r\n"
                              b"Connection: close\r\n\r\n")
            self.assertRegex(out[:12], rb"HTTP/1\.1 4\d\d", target)
            self.assertNotIn(SECRET.encode(), out, target)
        # still alive and serving
        self.assertEqual(self.get("/file.txt")[0], 200)

    def test_cache_sees_changes(self):
        path = os.path.join(self.root, "changing.txt")
        with open(path, "w") as f:
            f.write("version one\n")
        self.assertEqual(self.get("/changing.txt")[2], b"version one\n")
        with open(path, "w") as f:
            f.write("version two, longer\n")
        got = sthtest.wait_for(
            lambda: self.get("/changing.txt")[2] == b"version two, longer\n",
            timeout=3)
        self.assertTrue(got, "the cache kept a stale copy over 3 s")
        os.unlink(path)
        got = sthtest.wait_for(lambda: self.get("/changing.txt")[0] == 404,
                               timeout=3)
        self.assertTrue(got, "a removed file was still served after 3 s")

    def test_files_only_where_configured(self):
        # the control server has no root: no files there
        st, _, body = self.get_ctl("/file.txt")
        self.assertNotEqual(body, self.files["file.txt"])

    # --------------------------------------------------------- status

    def test_status_page(self):
        for _ in range(3):
            self.get("/file.txt")
        st, h, body = self.get_ctl("/status")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/html"))
        html = body.decode()
        self.assertIn("<title>Stheno Status Reports</title>", html)
        plugins = dict(re.findall(
            r'<td class="name">([^<]+)</td><td class="version">([^<]+)</td>',
            html))
        for name in ("http", "files", "status", "metrics"):
            self.assertIn(name, plugins)
        up = re.search(r'id="uptime" data-seconds="(\d+)"', html)
        self.assertIsNotNone(up)
        rows = re.findall(r'<tr><td class="name">(www|inet_http_server)'
                          r'</td>.*?data-value="(\d+)".*?'
                          r'class="n requests" data-value="(\d+)"', html)
        counts = {name: int(reqs) for name, _, reqs in rows}
        self.assertGreaterEqual(counts.get("www", 0), 3)
        # JSON: the same facts
        st, h, body = self.get_ctl("/status/json")
        self.assertEqual(st, 200)
        doc = json.loads(body)
        self.assertIn("files", [p["name"] for p in doc["plugins"]])
        www = [s for s in doc["servers"] if s["name"] == "www"][0]
        self.assertGreaterEqual(www["requests"], 3)
        self.assertGreater(www["bytes_out"], 0)
        self.assertGreaterEqual(doc["uptime"], 0)
        self.assertLessEqual(doc["started"], time.time())

    def test_status_not_on_public_server(self):
        self.assertEqual(self.get("/status")[0], 404)
        self.assertEqual(self.get("/metrics")[0], 404)
        st, _, _ = self.get_ctl("/status", "-d", "x=1")
        self.assertEqual(st, 405)

    # -------------------------------------------------------- metrics

    SAMPLE = re.compile(
        r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
        r'(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
        r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})?'
        r' (-?[0-9.e+]+|NaN|[+-]Inf)$')

    def parse_metrics(self, text):
        """{name: [(labels dict, value)]}, checking the format as it
        goes."""
        families, typed, out = set(), {}, {}
        current = None
        for line in text.splitlines():
            if line.startswith("# HELP "):
                name = line.split(" ")[2]
                self.assertNotIn(name, families, "family split: " + name)
                families.add(name)
                current = name
                continue
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                self.assertEqual(name, current)
                self.assertIn(kind, ("gauge", "counter"))
                typed[name] = kind
                continue
            m = self.SAMPLE.match(line)
            self.assertIsNotNone(m, "bad sample line: %r" % line)
            self.assertEqual(m.group(1), current, line)
            self.assertIn(current, typed)
            labels = dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"',
                                     m.group(2) or ""))
            out.setdefault(m.group(1), []).append(
                (labels, float(m.group(3))))
        for name, kind in typed.items():
            if kind == "counter":
                self.assertTrue(name.endswith("_total"), name)
        return out

    def test_metrics(self):
        sthtest.wait_for(lambda: b'state="RUNNING"} 1' in
                         self.get_ctl("/metrics")[2], 5)
        for _ in range(2):
            self.get("/file.txt")
        st, h, body = self.get_ctl("/metrics")
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"],
                         "text/plain; version=0.0.4; charset=utf-8")
        m = self.parse_metrics(body.decode())
        states = {l["state"]: v for l, v in m["stheno_process_state"]
                  if l["name"] == "sleeper"}
        self.assertEqual(states["RUNNING"], 1)
        self.assertEqual(sum(states.values()), 1)
        self.assertEqual(len(states), 8)
        code = [v for l, v in m["stheno_process_state_code"]
                if l["name"] == "sleeper"]
        self.assertEqual(code, [20])
        pid = [v for l, v in m["stheno_process_pid"]
               if l["name"] == "sleeper"][0]
        self.assertTrue(sthtest.pid_alive(int(pid)))
        starts = [v for l, v in m["stheno_process_starts_total"]
                  if l["name"] == "sleeper"]
        self.assertEqual(starts, [1])
        # the kernel's figures for the process itself, as ps sees them
        rss = [v for l, v in m["stheno_process_resident_memory_bytes"]
               if l["name"] == "sleeper"][0]
        ps = subprocess.run(["ps", "-o", "rss=", "-p", str(int(pid))],
                            capture_output=True, text=True).stdout
        self.assertAlmostEqual(rss, int(ps) * 1024, delta=256 * 1024)
        self.assertGreater(rss, 0)
        cpu = [v for l, v in m["stheno_process_cpu_seconds_total"]
               if l["name"] == "sleeper"][0]
        self.assertGreaterEqual(cpu, 0)
        self.assertLess(cpu, 5)
        reqs = {l["server"]: v for l, v in m["stheno_http_requests_total"]}
        self.assertGreaterEqual(reqs["www"], 2)
        self.assertIn("inet_http_server", reqs)
        names = {l["name"] for l, _ in m["stheno_plugin_info"]}
        self.assertTrue({"http", "files", "status", "metrics"} <= names)
        self.assertGreaterEqual(m["stheno_uptime_seconds"][0][1], 0)

    def test_metrics_count_restarts(self):
        rpc = "http://127.0.0.1:%d/jsonrpc" % self.ctl

        def call(method, *params):
            out = subprocess.run(
                ["curl", "-s", "--json", json.dumps({
                    "jsonrpc": "2.0", "id": 1, "method": method,
                    "params": list(params)}), rpc],
                capture_output=True, timeout=20).stdout
            return json.loads(out)

        def starts():
            m = self.parse_metrics(self.get_ctl("/metrics")[2].decode())
            return [v for l, v in m["stheno_process_starts_total"]
                    if l["name"] == "sleeper"][0]

        before = starts()
        self.assertNotIn("error", call("supervisor.stopProcess", "sleeper"))
        self.assertNotIn("error", call("supervisor.startProcess", "sleeper"))
        self.assertEqual(starts(), before + 1)


if __name__ == "__main__":
    unittest.main()
