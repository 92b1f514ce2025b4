"""test_ctl_tail.py — Debian's supervisorctl `tail -f` and `fg` against
sthenod, over the unix socket (with Basic auth) and over TCP.

tail -f: the last bytes first, then each new line as the child writes it,
stdout and stderr.  fg: supervisorctl in a pty, as a person would run it:
`fg NAME`, a typed line reaches the child's stdin, its answer shows on the
terminal, Ctrl-C comes back to the prompt with the child still running.
"""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

CTL = shutil.which("supervisorctl") or "/usr/bin/supervisorctl"
USER, PASS = "tailer", "t41l-pass"



class Pty:
    """A child on a pseudo-terminal; read() collects what it shows."""

    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "dumb"
            try:
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        self.out = b""

    def expect(self, pattern, timeout=10):
        """Read until pattern (bytes regex) matches what came after the
        last expect; return the match (or fail with what was seen)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.out)
            if m:
                self.out = self.out[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r in %r" % (pattern, self.out))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError("EOF waiting for %r in %r" %
                                         (pattern, self.out))
                self.out += data

    def send(self, data):
        os.write(self.fd, data)

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)


class CtlTail(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(CTL):
            raise unittest.SkipTest("supervisorctl not installed")
        cls.port = free_port()
        cls.d = sthtest.Sthenod()
        cls.sock = os.path.join(cls.d.dir, "ctl.sock")
        # echoer: each stdin line back on stdout as got:LINE and on
        # stderr as err:LINE
        cls.d.extra = """
[unix_http_server]
file = %s
username = %s
password = %s

[inet_http_server]
port = 127.0.0.1:%d

[supervisorctl]
serverurl = unix://%s
username = %s
password = %s

[program:echoer]
command = /bin/sh -c 'echo start-out; echo start-err >&2; while read l; do echo "got:$l"; echo "err:$l" >&2; done'
startsecs = 0
""" % (cls.sock, USER, PASS, cls.port, cls.sock, USER, PASS)
        cls.d.write_config()
        cls.d.start_or_cleanup(log=r"success: echoer entered RUNNING")
        cls.rpc = xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup()

    def ctl(self, *args):
        return [CTL, "-c", self.d.conf] + list(args)

    def tail_f(self, argv, say, expect, first):
        """Run argv (a tail -f), wait for first, send say to the child,
        wait for expect; return all output."""
        p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        r = sthtest.OutputReader(p)
        try:
            self.assertTrue(r.until(first), r.out)
            self.rpc.supervisor.sendProcessStdin("echoer", say + "\n")
            self.assertTrue(r.until(expect), r.out)
            self.assertIsNone(p.poll(), "tail -f ended by itself")
        finally:
            p.send_signal(signal.SIGINT)
            try:
                rest = p.communicate(timeout=10)[0]
            except subprocess.TimeoutExpired:
                p.kill()
                rest = p.communicate()[0]
        return r.out + (rest or b"")

    def test_tail_f_stdout_over_unix_socket(self):
        out = self.tail_f(self.ctl("tail", "-f", "echoer"), "line-one",
                          b"got:line-one\n", b"start-out\n")
        self.assertIn(b"==> Press Ctrl-C to exit <==", out)
        self.assertNotIn(b"err:", out)
        self.assertNotIn(b"ERROR", out)

    def test_tail_f_stderr_over_tcp(self):
        out = self.tail_f([CTL, "-s", "http://127.0.0.1:%d" % self.port,
                           "tail", "-f", "echoer", "stderr"], "line-two",
                          b"err:line-two\n", b"start-err\n")
        self.assertNotIn(b"got:line-two", out)

    def test_tail_f_wrong_password(self):
        p = subprocess.run([CTL, "-s", "unix://" + self.sock, "-u", USER,
                            "-p", "wrong", "tail", "-f", "echoer"],
                           capture_output=True, timeout=30)
        self.assertNotIn(b"start-out", p.stdout)
        self.assertNotEqual(p.returncode, 0)

    def test_fg_in_a_pty(self):
        t = Pty(self.ctl())
        try:
            t.expect(rb"supervisor> ")
            t.send(b"fg echoer\r")
            # fg shows the log so far, then follows it
            t.expect(rb"start-out")
            t.send(b"typed-in-fg\r")
            # the child got the line on stdin and answered on both streams
            t.expect(rb"got:typed-in-fg")
            m = sthtest.wait_for(lambda: "got:typed-in-fg" in self.rpc.
                                 supervisor.readProcessStdoutLog(
                                     "echoer", 0, 0), 5)
            self.assertTrue(m)
            t.send(b"second\r")
            t.expect(rb"got:second")
            # Ctrl-C: back to the prompt, the child is still running
            t.send(b"\x03")
            t.expect(rb"supervisor> ")
            t.send(b"status echoer\r")
            t.expect(rb"echoer\s+RUNNING")
            t.expect(rb"supervisor> ")
            t.send(b"exit\r")
            # supervisorctl's fgthread (a non-daemon thread) is killed
            # through sys.settrace, so it ends on its next line of Python:
            # when the stream it is blocked on brings a byte
            time.sleep(0.3)
            self.rpc.supervisor.sendProcessStdin("echoer", "wake\n")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                pid, status = os.waitpid(t.pid, os.WNOHANG)
                if pid:
                    self.assertEqual(os.waitstatus_to_exitcode(status), 0)
                    break
                time.sleep(0.05)
            else:
                self.fail("supervisorctl did not exit")
        finally:
            t.close()
        info = self.rpc.supervisor.getProcessInfo("echoer")
        self.assertEqual(info["statename"], "RUNNING")


if __name__ == "__main__":
    unittest.main(verbosity=2)
