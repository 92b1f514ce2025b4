#!/usr/bin/python3
"""bench_multicall.py -- what one system.multicall may cost the daemon
(issue 12): PROGRAMS programs (autostart=false), one multicall of CALLS
supervisor.getAllProcessInfo, while a second connection asks getState every
10 ms.  Prints the answer's bytes (or its fault), the multicall's wall time,
the longest getState wait (the loop's stall), and the daemon's VmRSS
before, VmHWM (peak) and VmRSS 1 s after.

  STHENOD=_build/bench/daemon/sthenod tests/bench/bench_multicall.py
  knobs (environment): PROGRAMS=1000 CALLS=200

Not part of make check; stops everything it started."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import sthtest  # noqa: E402

PROGRAMS = int(os.environ.get("PROGRAMS", "1000"))
CALLS = int(os.environ.get("CALLS", "200"))


def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def main():
    sthenod = os.environ.get("STHENOD", "sthenod")
    if not os.environ.get("STHENO_PLUGIN_PATH"):
        os.environ["STHENO_PLUGIN_PATH"] = os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(sthenod))),
            "plugins", ".libs-all")
    d = tempfile.mkdtemp(prefix="bench-mc-")
    port = sthtest.free_port()
    conf = os.path.join(d, "d.conf")
    with open(conf, "w") as f:
        f.write("[supervisord]\nlogfile=%s/main.log\npidfile=%s/d.pid\n"
                "childlogdir=%s\n[inet_http_server]\nport=127.0.0.1:%d\n"
                "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory"
                " = supervisor.rpcinterface:make_main_rpcinterface\n"
                % (d, d, d, port))
        for i in range(PROGRAMS):
            f.write("[program:p%04d]\ncommand=/bin/sleep 1000\n"
                    "autostart=false\n" % i)
    p = subprocess.Popen([sthenod, "-n", "-c", conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d/RPC2" % port
    try:
        s = xmlrpc.client.ServerProxy(url)

        def up():
            try:
                return len(s.supervisor.getAllProcessInfo()) == PROGRAMS
            except OSError:
                return False
        if not sthtest.wait_for(up, 30, 0.1):
            print("daemon did not start")
            return 1
        time.sleep(0.5)
        rss0 = status(p.pid, "VmRSS")
        body = xmlrpc.client.dumps(([{"methodName":
                                      "supervisor.getAllProcessInfo",
                                      "params": []}] * CALLS,),
                                   "system.multicall").encode()
        waits, done = [], threading.Event()

        def ping():
            q = xmlrpc.client.ServerProxy(url)
            while not done.is_set():
                t = time.monotonic()
                q.supervisor.getState()
                waits.append(time.monotonic() - t)
                time.sleep(0.01)
        th = threading.Thread(target=ping)
        th.start()
        time.sleep(0.1)
        t0 = time.monotonic()
        req = urllib.request.Request(url, data=body,
                                     headers={"Content-Type": "text/xml"})
        with urllib.request.urlopen(req, timeout=120) as r:
            answer = r.read()
        wall = time.monotonic() - t0
        done.set()
        th.join()
        time.sleep(1)
        hwm, rss1 = status(p.pid, "VmHWM"), status(p.pid, "VmRSS")
        faults = answer.count(b"<name>faultCode</name>")
        print("programs %d, calls %d, request %d bytes" %
              (PROGRAMS, CALLS, len(body)))
        print("answer %d bytes, %d sub-call faults, %.2f s" %
              (len(answer), faults, wall))
        print("getState: %d calls, max wait %.0f ms" %
              (len(waits), 1000 * max(waits)))
        print("VmRSS before %d kB, VmHWM %d kB, VmRSS 1 s after %d kB" %
              (rss0, hwm, rss1))
        return 0
    finally:
        sthtest.kill_tree(p.pid)
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
