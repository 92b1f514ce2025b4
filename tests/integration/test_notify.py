#!/usr/bin/python3
"""sthenod under a service manager: this test plays systemd's side of
NOTIFY_SOCKET (an AF_UNIX datagram socket, sd_notify(3)'s format) and
checks READY=1 once the servers listen, RELOADING=1 then READY=1 around a
SIGHUP, STOPPING=1 at shutdown, and that programs do not inherit
NOTIFY_SOCKET.  Then the packaged config (sthenod --print-config, with its
paths moved into a scratch folder) starts, with a program from its
conf.d/, and etc/stheno.service passes systemd-analyze verify."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402


class Manager:
    """systemd's end: a datagram socket; next() is one message as a
    dict (and its raw text)."""

    def __init__(self, folder, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "sthtest-notify-%d-%d" % (os.getpid(), id(self))
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            self.env = os.path.join(folder, "notify.sock")
            self.sock.bind(self.env)
        self.sock.settimeout(30)

    def next(self):
        data = self.sock.recv(4096).decode()
        return dict(kv.split("=", 1) for kv in data.split("\n") if kv), data

    def close(self):
        self.sock.close()


class Notify(unittest.TestCase):

    def daemon(self, extra, abstract=False):
        d = sthtest.Sthenod(extra=extra)
        self.addCleanup(d.cleanup)
        m = Manager(d.dir, abstract)
        self.addCleanup(m.close)
        return d, m

    def test_ready_reload_stopping(self):
        port = sthtest.free_port()
        d, m = self.daemon(
            "[inet_http_server]\nport=127.0.0.1:%d\n"
            "[program:envdump]\ncommand=/bin/sh -c 'env > %s/env.txt; "
            "exec sleep 600'\nstartsecs=0\n" % (port, "%(here)s"))
        d.start(env={"NOTIFY_SOCKET": m.env}, wait=False)
        msg, raw = m.next()
        self.assertEqual(msg.get("READY"), "1", raw)
        self.assertEqual(msg.get("MAINPID"), str(d.pid), raw)
        # ready means listening: the control server answers now
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        self.assertTrue(d.wait_log(r"success: envdump entered RUNNING"),
                        d.describe())
        env = os.path.join(d.dir, "env.txt")
        self.assertTrue(sthtest.wait_for(
            lambda: "PATH=" in sthtest.read_text(env)), d.describe())
        self.assertNotIn("NOTIFY_SOCKET", sthtest.read_text(env))
        # SIGHUP: RELOADING=1, then READY=1 once it is running again
        d.send_signal(signal.SIGHUP)
        msg, raw = m.next()
        self.assertEqual(msg.get("RELOADING"), "1", raw)
        self.assertIn("MONOTONIC_USEC", msg, raw)
        msg, raw = m.next()
        self.assertEqual(msg.get("READY"), "1", raw)
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        # SIGTERM: STOPPING=1 first, then a clean exit
        d.send_signal(signal.SIGTERM)
        msg, raw = m.next()
        self.assertEqual(msg.get("STOPPING"), "1", raw)
        self.assertEqual(d.wait_exit(), 0, d.describe())

    def test_abstract_socket(self):
        d, m = self.daemon("", abstract=True)
        d.start(env={"NOTIFY_SOCKET": m.env}, wait=False)
        msg, raw = m.next()
        self.assertEqual(msg.get("READY"), "1", raw)
        self.assertEqual(d.stop(), 0)

    def test_packaged_config(self):
        out = sthtest.run_sthenod(["--print-config"])
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(os.environ["STHENO_SRCDIR"], "etc",
                               "stheno.conf")) as f:
            self.assertEqual(out.stdout, f.read())
        self.assertIn("[include]\nfiles = conf.d/*.conf\n", out.stdout)
        d, m = self.daemon("")
        text = out.stdout
        for old in ("/var/log/stheno", "/run/"):
            self.assertIn(old, text)
            text = text.replace(old, d.dir + "/")
        os.mkdir(os.path.join(d.dir, "conf.d"))
        with open(os.path.join(d.dir, "conf.d", "hello.conf"), "w") as f:
            f.write("[program:hello]\ncommand=/bin/sleep 600\n"
                    "startsecs=0\n")
        d.write_config(text)
        d.log = os.path.join(d.dir, "sthenod.log")
        d.start(env={"NOTIFY_SOCKET": m.env}, wait=False)
        msg, raw = m.next()
        self.assertEqual(msg.get("READY"), "1", raw + d.describe())
        self.assertTrue(d.wait_log(r"success: hello entered RUNNING"),
                        d.describe())
        self.assertTrue(os.path.exists(os.path.join(d.dir, "stheno.sock")))
        self.assertEqual(d.stop(), 0)

    def test_unit_verifies(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("no systemd-analyze")
        unit = os.path.join(os.environ["STHENO_BUILDDIR"], "etc",
                            "stheno.service")
        if not os.path.exists(unit):
            self.skipTest("built without a unit")
        with open(unit) as f:
            text = f.read()
        self.assertIn("Type=notify\n", text)
        self.assertIn("ExecReload=/bin/kill -HUP $MAINPID\n", text)
        # the installed paths need not exist here: point at the build
        start = [x for x in text.splitlines()
                 if x.startswith("ExecStart=")][0]
        text = text.replace(start, "ExecStart=%s -n -c /dev/null"
                            % os.environ["STHENOD"])
        tmp = tempfile.mkdtemp(prefix="sth-unit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "stheno.service")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", path],
                           capture_output=True, text=True, timeout=60)
        # only this unit's own lines count (the host's units may warn)
        mine = [x for x in (r.stdout + r.stderr).splitlines()
                if "stheno.service" in x]
        self.assertEqual(mine, [], r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
