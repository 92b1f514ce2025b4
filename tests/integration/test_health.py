#!/usr/bin/python3
"""healthcheck= (docs/stheno.conf.5.md) against real servers on 127.0.0.1:
an http.server whose answer turns to 503, a listening port that closes, a
check command that hangs past its timeout, a log line (and one that never
comes); depends_on conditions in a chain; the restart on a liveness
failure; the health seen by Debian's supervisorctl and by real event
listeners (those asking for EVENT get nothing new).

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_health.py -v
"""

import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import unittest
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

TS = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
PY = "/usr/bin/python3"
SUPERVISORCTL = "/usr/bin/supervisorctl"
RPC_SECTIONS = """
[unix_http_server]
file=@DIR@/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://@DIR@/s.sock
"""

# A listener that records each event's header and payload, one JSON line
# each (sthtest.read_event_records reads them).
RECORDER = r'''
import json, sys
rec = sys.argv[1]
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    out.write(b"READY\n"); out.flush()
    line = inp.readline()
    if not line.endswith(b"\n"):
        sys.exit(0)
    n = int(dict(t.split(b":", 1) for t in line.split())[b"len"])
    raw = inp.read(n)
    with open(rec, "a") as f:
        f.write(json.dumps({"line": line.decode(),
                            "payload": raw.decode()}) + "\n")
    out.write(b"RESULT 2\nOK"); out.flush()
'''


class Server(http.server.ThreadingHTTPServer):
    """An http.server on 127.0.0.1 answering every GET with self.status."""
    daemon_threads = True

    def __init__(self):
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(h):
                self.hits += 1
                h.send_response(self.status)
                h.send_header("Content-Length", "2")
                h.end_headers()
                h.wfile.write(b"ok")

            def log_message(h, *a):
                pass

        self.status = 200
        self.hits = 0
        super().__init__(("127.0.0.1", 0), H)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.shutdown()
        self.server_close()


class HealthTest(unittest.TestCase):
    def setUp(self):
        self.d = None
        self._rpc = None

    def tearDown(self):
        if self._rpc is not None:
            self._rpc("close")()
        if self.d is not None:
            self.d.cleanup()

    def daemon(self, programs, loglevel="info", **subs):
        d = sthtest.Sthenod(loglevel=loglevel, identifier="myident")
        self.d = d
        text = RPC_SECTIONS + programs
        for k, v in subs.items():
            text = text.replace("@%s@" % k, str(v))
        d.extra = text.replace("@DIR@", d.dir).replace("@PY@", PY)
        d.write_config()
        return d

    def server(self):
        s = Server()
        self.addCleanup(s.close)
        return s

    def rpc(self):
        if self._rpc is None:
            from supervisor.xmlrpc import SupervisorTransport
            t = SupervisorTransport(None, None,
                                    "unix://%s/s.sock" % self.d.dir)
            self._rpc = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                                  transport=t)
        return self._rpc

    def info(self, name):
        return self.rpc().supervisor.getProcessInfo(name)

    def wait_log(self, pattern, timeout=20, count=1):
        m = self.d.wait_log(pattern, timeout=timeout, count=count)
        if m is None:
            self.fail("no /%s/ (x%d) in the main log:\n%s" %
                      (pattern, count, self.d.describe()))
        return m

    def wait_health(self, name, health, timeout=20):
        if not sthtest.wait_for(
                lambda: self.info(name).get("health") == health,
                timeout, 0.05):
            self.fail("%s is %r, not %s:\n%s" % (
                name, self.info(name), health, self.d.describe()))

    def shutdown(self):
        pid = self.d.pid
        self.assertEqual(self.d.stop(timeout=30), 0, self.d.describe())
        self.assertNotIn("Sanitizer", self.d.stderr_text())
        self.assertEqual(sthtest.descendants(pid), [])

    # --- each kind of check ------------------------------------------------

    def test_http_turns_503_and_the_program_is_restarted(self):
        s = self.server()
        self.daemon(
            "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=http://127.0.0.1:@PORT@/health\n"
            "healthcheck_interval=1\nhealthcheck_retries=3\n"
            "healthcheck_timeout=2\n", PORT=s.port)
        self.d.start()
        pid = int(self.wait_log(TS + r"INFO spawned: 'web' with pid (\d+)$")
                  .group(1))
        self.wait_log(TS + r"INFO web is healthy \(HTTP 200 from "
                      r"127\.0\.0\.1:%d/health\)$" % s.port)
        i = self.info("web")
        self.assertEqual(i["health"], "healthy")
        self.assertEqual(i["health_failures"], 0)
        self.assertRegex(i["description"],
                         r"^pid %d, uptime 0:00:\d\d, healthy$" % pid)
        s.status = 503
        self.wait_log(TS + r"WARN web failed its health check 3 times "
                      r"\(HTTP 503 from 127\.0\.0\.1:%d/health\): "
                      r"restarting$" % s.port)
        pid2 = int(self.wait_log(TS + r"INFO spawned: 'web' with pid (\d+)$",
                                 count=2).group(1))
        self.assertNotEqual(pid, pid2)
        self.assertFalse(sthtest.pid_alive(pid))
        # still failing: the next restart waits a second (the ladder)
        self.wait_log(TS + r"INFO waiting 1s before restarting web \(2 "
                      r"restarts for failed health checks in a row\)$")
        self.wait_log(TS + r"INFO spawned: 'web' with pid (\d+)$", count=3)
        s.status = 200
        self.wait_health("web", "healthy")
        i = self.info("web")
        self.assertEqual(i["health_restarts"], 2)
        self.assertEqual(i["statename"], "RUNNING")
        self.shutdown()

    def test_start_period_failures_do_not_count(self):
        s = self.server()
        s.status = 503
        self.daemon(
            "[program:slow]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=http://127.0.0.1:@PORT@/\nhealthcheck_interval=1\n"
            "healthcheck_retries=1\nhealthcheck_start_period=6\n"
            "healthcheck_restart=false\n", PORT=s.port)
        self.d.start()
        self.assertTrue(sthtest.wait_for(
            lambda: self.info("slow")["health_checks"] >= 2, 10))
        i = self.info("slow")
        self.assertEqual((i["health"], i["health_failures"]),
                         ("starting", 0), i)
        self.wait_health("slow", "unhealthy")
        self.wait_log(TS + r"WARN slow is unhealthy: 1 failed health checks "
                      r"\(HTTP 503 from 127\.0\.0\.1:%d/\)$" % s.port)
        self.shutdown()

    def test_tcp_port_that_closes(self):
        lsn = socket.socket()
        lsn.bind(("127.0.0.1", 0))
        lsn.listen(16)
        self.addCleanup(lsn.close)
        port = lsn.getsockname()[1]
        self.daemon(
            "[program:db]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=tcp:127.0.0.1:@PORT@\nhealthcheck_interval=1\n"
            "healthcheck_retries=2\nhealthcheck_restart=false\n",
            PORT=port)
        self.d.start()
        pid = int(self.wait_log(TS + r"INFO spawned: 'db' with pid (\d+)$")
                  .group(1))
        self.wait_health("db", "healthy")
        lsn.close()
        self.wait_log(TS + r"WARN db is unhealthy: 2 failed health checks "
                      r"\(connecting to 127\.0\.0\.1:%d: Connection "
                      r"refused\)$" % port)
        i = self.info("db")
        self.assertEqual(i["health"], "unhealthy")
        self.assertGreaterEqual(i["health_failures"], 2)
        # healthcheck_restart=false: marked, not restarted
        self.assertEqual((i["statename"], i["pid"]), ("RUNNING", pid))
        self.assertTrue(i["description"].endswith(", unhealthy"), i)
        # stopped: no timer, no check, health "none"
        self.assertTrue(self.rpc().supervisor.stopProcess("db"))
        n = self.info("db")["health_checks"]
        self.assertFalse(sthtest.wait_for(
            lambda: self.info("db")["health_checks"] != n, 2.5))
        self.assertEqual(self.info("db")["health"], "none")
        self.shutdown()

    def test_exec_runs_as_the_program_and_is_killed_at_its_timeout(self):
        self.daemon(
            "[program:ok]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "directory=@DIR@\nenvironment=FOO=bar\n"
            "healthcheck=exec:/bin/sh -c 'echo checked $FOO in $(pwd); "
            "test \"$FOO\" = bar'\nhealthcheck_interval=1\n"
            "[program:hang]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=exec:/bin/sleep 77\nhealthcheck_interval=1\n"
            "healthcheck_timeout=1\nhealthcheck_retries=2\n"
            "healthcheck_restart=false\n", loglevel="debug")
        self.d.start()
        self.wait_log(TS + r"DEBG health check of ok: checked bar in %s$" %
                      re.escape(self.d.dir))
        self.wait_health("ok", "healthy")
        self.wait_log(TS + r"WARN hang is unhealthy: 2 failed health checks "
                      r"\(timed out after 1s\)$")
        # the hung checks were killed and reaped: no sleep 77 is left, and
        # never more than one was in flight
        self.assertTrue(sthtest.wait_for(lambda: not any(
            "77" in sthtest.read_text("/proc/%d/cmdline" % p)
            for p in sthtest.descendants(self.d.pid)), 5))
        self.assertNotIn("reaped unknown pid", self.d.read_log())
        self.shutdown()

    def test_log_check_and_depends_on_chain(self):
        """db is ready at its log line; api (an http check) starts only
        then, web only once api is healthy and the migration completed;
        late waits for a line that never comes."""
        s = self.server()
        self.daemon(
            "[program:db]\ncommand=/bin/sh -c 'sleep 1; echo db: ready to "
            "accept connections; exec sleep 1000'\nstartsecs=0\n"
            "healthcheck=log:ready to accept\n"
            "[program:migrate]\ncommand=/bin/sh -c 'sleep 0.5; exit 0'\n"
            "startsecs=0\nautorestart=false\ndepends_on=db:started\n"
            "[program:api]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "depends_on=db:healthy\n"
            "healthcheck=http://127.0.0.1:@PORT@/\nhealthcheck_interval=1\n"
            "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "depends_on = api:healthy, migrate:completed\n"
            "[program:never]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=log:NEVER\n"
            "[program:chatty]\ncommand=/bin/sh -c 'echo up; exec sleep "
            "1000'\nstartsecs=0\nhealthcheck=log:^up$\n"
            "healthcheck_interval=1\n"
            "[program:late]\ncommand=/bin/sleep 1000\n"
            "depends_on=never:healthy\n", PORT=s.port)
        self.d.start()
        self.wait_log(TS + r"INFO waiting for db to be healthy before "
                      r"starting api$")
        self.wait_log(TS + r"INFO waiting for never to be healthy before "
                      r"starting late$")
        self.wait_log(TS + r"INFO spawned: 'web' with pid \d+$")
        log = self.d.read_log()
        at = {k: log.index(v) for k, v in (
            ("db_ready", "db is healthy (log line: db: ready to accept"),
            ("api", "spawned: 'api'"),
            ("api_ready", "api is healthy (HTTP 200"),
            ("migrated", "exited: migrate (exit status 0; expected)"),
            ("web", "spawned: 'web'"))}
        self.assertLess(at["db_ready"], at["api"], log)
        self.assertLess(at["api_ready"], at["web"], log)
        self.assertLess(at["migrated"], at["web"], log)
        self.assertEqual(self.info("late")["statename"], "STOPPED")
        self.assertEqual(self.info("never")["health"], "starting")
        self.assertEqual(self.info("db")["health"], "healthy")
        # a log check has no timer: its interval passes without a check
        self.wait_health("chatty", "healthy")
        self.wait_log(TS + r"INFO success: api entered RUNNING", timeout=5)
        sthtest.wait_for(lambda: self.info("chatty")["health_checks"] > 1,
                         3.5)
        i = self.info("chatty")
        self.assertEqual((i["health"], i["health_checks"],
                          i["health_failures"]), ("healthy", 1, 0), i)
        self.assertEqual(self.d.proc.poll(), None, self.d.describe())
        self.shutdown()

    def test_config_errors_name_file_line_and_key(self):
        for body, err in (
                ("healthcheck=ftp://x\n",
                 r"not a valid healthcheck: 'ftp://x' .* in section "
                 r"'program:a' \(file: '.*stheno.conf', line \d+\)"),
                ("healthcheck=tcp:127.0.0.1\n",
                 r"not a valid host:port in healthcheck: '127.0.0.1'"),
                ("healthcheck=log:a(\n",
                 r"not a valid regular expression in healthcheck"),
                ("healthcheck=tcp:127.0.0.1:1\nhealthcheck_interval=0\n",
                 r"0 is below lower bound \(1\) for 'healthcheck_interval'"),
                ("healthcheck=tcp:127.0.0.1:1\nhealthcheck_restart=maybe\n",
                 r"not a valid boolean value: 'maybe'.*"
                 r"healthcheck_restart"),
                ("depends_on=b:ready\n[program:b]\ncommand=/bin/true\n",
                 r"depends_on: \[program:a\] names an unknown condition "
                 r"'ready' of 'b'")):
            d = self.daemon("[program:a]\ncommand=/bin/true\n" + body)
            self.addCleanup(d.cleanup)
            d.start(wait=False)
            self.assertEqual(d.wait_exit(10), 2, d.describe())
            self.assertRegex(d.read_log() + d.stderr_text(), err)
        self.d = None

    # --- seen from outside -------------------------------------------------

    @unittest.skipUnless(os.access(SUPERVISORCTL, os.X_OK),
                         "needs Debian's supervisorctl")
    def test_supervisorctl_status_shows_health(self):
        s = self.server()
        self.daemon(
            "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=http://127.0.0.1:@PORT@/\nhealthcheck_interval=1\n"
            "[program:plain]\ncommand=/bin/sleep 1000\nstartsecs=0\n",
            PORT=s.port)
        self.d.start()
        self.wait_health("web", "healthy")
        out = subprocess.run([SUPERVISORCTL, "-c", self.d.conf, "status"],
                             capture_output=True, text=True, timeout=20)
        self.assertRegex(out.stdout, r"(?m)^web +RUNNING +pid \d+, uptime "
                         r"0:00:\d\d, healthy$")
        self.assertRegex(out.stdout, r"(?m)^plain +RUNNING +pid \d+, uptime "
                         r"0:00:\d\d$")
        self.shutdown()

    def test_metrics(self):
        s = self.server()
        ctl = sthtest.free_port()
        self.daemon(
            "[inet_http_server]\nport=127.0.0.1:@CTL@\n[plugin:metrics]\n"
            "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=http://127.0.0.1:@PORT@/\nhealthcheck_interval=1\n"
            "healthcheck_retries=1\nhealthcheck_restart=false\n"
            "[program:plain]\ncommand=/bin/sleep 1000\nstartsecs=0\n",
            PORT=s.port, CTL=ctl)
        self.d.start()
        self.wait_log(r"plugin 'metrics' .*loaded")

        def metrics():
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % ctl,
                                        timeout=10) as r:
                return r.read().decode()
        self.wait_health("web", "healthy")
        m = metrics()
        self.assertIn('stheno_process_healthy{group="web",name="web"} 1\n',
                      m)
        self.assertNotIn('stheno_process_healthy{group="plain"', m)
        self.assertRegex(m, r'stheno_process_health_checks_total'
                         r'\{group="web",name="web"\} [1-9]')
        s.status = 500
        self.wait_health("web", "unhealthy")
        m = metrics()
        self.assertIn('stheno_process_healthy{group="web",name="web"} 0\n',
                      m)
        self.assertIn('stheno_process_health_failures{group="web",'
                      'name="web"} ', m)
        self.shutdown()

    def test_events_only_for_listeners_that_ask(self):
        s = self.server()
        d = self.daemon(
            "[eventlistener:health]\ncommand=@PY@ @DIR@/rec.py @DIR@/h.jsonl\n"
            "events=PROCESS_HEALTH\n"
            "[eventlistener:all]\ncommand=@PY@ @DIR@/rec.py @DIR@/all.jsonl\n"
            "events=EVENT\n"
            "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
            "healthcheck=http://127.0.0.1:@PORT@/\nhealthcheck_interval=1\n"
            "healthcheck_retries=1\nhealthcheck_restart=false\n",
            PORT=s.port)
        with open(os.path.join(d.dir, "rec.py"), "w") as f:
            f.write(RECORDER)
        d.start()
        hrec = os.path.join(d.dir, "h.jsonl")

        def names():
            return [r["name"] for r in sthtest.read_event_records(hrec)]
        self.assertTrue(sthtest.wait_for(
            lambda: "PROCESS_HEALTH_HEALTHY" in names(), 20), d.describe())
        s.status = 503
        self.assertTrue(sthtest.wait_for(
            lambda: "PROCESS_HEALTH_UNHEALTHY" in names(), 20), d.describe())
        rec = sthtest.read_event_records(hrec)
        self.assertEqual([r["name"] for r in rec],
                         ["PROCESS_HEALTH_HEALTHY",
                          "PROCESS_HEALTH_UNHEALTHY"])
        self.assertRegex(rec[1]["payload"],
                         r"^processname:web groupname:web pid:\d+ "
                         r"failures:1$")
        allrec = sthtest.read_event_records(os.path.join(d.dir,
                                                         "all.jsonl"))
        self.assertTrue(allrec)
        self.assertFalse([r for r in allrec
                          if r["name"].startswith("PROCESS_HEALTH")])
        self.shutdown()


if __name__ == "__main__":
    unittest.main()
