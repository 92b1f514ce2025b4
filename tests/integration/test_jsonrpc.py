#!/usr/bin/python3
"""JSON-RPC 2.0 at /jsonrpc, driven with curl (a subprocess) and with
Python's urllib: single calls, batches mixing results, faults and
notifications, notification-only bodies (204, no body), the standard error
codes, supervisor faults as error.code/error.message, a deferred
startProcess(name, true) answered once RUNNING while another client is
served, and the same answers as XML-RPC at /RPC2 for the same calls.

Needs curl; skipped without it."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

CURL = shutil.which("curl")

PROGRAMS = """
[inet_http_server]
port=127.0.0.1:@PORT@

[program:sleeper]
command=/bin/sh -c 'echo out-line; exec sleep 100'
startsecs=0

[program:victim]
command=/bin/sleep 100
startsecs=0

[program:slow]
command=/bin/sleep 100
startsecs=2
autostart=false

[program:quick]
command=/bin/sh -c 'exit 3'
autostart=false
autorestart=false
startsecs=0

[group:grp]
programs=ga,gb

[program:ga]
command=/bin/sleep 100
startsecs=0

[program:gb]
command=/bin/sleep 100
startsecs=0
autostart=false
"""



def req(method, params=None, id=1):
    r = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        r["params"] = params
    if id is not None:
        r["id"] = id
    return r


def normalise(v):
    """Times and uptimes move between two calls; keep their shape."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "now":
                x = "NOW"
            elif k == "description" and x.startswith("pid "):
                x = x.split(", uptime")[0]
            out[k] = normalise(x)
        return out
    if isinstance(v, list):
        return [normalise(x) for x in v]
    return v


@unittest.skipUnless(CURL, "curl is not installed")
class JsonRpc(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.d = sthtest.Sthenod(
            extra=PROGRAMS.replace("@PORT@", str(cls.port)),
            nodaemon="true")
        cls.d.opts["childlogdir"] = cls.d.dir
        cls.d.write_config()
        cls.url = "http://127.0.0.1:%d/jsonrpc" % cls.port
        cls.rpc2 = "http://127.0.0.1:%d/RPC2" % cls.port
        cls.d.start_or_cleanup(ready=cls.all_up)

    @classmethod
    def all_up(cls):
        try:
            with xmlrpc.client.ServerProxy(cls.rpc2) as s:
                info = s.supervisor.getAllProcessInfo()
        except OSError:
            return False
        states = {i["name"]: i["statename"] for i in info}
        return all(states[n] == "RUNNING"
                   for n in ("sleeper", "victim", "ga"))

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup()

    # -- clients

    def curl(self, body, extra=()):
        """POST body with curl: (status, headers text, body text)."""
        if not isinstance(body, str):
            body = json.dumps(body)
        p = subprocess.run(
            [CURL, "-sS", "-i", "-H", "Content-Type: application/json",
             "--data-binary", "@-"] + list(extra) + [self.url],
            input=body.encode(), capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, _, text = p.stdout.decode().partition("\r\n\r\n")
        status = int(head.split()[1])
        return status, head, text

    def call(self, body):
        """curl, expecting 200 application/json: the decoded answer."""
        status, head, text = self.curl(body)
        self.assertEqual(status, 200, head + text)
        self.assertIn("Content-Type: application/json", head)
        return json.loads(text)

    def urlopen(self, body, timeout=30):
        """POST with urllib: (status, decoded answer or None)."""
        data = json.dumps(body).encode()
        r = urllib.request.Request(
            self.url, data=data,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(r, timeout=timeout) as f:
            text = f.read()
            return f.status, json.loads(text) if text else None

    def setUp(self):
        self.proxies = []

    def tearDown(self):
        for p in self.proxies:
            p("close")()

    def xml(self):
        p = xmlrpc.client.ServerProxy(self.rpc2)
        self.proxies.append(p)
        return p

    def state_of(self, name):
        return self.xml().supervisor.getProcessInfo(name)["statename"]

    # -- single calls

    def test_single_call_with_curl(self):
        self.assertEqual(
            self.call(req("supervisor.getState", id=7)),
            {"jsonrpc": "2.0", "id": 7,
             "result": {"statecode": 1, "statename": "RUNNING"}})
        a = self.call(req("supervisor.getProcessInfo", ["sleeper"], "abc"))
        self.assertEqual(a["id"], "abc")
        self.assertEqual(a["result"]["statename"], "RUNNING")
        self.assertEqual(a["result"]["logfile"],
                         a["result"]["stdout_logfile"])
        a = self.call(req("supervisor.readProcessStdoutLog",
                          ["sleeper", 0, 0], 0))
        self.assertEqual(a, {"jsonrpc": "2.0", "id": 0,
                             "result": "out-line\n"})
        # an id of null is a call, not a notification
        a = self.call({"jsonrpc": "2.0", "method": "system.methodHelp",
                       "params": ["supervisor.getPID"], "id": None})
        self.assertIsNone(a["id"])
        self.assertIn("PID", a["result"])

    def test_single_call_with_urllib(self):
        status, a = self.urlopen(req("supervisor.getAPIVersion", [], 1))
        self.assertEqual((status, a),
                         (200, {"jsonrpc": "2.0", "id": 1,
                                "result": "3.0"}))
        status, a = self.urlopen(req("supervisor.getIdentification", id=2))
        self.assertEqual(a["result"], "supervisor")

    def test_get_is_refused(self):
        p = subprocess.run([CURL, "-s", "-i", self.url], capture_output=True,
                           text=True, timeout=30)
        self.assertTrue(p.stdout.startswith("HTTP/1.1 405 "), p.stdout)
        self.assertIn("Allow: POST", p.stdout)

    # -- batches and notifications

    def test_batch_mixes_results_faults_and_notifications(self):
        self.assertEqual(self.state_of("victim"), "RUNNING")
        a = self.call([
            req("supervisor.getAPIVersion", id=1),
            req("supervisor.getProcessInfo", ["nope"], "two"),
            req("supervisor.stopProcess", ["victim"], id=None),
            req("supervisor.nope", id=3),
            req("supervisor.getState", [1], id=4),
            5,
            req("supervisor.getPID", id=None),
            req("supervisor.getProcessInfo", ["victim"], id=6),
        ])
        self.assertEqual([x.get("id") for x in a],
                         [1, "two", 3, 4, None, 6])
        self.assertEqual(a[0]["result"], "3.0")
        self.assertEqual(a[1]["error"],
                         {"code": 10, "message": "BAD_NAME: nope"})
        self.assertEqual(a[2]["error"]["code"], -32601)
        self.assertEqual(a[3]["error"]["code"], -32602)
        self.assertEqual(a[4]["error"]["code"], -32600)
        for x in a:
            self.assertEqual(x["jsonrpc"], "2.0")
            self.assertEqual(len([k for k in ("result", "error")
                                  if k in x]), 1, x)
        # the notification ran: victim stopped (the batch starts every
        # call at once, so the info in the same batch may predate it)
        self.assertTrue(sthtest.wait_for(
            lambda: self.state_of("victim") == "STOPPED", 5))
        self.assertEqual(self.xml().supervisor.startProcess("victim"), True)

    def test_notification_gets_no_body(self):
        status, head, text = self.curl(req("supervisor.stopProcess",
                                           ["victim"], id=None))
        self.assertEqual((status, text), (204, ""), head)
        self.assertNotIn("Content-Type", head)
        self.assertEqual(self.state_of("victim"), "STOPPED")
        # a batch of notifications only, one of them a fault: no body
        status, head, text = self.curl([
            req("supervisor.startProcess", ["victim"], id=None),
            req("supervisor.getProcessInfo", ["nope"], id=None)])
        self.assertEqual((status, text), (204, ""), head)
        self.assertTrue(sthtest.wait_for(
            lambda: self.state_of("victim") == "RUNNING", 5))
        # urllib sees the same
        status, a = self.urlopen(req("supervisor.getState", id=None))
        self.assertEqual((status, a), (204, None))

    # -- errors

    def test_parse_error(self):
        for body in ('{"jsonrpc": "2.0", "method"', "{bad", "",
                     '[{"jsonrpc": "2.0", "method": "x.y", "id": 1},'):
            a = self.call(body)
            self.assertEqual(a["error"]["code"], -32700, body)
            self.assertEqual(a["error"]["message"], "Parse error")
            self.assertIsNone(a["id"])
            self.assertNotIn("result", a)

    def test_duplicate_keys_are_a_parse_error(self):
        """{"method": "getState", "method": "shutdown"} used to shut the
        daemon down (the last key won): a repeated key is refused."""
        for body in ('{"jsonrpc": "2.0", "method": "supervisor.getState", '
                     '"method": "supervisor.shutdown", "id": 1}',
                     '{"jsonrpc": "2.0", "method": "supervisor.getState", '
                     '"params": {"a": 1, "a": 2}, "id": 1}',
                     '[{"jsonrpc": "2.0", "method": "supervisor.getState", '
                     '"id": 1, "id": 2}]'):
            a = self.call(body)
            self.assertEqual(a["error"]["code"], -32700, body)
            self.assertIn("duplicate", a["error"]["data"])
            self.assertIsNone(a["id"])
        st = self.xml().supervisor.getState()
        self.assertEqual(st["statename"], "RUNNING")

    def test_invalid_request(self):
        bodies = [
            1, "x", None, [],
            {"method": "supervisor.getState", "id": 1},
            {"jsonrpc": "1.0", "method": "supervisor.getState", "id": 1},
            {"jsonrpc": "2.0", "method": 5, "id": 1},
            {"jsonrpc": "2.0", "id": 1},
            {"jsonrpc": "2.0", "method": "supervisor.getState",
             "params": 5, "id": 1},
            {"jsonrpc": "2.0", "method": "supervisor.getState",
             "params": "x", "id": 1},
            {"jsonrpc": "2.0", "method": "supervisor.getState",
             "id": {"a": 1}},
            {"jsonrpc": "2.0", "method": "supervisor.getState",
             "id": [1]},
        ]
        for body in bodies:
            a = self.call(json.dumps(body))
            if isinstance(a, list):
                self.fail("%r answered with a batch %r" % (body, a))
            self.assertEqual(a["error"]["code"], -32600, body)
            self.assertEqual(a["error"]["message"], "Invalid Request")
        # a batch of invalid entries: one error each
        a = self.call([1, 2, 3])
        self.assertEqual([x["error"]["code"] for x in a], [-32600] * 3)

    def test_method_not_found(self):
        for name in ("supervisor.nope", "nope", "a.b.c", "system._x"):
            a = self.call(req(name, id=9))
            self.assertEqual(a["error"]["code"], -32601, name)
            self.assertEqual(a["error"]["message"], "Method not found")
            self.assertEqual(a["error"]["data"]["faultCode"], 1)
            self.assertEqual(a["id"], 9)

    def test_invalid_params(self):
        for method, params in (("supervisor.getState", [1]),
                               ("supervisor.getProcessInfo", []),
                               ("supervisor.readLog", [0]),
                               ("supervisor.startProcess",
                                ["a", True, 3])):
            a = self.call(req(method, params, id=2))
            self.assertEqual(a["error"]["code"], -32602, method)
            self.assertEqual(a["error"]["message"], "Invalid params")
            self.assertEqual(a["error"]["data"],
                             {"faultCode": 2,
                              "faultString": "INCORRECT_PARAMETERS"})

    def test_supervisor_faults(self):
        cases = [
            (req("supervisor.getProcessInfo", ["nope"]),
             10, "BAD_NAME: nope"),
            (req("supervisor.startProcess", ["sleeper"]),
             60, "ALREADY_STARTED: sleeper"),
            (req("supervisor.stopProcess", ["quick"]),
             70, "NOT_RUNNING: quick"),
            (req("supervisor.signalProcess", ["sleeper", "NOPE"]),
             11, "BAD_SIGNAL: NOPE"),
            (req("supervisor.readLog", [-10, 5]), 3, "BAD_ARGUMENTS"),
            (req("supervisor.removeProcessGroup", ["sleeper"]),
             91, "STILL_RUNNING: sleeper"),
            (req("supervisor.addProcessGroup", ["sleeper"]),
             90, "ALREADY_ADDED: sleeper"),
        ]
        for body, code, message in cases:
            a = self.call(body)
            self.assertEqual(a["error"], {"code": code, "message": message},
                             body)
            # and the same fault over XML-RPC
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                getattr(self.xml(), body["method"])(*body["params"])
            self.assertEqual((cm.exception.faultCode,
                              cm.exception.faultString), (code, message))

    # -- deferred answers

    def test_deferred_start_answers_when_running(self):
        result = {}

        def slow_start():
            t = time.monotonic()
            try:
                result["answer"] = self.urlopen(
                    req("supervisor.startProcess", ["slow", True], 11))
            except Exception as e:      # reported below
                result["answer"] = e
            result["took"] = time.monotonic() - t

        th = threading.Thread(target=slow_start)
        th.start()
        try:
            self.assertTrue(sthtest.wait_for(
                lambda: self.state_of("slow") == "STARTING", 5))
            # another client, served while the first one waits
            t = time.monotonic()
            a = self.call(req("supervisor.getProcessInfo", ["slow"]))
            self.assertLess(time.monotonic() - t, 1.0)
            self.assertEqual(a["result"]["statename"], "STARTING")
            self.assertNotIn("answer", result)
            status, a = self.urlopen(req("supervisor.getState", id=3))
            self.assertEqual(a["result"]["statename"], "RUNNING")
            self.assertNotIn("answer", result)
        finally:
            th.join(15)
        self.assertEqual(result["answer"],
                         (200, {"jsonrpc": "2.0", "id": 11,
                                "result": True}))
        self.assertGreater(result["took"], 1.8)
        self.assertEqual(self.state_of("slow"), "RUNNING")
        # a batch waits for its deferred member, answers in order
        self.assertEqual(self.xml().supervisor.stopProcess("slow"), True)
        t = time.monotonic()
        a = self.call([req("supervisor.startProcess", ["slow", True], 1),
                       req("supervisor.getAPIVersion", id=2)])
        self.assertGreater(time.monotonic() - t, 1.8)
        self.assertEqual([x.get("result") for x in a], [True, "3.0"])
        self.assertEqual(self.xml().supervisor.stopProcess("slow"), True)

    def test_deferred_client_gone(self):
        """A client that hangs up while its call waits costs nothing:
        the daemon keeps serving, and the start still completes."""
        p = subprocess.Popen(
            [CURL, "-s", "--max-time", "0.5", "--json",
             json.dumps(req("supervisor.startProcess", ["slow", True])),
             self.url], stdout=subprocess.DEVNULL)
        p.wait(10)
        self.assertEqual(self.call(req("supervisor.getState"))["result"]
                         ["statename"], "RUNNING")
        self.assertTrue(sthtest.wait_for(
            lambda: self.state_of("slow") == "RUNNING", 5))
        self.assertEqual(self.xml().supervisor.stopProcess("slow"), True)

    # -- the same answers as XML-RPC

    def test_same_results_as_xmlrpc(self):
        calls = [
            ("supervisor.getAPIVersion",),
            ("supervisor.getSupervisorVersion",),
            ("supervisor.getIdentification",),
            ("supervisor.getState",),
            ("supervisor.getPID",),
            ("supervisor.getProcessInfo", "sleeper"),
            ("supervisor.getProcessInfo", "grp:gb"),
            ("supervisor.getAllProcessInfo",),
            ("supervisor.getAllConfigInfo",),
            ("supervisor.readProcessStdoutLog", "sleeper", 0, 0),
            ("supervisor.tailProcessStdoutLog", "sleeper", 0, 100),
            ("supervisor.readLog", 0, 200),
            ("system.listMethods",),
            ("system.methodSignature", "supervisor.tailProcessLog"),
            ("system.methodHelp", "supervisor.startProcessGroup"),
            ("system.multicall",
             [{"methodName": "supervisor.getAPIVersion", "params": []},
              {"methodName": "supervisor.getProcessInfo",
               "params": ["nope"]}]),
            ("supervisor.getProcessInfo", "nope"),
            ("supervisor.signalProcessGroup", "grp", "CONT"),
            ("supervisor.startProcessGroup", "grp"),
            ("supervisor.stopProcess", "grp:gb"),
        ]
        s = self.xml()
        # both run each call once: undo the state change in between
        undo = {
            "supervisor.startProcessGroup":
                lambda: s.supervisor.stopProcess("grp:gb"),
            "supervisor.stopProcess":
                lambda: s.supervisor.startProcess("grp:gb"),
        }
        for c in calls:
            try:
                want = ("ok", normalise(getattr(s, c[0])(*c[1:])))
            except xmlrpc.client.Fault as e:
                want = ("fault", e.faultCode, e.faultString)
            if c[0] in undo:
                undo[c[0]]()
            a = self.call(req(c[0], list(c[1:]), 1))
            if "error" in a:
                got = ("fault", a["error"]["code"], a["error"]["message"])
            else:
                got = ("ok", normalise(a["result"]))
            self.assertEqual(want, got, c)
        self.assertEqual(self.state_of("grp:gb"), "STOPPED")


if __name__ == "__main__":
    unittest.main()
