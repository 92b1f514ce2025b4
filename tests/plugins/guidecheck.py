#!/usr/bin/env python3
"""guidecheck: run docs/plugin-guide.md against the installed tree, so the
guide cannot drift from the SDK.

usage: guidecheck.py GUIDE PREFIX SDKDIR PLUGINDIR

The guide's fenced blocks are taken in order, in a scratch $HOME whose
~/stheno is the installed PREFIX (the guide installs there):
  sh            run by bash -e; the folder and exported variables it leaves
                carry over to the next block
  console       each "$ command" is run the same way and what it prints
                must be the lines below it ("..." stands for any text)
  c|make|ini F  written to the file F in the current folder
  c             (no file name) an excerpt of an example's source under
                SDKDIR: it must appear there word for word
  python        run by python3 in the current folder
  text          not run: the one block that builds stheno itself, which
                is what make installcheck ran before this
Any other kind of block fails the check.  The ports 9001, 9002 and 8080 are
swapped for free ones.  Daemons the guide starts are stopped (the guide
stops them itself; this is the safety net), and the plugins it installs
into PLUGINDIR are removed again."""
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

BLOCK = re.compile(r"^```(\w*)(?: (\S+))?\n(.*?)^```$", re.M | re.S)
TIMEOUT = 90


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Guide:
    def __init__(self, home, sdkdir):
        self.home = home
        self.cwd = home
        self.sdkdir = sdkdir
        self.envfile = os.path.join(home, ".guide-env")
        self.cwdfile = os.path.join(home, ".guide-cwd")
        self.env = dict(os.environ, HOME=home, LC_ALL="C")
        for k in ("PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR",
                  "STHENO_PLUGIN_PATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
            self.env.pop(k, None)
        with open(self.envfile, "w") as f:
            f.write("")
        self.ran = 0

    def shell(self, script, where):
        """Run script in the guide's folder and environment: (status,
        stdout, stderr); the folder and exports carry over."""
        out = os.path.join(self.home, ".guide-out")
        err = os.path.join(self.home, ".guide-err")
        full = ("set -e\n. %s\ncd %s\n%s\npwd > %s\nexport -p > %s\n"
                % (self.envfile, self.cwd, script, self.cwdfile,
                   self.envfile))
        # output to files, not pipes: a daemon the guide starts must not
        # hold our end open
        with open(out, "w") as o, open(err, "w") as e:
            rc = subprocess.call(["bash", "-c", full], stdout=o, stderr=e,
                                 stdin=subprocess.DEVNULL, env=self.env,
                                 timeout=TIMEOUT)
        with open(out) as o, open(err) as e:
            stdout, stderr = o.read(), e.read()
        if rc != 0:
            raise AssertionError("%s: exit %d\n%s\n--- stdout:\n%s\n"
                                 "--- stderr:\n%s" % (where, rc, script,
                                                      stdout, stderr))
        with open(self.cwdfile) as f:
            self.cwd = f.read().strip()
        self.ran += 1
        return stdout

    def console(self, text, where):
        cmd, expect = None, []
        for line in text.splitlines() + ["$ "]:
            if line.startswith("$ "):
                if cmd is not None:
                    self.compare(cmd, self.shell(cmd, where), expect, where)
                cmd, expect = line[2:], []
            else:
                expect.append(line)

    @staticmethod
    def compare(cmd, got, expect, where):
        pattern = ".*".join(re.escape(p) for p in
                            "\n".join(expect).split("..."))
        lines = "\n".join(l.rstrip() for l in got.splitlines())
        if not re.fullmatch(pattern, lines, re.S):
            raise AssertionError("%s: $ %s\nexpected:\n%s\ngot:\n%s"
                                 % (where, cmd, "\n".join(expect), got))

    def excerpt(self, text, where):
        for src in glob.glob(os.path.join(self.sdkdir, "*", "*.c")):
            with open(src) as f:
                if text in f.read():
                    return
        raise AssertionError("%s: not an excerpt of sdk/*/*.c:\n%s"
                             % (where, text))

    def python(self, text, where):
        r = subprocess.run([sys.executable, "-c", text], cwd=self.cwd,
                           env=self.env, capture_output=True, text=True,
                           timeout=TIMEOUT)
        if r.returncode != 0:
            raise AssertionError("%s: python failed\n%s\n%s"
                                 % (where, text, r.stderr))
        self.ran += 1

    def run(self, guide):
        skipped = []
        for m in BLOCK.finditer(guide):
            kind, name, text = m.groups()
            where = "docs/plugin-guide.md:%d" % (
                guide.count("\n", 0, m.start()) + 1)
            if kind == "sh":
                self.shell(text, where)
            elif kind == "console":
                self.console(text, where)
            elif kind in ("c", "make", "ini") and name is not None:
                with open(os.path.join(self.cwd, name), "w") as f:
                    f.write(text)
            elif kind == "c":
                self.excerpt(text, where)
            elif kind == "python":
                self.python(text, where)
            elif kind == "text":
                skipped.append(text)
            else:
                raise AssertionError("%s: a ```%s block: the guide's "
                                     "test does not know how to run it"
                                     % (where, kind))
        assert len(skipped) == 1, "only the build of stheno is not run"
        assert "--prefix=$HOME/stheno --disable-tests" in skipped[0] and \
            "make install" in skipped[0], skipped[0]


def stop_daemons(home):
    for pidfile in glob.glob(os.path.join(home, "*", "sthenod.pid")):
        try:
            with open(pidfile) as f:
                pid = int(f.read())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            continue
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)


def main():
    guide_path, prefix, sdkdir, plugindir = sys.argv[1:5]
    with open(guide_path) as f:
        guide = f.read()
    for port in ("9001", "9002", "8080"):
        guide = guide.replace("127.0.0.1:" + port,
                              "127.0.0.1:%d" % free_port())
    home = tempfile.mkdtemp(prefix="sth-guide-")
    os.chmod(home, 0o755)
    os.symlink(os.path.abspath(prefix), os.path.join(home, "stheno"))
    before = set(os.listdir(plugindir))
    os.umask(0o022)
    g = Guide(home, sdkdir)
    try:
        g.run(guide)
    finally:
        stop_daemons(home)
        for n in set(os.listdir(plugindir)) - before:
            os.unlink(os.path.join(plugindir, n))
        subprocess.call(["rm", "-rf", home])
    print("guidecheck: ran %d blocks of the plugin guide against %s"
          % (g.ran, prefix))


if __name__ == "__main__":
    main()
