#!/usr/bin/python3
"""test_plugin_config.py — the config file and the loaded plugins agree.

A section brings what it needs; `plugin.reload NAME` applies the options
of its section as the file says now (a bad value keeps the old version and
names the key); supervisorctl's reread and update report and apply added,
changed and removed [plugin:x] and [http_server:x] sections beside the
process groups, and the first [eventlistener:x] added by update brings the
eventlistener plugin.  Driven with Debian's supervisorctl, sthenoctl and
urllib.  See docs/plugin-guide.md, "Config and plugins".

Needs monitor.so, sthenoctl and the http plugins built."""

import json
import os
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", "")
STHENOCTL = os.path.join(BUILDDIR, "plugins", "monitor", "sthenoctl")

LISTENER = r'''
import sys
from supervisor import childutils
rec = sys.argv[1]
while True:
    childutils.listener.ready(sys.stdout)
    headers = childutils.get_headers(sys.stdin.readline())
    payload = sys.stdin.read(int(headers["len"]))
    with open(rec, "a") as f:
        f.write(headers["eventname"] + "\n")
    childutils.listener.ok(sys.stdout)
'''


def have_plugins(*names):
    path = sthtest.PLUGIN_PATH
    return bool(path) and all(
        os.path.exists(os.path.join(path, n + ".so")) for n in names)


@unittest.skipUnless(have_plugins("monitor", "http", "xmlrpc", "files",
                                  "status", "eventlistener") and
                     os.access(STHENOCTL, os.X_OK), "plugins not built")
class PluginConfig(unittest.TestCase):

    def setUp(self):
        self.d = sthtest.Sthenod()
        self.addCleanup(self.d.cleanup)
        self.pub = free_port()
        for name, text in (("a", "from a\n"), ("b", "from b\n")):
            os.mkdir(os.path.join(self.d.dir, name))
            with open(os.path.join(self.d.dir, name, "x.txt"), "w") as f:
                f.write(text)
        self.sections = {}

    def write(self, control=True, **sections):
        """The config: [supervisord], the monitor, the control server
        (unless control is false) and the given sections (name -> body;
        None drops one)."""
        self.sections.update(sections)
        text = "[plugin:monitor]\nsocket=%(here)s/mon.sock\n"
        if control:
            text += ("[unix_http_server]\nfile=%(here)s/ctl.sock\n"
                     "[supervisorctl]\n"
                     "serverurl=unix://%(here)s/ctl.sock\n")
        for name, body in self.sections.items():
            if body is not None:
                text += "[%s]\n%s\n" % (name, body)
        self.d.extra = text
        self.d.write_config()

    def ctl(self, *args):
        return subprocess.run([STHENOCTL, "-c", self.d.conf] + list(args),
                              capture_output=True, text=True, timeout=30)

    def supervisorctl(self, *args):
        r = subprocess.run(["supervisorctl", "-c", self.d.conf] +
                           list(args), capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def active(self):
        r = self.ctl("-j", "plugin.list")
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(p["name"] for p in json.loads(r.stdout)[3]
                      if p["state"] == "active")

    def get(self, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" %
                                        (self.pub, path), timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    def files_section(self, root):
        return "listen=127.0.0.1:%d\nroot=%%(here)s/%s" % (self.pub, root)

    def test_a_section_brings_the_plugin_it_requires(self):
        # [plugin:status] requires http, which nothing else asks for
        self.write(control=False, **{"plugin:status": ""})
        self.d.start()
        self.assertIn("http", self.active())
        self.assertIn("status", self.active())
        self.assertRegex(self.d.read_log(), r"section \[plugin:status\] "
                         r"needs plugin 'http' for 'status': loading it")

    def test_reload_applies_the_section_as_the_file_says_now(self):
        self.write(**{"http_server:pub": self.files_section("a"),
                      "plugin:files": ""})
        self.d.start()
        self.assertEqual(self.get("/x.txt"), (200, "from a\n"))
        self.write(**{"http_server:pub": self.files_section("b")})
        r = self.ctl("plugin.reload", "files")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.get("/x.txt"), (200, "from b\n"))
        # a bad value: the old version keeps serving, the key is named
        self.write(**{"plugin:http": "max_body=lots"})
        r = self.ctl("plugin.reload", "http")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("max_body", r.stdout + r.stderr)
        self.assertIn("keeps serving", r.stdout + r.stderr)
        self.assertEqual(self.get("/x.txt"), (200, "from b\n"))
        self.assertRegex(self.supervisorctl("pid"), r"^\d+\n$")

    def test_reread_and_update_apply_plugin_sections(self):
        self.write(**{"http_server:pub": self.files_section("a"),
                      "plugin:files": ""})
        self.d.start()
        self.assertEqual(self.supervisorctl("reread").strip(),
                         "No config updates to processes")
        # added
        self.write(**{"plugin:status": "server=pub"})
        self.assertEqual(self.supervisorctl("reread").strip(),
                         "plugin:status: available")
        self.assertNotIn("status", self.active())
        self.assertIn("plugin:status: added process group",
                      self.supervisorctl("update"))
        self.assertIn("status", self.active())
        self.assertEqual(self.get("/status")[0], 200)
        # changed
        self.write(**{"http_server:pub": self.files_section("b")})
        self.assertEqual(self.supervisorctl("reread").strip(),
                         "http_server:pub: changed")
        self.assertIn("http_server:pub: updated process group",
                      self.supervisorctl("update"))
        self.assertEqual(self.get("/x.txt"), (200, "from b\n"))
        # removed
        self.write(**{"plugin:status": None})
        self.assertEqual(self.supervisorctl("reread").strip(),
                         "plugin:status: disappeared")
        self.assertIn("plugin:status: removed process group",
                      self.supervisorctl("update"))
        self.assertTrue(sthtest.wait_for(
            lambda: "status" not in self.active(), 10))
        self.assertEqual(self.get("/status")[0], 404)
        self.assertEqual(self.supervisorctl("reread").strip(),
                         "No config updates to processes")
        self.assertEqual(self.d.stop(timeout=20), 0, self.d.stderr_text())

    def test_update_adding_the_first_listener_loads_its_plugin(self):
        self.write(**{"program:p": "command=/bin/sleep 600\n"
                      "autostart=false"})
        self.d.start()
        self.assertNotIn("eventlistener", self.active())
        with open(os.path.join(self.d.dir, "listener.py"), "w") as f:
            f.write(LISTENER)
        rec = os.path.join(self.d.dir, "events.txt")
        self.write(**{"eventlistener:ears": "command=%s %%(here)s/"
                      "listener.py %s\nevents=PROCESS_STATE" %
                      (sys.executable, rec)})
        self.assertIn("ears: added process group",
                      self.supervisorctl("update"))
        self.assertIn("eventlistener", self.active())
        self.assertTrue(self.d.wait_log(r"success: ears entered RUNNING",
                                        timeout=15))
        self.supervisorctl("start", "p")
        self.assertTrue(sthtest.wait_for(
            lambda: "PROCESS_STATE_RUNNING" in sthtest.read_text(rec), 15),
            self.d.read_log())


@unittest.skipUnless(have_plugins("http", "xmlrpc"), "plugins not built")
class BadValues(unittest.TestCase):
    """A bad value in a plugin's section stops sthenod with the core's
    words: the value, the key, the section it came from (a server's own,
    or [plugin:http] for a key the server does not set), file and line."""

    def refused(self, sections, section, key, message):
        d = sthtest.Sthenod()
        self.addCleanup(d.cleanup)
        d.extra = sections.replace("@PORT@", str(free_port()))
        d.write_config()
        d.start(wait=False)
        self.assertEqual(d.wait_exit(10), 2, d.describe())
        with open(d.conf) as f:
            lines = f.read().split("\n")
        head = lines.index("[%s]" % section)
        line = next(i for i in range(head, len(lines))
                    if lines[i].startswith(key + "=")) + 1
        want = "%s for '%s' in section '%s' (file: '%s', line %d)" % (
            message, key, section, d.conf, line)
        self.assertIn(want, d.read_log() + d.stderr_text())

    def test_a_server_limit(self):
        self.refused("[http_server:www]\nlisten=127.0.0.1:@PORT@\n"
                     "max_body=0\n", "http_server:www", "max_body",
                     "0 is below lower bound (1)")

    def test_a_default_from_plugin_http_names_that_section(self):
        self.refused("[plugin:http]\nidle_timeout=soon\n"
                     "[http_server:www]\nlisten=127.0.0.1:@PORT@\n",
                     "plugin:http", "idle_timeout",
                     "invalid literal for int() with base 10: 'soon'")

    def test_a_named_server_flag(self):
        self.refused("[http_server:www]\nlisten=127.0.0.1:@PORT@\n"
                     "control=maybe\n", "http_server:www", "control",
                     "not a valid boolean value: 'maybe'")

    def test_a_socket_mode(self):
        self.refused("[unix_http_server]\nfile=%(here)s/s.sock\n"
                     "chmod=999\n", "unix_http_server", "chmod",
                     "999 can not be converted to an octal type")

    def test_an_auth_penalty(self):
        self.refused("[inet_http_server]\nport=127.0.0.1:@PORT@\n"
                     "auth_penalty=-1\n", "inet_http_server",
                     "auth_penalty", "-1 is below lower bound (0)")

    def test_xmlrpc_limits(self):
        self.refused("[inet_http_server]\nport=127.0.0.1:@PORT@\n"
                     "[plugin:xmlrpc]\nmax_depth=2\n", "plugin:xmlrpc",
                     "max_depth", "2 is below lower bound (4)")
        self.refused("[inet_http_server]\nport=127.0.0.1:@PORT@\n"
                     "[plugin:xmlrpc]\nmax_body=2GB\n", "plugin:xmlrpc",
                     "max_body",
                     "2147483648 is above upper bound (1073741824)")


    @unittest.skipUnless(have_plugins("files"), "files not built")
    def test_a_files_setting(self):
        self.refused("[http_server:www]\nlisten=127.0.0.1:@PORT@\n"
                     "root=%(here)s\n[plugin:files]\ncache_valid=0\n",
                     "plugin:files", "cache_valid",
                     "0 is below lower bound (1)")

    @unittest.skipUnless(have_plugins("monitor"), "monitor not built")
    def test_a_monitor_setting(self):
        self.refused("[plugin:monitor]\nsocket=%(here)s/m.sock\n"
                     "socket_mode=9\n", "plugin:monitor", "socket_mode",
                     "9 can not be converted to an octal type")

    @unittest.skipUnless(have_plugins("tls"), "tls not built")
    def test_a_tls_setting(self):
        self.refused("[tls:main]\nsession_tickets=maybe\n", "tls:main",
                     "session_tickets", "not a valid boolean value: 'maybe'")

if __name__ == "__main__":
    unittest.main()
