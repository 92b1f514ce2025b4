#!/usr/bin/python3
"""/metrics under [plugin:metrics] exporter_names: the metric names of
node_exporter's supervisord collector (node_supervisord_*) and of the
supervisord exporters (supervisord_up, supervisor_process_info,
supervisor_process_uptime), so dashboards and alerts written for them
work unchanged (plugins/http/README.md has the mapping).  Without the
option none of them is served; an unknown name fails the plugin's load.

Needs the http and metrics plugins built (STHENO_PLUGIN_PATH)."""

import os
import re
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402

PROGRAMS = """
[program:runner]
command=/bin/sleep 600
startsecs=0
[program:quitter]
command=/bin/sh -c 'exit 3'
autorestart=false
startsecs=0
[group:grp]
programs=runner
"""


def sample(text, metric, **labels):
    """The value of metric{labels} (labels in any order), or None."""
    for line in text.splitlines():
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != metric:
            continue
        got = dict(re.findall(r'([a-z_]+)="([^"]*)"', m.group(2) or ""))
        if got == labels:
            return float(m.group(3))
    return None


class MetricsCompat(unittest.TestCase):

    def start(self, option):
        port = sthtest.free_port()
        d = sthtest.Sthenod(extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                            "[plugin:metrics]\n%s\n%s" % (port, option,
                                                         PROGRAMS))
        self.addCleanup(d.cleanup)
        d.start()
        return d, "http://127.0.0.1:%d/metrics" % port

    def scrape(self, url):
        with urllib.request.urlopen(url, timeout=30) as r:
            self.assertEqual(r.status, 200)
            return r.read().decode()

    def test_both_styles(self):
        d, url = self.start("exporter_names = node_exporter, "
                            "supervisor_exporter")
        self.assertTrue(d.wait_log(r"success: runner entered RUNNING"),
                        d.describe())
        self.assertTrue(d.wait_log(r"exited: quitter \(exit status 3"),
                        d.describe())
        t0 = time.time()
        text = self.scrape(url)
        run = dict(name="runner", group="grp")
        quit_ = dict(name="quitter", group="quitter")
        # node_exporter's supervisord collector
        self.assertEqual(sample(text, "node_supervisord_up", **run), 1)
        self.assertEqual(sample(text, "node_supervisord_up", **quit_), 0)
        self.assertEqual(sample(text, "node_supervisord_state", **run), 20)
        self.assertEqual(sample(text, "node_supervisord_state", **quit_),
                         100)
        self.assertEqual(sample(text, "node_supervisord_exit_status",
                                **quit_), 3)
        start = sample(text, "node_supervisord_start_time_seconds", **run)
        self.assertTrue(start and t0 - 60 < start <= t0 + 1, start)
        # only running processes have a start time there
        self.assertIsNone(sample(text, "node_supervisord_start_time_seconds",
                                 **quit_))
        self.assertIn("# TYPE node_supervisord_start_time_seconds counter",
                      text)
        # the supervisord exporters
        self.assertEqual(sample(text, "supervisord_up"), 1)
        self.assertEqual(sample(text, "supervisor_process_info", state=
                                "RUNNING", exit_status="0", **run), 1)
        self.assertEqual(sample(text, "supervisor_process_info", state=
                                "EXITED", exit_status="3", **quit_), 0)
        up = sample(text, "supervisor_process_uptime", **run)
        self.assertTrue(up is not None and 0 <= up < 120, up)
        self.assertIsNone(sample(text, "supervisor_process_uptime", **quit_))
        # the native families are still there
        self.assertEqual(sample(text, "stheno_process_state_code", **run),
                         20)

    def test_off_by_default(self):
        d, url = self.start("")
        text = self.scrape(url)
        self.assertIn("stheno_process_state_code", text)
        for name in ("node_supervisord_up", "supervisord_up",
                     "supervisor_process_info"):
            self.assertNotIn(name, text)

    def test_unknown_name_is_refused(self):
        port = sthtest.free_port()
        d = sthtest.Sthenod(extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                            "[plugin:metrics]\nexporter_names = "
                            "node_exporter, bogus\n" % port)
        self.addCleanup(d.cleanup)
        d.start(wait=False)
        self.assertNotEqual(d.wait_exit(), 0)
        self.assertIn("exporter_names", d.describe())
        self.assertIn("bogus", d.describe())


if __name__ == "__main__":
    unittest.main()
