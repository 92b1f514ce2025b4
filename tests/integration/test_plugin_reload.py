#!/usr/bin/python3
"""test_plugin_reload.py — reloading a plugin that others use.

A provider (http) is used by consumers (xmlrpc, webui, files) through its
service.  Reloading the provider must keep every consumer's endpoint
answering, through the real clients (supervisorctl, curl, xmlrpc.client),
and nothing that follows (reloading a consumer, unloading one, SIGTERM)
may crash the daemon or orphan its children.  See docs/plugin-guide.md,
"A provider's reload".

Needs monitor.so, sthenoctl and the http plugins built."""

import http.client
import os
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


def have_plugins(*names):
    path = sthtest.PLUGIN_PATH
    return bool(path) and all(
        os.path.exists(os.path.join(path, n + ".so")) for n in names)


@unittest.skipUnless(have_plugins("monitor", "http", "xmlrpc", "webui",
                                  "files") and
                     os.access(STHENOCTL, os.X_OK), "plugins not built")
class ProviderReload(unittest.TestCase):

    def setUp(self):
        self.port = free_port()
        self.files = free_port()
        self.d = sthtest.Sthenod()
        self.addCleanup(self.d.cleanup)
        root = os.path.join(self.d.dir, "www")
        os.mkdir(root)
        with open(os.path.join(root, "a.txt"), "w") as f:
            f.write("static bytes\n")
        self.d.extra = (
            "[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
            "[inet_http_server]\nport=127.0.0.1:%d\n"
            "[unix_http_server]\nfile=%%(here)s/ctl.sock\n"
            "[supervisorctl]\nserverurl=unix://%%(here)s/ctl.sock\n"
            "[http_server:pub]\nlisten=127.0.0.1:%d\nroot=%s\n"
            "[plugin:files]\n"
            "[program:sleeper]\ncommand=/bin/sleep 600\n"
            % (self.port, self.files, root))
        self.d.write_config()
        self.d.start()
        self.assertTrue(self.d.wait_log(r"success: sleeper entered RUNNING"))

    def ctl(self, *args):
        return subprocess.run([STHENOCTL, "-c", self.d.conf] + list(args),
                              capture_output=True, text=True, timeout=30)

    def ok(self, *args):
        r = self.ctl(*args)
        self.assertEqual(r.returncode, 0, "%s: %s%s" % (args, r.stdout,
                                                         r.stderr))
        return r.stdout

    def supervisorctl(self, *args):
        return subprocess.run(["supervisorctl", "-c", self.d.conf] +
                              list(args), capture_output=True, text=True,
                              timeout=30)

    def get(self, port, path):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def assert_endpoints(self):
        r = self.supervisorctl("status")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"sleeper\s+RUNNING")
        with xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" %
                                       self.port) as rpc:
            self.assertEqual(rpc.supervisor.getState()["statename"],
                             "RUNNING")
        self.assertEqual(self.get(self.port, "/")[0], 200)
        self.assertEqual(self.get(self.files, "/a.txt"),
                         (200, b"static bytes\n"))

    def assert_clean_exit(self):
        child = [p for p in sthtest.descendants(self.d.pid)]
        self.assertTrue(child, "sleeper is not a child of sthenod")
        rc = self.d.stop(timeout=20)
        self.assertEqual(rc, 0, self.d.stderr_text())
        for pid in child:
            self.assertTrue(sthtest.wait_for(
                lambda: not sthtest.pid_alive(pid), 5),
                "child %d orphaned" % pid)
        self.assertFalse(os.path.exists(self.d.pidfile))

    def test_reload_http_keeps_every_consumer_answering(self):
        out = self.ok("plugin.reload", "http")
        self.assertIn("reloaded", out)
        self.assert_endpoints()
        # the consumers' next steps reach the new provider, not the old one
        self.ok("plugin.reload", "xmlrpc")
        self.assert_endpoints()
        self.ok("plugin.reload", "http")
        self.ok("plugin.unload", "files")
        self.assertEqual(self.get(self.files, "/a.txt")[0], 404)
        self.ok("plugin.load", "files")
        self.assert_endpoints()
        # every record plugin.list shows is one that serves
        listed = self.ok("plugin.list")
        self.assertNotIn("draining", listed)
        self.assert_clean_exit()

    def test_twenty_reloads_under_traffic_answer_only_2xx(self):
        stop = threading.Event()
        bad = []
        counts = {"n": 0}

        def hammer(port, path, body=None):
            conn = None
            while not stop.is_set():
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(
                            "127.0.0.1", port, timeout=10)
                    if body is None:
                        conn.request("GET", path)
                    else:
                        conn.request("POST", path, body,
                                     {"Content-Type": "text/xml"})
                    r = conn.getresponse()
                    r.read()
                    counts["n"] += 1
                    if r.status // 100 != 2:
                        bad.append((path, r.status))
                    if r.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                except (ConnectionError, http.client.HTTPException,
                        OSError) as e:
                    # the old server closes its keep-alive connections
                    # only between requests, after a request's answer
                    # (Connection: close) or after a second of silence: a
                    # request sent never finds its connection reset
                    bad.append((path, repr(e)))
                    if conn is not None:
                        conn.close()
                        conn = None
            if conn is not None:
                conn.close()

        call = xmlrpc.client.dumps((), "supervisor.getState")
        threads = [threading.Thread(target=hammer, args=a) for a in
                   ((self.port, "/RPC2", call), (self.port, "/", None),
                    (self.files, "/a.txt", None))]
        for t in threads:
            t.start()
        try:
            for i in range(20):
                self.ok("plugin.reload", "http")
                r = self.supervisorctl("status", "sleeper")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertEqual(bad, [])
        self.assertGreater(counts["n"], 100)
        self.assert_endpoints()
        self.assert_clean_exit()


TEST_PLUGINS = os.path.join(BUILDDIR, "tests", "plugins", ".libs")


@unittest.skipUnless(have_plugins("monitor", "http") and
                     os.path.exists(os.path.join(TEST_PLUGINS,
                                                 "forgetful.so")) and
                     os.access(STHENOCTL, os.X_OK), "plugins not built")
class ForgetfulConsumer(unittest.TestCase):
    """A consumer that leaves its HTTP handler behind at unload: the host
    has http drop it before the consumer's code is unmapped."""

    def test_handler_left_behind_is_dropped_not_called(self):
        port = free_port()
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        d.extra = ("[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
                   "[http_server:pub]\nlisten=127.0.0.1:%d\n" % port)
        d.write_config()
        d.start(env={"STHENO_PLUGIN_PATH": sthtest.PLUGIN_PATH + ":" +
                     TEST_PLUGINS})

        def ctl(*args):
            r = subprocess.run([STHENOCTL, "-c", d.conf] + list(args),
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def get(path, timeout=10):
            c = http.client.HTTPConnection("127.0.0.1", port,
                                           timeout=timeout)
            try:
                c.request("GET", path)
                r = c.getresponse()
                return r.status, r.read()
            finally:
                c.close()

        ctl("plugin.load", "forgetful")
        self.assertEqual(get("/forgetful"), (200, b"forgotten\n"))
        held = {}
        t = threading.Thread(target=lambda: held.update(
            answer=get("/forgetful/hold", timeout=30)))
        t.start()
        self.assertTrue(sthtest.wait_for(
            lambda: self.conns(d.pid, port) >= 1, 10))
        ctl("plugin.unload", "forgetful")
        self.assertTrue(d.wait_log(r"plugin 'forgetful' unloaded$"),
                        d.read_log())
        t.join(30)
        # the pending request ends with 503, without a call into the
        # unmapped plugin; the path is gone; the daemon goes on
        self.assertEqual(held.get("answer", (None,))[0], 503)
        self.assertEqual(get("/forgetful")[0], 404)
        self.assertRegex(d.read_log(), r"WARN .*a handler of plugin "
                         r"'forgetful' \(/forgetful\) was left behind")
        ctl("plugin.load", "forgetful")
        self.assertEqual(get("/forgetful")[0], 200)
        ctl("plugin.reload", "http")
        self.assertEqual(get("/forgetful")[0], 200)
        self.assertTrue(sthtest.pid_alive(d.pid))
        self.assertEqual(d.stop(timeout=20), 0, d.stderr_text())

    @staticmethod
    def conns(pid, port):
        """Established connections to port on the daemon's side."""
        n = 0
        with open("/proc/%d/net/tcp" % pid) as f:
            for line in f.readlines()[1:]:
                local, st = line.split()[1], line.split()[3]
                if st == "01" and int(local.split(":")[1], 16) == port:
                    n += 1
        return n


if __name__ == "__main__":
    unittest.main()
