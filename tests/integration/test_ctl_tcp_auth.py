#!/usr/bin/python3
"""Debian's real /usr/bin/supervisorctl against sthenod over TCP with HTTP
Basic auth (a {SHA} password and a plain one) and over the unix socket with
auth, differential against Debian's supervisord on the same config: every
command of spec section 5 with its output (pids, times, ports and temp
paths normalised) and exit code, wrong credentials, `tail -f` and
`maintail -f` interrupted after a second, and the interactive mode fed on
stdin.

Needs /usr/bin/supervisord and /usr/bin/supervisorctl (Debian package
supervisor); skipped without them."""

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

STHENOD = os.environ.get("STHENOD", "sthenod")
SUPERVISORD = "/usr/bin/supervisord"
SUPERVISORCTL = "/usr/bin/supervisorctl"

INET_USER, INET_PASS = "bob", "tcp-secret"
UNIX_USER, UNIX_PASS = "alice", "unix:secret"


def sha(pw):
    return "{SHA}" + hashlib.sha1(pw.encode()).hexdigest()


CONFIG = """\
[supervisord]
logfile=@DIR@/main.log
pidfile=@DIR@/d.pid
childlogdir=@DIR@
identifier=authtest
nodaemon=true
loglevel=info

[unix_http_server]
file=@DIR@/d.sock
username=alice
password=@UNIXPW@

[inet_http_server]
port=127.0.0.1:@PORT@
username=bob
password=@INETPW@

[plugin:http]
; wrong credentials are part of the comparison: no penalties (sthenod's,
; test_http_guard.py's; supervisord ignores this section)
max_auth_failures = 0

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=http://127.0.0.1:@PORT@
username=bob
password=tcp-secret

[program:sleeper]
command=/bin/sh -c 'echo out-line; echo err-one >&2; echo err-two >&2; exec sleep 100'
startsecs=1

[program:second]
command=/bin/sleep 100
startsecs=0

[group:grp]
programs=ga,gb

[program:ga]
command=/bin/sleep 100
startsecs=0

[program:gb]
command=/bin/sleep 100
startsecs=0

[program:quick]
command=/bin/sh -c 'sleep 0.3; exit 3'
autostart=false
autorestart=false
startsecs=0
"""

# reread/update: second changes, quick goes, newp comes.
EDIT = [
    ("command=/bin/sleep 100\nstartsecs=0\n\n[group:grp]",
     "command=/bin/sleep 101\nstartsecs=0\n\n[group:grp]"),
    ("[program:quick]\ncommand=/bin/sh -c 'sleep 0.3; exit 3'\n",
     "[program:newp]\ncommand=/bin/sleep 100\n"),
]

# One-shot supervisorctl commands over TCP, in order.  None marks the
# config edit, "RELOAD" a reload followed by waiting for RUNNING again.
COMMANDS = [
    "status",
    "status sleeper",
    "status sleeper second",
    "status nope",
    "status grp:*",
    "status grp:nope",
    "start quick",
    "status quick",
    "start sleeper",
    "stop second",
    "status second",
    "stop second",
    "start second",
    "restart second",
    "stop grp:*",
    "status grp:*",
    "start grp:*",
    "restart grp:ga",
    "signal HUP second",
    "signal USR1 grp:*",
    "signal BOGUS sleeper",
    "signal HUP quick",
    "pid",
    "pid sleeper",
    "pid quick",
    "pid nope",
    "tail sleeper",
    "tail -4 sleeper",
    "tail sleeper stderr",
    "tail -8 sleeper stderr",
    "tail nope",
    "clear sleeper",
    "tail sleeper",
    "clear nope",
    "avail",
    "version",
    "remove grp",
    "stop grp:*",
    "remove grp",
    "status",
    "add grp",
    "add grp",
    "add nope",
    "reread",
    None,
    "reread",
    "update",
    "status",
    "avail",
    "stop all",
    "status",
    "start all",
    "signal CONT all",
    "restart all",
    "clear all",
    "RELOAD",
    "status",
    "bogus",
]



def normalise(text, d):
    # pids first: a pid may contain the port's digits
    text = re.sub(r"pid \d+, uptime \d+:\d\d:\d\d", "pid PID, uptime U",
                  text)
    text = text.replace(d.dir, "@DIR@").replace(":%d" % d.port, ":@PORT@")
    text = re.sub(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M", "DATE", text)
    text = re.sub(r"(?m)^(supervisor> )?\d+$", r"\1N", text)
    text = re.sub(r"---authtest-[a-z0-9_]{8}\.log", "---authtest-R.log",
                  text)
    return text


def unorder(out):
    """Group results come back in the order the children finished under
    supervisord (a race): sort each run of lines sharing a verb."""
    res, run = [], []
    for line in out.split("\n"):
        verb = line.rsplit(": ", 1)[-1]
        if run and run[0].rsplit(": ", 1)[-1] != verb:
            res += sorted(run)
            run = []
        run.append(line)
    return "\n".join(res + sorted(run))


class Daemon(sthtest.Peer):
    """supervisord or sthenod on CONFIG in its own folder and port."""

    def __init__(self, argv, inet_pw=sha(INET_PASS), unix_pw=UNIX_PASS):
        super().__init__(argv, CONFIG, prefix="sth-auth-",
                         subst={"@INETPW@": inet_pw, "@UNIXPW@": unix_pw})

    def edit(self):
        with open(self.conf) as f:
            text = f.read()
        for a, b in EDIT:
            assert a in text, a
            text = text.replace(a, b)
        with open(self.conf, "w") as f:
            f.write(text)

    def ctl_args(self, *opts):
        return [SUPERVISORCTL, "-c", self.conf] + list(opts)

    def ctl(self, cmd, opts=(), stdin=None):
        p = subprocess.run(self.ctl_args(*opts) + cmd.split(),
                           capture_output=True, text=True, timeout=60,
                           input=stdin)
        return p.stdout + p.stderr, p.returncode

    def unix_opts(self, user=UNIX_USER, pw=UNIX_PASS):
        opts = ["-s", "unix://" + self.sock]
        if user is not None:
            opts += ["-u", user, "-p", pw]
        return opts

    def wait_running(self, names=("sleeper",)):
        deadline = time.time() + 20
        out = ""
        while time.time() < deadline:
            out, rc = self.ctl("status " + " ".join(names))
            if out.count("RUNNING") == len(names):
                return
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited: %s" % out)
            time.sleep(0.1)
        raise AssertionError("not ready: %s" % out)

    def interrupted(self, cmd, seconds=1.0, opts=()):
        """Run a following command (tail -f, maintail -f) for a while,
        then Ctrl-C it: (output, exit code)."""
        p = subprocess.Popen(self.ctl_args(*opts) + cmd.split(),
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        time.sleep(seconds)
        p.send_signal(signal.SIGINT)
        try:
            out, _ = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            return out.decode(errors="replace"), "hung"
        return out.decode(errors="replace"), p.returncode


def session(d):
    """The one-shot commands over TCP, then shutdown: comparable records."""
    rec = []
    d.wait_running(("sleeper", "second", "grp:ga", "grp:gb"))
    time.sleep(1.2)     # sleeper's lines are in its logs
    for cmd in COMMANDS:
        if cmd is None:
            d.edit()
            continue
        if cmd == "RELOAD":
            out, rc = d.ctl("reload")
            rec.append(("reload", out, rc))
            time.sleep(0.5)
            d.wait_running(("sleeper", "second"))
            continue
        out, rc = d.ctl(cmd)
        rec.append((cmd, unorder(normalise(out, d)), rc))
        time.sleep(0.2)    # let startsecs=0 children settle
        if cmd == "start quick":
            # it exits 0.3 s later: record its status once it has, under
            # both daemons, whatever supervisorctl's start-up costs
            sthtest.wait_for(lambda: "EXITED" in d.ctl("status quick")[0],
                             timeout=10, interval=0.1)
    out, rc = d.ctl("shutdown")
    rec.append(("shutdown", out, rc))
    try:
        code = d.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = "still running"
    rec.append(("exit", code))
    return rec


def credentials(d):
    """status and a command over both sockets with right, wrong and no
    credentials; the main log through maintail."""
    rec = []
    d.wait_running()
    cases = [
        ("tcp", []),
        ("tcp wrong password", ["-p", "nope"]),
        ("tcp wrong user", ["-u", "mallory"]),
        ("tcp unix creds", ["-u", UNIX_USER, "-p", UNIX_PASS]),
        ("tcp sha text as password", ["-p", sha(INET_PASS)]),
        ("unix", d.unix_opts()),
        ("unix wrong password", d.unix_opts(pw="tcp-secret")),
        ("unix none", d.unix_opts(user=None)),
        ("tcp none", ["-s", "http://127.0.0.1:%d" % d.port,
                      "-u", "", "-p", ""]),
    ]
    for name, opts in cases:
        for cmd in ("status sleeper", "pid sleeper", "version"):
            out, rc = d.ctl(cmd, opts)
            rec.append((name, cmd, normalise(out, d), rc))
    # The 401 races the request body: a server that closes before the
    # body is in makes the client's send fail (EPIPE on a unix socket,
    # RST on TCP) instead of showing the 401.  Ask often enough to see it.
    for i in range(6):
        for name, opts in (("unix", d.unix_opts(pw="wrong")),
                           ("tcp", ["-p", "wrong"])):
            out, rc = d.ctl("status", opts)
            rec.append(("401 race", name, normalise(out, d), rc))
    return rec


@unittest.skipUnless(os.access(SUPERVISORD, os.X_OK) and
                     os.access(SUPERVISORCTL, os.X_OK),
                     "Debian's supervisor package is not installed")
class CtlOverTcpWithAuth(unittest.TestCase):
    maxDiff = None

    def run_both(self, fn, **kw):
        res = []
        for argv in ([SUPERVISORD, "-n"], [STHENOD, "-n"]):
            d = Daemon(argv, **kw)
            try:
                res.append(fn(d))
            finally:
                d.cleanup()
        return res

    def assert_same(self, want, got):
        self.assertEqual(len(want), len(got))
        for w, g in zip(want, got):
            self.assertEqual(w, g)

    def test_every_command_over_tcp_with_sha_password(self):
        want, got = self.run_both(session)
        self.assert_same(want, got)
        # the records must mean something: spot-check supervisord's side
        byname = {r[0]: r for r in want}
        self.assertEqual(byname["status"][2], 3)
        self.assertEqual(byname["status sleeper"][2], 0)
        self.assertEqual(byname["status nope"][2], 4)
        self.assertIn("newp: added process group", byname["update"][1])
        self.assertEqual(byname["shutdown"][1:], ("Shut down\n", 0))

    def test_credentials_sha_on_tcp_plain_on_unix(self):
        want, got = self.run_both(credentials)
        self.assert_same(want, got)
        byname = {(r[0], r[1]): r for r in got}
        self.assertEqual(byname[("tcp", "status sleeper")][3], 0)
        self.assertEqual(byname[("unix", "status sleeper")][3], 0)
        self.assertIn("Server requires authentication",
                      byname[("tcp wrong password", "status sleeper")][2])
        self.assertIn("Server requires authentication",
                      byname[("unix none", "status sleeper")][2])

    def test_credentials_plain_on_tcp_sha_on_unix(self):
        want, got = self.run_both(credentials, inet_pw=INET_PASS,
                                  unix_pw=sha(UNIX_PASS))
        self.assert_same(want, got)
        byname = {(r[0], r[1]): r for r in got}
        self.assertEqual(byname[("tcp", "version")][2:], ("4.2.5\n", 0))
        self.assertEqual(byname[("unix", "pid sleeper")][3], 0)
        self.assertEqual(byname[("tcp sha text as password",
                                 "version")][3], 1)

    def test_following_and_interactive(self):
        def follow(d):
            rec = []
            d.wait_running()
            time.sleep(1.2)
            out, rc = d.interrupted("tail -f sleeper")
            rec.append(("tail -f", out, rc))
            out, rc = d.interrupted("tail -f sleeper stderr",
                                    opts=d.unix_opts())
            rec.append(("tail -f stderr unix", out, rc))
            out, rc = d.interrupted("maintail -f")
            self.assertTrue(out.startswith("==> Press Ctrl-C to exit <==\n"),
                            out)
            self.assertIn("success: sleeper entered RUNNING state", out)
            # the log's content differs (plugin lines); the frame must not
            rec.append(("maintail -f", out.splitlines()[0], rc))
            out, rc = d.ctl("maintail -300")
            self.assertIn("success: sleeper entered RUNNING state", out)
            rec.append(("maintail -300", rc))
            out, rc = d.ctl("maintail -f -x")
            rec.append(("maintail -f -x", out, rc))
            feed = ("status\nstop second\nstatus second\nstart second\n"
                    "tail -4 sleeper stderr\nnope\nhelp stop\n"
                    "reload\nn\nshutdown\nno\nstatus sleeper\nexit\n")
            out, rc = d.ctl("", stdin=feed)
            rec.append(("interactive", unorder(normalise(out, d)), rc))
            out, rc = d.ctl("", opts=d.unix_opts(), stdin="status\nEOF\n")
            rec.append(("interactive unix", normalise(out, d), rc))
            out, rc = d.ctl("", opts=d.unix_opts(), stdin="pid sleeper\n")
            rec.append(("interactive unix eof", normalise(out, d), rc))
            return rec

        want, got = self.run_both(follow)
        self.assert_same(want, got)
        byname = {r[0]: r for r in got}
        self.assertIn("out-line", byname["tail -f"][1])
        self.assertIn("err-two", byname["tail -f stderr unix"][1])
        self.assertIn("second: stopped", byname["interactive"][1])
        self.assertIn("Really shut the remote supervisord process down y/N? ",
                      byname["interactive"][1])


class UnauthorisedBody(unittest.TestCase):
    """The 401 comes once the body is in, as Medusa's does: a server that
    answers and closes at the end of the head makes the client's send of
    the body fail, and supervisorctl then shows BrokenPipeError instead
    of 'Server requires authentication'."""

    def test_401_waits_for_the_body(self):
        d = sthtest.Sthenod(extra="[unix_http_server]\nfile=%s\n"
                            "username=u\npassword=%s\n" % (
                                "@SOCK@", sha("pw")))
        sock = os.path.join(d.dir, "d.sock")
        d.extra = d.extra.replace("@SOCK@", sock)
        d.write_config()
        try:
            d.start()
            body = b"<?xml version='1.0'?><methodCall><methodName>" \
                b"supervisor.getState</methodName></methodCall>"
            for auth in (b"", b"Authorization: Basic dTp4\r\n"):
                c = socket.socket(socket.AF_UNIX)
                c.connect(sock)
                c.settimeout(0.5)
                c.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n" +
                          auth + b"Content-Length: %d\r\n\r\n" %
                          len(body))
                with self.assertRaises(socket.timeout):
                    c.recv(100)
                c.settimeout(10)
                c.sendall(body)
                got = b""
                while True:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                c.close()
                self.assertTrue(got.startswith(
                    b"HTTP/1.1 401 Unauthorized\r\n"), got)
                self.assertIn(b'WWW-Authenticate: Basic realm="default"',
                              got)
            self.assertEqual(d.stop(), 0)
            self.assertNotIn("Sanitizer", d.stderr_text())
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
