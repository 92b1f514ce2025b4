#!/usr/bin/python3
"""How RPC replies reach the wire.  Each XML-RPC (and JSON-RPC) reply
leaves sthenod in one write, TCP_NODELAY is set on every accepted TCP
socket (checked with strace attached to the daemon), and so Python's
xmlrpc.client makes sequential calls without the ~40 ms stall that
supervisord's 4 KB writes and Nagle's algorithm cause (measured beside
supervisord when it is installed).

The strace part is skipped when strace is missing or cannot attach."""

import os
import re
import statistics
import sys
import time
import unittest
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:
    SupervisorTransport = None

SUPERVISORD = "/usr/bin/supervisord"

SECTIONS = """
[inet_http_server]
port=127.0.0.1:@PORT@

[unix_http_server]
file=@DIR@/d.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:p]
command=/bin/sleep 100
numprocs=10
process_name=p%(process_num)d
startsecs=0

[program:slow]
command=/bin/sleep 100
autostart=false
startsecs=1
"""

# strace -e trace=write,writev,sendmsg,sendto,setsockopt lines (sendto is
# what supervisord uses, 4 KB at a time)
SYSCALL = re.compile(
    r"^(?P<pid>\d+) +(?P<call>write|writev|sendmsg|sendto)\((?P<fd>\d+), "
    r"(?P<args>.*)\) += (?P<ret>-?\d+)")
NODELAY = re.compile(
    r"setsockopt\((\d+), SOL_TCP, TCP_NODELAY, \[1\], 4\) += 0")



def start_sthenod():
    port = free_port()
    d = sthtest.Sthenod()
    d.extra = SECTIONS.replace("@PORT@", str(port)).replace("@DIR@", d.dir)
    d.opts["childlogdir"] = d.dir
    d.write_config()
    d.port = port
    d.start_or_cleanup(ready=lambda: all_running(port))
    return d


def all_running(port):
    try:
        with xmlrpc.client.ServerProxy(
                "http://127.0.0.1:%d/RPC2" % port) as s:
            info = s.supervisor.getAllProcessInfo()
    except OSError:
        return False
    return sum(i["statename"] == "RUNNING" for i in info) == 10


def sequential_latency(port, calls=30):
    """Median and max milliseconds of getAllProcessInfo, one client
    calling again as soon as each answer is in (one kept-alive
    connection, as xmlrpc.client does)."""
    with xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port) as s:
        s.supervisor.getState()
        t = []
        for i in range(calls):
            a = time.perf_counter()
            s.supervisor.getAllProcessInfo()
            t.append((time.perf_counter() - a) * 1000)
    return statistics.median(t), max(t)


@unittest.skipUnless(sthtest.strace_works(), "strace is missing or cannot trace")
class OneWriteNoDelay(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.d = start_sthenod()
        self.trace = os.path.join(self.d.dir, "strace.out")
        self.strace = sthtest.Strace(
            self.d.pid, self.trace,
            "write,writev,sendmsg,sendto,setsockopt", args=("-s", "64"))
        # attached once a syscall of the daemon shows: poke it
        ok = sthtest.wait_for(self.attached, 10, 0.1)
        if not ok:
            self.tearDown()
            self.fail("strace did not attach")
        time.sleep(0.2)
        # the probes' lines are not part of the test
        self.skip = len(sthtest.read_text(self.trace).splitlines())

    def attached(self):
        with xmlrpc.client.ServerProxy(
                "http://127.0.0.1:%d/RPC2" % self.d.port) as s:
            s.supervisor.getState()
        return any(map(SYSCALL.match,
                       sthtest.read_text(self.trace).splitlines()))

    def tearDown(self):
        self.strace.stop()
        self.d.stop_and_cleanup()

    def detach(self):
        time.sleep(0.2)
        return self.strace.stop()[self.skip:]

    def test_one_write_per_reply_and_nodelay(self):
        url = "http://127.0.0.1:%d" % self.d.port
        calls = 0
        tcp_conns = 0
        # xmlrpc.client on one kept-alive connection: replies of 12 KB,
        # a fault, a deferred answer
        with xmlrpc.client.ServerProxy(url + "/RPC2") as s:
            tcp_conns += 1
            for i in range(5):
                s.supervisor.getAllProcessInfo()
                calls += 1
            with self.assertRaises(xmlrpc.client.Fault):
                s.supervisor.getProcessInfo("nope")
            calls += 1
            self.assertEqual(s.supervisor.startProcess("slow", True), True)
            self.assertEqual(s.supervisor.stopProcess("slow", True), True)
            s.system.multicall([{"methodName": "supervisor.getState",
                                 "params": []}] * 20)
            calls += 3
        # a second connection, then JSON-RPC
        with xmlrpc.client.ServerProxy(url + "/RPC2") as s:
            tcp_conns += 1
            s.supervisor.readLog(0, 0)
            calls += 1
        body = b'{"jsonrpc": "2.0", "method": "supervisor.getAllProcess' \
            b'Info", "id": 1}'
        for i in range(2):
            r = urllib.request.Request(
                url + "/jsonrpc", data=body,
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(r, timeout=10) as f:
                self.assertEqual(f.status, 200)
                f.read()
            tcp_conns += 1
            calls += 1
        # the unix socket: one write too, no TCP option to set
        if SupervisorTransport is not None:
            t = SupervisorTransport(None, None, "unix://%s/d.sock" %
                                    self.d.dir)
            s = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)
            for i in range(3):
                s.supervisor.getAllProcessInfo()
                calls += 1
            t.close()

        lines = self.detach()
        nodelay = [m.group(1) for m in map(NODELAY.search, lines) if m]
        self.assertEqual(len(nodelay), tcp_conns, "\n".join(lines))

        http_fds = set()
        replies = 0
        for line in lines:
            m = SYSCALL.match(line)
            if not m:
                continue
            args = m.group("args")
            if '"HTTP/1.1 ' in args[:80]:
                http_fds.add(m.group("fd"))
        for line in lines:
            m = SYSCALL.match(line)
            if not m or m.group("fd") not in http_fds:
                continue
            args = m.group("args")
            # every write on a client socket starts a reply: none is
            # the rest of one
            self.assertIn('"HTTP/1.1 200 OK\\r\\n', args[:80], line)
            # and it went out whole
            if m.group("call") in ("write", "sendto"):
                want = int(re.search(r'"(?:\.\.\.)?, (\d+)',
                                     args).group(1))
            else:
                want = sum(int(x) for x in re.findall(r"iov_len=(\d+)",
                                                      args))
            self.assertEqual(int(m.group("ret")), want, line)
            replies += 1
        self.assertEqual(replies, calls, "\n".join(lines))


class Latency(unittest.TestCase):
    """Sequential xmlrpc.client calls: no Nagle stall.  A stall is about
    40 ms (the delayed ACK); sthenod's median must stay far below."""

    def test_sequential_calls_do_not_stall(self):
        d = start_sthenod()
        try:
            med, worst = sequential_latency(d.port)
            d.stop()
            self.assertNotIn("Sanitizer", d.stderr_text())
        finally:
            d.cleanup()
        msg = "sthenod: getAllProcessInfo median %.2f ms, max %.2f ms" % (
            med, worst)
        if os.access(SUPERVISORD, os.X_OK):
            smed, sworst = self.supervisord_latency()
            msg += "; supervisord: median %.2f ms, max %.2f ms" % (
                smed, sworst)
        sys.stderr.write(msg + "\n")
        self.assertLess(med, 20.0, msg)

    def supervisord_latency(self):
        d = sthtest.Peer([SUPERVISORD, "-n"], sthtest.supervisord_section(
            logfile="@DIR@/main.log", pidfile="@DIR@/d.pid",
            childlogdir="@DIR@") + SECTIONS, prefix="sth-wire-")
        try:
            if not sthtest.wait_for(lambda: all_running(d.port), 20):
                raise AssertionError("supervisord did not start")
            return sequential_latency(d.port)
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
