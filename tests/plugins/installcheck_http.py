#!/usr/bin/env python3
"""installcheck for the example HTTP extension (sdk/example-http): the
*installed* sthenod serves ticker.so, built out of tree against the
installed SDK, to curl -- while http.so is reloaded and ticker is unloaded
in the middle of a response.

usage: installcheck_http.py SBINDIR TICKER_SO [PLUGINDIR]

ticker.so is copied into a plugin folder of its own given with
--plugin-dir, so the installed http and xmlrpc must still be found in the
installed plugindir (the plugin path adds up; PLUGINDIR is added to
--plugin-dir only for a staged install, under DESTDIR).  Checked:
 - a whole streamed response: greeting from [plugin:ticker], count lines,
   a clean end (curl exits 0), on the named server and prefix only;
 - plugin.reload http mid-stream: the response in flight completes (the
   superseded ticker answers it), and the next request is served by the
   new ticker bound to the new http;
 - plugin.unload ticker mid-stream: the response ends cleanly with
   ticker's goodbye line (curl exits 0), then the prefix is a 404;
 - a client that goes away mid-stream: ticker's cancel function runs;
 - SIGTERM exits 0 and nothing was left behind."""
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

COUNT = 15


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait(pred, timeout=10, what="a condition"):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class Stream:
    """curl -N on url, read as it arrives."""

    def __init__(self, url):
        self.p = subprocess.Popen(["curl", "-sS", "-N", "--max-time", "20",
                                   url], stdout=subprocess.PIPE)
        self.out = b""

    def read_until(self, needle, timeout=10):
        deadline = time.monotonic() + timeout
        while needle.encode() not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r in %r" % (needle, self.out))
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 4096)
                if not chunk:
                    raise AssertionError("curl ended before %r: %r"
                                         % (needle, self.out))
                self.out += chunk

    def finish(self, timeout=15):
        rest, _ = self.p.communicate(timeout=timeout)
        self.out += rest
        return self.p.returncode, self.out.decode()


def curl_status(url):
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "--max-time",
                           "10", "-w", "%{http_code}", url],
                          capture_output=True, text=True).stdout


def whole(url):
    r = subprocess.run(["curl", "-sS", "-N", "--max-time", "20", url],
                       capture_output=True, text=True)
    return r.returncode, r.stdout


def expect_whole(body, greeting="hello from the config"):
    lines = [greeting] + ["tick %d/%d" % (i, COUNT)
                          for i in range(1, COUNT + 1)]
    assert body == "\n".join(lines) + "\n", body


def main():
    sbindir, ticker = sys.argv[1:3]
    extra = sys.argv[3:4]
    tmp = tempfile.mkdtemp(prefix="sth-installcheck-http-")
    os.chmod(tmp, 0o755)
    mine = os.path.join(tmp, "plugins")
    os.mkdir(mine, 0o755)
    shutil.copy(ticker, os.path.join(mine, "ticker.so"))
    os.chmod(os.path.join(mine, "ticker.so"), 0o755)
    ctl, pub = free_port(), free_port()
    conf = os.path.join(tmp, "stheno.conf")
    with open(conf, "w") as f:
        f.write("[supervisord]\nlogfile=%s/main.log\npidfile=%s/s.pid\n"
                "childlogdir=%s\nloglevel=debug\n"
                "[inet_http_server]\nport=127.0.0.1:%d\n"
                "[http_server:pub]\nlisten=127.0.0.1:%d\n"
                "[plugin:ticker]\nserver=pub\nprefix=/ticker/\n"
                "interval_ms=100\ncount=%d\ngreeting=hello from the config\n"
                % (tmp, tmp, tmp, ctl, pub, COUNT))
    d = subprocess.Popen([os.path.join(sbindir, "sthenod"), "-n", "-s",
                          "-c", conf, "--plugin-dir", ":".join([mine] + extra)])
    url = "http://127.0.0.1:%d/ticker/" % pub
    streams = []
    try:
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % ctl)

        def up():
            try:
                return "ticker" in [p["name"] for p in s.plugin.list()]
            except (ConnectionError, OSError):
                assert d.poll() is None, "sthenod exited"
                return False
        wait(up, what="sthenod and ticker")

        # a whole response, on the named server and prefix only
        rc, body = whole(url)
        assert rc == 0, rc
        expect_whole(body)
        assert curl_status("http://127.0.0.1:%d/other" % pub) == "404"
        assert curl_status("http://127.0.0.1:%d/ticker/" % ctl) == "404"

        # http reloaded mid-stream: the response completes, the next one
        # comes from the new ticker on the new http
        st = Stream(url)
        streams.append(st)
        st.read_until("tick 2/")
        s.plugin.reload("http")
        rc, body = st.finish()
        assert rc == 0, (rc, body)
        expect_whole(body)
        rc, body = whole(url)
        assert rc == 0, rc
        expect_whole(body)

        # ticker unloaded mid-stream: a clean end with its goodbye
        st = Stream(url)
        streams.append(st)
        st.read_until("tick 2/")
        s.plugin.unload("ticker")
        rc, body = st.finish()
        assert rc == 0, (rc, body)
        assert body.endswith("tick 2/%d\nticker: unloading, goodbye\n"
                             % COUNT) or \
            body.endswith("ticker: unloading, goodbye\n"), body
        assert "tick %d/%d" % (COUNT, COUNT) not in body, body
        assert curl_status(url) == "404"

        # loaded again by name (from --plugin-dir); a client that leaves
        # mid-stream cancels its request
        s.plugin.load("ticker")
        st = Stream(url)
        streams.append(st)
        st.read_until("tick 1/")
        st.p.kill()
        st.p.wait()

        def cancelled():
            with open(os.path.join(tmp, "main.log")) as f:
                return "ticker: a stream was cancelled" in f.read()
        wait(cancelled, what="ticker's cancel function")
        rc, body = whole(url)
        assert rc == 0, rc
        expect_whole(body)

        d.send_signal(signal.SIGTERM)
        assert d.wait(timeout=15) == 0, "sthenod exited %s" % d.returncode
    finally:
        for st in streams:
            if st.p.poll() is None:
                st.p.kill()
                st.p.wait()
        if d.poll() is None:
            d.kill()
            d.wait()
        with open(os.path.join(tmp, "main.log")) as f:
            log = f.read()
        subprocess.call(["rm", "-rf", tmp])
    assert log.count("plugin 'ticker' 1.0 loaded from") == 2, log
    assert "plugin 'ticker' reloaded from" in log, log
    assert "plugin 'ticker' unloading, superseded by the reload" in log, log
    assert "left behind" not in log and "leak" not in log, log
    assert "ticker: serving /ticker/ on server pub" in log, log
    print("installcheck: installed sthenod streamed ticker through an http "
          "reload and a ticker unload")


if __name__ == "__main__":
    main()
