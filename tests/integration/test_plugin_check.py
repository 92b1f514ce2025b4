#!/usr/bin/env python3
"""stheno-plugin-check: the descriptor and the loader's verdict, read from
the file without running any of it (docs/plugin-guide.md, "Check a plugin
before you load it").

Each refusal is compared with what a real sthenod says when asked to load
the same file, so the checker and the loader cannot drift apart; the
constructor of tests/plugins/ctor.c, which creates $TP_MARKER when the file
is mapped, proves the checker never maps it."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", "")
CHECK = os.path.join(BUILDDIR, "sdk", "stheno-plugin-check")
TP = os.path.join(BUILDDIR, "tests", "plugins", ".libs")
PLUGINS = sthtest.PLUGIN_PATH.split(":")[0]


class PluginCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sth-check-")
        os.chmod(cls.dir, 0o755)
        cls.marker = os.path.join(cls.dir, "ctor-ran")
        for src, dst in (("ctor.so", "ctor.so"),
                         ("ctor_badabi.so", "badabi.so"),
                         ("ctor_nodesc.so", "nodesc.so"),
                         ("ctor_func.so", "func.so"),
                         ("tp_sysv.so", "tp_sysv.so")):
            shutil.copy(os.path.join(TP, src), os.path.join(cls.dir, dst))
        shutil.copy(os.path.join(PLUGINS, "xmlrpc.so"), cls.dir)
        with open(os.path.join(cls.dir, "text.so"), "w") as f:
            f.write("not a plugin\n")
        for n in os.listdir(cls.dir):
            os.chmod(os.path.join(cls.dir, n), 0o755)
        shutil.copy(os.path.join(TP, "ctor.so"),
                    os.path.join(cls.dir, "open.so"))
        os.chmod(os.path.join(cls.dir, "open.so"), 0o775)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def check(self, name, *opts):
        env = dict(os.environ, TP_MARKER=self.marker)
        r = subprocess.run([CHECK] + list(opts) +
                           [os.path.join(self.dir, name)],
                           capture_output=True, text=True, timeout=10,
                           env=env)
        self.assertFalse(os.path.exists(self.marker),
                         "the checker ran the plugin's constructor")
        fields = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition(":")
            fields.setdefault(k, []).append(v.strip())
        return r.returncode, fields, r.stdout

    def test_a_plugin_it_would_load(self):
        rc, f, out = self.check("xmlrpc.so")
        self.assertEqual(rc, 0, out)
        self.assertEqual(f["name"], ["xmlrpc"], out)
        self.assertEqual(f["version"], ["0.1.0"], out)
        self.assertIn("JSON-RPC", f["description"][0], out)
        self.assertRegex(f["abi"][0], r"^1\.\d+ \(this sthenod: 1\.\d+\)$")
        self.assertEqual(len(f["requires"]), 1, out)
        self.assertTrue(f["requires"][0].startswith("http ("), out)
        self.assertIn("would load it", f["verdict"][0], out)

    def test_the_constructor_never_runs(self):
        rc, f, out = self.check("ctor.so")
        self.assertEqual(rc, 0, out)
        self.assertEqual(f["name"], ["ctor"], out)
        self.assertEqual(f["requires"], ["(nothing)"], out)

    def test_a_sysv_hash_table(self):
        rc, f, out = self.check("tp_sysv.so")
        self.assertEqual(rc, 0, out)
        self.assertEqual(f["name"], ["tp"], out)
        self.assertIn("loaded by name it must be tp.so", out)

    def test_refusals_are_the_loaders(self):
        """Each refusal names the check the loader would fail, in its
        words: a real sthenod asked to load the same file agrees."""
        cases = {
            "badabi": "it was built for plugin ABI 99.",
            "nodesc": "it does not export sth_plugin_descriptor",
            "func": "its sth_plugin_descriptor is not a data object",
            "text": "is not a plugin: not an ELF shared object",
            "open": "it is group- or world-writable (mode 0775)",
        }
        said = {}
        for name, why in cases.items():
            rc, f, out = self.check(name + ".so")
            self.assertEqual(rc, 1, out)
            self.assertIn("would refuse it: ", f["verdict"][0], out)
            said[name] = out.split("would refuse it: ", 1)[1].strip()
            self.assertIn(why, said[name])
        port = sthtest.free_port()
        d = sthtest.Sthenod(extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                            % port)
        self.addCleanup(d.cleanup)
        d.start(args=("-n", "--plugin-dir", self.dir),
                env={"TP_MARKER": self.marker})
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        for name in cases:
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                s.plugin.load(name)
            self.assertIn(said[name], cm.exception.faultString)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(self.marker))

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_as_sthenods_user(self):
        """-u USER judges ownership as a sthenod running as USER would."""
        mine = os.path.join(self.dir, "mine.so")
        shutil.copy(os.path.join(TP, "ctor.so"), mine)
        os.chmod(mine, 0o755)
        os.chown(mine, 65534, 65534)
        self.addCleanup(os.unlink, mine)
        rc, f, out = self.check("mine.so", "-u", "65534")
        self.assertEqual(rc, 0, out)
        rc, f, out = self.check("mine.so", "-u", "0")
        self.assertEqual(rc, 1, out)
        self.assertIn("it is owned by uid 65534, neither root nor sthenod's "
                      "user", out)

    def test_usage(self):
        r = subprocess.run([CHECK], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: stheno-plugin-check", r.stderr)


if __name__ == "__main__":
    unittest.main()
