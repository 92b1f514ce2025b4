#!/usr/bin/env python3
"""installcheck: the *installed* sthenod loads a plugin built out of tree
against the installed SDK, and a client reaches it over XML-RPC.

usage: installcheck.py SBINDIR PLUGINDIR HELLO_SO

The daemon runs in the foreground on a scratch config with an
[inet_http_server] on a free loopback port (which brings the installed
http and xmlrpc plugins) and [plugin:hello] path=HELLO_SO; hello.greet is
called with Python's xmlrpc.client, then hello is unloaded and loaded again
live through plugin.unload / plugin.load by name (the config's path=; a
path given by the caller is refused), and the daemon is stopped with
SIGTERM, which must exit 0."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    sbindir, plugindir, hello = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="sth-installcheck-")
    port = free_port()
    conf = os.path.join(tmp, "stheno.conf")
    with open(conf, "w") as f:
        f.write("[supervisord]\nlogfile=%s/main.log\npidfile=%s/s.pid\n"
                "childlogdir=%s\n[inet_http_server]\nport=127.0.0.1:%d\n"
                "[plugin:hello]\npath=%s\ninterval=1\n"
                % (tmp, tmp, tmp, port, hello))
    d = subprocess.Popen([os.path.join(sbindir, "sthenod"), "-n", "-s",
                          "-c", conf, "--plugin-dir", plugindir])
    try:
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        deadline = time.time() + 10
        while True:
            try:
                got = s.hello.greet("world")
                break
            except (ConnectionError, OSError):
                if time.time() > deadline or d.poll() is not None:
                    raise
                time.sleep(0.05)
        assert got == "Hello, world!", got
        names = [p["name"] for p in s.plugin.list()]
        assert "hello" in names, names
        s.plugin.unload("hello")
        try:
            s.hello.greet("x")
            raise AssertionError("hello.greet answered after unload")
        except xmlrpc.client.Fault as e:
            assert e.faultCode == 1, e
        # a live load names the plugin: its path is the config's
        try:
            s.plugin.load(hello)
            raise AssertionError("plugin.load accepted a path")
        except xmlrpc.client.Fault as e:
            assert "never a path" in e.faultString, e
        s.plugin.load("hello")
        assert s.hello.greet("again") == "Hello, again!"
        d.send_signal(signal.SIGTERM)
        assert d.wait(timeout=10) == 0, "sthenod exited %s" % d.returncode
    finally:
        if d.poll() is None:
            d.kill()
            d.wait()
        with open(os.path.join(tmp, "main.log")) as f:
            log = f.read()
        subprocess.call(["rm", "-rf", tmp])
    assert "plugin 'hello' 1.0 loaded" in log, log
    print("installcheck: installed sthenod served hello.greet over XML-RPC")


if __name__ == "__main__":
    main()
