#!/usr/bin/python3
"""sthenod as a container's entrypoint (docs/stheno.conf.5.md, "ADDITIONS
TO THE SUPERVISORD SECTION"; sthenod(8) EXIT STATUS): as PID 1 of a PID
namespace (unshare --pid --fork, we run as root) and with subreaper=true,
every orphan reparented to it is reaped, no zombie is left, SIGTERM is a
normal shutdown (exit 0), a config error exits 2 and a crash exits
128 + the signal.

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_container.py -v
"""

import os
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

UNSHARE = shutil.which("unshare")

# A program whose own children outlive the shells that made them: each
# `( ... & )` subshell exits at once, so both sleeps are orphans (no `;`:
# it starts a comment in the config file).
ORPHANER = """
[program:orphaner]
command=/bin/sh -c '(sleep 1.5 &) && (sleep 1.7 &) && exec sleep 1000'
startsecs=0
"""


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid) as f:
            return f.read().split("\0")[:-1]
    except OSError:
        return None


def zombies(top):
    """The zombies below pid top (whoever their parent)."""
    out = []
    for p in sthtest.descendants(top):
        f = sthtest.proc_stat(p)
        if f is not None and f[0] == "Z":
            out.append(p)
    return out


def need_unshare(test):
    if UNSHARE is None or os.geteuid() != 0:
        test.skipTest("needs root and unshare(1)")
    r = subprocess.run([UNSHARE, "--pid", "--fork", "--mount-proc",
                        "/bin/true"], capture_output=True, timeout=10)
    if r.returncode != 0:
        test.skipTest("unshare --pid does not work here: %r" % r.stderr)


class Reaper(unittest.TestCase):

    def start_pid1(self, d, args=()):
        """sthenod as PID 1 of a new PID namespace; returns its pid as
        seen from here."""
        e = dict(os.environ)
        if sthtest.PLUGIN_PATH:
            e.setdefault("STHENO_PLUGIN_PATH", sthtest.PLUGIN_PATH)
        d.proc = subprocess.Popen(
            [UNSHARE, "--pid", "--fork", "--mount-proc", sthtest.STHENOD,
             "-c", d.conf] + list(args),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e,
            cwd=d.dir)
        self.assertTrue(d.wait_log(r"supervisord started with pid 1$"),
                        d.describe())
        pid = sthtest.wait_for(lambda: [
            p for p in sthtest.descendants(d.proc.pid)
            if sthtest.is_sthenod(p)], 5)
        self.assertTrue(pid, d.describe())
        return pid[0]

    def orphans_reaped(self, d, sthenod_pid):
        """Both sleeps of ORPHANER become sthenod's children, exit, and
        are reaped: logged at debug, no zombie left."""
        self.assertTrue(d.wait_log(r"success: orphaner entered RUNNING"),
                        d.describe())
        # pids as seen from here, not in the namespace: by command line
        prog = sthtest.wait_for(lambda: [
            p for p in sthtest.descendants(sthenod_pid)
            if cmdline(p) == ["sleep", "1000"]], 5)
        self.assertTrue(prog, "no program")
        prog = prog[0]

        def adopted():
            kids = [p for p in sthtest.descendants(sthenod_pid)
                    if cmdline(p) in (["sleep", "1.5"], ["sleep", "1.7"])
                    and sthtest.proc_stat(p)[1] == str(sthenod_pid)]
            return kids if len(kids) == 2 else None
        kids = sthtest.wait_for(adopted, 5)
        self.assertTrue(kids, "the orphans were not reparented to sthenod")
        self.assertTrue(sthtest.wait_for(
            lambda: not any(sthtest.proc_stat(k) for k in kids), 10),
            "zombies left: %r" % zombies(sthenod_pid))
        self.assertEqual(zombies(d.proc.pid if d.proc else sthenod_pid), [])
        self.assertTrue(d.wait_log(r"DEBG reaped orphan pid \d+ "
                                   r"\(exit status 0\)$", count=2),
                        d.describe())
        self.assertNotIn("reaped unknown pid", d.read_log())
        self.assertTrue(sthtest.pid_alive(prog))

    def test_pid1_reaps_orphans_and_exits_0_on_sigterm(self):
        need_unshare(self)
        # no nodaemon: as PID 1 sthenod must not fork away (its parent
        # leaving would end the namespace)
        with sthtest.Sthenod(extra=ORPHANER, loglevel="debug") as d:
            pid = self.start_pid1(d)
            self.orphans_reaped(d, pid)
            self.assertIsNone(d.proc.poll(), d.describe())
            # unshare does not forward signals: this is what docker stop
            # does, a SIGTERM from outside the namespace
            os.kill(pid, signal.SIGTERM)
            self.assertEqual(d.proc.wait(timeout=15), 0, d.describe())
            self.assertIn("stopped: orphaner (terminated by SIGTERM)",
                          d.read_log())

    def test_pid1_sigint_is_a_shutdown(self):
        need_unshare(self)
        with sthtest.Sthenod(extra=ORPHANER, nodaemon="true") as d:
            pid = self.start_pid1(d)
            self.assertTrue(d.wait_log(r"success: orphaner entered RUNNING"))
            os.kill(pid, signal.SIGINT)
            self.assertEqual(d.proc.wait(timeout=15), 0, d.describe())

    def test_pid1_config_error_exits_2(self):
        need_unshare(self)
        with sthtest.Sthenod(extra="[program:x]\n") as d:
            r = subprocess.run(
                [UNSHARE, "--pid", "--fork", "--mount-proc",
                 sthtest.STHENOD, "-c", d.conf], capture_output=True,
                text=True, timeout=15)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("Error:", r.stderr)

    def test_pid1_crash_exits_128_plus_signal(self):
        # PID 1 is not killed by a signal it does not handle, even one it
        # raises itself: a crash must still end it, with the code a shell
        # would show
        need_unshare(self)
        with sthtest.Sthenod(nodaemon="true") as d:
            pid = self.start_pid1(d)
            os.kill(pid, signal.SIGABRT)
            self.assertEqual(d.proc.wait(timeout=15), 128 + signal.SIGABRT,
                             d.describe())
            self.assertTrue(d.wait_log(r"CRIT sthenod: aborted \(SIGABRT\)"))

    def test_subreaper_adopts_and_reaps_orphans(self):
        with sthtest.Sthenod(extra=ORPHANER, loglevel="debug",
                             subreaper="true") as d:
            d.start()
            self.orphans_reaped(d, d.proc.pid)
            self.assertEqual(d.stop(), 0, d.describe())


if __name__ == "__main__":
    unittest.main()
