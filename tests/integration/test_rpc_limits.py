#!/usr/bin/python3
"""What one RPC request may make the daemon build (issue 12): with 300
programs, a system.multicall (XML-RPC, Python's xmlrpc.client) or a
JSON-RPC batch (urllib) of 200 supervisor.getAllProcessInfo used to build
every answer (60 MB of XML here; 250 MB and an 8 s stall with 1,000
programs).  Past 4 MiB of answer the calls left are not run and answer
FAILED naming the limit; a multicall takes at most 1024 calls; the
daemon's peak RSS stays small and other clients are answered meanwhile."""

import json
import os
import sys
import time
import unittest
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

PROGRAMS = 300
CALLS = 200
NOT_RUN = ("FAILED: not run: this %s's answer passed its limit of "
           "4194304 bytes")


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (key, pid))


def under_asan(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


class RpcLimits(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.port = sthtest.free_port()
        progs = "".join("[program:p%03d]\ncommand=/bin/sleep 1000\n"
                        "autostart=false\n" % i for i in range(PROGRAMS))
        cls.d = sthtest.Sthenod(extra=(
            "[inet_http_server]\nport=127.0.0.1:%d\n"
            "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
            "supervisor.rpcinterface:make_main_rpcinterface\n" % cls.port)
            + progs)
        cls.d.start_or_cleanup()
        cls.url = "http://127.0.0.1:%d" % cls.port

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def setUp(self):
        self.s = xmlrpc.client.ServerProxy(self.url + "/RPC2")

    def tearDown(self):
        self.s("close")()

    def check(self, results, what, result_of, fault_of):
        """Some calls ran in full, the rest are the limit's fault."""
        ran = [r for r in results if result_of(r) is not None]
        self.assertGreaterEqual(len(ran), 1)
        self.assertLess(len(ran), CALLS // 4,
                        "no limit: %d calls ran" % len(ran))
        for r in ran:
            self.assertEqual(len(result_of(r)), PROGRAMS)
        for r in results[len(ran):]:
            self.assertEqual(fault_of(r), (30, NOT_RUN % what))
        if not under_asan(self.d.pid):
            self.assertLess(status_kib(self.d.pid, "VmHWM"), 150 * 1024)

    def test_multicall_answer_is_capped(self):
        t0 = time.monotonic()
        res = self.s.system.multicall(
            [{"methodName": "supervisor.getAllProcessInfo",
              "params": []}] * CALLS)
        self.assertEqual(len(res), CALLS)
        self.check(res, "system.multicall",
                   lambda r: r if isinstance(r, list) else None,
                   lambda r: (r["faultCode"], r["faultString"]))
        self.assertLess(time.monotonic() - t0, 30)
        # the daemon answers as before
        self.assertEqual(self.s.supervisor.getState()["statename"],
                         "RUNNING")

    def test_multicall_takes_at_most_1024_calls(self):
        calls = [{"methodName": "supervisor.getPID", "params": []}]
        self.assertEqual(len(self.s.system.multicall(calls * 1024)), 1024)
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            self.s.system.multicall(calls * 1025)
        self.assertEqual(cm.exception.faultCode, 2)
        self.assertEqual(cm.exception.faultString,
                         "INCORRECT_PARAMETERS: system.multicall takes at "
                         "most 1024 calls")

    def test_jsonrpc_batch_answer_is_capped(self):
        body = json.dumps([{"jsonrpc": "2.0", "id": i,
                            "method": "supervisor.getAllProcessInfo"}
                           for i in range(CALLS)]).encode()
        req = urllib.request.Request(
            self.url + "/jsonrpc", data=body,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as f:
            res = json.loads(f.read())
        self.assertEqual([r["id"] for r in res], list(range(CALLS)))
        self.check(res, "batch", lambda r: r.get("result"),
                   lambda r: (r["error"]["code"], r["error"]["message"]))


if __name__ == "__main__":
    unittest.main()
