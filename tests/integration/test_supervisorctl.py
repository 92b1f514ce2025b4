#!/usr/bin/python3
"""Differential test: the same config, the same supervisorctl commands and
the same XML-RPC calls against Debian's supervisord and against sthenod,
outputs normalised (pids, times, uptimes, temp paths, AUTO log names) and
compared line for line.  Every deliberate difference is in
docs/compatibility.md; none of them is exercised here.

Needs /usr/bin/supervisord and /usr/bin/supervisorctl (Debian package
supervisor); skipped without them."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

STHENOD = os.environ.get("STHENOD", "sthenod")
SUPERVISORD = "/usr/bin/supervisord"
SUPERVISORCTL = "/usr/bin/supervisorctl"

CONFIG = """\
[supervisord]
logfile=@DIR@/main.log
pidfile=@DIR@/d.pid
childlogdir=@DIR@
identifier=difftest
nodaemon=true
loglevel=info

[unix_http_server]
file=@DIR@/d.sock

[inet_http_server]
port=127.0.0.1:@PORT@

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://@DIR@/d.sock

[program:sleeper]
command=/bin/sh -c 'echo out-line; echo err-line >&2; exec sleep 100'
startsecs=1

[program:multi]
command=/bin/sleep 100
numprocs=2
process_name=multi_%(process_num)02d
autostart=false
startsecs=0

[group:grp]
programs=ga,gb
priority=50

[program:ga]
command=/bin/sleep 100
startsecs=0
priority=2

[program:gb]
command=/bin/sleep 100
startsecs=0
priority=1

[program:failer]
command=/bin/false
autostart=false
startretries=0

[program:noexec]
command=@DIR@/not-there
autostart=false
"""

# The second config, for reread/update: multi changes, failer goes,
# newp comes.
CONFIG2_EDIT = [
    ("numprocs=2\n", "numprocs=3\n"),
    ("[program:failer]\ncommand=/bin/false\nautostart=false\n"
     "startretries=0\n",
     "[program:newp]\ncommand=/bin/sleep 100\nstartsecs=0\n"),
]

# supervisorctl commands, run in order; None marks the config edit.
COMMANDS = [
    "status",
    "status sleeper",
    "status nope",
    "status grp:*",
    "start multi:*",
    "status",
    "stop multi:multi_00",
    "stop multi:multi_00",
    "start multi:multi_01",
    "restart grp:*",
    "signal CONT grp:*",
    "signal BOGUS sleeper",
    "signal CONT multi:multi_00",
    "signal CONT nope",
    "pid",
    "pid sleeper",
    "pid multi:multi_00",
    "tail sleeper",
    "tail sleeper stderr",
    "tail -3 sleeper",
    "clear sleeper",
    "tail sleeper",
    "avail",
    "start failer",
    "start noexec",
    "start nope",
    "start",
    "stop nope",
    "status",
    "version",
    "reread",
    None,
    "reread",
    "update",
    "status",
    "avail",
    "stop all",
    "status",
    "start all",
    "bogus",
]



def normalise(text, d):
    text = text.replace(d, "@DIR@")
    text = re.sub(r"pid \d+, uptime \d+:\d\d:\d\d", "pid PID, uptime U",
                  text)
    text = re.sub(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M", "DATE", text)
    text = re.sub(r"(?m)^\d+$", "N", text)
    text = re.sub(r"---difftest-[a-z0-9_]{8}\.log", "---difftest-R.log",
                  text)
    return text


def unorder(out):
    """supervisord answers a group's deferred results in the order they
    finish, a race between children; sort each run of lines that share
    a verb ("x: stopped", "y: stopped", then "x: started", ...)."""
    lines = out.split("\n")
    res, run = [], []
    for line in lines:
        verb = line.rsplit(": ", 1)[-1]
        if run and run[0].rsplit(": ", 1)[-1] != verb:
            res += sorted(run)
            run = []
        run.append(line)
    return "\n".join(res + sorted(run))


def normalise_value(v, d):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in ("now", "start", "stop", "pid") and isinstance(x, int):
                x = "INT" if x else 0
            out[k] = normalise_value(x, d)
        return out
    if isinstance(v, list):
        v = [normalise_value(x, d) for x in v]
        if v and all(isinstance(x, dict) and "status" in x for x in v):
            v.sort(key=lambda x: (x["group"], x["name"]))  # see unorder
        return v
    if isinstance(v, str):
        return normalise(v, d)
    return v


class Daemon(sthtest.Peer):
    def __init__(self, argv, env=None):
        super().__init__(argv, CONFIG, prefix="sth-ctl-", env=env)

    def edit(self):
        with open(self.conf) as f:
            text = f.read()
        for a, b in CONFIG2_EDIT:
            assert a in text, a
            text = text.replace(a, b)
        with open(self.conf, "w") as f:
            f.write(text)

    def ctl(self, cmd):
        p = subprocess.run([SUPERVISORCTL, "-c", self.conf] + cmd.split(),
                           capture_output=True, text=True, timeout=60)
        return p.stdout + p.stderr, p.returncode

    def rpc(self):
        return xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % self.port)

    def wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            out, rc = self.ctl("status sleeper")
            if "RUNNING" in out:
                return
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited: %s" % out)
            time.sleep(0.1)
        raise AssertionError("not ready: %s" % out)


def settle():
    # let startsecs=0 children and reaping settle between commands
    time.sleep(0.2)


def run_session(d):
    """Every command and call; returns a list of comparable records."""
    rec = []
    d.wait_ready()
    time.sleep(1.2)  # sleeper's output is in its logs
    for cmd in COMMANDS:
        if cmd is None:
            d.edit()
            rec.append(("edit", "", 0))
            continue
        out, rc = d.ctl(cmd)
        rec.append((cmd, unorder(normalise(out, d.dir)), rc))
        settle()

    s = d.rpc()

    def call(name, *args):
        try:
            v = getattr(s, name)(*args)
            return ("ok", normalise_value(v, d.dir))
        except xmlrpc.client.Fault as e:
            return ("fault", e.faultCode, normalise(e.faultString, d.dir))

    calls = [
        ("supervisor.getAPIVersion",),
        ("supervisor.getVersion",),
        ("supervisor.getSupervisorVersion",),
        ("supervisor.getIdentification",),
        ("supervisor.getState",),
        ("supervisor.getProcessInfo", "sleeper"),
        ("supervisor.getProcessInfo", "grp:ga"),
        ("supervisor.getProcessInfo", "grp:*"),
        ("supervisor.getProcessInfo", "nope"),
        ("supervisor.getAllProcessInfo",),
        ("supervisor.readProcessStdoutLog", "sleeper", 0, 0),
        ("supervisor.readProcessStderrLog", "sleeper", 0, 3),
        ("supervisor.readProcessStdoutLog", "sleeper", -1, 5),
        ("supervisor.readProcessStdoutLog", "nope", 0, 0),
        ("supervisor.readLog", -10, 5),
        ("supervisor.tailProcessStderrLog", "sleeper", 0, 100),
        ("supervisor.tailProcessStderrLog", "sleeper", 0, 3),
        ("supervisor.tailProcessStdoutLog", "multi:multi_00", 0, 10),
        ("supervisor.startProcess", "sleeper"),
        ("supervisor.stopProcess", "noexec"),
        ("supervisor.signalProcess", "sleeper", "NOPE"),
        ("supervisor.stopProcessGroup", "multi"),
        ("supervisor.startProcessGroup", "multi", False),
        ("supervisor.signalProcessGroup", "multi", "CONT"),
        ("supervisor.stopProcess", "multi:*"),
        ("supervisor.removeProcessGroup", "grp"),
        ("supervisor.addProcessGroup", "grp"),
        ("supervisor.addProcessGroup", "nope"),
        ("supervisor.sendProcessStdin", "multi:multi_00", "x"),
        ("supervisor.sendRemoteCommEvent", "t", "d"),
        ("supervisor.clearProcessLogs", "sleeper"),
        ("supervisor.getAllConfigInfo",),
        ("supervisor.reloadConfig",),
        ("system.methodSignature", "supervisor.tailProcessLog"),
        ("system.methodSignature", "supervisor.getState"),
        ("system.methodHelp", "supervisor.startProcessGroup"),
        ("system.methodHelp", "supervisor.nope"),
        ("supervisor.nope",),
        # parameter checks: arity (supervisord answers a parameter of
        # another type with HTTP 500 or a fault string of its own)
        ("supervisor.getProcessInfo",),
        ("supervisor.getPID", 1),
        ("supervisor.stopProcess", "sleeper", False, 1),
        ("supervisor.readProcessStdoutLog", "sleeper", 0),
        ("supervisor.readLog", 0),
        ("supervisor.clearLog", 1),
        ("supervisor.signalProcessGroup", "multi"),
        ("supervisor.sendRemoteCommEvent", "t"),
    ]
    for c in calls:
        rec.append((c, call(*c)))
        settle()
    names = [m for m in s.system.listMethods()
             if m.startswith(("supervisor.", "system."))]
    rec.append(("listMethods", names))
    # every supervisor.* method's docstring and signature, byte for byte
    for m in names:
        if m.startswith("supervisor."):
            rec.append((m, s.system.methodHelp(m),
                        s.system.methodSignature(m)))
    rec.append(("multicall", normalise_value(s.system.multicall([
        {"methodName": "supervisor.getAPIVersion", "params": []},
        {"methodName": "supervisor.getProcessInfo", "params": ["nope"]},
        {"methodName": "system.multicall", "params": [[]]},
        {"params": []},
    ]), d.dir)))

    out, rc = d.ctl("shutdown")
    rec.append(("shutdown", out, rc))
    try:
        code = d.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = "still running"
    rec.append(("exit", code))
    return rec


@unittest.skipUnless(os.access(SUPERVISORD, os.X_OK) and
                     os.access(SUPERVISORCTL, os.X_OK),
                     "Debian's supervisor package is not installed")
class SupervisorctlDiff(unittest.TestCase):
    maxDiff = None

    def session(self, argv, env=None):
        d = Daemon(argv, env)
        try:
            return run_session(d)
        finally:
            d.cleanup()

    def test_same_answers_as_supervisord(self):
        want = self.session([SUPERVISORD, "-n"])
        got = self.session([STHENOD, "-n"], dict(os.environ))
        self.assertEqual(len(want), len(got))
        for w, g in zip(want, got):
            self.assertEqual(w, g)


class CommandLineOverrides(unittest.TestCase):
    """-i and -q win over [supervisord]'s identifier and childlogdir for
    the process table too (AUTO log names, getIdentification)."""

    def test_identifier_and_childlogdir_from_the_command_line(self):
        logs = tempfile.mkdtemp(prefix="sth-ctl-q-")
        d = Daemon([STHENOD, "-n", "-i", "cliident", "-q", logs],
                   dict(os.environ))
        try:
            d.wait_ready()
            s = d.rpc()
            self.assertEqual(s.supervisor.getIdentification(), "cliident")
            info = s.supervisor.getProcessInfo("sleeper")
            self.assertTrue(info["stdout_logfile"].startswith(
                logs + "/sleeper-stdout---cliident-"), info)
            self.assertEqual(s.supervisor.shutdown(), True)
            self.assertEqual(d.proc.wait(timeout=30), 0)
        finally:
            d.cleanup()
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
