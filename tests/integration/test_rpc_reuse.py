#!/usr/bin/python3
"""getAllProcessInfo keeps its structs from one answer to the next and
writes the new values over them when nobody holds them any more
(daemon/proc_rpc.c, pi_reuse).  These check what a client would see if
that went wrong: an answer still held (earlier in a system.multicall or a
JSON-RPC batch) changed by a later call, a value left stale after a state
change or a restart, a struct left in the slot of a process that moved or
went away.  Every entry of getAllProcessInfo is compared with
getProcessInfo of the same process, which always builds a new struct."""

import json
import os
import sys
import time
import unittest
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

PROGRAMS = """
[inet_http_server]
port=127.0.0.1:@PORT@

[program:alpha]
command=/bin/sleep 100
startsecs=0

[program:victim]
command=/bin/sleep 100
startsecs=0
stopwaitsecs=5

[program:zulu]
command=/bin/sleep 100
startsecs=0
numprocs=3
process_name=%(program_name)s_%(process_num)d

[program:never]
command=/bin/sleep 100
autostart=false
"""



class Reuse(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.port = free_port()
        self.d = sthtest.Sthenod(
            extra=PROGRAMS.replace("@PORT@", str(self.port)),
            nodaemon="true")
        self.d.opts["childlogdir"] = self.d.dir
        self.d.write_config()
        self.addCleanup(self.d.cleanup)
        self.d.start()
        self.addCleanup(self.d.stop)
        self.url = "http://127.0.0.1:%d" % self.port
        self.s = xmlrpc.client.ServerProxy(self.url + "/RPC2")
        self.addCleanup(self.s("close"))
        ok = sthtest.wait_for(lambda: self.states().get("victim") ==
                              "RUNNING" and self.states().get("zulu_2") ==
                              "RUNNING", 10)
        self.assertTrue(ok, self.d.describe())

    def states(self):
        try:
            info = self.s.supervisor.getAllProcessInfo()
        except OSError:
            return {}
        return {i["name"]: i["statename"] for i in info}

    def jsonrpc(self, body):
        r = urllib.request.Request(
            self.url + "/jsonrpc", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(r, timeout=10) as f:
            return json.loads(f.read())

    def check_against_single(self):
        """Each entry equals getProcessInfo (a new struct) of the same
        process, within the same second."""
        for _ in range(5):
            t = int(time.time())
            every = self.s.supervisor.getAllProcessInfo()
            single = [self.s.supervisor.getProcessInfo(
                "%s:%s" % (i["group"], i["name"])) for i in every]
            if int(time.time()) == t and all(
                    i["now"] == t for i in every + single):
                self.assertEqual(every, single)
                return every
        self.fail("the clock kept moving between two calls")

    def test_held_answer_is_not_changed_by_a_later_call(self):
        """system.multicall holds the first answer while the stop and the
        second getAllProcessInfo run: it must still say RUNNING."""
        first, stop, second = self.s.system.multicall([
            {"methodName": "supervisor.getAllProcessInfo", "params": []},
            {"methodName": "supervisor.stopProcess",
             "params": ["victim", False]},
            {"methodName": "supervisor.getAllProcessInfo", "params": []},
        ])
        self.assertEqual(stop, True)
        v1 = [i for i in first if i["name"] == "victim"][0]
        v2 = [i for i in second if i["name"] == "victim"][0]
        self.assertEqual(v1["statename"], "RUNNING", first)
        self.assertTrue(v1["description"].startswith("pid %d," %
                                                     v1["pid"]))
        self.assertNotEqual(v2["statename"], "RUNNING", second)

    def test_held_answer_in_a_jsonrpc_batch(self):
        out = self.jsonrpc([
            {"jsonrpc": "2.0", "id": 1,
             "method": "supervisor.getAllProcessInfo"},
            {"jsonrpc": "2.0", "id": 2, "method": "supervisor.stopProcess",
             "params": ["victim", False]},
            {"jsonrpc": "2.0", "id": 3,
             "method": "supervisor.getAllProcessInfo"},
        ])
        by_id = {r["id"]: r["result"] for r in out}
        v1 = [i for i in by_id[1] if i["name"] == "victim"][0]
        v3 = [i for i in by_id[3] if i["name"] == "victim"][0]
        self.assertEqual(v1["statename"], "RUNNING", out)
        self.assertNotEqual(v3["statename"], "RUNNING", out)

    def test_values_follow_state_restarts_and_time(self):
        before = self.check_against_single()
        v0 = [i for i in before if i["name"] == "victim"][0]
        self.assertTrue(self.s.supervisor.stopProcess("victim", True))
        after = self.check_against_single()
        v1 = [i for i in after if i["name"] == "victim"][0]
        self.assertEqual(v1["statename"], "STOPPED")
        self.assertEqual(v1["pid"], 0)
        self.assertNotEqual(v1["stop"], 0)
        self.assertTrue(self.s.supervisor.startProcess("victim", True))
        again = self.check_against_single()
        v2 = [i for i in again if i["name"] == "victim"][0]
        self.assertEqual(v2["statename"], "RUNNING")
        self.assertNotEqual(v2["pid"], v0["pid"])
        self.assertEqual(v2["description"].split(",")[0],
                         "pid %d" % v2["pid"])
        # A second later the same kept structs show the time moving.
        time.sleep(1.1)
        later = self.s.supervisor.getAllProcessInfo()
        self.assertGreater(later[0]["now"], again[0]["now"])
        self.assertEqual([i["name"] for i in later],
                         [i["name"] for i in again])

    def test_slots_follow_processes_added_and_removed(self):
        names = [i["name"] for i in self.check_against_single()]
        self.assertEqual(names, ["alpha", "never", "victim", "zulu_0",
                                 "zulu_1", "zulu_2"])
        # Remove a group in the middle: every later entry moves a slot.
        self.s.supervisor.stopProcessGroup("victim", True)
        self.s.supervisor.removeProcessGroup("victim")
        names = [i["name"] for i in self.check_against_single()]
        self.assertEqual(names, ["alpha", "never", "zulu_0", "zulu_1",
                                 "zulu_2"])
        # Remove the last group: fewer slots.
        self.s.supervisor.stopProcessGroup("zulu", True)
        self.s.supervisor.removeProcessGroup("zulu")
        names = [i["name"] for i in self.check_against_single()]
        self.assertEqual(names, ["alpha", "never"])
        # And back: the config still has both.
        self.assertEqual(self.s.supervisor.addProcessGroup("zulu"), True)
        self.assertEqual(self.s.supervisor.addProcessGroup("victim"), True)
        sthtest.wait_for(lambda: self.states().get("zulu_2") == "RUNNING",
                         10)
        names = [i["name"] for i in self.check_against_single()]
        self.assertEqual(names, ["alpha", "never", "victim", "zulu_0",
                                 "zulu_1", "zulu_2"])


if __name__ == "__main__":
    unittest.main()
