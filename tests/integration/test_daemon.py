#!/usr/bin/python3
"""sthenod itself as a black box: the command line and its errors, the main
log's format and wording, the pidfile, daemonizing, signals (TERM, INT,
QUIT, HUP, USR2), log rotation, /dev/stdout, the stdout copy.  Wording is
compared with Debian's supervisord where both should say the same."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import LOG_LINE, Sthenod, pid_alive, run_sthenod, wait_for  # noqa: E402

SUPERVISORD = "/usr/bin/supervisord"
IS_ROOT = os.getuid() == 0


class DaemonTest(unittest.TestCase):
    def setUp(self):
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.cleanup()

    def sthenod(self, extra="", **opts):
        d = Sthenod(extra, **opts)
        self.daemons.append(d)
        return d

    def assertLogHas(self, d, pattern, path=None, count=1, timeout=10):
        m = d.wait_log(pattern, path=path, count=count, timeout=timeout)
        if not m:
            self.fail("no /%s/ (x%d) in %s:\n%s" % (
                pattern, count, path or d.log, d.describe()))
        return m

    def assertWellFormed(self, text):
        lines = text.splitlines()
        self.assertTrue(lines, "empty log")
        for line in lines:
            self.assertRegex(line, LOG_LINE)


class LogAndPidfile(DaemonTest):
    def test_started_line_format_and_pidfile(self):
        d = self.sthenod()
        d.start()
        m = self.assertLogHas(d, r"^(\S+ \S+) INFO supervisord started "
                              r"with pid (\d+)$")
        self.assertEqual(int(m.group(2)), d.proc.pid)
        # pidfile: "<pid>\n", exactly
        with open(d.pidfile) as f:
            self.assertEqual(f.read(), "%d\n" % d.proc.pid)
        if IS_ROOT:
            self.assertIn(
                " CRIT Supervisor is running as root.  Privileges were not "
                "dropped because no user is specified in the config file.  "
                "If you intend to run as root, you can set user=root in the "
                "config file to avoid this message.\n", d.read_log())
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(d.pidfile), "pidfile left behind")
        text = d.read_log()
        self.assertWellFormed(text)
        self.assertRegex(text, r"\n\S+ \S+ WARN received SIGTERM "
                         r"indicating exit request\n$")

    def test_sigint_and_sigquit_exit_zero_with_their_names(self):
        for sig, name in ((signal.SIGINT, "SIGINT"),
                          (signal.SIGQUIT, "SIGQUIT")):
            with self.subTest(sig=name):
                d = self.sthenod()
                d.start()
                self.assertEqual(d.stop(sig), 0, d.describe())
                self.assertIn(" WARN received %s indicating exit request\n"
                              % name, d.read_log())
                self.assertFalse(os.path.exists(d.pidfile))

    def test_relative_logfile_and_pidfile_are_made_absolute(self):
        d = self.sthenod(logfile="rel.log", pidfile="rel.pid")
        log = os.path.join(d.dir, "rel.log")
        d.start(log=log)    # cwd is d.dir
        self.assertLogHas(d, r"supervisord started with pid", path=log)
        self.assertTrue(os.path.exists(os.path.join(d.dir, "rel.pid")))
        self.assertEqual(d.stop(), 0)

    def test_loglevel_debug_shows_sigchld(self):
        d = self.sthenod(loglevel="debug")
        d.start()
        d.send_signal(signal.SIGCHLD)
        self.assertLogHas(d, r" DEBG received SIGCHLD indicating a child "
                          r"quit$")
        self.assertEqual(d.stop(), 0)

    def test_loglevel_warn_hides_info(self):
        d = self.sthenod(loglevel="warn")
        d.start(wait=False)
        self.assertTrue(wait_for(lambda: d.read_pid(), 5), d.describe())
        d.send_signal(signal.SIGUSR2)
        time.sleep(0.3)
        self.assertEqual(d.stop(), 0)
        text = d.read_log()
        self.assertNotIn(" INFO ", text)
        self.assertIn(" WARN received SIGTERM indicating exit request",
                      text)


class Daemonize(DaemonTest):
    def test_parent_exits_zero_and_daemon_runs(self):
        workdir = tempfile.mkdtemp(prefix="sth-cwd-")
        self.addCleanup(shutil.rmtree, workdir, True)
        d = self.sthenod(directory=workdir, umask="027")
        t0 = time.monotonic()
        pid = d.start_daemon()
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue(pid_alive(pid))
        self.assertLogHas(d, r"INFO daemonizing the supervisord process")
        self.assertLogHas(d, r"INFO set current directory: '%s'" %
                          re.escape(workdir))
        self.assertEqual(os.readlink("/proc/%d/cwd" % pid), workdir)
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
        self.assertRegex(status, r"Umask:\s+0027")
        # setsid(): its own session, and no terminal fds
        self.assertEqual(os.getsid(pid), pid)
        for fd in (0, 1, 2):
            self.assertEqual(os.readlink("/proc/%d/fd/%d" % (pid, fd)),
                             "/dev/null")
        d.stop()
        self.assertFalse(os.path.exists(d.pidfile), "pidfile left behind")
        self.assertLogHas(d, r"WARN received SIGTERM indicating exit "
                          r"request")

    def test_sighup_after_chdir_rereads_a_relative_config(self):
        workdir = tempfile.mkdtemp(prefix="sth-cwd-")
        self.addCleanup(shutil.rmtree, workdir, True)
        d = self.sthenod(directory=workdir)
        # -c stheno.conf, relative to d.dir (the cwd sthtest starts in)
        d.conf_arg = os.path.basename(d.conf)
        d.start(wait=False, args=())
        self.assertEqual(d.wait_exit(), 0)
        pid = wait_for(d.read_pid, 10)
        self.assertTrue(pid)
        d.daemon_pid = pid
        d.proc = None
        d.send_signal(signal.SIGHUP)
        self.assertLogHas(d, r"supervisord started with pid %d" % pid,
                          count=2)
        self.assertTrue(pid_alive(pid))
        d.stop()

    def test_nodaemon_in_config_stays_in_front(self):
        d = self.sthenod(nodaemon="true")
        d.start(args=())
        self.assertEqual(d.proc.poll(), None)
        self.assertEqual(d.read_pid(), d.proc.pid)
        self.assertEqual(d.stop(), 0)


class Signals(DaemonTest):
    def test_sighup_rereads_the_config_in_the_same_pid(self):
        d = self.sthenod()
        d.start()
        newlog = os.path.join(d.dir, "after-hup.log")
        d.opts["logfile"] = newlog
        d.opts["loglevel"] = "debug"
        d.write_config()
        d.send_signal(signal.SIGHUP)
        self.assertLogHas(d, r"WARN received SIGHUP indicating restart "
                          r"request$")
        m = self.assertLogHas(d, r"INFO supervisord started with pid (\d+)",
                              path=newlog)
        self.assertEqual(int(m.group(1)), d.proc.pid)
        # the new loglevel is in force
        d.send_signal(signal.SIGCHLD)
        self.assertLogHas(d, r"DEBG received SIGCHLD", path=newlog)
        self.assertEqual(d.proc.poll(), None)
        self.assertEqual(d.stop(), 0)

    def test_broken_config_on_sighup_exits_2(self):
        d = self.sthenod()
        d.start()
        d.write_config("[supervisord]\nlogfile=%s\nloglevel=nonsense\n" %
                       d.log)
        d.send_signal(signal.SIGHUP)
        rc = d.wait_exit()
        self.assertEqual(rc, 2, d.describe())
        err = d.stderr_text()
        self.assertIn("Error: ", err)
        self.assertIn("nonsense", err)
        self.assertFalse(os.path.exists(d.pidfile))

    def test_sigusr2_reopens_after_external_rotation(self):
        d = self.sthenod()
        d.start()
        moved = d.log + ".moved"
        os.rename(d.log, moved)
        d.send_signal(signal.SIGUSR2)
        # the old (moved) file still gets the lines about the request
        self.assertLogHas(d, r"INFO received SIGUSR2 indicating log reopen "
                          r"request$", path=moved)
        self.assertLogHas(d, r"INFO supervisord logreopen$", path=moved)
        self.assertTrue(wait_for(lambda: os.path.exists(d.log), 5))
        self.assertEqual(d.stop(), 0)
        new = d.read_log()
        self.assertIn("received SIGTERM indicating exit request", new)
        self.assertNotIn("received SIGTERM", d.read_log(moved))
        self.assertWellFormed(new)

    def test_sigpipe_is_ignored(self):
        d = self.sthenod()
        d.start()
        d.send_signal(signal.SIGPIPE)
        time.sleep(0.3)
        self.assertIsNone(d.proc.poll(), "SIGPIPE killed sthenod")
        self.assertEqual(d.stop(), 0)


class Rotation(DaemonTest):
    def test_small_maxbytes_keeps_backups(self):
        d = self.sthenod(logfile_maxbytes="600", logfile_backups="2")
        d.start()
        # each SIGUSR2 writes two lines (about 130 bytes): 3 rotations
        for _ in range(18):
            d.send_signal(signal.SIGUSR2)
            time.sleep(0.05)
        self.assertEqual(d.stop(), 0)
        for n in (1, 2):
            size = os.path.getsize("%s.%d" % (d.log, n))
            self.assertGreaterEqual(size, 600)
            self.assertLess(size, 600 + 120, "exceeds by more than a line")
            self.assertWellFormed(d.read_log("%s.%d" % (d.log, n)))
        self.assertFalse(os.path.exists(d.log + ".3"))
        self.assertLess(os.path.getsize(d.log), 600)

    def test_overflow_burst_rotates_per_line(self):
        # a listener that takes one event and never answers, a writer that
        # floods: an overflow line per event discarded, tens of thousands a
        # second, which the daemon writes together; the log still rotates
        # after the line that reaches logfile_maxbytes, never mid-line, and
        # no line is lost between the files (the flood waits for start()
        # to see the started line)
        d = self.sthenod("""
[eventlistener:stuck]
command=/bin/sh -c "echo READY; exec sleep 600"
events=PROCESS_LOG_STDOUT
buffer_size=2
startsecs=0
stdout_logfile=NONE
[program:flood]
command=/bin/sh -c "sleep 2; exec yes"
stdout_events_enabled=true
stdout_logfile=NONE
startsecs=0
""", logfile_maxbytes="3000", logfile_backups="3")
        d.start()
        self.assertTrue(wait_for(lambda: os.path.exists(d.log + ".3"),
                                 timeout=20), d.describe())
        self.assertEqual(d.stop(), 0)
        serials = []
        for n in (3, 2, 1):
            path = "%s.%d" % (d.log, n)
            size = os.path.getsize(path)
            self.assertGreaterEqual(size, 3000)
            self.assertLess(size, 3000 + 120, "exceeds by more than a line")
            text = d.read_log(path)
            self.assertWellFormed(text)
            serials += [int(x) for x in re.findall(
                r" ERRO pool stuck event buffer overflowed, discarding "
                r"event (\d+)\n", text)]
        self.assertGreater(len(serials), 60)
        self.assertEqual(serials, list(range(serials[0],
                                             serials[0] + len(serials))))

    def test_backups_zero_truncates(self):
        d = self.sthenod(logfile_maxbytes="400", logfile_backups="0")
        d.start()
        for _ in range(12):
            d.send_signal(signal.SIGUSR2)
            time.sleep(0.05)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(d.log + ".1"))
        self.assertLess(os.path.getsize(d.log), 400)


class Stdout(DaemonTest):
    def test_dev_stdout_with_maxbytes_zero(self):
        d = self.sthenod(logfile="/dev/stdout", logfile_maxbytes="0")
        d.start(wait=False, stdout=subprocess.PIPE)
        # the log is a pipe read at the end: the pidfile says when its
        # signal handlers are in place (a slow ASan start takes a while)
        self.assertTrue(sthtest.wait_for(d.read_pid, 10), d.describe())
        self.assertEqual(d.stop(), 0, d.describe())
        out = d.proc.stdout.read().decode()
        self.assertWellFormed(out)
        # one copy of each line: the log is stdout already
        self.assertEqual(len(re.findall(r"supervisord started with pid",
                                        out)), 1, out)
        self.assertIn("received SIGTERM indicating exit request", out)

    def test_dev_stdout_needs_maxbytes_zero(self):
        d = self.sthenod(logfile="/dev/stdout")
        d.start(wait=False)
        self.assertEqual(d.wait_exit(), 2)
        err = d.stderr_text()
        self.assertIn("Error: logfile=/dev/stdout cannot be rotated", err)
        self.assertIn("logfile_maxbytes=0", err)

    def test_nodaemon_copies_to_stdout_unless_silent(self):
        for args, copied in ((("-n",), True), (("-n", "-s"), False)):
            with self.subTest(args=args):
                d = self.sthenod()
                d.start(args=args, stdout=subprocess.PIPE)
                self.assertEqual(d.stop(), 0)
                out = d.proc.stdout.read().decode()
                if copied:
                    self.assertEqual(out, d.read_log())
                else:
                    self.assertEqual(out, "")

    def test_silent_in_config(self):
        d = self.sthenod(silent="true")
        d.start(stdout=subprocess.PIPE)
        self.assertEqual(d.stop(), 0)
        self.assertEqual(d.proc.stdout.read(), b"")


class CommandLine(DaemonTest):
    def error_of(self, args, cwd=None):
        r = run_sthenod(args, cwd=cwd)
        self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        self.assertEqual(lines[-1], "For help, use sthenod -h", r.stderr)
        self.assertTrue(lines[-2].startswith("Error: "), r.stderr)
        return lines[-2][len("Error: "):]

    def test_version(self):
        r = run_sthenod(["-v"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^\d+\.\d+\.\d+\S*\n$")
        self.assertEqual(run_sthenod(["--version"]).stdout, r.stdout)

    def test_help(self):
        for flag in ("-h", "--help", "-?"):
            r = run_sthenod([flag])
            self.assertEqual(r.returncode, 0)
            self.assertIn("Usage: ", r.stdout)
            self.assertIn("-c/--configuration FILENAME", r.stdout)
            self.assertIn("--plugin-dir", r.stdout)

    def test_errors(self):
        d = self.sthenod()
        cases = [
            (["-n", "-n"], "conflicting command line option '-n'"),
            (["-c", d.conf, "extra"],
             "positional arguments are not supported: ['extra']"),
            (["-x"], "option -x not recognized"),
            (["--bogus"], "option --bogus not recognized"),
            (["-l"], "option -l requires argument"),
            (["-c", "/nonexistent.conf"],
             "could not find config file /nonexistent.conf"),
            (["-c", d.conf, "-z", "x"],
             "invalid value for -z 'x': invalid literal for int() with "
             "base 10: 'x'"),
            (["-c", d.conf, "-m", "99"],
             "invalid value for -m '99': 99 can not be converted to an "
             "octal type"),
            (["-c", d.conf, "-d", "/nonexistent"],
             "invalid value for -d '/nonexistent': /nonexistent is not an "
             "existing directory"),
            (["-c", d.conf, "-u", "no-such-user-xyz"],
             "Invalid user name no-such-user-xyz"),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                self.assertEqual(self.error_of(args), want)

    def test_config_errors(self):
        d = self.sthenod()
        d.write_config("[program:x]\ncommand=/bin/true\n")
        self.assertEqual(self.error_of(["-c", d.conf]),
                         ".ini file does not include supervisord section")
        d.write_config("[supervisord]\nlogfile_backups=many\n")
        msg = self.error_of(["-c", d.conf])
        self.assertIn("'many'", msg)
        self.assertIn("logfile_backups", msg)
        self.assertIn(d.conf, msg)
        d.write_config("[supervisord]\nlogfile=/nonexistent/x.log\n")
        self.assertIn("The directory named as part of the path "
                      "/nonexistent/x.log does not exist",
                      self.error_of(["-c", d.conf]))

    def test_profile_options_is_ignored_with_a_warning(self):
        d = self.sthenod()
        d.start(args=("-n", "--profile_options=cumulative"))
        self.assertLogHas(d, r"WARN --profile_options is not supported")
        self.assertEqual(d.stop(), 0)

    def test_command_line_overrides_config(self):
        d = self.sthenod(loglevel="info")
        other = os.path.join(d.dir, "cli.log")
        d.start(args=("-n", "-e", "debug", "-l", other), log=other)
        d.send_signal(signal.SIGCHLD)
        self.assertLogHas(d, r"DEBG received SIGCHLD", path=other)
        self.assertFalse(os.path.exists(d.log))
        self.assertEqual(d.stop(), 0)

    def test_config_search_prefers_stheno_conf(self):
        d = self.sthenod()
        a = os.path.join(d.dir, "a.log")
        b = os.path.join(d.dir, "b.log")
        with open(os.path.join(d.dir, "supervisord.conf"), "w") as f:
            f.write("[supervisord]\nlogfile=%s\npidfile=%s\n" %
                    (b, d.pidfile))
        with open(os.path.join(d.dir, "stheno.conf"), "w") as f:
            f.write("[supervisord]\nlogfile=%s\npidfile=%s\n" %
                    (a, d.pidfile))
        p = subprocess.Popen([sthtest.STHENOD, "-n"], cwd=d.dir,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        d.proc = p
        self.assertLogHas(d, r"supervisord started", path=a)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(b))


class ProcessSetup(DaemonTest):
    def test_config_reader_messages_are_replayed(self):
        d = self.sthenod(extra="[include]\nfiles=conf.d/*.conf nomatch/*.ini\n")
        os.mkdir(os.path.join(d.dir, "conf.d"))
        inc = os.path.join(d.dir, "conf.d", "a.conf")
        with open(inc, "w") as f:
            f.write("; nothing\n")
        d.start()
        self.assertLogHas(d, r"INFO Included extra file \"%s\" during "
                          r"parsing$" % re.escape(inc))
        self.assertLogHas(d, r"WARN No file matches via include "
                          r"\"%s/nomatch/\*\.ini\"$" % re.escape(d.dir))
        self.assertEqual(d.stop(), 0)

    def with_nofile(self, soft):
        """Run the rest of the test with our soft RLIMIT_NOFILE at soft
        (sthenod inherits it)."""
        import resource
        old = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, old[1]))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, old)
        return old[1]

    def test_minfds_raises_the_soft_limit(self):
        self.with_nofile(256)
        d = self.sthenod(minfds="300")
        d.start()
        self.assertLogHas(d, r"INFO Increased RLIMIT_NOFILE limit to 300$")
        with open("/proc/%d/limits" % d.pid) as f:
            self.assertRegex(f.read(), r"Max open files\s+300\s")
        self.assertEqual(d.stop(), 0)

    def test_minfds_above_what_is_allowed_exits_2(self):
        import resource
        hard = self.with_nofile(256)
        if hard == resource.RLIM_INFINITY:
            self.skipTest("no hard limit")
        try:    # can this process raise the hard limit? then so could sthenod
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard + 10))
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
            self.skipTest("allowed to raise the hard limit")
        except (ValueError, OSError):
            pass
        d = self.sthenod(minfds=str(hard + 10))
        r = run_sthenod(["-c", d.conf])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.splitlines()[0],
            "Error: The minimum number of file descriptors required to run "
            "this process is %d as per the \"minfds\" command-line argument "
            "or config file setting. The current environment will only "
            "allow you to open %d file descriptors.  Either raise the number "
            "of usable file descriptors in your environment (see README.rst) "
            "or lower the minfds setting in the config file to allow the "
            "process to start." % (hard + 10, hard))
        self.assertEqual(r.stderr.splitlines()[1:],
                         ["For help, use sthenod -h"])

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_user_drops_privileges(self):
        import pwd
        nobody = pwd.getpwnam("nobody")
        # nobody writes its log in d.dir: a folder it can reach
        d = self.sthenod(user="nobody", shared=True)
        os.chmod(d.dir, 0o777)
        d.start()
        self.assertLogHas(d, r"INFO Set uid to user %d succeeded$" %
                          nobody.pw_uid)
        self.assertNotIn("Supervisor is running as root", d.read_log())
        with open("/proc/%d/status" % d.pid) as f:
            status = f.read()
        self.assertRegex(status, r"Uid:\s+%d\s+%d" % (nobody.pw_uid,
                                                       nobody.pw_uid))
        self.assertEqual(os.stat(d.log).st_uid, nobody.pw_uid)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(d.pidfile))

    @unittest.skipIf(IS_ROOT, "root may switch users")
    def test_user_as_non_root_is_an_error(self):
        d = self.sthenod(user="root")
        r = run_sthenod(["-c", d.conf])
        self.assertEqual(r.returncode, 2)
        self.assertIn("Error: Can't drop privilege as nonroot user",
                      r.stderr)


@unittest.skipUnless(os.access(SUPERVISORD, os.X_OK), "no supervisord")
class SameWordsAsSupervisord(unittest.TestCase):
    """Errors that supervisord and sthenod must word alike."""

    def both(self, args, conf_text=None):
        tmp = tempfile.mkdtemp(prefix="sth-cmp-")
        self.addCleanup(shutil.rmtree, tmp, True)
        args = list(args)
        if conf_text is not None:
            conf = os.path.join(tmp, "s.conf")
            with open(conf, "w") as f:
                f.write(conf_text % {"dir": tmp})
            args = ["-c", conf] + args
        out = []
        for exe in (SUPERVISORD, sthtest.STHENOD):
            r = subprocess.run([exe] + args, capture_output=True, text=True,
                               timeout=10, cwd=tmp)
            self.assertEqual(r.returncode, 2, (exe, r.stderr))
            lines = r.stderr.splitlines()
            out.append(lines[-2] if len(lines) >= 2 else r.stderr)
            self.assertEqual(os.path.basename(lines[-1].split()[-2]),
                             os.path.basename(exe))
        return out

    def test_same_errors(self):
        conf = "[supervisord]\nlogfile=%(dir)s/x.log\npidfile=%(dir)s/x.pid\n"
        cases = [
            (["-n", "-n"], None),
            (["-n", "--nodaemon"], None),
            (["foo", "bar"], None),
            (["-x"], None),
            (["--bogus"], None),
            (["-y"], None),
            (["--logfile"], None),
            (["-c", "/nonexistent.conf"], None),
            (["-z", "x"], conf),
            (["-a", "abc"], conf),
            (["--minprocs", "abc"], conf),
            (["-e", "bogus"], conf),
            (["--nodaemon=1"], None),
            (["-m", "99"], conf),
            (["-d", "/nonexistent"], conf),
            (["-l", "/nonexistent/x.log"], conf),
            (["-u", "no-such-user-xyz"], conf),
            ([], "[foo]\n"),
        ]
        for args, text in cases:
            with self.subTest(args=args):
                theirs, ours = self.both(args, text)
                self.assertEqual(ours, theirs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
