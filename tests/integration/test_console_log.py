#!/usr/bin/python3
"""stdout_logfile = stdout / stderr_logfile = stderr (docs/stheno.conf.5.md,
"ADDITIONS TO THE PROGRAM SECTIONS"): a program's output on sthenod's own
stdout or stderr, each line whole and prefixed `name | `, never mixed
mid-line with another program's (two programs writing half lines fast in
parallel), a line longer than the cap cut with `name + ` continuations, a
last line without its newline flushed at exit; the log RPCs give a clear
NO_FILE fault.

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_console_log.py -v
"""

import os
import re
import subprocess
import sys
import threading
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

PY = "/usr/bin/python3"
N = 3000
CAP = 8192

# Each line in two write(2)s, so that sthenod often reads half lines.
WRITER = r'''
import os, sys
name = sys.argv[1]
for i in range(%d):
    line = "%%s-%%d-" %% (name, i) + "x" * (i %% 300)
    half = len(line) // 2
    os.write(1, line[:half].encode())
    os.write(1, (line[half:] + "\n").encode())
''' % N

LONG = r'''
import os
os.write(1, b"L" * 20000 + b"\n")
os.write(1, b"no-newline-at-exit")
'''


def start_reading_stdout(d):
    """Start d with its stdout on a pipe that a thread reads to the end:
    (the list the whole output is appended to, the thread)."""
    d.start(stdout=subprocess.PIPE)
    out = []
    reader = threading.Thread(target=lambda: out.append(d.proc.stdout.read()))
    reader.start()
    return out, reader


class ConsoleLog(unittest.TestCase):

    def test_main_log_lines_come_first(self):
        # the main log's copy on stdout and a program's console lines
        # share sthenod's stdout: "spawned: 'hello'" comes before hello's
        # first line, also while a flooding program keeps the loop busy
        port = sthtest.free_port()
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        d.extra = """
[inet_http_server]
port = 127.0.0.1:%(port)d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:flood]
command = /usr/bin/yes
stdout_logfile = NONE
startsecs = 0

[program:hello]
command = /bin/sh -c 'echo hi; : > %(dir)s/said_%%(process_num)d; exec sleep 1000'
process_name = %%(program_name)s_%%(process_num)d
numprocs = 5
stdout_logfile = stdout
autostart = false
startsecs = 0
""" % dict(port=port, dir=d.dir)
        d.write_config()
        out, reader = start_reading_stdout(d)
        self.assertTrue(d.wait_log(r"success: flood entered RUNNING"))
        rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        self.addCleanup(rpc("close"))
        for i in range(5):
            rpc.supervisor.startProcess("hello:hello_%d" % i)
            self.assertTrue(d.wait_log(r"success: hello_%d entered "
                                       r"RUNNING" % i), d.describe())
        # each has said hi before the stop
        self.assertTrue(sthtest.wait_for(lambda: all(
            os.path.exists(os.path.join(d.dir, "said_%d" % i))
            for i in range(5)), 10), d.describe())
        self.assertEqual(d.stop(), 0, d.describe())
        reader.join(10)
        text = out[0].decode()
        for i in range(5):
            spawned = text.find("INFO spawned: 'hello_%d' with pid" % i)
            said = text.find("hello_%d | hi\n" % i)
            self.assertNotEqual(spawned, -1, text[-2000:])
            self.assertNotEqual(said, -1, text[-2000:])
            self.assertLess(spawned, said, text[-2000:])

    def test_lines_whole_and_prefixed(self):
        port = sthtest.free_port()
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        top = d.dir
        for name, text in (("writer.py", WRITER), ("long.py", LONG)):
            with open(os.path.join(top, name), "w") as f:
                f.write(text)
        d.extra = """
[inet_http_server]
port = 127.0.0.1:%(port)d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:a]
command = %(py)s %(top)s/writer.py a
stdout_logfile = stdout
stdout_logfile_maxbytes = 1KB
autostart = false
autorestart = false
startsecs = 0

[program:b]
command = %(py)s %(top)s/writer.py b
stdout_logfile = stdout
stdout_logfile_maxbytes = 1KB
autostart = false
autorestart = false
startsecs = 0

[program:long]
command = %(py)s %(top)s/long.py
stdout_logfile = stdout
autostart = false
autorestart = false
startsecs = 0

[program:err]
command = /bin/sh -c 'echo oops >&2; echo fine; exec sleep 1000'
stdout_logfile = NONE
stderr_logfile = stderr
startsecs = 0
""" % dict(port=port, py=PY, top=top)
        d.write_config()
        out, reader = start_reading_stdout(d)
        rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        self.addCleanup(rpc("close"))
        # both writers at once, then the long line
        rpc.system.multicall([
            {"methodName": "supervisor.startProcess", "params": ["a"]},
            {"methodName": "supervisor.startProcess", "params": ["b"]},
            {"methodName": "supervisor.startProcess", "params": ["long"]},
        ])
        for name in ("a", "b", "long"):
            self.assertTrue(d.wait_log(r"exited: %s \(exit status 0; "
                                       r"expected\)" % name, timeout=30),
                            d.describe())
        self.assertTrue(d.wait_log(r"success: err entered RUNNING"))

        # the log RPCs say where the output went, as a fault
        for m in (rpc.supervisor.readProcessStdoutLog,
                  rpc.supervisor.tailProcessStdoutLog):
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                m("a", 0, 100)
            self.assertEqual(cm.exception.faultCode, 20)    # NO_FILE
            self.assertIn("standard output", cm.exception.faultString)
        info = {c["name"]: c for c in rpc.supervisor.getAllConfigInfo()}
        self.assertEqual(info["a"]["stdout_logfile"], "stdout")
        self.assertEqual(info["err"]["stderr_logfile"], "stderr")

        self.assertEqual(d.stop(), 0, d.describe())
        reader.join(10)
        text = out[0].decode()
        got = {"a": [], "b": []}
        longs = []
        rx = re.compile(r"^(a|b) \| (a|b)-(\d+)-(x*)$")
        for line in text.split("\n")[:-1]:
            if sthtest.LOG_LINE.match(line):
                continue        # the main log, nodaemon and not silent
            if line.startswith(("long | ", "long + ")):
                longs.append(line)
                continue
            m = rx.match(line)
            self.assertTrue(m, "a broken line: %r" % line[:200])
            self.assertEqual(m.group(1), m.group(2), line)
            i = int(m.group(3))
            self.assertEqual(len(m.group(4)), i % 300, line)
            got[m.group(1)].append(i)
        self.assertEqual(got["a"], list(range(N)))
        self.assertEqual(got["b"], list(range(N)))
        self.assertEqual(longs, [
            "long | " + "L" * CAP, "long + " + "L" * CAP,
            "long + " + "L" * (20000 - 2 * CAP),
            "long | no-newline-at-exit"])
        self.assertTrue(text.endswith("\n"))
        self.assertIn("err | oops\n", d.stderr_text())
        # no rotation of stdout was ever tried
        self.assertNotIn("Illegal seek", d.read_log())
        self.assertNotRegex(d.read_log(), r"ERRO|could not")


if __name__ == "__main__":
    unittest.main()
