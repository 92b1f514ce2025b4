#!/usr/bin/python3
"""Differential test: the same commands through Debian's supervisorctl and
through sthenoctl, outputs (normalised as test_supervisorctl.py does) and
exit statuses compared line for line: against two sthenods fed the same
config and commands, against Debian's supervisord, over http:// with
Basic auth, and in the interactive shell.  Then what only sthenoctl does:
--json, -v, and the sections it asks for when they are missing.

Needs /usr/bin/supervisord and /usr/bin/supervisorctl (Debian package
supervisor); skipped without them."""

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
import test_supervisorctl as tsc  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", "")
STHENOCTL = os.path.join(BUILDDIR, "plugins", "monitor", "sthenoctl")
STHENOD = tsc.STHENOD
SUPERVISORD = tsc.SUPERVISORD
SUPERVISORCTL = tsc.SUPERVISORCTL

# What test_supervisorctl runs, and the argument checks and error paths
# it leaves out.
EXTRA = [
    "status all",
    "status grp:nope nope:*",
    "help",
    "help status",
    "help tail",
    "help help",
    "help nope",
    "stop",
    "restart",
    "signal",
    "signal HUP",
    "clear",
    "tail",
    "tail a b c d",
    "tail sleeper bogus",
    "tail -x sleeper",
    "tail nope",
    "tail -5 sleeper stderr",
    "maintail x",
    "maintail a b",
    "version x",
    "avail x",
    "reread x",
    "shutdown x",
    "reload x",
    "fg",
    "fg a b",
    "fg nope",
    "fg failer",
    "pid all",
    "pid nope",
    "add nope",
    "add grp",
    "remove nope",
    "remove grp",
    "update nope",
    "clear nope grp:*",
    "start grp:nope nope:*",
    "stop nope:*",
    "signal HUP nope:*",
    "?status",
]


# commands after which children and reaping settle (test_supervisorctl)
MUTATING = ("start", "stop", "restart", "signal", "clear", "update", "add",
            "remove")


def strip_traceback(text):
    # supervisorctl names the Python file and line of an exception
    return re.sub(r": file: \S+ line: \d+", "", text)


def run(argv, cmd, **kw):
    p = subprocess.run(argv + cmd.split(), capture_output=True, text=True,
                       timeout=60, **kw)
    return p.stdout + p.stderr, p.returncode


# Debian's supervisorctl, its main() for each command in one Python
# process: Python's start-up once, not a hundred times.
DRIVER = r"""
import io, json, sys
from supervisor import supervisorctl
from supervisor.options import ClientOptions
for line in sys.stdin:
    out = io.StringIO()
    sys.stdout = sys.stderr = out
    try:
        opts = ClientOptions()
        opts.realize(json.loads(line), doc=supervisorctl.__doc__)
        c = supervisorctl.Controller(opts, stdout=out)
        c.onecmd(" ".join(opts.args))
        rc = c.exitstatus
    except SystemExit as e:
        rc = e.code
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    print(json.dumps([out.getvalue(), rc]), flush=True)
"""


class PyCtl:
    def __init__(self):
        with open(SUPERVISORCTL) as f:     # its own interpreter
            python = f.readline()[2:].split()[0]
        self.p = subprocess.Popen([python, "-c", DRIVER],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

    def __call__(self, args):
        self.p.stdin.write(json.dumps(args) + "\n")
        self.p.stdin.flush()
        return tuple(json.loads(self.p.stdout.readline()))

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)
        self.p.stdout.close()


def session(daemon_argv, ctl, commands):
    d = tsc.Daemon(daemon_argv, dict(os.environ))
    rec = []
    py = PyCtl() if ctl == SUPERVISORCTL else None
    try:
        d.wait_ready()
        time.sleep(1.2)  # sleeper's output is in its logs
        for cmd in commands:
            if cmd is None:
                d.edit()
                continue
            if py is not None:
                out, rc = py(["-c", d.conf] + cmd.split())
            else:
                out, rc = run([ctl, "-c", d.conf], cmd)
            out = strip_traceback(tsc.unorder(tsc.normalise(out, d.dir)))
            rec.append((cmd, out, rc))
            if cmd.split()[:1] and cmd.split()[0] in MUTATING:
                tsc.settle()
        out, rc = run([ctl, "-c", d.conf], "shutdown")
        rec.append(("shutdown", out, rc))
        d.proc.wait(timeout=30)
    finally:
        if py is not None:
            py.close()
        d.cleanup()
    return rec


def have_all():
    return (os.access(SUPERVISORD, os.X_OK) and
            os.access(SUPERVISORCTL, os.X_OK) and
            os.access(STHENOCTL, os.X_OK))


@unittest.skipUnless(have_all(), "supervisor or sthenoctl missing")
class SameAsSupervisorctl(unittest.TestCase):
    maxDiff = None

    def compare(self, want, got):
        self.assertEqual(len(want), len(got))
        for w, g in zip(want, got):
            self.assertEqual(w, g)

    def test_on_sthenod(self):
        commands = tsc.COMMANDS[:-1] + EXTRA + [tsc.COMMANDS[-1]]
        want = session([STHENOD, "-n"], SUPERVISORCTL, commands)
        got = session([STHENOD, "-n"], STHENOCTL, commands)
        self.compare(want, got)

    def test_on_supervisord(self):
        commands = tsc.COMMANDS[:-1] + EXTRA + [tsc.COMMANDS[-1]]
        want = session([SUPERVISORD, "-n"], SUPERVISORCTL, commands)
        got = session([SUPERVISORD, "-n"], STHENOCTL, commands)
        self.compare(want, got)


AUTH_CONFIG = """\
[supervisord]
logfile=%(here)s/main.log
pidfile=%(here)s/d.pid
childlogdir=%(here)s
nodaemon=true

[inet_http_server]
port=127.0.0.1:@PORT@
username=user
password=secret
; wrong passwords on purpose, many times: no penalty (supervisord
; ignores the key)
max_auth_failures=0

[unix_http_server]
file=%(here)s/d.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/d.sock
prompt=mine
[include]
files=conf.d/*.conf

[program:sleeper]
command=/bin/sleep 100
startsecs=0

[program:echo]
command=/bin/cat
startsecs=0
"""


@unittest.skipUnless(have_all(), "supervisor or sthenoctl missing")
class OneDaemon(unittest.TestCase):
    """Both clients against one sthenod, command by command."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sth-ctl2-")
        cls.port = sthtest.free_port()
        cls.conf = os.path.join(cls.dir, "d.conf")
        os.mkdir(os.path.join(cls.dir, "conf.d"))
        with open(cls.conf, "w") as f:
            f.write(AUTH_CONFIG.replace("@PORT@", str(cls.port)))
        # a [program:] in an included file, the line continued
        with open(os.path.join(cls.dir, "conf.d", "x.conf"), "w") as f:
            f.write("[program:inc]\ncommand=/bin/sleep\n  100\n"
                    "startsecs=0\n"
                    "[plugin:monitor]\nsocket=%(here)s/mon.sock\n")
        cls.proc = subprocess.Popen(
            [STHENOD, "-n", "-c", cls.conf], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        ok = sthtest.wait_for(lambda: "RUNNING" in run(
            [SUPERVISORCTL, "-c", cls.conf], "status inc")[0], timeout=20)
        if not ok:
            sthtest.kill_tree(cls.proc.pid)
            raise AssertionError("sthenod did not start")

    @classmethod
    def tearDownClass(cls):
        sthtest.kill_tree(cls.proc.pid)
        cls.proc.wait()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def both(self, opts, cmd, **kw):
        w = run([SUPERVISORCTL] + opts, cmd, **kw)
        g = run([STHENOCTL] + opts, cmd, **kw)
        w = (strip_traceback(tsc.normalise(w[0], self.dir)), w[1])
        g = (tsc.normalise(g[0], self.dir), g[1])
        self.assertEqual(w, g, "%s %s" % (opts, cmd))
        return g

    def test_http_with_basic_auth(self):
        url = "http://127.0.0.1:%d" % self.port
        out, rc = self.both(["-s", url, "-u", "user", "-p", "secret"],
                            "status")
        self.assertIn("RUNNING", out)
        out, rc = self.both(["-s", url, "-u", "user", "-p", "wrong"],
                            "status")
        # supervisorctl says so, runs the command again, and raises
        self.assertEqual((out, rc), (
            "Server requires authentication\n"
            "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError "
            "for 127.0.0.1/RPC2: 401 Unauthorized>\n", 1))
        self.both(["-s", url], "pid inc")
        self.both(["-s", url, "--username=user", "--password=secret"],
                  "version")

    def test_connection_errors(self):
        gone = "unix://" + os.path.join(self.dir, "nope.sock")
        for cmd in ("status", "version", "avail", "shutdown", "pid",
                    "start all", "tail inc"):
            self.both(["-s", gone], cmd)
        refused = "http://127.0.0.1:%d" % sthtest.free_port()
        for cmd in ("status", "stop all", "reread"):
            self.both(["-s", refused], cmd)

    def test_include_and_continuation(self):
        out, rc = self.both(["-c", self.conf], "status inc")
        self.assertRegex(out, r"^inc +RUNNING")

    def test_monitor_section_in_an_included_file(self):
        # the monitor's words go to [plugin:monitor], found in conf.d
        r = subprocess.run([STHENOCTL, "-c", self.conf, "ping"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^PONG \d+ 1\.0\n$")
        # status is supervisorctl's (the config has [supervisorctl]),
        # the monitor's with -m
        out, rc = run([STHENOCTL, "-c", self.conf], "status inc")
        self.assertRegex(out, r"^inc +RUNNING")
        out, rc = run([STHENOCTL, "-c", self.conf, "-m"], "status")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("RUNNING", out)
        # and typed at the prompt, a monitor command goes to the monitor
        out, rc = run([STHENOCTL, "-c", self.conf], "",
                      input="plugin.list\n")
        self.assertIn("monitor", out)
        self.assertEqual(rc, 0)

    def test_interactive_shell_from_stdin(self):
        # not a terminal: the prompt ([supervisorctl] prompt=) is written,
        # lines read plainly, the status first, exit status 0
        text = "status inc\nbogus\npid nope\nversion\n"
        self.both(["-c", self.conf], "", input=text)
        out, rc = run([STHENOCTL, "-c", self.conf], "", input=text)
        self.assertTrue(out.startswith("echo "), out)
        self.assertIn("mine> ", out)
        self.assertEqual(rc, 0)

    def test_prompt_completes_and_keeps_history(self):
        hist = os.path.join(self.dir, "hist")
        master, slave = os.openpty()
        p = subprocess.Popen([STHENOCTL, "-c", self.conf, "-r", hist],
                             stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
        os.close(slave)
        seen = b""

        def until(needle, timeout=10):
            nonlocal seen
            deadline = time.time() + timeout
            while needle not in seen and time.time() < deadline:
                r, _, _ = select.select([master], [], [], 0.2)
                if r:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:
                        break
            return needle in seen

        try:
            self.assertTrue(until(b"mine> "), seen)
            seen = b""
            # an action, then a process name, completed by Tab
            os.write(master, b"stat\tin\t\r")
            self.assertTrue(until(b"RUNNING"), seen)
            self.assertTrue(until(b"mine> "), seen)
            self.assertRegex(seen.decode(), r"inc +RUNNING")
            self.assertNotIn(b"sleeper", seen)   # status inc, not status
            os.write(master, b"quit\r")
            self.assertEqual(p.wait(timeout=10), 0)
            with open(hist) as f:
                # libedit's format: blanks escaped as \040
                self.assertIn("status\\040inc", f.read())
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(master)

    def test_fg_forwards_stdin_and_streams_output(self):
        p = subprocess.Popen([STHENOCTL, "-c", self.conf, "fg", "echo"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        try:
            self.assertEqual(p.stdout.readline(),
                             "==> Press Ctrl-C to exit <==\n")
            p.stdin.write("hello fg\n")
            p.stdin.flush()
            # cat's answer comes back through /logtail/echo/stdout
            line = p.stdout.readline()
            while line and "hello fg" not in line:
                line = p.stdout.readline()
            self.assertIn("hello fg", line)
            p.stdin.close()             # EOF ends fg, as in supervisorctl
            self.assertEqual(p.stdout.read(), "Exiting foreground\n")
            self.assertEqual(p.wait(timeout=10), 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()

    def test_json(self):
        out, rc = run([STHENOCTL, "-c", self.conf, "--json"], "status nope")
        doc = json.loads(out)
        self.assertEqual(rc, 4)
        self.assertEqual(doc["exit"], 4)
        self.assertEqual(doc["command"], "status nope")
        self.assertEqual(doc["output"], ["nope: ERROR (no such process)"])
        infos = [c["result"] for c in doc["calls"]
                 if c["method"] == "supervisor.getAllProcessInfo"][0]
        self.assertIn("inc", [i["name"] for i in infos])
        out, rc = run([STHENOCTL, "-c", self.conf, "--json"], "start nope")
        doc = json.loads(out)
        self.assertEqual(doc["calls"][-1]["fault"]["faultCode"], 10)

    def test_tail_f_until_interrupted(self):
        with open(os.path.join(self.dir, "main.log")) as f:
            f.read()
        p = subprocess.Popen([STHENOCTL, "-c", self.conf, "maintail", "-f"],
                             stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(p.stdout.readline(),
                             "==> Press Ctrl-C to exit <==\n")
            # the last KiB of the main log comes first (cut mid-line)
            p.stdout.readline()
            self.assertRegex(p.stdout.readline(), r"^\d{4}-\d\d-\d\d ")
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(timeout=10), 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()


@unittest.skipUnless(os.access(STHENOCTL, os.X_OK), "sthenoctl not built")
class Options(unittest.TestCase):
    def test_version(self):
        for flag in ("-v", "--version"):
            p = subprocess.run([STHENOCTL, flag], capture_output=True,
                               text=True, timeout=10)
            self.assertEqual(p.returncode, 0)
            self.assertRegex(p.stdout, r"^sthenoctl \d+\.\d+\.\d+\n$")

    def test_missing_sections_are_named(self):
        d = tempfile.mkdtemp(prefix="sth-ctl3-")
        try:
            conf = os.path.join(d, "s.conf")
            with open(conf, "w") as f:
                f.write("[supervisord]\n[unix_http_server]\n"
                        "file=/run/x.sock\n")
            p = subprocess.run([STHENOCTL, "-c", conf, "status"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2)
            self.assertIn("Error: .ini file does not include supervisorctl "
                          "section", p.stderr)
            self.assertIn("[supervisorctl]\nserverurl=unix:///run/x.sock",
                          p.stderr)
            p = subprocess.run([STHENOCTL, "-c", conf, "plugin.list"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 1)
            self.assertIn("has no [plugin:monitor] section", p.stderr)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
