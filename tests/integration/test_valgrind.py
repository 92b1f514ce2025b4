#!/usr/bin/python3
"""sthenod under valgrind spawns its programs: valgrind runs a clone()
only when it is a vfork's and exits on CLONE_FILES ("Unsupported clone()
flags"), which sthenod's spawn used whenever it could, so until the spawn
learnt to tell it was under valgrind a daemon with programs died at its
first spawn.  Under valgrind each child now gets a copy of the fd table
and closes it down: the program runs, writes its log, holds no fd of the
daemon's beyond 0, 1 and 2, and stops with the daemon.

Skipped without valgrind, and for an ASan build (valgrind cannot run it).

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_valgrind.py -v
"""

import os
import shutil
import subprocess
import sys
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

VALGRIND = shutil.which("valgrind")

# prints its open fds (those of /proc/self/fd but the one listing it),
# then sleeps until stopped
CHILD = r"""
import os, sys, time
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
print("child fds:", " ".join(str(f) for f in fds if f > 2 and
      os.path.exists("/proc/self/fd/%d" % f)) or "none", flush=True)
time.sleep(1000)
"""


def elf(path):
    path = shutil.which(path) or path
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


@unittest.skipIf(VALGRIND is None, "valgrind is not installed")
@unittest.skipIf(sthtest.asan_build(),
                 "an ASan build does not run under valgrind")
@unittest.skipUnless(elf(sthtest.STHENOD), "STHENOD is not an ELF binary")
class TestUnderValgrind(unittest.TestCase):
    def setUp(self):
        self.port = sthtest.free_port()
        self.d = sthtest.Sthenod(extra="""
[inet_http_server]
port=127.0.0.1:%(port)d
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:child]
command=%(py)s %(dir)s/child.py
startsecs=0
stdout_logfile=%(dir)s/child.log
[program:twin]
command=%(py)s %(dir)s/child.py
startsecs=0
stdout_logfile=%(dir)s/twin.log
""" % {"dir": "@DIR@", "py": sys.executable,
                 "port": self.port})
        with open(self.d.conf) as f:
            text = f.read().replace("@DIR@", self.d.dir)
        self.d.write_config(text)
        with open(os.path.join(self.d.dir, "child.py"), "w") as f:
            f.write(CHILD)
        self.addCleanup(self.d.cleanup)

    def rpc(self):
        return xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % self.port)

    def test_programs_run_under_valgrind(self):
        d = self.d
        env = dict(os.environ)
        if sthtest.PLUGIN_PATH:
            env.setdefault("STHENO_PLUGIN_PATH", sthtest.PLUGIN_PATH)
        d.proc = subprocess.Popen(
            [VALGRIND, "-q", "--tool=none", os.path.abspath(
                shutil.which(sthtest.STHENOD) or sthtest.STHENOD), "-n", "-c",
             d.conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=env, cwd=d.dir)
        self.assertTrue(d.wait_log(r"supervisord started with pid \d+",
                                   timeout=60), d.describe())
        for name in ("child", "twin"):
            self.assertTrue(d.wait_log(r"success: %s entered RUNNING" % name,
                                       timeout=60), d.describe())
            log = os.path.join(d.dir, name + ".log")
            self.assertTrue(sthtest.wait_for(
                lambda: "child fds:" in sthtest.read_text(log), 60),
                d.describe())
            # nothing of the daemon's (its log, sockets, the other
            # child's pipes) leaked into the child
            self.assertIn("child fds: none", sthtest.read_text(log))
        info = self.rpc().supervisor.getAllProcessInfo()
        self.assertEqual(sorted((p["name"], p["statename"]) for p in info),
                         [("child", "RUNNING"), ("twin", "RUNNING")])
        pids = [p["pid"] for p in info]
        self.assertEqual(d.stop(timeout=60), 0, d.describe())
        for pid in pids:
            self.assertFalse(sthtest.pid_alive(pid), "child %d left" % pid)


if __name__ == "__main__":
    unittest.main()
