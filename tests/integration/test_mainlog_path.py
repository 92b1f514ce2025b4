"""test_mainlog_path.py — stheno.getMainLogPath and the web UI's
/mainlogtail, which follows the main log the core really writes: the -l
command-line flag (relative to where sthenod started), [supervisord]
logfile otherwise, the new logfile after a SIGHUP, and a 404 for syslog.
Debian's supervisord runs beside sthenod where the two must agree (its
/mainlogtail honours -l too).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

SUPERVISORD = "/usr/bin/supervisord"



def have_plugin(name):
    return any(os.path.exists(os.path.join(d, name + ".so"))
               for d in sthtest.PLUGIN_PATH.split(":") if d)


def get_stream(port, path, needle, timeout=5):
    """GET path; (status, body bytes up to and including needle).  The
    chunked framing is left in: only whether needle arrives matters."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   % path).encode())
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in data or (needle is not None and
                                          needle not in data):
            if time.monotonic() > deadline:
                break
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            data += b
            if data.startswith(b"HTTP/1.1 404") and b"\r\n\r\n" in data:
                break
        status = int(data.split(b" ", 2)[1]) if data else 0
        return status, data.split(b"\r\n\r\n", 1)[-1], data
    finally:
        s.close()


CONF = """[supervisord]
logfile=%(logfile)s
pidfile=%(dir)s/d.pid
childlogdir=%(dir)s
loglevel=info
[inet_http_server]
port=127.0.0.1:%(port)d
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:marker]
command=/bin/sleep 100
"""


@unittest.skipUnless(have_plugin("webui") and have_plugin("http") and
                     have_plugin("xmlrpc"), "webui/http/xmlrpc not built")
class MainLogPath(unittest.TestCase):
    def daemon(self, logfile):
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        d.port = free_port()
        d.write_config(CONF % {"logfile": logfile, "dir": d.dir,
                               "port": d.port})
        return d

    def rpc(self, d):
        r = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % d.port)
        self.addCleanup(r("close"))
        return r

    def wait_rpc(self, d):
        ok = sthtest.wait_for(lambda: self._up(d), 10)
        self.assertTrue(ok, d.describe())

    @staticmethod
    def _up(d):
        try:
            with xmlrpc.client.ServerProxy(
                    "http://127.0.0.1:%d/RPC2" % d.port) as r:
                return r.supervisor.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Error):
            return False

    def test_dash_l_wins_over_the_config_and_mainlogtail_follows_it(self):
        d = self.daemon("from-config.log")
        cli = os.path.join(d.dir, "from-cli.log")
        # -l relative to the directory sthenod starts in (d.dir)
        d.start(args=("-n", "-l", "from-cli.log"), log=cli)
        self.wait_rpc(d)
        r = self.rpc(d)
        self.assertEqual(r.stheno.getMainLogPath(), cli)
        self.assertFalse(os.path.exists(os.path.join(d.dir,
                                                     "from-config.log")))
        status, body, raw = get_stream(d.port, "/mainlogtail",
                                       b"supervisord started with pid")
        self.assertEqual(status, 200, raw)
        self.assertIn(b"supervisord started with pid %d" % d.pid, body)
        # and it follows: a new line in the -l log reaches the stream
        r.supervisor.stopProcess("marker")
        status, body, raw = get_stream(d.port, "/mainlogtail",
                                       b"stopped: marker")
        self.assertIn(b"stopped: marker (terminated by SIGTERM)", body)
        self.assertEqual(d.stop(), 0)

    def test_config_logfile_then_the_new_one_after_sighup(self):
        d = self.daemon("first.log")
        d.start(log=os.path.join(d.dir, "first.log"))
        self.wait_rpc(d)
        self.assertEqual(self.rpc(d).stheno.getMainLogPath(),
                         os.path.join(d.dir, "first.log"))
        with open(d.conf) as f:
            text = f.read()
        with open(d.conf, "w") as f:
            f.write(text.replace("logfile=first.log", "logfile=second.log"))
        d.send_signal(signal.SIGHUP)
        second = os.path.join(d.dir, "second.log")
        self.assertTrue(d.wait_log(r"supervisord started with pid",
                                   path=second), d.describe())
        self.wait_rpc(d)
        self.assertEqual(self.rpc(d).stheno.getMainLogPath(), second)
        status, body, raw = get_stream(d.port, "/mainlogtail",
                                       b"supervisord started")
        self.assertEqual(status, 200, raw)
        self.assertNotIn(b"received SIGHUP", body)  # first.log's last line
        self.assertEqual(d.stop(), 0)

    def test_syslog_has_no_file_to_tail(self):
        d = self.daemon("syslog")
        d.start(wait=False)
        self.wait_rpc(d)
        self.assertEqual(self.rpc(d).stheno.getMainLogPath(), "syslog")
        status, _, raw = get_stream(d.port, "/mainlogtail", None)
        self.assertEqual(status, 404, raw)
        self.assertEqual(d.stop(), 0)

    def test_method_is_introspectable_and_checks_its_parameters(self):
        d = self.daemon("m.log")
        d.start(log=os.path.join(d.dir, "m.log"))
        self.wait_rpc(d)
        r = self.rpc(d)
        names = r.system.listMethods()
        self.assertIn("stheno.getMainLogPath", names)
        # supervisor's own namespace keeps its 37 names
        self.assertEqual(len([n for n in names
                              if n.startswith("supervisor.")]), 37)
        self.assertEqual(r.system.methodSignature("stheno.getMainLogPath"),
                         ["string"])
        self.assertIn("-l", r.system.methodHelp("stheno.getMainLogPath"))
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            r.stheno.getMainLogPath("extra")
        self.assertEqual(cm.exception.faultCode, 2)
        self.assertEqual(d.stop(), 0)


@unittest.skipUnless(os.path.exists(SUPERVISORD), "no supervisord")
class SupervisordAgrees(unittest.TestCase):
    """supervisord's /mainlogtail follows -l too: the behaviour sthenod
    now has (before stheno.getMainLogPath it tailed the config's file)."""

    def test_supervisord_mainlogtail_follows_dash_l(self):
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        port = free_port()
        d.write_config(CONF % {"logfile": "from-config.log", "dir": d.dir,
                               "port": port})
        p = subprocess.Popen([SUPERVISORD, "-n", "-c", d.conf, "-l",
                              "from-cli.log"], cwd=d.dir,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             start_new_session=True)

        def stop():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        self.addCleanup(stop)
        cli = os.path.join(d.dir, "from-cli.log")
        self.assertTrue(sthtest.wait_for(
            lambda: "supervisord started" in sthtest.read_text(cli), 15))
        status, body, raw = get_stream(port, "/mainlogtail",
                                       b"supervisord started with pid")
        self.assertEqual(status, 200, raw)
        self.assertIn(b"supervisord started with pid %d" % p.pid, body)


if __name__ == "__main__":
    unittest.main()
