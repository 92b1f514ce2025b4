"""sthtest.py — shared helpers for sthenod's integration tests.

Helpers other test files need go at the end.  Every test runs sthenod as
a black box on a config in a temporary folder, and every helper that
starts a process knows how to stop it: use Sthenod as a context manager,
or call cleanup() in tearDown.

Environment (set by make check, see tests/Makefile.inc): STHENOD is the
daemon to run; STHENO_PLUGIN_PATH, STHENO_SRCDIR and STHENO_BUILDDIR say
where the rest of the tree is.  Run a test by hand with
    STHENOD=_build/x/daemon/sthenod python3 tests/integration/test_daemon.py
"""

import glob
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

STHENOD = os.environ.get("STHENOD", "sthenod")
PLUGIN_PATH = os.environ.get("STHENO_PLUGIN_PATH", "")
SRCDIR = os.environ.get("STHENO_SRCDIR",
                        os.path.dirname(os.path.dirname(
                            os.path.dirname(os.path.abspath(__file__)))))



def asan_build():
    """True if the build under test (STHENO_BUILDDIR) was configured with
    --enable-asan."""
    try:
        with open(os.path.join(os.environ.get("STHENO_BUILDDIR", ""),
                               "config.h")) as f:
            return "#define STHENO_ASAN 1" in f.read()
    except OSError:
        return False


# One main-log line: supervisord's format (docs/supervisord.md §3.3).
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    r"(CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) .*$")


def wait_for(predicate, timeout=10.0, interval=0.02):
    """Poll predicate() until it returns a true value; return that value,
    or None when timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name, as strings
    (0 state, 1 ppid, 2 process group, 3 session, 11-12 utime and stime
    in ticks), or None if pid is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pids():
    """Every pid in /proc."""
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def descendants(pid):
    """Every pid below pid in the process tree (children, grandchildren,
    ...), read from /proc in one pass."""
    kids = {}
    for p in pids():
        f = proc_stat(p)
        if f is not None:
            kids.setdefault(int(f[1]), []).append(p)
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def kill_tree(pid):
    """SIGKILL pid and everything below it.  pid is stopped first, so that
    it cannot start a child between the listing and the kill; its children
    are killed too, or a SIGKILLed daemon would leave them orphaned."""
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        return
    for p in [pid] + descendants(pid):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    f = proc_stat(pid)
    return f is not None and f[0] != "Z"


def is_sthenod(pid):
    """True if pid runs the sthenod under test (never kill a stranger
    whose pid a stale pidfile names)."""
    try:
        exe = os.path.basename(os.readlink("/proc/%d/exe" % pid))
        return exe in ("sthenod", "lt-sthenod")
    except OSError:
        return False


def read_text(path):
    """The file's text, or "" if it does not exist."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def _port_range():
    """Ports free_port() picks from: just below the kernel's ephemeral
    range, which every bind to port 0 (the daemon's passive FTP
    listeners, other tests) and every client's source port come from, so
    a port handed out here cannot be taken by one of those before the
    daemon binds it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return (max(1024, low - 12000), low - 1) if low > 5000 else None


_PORT_RANGE = _port_range()
_ports_given = set()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now, never
    the same twice in one test process (see _port_range)."""
    for _ in range(200):
        if _PORT_RANGE is None:
            port = 0
        else:
            port = random.randint(*_PORT_RANGE)
            if port in _ports_given:
                continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            port = s.getsockname()[1]
        except OSError:
            continue
        finally:
            s.close()
        if port not in _ports_given:
            _ports_given.add(port)
            return port
    raise RuntimeError("no free TCP port found")


class OutputReader:
    """The stdout of a running client (Popen with stdout=PIPE), read
    without blocking as it comes: until() waits for a needle, so a test
    acts when the client has shown it is ready rather than after a guess
    of a sleep."""

    def __init__(self, proc):
        self.proc = proc
        self.out = b""
        os.set_blocking(proc.stdout.fileno(), False)

    def until(self, needle, timeout=15):
        deadline = time.monotonic() + timeout
        while needle not in self.out:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                return False
            select.select([self.proc.stdout], [], [], 0.1)
            b = self.proc.stdout.read()
            if b:
                self.out += b
        return True


STRACE = shutil.which("strace")


def strace_works():
    """Whether strace is installed and may trace here (a container
    without ptrace cannot): the strace tests skip otherwise."""
    if not STRACE:
        return False
    try:
        p = subprocess.run([STRACE, "-o", os.devnull, "true"],
                           capture_output=True, timeout=10)
        return p.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Strace:
    """strace attached to a running process (pid), writing the syscalls
    named in calls ("close,execve") to path; follow=True follows its
    children, args are more options ("-s", "64").  stop() detaches and
    returns the trace's lines."""

    def __init__(self, pid, path, calls, follow=True, args=()):
        self.path = path
        self.proc = subprocess.Popen(
            [STRACE, "-qq"] + (["-f"] if follow else []) + list(args) +
            ["-o", path, "-e", "trace=" + calls, "-p", str(pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def text(self):
        return read_text(self.path)

    def lines(self):
        return self.text().splitlines()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.lines()


def run_sthenod(args, timeout=10, **kw):
    """Run sthenod to completion (for -v, -h, errors): CompletedProcess
    with text stdout and stderr."""
    return subprocess.run([STHENOD] + list(args), capture_output=True,
                          text=True, timeout=timeout, **kw)


def supervisord_section(**opts):
    """A [supervisord] section from keyword options, in the order given."""
    lines = ["[supervisord]"]
    for k, v in opts.items():
        lines.append("%s=%s" % (k, v))
    return "\n".join(lines) + "\n"


class Sthenod:
    """One sthenod on a config in its own temporary folder.

        d = Sthenod(logfile_maxbytes="1KB")  # [supervisord] keys
        d.start()                            # -n, waits for the pid line
        d.wait_log(r"received SIGHUP")
        d.stop()                             # SIGTERM, returns exit code
        d.cleanup()                          # kills whatever is left

    A test class starts it with d.start_or_cleanup(log=..., ready=...)
    (started and ready, or no trace left) and ends it with
    d.stop_and_cleanup() (a clean exit or the test fails).

    Paths: d.dir, d.conf, d.log, d.pidfile.  logfile and pidfile default
    to files in d.dir, childlogdir to d.dir; pass extra sections as
    `extra`.  With shared=True, d.dir is a folder other users can reach
    (mode 0755, under shared_tmp()) or the test is skipped.
    """

    def __init__(self, extra="", shared=False, **opts):
        if shared:
            # a folder of its own that other users can reach (see
            # shared_tmp), for a daemon or children that run as another
            # user: 0755, a test chmods it further if that user writes
            self.dir = tempfile.mkdtemp(prefix="sth-", dir=need_shared_tmp())
            os.chmod(self.dir, 0o755)
        else:
            self.dir = tempfile.mkdtemp(prefix="sth-")
        self.log = os.path.join(self.dir, "sthenod.log")
        self.pidfile = os.path.join(self.dir, "sthenod.pid")
        self.conf = os.path.join(self.dir, "stheno.conf")
        self.conf_arg = None    # what -c says, if not self.conf
        self.proc = None
        self._stderr = None
        self.daemon_pid = None
        # childlogdir: a daemon clears the AUTO child logs of its
        # identifier from its childlogdir when it starts (supervisord's
        # clear_autochildlogdir), so daemons of tests running side by side
        # must not share the default /tmp.
        self.opts = {"logfile": self.log, "pidfile": self.pidfile,
                     "childlogdir": self.dir}
        self.opts.update(opts)
        self.extra = extra
        self.write_config()

    def write_config(self, text=None):
        """(Re)write the config: the given text, or the section from the
        options plus extra."""
        if text is None:
            text = supervisord_section(**self.opts) + self.extra
        with open(self.conf, "w") as f:
            f.write(text)

    def start_or_cleanup(self, log=(), ready=None, timeout=10, **kw):
        """start(**kw), then wait for each regex of log (one or a list) in
        the log and for ready() to be true (wait_for), timeout seconds
        each; if any of that fails, cleanup() before raising (a
        setUpClass that raises gets no tearDownClass)."""
        if isinstance(log, str):
            log = (log,)
        try:
            self.start(**kw)
            for pattern in log:
                if not self.wait_log(pattern, timeout=timeout):
                    raise AssertionError("no line %r:\n%s" %
                                         (pattern, self.describe()))
            if ready is not None and not wait_for(ready, timeout):
                raise AssertionError("not ready:\n%s" % self.describe())
        except BaseException:
            self.cleanup()
            raise

    def stop_and_cleanup(self, timeout=15):
        """The end of a test: stop() if still running, then cleanup()
        whatever happens; fail if sthenod exited non-zero or its stderr
        holds a sanitizer report (under --enable-asan a leak or an error
        does one or both)."""
        rc, err, text = 0, "", ""
        try:
            if self.proc is not None:
                rc = self.proc.poll()
                if rc is None:
                    rc = self.stop(timeout=timeout)
            elif self.daemon_pid and pid_alive(self.daemon_pid):
                rc = self.stop(timeout=timeout)
            err = self.stderr_text()
            text = self.describe()
        finally:
            self.cleanup()
        if rc != 0 or "Sanitizer" in err:
            raise AssertionError("sthenod exited %d:\n%s" % (rc, text))

    def start(self, args=("-n",), wait=True, stdout=subprocess.DEVNULL,
              env=None, log=None):
        """Start sthenod -c conf + args.  With wait, wait for its
        "supervisord started" line (in log, default self.log) and fail if
        it exits first."""
        e = dict(os.environ)
        if PLUGIN_PATH:
            e.setdefault("STHENO_PLUGIN_PATH", PLUGIN_PATH)
        if env:
            e.update(env)
        self._stderr = None
        self.proc = subprocess.Popen(
            [STHENOD, "-c", self.conf_arg or self.conf] + list(args),
            stdout=stdout,
            stderr=subprocess.PIPE, env=e, cwd=self.dir)
        if wait:
            if not self.wait_log(r"supervisord started with pid \d+",
                                 path=log):
                raise AssertionError(
                    "sthenod did not start:\n%s" % self.describe())
        return self.proc

    def start_daemon(self, args=(), timeout=10):
        """Start without -n: the parent must exit 0; returns the daemon's
        pid, read from the pidfile."""
        self.start(args=args, wait=False)
        rc = self.proc.wait(timeout=timeout)
        if rc != 0:
            raise AssertionError("parent exited %d:\n%s" %
                                 (rc, self.describe()))
        self.proc.stderr.close()
        self.proc = None
        pid = wait_for(self.read_pid, timeout)
        if not pid:
            raise AssertionError("no pidfile:\n%s" % self.describe())
        self.daemon_pid = pid
        if not self.wait_log(r"supervisord started with pid %d" % pid):
            raise AssertionError("no started line:\n%s" % self.describe())
        return pid

    @property
    def pid(self):
        if self.proc is not None:
            return self.proc.pid
        return self.daemon_pid

    def read_pid(self):
        """The pid in the pidfile, or None (absent or incomplete)."""
        text = read_text(self.pidfile)
        if not re.fullmatch(r"\d+\n", text):
            return None
        return int(text)

    def read_log(self, path=None):
        return read_text(path or self.log)

    def wait_log(self, pattern, timeout=10, path=None, count=1):
        """Wait until pattern (a regex) occurs count times in the log;
        returns the last match, or None (also when sthenod exits)."""
        rx = re.compile(pattern, re.M)

        def found():
            matches = list(rx.finditer(self.read_log(path)))
            if len(matches) >= count:
                return matches[count - 1]
            if self.proc is not None and self.proc.poll() is not None:
                return False
            return None

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = found()
            if m:
                return m
            if m is False:
                # exited: one last look, the line may have just landed
                return found() or None
            time.sleep(0.02)
        return None

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Send sig and wait for the exit: the exit code (for a daemonized
        sthenod, 0 once its pid is gone, which is all a non-parent can
        know)."""
        if self.proc is not None:
            self.proc.send_signal(sig)
            rc = self.proc.wait(timeout=timeout)
            return rc
        pid = self.daemon_pid
        os.kill(pid, sig)
        if wait_for(lambda: not pid_alive(pid), timeout) is None:
            raise AssertionError("daemon %d still alive" % pid)
        self.daemon_pid = None
        return 0

    def wait_exit(self, timeout=15):
        return self.proc.wait(timeout=timeout)

    def stderr_text(self):
        """All of stderr (only once sthenod has exited; read once, then
        kept)."""
        if self.proc is None or self.proc.poll() is None:
            return ""
        if self._stderr is None:
            self._stderr = self.proc.stderr.read().decode(errors="replace")
        return self._stderr

    def describe(self):
        return "--- log %s:\n%s--- stderr:\n%s" % (
            self.log, self.read_log(), self.stderr_text())

    def cleanup(self):
        """Kill whatever is still running, the daemon's children included
        (a test that ends without stop() leaves no orphan), and remove the
        folder."""
        killed = []
        if self.proc is not None:
            if self.proc.poll() is None:
                kill_tree(self.proc.pid)
                self.proc.wait()
                killed.append(self.proc.pid)
            for f in (self.proc.stdout, self.proc.stderr):
                if f is not None:
                    f.close()
            self.proc = None
        pid = self.daemon_pid or self.read_pid()
        if pid and pid_alive(pid) and is_sthenod(pid):
            kill_tree(pid)
            wait_for(lambda: not pid_alive(pid), 5)
            killed.append(pid)
        self.daemon_pid = None
        shutil.rmtree(self.dir, ignore_errors=True)
        # a daemon killed with SIGKILL could not remove its plugin copies
        tmp = os.environ.get("TMPDIR") or "/tmp"
        for p in killed:
            for d in glob.glob(os.path.join(tmp, "sthenod-%d.*" % p)):
                shutil.rmtree(d, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


class Peer:
    """supervisord or sthenod on one config, for the differential tests
    that run both on the same text.

        d = Peer([SUPERVISORD, "-n"], CONFIG)   # or [STHENOD, "-n"]
        ...
        d.cleanup()

    The config is written to d.conf in a folder of its own (d.dir), with
    @DIR@ replaced by that folder, @PORT@ by d.port (a free port) and
    each key of subst by its value.  The daemon runs in a session of its
    own with stderr in d.dir/stderr; cleanup() kills it and its children,
    removes the folder, and fails if a sanitizer wrote a report."""

    def __init__(self, argv, template, prefix="sth-peer-", subst=None,
                 env=None, **popen):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "d.conf")
        self.sock = os.path.join(self.dir, "d.sock")
        self.argv0 = argv[0]
        self.subst = dict(subst or {})
        self.write(template)
        e = dict(os.environ)
        if PLUGIN_PATH:
            e.setdefault("STHENO_PLUGIN_PATH", PLUGIN_PATH)
        if env:
            e.update(env)
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        popen.setdefault("start_new_session", True)
        self.proc = subprocess.Popen(
            argv + ["-c", self.conf], stdout=subprocess.DEVNULL,
            stderr=self.err, env=e, **popen)

    def write(self, text):
        """(Re)write the config from a template."""
        text = text.replace("@DIR@", self.dir).replace(
            "@PORT@", str(self.port))
        for k, v in self.subst.items():
            text = text.replace(k, v)
        with open(self.conf, "w") as f:
            f.write(text)

    def kill(self):
        """Kill the daemon, then whatever it started: the daemon first,
        or a child killed before it would be restarted, orphaned."""
        if self.proc.poll() is None:
            kill_tree(self.proc.pid)
        self.proc.wait()

    def cleanup(self):
        self.kill()
        self.err.close()
        err = read_text(self.err.name)
        shutil.rmtree(self.dir, ignore_errors=True)
        # a sanitizer build reports at exit: that is a failure
        if "Sanitizer" in err:
            raise AssertionError("%s stderr:\n%s" % (self.argv0, err))


# --- event listener records ------------------------------------------------

# The header line of an event under identifier=myident
# (docs/supervisord.md §6.2).
EVENT_HEADER = re.compile(
    r"^ver:3\.0 server:myident serial:(\d+) pool:(\S+) poolserial:(\d+) "
    r"eventname:([A-Z_0-9]+) len:(\d+)\n$")


def read_event_records(path):
    """The JSON lines a recording listener wrote to path ({"line": header,
    "payload": ...}), each with serial, pool, poolserial, name and len
    parsed from its header; a line still being written is left out."""
    recs = []
    text = read_text(path)
    if not text.endswith("\n"):    # the listener is still writing a line
        text = text[:text.rfind("\n") + 1]
    for l in text.splitlines():
        r = json.loads(l)
        m = EVENT_HEADER.match(r["line"])
        assert m, "bad header %r" % r["line"]
        r.update(serial=int(m.group(1)), pool=m.group(2),
                 poolserial=int(m.group(3)), name=m.group(4),
                 len=int(m.group(5)))
        recs.append(r)
    return recs


# --- other users -----------------------------------------------------------
#
# A test that runs sthenod, or its children, as another user must not
# assume that user can reach the build tree or the temporary folder: a clone
# in /root (mode 0700) or a TMPDIR of root's own is where a fresh machine
# puts them.  Such a test takes its folder from Sthenod(shared=True) and its
# daemon and plugins from for_other_users(); tests/run.sh --fresh runs the
# suite from such a place.


def reachable_by_all(path):
    """True if any user can reach path: every folder from / to it is
    searchable by others (o+x), and path itself readable too (o+r)."""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & 0o004:
            return False
        while True:
            if not os.stat(path).st_mode & 0o001:
                return False
            parent = os.path.dirname(path)
            if parent == path:
                return True
            path = parent
    except OSError:
        return False


def shared_tmp():
    """A temporary folder every user can reach: the usual one (TMPDIR)
    when it is, else /tmp or /var/tmp; None if none is."""
    for d in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if os.path.isdir(d) and reachable_by_all(d) and \
                os.access(d, os.W_OK | os.X_OK):
            return d
    return None


def need_shared_tmp():
    """shared_tmp(), or skip the test (with the reason) if there is none."""
    d = shared_tmp()
    if d is None:
        raise unittest.SkipTest(
            "no temporary folder every user can reach (TMPDIR=%s, /tmp, "
            "/var/tmp): this test runs something as another user" %
            tempfile.gettempdir())
    return d


_copies = {}


def _remove_copies():
    for d in _copies.values():
        shutil.rmtree(d, ignore_errors=True)


def for_other_users():
    """(sthenod, plugin path) that another user can run and load: copies of
    STHENOD and of the .so files of PLUGIN_PATH's folders in a folder of
    shared_tmp() (0755, root's or the test's own, never group/other
    writable: the rules the plugin loader checks, docs/plugin-guide.md), made
    once per test process and removed at its exit.  The build tree may be
    where only its owner can go (a clone in /root)."""
    if "dir" not in _copies:
        top = tempfile.mkdtemp(prefix="sth-bin-", dir=need_shared_tmp())
        import atexit
        atexit.register(_remove_copies)
        _copies["dir"] = top
        os.chmod(top, 0o755)
        exe = os.path.join(top, "sthenod")
        shutil.copyfile(STHENOD, exe)
        os.chmod(exe, 0o755)
        paths = []
        for i, src in enumerate(p for p in PLUGIN_PATH.split(":") if p):
            dst = os.path.join(top, "plugins%d" % i)
            os.mkdir(dst, 0o755)
            for name in sorted(os.listdir(src)):
                f = os.path.join(src, name)
                if name.endswith(".so") and os.path.isfile(f):
                    shutil.copyfile(f, os.path.join(dst, name))
                    os.chmod(os.path.join(dst, name), 0o755)
            paths.append(dst)
        _copies["exe"] = exe
        _copies["path"] = ":".join(paths)
    return _copies["exe"], _copies["path"]
