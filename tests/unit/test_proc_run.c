/*
 * test_proc_run.c — the process table with real children on a real event
 * loop: proctable_start() on a config, SIGCHLD through libevent into
 * proctable_on_sigchld(), child output byte-identical in its rotated logs,
 * the environment of docs/supervisord.md §3.7, and shutdown in priority order.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "ini.h"
#include "log.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

#include "children.h"
#include "harness.h"

static char dir[] = "/tmp/test_proc_run.XXXXXX";
static char logpath[256];
static struct event *sigchld;
static struct ini_doc *doc;
static int done_called;

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	proctable_on_sigchld();
}

static void
setup(void)
{
	char *err = NULL;

	memcpy(dir, "/tmp/test_proc_run.XXXXXX", sizeof dir);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(logpath, sizeof logpath, "%s/main.log", dir);
	cr_assert(log_open(logpath, 0, 0, STH_LOG_INFO, 0, &err) == 0);
	sth.base = event_base_new();
	sth.state = STH_STATE_RUNNING;
	sigchld = evsignal_new(sth.base, SIGCHLD, on_sigchld, NULL);
	event_add(sigchld, NULL);
	signal(SIGPIPE, SIG_IGN);
	done_called = 0;
}

static void
teardown(void)
{
	char cmd[300];

	test_kill_children();
	proctable_free();
	if (doc != NULL)
		ini_free(doc);
	doc = NULL;
	event_free(sigchld);
	event_base_free(sth.base);
	sth.base = NULL;
	log_close();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
}

static void
start(const char *fmt)
{
	char *text, *err = NULL, *conf;
	int rc;

	/* %1$s in the config text is the test's directory */
	xasprintf(&text, fmt, dir);
	xasprintf(&conf, "%s/s.conf", dir);
	doc = ini_load_string(conf, text, &err);
	cr_assert_not_null(doc, "%s", err);
	rc = proctable_start(doc, &err);
	cr_assert_eq(rc, 0, "proctable_start: %s", err);
	free(text);
	free(conf);
}

static int
mainlog_has(const char *s)
{
	char *log = test_slurp(logpath, NULL);
	int r = log != NULL && strstr(log, s) != NULL;

	free(log);
	return r;
}

static int
all_running(void)
{
	return test_proc("a", "a")->state == PROC_RUNNING &&
	    test_proc("b", "b")->state == PROC_RUNNING;
}

TestSuite(proc_run, .init = setup, .fini = teardown, .timeout = 60);

static int
a_exited(void)
{
	return mainlog_has("exited: a (");
}

/* b's shell has said it ignores SIGTERM (its first line of output). */
static int
b_trapped(void)
{
	char *path, *out;
	int r;

	xasprintf(&path, "%s/b.out", dir);
	out = test_slurp(path, NULL);
	r = out != NULL && strstr(out, "trapped\n") != NULL;
	free(out);
	free(path);
	return r;
}

Test(proc_run, start_run_exit_logs)
{
	char line[128];
	pid_t old;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:a]\ncommand=/bin/sleep 30\nstartsecs=1\n"
	    "[program:b]\ncommand=/bin/sh -c 'sleep 30'\nstartsecs=0\n");
	cr_assert_eq(test_proc("b", "b")->state, PROC_RUNNING);
	cr_assert(test_run_until(all_running, 5));
	snprintf(line, sizeof line, "spawned: 'a' with pid %ld",
	    (long)test_proc("a", "a")->pid);
	cr_assert(mainlog_has(line));
	cr_assert(mainlog_has("success: a entered RUNNING state, process has "
	    "stayed up for > than 1 seconds (startsecs)"));
	old = test_proc("a", "a")->pid;
	kill(old, SIGKILL);
	cr_assert(test_run_until(a_exited, 5));
	cr_assert(mainlog_has("WARN exited: a (terminated by SIGKILL; not "
	    "expected)"));
	cr_assert(test_run_until(all_running, 5), "a is restarted");
	cr_assert_neq(test_proc("a", "a")->pid, old);
}

static int
is_fatal(void)
{
	return test_proc("f", "f")->state == PROC_FATAL;
}

Test(proc_run, too_quick_gives_up)
{
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:f]\ncommand=/bin/false\nstartretries=1\n");
	cr_assert(test_run_until(is_fatal, 10));
	cr_assert(mainlog_has("exited: f (exit status 1; not expected)"));
	cr_assert(mainlog_has("gave up: f entered FATAL state, too many start "
	    "retries too quickly"));
	cr_assert_str_eq(test_proc("f", "f")->spawnerr, "Exited too quickly (process "
	    "log may have details)");
}

Test(proc_run, missing_command_is_spawnerr)
{
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:f]\ncommand=/no/such/cmd\nstartretries=0\n");
	cr_assert_eq(test_proc("f", "f")->state, PROC_FATAL);
	cr_assert(mainlog_has("INFO spawnerr: can't find command "
	    "'/no/such/cmd'"));
}

static int
exited_c(void)
{
	return test_proc("c", "c")->state == PROC_EXITED;
}

Test(proc_run, output_is_byte_identical_across_rotations)
{
	char *cmd, *ref, *got = NULL, *part, path[300];
	size_t reflen, gotlen = 0, n;
	int i;

	/* 6 MB of random bytes, rotated every 1 MB, written as fast as the
	 * child can */
	xasprintf(&cmd, "head -c 6000000 /dev/urandom > %s/ref", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:c]\ncommand=/bin/cat %1$s/ref\nstartsecs=0\n"
	    "autorestart=false\nstdout_logfile=%1$s/c.log\n"
	    "stdout_logfile_maxbytes=1MB\nstdout_logfile_backups=20\n");
	cr_assert(test_run_until(exited_c, 30));
	snprintf(path, sizeof path, "%s/ref", dir);
	ref = test_slurp(path, &reflen);
	for (i = 20; i >= 0; i--) {
		if (i > 0)
			snprintf(path, sizeof path, "%s/c.log.%d", dir, i);
		else
			snprintf(path, sizeof path, "%s/c.log", dir);
		if ((part = test_slurp(path, &n)) == NULL)
			continue;
		got = xreallocarray(got, gotlen + n + 1, 1);
		memcpy(got + gotlen, part, n);
		gotlen += n;
		free(part);
	}
	cr_assert_eq(gotlen, reflen);
	cr_assert(memcmp(got, ref, reflen) == 0, "bytes differ");
	free(got);
	free(ref);
	cr_assert(mainlog_has("exited: c (exit status 0; expected)"));
}

static int
exited_e(void)
{
	return test_proc("e", "e")->state == PROC_EXITED;
}

Test(proc_run, child_environment_and_fds)
{
	char *out, path[300];

	setenv("STH_TEST_OUTER", "outer", 1);
	start("[supervisord]\nchildlogdir=%1$s\nenvironment=G=global,O=g\n"
	    "[program:e]\ncommand=/bin/sh -c 'env | sort; ls /proc/self/fd'\n"
	    "startsecs=0\nautorestart=false\nenvironment=O=prog\n"
	    "stdout_logfile=%1$s/e.log\ndirectory=/\numask=077\n");
	cr_assert(test_run_until(exited_e, 10));
	snprintf(path, sizeof path, "%s/e.log", dir);
	out = test_slurp(path, NULL);
	cr_assert_not_null(out);
	cr_assert(strstr(out, "SUPERVISOR_ENABLED=1\n") != NULL, "%s", out);
	cr_assert(strstr(out, "SUPERVISOR_PROCESS_NAME=e\n") != NULL);
	cr_assert(strstr(out, "SUPERVISOR_GROUP_NAME=e\n") != NULL);
	cr_assert(strstr(out, "STH_TEST_OUTER=outer\n") != NULL);
	cr_assert(strstr(out, "G=global\n") != NULL);
	cr_assert(strstr(out, "O=prog\n") != NULL, "program env wins");
	cr_assert(strstr(out, "PWD=/\n") != NULL);
	/* only 0, 1, 2 and the fd ls opens for itself */
	cr_assert(strstr(out, "\n0\n1\n2\n3\n") != NULL, "%s", out);
	cr_assert(strstr(out, "\n4\n") == NULL, "a daemon fd leaked: %s", out);
	free(out);
}

static int
stopped_all(void)
{
	return done_called;
}

static void
on_done(void)
{
	done_called = 1;
}

Test(proc_run, shutdown_stops_in_descending_priority)
{
	char *log, *pa, *pb;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:a]\ncommand=/bin/sleep 30\nstartsecs=0\npriority=1\n"
	    "[program:b]\ncommand=/bin/sh -c 'trap \"\" TERM; echo trapped; "
	    "while :; do sleep 0.1; done'\n"
	    "stdout_logfile=%1$s/b.out\n"
	    "startsecs=0\npriority=2\nstopwaitsecs=1\n");
	cr_assert(all_running());
	cr_assert(test_run_until(b_trapped, 10), "sh never set its trap");
	sth.state = STH_STATE_SHUTDOWN;
	proctable_shutdown(on_done);
	/* b (priority 2) goes first and ignores TERM; a waits for it */
	cr_assert_eq(test_proc("b", "b")->state, PROC_STOPPING);
	cr_assert_eq(test_proc("a", "a")->state, PROC_RUNNING);
	cr_assert(mainlog_has("INFO waiting for a, b to die"));
	cr_assert(test_run_until(stopped_all, 10));
	cr_assert_eq(test_proc("a", "a")->state, PROC_STOPPED);
	cr_assert_eq(test_proc("b", "b")->state, PROC_STOPPED);
	log = test_slurp(logpath, NULL);
	pb = strstr(log, "stopped: b (terminated by SIGKILL)");
	pa = strstr(log, "stopped: a (terminated by SIGTERM)");
	cr_assert(pa != NULL && pb != NULL && pb < pa, "%s", log);
	cr_assert(strstr(log, "WARN killing 'b' (") != NULL);
	free(log);
}

static int
got_capture(void)
{
	return test_proc("k", "k")->state == PROC_EXITED;
}

Test(proc_run, capture_mode_keeps_tokens_out_of_the_log)
{
	char *out, path[300];

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:k]\ncommand=/bin/printf 'before<!--XSUPERVISOR:BEGIN-->"
	    "captured<!--XSUPERVISOR:END-->after\\n'\nstartsecs=0\n"
	    "autorestart=false\nstdout_capture_maxbytes=1KB\n"
	    "stdout_logfile=%1$s/k.log\n");
	cr_assert(test_run_until(got_capture, 10));
	snprintf(path, sizeof path, "%s/k.log", dir);
	out = test_slurp(path, NULL);
	cr_assert_str_eq(out, "beforeafter\n");
	free(out);
}

Test(proc_run, auto_logs_named_and_cleaned)
{
	char path[300];
	struct stat st;
	const char *p;

	snprintf(path, sizeof path, "%s/old-stdout---supervisor-abcdefgh.log.3",
	    dir);
	fclose(fopen(path, "w"));
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:a]\ncommand=/bin/true\nautostart=false\n");
	cr_assert(stat(path, &st) == -1, "old AUTO log cleaned up");
	p = test_proc("a", "a")->cfg->log[PROC_STDOUT].path;
	cr_assert_not_null(p);
	cr_assert(strstr(p, "/a-stdout---supervisor-") != NULL, "%s", p);
	cr_assert(strlen(strrchr(p, '-')) == strlen("-12345678.log"), "%s", p);
	cr_assert(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
}

/* --- supervisor.* methods through the RPC registry ------------------------- */

Test(proc_run, rpc_process_info_and_control)
{
	struct test_answer a;
	json_t *r;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:s]\ncommand=/bin/sleep 30\nstartsecs=1\n"
	    "autostart=false\n"
	    "[program:m]\ncommand=/bin/sleep 30\nnumprocs=2\n"
	    "process_name=m_%%(process_num)02d\nautostart=false\n");

	test_call("supervisor.getProcessInfo", "[\"s\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	r = a.result;
	cr_assert_str_eq(json_string_value(json_object_get(r, "name")), "s");
	cr_assert_str_eq(json_string_value(json_object_get(r, "group")), "s");
	cr_assert_str_eq(json_string_value(json_object_get(r, "statename")),
	    "STOPPED");
	cr_assert_str_eq(json_string_value(json_object_get(r, "description")),
	    "Not started");
	cr_assert_eq(json_integer_value(json_object_get(r, "start")), 0);
	cr_assert_eq(json_object_size(r), 14);
	cr_assert(strstr(json_string_value(json_object_get(r, "logfile")),
	    "/s-stdout---supervisor-") != NULL);
	json_decref(r);

	test_call("supervisor.getProcessInfo", "[\"nope\"]", &a);
	cr_assert_eq(a.fault, 10);
	cr_assert_str_eq(a.fstr, "BAD_NAME: nope");

	test_call("supervisor.getAllProcessInfo", "[]", &a);
	cr_assert_eq(json_array_size(a.result), 3);
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_array_get(a.result, 0), "name")), "m_00");
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_array_get(a.result, 2), "name")), "s");
	json_decref(a.result);

	/* start waits out startsecs without blocking the loop */
	test_call("supervisor.startProcess", "[\"s\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	cr_assert(json_is_true(a.result));
	cr_assert_eq(test_proc("s", "s")->state, PROC_RUNNING);
	json_decref(a.result);

	test_call("supervisor.startProcess", "[\"s\"]", &a);
	cr_assert_eq(a.fault, 60);
	cr_assert_str_eq(a.fstr, "ALREADY_STARTED: s");

	test_call("supervisor.getProcessInfo", "[\"s:s\"]", &a);
	cr_assert(strncmp(json_string_value(json_object_get(a.result,
	    "description")), "pid ", 4) == 0);
	cr_assert(strstr(json_string_value(json_object_get(a.result,
	    "description")), ", uptime 0:00:0") != NULL);
	json_decref(a.result);

	/* the uptime as Python's str(timedelta): days, then H:MM:SS */
	{
		struct proc *sp = test_proc("s", "s");
		time_t was = sp->start;
		static const struct {
			long ago;
			const char *want;
		} up[] = {
			{ 3723, ", uptime 1:02:03" },
			{ 86400 + 61, ", uptime 1 day, 0:01:01" },
			{ 2 * 86400 + 36000 + 600 + 9,
			    ", uptime 2 days, 10:10:09" },
		};
		char want[64];
		size_t i;

		for (i = 0; i < sizeof up / sizeof up[0]; i++) {
			sp->start = time(NULL) - up[i].ago;
			test_call("supervisor.getProcessInfo", "[\"s\"]", &a);
			snprintf(want, sizeof want, "pid %ld%s",
			    (long)sp->pid, up[i].want);
			cr_assert_str_eq(json_string_value(json_object_get(
			    a.result, "description")), want);
			json_decref(a.result);
		}
		sp->start = was;
	}

	test_call("supervisor.stopProcess", "[\"s\", true]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	cr_assert_eq(test_proc("s", "s")->state, PROC_STOPPED);
	json_decref(a.result);

	test_call("supervisor.stopProcess", "[\"s\"]", &a);
	cr_assert_eq(a.fault, 70);
	cr_assert_str_eq(a.fstr, "NOT_RUNNING: s");

	test_call("supervisor.startProcess", "[\"m:m_01\", false]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	cr_assert_eq(test_proc("m", "m_01")->state, PROC_STARTING);
	json_decref(a.result);

	test_call("supervisor.signalProcess", "[\"m:m_01\", \"NOPE\"]", &a);
	cr_assert_eq(a.fault, 11);
	cr_assert_str_eq(a.fstr, "BAD_SIGNAL: NOPE");

	test_call("supervisor.startProcess", "[]", &a);
	cr_assert_eq(a.fault, 2);
}

Test(proc_run, rpc_start_too_quick_is_spawn_error)
{
	struct test_answer a;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:q]\ncommand=/bin/sh -c 'exit 3'\nstartsecs=5\n"
	    "autostart=false\nstartretries=0\n");
	test_call("supervisor.startProcess", "[\"q\"]", &a);
	cr_assert_eq(a.fault, 50, "%d %s", a.fault, a.fstr);
	cr_assert_str_eq(a.fstr, "SPAWN_ERROR: q");

	test_call("supervisor.startProcess", "[\"q\"]", &a);
	/* FATAL now; starting again is allowed, and fails again */
	cr_assert_eq(a.fault, 50);
}

/* --- child logs are open only while the child runs -------------------------- */

/* How many of our fds are open on path (its realpath). */
static int
fds_on(const char *path)
{
	char link[300], target[PATH_MAX], *real;
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int count = 0;

	if ((real = realpath(path, NULL)) == NULL)
		return 0;
	cr_assert_not_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL) {
		snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, real) == 0)
			count++;
	}
	closedir(d);
	free(real);
	return count;
}

static int
w_running(void)
{
	return test_proc("w", "w")->state == PROC_RUNNING;
}

static int
w_exited(void)
{
	return test_proc("w", "w")->state == PROC_EXITED;
}

static char *
slurp_in(const char *name)
{
	char path[300];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return test_slurp(path, NULL);
}

Test(proc_run, logs_closed_while_not_running)
{
	char out[300], err[300], moved[300], *s;
	struct test_answer a;

	snprintf(out, sizeof out, "%s/w.out", dir);
	snprintf(err, sizeof err, "%s/w.err", dir);
	/* w waits for a line on stdin, then writes and exits */
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:w]\ncommand=/bin/sh -c 'read x; echo \"out $x\"; "
	    "echo err >&2'\nstartsecs=0\nautorestart=false\n"
	    "stdout_logfile=%1$s/w.out\nstderr_logfile=%1$s/w.err\n");
	cr_assert(test_run_until(w_running, 5));
	cr_assert_eq(fds_on(out), 1, "stdout log open while running");
	cr_assert_eq(fds_on(err), 1, "stderr log open while running");
	test_call("supervisor.sendProcessStdin", "[\"w\", \"one\\n\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	json_decref(a.result);
	cr_assert(test_run_until(w_exited, 5));
	cr_assert_eq(fds_on(out), 0, "stdout log still open after the exit");
	cr_assert_eq(fds_on(err), 0, "stderr log still open after the exit");
	cr_assert_null(test_proc("w", "w")->logs[PROC_STDOUT]);
	cr_assert_null(test_proc("w", "w")->logs[PROC_STDERR]);
	/* the drain came first: every byte is in the logs */
	cr_assert_str_eq(s = slurp_in("w.out"), "out one\n");
	free(s);
	cr_assert_str_eq(s = slurp_in("w.err"), "err\n");
	free(s);

	/* the log methods work on the closed logs */
	test_call("supervisor.tailProcessStdoutLog", "[\"w\", 0, 100]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	cr_assert_str_eq(json_string_value(json_array_get(a.result, 0)),
	    "out one\n");
	json_decref(a.result);
	test_call("supervisor.readProcessStderrLog", "[\"w\", 0, 0]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	cr_assert_str_eq(json_string_value(a.result), "err\n");
	json_decref(a.result);

	/* SIGUSR2 leaves a closed log closed, and makes no new file */
	snprintf(moved, sizeof moved, "%s/w.out.moved", dir);
	cr_assert(rename(out, moved) == 0);
	proctable_reopen_logs();
	cr_assert(access(out, F_OK) == -1 && errno == ENOENT);
	cr_assert(rename(moved, out) == 0);
	cr_assert_eq(fds_on(out), 0);

	/* a new spawn appends to the same files, and closes them again */
	test_call("supervisor.startProcess", "[\"w\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	json_decref(a.result);
	cr_assert_eq(fds_on(out), 1, "reopened at spawn");
	test_call("supervisor.sendProcessStdin", "[\"w\", \"two\\n\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	json_decref(a.result);
	cr_assert(test_run_until(w_exited, 5));
	cr_assert_str_eq(s = slurp_in("w.out"), "out one\nout two\n");
	free(s);
	cr_assert_eq(fds_on(out) + fds_on(err), 0);

	/* clearProcessLogs empties them while the process is down */
	test_call("supervisor.clearProcessLogs", "[\"w\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	json_decref(a.result);
	cr_assert_str_eq(s = slurp_in("w.out"), "");
	free(s);
	cr_assert_str_eq(s = slurp_in("w.err"), "");
	free(s);
	cr_assert_eq(fds_on(out) + fds_on(err), 0);
}

static int
q_backoff(void)
{
	return test_proc("q", "q")->state == PROC_BACKOFF;
}

Test(proc_run, backoff_holds_no_log_fd)
{
	char out[300], *s;

	snprintf(out, sizeof out, "%s/q.out", dir);
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:q]\ncommand=/bin/sh -c 'echo try; exit 1'\n"
	    "startsecs=5\nstartretries=5\nstdout_logfile=%1$s/q.out\n");
	cr_assert(test_run_until(q_backoff, 5));
	cr_assert_eq(fds_on(out), 0, "a log fd is held between retries");
	cr_assert_str_eq(s = slurp_in("q.out"), "try\n");
	free(s);
}

static int
d_exited(void)
{
	return test_proc("d", "d")->state == PROC_EXITED;
}

/* clearProcessLogs of a stopped program that logs to a device is no
 * error (there is nothing to truncate), as when its log was open. */
Test(proc_run, clear_stopped_log_on_a_device)
{
	struct test_answer a;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:d]\ncommand=/bin/echo hi\nstartsecs=0\n"
	    "autorestart=false\nstdout_logfile=/dev/null\n"
	    "stdout_logfile_maxbytes=0\n");
	cr_assert(test_run_until(d_exited, 5));
	test_call("supervisor.clearProcessLogs", "[\"d\"]", &a);
	cr_assert_eq(a.fault, 0, "%s", a.fstr);
	json_decref(a.result);
}

/* --- sendProcessStdin keeps at most PROC_STDIN_MAX bytes waiting ------------ */

static void
send_stdin(const char *name, size_t len, struct test_answer *a)
{
	char *chars = xmalloc(len + 1);
	json_t *pa;

	memset(chars, 'x', len);
	chars[len] = '\0';
	pa = json_pack("[s,s]", name, chars);
	test_call_json("supervisor.sendProcessStdin", pa, a);
	json_decref(pa);
	free(chars);
	if (a->result != NULL)
		json_decref(a->result);
}

Test(proc_run, send_stdin_is_capped)
{
	struct test_answer a;
	size_t sent = 0, len;
	int i;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:s]\ncommand=/bin/sleep 30\nstartsecs=0\n");
	/* one call over the cap is refused whole */
	send_stdin("s", PROC_STDIN_MAX + 1, &a);
	cr_assert_eq(a.fault, 30, "%d %s", a.fault, a.fstr);
	cr_assert_eq(test_proc("s", "s")->inlen, 0);
	/* sleep never reads: the pipe fills, then the buffer, then no more */
	for (i = 0; i < 64; i++) {
		send_stdin("s", 64 * 1024, &a);
		if (a.fault != 0)
			break;
		sent += 64 * 1024;
	}
	cr_assert_eq(a.fault, 30, "%d %s", a.fault, a.fstr);
	cr_assert(strstr(a.fstr, "FAILED: s: stdin buffer full (") == a.fstr,
	    "%s", a.fstr);
	cr_assert_geq(sent, PROC_STDIN_MAX);
	cr_assert_leq(test_proc("s", "s")->inlen, PROC_STDIN_MAX);
	cr_assert_eq(test_proc("s", "s")->state, PROC_RUNNING);
	/* a refused call leaves the buffer as it was */
	len = test_proc("s", "s")->inlen;
	send_stdin("s", 64 * 1024, &a);
	cr_assert_eq(a.fault, 30, "%d %s", a.fault, a.fstr);
	cr_assert_eq(test_proc("s", "s")->inlen, len);
}
