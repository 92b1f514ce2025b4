#!/usr/bin/python3
"""Who may load code into sthenod (daemon/plugin_trust.c, elf_check.c),
through the two doors a remote caller has: XML-RPC on an unauthenticated
[inet_http_server] (Python's xmlrpc.client) and the monitor console
(sthenoctl).

The bait is tests/plugins/ctor.c: a shared object whose constructor
creates $TP_MARKER the moment it is mapped.  It is offered as a child's
log file (a program that prints the .so), as an anonymous FTP upload
(anon_write = true), as a symbolic link, inside a folder anyone may
write, without a descriptor, with a descriptor of ABI 99; a FIFO and
plain absolute paths are offered too.  Each must be refused without the
marker ever appearing, without the daemon blocking (every call is bounded
in time, and the daemon must answer after it), and an absolute path must
get the same answer whatever it names, so that a caller learns nothing
about files outside the plugin folders.

Needs the http plugins, xmlrpc, monitor, ftp, sthenoctl and the test
plugins (built by make check)."""

import ftplib
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", "")
STHENOCTL = os.path.join(BUILDDIR, "plugins", "monitor", "sthenoctl")
TP = os.path.join(BUILDDIR, "tests", "plugins", ".libs")
NOT_A_NAME = ("refused: plugin.load takes a plugin name ([a-z0-9_-]+), "
              "the NAME.so of a plugin folder or the path= of a "
              "[plugin:NAME] section in the config file, never a path")
CALL_BOUND = 5.0    # seconds a refused load may take, generously


def built():
    return (os.access(STHENOCTL, os.X_OK) and
            os.path.exists(os.path.join(TP, "ctor.so")) and
            all(os.path.exists(os.path.join(sthtest.PLUGIN_PATH, n + ".so"))
                for n in ("http", "xmlrpc", "monitor", "ftp")))


class Timeout(xmlrpc.client.Transport):
    """A transport whose calls give up after CALL_BOUND seconds."""

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = CALL_BOUND
        return conn


def anon_user():
    for name in ("ftp", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    return None


@unittest.skipUnless(built(), "plugins, sthenoctl or test plugins not built")
class PluginTrust(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.http = sthtest.free_port()
        cls.ftp_port = sthtest.free_port()
        # the FTP root below is served from here, as anon_user
        cls.d = sthtest.Sthenod(shared=True)
        d = cls.d.dir
        cls.marker = os.path.join(d, "marker")
        cls.childlog = os.path.join(d, "child.log")
        cls.ftproot = os.path.join(d, "ftp")
        os.makedirs(os.path.join(cls.ftproot, "up"))
        cls.anon = anon_user()
        if cls.anon is not None and os.geteuid() == 0:
            os.chown(os.path.join(cls.ftproot, "up"), cls.anon.pw_uid,
                     cls.anon.pw_gid)
        else:
            os.chmod(os.path.join(cls.ftproot, "up"), 0o777)
        # plugin folders, searched in this order
        cls.open_dir = os.path.join(d, "open")      # anyone may write
        cls.good_dir = os.path.join(d, "good")
        for p in (cls.open_dir, cls.good_dir):
            os.mkdir(p)
        shutil.copy(os.path.join(TP, "ctor.so"), cls.open_dir)
        os.chmod(cls.open_dir, 0o777)
        shutil.copy(os.path.join(TP, "ctor_nodesc.so"),
                    os.path.join(cls.good_dir, "nodesc.so"))
        shutil.copy(os.path.join(TP, "ctor_func.so"),
                    os.path.join(cls.good_dir, "func.so"))
        shutil.copy(os.path.join(TP, "ctor_badabi.so"),
                    os.path.join(cls.good_dir, "badabi.so"))
        os.symlink(os.path.join(TP, "ctor.so"),
                   os.path.join(cls.good_dir, "link.so"))
        os.mkfifo(os.path.join(cls.good_dir, "fifo.so"))
        cls.d.extra = (
            "[inet_http_server]\nport=127.0.0.1:%d\n"
            "[plugin:monitor]\nsocket=%%(here)s/mon.sock\n"
            "[plugin:ftp]\nport=127.0.0.1:%d\nanonymous=true\n"
            "anon_root=%s\nanon_write=true\n"
            "[http_server:pub]\nlisten=127.0.0.1:%d\nroot=%s\n"
            "[program:elf]\ncommand=/bin/cat %s\nstartsecs=0\n"
            "autorestart=false\nstdout_logfile=%s\n"
            % (cls.http, cls.ftp_port, cls.ftproot, sthtest.free_port(),
               cls.ftproot, os.path.join(TP, "ctor.so"), cls.childlog))
        cls.d.write_config()
        env = {"TP_MARKER": cls.marker,
               "STHENO_PLUGIN_PATH": ":".join(
                   (cls.open_dir, cls.good_dir, sthtest.PLUGIN_PATH))}
        cls.d.start_or_cleanup(env=env, log=r"exited: elf \(exit status 0")
        cls.rpc = xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % cls.http, transport=Timeout())

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_and_cleanup(timeout=20)

    def tearDown(self):
        self.assertFalse(os.path.exists(self.marker),
                         "a refused file's constructor ran as the daemon")

    # --- the two doors ---------------------------------------------------

    def load_rpc(self, what):
        """plugin.load over XML-RPC: the fault string (bounded in time)."""
        t0 = time.monotonic()
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            self.rpc.plugin.load(what)
        self.assertLess(time.monotonic() - t0, CALL_BOUND)
        return cm.exception.faultString

    def load_ctl(self, what):
        """sthenoctl plugin.load: refused (exit 1), its output."""
        r = subprocess.run([STHENOCTL, "-c", self.d.conf, "plugin.load",
                            what], capture_output=True, text=True,
                           timeout=CALL_BOUND)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        return r.stdout + r.stderr

    def refused(self, what, needle):
        """Both doors refuse what with needle, and the daemon answers
        after it; returns the XML-RPC fault string."""
        fault = self.load_rpc(what)
        self.assertIn(needle, fault)
        self.assertIn(needle, self.load_ctl(what))
        self.assertEqual(self.rpc.supervisor.getState()["statename"],
                         "RUNNING")
        names = [p["name"] for p in self.rpc.plugin.list()]
        self.assertNotIn("ctor", names)
        return fault

    # --- the repros --------------------------------------------------------

    def test_a_childs_log_file_holding_an_elf_with_a_constructor(self):
        with open(self.childlog, "rb") as f:
            self.assertEqual(f.read(4), b"\x7fELF")
        self.refused(self.childlog, NOT_A_NAME)

    def test_an_anonymous_ftp_upload(self):
        f = ftplib.FTP()
        f.connect("127.0.0.1", self.ftp_port, timeout=10)
        try:
            f.login("anonymous", "x@y")
            with open(os.path.join(TP, "ctor.so"), "rb") as so:
                f.storbinary("STOR /up/ctor.so", so)
        finally:
            f.close()
        upload = os.path.join(self.ftproot, "up", "ctor.so")
        self.assertTrue(os.path.exists(upload))
        self.refused(upload, NOT_A_NAME)

    def test_a_folder_another_user_can_write(self):
        fault = self.refused("ctor", "is group- or world-writable "
                             "(mode 0777)")
        self.assertIn(self.open_dir, fault)    # a plugin folder: named

    def test_a_symbolic_link(self):
        self.refused("link", "it is a symbolic link")

    def test_a_fifo_does_not_block_the_daemon(self):
        self.refused("fifo", "is not a regular file")

    def test_no_descriptor_no_code(self):
        self.refused("nodesc", "it does not export sth_plugin_descriptor")
        self.refused("func", "sth_plugin_descriptor is not a data object")
        self.refused("badabi", "built for plugin ABI 99.")

    def test_absolute_paths_all_get_the_same_answer(self):
        """Existing or not, readable or not, ELF or not: one answer, that
        names neither the path nor anything about it."""
        paths = [self.childlog, "/etc/passwd", "/root/.bashrc",
                 "/nonexistent/x.so", os.path.join(self.good_dir, "fifo.so"),
                 os.path.join(self.good_dir, "link.so"),
                 os.path.join(sthtest.PLUGIN_PATH, "http.so"), "../ctor",
                 "ctor.so"]
        for p in paths:
            fault = self.load_rpc(p)
            self.assertIn(NOT_A_NAME, fault, p)
            self.assertEqual(fault, self.load_rpc(paths[0]), p)
            out = self.load_ctl(p)
            self.assertIn(NOT_A_NAME, out, p)
            self.assertNotIn(p, out.replace(NOT_A_NAME, ""))
        self.assertEqual(self.rpc.supervisor.getState()["statename"],
                         "RUNNING")

    def test_every_plugin_of_the_tree_loads(self):
        """The control: the build tree's plugins pass every rule, and load
        into a sthenod that exports nothing to them."""
        loaded = {p["name"] for p in self.rpc.plugin.list()}
        names = sorted(n[:-3] for n in os.listdir(sthtest.PLUGIN_PATH)
                       if n.endswith(".so"))
        self.assertGreaterEqual(len(names), 9, names)
        mine = [n for n in names if n not in loaded]
        for n in mine:
            self.assertTrue(self.rpc.plugin.load(n), n)
        states = {p["name"]: p["state"] for p in self.rpc.plugin.list()}
        for n in names:
            self.assertEqual(states.get(n), "active", n)
        for n in reversed(mine):
            self.assertTrue(self.rpc.plugin.unload(n), n)


class Boundary(unittest.TestCase):

    @unittest.skipUnless(shutil.which("nm"), "no nm")
    def test_sthenod_exports_no_symbol_to_plugins(self):
        """Linked without -export-dynamic: a plugin's own globals can never
        bind to the daemon's (plugins use the host table)."""
        out = subprocess.run(["nm", "-D", "--defined-only", sthtest.STHENOD],
                             capture_output=True, text=True, check=True,
                             timeout=30).stdout
        names = [line.split()[-1] for line in out.splitlines()
                 if line.split() and line.split()[-2] in "TDBRW"]
        for sym in ("plugin_load", "rpc_register", "sth", "xmalloc",
                    "log_msg", "hostapi_table"):
            self.assertNotIn(sym, names)


    def test_plugins_include_only_the_sdk_and_their_own_files(self):
        """Plugins compile without -I daemon; this also closes the path
        around it ("../../daemon/x.h"): a quoted include names config.h,
        a file beside the source or in plugins/common, or a header of
        lib/ (the helpers every plugin links a copy of)."""
        top = os.path.normpath(os.path.join(sthtest.SRCDIR, "plugins"))
        lib = os.path.normpath(os.path.join(sthtest.SRCDIR, "lib"))
        bad = []
        for dirpath, _, files in os.walk(top):
            for n in files:
                if not n.endswith((".c", ".h")):
                    continue
                src = os.path.join(dirpath, n)
                with open(src, errors="replace") as f:
                    for line in f:
                        m = re.match(r'\s*#\s*include\s*"([^"]+)"', line)
                        if m is None or m.group(1) == "config.h":
                            continue
                        if "/" not in m.group(1) and os.path.exists(
                                os.path.join(lib, m.group(1))):
                            continue
                        target = os.path.normpath(
                            os.path.join(dirpath, m.group(1)))
                        if not os.path.exists(target) or \
                                not target.startswith(top + os.sep):
                            bad.append("%s: %s" % (src, line.strip()))
        self.assertEqual(bad, [])


if __name__ == "__main__":
    unittest.main()
