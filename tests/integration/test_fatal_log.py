#!/usr/bin/python3
"""A daemonized sthenod that dies says why in its main log (issue 12):
its stderr is /dev/null, so the log is the only place left.  A crash
signal sent from outside stands for any crash (a plugin's abort(3), a
library's, a fault); fatalx and failed allocations are covered by
tests/unit/test_fatal.c."""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402


class FatalInLog(unittest.TestCase):

    def crash(self, sig, line):
        with sthtest.Sthenod() as d:
            pid = d.start_daemon()
            os.kill(pid, sig)
            self.assertTrue(sthtest.wait_for(
                lambda: not sthtest.pid_alive(pid), 10),
                "sthenod survived %s" % sig.name)
            self.assertTrue(d.wait_log(r"^\S+ \S+ CRIT " + line + "$"),
                            d.describe())

    def test_abort_is_in_the_log(self):
        self.crash(signal.SIGABRT, r"sthenod: aborted \(SIGABRT\)")

    def test_segv_is_in_the_log(self):
        self.crash(signal.SIGSEGV, r"sthenod: crashed \(SIGSEGV\)")


if __name__ == "__main__":
    unittest.main()
