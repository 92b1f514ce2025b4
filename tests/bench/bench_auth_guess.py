#!/usr/bin/python3
"""bench_auth_guess.py — how fast can one address guess the Basic auth
password of a control server?  sthenod with [inet_http_server] on a free
loopback port, username and password set, then WORKERS processes each
opening a connection per guess (a 401 closes it) with a wrong password,
for SECONDS.  Prints the answers by status and the guesses checked per
second (the 401s: a 429 is a refusal that checked nothing).

Not part of make check.
    STHENOD=_build/bench/daemon/sthenod tests/bench/bench_auth_guess.py
Knobs (environment): BENCH_SECONDS (5), WORKERS (4), MAX_AUTH_FAILURES and
AUTH_PENALTY (unset: the defaults; 0 turns the penalty off).
"""

import base64
import collections
import multiprocessing
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import sthtest  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
WORKERS = int(os.environ.get("WORKERS", "4"))
MAX_GUESSES = 2000000      # per worker, a bound whatever the speed


def worker(port, seconds, q):
    counts = collections.Counter()
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline and i < MAX_GUESSES:
        cred = base64.b64encode(b"bob:guess%d" % i).decode()
        i += 1
        req = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
               "%s\r\n\r\n" % cred).encode()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(req)
            head = s.recv(64)
            s.close()
            counts[head[9:12].decode() or "closed"] += 1
        except OSError as e:
            counts[type(e).__name__] += 1
    q.put(counts)


def main():
    port = sthtest.free_port()
    extra = ("[inet_http_server]\nport=127.0.0.1:%d\nusername=bob\n"
             "password=right-password\n" % port)
    for key in ("MAX_AUTH_FAILURES", "AUTH_PENALTY"):
        if key in os.environ:
            extra += "%s=%s\n" % (key.lower(), os.environ[key])
    d = sthtest.Sthenod(extra=extra)
    try:
        d.start()
        q = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=worker,
                                         args=(port, SECONDS, q))
                 for _ in range(WORKERS)]
        t0 = time.monotonic()
        for p in procs:
            p.start()
        total = collections.Counter()
        for _ in procs:
            total.update(q.get(timeout=SECONDS + 60))
        for p in procs:
            p.join()
        took = time.monotonic() - t0
        print("answers in %.1f s from %d workers: %s" % (
            took, WORKERS, dict(sorted(total.items()))))
        print("guesses checked: %d, %.1f/s" % (total["401"],
                                               total["401"] / took))
        log = d.read_log()
        print("main log lines about failed authentication: %d" %
              sum("failed authentication" in ln for ln in log.splitlines()))
        d.stop()
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
