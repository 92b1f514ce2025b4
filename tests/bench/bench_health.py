#!/usr/bin/python3
"""bench_health.py — what healthcheck= costs the daemon.

PROGRAMS programs (`sleep 1000`), first without a check, then each with
`healthcheck=http://127.0.0.1:PORT/` every INTERVAL seconds against one
small asyncio HTTP server in a process of its own (its CPU is not the
daemon's).  For each run, over SECONDS seconds once every program is
RUNNING and the checks have settled: the daemon's CPU (utime + stime of
/proc/PID/stat), the checks run (sum of getAllProcessInfo's
health_checks), and the latency of supervisor.getProcessInfo called every
50 ms on the unix socket (the loop's extra delay on RPC).  supervisord has
no health checks: the reference is the same daemon without them, in the
same run.

    STHENOD=_build/bench/daemon/sthenod tests/bench/bench_health.py

Knobs (environment): PROGRAMS (500), INTERVAL (1), SECONDS (20), SETTLE
(3).  Exits 77 when supervisor's Python package (for its unix-socket
transport) is missing.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:
    print("needs python3-supervisor (SupervisorTransport)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
STHENOD = os.path.abspath(os.environ.get("STHENOD", "sthenod"))
PLUGINS = os.environ.get("STHENO_PLUGIN_PATH", os.path.join(
    os.path.dirname(os.path.dirname(STHENOD)), "plugins", ".libs-all"))
PROGRAMS = int(os.environ.get("PROGRAMS", "500"))
INTERVAL = int(os.environ.get("INTERVAL", "1"))
SECONDS = float(os.environ.get("SECONDS", "20"))
SETTLE = float(os.environ.get("SETTLE", "3"))

SERVER = r'''
import asyncio, sys
ANSWER = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
async def one(r, w):
    try:
        await r.readuntil(b"\r\n\r\n")
        w.write(ANSWER)
        await w.drain()
    except Exception:
        pass
    w.close()
async def main():
    s = await asyncio.start_server(one, "127.0.0.1", 0, backlog=1024)
    print(s.sockets[0].getsockname()[1], flush=True)
    await s.serve_forever()
asyncio.run(main())
'''


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(mode, port, tmp):
    d = os.path.join(tmp, mode)
    os.mkdir(d)
    conf = os.path.join(d, "stheno.conf")
    with open(conf, "w") as f:
        f.write("[supervisord]\nlogfile=%s/main.log\npidfile=%s/d.pid\n"
                "childlogdir=%s\nminfds=4096\n"
                "[unix_http_server]\nfile=%s/s.sock\n"
                "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory"
                " = supervisor.rpcinterface:make_main_rpcinterface\n"
                % (d, d, d, d))
        for i in range(PROGRAMS):
            f.write("[program:p%03d]\ncommand=/bin/sleep 1000\n"
                    "startsecs=0\nstdout_logfile=NONE\n"
                    "stderr_logfile=NONE\n" % i)
            if mode == "http":
                f.write("healthcheck=http://127.0.0.1:%d/\n"
                        "healthcheck_interval=%d\n" % (port, INTERVAL))
    env = dict(os.environ, STHENO_PLUGIN_PATH=PLUGINS)
    proc = subprocess.Popen([STHENOD, "-n", "-c", conf], env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            rpc = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=(
                SupervisorTransport(None, None, "unix://%s/s.sock" % d)))
            try:
                infos = rpc.supervisor.getAllProcessInfo()
                if sum(i["statename"] == "RUNNING"
                       for i in infos) == PROGRAMS:
                    break
            except (OSError, xmlrpc.client.Fault):
                pass
            if time.monotonic() > deadline:
                raise SystemExit("%s: programs not RUNNING" % mode)
            time.sleep(0.2)
        time.sleep(SETTLE + INTERVAL)

        def checks():
            return sum(i.get("health_checks", 0)
                       for i in rpc.supervisor.getAllProcessInfo())
        c0, t0 = checks(), cpu_seconds(proc.pid)
        m0 = time.monotonic()
        lat = []
        while time.monotonic() - m0 < SECONDS:
            a = time.perf_counter()
            rpc.supervisor.getProcessInfo("p000")
            lat.append(time.perf_counter() - a)
            time.sleep(0.05)
        el = time.monotonic() - m0
        t1, c1 = cpu_seconds(proc.pid), checks()
        infos = rpc.supervisor.getAllProcessInfo()
        healthy = sum(i.get("health") == "healthy" for i in infos)
        lat.sort()
        return {"cpu": t1 - t0, "secs": el, "checks": c1 - c0,
                "healthy": healthy, "p50": lat[len(lat) // 2] * 1e3,
                "p99": lat[int(len(lat) * 0.99)] * 1e3,
                "max": lat[-1] * 1e3}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main():
    tmp = tempfile.mkdtemp(prefix="bench-health-")
    srv = subprocess.Popen([sys.executable, "-c", SERVER],
                           stdout=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline())
        res = {m: run(m, port, tmp) for m in ("none", "http")}
    finally:
        srv.kill()
        srv.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d programs, %gs measured, check every %ds" %
          (PROGRAMS, SECONDS, INTERVAL))
    for m, r in res.items():
        print("%-5s cpu %.3fs (%.1f%% of a core)  checks %d (%.0f/s)  "
              "healthy %d  getProcessInfo p50 %.2f ms p99 %.2f ms "
              "max %.2f ms" % (m, r["cpu"], 100 * r["cpu"] / r["secs"],
                               r["checks"], r["checks"] / r["secs"],
                               r["healthy"], r["p50"], r["p99"], r["max"]))
    h, n = res["http"], res["none"]
    if h["checks"]:
        print("daemon CPU per HTTP check: %.1f us (%.1f us over the run "
              "without checks)" % (1e6 * h["cpu"] / h["checks"],
                                   1e6 * (h["cpu"] - n["cpu"]) / h["checks"]))


if __name__ == "__main__":
    main()
