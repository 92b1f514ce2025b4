#!/usr/bin/python3
"""The process table through sthenod as a black box: a config with
programs, the main log lines of docs/supervisord.md §B word for word, child
output byte-identical in its rotated logs, shutdown order, no zombie left."""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

STHENOD = os.environ.get("STHENOD", "sthenod")


class ProcDaemon(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sth-proc-")
        self.log = os.path.join(self.dir, "main.log")
        self.daemon = None

    def tearDown(self):
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.kill()
            self.daemon.wait()
        if self.daemon is not None:
            self.daemon.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, programs, loglevel="info"):
        conf = os.path.join(self.dir, "s.conf")
        with open(conf, "w") as f:
            f.write("[supervisord]\nlogfile=%s\nloglevel=%s\n"
                    "pidfile=%s/s.pid\nchildlogdir=%s\n%s"
                    % (self.log, loglevel, self.dir, self.dir,
                       programs.replace("@DIR@", self.dir)))
        self.daemon = subprocess.Popen(
            [STHENOD, "-n", "-c", conf], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)

    def mainlog(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.mainlog(), re.M)
            if m:
                return m
            if self.daemon.poll() is not None:
                break
            time.sleep(0.05)
        self.fail("no /%s/ in the main log:\n%s\nstderr: %s" % (
            pattern, self.mainlog(),
            self.daemon.stderr.read().decode() if self.daemon.poll()
            is not None else ""))

    def stop(self):
        self.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(self.daemon.wait(timeout=30), 0)

    def children_of(self, pid):
        out = subprocess.run(["ps", "-o", "pid=,stat=", "--ppid",
                              str(pid)], capture_output=True, text=True)
        return out.stdout.split("\n") if out.stdout.strip() else []

    def test_lifecycle_log_lines(self):
        self.start("[program:sleeper]\ncommand=/bin/sleep 60\n"
                   "startsecs=1\n"
                   "[program:quick]\ncommand=/bin/sh -c 'sleep 1.5; "
                   "exit 3'\nautorestart=false\n"
                   "[program:missing]\ncommand=/no/such/cmd\n"
                   "startretries=1\n")
        ts = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
        m = self.wait_log(ts + r"INFO spawned: 'sleeper' with pid (\d+)$")
        pid = int(m.group(1))
        self.wait_log(ts + r"INFO success: sleeper entered RUNNING state, "
                      r"process has stayed up for > than 1 seconds "
                      r"\(startsecs\)$")
        self.wait_log(ts + r"INFO spawnerr: can't find command "
                      r"'/no/such/cmd'$")
        self.wait_log(ts + r"INFO gave up: missing entered FATAL state, "
                      r"too many start retries too quickly$")
        self.wait_log(ts + r"WARN exited: quick \(exit status 3; not "
                      r"expected\)$")
        os.kill(pid, signal.SIGKILL)
        self.wait_log(ts + r"WARN exited: sleeper \(terminated by SIGKILL; "
                      r"not expected\)$")
        self.wait_log(r"spawned: 'sleeper' with pid (?!%d)\d+$" % pid)
        daemon_pid = self.daemon.pid
        self.stop()
        log = self.mainlog()
        self.assertRegex(log, r"WARN stopped: sleeper \(terminated by "
                         r"SIGTERM\)")
        self.assertEqual(self.children_of(daemon_pid), [])

    def test_output_byte_identical_across_rotation(self):
        ref = os.path.join(self.dir, "ref")
        with open(ref, "wb") as f:
            f.write(os.urandom(50 * 1024 * 1024))
        self.start("[program:spew]\ncommand=/bin/cat %s\n"
                   "startsecs=0\nautorestart=false\n"
                   "stdout_logfile=@DIR@/spew.log\n"
                   "stdout_logfile_maxbytes=5MB\n"
                   "stdout_logfile_backups=20\n" % ref)
        self.wait_log(r"INFO exited: spew \(exit status 0; expected\)$",
                      timeout=120)
        h = hashlib.sha256()
        for i in range(20, -1, -1):
            p = os.path.join(self.dir, "spew.log" + (".%d" % i if i else ""))
            if os.path.exists(p):
                with open(p, "rb") as f:
                    h.update(f.read())
        with open(ref, "rb") as f:
            self.assertEqual(h.hexdigest(),
                             hashlib.sha256(f.read()).hexdigest())
        self.stop()

    def test_shutdown_in_descending_priority(self):
        self.start("[program:first]\ncommand=/bin/sleep 60\npriority=1\n"
                   "startsecs=0\n"
                   "[program:last]\ncommand=/bin/sh -c 'trap \"\" TERM; "
                   "while :; do sleep 0.1; done'\npriority=2\n"
                   "startsecs=0\nstopwaitsecs=1\n")
        self.wait_log(r"success: last entered RUNNING")
        self.wait_log(r"success: first entered RUNNING")
        time.sleep(0.3)
        self.stop()
        log = self.mainlog()
        self.assertIn("INFO waiting for first, last to die", log)
        self.assertRegex(log, r"WARN killing 'last' \(\d+\) with SIGKILL")
        self.assertLess(log.index("stopped: last (terminated by SIGKILL)"),
                        log.index("stopped: first (terminated by SIGTERM)"))

    def test_debug_copy_of_child_output(self):
        self.start("[program:talk]\ncommand=/bin/echo hello\n"
                   "startsecs=0\nautorestart=false\n", loglevel="debug")
        self.wait_log(r"DEBG 'talk' stdout output:\nhello\n")
        self.stop()


if __name__ == "__main__":
    unittest.main()
