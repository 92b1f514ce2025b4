#!/usr/bin/python3
"""The web UI through sthenod as a black box (docs/supervisord.md §7,
§A.6): the status page and its headers, every action ending in
supervisord's 301 to /?message=..., tail.html, ok.html, /logtail and
/mainlogtail streaming a growing, rotating and truncated log in chunked encoding, Basic auth,
supervisorctl tail -f, and headless chromium reading the page's DOM.

Needs the webui, http and xmlrpc plugins built (STHENO_PLUGIN_PATH)."""

import base64
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402



def have_plugin(name):
    path = sthtest.PLUGIN_PATH
    return bool(path) and os.path.exists(os.path.join(path, name + ".so"))


def stop_and_cleanup(d):
    """SIGTERM first, so that sthenod stops its children (a SIGKILLed
    daemon would leave them orphaned), then remove everything."""
    try:
        if d.pid and sthtest.pid_alive(d.pid):
            d.stop(timeout=20)
    except Exception:
        pass
    finally:
        d.cleanup()


PROGRAMS = """
[program:sleeper]
command=/bin/sleep 600
startsecs=1
[program:quick]
command=/bin/sh -c 'echo quick-output; exit 3'
autorestart=false
startsecs=0
[program:echoer]
command=/bin/cat
startsecs=0
stdout_logfile=@DIR@/echoer.log
stdout_logfile_maxbytes=0
[program:rotor]
command=/bin/cat
startsecs=0
stdout_logfile=@DIR@/rotor.log
stdout_logfile_maxbytes=1KB
stdout_logfile_backups=3
[program:multi]
command=/bin/sleep 600
process_name=multi_%(process_num)02d
numprocs=2
autostart=false
"""


class ChunkedStream:
    """A raw GET whose chunked body is decoded as it arrives."""

    def __init__(self, port, path, headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
                           % (path, headers)).encode())
        self.raw = b""
        self.body = b""
        self.head = None
        self.status = None
        self.headers = {}
        self.ended = False

    def _recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            self.ended = True
            return False
        self.raw += data
        return True

    def read_head(self, timeout=5):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.raw:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._recv(left) and self.ended):
                raise AssertionError("no response head: %r" % self.raw)
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            k, v = line.split(":", 1)
            self.headers[k.strip().lower()] = v.strip()
        self.head = lines
        return self.status

    def _decode(self):
        while True:
            if b"\r\n" not in self.raw:
                return
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2:]
            if size == 0:
                self.ended = True
                return

    def read_until(self, needle, timeout=5):
        """Body bytes so far once needle is in them (or AssertionError)."""
        deadline = time.monotonic() + timeout
        while True:
            self._decode()
            if needle in self.body:
                return self.body
            left = deadline - time.monotonic()
            if left <= 0 or self.ended:
                raise AssertionError("%r not in the stream: %r"
                                     % (needle, self.body[-2000:]))
            self._recv(min(left, 0.5))

    def close(self):
        self.sock.close()


@unittest.skipUnless(have_plugin("webui") and have_plugin("http"),
                     "webui.so / http.so not built")
class WebUI(unittest.TestCase):
    auth = None

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.d = sthtest.Sthenod(extra="")
        # example.com: test_location_follows_the_host_header's name, which
        # a loopback control server answers to only when told
        server = ("[inet_http_server]\nport=127.0.0.1:%d\n"
                  "allowed_hosts=example.com\n" % cls.port)
        if cls.auth:
            # test_401_without_credentials tries a wrong password on
            # purpose: no penalties here (test_http_guard.py's)
            server += ("username=%s\npassword=%s\nmax_auth_failures=0\n"
                       % cls.auth)
        cls.d.extra = server + PROGRAMS.replace("@DIR@", cls.d.dir)
        cls.d.opts["childlogdir"] = cls.d.dir
        cls.d.write_config()
        cls.d.start_or_cleanup(log=r"success: sleeper entered RUNNING")
        cls.rpc = xmlrpc.client.ServerProxy(
            "http://%s127.0.0.1:%d/RPC2" % (
                "%s:%s@" % cls.auth if cls.auth else "", cls.port))
        try:
            cls.methods = set(cls.rpc.system.listMethods())
        except Exception:
            cls.methods = set()

    @classmethod
    def tearDownClass(cls):
        # a clean exit, which under ASan also means no leak and no error
        cls.d.stop_and_cleanup()

    def need(self, *methods):
        missing = [m for m in methods if m not in self.methods]
        if missing:
            self.skipTest("the daemon has no %s yet" % ", ".join(missing))

    def request(self, path, method="GET", body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(self.auth_headers())
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def page(self, path="/"):
        r, data = self.request(path)
        self.assertEqual(r.status, 200, data[:300])
        return data.decode()

    def assertIn(self, member, container, msg=None):
        # pages are long: show their end, not all of them
        if member not in container:
            self.fail(msg or "%r not in ...%r" % (member, container[-1500:]))

    def assertNotIn(self, member, container, msg=None):
        if member in container:
            i = container.index(member)
            self.fail(msg or "%r found in ...%r" % (
                member, container[max(0, i - 300):i + 300]))

    def state_of(self, ns):
        html = self.page()
        m = re.search(r'<tr class="[a-z]*"><td class="status"><span '
                      r'class="(\w+)">(\w+)</span>.*?>%s</a>'
                      % re.escape(ns), html)
        self.assertIsNotNone(m, "no row for %s" % ns)
        return m.group(2), m.group(1)

    # --- the status page ----------------------------------------------

    def test_status_page(self):
        r, data = self.request("/")
        html = data.decode()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"),
                         "text/html;charset=utf-8")
        self.assertEqual(r.getheader("Pragma"), "no-cache")
        self.assertEqual(r.getheader("Cache-Control"), "no-cache")
        self.assertEqual(r.getheader("Expires"),
                         "Thu, 01 Jan 1970 00:00:00 GMT")
        self.assertEqual(r.getheader("Server"), "Medusa/1.12")
        for href, label in (("index.html?action=refresh", "Refresh"),
                            ("index.html?action=restartall", "Restart All"),
                            ("index.html?action=stopall", "Stop All")):
            self.assertIn('<a href="%s">%s</a>' % (href, label), html)
        for th in ("State", "Description", "Name", "Action"):
            self.assertIn(">%s</th>" % th, html)
        # rows sorted by (group, name), names as namespecs
        names = re.findall(r'target="_blank">([^<]+)</a></td>', html)
        self.assertEqual(names, ["echoer", "multi:multi_00",
                                 "multi:multi_01", "quick", "rotor",
                                 "sleeper"])
        self.assertIn('<span class="statusrunning">running</span>', html)
        self.assertIn('href="tail.html?processname=multi%3Amulti_01"', html)
        self.assertIn('href="logtail/multi%3Amulti_01/stderr"', html)
        self.assertEqual(
            re.findall(r'target="_blank">([^<]+)</a></td>',
                       self.page("/index.html")), names)
        self.assertIn("<title>Supervisor Status</title>",
                      self.page("//index.html"))

    def test_actions_offered_by_state(self):
        html = self.page()
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*>sleeper</a>.*?</tr>",
                        html, re.S).group(0)
        self.assertIn("action=restart\" name=\"Restart\"", row)
        self.assertIn("action=stop\" name=\"Stop\"", row)
        self.assertNotIn("action=start\"", row)
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*>quick</a>.*?</tr>",
                        html, re.S).group(0)
        self.assertIn("action=start\" name=\"Start\"", row)
        self.assertIn("action=clearlog\" name=\"Clear Log\"", row)
        self.assertNotIn("action=stop\"", row)

    def test_message_box_is_escaped(self):
        html = self.page("/?message=Hello%20%3Cb%3Eworld")
        self.assertIn('<div class="status_msg">Hello &lt;b&gt;world</div>',
                      html)
        self.assertNotIn('class="status_msg"', self.page("/"))

    def test_ok_html(self):
        r, data = self.request("/ok.html")
        self.assertEqual((r.status, data), (200, b"OK"))

    def test_supervisor_asset_urls(self):
        # supervisor's page loads stylesheets/supervisor.css and
        # images/icon.png; bookmarks and scrapers fetch them too
        r, css = self.request("/stylesheets/supervisor.css")
        self.assertEqual(r.status, 200, css[:200])
        self.assertEqual(r.getheader("Content-Type"), "text/css")
        self.assertIn(b"#statustable", css)
        r, png = self.request("/images/icon.png")
        self.assertEqual(r.status, 200, png[:200])
        self.assertEqual(r.getheader("Content-Type"), "image/png")
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(png[12:16], b"IHDR")
        r, body = self.request("/images/icon.png", "HEAD")
        self.assertEqual((r.status, body), (200, b""))
        self.assertEqual(int(r.getheader("Content-Length")), len(png))
        r, _ = self.request("/images/other.png")
        self.assertEqual(r.status, 404)

    # --- actions and their 301 ----------------------------------------

    def action(self, query, host=None, method="GET"):
        headers = {"Host": host} if host else {}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            r, data = self.request("/index.html", "POST", query, headers)
        else:
            r, data = self.request("/index.html?" + query, headers=headers)
        self.assertEqual(r.status, 301, data)
        self.assertEqual(r.reason, "Moved Permanently")
        self.assertIn(b"Error code 301.", data)
        return r.getheader("Location")

    def test_stop_then_start_with_301s(self):
        base = "http://127.0.0.1:%d/?message=" % self.port
        self.assertEqual(self.action("processname=sleeper&action=stop",
                                     "127.0.0.1:%d" % self.port),
                         base + "Process%20sleeper%20stopped")
        self.assertEqual(self.state_of("sleeper"),
                         ("stopped", "statusnominal"))
        self.assertEqual(
            self.action("processname=sleeper&action=stop",
                        "127.0.0.1:%d" % self.port),
            base + "unexpected%20rpc%20fault%20%5B70%5D%20NOT_RUNNING"
                   "%3A%20sleeper")
        # start waits for RUNNING (startsecs=1) without blocking others
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/index.html?processname=sleeper&action=start",
                  headers=dict(self.auth_headers(),
                               Host="127.0.0.1:%d" % self.port))
        t0 = time.monotonic()
        r, data = self.request("/ok.html")
        self.assertEqual(data, b"OK")
        self.assertLess(time.monotonic() - t0, 0.5)
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 301)
        self.assertGreater(time.monotonic() - t0, 0.8)
        self.assertEqual(r.getheader("Location"),
                         base + "Process%20sleeper%20started")
        self.assertEqual(self.state_of("sleeper"),
                         ("running", "statusrunning"))
        self.assertEqual(self.action("processname=sleeper&action=start",
                                     "127.0.0.1:%d" % self.port),
                         base + "ERROR%3A%20Process%20sleeper%3A%20already"
                                "%20started")

    def test_location_follows_the_host_header(self):
        # docs/supervisord.md §A.6, word for word
        self.assertEqual(
            self.action("processname=multi%3Amulti_00&action=start",
                        "localhost"),
            "http://localhost/?message=Process%20multi%3Amulti_00%20started")
        self.assertEqual(
            self.action("processname=multi:multi_00&action=stop",
                        "example.com:80", method="POST"),
            "http://example.com/?message=Process%20multi%3Amulti_00"
            "%20stopped")
        loc = self.action("action=refresh", "example.com:8080")
        self.assertRegex(loc, r"^http://example\.com:8080/\?message=Page"
                              r"%20refreshed%20at%20\w{3}%20\w{3}%20")

    def test_unknown_names_and_actions(self):
        loc = self.action("processname=nope&action=stop", "h")
        self.assertEqual(loc, "http://h/?message=No%20such%20process%20"
                              "named%20nope")
        # a group spec is not a process: nothing is started
        loc = self.action("processname=multi%3A%2A&action=start", "h")
        self.assertEqual(loc, "http://h/?message=No%20such%20process%20"
                              "named%20multi%3A%2A")
        r, _ = self.request("/index.html?action=bogus")
        self.assertEqual(r.status, 400)
        r, _ = self.request("/index.html?action=stop")
        self.assertEqual(r.status, 400)

    def test_restart(self):
        self.need("system.multicall")
        pid = self.rpc.supervisor.getProcessInfo("sleeper")["pid"]
        self.assertEqual(self.action("processname=sleeper&action=restart",
                                     "h"),
                         "http://h/?message=Process%20sleeper%20restarted")
        info = self.rpc.supervisor.getProcessInfo("sleeper")
        self.assertEqual(info["statename"], "RUNNING")
        self.assertNotEqual(info["pid"], pid)

    def test_clearlog(self):
        self.need("supervisor.clearProcessLogs")
        self.rpc.supervisor.sendProcessStdin("echoer", "to be cleared\n")
        path = os.path.join(self.d.dir, "echoer.log")
        sthtest.wait_for(lambda: os.path.getsize(path) > 0)
        self.assertEqual(self.action("processname=echoer&action=clearlog",
                                     "h"),
                         "http://h/?message=Log%20for%20echoer%20cleared")
        self.assertEqual(sthtest.read_text(path), "")

    def test_stopall_and_restartall(self):
        self.need("supervisor.stopAllProcesses",
                  "supervisor.startAllProcesses", "system.multicall")
        self.assertRegex(self.action("action=stopall", "h"),
                         r"^http://h/\?message=All%20stopped%20at%20")
        self.assertEqual(self.state_of("sleeper")[0], "stopped")
        self.assertRegex(self.action("action=restartall", "h"),
                         r"^http://h/\?message=All%20restarted%20at%20")
        self.assertEqual(self.state_of("sleeper")[0], "running")
        self.assertEqual(self.state_of("echoer")[0], "running")

    # --- tail.html --------------------------------------------------

    def test_tail_html(self):
        html = self.page("/tail.html?processname=quick")
        self.assertIn("<title>Supervisor tail of process quick</title>",
                      html)
        # (restartall, if it ran before, started quick once more)
        self.assertRegex(html, r'<pre id="tailbody">(quick-output\n)+</pre>')
        self.assertIn('href="tail.html?processname=quick&amp;limit=1024"',
                      html)
        html = self.page("/tail.html?processname=quick&limit=5000")
        self.assertIn("limit=5000", html)
        self.assertIn(">No process name found</pre>",
                      self.page("/tail.html"))
        self.assertIn(">ERROR: unexpected rpc fault [10] BAD_NAME: nope"
                      "</pre>", self.page("/tail.html?processname=nope"))

    def test_tail_html_shows_the_last_bytes(self):
        lines = "".join("line %04d <&>\n" % i for i in range(200))
        path = os.path.join(self.d.dir, "echoer.log")
        before = os.path.getsize(path)
        self.rpc.supervisor.sendProcessStdin("echoer", lines)
        sthtest.wait_for(lambda: os.path.getsize(path) >= before +
                         len(lines))
        html = self.page("/tail.html?processname=echoer")
        pre = re.search(r'<pre id="tailbody">(.*)</pre>', html, re.S).group(1)
        self.assertIn("line 0199 &lt;&amp;&gt;\n", pre)
        self.assertNotIn("line 0100 ", pre)   # only the last 1024 bytes
        html = self.page("/tail.html?processname=echoer&limit=100000")
        self.assertIn("line 0000 &lt;&amp;&gt;", html)

    # --- /logtail and /mainlogtail ------------------------------------

    def stream(self, path):
        s = ChunkedStream(self.port, path, self.auth_header())
        self.addCleanup(s.close)
        return s

    def auth_headers(self):
        if not self.auth:
            return {}
        return {"Authorization": "Basic " + base64.b64encode(
            ("%s:%s" % self.auth).encode()).decode()}

    def auth_header(self):
        return "".join("%s: %s\r\n" % kv
                       for kv in self.auth_headers().items())

    def test_logtail_streams_a_growing_log(self):
        self.rpc.supervisor.sendProcessStdin("echoer", "first\n")
        path = os.path.join(self.d.dir, "echoer.log")
        sthtest.wait_for(lambda: b"first\n" in open(path, "rb").read())
        s = self.stream("/logtail/echoer")
        self.assertEqual(s.read_head(), 200)
        self.assertEqual(s.headers["content-type"],
                         "text/plain;charset=utf-8")
        self.assertEqual(s.headers["x-accel-buffering"], "no")
        self.assertEqual(s.headers["transfer-encoding"], "chunked")
        self.assertIn("last-modified", s.headers)
        self.assertNotIn("content-length", s.headers)
        s.read_until(b"first\n")
        for i in range(5):
            self.rpc.supervisor.sendProcessStdin("echoer", "more %d\n" % i)
            s.read_until(b"more %d\n" % i)
        self.assertFalse(s.ended)

    def test_logtail_starts_with_the_last_1024_bytes(self):
        path = os.path.join(self.d.dir, "echoer.log")
        blob = "".join("%05d\n" % i for i in range(1000))
        before = os.path.getsize(path)
        self.rpc.supervisor.sendProcessStdin("echoer", blob)
        sthtest.wait_for(lambda: os.path.getsize(path) >= before + 6000)
        s = self.stream("/logtail/echoer/stdout")
        s.read_head()
        body = s.read_until(b"00999\n")
        self.assertEqual(len(body), 1024)
        self.assertEqual(body, open(path, "rb").read()[-1024:])

    def test_logtail_follows_rotation_without_losing_bytes(self):
        s = self.stream("/logtail/rotor")
        self.assertEqual(s.read_head(), 200)
        sent = b""
        for i in range(12):      # 12 x 300 bytes over a 1KB maxbytes
            chunk = ("%02d" % i).encode() * 149 + b"\n"
            self.rpc.supervisor.sendProcessStdin("rotor", chunk.decode())
            sent += chunk
            time.sleep(0.15)
        body = s.read_until(sent[-300:], timeout=5)
        self.assertTrue(os.path.exists(os.path.join(self.d.dir,
                                                    "rotor.log.1")))
        self.assertTrue(body.endswith(sent), body[-600:])

    def test_logtail_reports_truncation(self):
        path = os.path.join(self.d.dir, "echoer.log")
        self.rpc.supervisor.sendProcessStdin("echoer", "before-trunc\n")
        sthtest.wait_for(lambda: b"before-trunc" in open(path, "rb").read())
        s = self.stream("/logtail/echoer")
        s.read_head()
        s.read_until(b"before-trunc\n")
        os.truncate(path, 0)
        time.sleep(0.3)
        self.rpc.supervisor.sendProcessStdin("echoer", "after-trunc\n")
        body = s.read_until(b"after-trunc\n")
        self.assertIn(b"before-trunc\n==> File truncated <==\n", body)

    def test_logtail_errors(self):
        for path in ("/logtail/nope", "/logtail/echoer/bogus",
                     "/logtail/multi%3A%2A", "/logtail/"):
            r, _ = self.request(path)
            self.assertEqual(r.status, 404, path)
        r, _ = self.request("/logtail/echoer", "POST", "x")
        self.assertEqual(r.status, 400)
        s = self.stream("/logtail/sleeper/stderr")
        self.assertEqual(s.read_head(), 200)

    def test_mainlogtail(self):
        s = self.stream("/mainlogtail")
        self.assertEqual(s.read_head(), 200)
        self.assertEqual(s.headers["content-type"],
                         "text/plain;charset=utf-8")
        self.assertNotIn("x-accel-buffering", s.headers)
        s.read_until(b"INFO ")
        # an action writes to the main log: it shows up in the stream
        self.action("processname=multi%3Amulti_01&action=start", "h")
        s.read_until(b"spawned: 'multi_01' with pid")
        self.action("processname=multi%3Amulti_01&action=stop", "h")

    def test_supervisorctl_tail_f(self):
        self.need("supervisor.getVersion", "supervisor.getSupervisorVersion")
        ctl = shutil.which("supervisorctl") or "/usr/bin/supervisorctl"
        url = "http://127.0.0.1:%d" % self.port
        args = [ctl, "-s", url]
        if self.auth:
            args += ["-u", self.auth[0], "-p", self.auth[1]]
        self.rpc.supervisor.sendProcessStdin("echoer", "ctl-before\n")
        p = subprocess.Popen(args + ["tail", "-f", "echoer"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        r = sthtest.OutputReader(p)
        try:
            # the tail shows what is in the log already, then follows it
            self.assertTrue(r.until(b"ctl-before"), r.out)
            self.rpc.supervisor.sendProcessStdin("echoer", "ctl-after\n")
            self.assertTrue(r.until(b"ctl-after"), r.out)
        finally:
            p.terminate()
            p.communicate(timeout=10)


class WebUIAuth(WebUI):
    """The same daemon behind Basic auth: every handler asks for it."""
    auth = ("admin", "s3cret")

    def test_401_without_credentials(self):
        for path in ("/", "/index.html?processname=sleeper&action=stop",
                     "/tail.html?processname=quick", "/ok.html",
                     "/logtail/echoer", "/mainlogtail"):
            r, data = self.request(path, headers={
                "Authorization": "Basic " + "YWRtaW46d3Jvbmc="})
            self.assertEqual(r.status, 401, path)
            self.assertEqual(r.getheader("WWW-Authenticate"),
                             'Basic realm="default"')
            self.assertEqual(r.getheader("Connection"), "close")
            self.assertEqual(r.getheader("Content-Length"), "137")
        # the refused stop did not happen
        self.assertEqual(self.state_of("sleeper")[0], "running")


@unittest.skipUnless(have_plugin("webui") and have_plugin("http"),
                     "webui.so / http.so not built")
class WebUILive(unittest.TestCase):
    """webui unloads, loads and reloads while a tail streams: the stream
    ends cleanly, the pages go and come back, nothing leaks."""

    def setUp(self):
        self.port = free_port()
        self.d = sthtest.Sthenod()
        self.addCleanup(stop_and_cleanup, self.d)
        self.d.extra = ("[inet_http_server]\nport=127.0.0.1:%d\n"
                        % self.port) + PROGRAMS.replace("@DIR@", self.d.dir)
        self.d.opts["childlogdir"] = self.d.dir
        self.d.write_config()
        self.d.start()
        self.rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2"
                                             % self.port)

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status

    def open_tail(self):
        s = ChunkedStream(self.port, "/logtail/echoer")
        self.addCleanup(s.close)
        self.assertEqual(s.read_head(), 200)
        self.rpc.supervisor.sendProcessStdin("echoer", "live\n")
        s.read_until(b"live\n")
        return s

    def wait_end(self, s, timeout=10):
        deadline = time.monotonic() + timeout
        while not s.ended and time.monotonic() < deadline:
            s._decode()
            if not s.ended:
                s._recv(0.2)
        self.assertTrue(s.ended, "the stream did not end")

    def test_unload_load_reload_while_streaming(self):
        s = self.open_tail()
        self.assertTrue(self.rpc.plugin.unload("webui"))
        self.wait_end(s)
        # while it drains it answers 503; once it is gone nobody has "/"
        self.assertTrue(self.d.wait_log(r"plugin 'webui' unloaded"),
                        self.d.describe())
        self.assertEqual(self.get("/"), 404)
        self.assertEqual(self.get("/ok.html"), 404)
        # the processes and the RPC do not notice
        self.assertEqual(self.rpc.supervisor.getProcessInfo("echoer")
                         ["statename"], "RUNNING")
        self.assertTrue(self.rpc.plugin.load("webui"))
        self.assertEqual(self.get("/ok.html"), 200)
        s = self.open_tail()
        self.assertTrue(self.rpc.plugin.reload("webui"))
        self.wait_end(s)
        self.assertEqual(self.get("/"), 200)
        self.open_tail()
        log = self.d.read_log()
        self.assertNotRegex(log, r"(?i)webui.*(leak|zombie)")
        self.assertEqual(self.d.stop(), 0)

    def test_client_or_plugin_gone_during_a_deferred_action(self):
        self.assertTrue(self.d.wait_log(r"success: sleeper entered RUNNING"))
        self.rpc.supervisor.stopProcess("sleeper")
        # the client leaves while start waits for RUNNING (startsecs=1)
        c = socket.create_connection(("127.0.0.1", self.port))
        c.sendall(b"GET /index.html?processname=sleeper&action=start "
                  b"HTTP/1.1\r\nHost: h\r\n\r\n")
        self.assertTrue(self.d.wait_log(r"spawned: 'sleeper'", count=2),
                        self.d.read_log())
        c.close()
        self.assertTrue(self.d.wait_log(
            r"success: sleeper entered RUNNING", count=2),
            self.d.read_log())
        self.rpc.supervisor.stopProcess("sleeper")
        # the plugin unloads while start waits: the client gets an
        # answer (503) instead of hanging
        c = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.addCleanup(c.close)
        c.sendall(b"GET /index.html?processname=sleeper&action=start "
                  b"HTTP/1.1\r\nHost: h\r\n\r\n")
        self.assertTrue(self.d.wait_log(r"spawned: 'sleeper'", count=3),
                        self.d.read_log())
        self.assertTrue(self.rpc.plugin.unload("webui"))
        head = c.recv(4096)
        self.assertRegex(head, rb"^HTTP/1.1 (503|301) ")
        self.assertTrue(self.rpc.plugin.load("webui"))
        self.assertEqual(self.get("/ok.html"), 200)
        self.assertEqual(self.d.stop(), 0)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@unittest.skipUnless(have_plugin("webui") and have_plugin("http"),
                     "webui.so / http.so not built")
@unittest.skipUnless(CHROMIUM, "chromium is not installed")
class WebUIChromium(unittest.TestCase):
    """Headless chromium loads the page, then 'clicks' Stop and Start by
    following their links (and the 301s), and the DOM shows the state
    change; a screenshot is left in $STHENO_WEBUI_SHOT if set."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.d = sthtest.Sthenod()
        cls.d.extra = ("[inet_http_server]\nport=127.0.0.1:%d\n"
                       % cls.port) + PROGRAMS.replace("@DIR@", cls.d.dir)
        cls.d.opts["childlogdir"] = cls.d.dir
        cls.d.write_config()
        cls.d.start_or_cleanup(log=r"success: sleeper entered RUNNING")

    @classmethod
    def tearDownClass(cls):
        # a clean exit, which under ASan also means no leak and no error
        cls.d.stop_and_cleanup()

    def chromium(self, url, *extra):
        prof = tempfile.mkdtemp(prefix="sth-chromium-")
        try:
            r = subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + prof] + list(extra) + [url],
                capture_output=True, timeout=90)
        finally:
            shutil.rmtree(prof, ignore_errors=True)
        return r.stdout.decode(errors="replace")

    def row_state(self, dom, ns):
        m = re.search(r'<span class="(\w+)">(\w+)</span>(?:(?!</tr>).)*'
                      r'target="_blank">%s</a>' % re.escape(ns), dom, re.S)
        self.assertIsNotNone(m, "no row for %s in:\n%s" % (ns, dom[-3000:]))
        return m.group(2)

    def test_page_and_stop_start_clicks(self):
        base = "http://127.0.0.1:%d/" % self.port
        dom = self.chromium(base, "--dump-dom")
        self.assertIn("<title>Supervisor Status</title>", dom)
        self.assertEqual(self.row_state(dom, "sleeper"), "running")
        self.assertIn("Restart All", dom)
        dom = self.chromium(base + "index.html?processname=sleeper"
                            "&action=stop", "--dump-dom")
        self.assertIn('class="status_msg">Process sleeper stopped</div>',
                      dom)
        self.assertEqual(self.row_state(dom, "sleeper"), "stopped")
        dom = self.chromium(base + "index.html?processname=sleeper"
                            "&action=start", "--dump-dom")
        self.assertIn('class="status_msg">Process sleeper started</div>',
                      dom)
        self.assertEqual(self.row_state(dom, "sleeper"), "running")
        shot = os.environ.get("STHENO_WEBUI_SHOT")
        if shot:
            self.chromium(base + "?message=Process%20sleeper%20started",
                          "--screenshot=" + shot, "--window-size=1200,800")
            self.assertTrue(os.path.getsize(shot) > 0)


if __name__ == "__main__":
    unittest.main()
