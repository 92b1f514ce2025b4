#!/usr/bin/python3
"""A program's log files and its stdin buffer, seen from outside
a child that has exited leaves no fd of its logs open in the
daemon (/proc/PID/fd), as under supervisord, and the logs still tail,
clear, reopen (SIGUSR2) and take the next run's output after the last;
sendProcessStdin to a child that never reads stops at 1 MiB pending with
FAILED, and the daemon does not grow.

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_proc_logs.py -v
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

SUPERVISORD = "/usr/bin/supervisord"
MIB = 1 << 20

RPC = """
[unix_http_server]
file=@DIR@/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

PROGRAMS = """
[program:echo]
command=/bin/sh -c 'echo hi; echo oops >&2'
startsecs=0
autorestart=false
stdout_logfile=@DIR@/echo.out
stderr_logfile=@DIR@/echo.err
[program:sleeper]
command=/bin/sleep 1000
startsecs=0
stdout_logfile=@DIR@/sleeper.out
stderr_logfile=@DIR@/sleeper.err
"""


def client(path):
    from supervisor.xmlrpc import SupervisorTransport
    t = SupervisorTransport(None, None, "unix://" + path)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def fds_on(pid, path):
    """How many of pid's fds are open on path."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                n += 1
        except OSError:
            pass
    return n


def under_asan(pid):
    """True if pid runs with AddressSanitizer, whose quarantine keeps
    freed memory resident (RSS then says nothing about buffering)."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


class ProcLogs(unittest.TestCase):

    def setUp(self):
        self.d = sthtest.Sthenod(loglevel="info")
        self.d.opts["childlogdir"] = self.d.dir
        self.d.extra = (RPC + PROGRAMS).replace("@DIR@", self.d.dir)
        self.d.write_config()
        self.rpc = None

    def tearDown(self):
        if self.rpc is not None:
            self.rpc("close")()
        self.d.cleanup()

    def start(self):
        self.d.start()
        self.rpc = client(os.path.join(self.d.dir, "s.sock"))

    def path(self, name):
        return os.path.join(self.d.dir, name)

    def wait_state(self, name, statename):
        s = self.rpc.supervisor
        ok = sthtest.wait_for(
            lambda: s.getProcessInfo(name)["statename"] == statename, 10)
        self.assertTrue(ok, "%s is not %s:\n%s" % (
            name, statename, self.d.describe()))

    def log_fds(self, prog):
        return (fds_on(self.d.pid, self.path(prog + ".out")) +
                fds_on(self.d.pid, self.path(prog + ".err")))

    def test_exited_child_holds_no_log_fd(self):
        self.start()
        s = self.rpc.supervisor
        self.wait_state("echo", "EXITED")
        self.wait_state("sleeper", "RUNNING")
        # a running child's two logs are open, an exited one's are not
        self.assertEqual(self.log_fds("sleeper"), 2)
        self.assertEqual(self.log_fds("echo"), 0, self.d.describe())
        self.assertEqual(sthtest.read_text(self.path("echo.out")), "hi\n")
        self.assertEqual(s.tailProcessStdoutLog("echo", 0, 100),
                         ["hi\n", 3, False])
        self.assertEqual(s.readProcessStderrLog("echo", 0, 0), "oops\n")

        # SIGUSR2 reopens the open logs only: no new file, no fd
        os.rename(self.path("echo.out"), self.path("echo.out.1"))
        self.d.send_signal(signal.SIGUSR2)
        self.assertTrue(self.d.wait_log(
            r"received SIGUSR2 indicating log reopen request"))
        self.assertEqual(s.getState()["statename"], "RUNNING")
        self.assertFalse(os.path.exists(self.path("echo.out")))
        self.assertEqual(self.log_fds("echo"), 0)
        self.assertEqual(self.log_fds("sleeper"), 2)
        os.rename(self.path("echo.out.1"), self.path("echo.out"))

        # the next run appends to the same file and closes it again
        self.assertTrue(s.startProcess("echo"))
        self.wait_state("echo", "EXITED")
        self.assertEqual(sthtest.read_text(self.path("echo.out")),
                         "hi\nhi\n")
        self.assertEqual(self.log_fds("echo"), 0)

        # clearing a stopped program's logs empties the files
        self.assertTrue(s.clearProcessLogs("echo"))
        self.assertEqual(sthtest.read_text(self.path("echo.out")), "")
        self.assertEqual(sthtest.read_text(self.path("echo.err")), "")
        self.assertEqual(s.tailProcessStdoutLog("echo", 0, 100),
                         ["", 0, False])
        self.assertEqual(self.log_fds("echo"), 0)

        # removing the group of a stopped program works as before
        self.assertTrue(s.stopProcess("sleeper"))
        self.assertEqual(self.log_fds("sleeper"), 0)
        self.assertTrue(s.removeProcessGroup("echo"))
        self.assertEqual(self.d.stop(), 0, self.d.describe())

    @unittest.skipUnless(os.access(SUPERVISORD, os.X_OK),
                         "needs Debian's supervisord")
    def test_same_log_fds_as_supervisord(self):
        """supervisord on the same programs: it holds the running child's
        logs and none of the exited child's, and so does sthenod."""
        tmp = tempfile.mkdtemp(prefix="sth-sd-")
        conf = os.path.join(tmp, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(("[supervisord]\nlogfile=@DIR@/main.log\n"
                     "pidfile=@DIR@/sd.pid\nchildlogdir=@DIR@\n" + RPC +
                     PROGRAMS).replace("@DIR@", tmp))
        sd = subprocess.Popen([SUPERVISORD, "-n", "-c", conf],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=tmp)
        sock = os.path.join(tmp, "s.sock")

        def settled():
            rpc = client(sock)
            try:
                info = {p["name"]: p["statename"] for p in
                        rpc.supervisor.getAllProcessInfo()}
            except (OSError, xmlrpc.client.Error):
                return False    # not listening yet
            finally:
                rpc("close")()
            return info == {"echo": "EXITED", "sleeper": "RUNNING"}
        try:
            self.assertTrue(sthtest.wait_for(settled, 15, 0.1),
                            sthtest.read_text(os.path.join(tmp,
                                                           "main.log")))
            expect = [fds_on(sd.pid, os.path.join(tmp, n)) for n in
                      ("echo.out", "echo.err", "sleeper.out",
                       "sleeper.err")]
        finally:
            sd.terminate()
            sd.wait(15)
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(expect, [0, 0, 1, 1])
        self.start()
        self.wait_state("echo", "EXITED")
        self.wait_state("sleeper", "RUNNING")
        self.assertEqual([fds_on(self.d.pid, self.path(n)) for n in
                          ("echo.out", "echo.err", "sleeper.out",
                           "sleeper.err")], expect)

    def test_send_stdin_to_a_child_that_never_reads(self):
        self.start()
        s = self.rpc.supervisor
        self.wait_state("sleeper", "RUNNING")
        chunk = "x" * (256 * 1024)
        sent = 0
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            for _ in range(16):
                s.sendProcessStdin("sleeper", chunk)
                sent += len(chunk)
        f = cm.exception
        self.assertEqual(f.faultCode, 30, f.faultString)
        self.assertRegex(f.faultString,
                         r"^FAILED: sleeper: stdin buffer full \(")
        # 1 MiB may wait in the daemon, the rest is in the pipe
        self.assertGreaterEqual(sent, MIB)
        self.assertLessEqual(sent, 2 * MIB)
        # a call over the cap on its own is refused too
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            s.sendProcessStdin("sleeper", "y" * (MIB + 1))
        self.assertEqual(cm.exception.faultCode, 30)
        # more calls (8 MiB) do not make the daemon grow
        rss = rss_kib(self.d.pid)
        for _ in range(32):
            with self.assertRaises(xmlrpc.client.Fault):
                s.sendProcessStdin("sleeper", chunk)
        if not under_asan(self.d.pid):
            self.assertLess(rss_kib(self.d.pid) - rss, 4096,
                            "sthenod grew by buffering refused stdin")
        self.assertEqual(s.getProcessInfo("sleeper")["statename"],
                         "RUNNING")
        self.assertEqual(self.d.stop(), 0, self.d.describe())
        self.assertNotIn("Sanitizer", self.d.stderr_text())


if __name__ == "__main__":
    unittest.main()
