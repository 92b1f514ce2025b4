#!/usr/bin/python3
"""What the fleet tools that speak supervisor's XML-RPC directly depend on
(Cesi, Multivisor, Telegraf, Datadog, the Prometheus exporters, the PHP
monitors), through Python's xmlrpc.client,
against Debian's supervisord and sthenod side by side on the same config:

- `description` exactly as supervisord writes it in every state a tool
  shows: RUNNING (`pid N, uptime H:MM:SS`), STOPPED (`Not started`, then the
  stop time), EXITED, FATAL (too quick, and a missing command), BACKOFF,
  STARTING;
- every processInfo key with its type, the legacy `logfile` alias;
- `system.listMethods` (Cesi's probe), `system.multicall`,
  `getAllConfigInfo` keys and values;
- `http://user:pass@host/RPC2` (Cesi) and supervisor's own unix-socket
  transport (Datadog, childutils), with and without the right password.

Needs /usr/bin/supervisord and Debian's python3-supervisor; skipped
without them."""

import os
import re
import signal
import subprocess
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:
    SupervisorTransport = None

STHENOD = os.environ.get("STHENOD", "sthenod")
SUPERVISORD = "/usr/bin/supervisord"
USER, PASS = "fleet", "fleet-pw"

CONFIG = """\
[supervisord]
logfile=@DIR@/main.log
pidfile=@DIR@/d.pid
childlogdir=@DIR@
identifier=fleet
nodaemon=true

[unix_http_server]
file=@DIR@/d.sock
username=fleet
password=fleet-pw

[inet_http_server]
port=127.0.0.1:@PORT@
username=fleet
password=fleet-pw

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:web]
command=/bin/sleep 100
startsecs=0
stdout_logfile=@DIR@/web.out

[program:never]
command=/bin/sleep 100
autostart=false

; a child exiting at once races startProcess(wait=False)'s answer under
; both daemons (SPAWN_ERROR now and then): give it time
[program:quick]
command=/bin/sh -c 'sleep 0.3; exit 3'
autostart=false
autorestart=false
startsecs=0

[program:toofast]
command=/bin/sh -c 'exit 1'
autostart=false
startretries=0

[program:missing]
command=@DIR@/not-there
startretries=0

[program:flappy]
command=/bin/sh -c 'sleep 0.2; exit 1'
autostart=false
startsecs=5
startretries=50

[program:slowstart]
command=/bin/sleep 100
autostart=false
startsecs=30

[group:pool]
programs=w1,w2
priority=10

[program:w1]
command=/bin/sleep 100
startsecs=0
redirect_stderr=true

[program:w2]
command=/bin/sleep 100
startsecs=0
autostart=false
stderr_logfile=NONE
"""

INFO_TYPES = {
    "name": str, "group": str, "start": int, "stop": int, "now": int,
    "state": int, "statename": str, "spawnerr": str, "exitstatus": int,
    "logfile": str, "stdout_logfile": str, "stderr_logfile": str,
    "pid": int, "description": str,
}

RUNNING_DESC = re.compile(r"pid [1-9]\d*, uptime \d+:\d\d:\d\d")
# time.strftime('%b %d %I:%M %p', ...) as supervisord writes stop times
DATE_DESC = re.compile(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M")



class Daemon(sthtest.Peer):
    def __init__(self, argv):
        super().__init__(argv, CONFIG, prefix="sth-fleet-")
        self.proxies = []

    def rpc(self, user=USER, pw=PASS):
        auth = "%s:%s@" % (user, pw) if user is not None else ""
        p = xmlrpc.client.ServerProxy(
            "http://%s127.0.0.1:%d/RPC2" % (auth, self.port))
        self.proxies.append(p)
        return p

    def info(self, name):
        return self.rpc().supervisor.getProcessInfo(name)

    def wait_state(self, name, state, timeout=20):
        deadline = time.time() + timeout
        info = None
        while time.time() < deadline:
            try:
                info = self.info(name)
                if info["statename"] == state:
                    return info
            except (OSError, xmlrpc.client.Error):
                pass
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited")
            time.sleep(0.05)
        raise AssertionError("%s not %s: %r" % (name, state, info))

    def norm(self, v):
        if isinstance(v, dict):
            return {k: self.norm_key(k, x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(self.norm(x) for x in v)
        if isinstance(v, str):
            v = v.replace(self.dir, "@DIR@")
            v = re.sub(r"---fleet-[a-z0-9_]{8}\.log", "---fleet-R.log", v)
            v = RUNNING_DESC.sub("pid PID, uptime U", v)
            return DATE_DESC.sub("DATE", v)
        return v

    def norm_key(self, k, x):
        if k in ("now", "start", "stop", "pid") and isinstance(x, int):
            return "INT" if x else 0
        return self.norm(x)

    def cleanup(self):
        """A graceful stop first (SIGTERM to the group), then Peer's."""
        for p in self.proxies:
            p("close")()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        super().cleanup()


@unittest.skipUnless(os.access(SUPERVISORD, os.X_OK) and
                     SupervisorTransport is not None,
                     "Debian's supervisor package is not installed")
class FleetTools(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.ref = Daemon([SUPERVISORD, "-n"])
        cls.sth = Daemon([STHENOD, "-n"])
        cls.both = (cls.ref, cls.sth)
        try:
            for d in cls.both:
                d.wait_state("web", "RUNNING")
                d.wait_state("pool:w1", "RUNNING")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for d in cls.both:
            d.cleanup()

    def each(self, fn):
        """fn(daemon) for supervisord then sthenod: both results."""
        return [fn(d) for d in self.both]

    def same(self, fn):
        want, got = self.each(fn)
        self.assertEqual(want, got)
        return got

    # -- description, per state

    def test_description_running(self):
        for d in self.both:
            info = d.info("web")
            self.assertRegex(info["description"],
                             r"^pid %d, uptime 0:00:\d\d$" % info["pid"])
            self.assertGreater(info["pid"], 0)
            self.assertEqual(info["now"] - info["start"] >= 0, True)

    def test_description_stopped(self):
        def never(d):
            return d.info("never")["description"]
        self.assertEqual(self.same(never), "Not started")

        def stopped(d):
            s = d.rpc().supervisor
            s.startProcess("pool:w2")
            s.stopProcess("pool:w2")
            info = d.info("pool:w2")
            when = time.strftime("%b %d %I:%M %p",
                                 time.localtime(info["stop"]))
            self.assertEqual(info["description"], when)
            return info["statename"], d.norm(info["description"])
        self.assertEqual(self.same(stopped), ("STOPPED", "DATE"))

    def test_description_exited(self):
        def exited(d):
            d.rpc().supervisor.startProcess("quick", False)
            info = d.wait_state("quick", "EXITED")
            when = time.strftime("%b %d %I:%M %p",
                                 time.localtime(info["stop"]))
            self.assertEqual(info["description"], when)
            return (info["exitstatus"], info["spawnerr"],
                    d.norm(info["description"]))
        self.same(exited)

    def test_description_fatal(self):
        def fatal(d):
            s = d.rpc().supervisor
            out = []
            try:
                s.startProcess("toofast")
            except xmlrpc.client.Fault as e:
                out.append((e.faultCode, e.faultString))
            # missing gave up at autostart; a start now is refused
            for name in ("toofast", "missing"):
                info = d.wait_state(name, "FATAL")
                out.append((info["description"] ==
                            info["spawnerr"], d.norm(info["description"])))
            try:
                s.startProcess("missing")
            except xmlrpc.client.Fault as e:
                out.append((e.faultCode, d.norm(e.faultString)))
            out.append(d.norm(d.info("missing")["description"]))
            return out
        got = self.same(fatal)
        self.assertIn((True, "Exited too quickly (process log may have "
                       "details)"), got)
        self.assertIn((True, "can't find command '@DIR@/not-there'"), got)

    def test_description_backoff_and_starting(self):
        def backoff(d):
            s = d.rpc().supervisor
            s.startProcess("flappy", False)
            info = d.wait_state("flappy", "BACKOFF")
            s.stopProcess("flappy")
            s.startProcess("slowstart", False)
            starting = d.wait_state("slowstart", "STARTING")
            s.stopProcess("slowstart")
            return (info["description"], info["spawnerr"],
                    starting["description"], starting["spawnerr"])
        self.assertEqual(self.same(backoff),
                         ("Exited too quickly (process log may have "
                          "details)",) * 2 + ("", ""))

    # -- keys

    def test_process_info_keys_and_types(self):
        def keys(d):
            infos = d.rpc().supervisor.getAllProcessInfo()
            for i in infos:
                self.assertEqual(set(i), set(INFO_TYPES), i)
                for k, t in INFO_TYPES.items():
                    self.assertIsInstance(i[k], t, (k, i))
                # Datadog formats the deprecated alias
                self.assertEqual("%(logfile)s" % i, i["stdout_logfile"])
            return sorted(d.norm([(i["group"], i["name"], i["logfile"],
                                   i["stdout_logfile"], i["stderr_logfile"])
                                  for i in infos]))
        got = self.same(keys)
        self.assertIn(("web", "web", "@DIR@/web.out", "@DIR@/web.out",
                       "@DIR@/web-stderr---fleet-R.log"), got)
        self.assertIn(("pool", "w2", "@DIR@/w2-stdout---fleet-R.log",
                       "@DIR@/w2-stdout---fleet-R.log", ""), got)

    def test_get_all_config_info(self):
        def config(d):
            infos = d.rpc().supervisor.getAllConfigInfo()
            return sorted((d.norm(i) for i in infos),
                          key=lambda i: (i["group"], i["name"]))
        got = self.same(config)
        self.assertEqual(len(got), 9)
        self.assertIn("serverurl", got[0])
        self.assertIn("stdout_logfile_maxbytes", got[0])

    def test_state_and_identification(self):
        # Telegraf, Multivisor
        def ident(d):
            s = d.rpc().supervisor
            return (s.getState(), s.getIdentification(), s.getAPIVersion(),
                    s.getVersion(), s.getSupervisorVersion(),
                    isinstance(s.getPID(), int))
        self.assertEqual(self.same(ident)[0],
                         {"statecode": 1, "statename": "RUNNING"})

    # -- system.*

    def test_list_methods(self):
        def methods(d):
            m = d.rpc().system.listMethods()
            self.assertEqual(m, sorted(m))
            return m
        want, got = self.each(methods)
        self.assertEqual(len(want), 41)
        # plugins add methods of their own (docs/compatibility.md)
        self.assertEqual([m for m in got
                          if m.startswith(("supervisor.", "system."))],
                         want)

    def test_multicall(self):
        def multi(d):
            return d.norm(d.rpc().system.multicall([
                {"methodName": "supervisor.getAPIVersion", "params": []},
                {"methodName": "supervisor.getProcessInfo",
                 "params": ["web"]},
                {"methodName": "supervisor.getProcessInfo",
                 "params": ["nope"]},
                {"methodName": "supervisor.getAllProcessInfo"},
                {"methodName": "supervisor.readProcessStdoutLog",
                 "params": ["web", 0, 10]},
                {"methodName": "system.multicall", "params": [[]]},
                {"methodName": "supervisor.nope", "params": []},
                {"methodName": "supervisor.getState", "params": [1]},
                {"params": []},
            ]))
        got = self.same(multi)
        self.assertEqual(got[0], "3.0")
        self.assertEqual(got[2], {"faultCode": 10,
                                  "faultString": "BAD_NAME: nope"})
        # the KoNekoD monitor's start through multicall, deferred inside
        def start(d):
            res = d.rpc().system.multicall([
                {"methodName": "supervisor.startProcess",
                 "params": ["never", True]},
                {"methodName": "supervisor.getProcessInfo",
                 "params": ["never"]}])
            d.rpc().supervisor.stopProcess("never")
            return res[0], res[1]["statename"]
        self.assertEqual(self.same(start), (True, "RUNNING"))

    def test_method_help_and_signature(self):
        def meta(d):
            s = d.rpc().system
            return [s.methodSignature("supervisor.getProcessInfo"),
                    s.methodHelp("supervisor.getProcessInfo")]
        self.same(meta)

    def test_wrong_param_types(self):
        """A deliberate difference (docs/compatibility.md): a parameter
        of the wrong type (the struct-style params some PHP clients send,
        supervisor issue #1628) is a Python exception in supervisord, so
        HTTP 500; sthenod answers fault 2, which a client can handle."""
        def types(d):
            out = []
            s = d.rpc().supervisor
            for args in (({"name": "never", "wait": False},), (5,),
                         ("never", False, 3)):
                try:
                    out.append(("ok", s.startProcess(*args)))
                except xmlrpc.client.Fault as e:
                    out.append(("fault", e.faultCode, e.faultString))
                except xmlrpc.client.ProtocolError as e:
                    out.append(("http", e.errcode))
            return out
        want, got = self.each(types)
        self.assertEqual(want, [("http", 500), ("http", 500),
                                ("fault", 2, "INCORRECT_PARAMETERS")])
        self.assertEqual(got, [("fault", 2, "INCORRECT_PARAMETERS")] * 3)
        self.assertEqual(self.same(lambda d: d.info("never")["statename"]),
                         "STOPPED")

    # -- transports and credentials

    def test_url_credentials(self):
        def creds(d):
            out = [d.rpc().supervisor.getAPIVersion()]
            for user, pw in (("fleet", "nope"), ("x", PASS), (None, None)):
                try:
                    d.rpc(user, pw).system.listMethods()
                    out.append("no error")
                except xmlrpc.client.ProtocolError as e:
                    out.append((e.errcode, e.errmsg,
                                e.headers.get("WWW-Authenticate")))
            return out
        got = self.same(creds)
        self.assertEqual(got[1], (401, "Unauthorized",
                                  'Basic realm="default"'))

    def test_supervisor_unix_transport(self):
        def unix(d):
            out = []
            for pw in (PASS, "nope"):
                t = SupervisorTransport(USER, pw, "unix://" + d.sock)
                p = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                              transport=t)
                try:
                    infos = p.supervisor.getAllProcessInfo()
                    out.append(sorted(i["name"] for i in infos))
                except xmlrpc.client.ProtocolError as e:
                    out.append((e.errcode, e.errmsg))
                finally:
                    t.close()
            return out
        got = self.same(unix)
        self.assertEqual(got[1], (401, "Unauthorized"))


if __name__ == "__main__":
    unittest.main()
