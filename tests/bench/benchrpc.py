#!/usr/bin/python3
"""benchrpc.py -- the Python side of tests/bench/*.sh, one subcommand each.

  call PORT METHOD [ARG...]        one XML-RPC call, result printed by repr()
  wait PORT N SECONDS [STATE]      until N processes are listed, all RUNNING
                                   (or STATE: STOPPED)
  latency PORT N                   N sequential getAllProcessInfo calls over
                                   one xmlrpc.client connection: mean, p50,
                                   p99, max (ms), and how many took > 30 ms
  startup CMD-FILE LOG N SECONDS   run the daemon whose argv is in CMD-FILE
                                   (one a line), time until LOG holds N
                                   "entered RUNNING state" lines; prints its
                                   pid and the seconds
  capture PORT NAME FILE BYTES     startProcess(NAME, False), time until FILE
                                   holds BYTES bytes; prints the seconds

Integer-looking call arguments are sent as ints, true/false as booleans.
Not part of make check.
"""
import os
import subprocess
import sys
import time
import xmlrpc.client

RUNNING = 20


def proxy(port):
    return xmlrpc.client.ServerProxy("http://127.0.0.1:%s/RPC2" % port)


def arg(s):
    if s in ("true", "false"):
        return s == "true"
    try:
        return int(s)
    except ValueError:
        return s


def cmd_call(port, method, *args):
    fn = proxy(port)
    for part in method.split("."):
        fn = getattr(fn, part)
    print(repr(fn(*[arg(a) for a in args])))


def cmd_wait(port, n, seconds, state="RUNNING"):
    n = int(n)
    want = {"RUNNING": RUNNING, "STOPPED": 0}[state]
    deadline = time.monotonic() + float(seconds)
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            info = proxy(port).supervisor.getAllProcessInfo()
            states = [p["state"] for p in info]
            if len(states) == n and all(s == want for s in states):
                return 0
            last = "%d listed, %d %s" % (len(states),
                states.count(want), state)
        except (OSError, xmlrpc.client.Error) as e:
            last = str(e)
        time.sleep(0.1)
    print("wait: %s" % last, file=sys.stderr)
    return 1


def cmd_latency(port, n):
    p = proxy(port)
    p.supervisor.getAllProcessInfo()    # connect before timing
    ms = []
    for _ in range(int(n)):
        t = time.perf_counter()
        p.supervisor.getAllProcessInfo()
        ms.append((time.perf_counter() - t) * 1000.0)
    ms.sort()
    print("%.3f %.3f %.3f %.3f %d %.3f" % (sum(ms) / len(ms),
        ms[len(ms) // 2], ms[min(len(ms) - 1, len(ms) * 99 // 100)],
        ms[-1], sum(1 for m in ms if m > 30.0), sum(ms) / 1000.0))


def count_running(log):
    try:
        with open(log, "rb") as f:
            return f.read().count(b" entered RUNNING state")
    except FileNotFoundError:
        return 0


def cmd_startup(cmdfile, log, n, seconds):
    with open(cmdfile) as f:
        argv = [l.rstrip("\n") for l in f if l.strip()]
    n = int(n)
    out = open(log + ".out", "wb")
    t0 = time.monotonic()
    child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    deadline = t0 + float(seconds)
    got = 0
    while time.monotonic() < deadline:
        got = count_running(log)
        if got >= n:
            dt = time.monotonic() - t0
            print("%d %.3f" % (child.pid, dt))
            return 0
        if child.poll() is not None:
            break
        time.sleep(0.005)
    print("%d -1" % child.pid)
    print("startup: %d of %d RUNNING" % (got, n), file=sys.stderr)
    return 1


def cmd_capture(port, name, path, nbytes):
    nbytes = int(nbytes)
    p = proxy(port)
    t0 = time.monotonic()
    p.supervisor.startProcess(name, False)
    size = 0
    deadline = t0 + 600
    while time.monotonic() < deadline:
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            size = 0
        if size >= nbytes:
            print("%.3f" % (time.monotonic() - t0))
            return 0
        time.sleep(0.002)
    print("capture: %d of %d bytes" % (size, nbytes), file=sys.stderr)
    return 1


CMDS = {
    "call": cmd_call,
    "wait": cmd_wait,
    "latency": cmd_latency,
    "startup": cmd_startup,
    "capture": cmd_capture,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    sys.exit(CMDS[sys.argv[1]](*sys.argv[2:]) or 0)
