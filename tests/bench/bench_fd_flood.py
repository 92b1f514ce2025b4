#!/usr/bin/env python3
"""bench_fd_flood.py — descriptor-exhaustion figures: sthenod
under RLIMIT_NOFILE = FDS (1024, supervisord's minfds default) while FLOOD
(1100) silent connections, from as many loopback addresses as needed,
hold a public [http_server:x] (header_timeout 60) with default caps
(CAPS=high: caps set far above the limit), for HOLD (15) seconds.

Prints: how many flood connections the server did not close, how long a control-server
XML-RPC call took during the flood, how many times an autorestart program
was spawned during the flood, spawn errors and FATAL seen, and the
program's state 3 s after the flood left; then how long one silent
connection to another server is kept (header_timeout 2, idle_timeout 20).

Not part of make check.
    STHENOD=_build/x/daemon/sthenod \
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \
    python3 tests/bench/bench_fd_flood.py
"""

import os
import resource
import socket
import sys
import time
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import sthtest  # noqa: E402

FDS = int(os.environ.get("FDS", "1024"))
FLOOD = int(os.environ.get("FLOOD", "1100"))
HOLD = float(os.environ.get("HOLD", "15"))
CAPS = os.environ.get("CAPS", "default")


class TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = 10
        return conn


def main():
    ctl, pub, quiet = (sthtest.free_port(), sthtest.free_port(),
                       sthtest.free_port())
    caps = ("max_connections = 100000\nmax_connections_per_address = "
            "100000\n" if CAPS == "high" else "")
    d = sthtest.Sthenod(minfds=FDS, extra="""
[inet_http_server]
port = 127.0.0.1:%d
[http_server:pub]
listen = 127.0.0.1:%d
header_timeout = 60
%s
[http_server:quiet]
listen = 127.0.0.1:%d
header_timeout = 2
idle_timeout = 20
[plugin:http]
ping = true
[program:flap]
command = /bin/sh -c 'exec sleep 0.3'
startsecs = 0
autorestart = true
""" % (ctl, pub, caps, quiet))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FDS, hard))
        d.start()
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % ctl,
                                        transport=TimeoutTransport())
        sthtest.wait_for(lambda: d.read_log().count("spawned:") >= 2, 10)
        flood = []
        # the flood, from as many loopback source addresses as it takes
        for i in range(FLOOD):
            s = socket.socket()
            s.bind(("127.0.%d.%d" % (1 + i // 250, 1 + i % 250), 0))
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", pub))
            except OSError:
                s.close()
                break
            flood.append(s)
        spawned0 = d.read_log().count("spawned:")
        t0 = time.monotonic()
        try:
            state = rpc.supervisor.getState()["statename"]
        except Exception as e:  # noqa: BLE001 -- any failure is a figure
            state = repr(e)
        rpc_s = time.monotonic() - t0
        time.sleep(1)
        # how many flood connections are still open, seen from the client
        # (accepted and kept, or still queued in the backlog)
        alive = 0
        for s in flood:
            s.setblocking(False)
            try:
                alive += s.recv(1) != b""
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
        t_end = time.monotonic() + HOLD
        while time.monotonic() < t_end:
            time.sleep(0.2)
        spawned = d.read_log().count("spawned:") - spawned0
        log = d.read_log()
        for s in flood:
            s.close()
        time.sleep(3)
        try:
            after = rpc.supervisor.getProcessInfo("flap")["statename"]
        except Exception as e:  # noqa: BLE001
            after = repr(e)
        print("RLIMIT_NOFILE %d, flood %d connected, %d not closed by "
              "the server, held %.0f s (CAPS=%s)" % (FDS, len(flood), alive,
                                                    HOLD, CAPS))
        print("control getState during flood: %s in %.3f s" %
              (state, rpc_s))
        print("spawns during flood: %d; 'too many open files': %d; "
              "FATAL: %d" % (spawned, log.count("too many open files"),
                            log.count("entered FATAL")))
        print("flap 3 s after the flood: %s" % after)
        s = socket.create_connection(("127.0.0.1", quiet))
        t0 = time.monotonic()
        s.settimeout(400)
        try:
            s.recv(1)
        except OSError:
            pass
        print("silent connection closed after %.1f s (header_timeout 2, "
              "idle_timeout 20)" %
              (time.monotonic() - t0))
        s.close()
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
