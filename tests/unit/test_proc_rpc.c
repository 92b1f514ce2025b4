/*
 * test_proc_rpc.c — the supervisor.* methods of docs/supervisord.md §4 through
 * the RPC registry, with real children on a real loop: group and "all"
 * results, log reads and tails with supervisor's arithmetic, the daemon
 * methods, reread/add/remove, fcgi-program sockets, and the state-change
 * events.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "bus.h"
#include "ini.h"
#include "log.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

#include "children.h"
#include "harness.h"

static char dir[] = "/tmp/test_proc_rpc.XXXXXX";
static char logpath[512], confpath[512];
static struct event *sigchld;
static struct ini_doc *doc;

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	proctable_on_sigchld();
}

static void
setup(void)
{
	char *err = NULL;

	memcpy(dir, "/tmp/test_proc_rpc.XXXXXX", sizeof dir);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(logpath, sizeof logpath, "%s/main.log", dir);
	snprintf(confpath, sizeof confpath, "%s/s.conf", dir);
	cr_assert(log_open(logpath, 0, 0, STH_LOG_INFO, 0, &err) == 0);
	sth.base = event_base_new();
	sth.state = STH_STATE_RUNNING;
	sigchld = evsignal_new(sth.base, SIGCHLD, on_sigchld, NULL);
	event_add(sigchld, NULL);
	signal(SIGPIPE, SIG_IGN);
	rpc_system_register();
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
	sth.ini = NULL;
	event_free(sigchld);
	event_base_free(sth.base);
	sth.base = NULL;
	log_close();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
}

TestSuite(proc_rpc, .init = setup, .fini = teardown, .timeout = 60);

/* Write the config (%1$s is the test's folder) to s.conf. */
static void
write_conf(const char *fmt)
{
	FILE *f = fopen(confpath, "w");

	cr_assert_not_null(f);
	fprintf(f, fmt, dir);
	fclose(f);
}

static void
start(const char *fmt)
{
	char *err = NULL;

	write_conf(fmt);
	doc = ini_load(confpath, &err);
	cr_assert_not_null(doc, "%s", err);
	sth.ini = doc;
	cr_assert_eq(proctable_start(doc, &err), 0, "%s", err);
}

static int
never(void)
{
	return 0;
}

static int
mainlog_has(const char *s)
{
	char *log = test_slurp(logpath, NULL);
	int r = log != NULL && strstr(log, s) != NULL;

	free(log);
	return r;
}

/* --- the method list --------------------------------------------------- */

Test(proc_rpc, listmethods_has_the_41_names_of_appendix_a5)
{
	static const char *const want[] = {
		"supervisor.addProcessGroup", "supervisor.clearAllProcessLogs",
		"supervisor.clearLog", "supervisor.clearProcessLog",
		"supervisor.clearProcessLogs", "supervisor.getAPIVersion",
		"supervisor.getAllConfigInfo", "supervisor.getAllProcessInfo",
		"supervisor.getIdentification", "supervisor.getPID",
		"supervisor.getProcessInfo", "supervisor.getState",
		"supervisor.getSupervisorVersion", "supervisor.getVersion",
		"supervisor.readLog", "supervisor.readMainLog",
		"supervisor.readProcessLog", "supervisor.readProcessStderrLog",
		"supervisor.readProcessStdoutLog", "supervisor.reloadConfig",
		"supervisor.removeProcessGroup", "supervisor.restart",
		"supervisor.sendProcessStdin", "supervisor.sendRemoteCommEvent",
		"supervisor.shutdown", "supervisor.signalAllProcesses",
		"supervisor.signalProcess", "supervisor.signalProcessGroup",
		"supervisor.startAllProcesses", "supervisor.startProcess",
		"supervisor.startProcessGroup", "supervisor.stopAllProcesses",
		"supervisor.stopProcess", "supervisor.stopProcessGroup",
		"supervisor.tailProcessLog", "supervisor.tailProcessStderrLog",
		"supervisor.tailProcessStdoutLog", "system.listMethods",
		"system.methodHelp", "system.methodSignature",
		"system.multicall",
	};
	struct test_answer a;
	size_t i, n = 0;

	start("[supervisord]\nchildlogdir=%1$s\n");
	test_call("system.listMethods", "[]", &a);
	for (i = 0; i < json_array_size(a.result); i++) {
		const char *m = json_string_value(json_array_get(a.result, i));

		if (strncmp(m, "supervisor.", 11) == 0 ||
		    strncmp(m, "system.", 7) == 0) {
			cr_assert(n < 41, "extra method %s", m);
			cr_assert_str_eq(m, want[n]);
			n++;
		}
	}
	cr_assert_eq(n, 41);
	json_decref(a.result);
	test_expect("system.methodSignature", "[\"supervisor.tailProcessLog\"]",
	    "[\"array\",\"string\",\"int\",\"int\"]");
	test_expect("system.methodSignature", "[\"supervisor.startProcessGroup\"]",
	    "[\"array\",\"string\",\"boolean\"]");
	test_call("system.methodHelp", "[\"supervisor.getVersion\"]", &a);
	cr_assert_str_eq(json_string_value(a.result), " Return the version "
	    "of the RPC API used by supervisord\n\n        @return string "
	    "version id\n        ");
	json_decref(a.result);
}

/* --- groups and all ---------------------------------------------------- */

static const char group_conf[] =
    "[supervisord]\nchildlogdir=%1$s\n"
    "[program:a]\ncommand=/bin/sleep 30\nstartsecs=0\nautostart=false\n"
    "priority=2\n"
    "[program:w]\ncommand=/bin/sleep 30\nnumprocs=2\n"
    "process_name=w_%%(process_num)d\nstartsecs=1\nautostart=false\n"
    "[program:bad]\ncommand=/no/such/thing\nautostart=false\n"
    "priority=1\n";

/* The real spawn, then wait (without reaping) until the child has exited:
 * the child of a fast program dies before startProcess looks again. */
static int
spawn_and_wait_exit(struct proc *p, char **spawnerr)
{
	siginfo_t si;
	int rc = proc_sys_real.spawn(p, spawnerr);

	if (rc == 0)
		(void)waitid(P_PID, p->pid, &si, WEXITED | WNOWAIT);
	return rc;
}

Test(proc_rpc, start_wait_answers_a_child_that_already_exited)
{
	struct proc_sys sys = proc_sys_real;

	/* startsecs=0: the child is RUNNING as soon as it is seen to exit,
	 * then EXITED (expected), before a waiter could see either */
	start("[program:t]\ncommand=/bin/true\nstartsecs=0\n"
	    "autostart=false\nautorestart=false\n");
	sys.spawn = spawn_and_wait_exit;
	proc_sys = &sys;
	test_expect("supervisor.startProcess", "[\"t\"]", "true");
	proc_sys = &proc_sys_real;
	cr_assert_eq(test_proc("t", "t")->state, PROC_EXITED);
}

Test(proc_rpc, group_start_waits_and_answers_an_array)
{
	/* w's two start together, each waits out startsecs; the array
	 * lists both, in process order, once both are RUNNING */
	start(group_conf);
	test_expect("supervisor.startProcessGroup", "[\"w\"]",
	    "[{\"description\":\"OK\",\"group\":\"w\",\"name\":\"w_0\","
	    "\"status\":80},{\"description\":\"OK\",\"group\":\"w\","
	    "\"name\":\"w_1\",\"status\":80}]");
	cr_assert_eq(test_proc("w", "w_0")->state, PROC_RUNNING);
	cr_assert_eq(test_proc("w", "w_1")->state, PROC_RUNNING);
	/* running ones get no entry */
	test_expect("supervisor.startProcess", "[\"w:*\"]", "[]");
	test_expect_fault("supervisor.startProcessGroup", "[\"nope\"]", 10,
	    "BAD_NAME: nope");
	test_expect_fault("supervisor.startProcessGroup", "[\"w:w_0\"]", 10,
	    "BAD_NAME: w:w_0");
}

Test(proc_rpc, start_all_reports_faults_first)
{
	start(group_conf);
	/* bad (priority 1) fails at once; a (startsecs=0) is RUNNING at
	 * once; w's two wait */
	test_expect("supervisor.startAllProcesses", "[]",
	    "[{\"description\":\"NO_FILE: can't find command "
	    "'/no/such/thing'\",\"group\":\"bad\",\"name\":\"bad\","
	    "\"status\":20},{\"description\":\"OK\",\"group\":\"a\","
	    "\"name\":\"a\",\"status\":80},{\"description\":\"OK\","
	    "\"group\":\"w\",\"name\":\"w_0\",\"status\":80},"
	    "{\"description\":\"OK\",\"group\":\"w\",\"name\":\"w_1\","
	    "\"status\":80}]");
	test_expect("supervisor.signalProcessGroup", "[\"w\", \"NOPE\"]",
	    "[{\"description\":\"BAD_SIGNAL: NOPE\",\"group\":\"w\","
	    "\"name\":\"w_0\",\"status\":11},{\"description\":"
	    "\"BAD_SIGNAL: NOPE\",\"group\":\"w\",\"name\":\"w_1\","
	    "\"status\":11}]");
	test_expect("supervisor.signalAllProcesses", "[\"CONT\"]",
	    "[{\"description\":\"OK\",\"group\":\"a\",\"name\":\"a\","
	    "\"status\":80},{\"description\":\"OK\",\"group\":\"w\","
	    "\"name\":\"w_0\",\"status\":80},{\"description\":\"OK\","
	    "\"group\":\"w\",\"name\":\"w_1\",\"status\":80}]");
	test_expect("supervisor.stopAllProcesses", "[]",
	    "[{\"description\":\"OK\",\"group\":\"a\",\"name\":\"a\","
	    "\"status\":80},{\"description\":\"OK\",\"group\":\"w\","
	    "\"name\":\"w_0\",\"status\":80},{\"description\":\"OK\","
	    "\"group\":\"w\",\"name\":\"w_1\",\"status\":80}]");
	cr_assert_eq(test_proc("a", "a")->state, PROC_STOPPED);
	cr_assert_eq(test_proc("w", "w_0")->state, PROC_STOPPED);
	cr_assert_eq(test_proc("w", "w_1")->state, PROC_STOPPED);
	/* nothing runs: nothing to stop */
	test_expect("supervisor.stopProcess", "[\"w:\"]", "[]");
	cr_assert(mainlog_has("waiting for w_0 to stop"));
}

Test(proc_rpc, stop_group_without_wait_answers_at_once)
{
	struct test_answer a;

	start(group_conf);
	test_expect("supervisor.startProcessGroup", "[\"w\", false]",
	    "[{\"description\":\"OK\",\"group\":\"w\",\"name\":\"w_0\","
	    "\"status\":80},{\"description\":\"OK\",\"group\":\"w\","
	    "\"name\":\"w_1\",\"status\":80}]");
	cr_assert_eq(test_proc("w", "w_0")->state, PROC_STARTING);
	test_call("supervisor.stopProcessGroup", "[\"w\", false]", &a);
	cr_assert_eq(json_array_size(a.result), 2);
	json_decref(a.result);
	cr_assert(test_proc("w", "w_0")->state == PROC_STOPPING ||
	    test_proc("w", "w_0")->state == PROC_STOPPED);
}

/* --- logs -------------------------------------------------------------- */

static int
l_exited(void)
{
	return test_proc("l", "l")->state == PROC_EXITED;
}

Test(proc_rpc, read_and_tail_with_supervisor_arithmetic)
{
	struct test_answer a;
	char *log;

	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:l]\ncommand=/usr/bin/printf before\nstartsecs=0\n"
	    "autorestart=false\nstdout_logfile=%1$s/l.log\n"
	    "stderr_logfile=NONE\n");
	cr_assert(test_run_until(l_exited, 10));
	test_expect("supervisor.readProcessStdoutLog", "[\"l\", 0, 0]",
	    "\"before\"");
	test_expect("supervisor.readProcessLog", "[\"l\", -3, 0]", "\"ore\"");
	test_expect("supervisor.readProcessStdoutLog", "[\"l\", -100, 0]",
	    "\"before\"");
	test_expect("supervisor.readProcessStdoutLog", "[\"l\", 2, 2]", "\"fo\"");
	test_expect("supervisor.readProcessStdoutLog", "[\"l\", 100, 0]", "\"\"");
	test_expect_fault("supervisor.readProcessStdoutLog", "[\"l\", -1, 5]", 3,
	    "BAD_ARGUMENTS");
	test_expect_fault("supervisor.readProcessStdoutLog", "[\"l\", 0, -1]", 3,
	    "BAD_ARGUMENTS");
	test_expect_fault("supervisor.readProcessStderrLog", "[\"l\", 0, 0]", 20,
	    "NO_FILE: None");
	test_expect_fault("supervisor.readProcessStdoutLog", "[\"l:*\", 0, 0]", 10,
	    "BAD_NAME: l:*");
	test_expect_fault("supervisor.readProcessStdoutLog", "[\"l\", 0]", 2,
	    NULL);

	/* docs/supervisord.md §4.4: (0,100) -> ['before',6,False], (0,3) ->
	 * ['ore',6,True] */
	test_expect("supervisor.tailProcessStdoutLog", "[\"l\", 0, 100]",
	    "[\"before\",6,false]");
	test_expect("supervisor.tailProcessLog", "[\"l\", 0, 3]",
	    "[\"ore\",6,true]");
	test_expect("supervisor.tailProcessStdoutLog", "[\"l\", 6, 100]",
	    "[\"\",6,false]");
	test_expect("supervisor.tailProcessStderrLog", "[\"l\", 0, 100]",
	    "[\"\",0,false]");

	test_expect("supervisor.clearProcessLogs", "[\"l\"]", "true");
	log = test_slurp(test_proc("l", "l")->cfg->log[PROC_STDOUT].path, NULL);
	cr_assert_str_eq(log, "");
	free(log);
	test_call("supervisor.clearAllProcessLogs", "[]", &a);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(
	    a.result, 0), "status")), 80);
	json_decref(a.result);

	/* the main log */
	test_call("supervisor.readLog", "[0, 0]", &a);
	cr_assert(strstr(json_string_value(a.result), "spawned: 'l' with "
	    "pid") != NULL);
	json_decref(a.result);
	test_expect_fault("supervisor.readMainLog", "[-10, 5]", 3,
	    "BAD_ARGUMENTS");
	test_expect("supervisor.clearLog", "[]", "true");
	log = test_slurp(logpath, NULL);
	cr_assert(strstr(log, "spawned") == NULL, "%s", log);
	free(log);
	log_info("after the clear");
	test_expect("supervisor.readLog", "[-16, 0]", "\"after the clear\\n\"");
}

Test(proc_rpc, undecodable_log_bytes_become_replacement_characters)
{
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[program:l]\ncommand=/usr/bin/printf 'a\\377b\\303'\n"
	    "startsecs=0\nautorestart=false\nstdout_logfile=%1$s/l.log\n");
	cr_assert(test_run_until(l_exited, 10));
	test_expect("supervisor.readProcessStdoutLog", "[\"l\", 0, 0]",
	    "\"a\\uFFFDb\\uFFFD\"");
}

/* --- the daemon -------------------------------------------------------- */

static char seen[4][128];
static int nseen;

static void
on_event(const struct sth_event *ev, void *arg)
{
	size_t len;
	const char *pl = bus_event_payload(ev, &len);

	if (nseen < 4)
		snprintf(seen[nseen++], sizeof seen[0], "%s|%.*s",
		    bus_event_name(ev), (int)len, pl);
}

static void
on_done(void)
{
}

Test(proc_rpc, daemon_methods_and_state_events)
{
	struct sth_sub *s1, *s2;
	struct test_answer a;

	nseen = 0;
	s1 = bus_subscribe(NULL, "SUPERVISOR_STATE_CHANGE", on_event, NULL);
	s2 = bus_subscribe(NULL, "REMOTE_COMMUNICATION", on_event, NULL);
	start("[supervisord]\nchildlogdir=%1$s\nidentifier=myident\n");
	cr_assert_eq(nseen, 1);
	cr_assert_str_eq(seen[0], "SUPERVISOR_STATE_CHANGE_RUNNING|");

	test_expect("supervisor.getAPIVersion", "[]", "\"3.0\"");
	test_expect("supervisor.getVersion", "[]", "\"3.0\"");
	test_expect("supervisor.getSupervisorVersion", "[]", "\"4.2.5\"");
	test_expect("supervisor.getIdentification", "[]", "\"myident\"");
	test_expect("supervisor.getState", "[]",
	    "{\"statecode\":1,\"statename\":\"RUNNING\"}");
	test_call("supervisor.getPID", "[]", &a);
	cr_assert_eq(json_integer_value(a.result), getpid());
	json_decref(a.result);
	test_expect_fault("supervisor.getPID", "[1]", 2, "INCORRECT_PARAMETERS");

	test_expect("supervisor.sendRemoteCommEvent", "[\"mytype\", \"failme "
	    "please\"]", "true");
	cr_assert_str_eq(seen[1], "REMOTE_COMMUNICATION|type:mytype\nfailme "
	    "please");

	/* shutdown answers true, then everything but sendRemoteCommEvent
	 * is SHUTDOWN_STATE */
	test_expect("supervisor.shutdown", "[]", "true");
	cr_assert_eq(sth.state, STH_STATE_SHUTDOWN);
	test_expect_fault("supervisor.getState", "[]", 6, "SHUTDOWN_STATE");
	test_expect_fault("supervisor.shutdown", "[]", 6, "SHUTDOWN_STATE");
	test_expect("supervisor.sendRemoteCommEvent", "[\"t\", \"\"]", "true");
	test_run_until(never, 0.2);	/* no action installed: stays SHUTDOWN */
	cr_assert_eq(sth.state, STH_STATE_SHUTDOWN);
	proctable_shutdown(on_done);
	cr_assert_str_eq(seen[3], "SUPERVISOR_STATE_CHANGE_STOPPING|");
	bus_unsubscribe(s1);
	bus_unsubscribe(s2);
	sth.state = STH_STATE_RUNNING;
}

/* --- reread, add, remove ----------------------------------------------- */

static const char reread_before[] =
    "[supervisord]\nchildlogdir=%1$s\n"
    "[program:keep]\ncommand=/bin/sleep 30\nautostart=false\n"
    "[program:change]\ncommand=/bin/sleep 30\nstartsecs=0\n"
    "[program:gone]\ncommand=/bin/sleep 30\nstartsecs=0\n";
static const char reread_after[] =
    "[supervisord]\nchildlogdir=%1$s\n"
    "[program:keep]\ncommand=/bin/sleep 30\nautostart=false\n"
    "[program:change]\ncommand=/bin/sleep 31\nstartsecs=0\n"
    "[program:new]\ncommand=/bin/sleep 30\nstartsecs=0\npriority=5\n";

Test(proc_rpc, reload_add_remove_as_supervisorctl_update_does)
{
	struct test_answer a;
	json_t *info;
	size_t i;

	start(reread_before);
	cr_assert_eq(test_proc("gone", "gone")->state, PROC_RUNNING);
	test_expect("supervisor.reloadConfig", "[]", "[[[],[],[]]]");
	write_conf(reread_after);
	test_expect("supervisor.reloadConfig", "[]",
	    "[[[\"new\"],[\"change\"],[\"gone\"]]]");
	/* nothing changed that runs */
	cr_assert_eq(test_proc("gone", "gone")->state, PROC_RUNNING);
	cr_assert_null(proctable_group("new"));

	test_call("supervisor.getAllConfigInfo", "[]", &a);
	cr_assert_eq(json_array_size(a.result), 3, "pending configs only");
	info = json_array_get(a.result, 1);	/* sorted: change keep new */
	cr_assert_str_eq(json_string_value(json_object_get(info, "name")),
	    "keep");
	cr_assert_eq(json_object_size(info), 29);
	cr_assert(json_is_true(json_object_get(info, "inuse")));
	cr_assert(json_is_false(json_object_get(info, "autostart")));
	cr_assert_str_eq(json_string_value(json_object_get(info,
	    "stdout_logfile")), "auto");
	cr_assert_str_eq(json_string_value(json_object_get(info, "uid")),
	    "none");
	cr_assert_eq(json_integer_value(json_object_get(info, "stopsignal")),
	    SIGTERM);
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(info,
	    "exitcodes"), 0)), 0);
	info = json_array_get(a.result, 2);
	cr_assert(json_is_false(json_object_get(info, "inuse")));
	cr_assert_eq(json_integer_value(json_object_get(info, "group_prio")),
	    5);
	for (i = 0; i < json_array_size(a.result); i++)
		cr_assert_str_neq(json_string_value(json_object_get(
		    json_array_get(a.result, i), "name")), "gone");
	json_decref(a.result);

	/* update: removed -> stop + remove; changed -> stop, remove, add;
	 * added -> add */
	test_expect_fault("supervisor.removeProcessGroup", "[\"gone\"]", 91,
	    "STILL_RUNNING: gone");
	test_expect("supervisor.stopProcessGroup", "[\"gone\"]",
	    "[{\"description\":\"OK\",\"group\":\"gone\",\"name\":\"gone\","
	    "\"status\":80}]");
	test_expect("supervisor.removeProcessGroup", "[\"gone\"]", "true");
	cr_assert_null(proctable_group("gone"));
	test_expect_fault("supervisor.addProcessGroup", "[\"gone\"]", 10,
	    "BAD_NAME: gone");
	test_expect("supervisor.stopProcessGroup", "[\"change\"]",
	    "[{\"description\":\"OK\",\"group\":\"change\",\"name\":"
	    "\"change\",\"status\":80}]");
	test_expect("supervisor.removeProcessGroup", "[\"change\"]", "true");
	test_expect("supervisor.addProcessGroup", "[\"change\"]", "true");
	cr_assert_str_eq(test_proc("change", "change")->cfg->command,
	    "/bin/sleep 31");
	cr_assert_eq(test_proc("change", "change")->state, PROC_RUNNING,
	    "autostarted");
	test_expect("supervisor.addProcessGroup", "[\"new\"]", "true");
	test_expect_fault("supervisor.addProcessGroup", "[\"new\"]", 90,
	    "ALREADY_ADDED: new");
	test_expect("supervisor.reloadConfig", "[]", "[[[],[],[]]]");

	/* a removed group can come back from the pending configs */
	test_expect("supervisor.stopProcess", "[\"new\"]", "true");
	test_expect("supervisor.removeProcessGroup", "[\"new\"]", "true");
	test_expect("supervisor.reloadConfig", "[]", "[[[\"new\"],[],[]]]");
	test_expect("supervisor.addProcessGroup", "[\"new\"]", "true");

	write_conf("[supervisord]\nchildlogdir=%1$s\n[program:x]\n");
	test_call("supervisor.reloadConfig", "[]", &a);
	cr_assert_eq(a.fault, 92, "%s", a.fstr);
	cr_assert(strncmp(a.fstr, "CANT_REREAD: ", 13) == 0, "%s", a.fstr);
}

/* --- fcgi-program ------------------------------------------------------ */

static int
f_running(void)
{
	return test_proc("f", "f_0")->state == PROC_RUNNING &&
	    test_proc("f", "f_1")->state == PROC_RUNNING;
}

/* f_0 has written its line (readlink's answer) to its log. */
static int
f0_said(void)
{
	char path[100], *out;
	int r;

	snprintf(path, sizeof path, "%s/f_0.log", dir);
	out = test_slurp(path, NULL);
	r = out != NULL && strchr(out, '\n') != NULL;
	free(out);
	return r;
}

Test(proc_rpc, fcgi_socket_is_fd0_and_counted)
{
	struct sockaddr_un sun;
	char path[100], *out;
	struct stat st;
	int fd;

	snprintf(path, sizeof path, "%s/f.sock", dir);
	start("[supervisord]\nchildlogdir=%1$s\n"
	    "[fcgi-program:f]\nsocket=unix://%1$s/f.sock\nsocket_mode=0600\n"
	    "command=/bin/sh -c 'readlink /proc/self/fd/0; "
	    "exec sleep 30'\nnumprocs=2\nprocess_name=f_%%(process_num)d\n"
	    "startsecs=0\nstdout_logfile=%1$s/f_%%(process_num)d.log\n");
	cr_assert(f_running());
	cr_assert(mainlog_has("INFO Creating socket unix://"));
	cr_assert(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(test_proc("f", "f_0")->group->fcgi_refs, 2);
	cr_assert_eq(test_proc("f", "f_0")->stdin_fd, -1, "no stdin pipe");

	/* the parent listens: a client connects */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);

	cr_assert(test_run_until(f0_said, 10), "f_0 wrote nothing");
	snprintf(path, sizeof path, "%s/f_0.log", dir);
	out = test_slurp(path, NULL);
	cr_assert(strncmp(out, "socket:[", 8) == 0, "fd 0 is %s", out);
	free(out);

	test_expect("supervisor.stopProcess", "[\"f:f_0\"]", "true");
	cr_assert_eq(test_proc("f", "f_0")->group->fcgi_refs, 1);
	cr_assert_geq(test_proc("f", "f_0")->group->fcgi_fd, 0, "still open");
	test_expect("supervisor.stopProcess", "[\"f:f_1\"]", "true");
	cr_assert_eq(test_proc("f", "f_0")->group->fcgi_fd, -1, "closed by the last");
	cr_assert(mainlog_has("INFO Closing socket unix://"));
	test_expect("supervisor.startProcess", "[\"f:*\"]",
	    "[{\"description\":\"OK\",\"group\":\"f\",\"name\":\"f_0\","
	    "\"status\":80},{\"description\":\"OK\",\"group\":\"f\","
	    "\"name\":\"f_1\",\"status\":80}]");
	cr_assert(test_run_until(f_running, 5));
	cr_assert_geq(test_proc("f", "f_0")->group->fcgi_fd, 0, "made again");
}

Test(proc_rpc, fcgi_socket_error_fails_the_start)
{
	char *err = NULL;

	write_conf("[supervisord]\nchildlogdir=%1$s\n"
	    "[fcgi-program:f]\nsocket=unix://%1$s/no/such/dir/f.sock\n"
	    "command=/bin/sleep 30\n");
	doc = ini_load(confpath, &err);
	cr_assert_not_null(doc);
	cr_assert_eq(proctable_start(doc, &err), -1);
	cr_assert(strstr(err, "Could not create FastCGI socket unix://") !=
	    NULL, "%s", err);
	free(err);
}
