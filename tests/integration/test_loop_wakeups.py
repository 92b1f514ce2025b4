"""test_loop_wakeups.py — what a connection costs the daemon's loop, seen
by strace: epoll_ctl calls and loop turns per plain HTTP connection and
per TLS handshake.

A connection with nothing to write must not wake the loop for "writable"
(level-triggered epoll reports a new socket writable at once), and the
changes a TLS handshake makes to its socket's events in one loop turn
must cost one epoll_ctl, not one each (docs/ARCHITECTURE.md, "Nothing
wakes when nothing happens").  Before, a GET over a new TLS connection
cost 12 epoll_ctl and over a plain one 4 (now 4 and 2); nginx, for
comparison, spends 1 on either.
Skipped when strace is missing or cannot trace.
"""

import http.client
import os
import re
import shutil
import socket
import ssl
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402
from test_tls import make_ca, make_cert, tls_section  # noqa: E402

CONNS = 20
CTL = re.compile(r"^epoll_ctl\(\d+, EPOLL_CTL_\w+, (\d+),")
WAIT = re.compile(r"^epoll_wait\(\d+, \[(.*)\], \d+, -?\d+\) = (\d+)")


@unittest.skipUnless(sthtest.strace_works(),
                     "strace is missing or cannot trace")
class LoopWakeups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="sth-wake-")
        ca = make_ca(cls.certs, "ca")
        cls.ca = ca[1]
        srv = make_cert(cls.certs, "srv", ca, "localhost",
                        san="DNS:localhost,IP:127.0.0.1")
        cls.plain, cls.tls = free_port(), free_port()
        cls.d = sthtest.Sthenod()
        os.makedirs(os.path.join(cls.d.dir, "www"))
        with open(os.path.join(cls.d.dir, "www", "f.txt"), "w") as f:
            f.write("x" * 100)
        cls.d.extra = """
[http_server:plain]
listen = 127.0.0.1:%d
root = %s/www

[http_server:tls]
listen = 127.0.0.1:%d
root = %s/www
tls = main

[plugin:files]
""" % (cls.plain, cls.d.dir, cls.tls, cls.d.dir) + tls_section("main", srv)
        cls.d.write_config()
        cls.d.start_or_cleanup()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        shutil.rmtree(cls.certs, ignore_errors=True)

    def get(self, conn):
        conn.request("GET", "/f.txt", headers={"Connection": "close"})
        r = conn.getresponse()
        self.assertEqual((r.status, len(r.read())), (200, 100))
        conn.close()

    def trace_lines(self, calls, use):
        """The lines of calls (besides epoll_wait) strace saw while use()
        ran CONNS times, once the trace was seen attached."""
        trace = os.path.join(self.d.dir, "strace-%d.out" % time.monotonic_ns())
        st = sthtest.Strace(self.d.pid, trace, "epoll_wait," + calls,
                            follow=False)
        skip = 0
        try:
            # attached once a turn of the loop shows
            ok = sthtest.wait_for(lambda: (use() or
                                           "epoll_wait" in st.text()),
                                  10, 0.1)
            self.assertTrue(ok, "strace did not attach")
            skip = len(st.lines())
            for _ in range(CONNS):
                use()
            time.sleep(0.3)     # the last close reaches the loop
        finally:
            lines = st.stop()[skip:]
        return lines

    def traced(self, connect):
        """epoll_ctl calls and loop turns of CONNS connections, one after
        the other, each a GET answered and closed."""
        lines = self.trace_lines("epoll_ctl", lambda: self.get(connect()))
        ctl = sum(1 for ln in lines if CTL.match(ln))
        turns = sum(1 for ln in lines if WAIT.match(ln))
        if os.environ.get("WAKEUPS_VERBOSE"):
            print("epoll_ctl %.2f, turns %.2f a connection" %
                  (ctl / CONNS, turns / CONNS), file=sys.stderr)
        return ctl / CONNS, turns / CONNS, "\n".join(lines[:80])

    def test_plain_connection(self):
        ctl, turns, text = self.traced(
            lambda: http.client.HTTPConnection("127.0.0.1", self.plain,
                                               timeout=10))
        # accept and add, the request answered at once, close: 2
        self.assertLessEqual(ctl, 3, text)
        self.assertLessEqual(turns, 3, text)

    def test_tls_handshake(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        ctl, turns, text = self.traced(
            lambda: http.client.HTTPSConnection("localhost", self.tls,
                                                timeout=10, context=ctx))
        # add; the handshake's changes in one call; the answer's write
        # event on and off; delete: 4
        self.assertLessEqual(ctl, 6, text)
        self.assertLessEqual(turns, 6, text)

    def test_accept_costs_no_flag_calls(self):
        # accept4 made the socket non-blocking: no fcntl a connection
        lines = self.trace_lines(
            "accept4,fcntl",
            lambda: self.get(http.client.HTTPConnection(
                "127.0.0.1", self.plain, timeout=10)))
        accepts = sum(1 for ln in lines if ln.startswith("accept4("))
        extra = [ln for ln in lines if ln.startswith("fcntl(")]
        self.assertGreaterEqual(accepts, CONNS)
        self.assertLessEqual(len(extra), 2, "\n".join(extra))

    def test_no_alert_to_a_client_gone_without_close_notify(self):
        # A client that drops the connection after its handshake (as
        # openssl s_time does) is at EOF, as on a plain connection: the
        # daemon builds no alert for it and writes nothing more there.
        ctx = ssl.create_default_context(cafile=self.ca)

        def handshake_and_drop():
            s = ctx.wrap_socket(
                socket.create_connection(("127.0.0.1", self.tls),
                                                 10),
                server_hostname="localhost")
            s.close()           # no unwrap(): no close_notify
        lines = self.trace_lines("read,write,close", handshake_and_drop)
        at_eof, late = set(), []
        for ln in lines:
            m = re.match(r"^(read|write|close)\((\d+)", ln)
            if not m:
                continue
            fd = m.group(2)
            if m.group(1) == "read" and ln.rstrip().endswith("= 0"):
                at_eof.add(fd)
            elif m.group(1) == "write" and fd in at_eof:
                late.append(ln)
            elif m.group(1) == "close":
                at_eof.discard(fd)
        self.assertGreaterEqual(len(lines), CONNS)
        self.assertEqual(late, [], "written after the client's EOF")


if __name__ == "__main__":
    unittest.main()
