#!/usr/bin/python3
"""A fast writer's output in its log file, byte for byte: when no
subscriber sees a program's output (no PROCESS_LOG events, capture mode,
health check) sthenod grows a pipe the child fills to 1 MiB and reads it
several times a wake-up; none of that may lose, reorder or misplace a
byte.  Rotation: the pieces, oldest first, are the data, and no piece
passes maxbytes by more than one read; redirect_stderr: both streams in
write order; exit: what the grown pipe still holds when the child is
reaped is in the file before EXITED; SIGUSR2 (reopen) and
clearProcessLogs in mid-stream (the rest from offset 0, no hole).

Run by hand:
    STHENOD=_build/x/daemon/sthenod \\
    STHENO_PLUGIN_PATH=_build/x/plugins/.libs-all \\
    /usr/bin/python3 tests/integration/test_proc_capture.py -v
"""

import hashlib
import os
import signal
import sys
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

MIB = 1 << 20
READ_MAX = 128 * 1024   # one read of the read/write path

RPC = """
[unix_http_server]
file=@DIR@/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

# WRITER: writes data[:first] to stdout, waits for the file "go", writes
# the rest, exits (all with blocking write(2)s of up to 64 KiB).
WRITER = r"""
import os, sys, time
data = open(sys.argv[1], "rb").read()
first = int(sys.argv[2])
go = sys.argv[3]
def put(b):
    v = memoryview(b)
    while len(v):
        n = os.write(1, v[:65536])
        v = v[n:]
put(data[:first])
while first < len(data) and not os.path.exists(go):
    time.sleep(0.01)
put(data[first:])
"""

# INTERLEAVE: N lines to stdout and N to stderr, alternating, unbuffered.
INTERLEAVE = r"""
import os, sys
n = int(sys.argv[1])
for i in range(n):
    os.write(1, b"out %06d ........................................\n" % i)
    os.write(2, b"err %06d ----------------------------------------\n" % i)
"""

# GROW: fills its stdout pipe (256 KiB), writes the pipe's size to the
# file argv[1], waits for the file "go" (argv[2]), exits.
GROW = r"""
import fcntl, os, sys, time
b = b"x" * 262144
v = memoryview(b)
while len(v):
    v = v[os.write(1, v):]
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d" % fcntl.fcntl(1, fcntl.F_GETPIPE_SZ))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while not os.path.exists(sys.argv[2]):
    time.sleep(0.01)
"""


def client(path):
    from supervisor.xmlrpc import SupervisorTransport
    t = SupervisorTransport(None, None, "unix://" + path)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


def zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return False


class Capture(unittest.TestCase):

    def setUp(self):
        self.d = sthtest.Sthenod(loglevel="info")
        self.rpc = None
        self.stopped = False

    def tearDown(self):
        if self.stopped:
            os.kill(self.d.pid, signal.SIGCONT)
        if self.rpc is not None:
            self.rpc("close")()
        self.d.stop_and_cleanup()

    def path(self, name):
        return os.path.join(self.d.dir, name)

    def data(self, n):
        b = os.urandom(n)
        with open(self.path("data.bin"), "wb") as f:
            f.write(b)
        return b

    def start(self, program):
        for name, text in (("writer.py", WRITER),
                           ("interleave.py", INTERLEAVE),
                           ("grow.py", GROW)):
            with open(self.path(name), "w") as f:
                f.write(text)
        self.d.extra = (RPC + program).replace("@DIR@", self.d.dir)
        self.d.write_config()
        self.d.start()
        self.rpc = client(self.path("s.sock"))

    def state(self, name):
        return self.rpc.supervisor.getProcessInfo(name)["statename"]

    def wait_exited(self, name, timeout=30):
        ok = sthtest.wait_for(lambda: self.state(name) == "EXITED",
                              timeout)
        self.assertTrue(ok, "%s did not exit:\n%s" % (name,
                                                      self.d.describe()))

    def program(self, first, extra=""):
        return """
[program:w]
command=/usr/bin/python3 @DIR@/writer.py @DIR@/data.bin %d @DIR@/go
autostart=false
autorestart=false
startsecs=0
stdout_logfile=@DIR@/w.out
stderr_logfile=NONE
%s
""" % (first, extra)

    def test_rotation_pieces_are_the_data(self):
        data = self.data(6 * MIB + 12345)
        maxbytes = 1000000
        self.start(self.program(len(data), "stdout_logfile_maxbytes=%d\n"
                                "stdout_logfile_backups=20\n" % maxbytes))
        self.rpc.supervisor.startProcess("w", False)
        self.wait_exited("w")
        out = self.path("w.out")
        pieces = []
        i = 1
        while os.path.exists("%s.%d" % (out, i)):
            pieces.append("%s.%d" % (out, i))
            i += 1
        pieces.reverse()
        self.assertGreaterEqual(len(pieces),
                                len(data) // (maxbytes + READ_MAX))
        got = b""
        for p in pieces:
            # rotated when it reached maxbytes, past it by one read at most
            self.assertGreaterEqual(size(p), maxbytes, p)
            self.assertLessEqual(size(p), maxbytes + READ_MAX, p)
            with open(p, "rb") as f:
                got += f.read()
        self.assertLess(size(out), maxbytes)
        with open(out, "rb") as f:
            got += f.read()
        self.assertEqual(len(got), len(data))
        self.assertEqual(sha(got), sha(data))

    def test_exit_with_a_full_pipe(self):
        # the pipe has grown (the daemon read it full), then the daemon is
        # stopped while the child writes 900 KiB and exits: those bytes
        # are in the pipe when the exit is handled, and in the file when
        # the process is EXITED
        first = 512 * 1024
        data = self.data(first + 900 * 1024)
        self.start(self.program(first, "stdout_logfile_maxbytes=0\n"))
        self.rpc.supervisor.startProcess("w", False)
        out = self.path("w.out")
        self.assertTrue(sthtest.wait_for(lambda: size(out) >= first, 20))
        pid = self.rpc.supervisor.getProcessInfo("w")["pid"]
        os.kill(self.d.pid, signal.SIGSTOP)
        self.stopped = True
        open(self.path("go"), "w").close()
        # with the pipe grown the child does not block; otherwise it waits
        # for the daemon and the test checks the ordinary path
        sthtest.wait_for(lambda: zombie(pid), 5)
        os.kill(self.d.pid, signal.SIGCONT)
        self.stopped = False
        self.wait_exited("w")
        with open(out, "rb") as f:
            got = f.read()
        self.assertEqual(len(got), len(data))
        self.assertEqual(sha(got), sha(data))

    def test_redirect_stderr_keeps_write_order(self):
        n = 20000
        self.start("""
[program:w]
command=/usr/bin/python3 @DIR@/interleave.py %d
autostart=false
autorestart=false
startsecs=0
redirect_stderr=true
stdout_logfile=@DIR@/w.out
stdout_logfile_maxbytes=0
""" % n)
        self.rpc.supervisor.startProcess("w", False)
        self.wait_exited("w")
        want = b"".join(
            b"out %06d ........................................\n" % i +
            b"err %06d ----------------------------------------\n" % i
            for i in range(n))
        with open(self.path("w.out"), "rb") as f:
            got = f.read()
        self.assertEqual(len(got), len(want))
        self.assertEqual(sha(got), sha(want))

    def start_paused(self, first):
        """w started on first + 2 MiB of data, paused once the first
        bytes are in its log file: (data, the file's path)."""
        data = self.data(first + 2 * MIB)
        self.start(self.program(first))
        self.rpc.supervisor.startProcess("w", False)
        out = self.path("w.out")
        self.assertTrue(sthtest.wait_for(lambda: size(out) == first, 20))
        return data, out

    def test_reopen_mid_stream(self):
        first = 3 * MIB
        data, out = self.start_paused(first)
        os.rename(out, out + ".old")
        self.d.send_signal(signal.SIGUSR2)
        self.assertTrue(sthtest.wait_for(lambda: size(out) == 0, 10),
                        "not reopened:\n%s" % self.d.describe())
        open(self.path("go"), "w").close()
        self.wait_exited("w")
        with open(out + ".old", "rb") as f:
            old = f.read()
        with open(out, "rb") as f:
            new = f.read()
        self.assertEqual(sha(old), sha(data[:first]))
        self.assertEqual(sha(new), sha(data[first:]))

    def test_clear_mid_stream_leaves_no_hole(self):
        first = 3 * MIB
        data, out = self.start_paused(first)
        self.assertTrue(self.rpc.supervisor.clearProcessLogs("w"))
        self.assertEqual(size(out), 0)
        open(self.path("go"), "w").close()
        self.wait_exited("w")
        with open(out, "rb") as f:
            got = f.read()
        # the rest from offset 0: no hole where the cleared bytes were
        self.assertEqual(len(got), len(data) - first)
        self.assertEqual(sha(got), sha(data[first:]))

    def test_pipe_growth_is_bounded(self):
        # 18 children fill their pipes at once: 16 get 1 MiB (the pages
        # count against the user's pipe quota), 2 keep 64 KiB; once they
        # are gone a new one gets 1 MiB again
        n = 18
        self.start("""
[program:g]
command=/usr/bin/python3 @DIR@/grow.py @DIR@/size.%%(process_num)02d @DIR@/go
process_name=g_%%(process_num)02d
numprocs=%d
autostart=true
autorestart=false
startsecs=0
stdout_logfile=@DIR@/%%(process_num)02d.out
stdout_logfile_maxbytes=0
stderr_logfile=NONE
""" % n)
        sizes = [self.path("size.%02d" % i) for i in range(n)]

        def read_sizes():
            got = []
            for p in sizes:
                if not os.path.exists(p):
                    return None
                with open(p) as f:
                    got.append(int(f.read()))
            return sorted(got)
        self.assertTrue(sthtest.wait_for(read_sizes, 30),
                        self.d.describe())
        self.assertEqual(read_sizes(), [65536] * 2 + [MIB] * 16)
        open(self.path("go"), "w").close()
        for i in range(n):
            self.wait_exited("g:g_%02d" % i)
        os.unlink(sizes[0])
        os.unlink(self.path("go"))
        self.rpc.supervisor.startProcess("g:g_00", False)
        self.assertTrue(sthtest.wait_for(
            lambda: os.path.exists(sizes[0]), 20), self.d.describe())
        with open(sizes[0]) as f:
            self.assertEqual(int(f.read()), MIB)
        open(self.path("go"), "w").close()
        self.wait_exited("g:g_00")


if __name__ == "__main__":
    unittest.main()
