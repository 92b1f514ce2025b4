#!/usr/bin/python3
"""A spawned child does not close the daemon's fds one by one: with
minfds = 4096 the child takes an fd table of its own holding only its
0, 1 and 2 in one close_range(2) call, instead of one close() per fd up
to the limit (which made 500 programs take seconds to start).  Checked
with strace following the daemon's children; skipped when strace is
missing or cannot attach."""

import os
import re
import sys
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

LINE = re.compile(r"^(\d+) +(close|close_range|execve)\(")


@unittest.skipUnless(sthtest.strace_works(), "strace is missing or cannot trace")
class SpawnFds(unittest.TestCase):
    def test_child_closes_in_one_call(self):
        port = free_port()
        d = sthtest.Sthenod(minfds="4096")
        d.extra = """
[inet_http_server]
port=127.0.0.1:%d

[program:p]
command=/bin/sleep 100
autostart=false
startsecs=0
""" % port
        d.write_config()
        strace = None
        try:
            d.start()
            url = "http://127.0.0.1:%d/RPC2" % port
            self.assertTrue(sthtest.wait_for(
                lambda: self.up(url), 10), d.describe())
            trace = os.path.join(d.dir, "strace.out")
            strace = sthtest.Strace(d.pid, trace, "close,close_range,execve")
            # attached once a close of the daemon shows (an RPC
            # connection closed by the client makes one)
            self.assertTrue(sthtest.wait_for(
                lambda: self.up(url) and
                os.path.exists(trace) and
                "close(" in sthtest.read_text(trace), 10, 0.1),
                "strace did not attach")
            with xmlrpc.client.ServerProxy(url) as s:
                self.assertTrue(s.supervisor.startProcess("p", True))
            # RUNNING means exec'ed: wait for strace to show the execve
            self.assertTrue(sthtest.wait_for(
                lambda: 'execve("/bin/sleep"' in sthtest.read_text(trace),
                10, 0.05), "no execve traced")
            closes = 0
            children = set()
            for line in strace.stop():
                m = LINE.match(line)
                if not m or int(m.group(1)) == d.pid:
                    continue
                children.add(m.group(1))
                if m.group(2) == "close":
                    closes += 1
            self.assertTrue(children, "no child traced")
            # the sleep's own loader closes a few; the old loop 4093
            self.assertLess(closes, 100, "%d close() in the child" % closes)
        finally:
            if strace is not None:
                strace.stop()
            d.cleanup()

    @staticmethod
    def up(url):
        try:
            with xmlrpc.client.ServerProxy(url) as s:
                s.supervisor.getState()
            return True
        except OSError:
            return False


if __name__ == "__main__":
    unittest.main()
