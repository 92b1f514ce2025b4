#!/usr/bin/env python3
"""The plugin path: folders named with --plugin-dir and STHENO_PLUGIN_PATH
add to each other (and to the installed plugindir, searched last); none
replaces another (docs/plugin-guide.md, "Load it").

A daemon started with --plugin-dir naming a folder of the user's own plugins
and the build tree's plugins in STHENO_PLUGIN_PATH must load both: the
[inet_http_server] section's http and xmlrpc from the second, the user's
[plugin:x] from the first."""
import os
import shutil
import tempfile
import unittest
import xmlrpc.client

import sthtest


class PluginPath(unittest.TestCase):
    def test_plugin_dir_adds_to_the_path(self):
        mine = tempfile.mkdtemp(prefix="sth-mine-")
        self.addCleanup(shutil.rmtree, mine, True)
        os.chmod(mine, 0o755)
        # a plugin of the user's own, in a folder of its own: an ordinary
        # plugin of the build tree under another folder is enough
        src = os.path.join(sthtest.PLUGIN_PATH.split(":")[0], "monitor.so")
        shutil.copy(src, os.path.join(mine, "monitor.so"))
        os.chmod(os.path.join(mine, "monitor.so"), 0o755)
        port = sthtest.free_port()
        d = sthtest.Sthenod(
            extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                  "[plugin:monitor]\nsocket=%%(here)s/mon.sock\n" % port)
        self.addCleanup(d.cleanup)
        d.start(args=("-n", "--plugin-dir", mine))
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        got = {p["name"]: p for p in s.plugin.list()}
        self.assertIn("xmlrpc", got, d.describe())
        self.assertIn("monitor", got, d.describe())
        self.assertNotIn("is not installed", d.read_log())
        self.assertRegex(d.read_log(), r"plugin 'monitor' \S+ loaded from "
                         + mine)
        self.assertEqual(d.stop(), 0)

    def test_plugin_dir_is_searched_first(self):
        """A plugin in --plugin-dir shadows one of the same name further
        down the path: the user's own build wins over the installed one."""
        mine = tempfile.mkdtemp(prefix="sth-mine-")
        self.addCleanup(shutil.rmtree, mine, True)
        os.chmod(mine, 0o755)
        src = os.path.join(sthtest.PLUGIN_PATH.split(":")[0], "xmlrpc.so")
        shutil.copy(src, os.path.join(mine, "xmlrpc.so"))
        os.chmod(os.path.join(mine, "xmlrpc.so"), 0o755)
        port = sthtest.free_port()
        d = sthtest.Sthenod(
            extra="[inet_http_server]\nport=127.0.0.1:%d\n" % port)
        self.addCleanup(d.cleanup)
        d.start(args=("-n", "--plugin-dir", mine))
        self.assertTrue(d.wait_log(r"plugin 'xmlrpc' \S+ loaded from "
                                   + mine), d.describe())
        self.assertTrue(d.wait_log(r"plugin 'http' \S+ loaded from "
                                   + sthtest.PLUGIN_PATH.split(":")[0]),
                        d.describe())
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
