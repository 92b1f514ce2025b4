/*
 * ctl_cmd.c — supervisorctl 4.2.5's commands, with its output and its
 * exit statuses (LSBInitExitStatuses, LSBStatusExitStatuses): one handler
 * a command, in the order and wording of supervisor's supervisorctl.py,
 * and a table that also gives each its help text.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "xmalloc.h"

/* supervisor's ProcessStates */
#define ST_STOPPED 0
#define ST_RUNNING 20
#define ST_EXITED 100
#define ST_FATAL 200
#define ST_UNKNOWN 1000

struct args {
	char **v;
	int n;
	const char *line;	/* the argument text, stripped */
};

struct cmd {
	const char *name;
	void (*run)(struct sup *, struct args *);
	const char *help;	/* help <name>, lines without the last \n */
};

static const struct cmd *cmd_find(const char *);

/* --- output --------------------------------------------------------------- */

void
sup_out(struct sup *s, const char *fmt, ...)
{
	va_list ap;
	char *line;
	json_t *v;

	va_start(ap, fmt);
	if (s->records == NULL) {
		vprintf(fmt, ap);
		putchar('\n');
	} else {
		xvasprintf(&line, fmt, ap);
		/* not UTF-8: the bytes as Latin-1 would be a lie; say so */
		if ((v = json_string(line)) == NULL)
			v = json_string("(not UTF-8)");
		json_array_append_new(json_object_get(s->records, "output"),
		    v);
		free(line);
	}
	va_end(ap);
}

void
sup_flush_json(struct sup *s)
{
	if (s->records == NULL)
		return;
	json_object_set_new(s->records, "exit", json_integer(s->exitstatus));
	json_dumpf(s->records, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(s->records);
	s->records = NULL;
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static long long
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_true(v) ? 1 : (long long)json_integer_value(v);
}

static json_t *
args1(const char *a)
{
	return json_pack("[s]", a);
}

/* --- names ---------------------------------------------------------------- */

/* supervisor's split_namespec: (group, process); process NULL for g:* */
static void
split_namespec(const char *spec, char **group, char **proc)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL) {
		*group = xstrdup(spec);
		*proc = xstrdup(spec);
		return;
	}
	*group = xstrndup(spec, (size_t)(colon - spec));
	*proc = colon[1] == '\0' || strcmp(colon + 1, "*") == 0 ? NULL :
	    xstrdup(colon + 1);
}

/* make_namespec, with Python's None for a missing process name. */
static char *
make_namespec(const char *group, const char *proc)
{
	char *s;

	if (proc != NULL && strcmp(group, proc) == 0)
		return xstrdup(proc);
	xasprintf(&s, "%s:%s", group, proc != NULL ? proc : "None");
	return s;
}

static int
has_all(struct args *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], "all") == 0)
			return 1;
	return 0;
}

/* --- the checks every command shares -------------------------------------- */

static void
help_of(struct sup *s, const char *name)
{
	const struct cmd *c = cmd_find(name);

	if (c != NULL && c->help != NULL)
		sup_out(s, "%s", c->help);
}

static void
set_exit_from_fault(struct sup *s, long long code, long long ignored)
{
	if (code == ignored || code == F_SUCCESS)
		return;
	if (code == F_SPAWN_ERROR || code == F_ABNORMAL_TERMINATION ||
	    code == F_NOT_RUNNING)
		s->exitstatus = X_NOT_RUNNING;
	else
		s->exitstatus = X_GENERIC;
}

static int
upcheck(struct sup *s)
{
	json_t *v;

	switch (sup_call(s, "supervisor.getVersion", NULL, &v, 1)) {
	case SUP_FAULT:
		if (jint(v, "faultCode") == F_UNKNOWN_METHOD) {
			sup_out(s, "Sorry, supervisord responded but did not "
			    "recognize the supervisor namespace commands that "
			    "supervisorctl uses to control it.  Please check "
			    "that the [rpcinterface:supervisor] section is "
			    "enabled in the configuration file (see "
			    "sample.conf).");
			s->exitstatus = X_UNIMPLEMENTED;
			return 0;
		}
		sup_raise_fault(s, v);
	case SUP_ERRNO:
		if (s->err_errno == ECONNREFUSED || s->err_errno == ENOENT) {
			sup_out(s, "%s %s", s->serverurl, s->err_errno ==
			    ENOENT ? "no such file" : "refused connection");
			s->exitstatus = s->err_errno == ENOENT ?
			    X_NOT_RUNNING : X_PRIVILEGES;
			return 0;
		}
		sup_raise_errno(s, s->err_errno);
	case SUP_OK:
		break;
	}
	if (!json_is_string(v) || strcmp(json_string_value(v), "3.0") != 0) {
		sup_out(s, "Sorry, this version of supervisorctl expects to "
		    "talk to a server with API version 3.0, but the remote "
		    "version is %s.", json_is_string(v) ?
		    json_string_value(v) : "?");
		s->exitstatus = X_NOT_INSTALLED;
		return 0;
	}
	return 1;
}

/* "Error: x" with the command's help, status st. */
static void
usage_error(struct sup *s, const char *cmd, const char *msg, int st)
{
	sup_out(s, "%s", msg);
	s->exitstatus = st;
	help_of(s, cmd);
}

/* --- results: start, stop, signal, clear ---------------------------------- */

struct verdict {
	long long code;
	const char *text;	/* NULL: the success word; "" the fault text */
};

static const struct verdict start_verdicts[] = {
	{ F_BAD_NAME, "no such process" },
	{ F_NO_FILE, "no such file" },
	{ F_NOT_EXECUTABLE, "file is not executable" },
	{ F_ALREADY_STARTED, "already started" },
	{ F_SPAWN_ERROR, "spawn error" },
	{ F_ABNORMAL_TERMINATION, "abnormal termination" },
	{ F_SUCCESS, NULL },
	{ 0, "" },
};
static const struct verdict signal_verdicts[] = {
	{ F_BAD_NAME, "no such process" },
	{ F_BAD_SIGNAL, "bad signal name" },
	{ F_NOT_RUNNING, "not running" },
	{ F_SUCCESS, NULL },
	{ F_FAILED, "" },
	{ 0, "" },
};
static const struct verdict clear_verdicts[] = {
	{ F_BAD_NAME, "no such process" },
	{ F_FAILED, "failed" },
	{ F_SUCCESS, NULL },
	{ 0, "" },
};

static void
result_line(struct sup *s, const struct verdict *t, const char *success,
    const char *group, const char *name, long long code, const char *desc)
{
	char *spec = make_namespec(group, name);

	for (; t->code != 0 && t->code != code; t++)
		;
	if (t->code == 0)
		sup_raise(s,
		    "error: <class 'ValueError'>, Unknown result code");
	if (t->text == NULL)
		sup_out(s, "%s: %s", spec, success);
	else if (*t->text == '\0')
		sup_out(s, "%s", desc);
	else
		sup_out(s, "%s: ERROR (%s)", spec, t->text);
	free(spec);
}

/* Each result of a group or all call. */
static void
results(struct sup *s, json_t *list, const struct verdict *t,
    const char *success, long long ignored)
{
	json_t *r;
	size_t i;

	json_array_foreach(list, i, r) {
		result_line(s, t, success, jstr(r, "group"), jstr(r, "name"),
		    jint(r, "status"), jstr(r, "description"));
		set_exit_from_fault(s, jint(r, "status"), ignored);
	}
}

struct act {
	const char *all;	/* startAllProcesses */
	const char *group;	/* startProcessGroup */
	const char *one;	/* startProcess */
	const struct verdict *verdicts;
	const char *success;
	long long ignored;	/* the fault that is not a failure */
	int group_bad_status;	/* no such group */
};

static const struct act act_start = {
	"supervisor.startAllProcesses", "supervisor.startProcessGroup",
	"supervisor.startProcess", start_verdicts, "started",
	F_ALREADY_STARTED, X_INVALID_ARGS
};
static const struct act act_stop = {
	"supervisor.stopAllProcesses", "supervisor.stopProcessGroup",
	"supervisor.stopProcess", signal_verdicts, "stopped", F_NOT_RUNNING,
	X_GENERIC
};
static const struct act act_signal = {
	"supervisor.signalAllProcesses", "supervisor.signalProcessGroup",
	"supervisor.signalProcess", signal_verdicts, "signalled", -1,
	X_GENERIC
};

/* start, stop and signal over names (sig NULL but for signal). */
static void
act_names(struct sup *s, const struct act *a, char **names, int n,
    const char *sig, int all)
{
	char *group, *proc;
	json_t *v;
	int i;

	if (all) {
		v = sup_must(s, a->all, sig != NULL ? args1(sig) : NULL);
		results(s, v, a->verdicts, a->success, a->ignored);
		return;
	}
	for (i = 0; i < n; i++) {
		split_namespec(names[i], &group, &proc);
		if (proc == NULL) {
			if (sup_call(s, a->group, sig != NULL ? json_pack(
			    "[ss]", group, sig) : args1(group), &v, 0) ==
			    SUP_OK)
				results(s, v, a->verdicts, a->success,
				    a->ignored);
			else if (jint(v, "faultCode") == F_BAD_NAME) {
				sup_out(s, "%s: ERROR (no such group)", group);
				s->exitstatus = a->group_bad_status;
			} else {
				free(group);
				s->exitstatus = X_GENERIC;
				sup_raise_fault(s, v);
			}
		} else if (sup_call(s, a->one, sig != NULL ? json_pack("[ss]",
		    names[i], sig) : args1(names[i]), &v, 0) == SUP_OK)
			result_line(s, a->verdicts, a->success, group, proc,
			    F_SUCCESS, "");
		else {
			result_line(s, a->verdicts, a->success, group, proc,
			    jint(v, "faultCode"), jstr(v, "faultString"));
			set_exit_from_fault(s, jint(v, "faultCode"),
			    a->ignored);
		}
		free(group);
		free(proc);
	}
}

static void
do_start(struct sup *s, struct args *a)
{
	if (!upcheck(s))
		return;
	if (a->n == 0) {
		usage_error(s, "start", "Error: start requires a process name",
		    X_INVALID_ARGS);
		return;
	}
	act_names(s, &act_start, a->v, a->n, NULL, has_all(a));
}

static void
do_stop(struct sup *s, struct args *a)
{
	if (!upcheck(s))
		return;
	if (a->n == 0) {
		usage_error(s, "stop", "Error: stop requires a process name",
		    X_GENERIC);
		return;
	}
	act_names(s, &act_stop, a->v, a->n, NULL, has_all(a));
}

static void
do_restart(struct sup *s, struct args *a)
{
	if (!upcheck(s))
		return;
	if (a->n == 0) {
		usage_error(s, "restart", "Error: restart requires a process "
		    "name", X_GENERIC);
		return;
	}
	do_stop(s, a);
	do_start(s, a);
}

static void
do_signal(struct sup *s, struct args *a)
{
	struct args rest;

	if (!upcheck(s))
		return;
	if (a->n < 2) {
		usage_error(s, "signal", "Error: signal requires a signal name "
		    "and a process name", X_GENERIC);
		return;
	}
	rest.v = a->v + 1;
	rest.n = a->n - 1;
	act_names(s, &act_signal, rest.v, rest.n, a->v[0], has_all(&rest));
}

static void
do_clear(struct sup *s, struct args *a)
{
	char *group, *proc;
	json_t *v;
	int i;

	if (!upcheck(s))
		return;
	if (a->n == 0) {
		usage_error(s, "clear", "Error: clear requires a process name",
		    X_GENERIC);
		return;
	}
	if (has_all(a)) {
		v = sup_must(s, "supervisor.clearAllProcessLogs", NULL);
		results(s, v, clear_verdicts, "cleared", -1);
		return;
	}
	for (i = 0; i < a->n; i++) {
		split_namespec(a->v[i], &group, &proc);
		if (sup_call(s, "supervisor.clearProcessLogs", args1(a->v[i]),
		    &v, 0) == SUP_OK)
			result_line(s, clear_verdicts, "cleared", group, proc,
			    F_SUCCESS, "");
		else {
			result_line(s, clear_verdicts, "cleared", group, proc,
			    jint(v, "faultCode"), jstr(v, "faultString"));
			set_exit_from_fault(s, jint(v, "faultCode"), -1);
		}
		free(group);
		free(proc);
	}
}

/* --- status, pid ---------------------------------------------------------- */

/* Width of s in characters (UTF-8), as Python's %-Ns counts. */
static size_t
u8len(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;
	return n;
}

static void
show_statuses(struct sup *s, json_t *infos)
{
	size_t i, maxlen = 30, n = json_array_size(infos);
	char **specs = xcalloc(n + 1, sizeof *specs);
	json_t *info;

	json_array_foreach(infos, i, info) {
		specs[i] = make_namespec(jstr(info, "group"),
		    jstr(info, "name"));
		if (u8len(specs[i]) > maxlen)
			maxlen = u8len(specs[i]);
	}
	json_array_foreach(infos, i, info) {
		const char *st = jstr(info, "statename");
		size_t sl = u8len(st);

		sup_out(s, "%s%*s%s%*s%s", specs[i],
		    (int)(maxlen + 3 - u8len(specs[i])), "", st,
		    sl < 10 ? (int)(10 - sl) : 0, "",
		    jstr(info, "description"));
		free(specs[i]);
	}
	free(specs);
}

static int
stopped_state(long long st)
{
	return st == ST_STOPPED || st == ST_EXITED || st == ST_FATAL ||
	    st == ST_UNKNOWN;
}

static void
do_status(struct sup *s, struct args *a)
{
	json_t *all, *match, *info;
	char *group, *proc;
	size_t j;
	int i, bad;

	if (!upcheck(s)) {
		s->exitstatus = X_STATUS_UNKNOWN;
		return;
	}
	all = sup_must(s, "supervisor.getAllProcessInfo", NULL);
	if (a->n == 0 || has_all(a))
		match = json_incref(all);
	else {
		match = json_array();
		for (i = 0; i < a->n; i++) {
			split_namespec(a->v[i], &group, &proc);
			bad = 1;
			json_array_foreach(all, j, info) {
				if (strcmp(jstr(info, "group"), group) != 0 ||
				    (proc != NULL && strcmp(jstr(info, "name"),
				    proc) != 0))
					continue;
				bad = 0;
				json_array_append(match, info);
			}
			if (bad) {
				if (proc == NULL)
					sup_out(s, "%s: ERROR (no such group)",
					    group);
				else
					sup_out(s, "%s: ERROR (no such "
					    "process)", a->v[i]);
				s->exitstatus = X_STATUS_UNKNOWN;
			}
			free(group);
			free(proc);
		}
	}
	json_array_append_new(s->held, match);
	show_statuses(s, match);
	json_array_foreach(match, j, info)
		if (stopped_state(jint(info, "state")))
			s->exitstatus = X_STATUS_NOT_RUNNING;
}

static void
do_pid(struct sup *s, struct args *a)
{
	json_t *v, *info;
	size_t j;
	int i;

	if (!upcheck(s))
		return;
	if (a->n == 0) {
		v = sup_must(s, "supervisor.getPID", NULL);
		sup_out(s, "%lld", (long long)json_integer_value(v));
		return;
	}
	if (has_all(a)) {
		v = sup_must(s, "supervisor.getAllProcessInfo", NULL);
		json_array_foreach(v, j, info)
			sup_out(s, "%lld", jint(info, "pid"));
		return;
	}
	for (i = 0; i < a->n; i++) {
		if (sup_call(s, "supervisor.getProcessInfo", args1(a->v[i]),
		    &v, 0) == SUP_FAULT) {
			s->exitstatus = X_GENERIC;
			if (jint(v, "faultCode") != F_BAD_NAME)
				sup_raise_fault(s, v);
			sup_out(s, "No such process %s", a->v[i]);
			continue;
		}
		sup_out(s, "%lld", jint(v, "pid"));
		if (jint(v, "pid") == 0)
			s->exitstatus = X_NOT_RUNNING;
	}
}

/* --- logs: tail, maintail ------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	interrupted = 1;
}

/* Follow GET path until it ends or Ctrl-C, as supervisorctl's _tailf. */
static void
tailf(struct sup *s, const char *path)
{
	struct sigaction sa, old;
	struct sup_stream st;
	struct pollfd pfd;

	sup_out(s, "==> Press Ctrl-C to exit <==");
	fflush(stdout);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	interrupted = 0;
	if (sup_stream_open(s, path, &st) == 0) {
		pfd.fd = st.fd;
		pfd.events = POLLIN;
		while (!interrupted) {
			if (poll(&pfd, 1, -1) == -1)
				continue;
			if (sup_stream_pump(&st) <= 0)
				break;
		}
		sup_stream_close(&st);
	}
	sigaction(SIGINT, &old, NULL);
	if (interrupted)
		sup_out(s, "%s", "");
}

/* Print a log read, or its fault as supervisorctl words it. */
static void
log_answer(struct sup *s, enum sup_rc rc, json_t *v, const char *who,
    int bad_name)
{
	long long code;

	if (rc == SUP_OK) {
		sup_out(s, "%s", json_string_value(v) != NULL ?
		    json_string_value(v) : "");
		return;
	}
	s->exitstatus = X_GENERIC;
	code = jint(v, "faultCode");
	if (code == F_NO_FILE)
		sup_out(s, "%s: ERROR (no log file)", who);
	else if (code == F_FAILED)
		sup_out(s, "%s: ERROR (unknown error reading log)", who);
	else if (code == F_BAD_NAME && bad_name)
		sup_out(s, "%s: ERROR (no such process name)", who);
	else
		sup_raise_fault(s, v);
}

/* -N, or -f (*follow): 0, or -1 for a bad modifier. */
static int
modifier(const char *m, long long *bytes, int *follow)
{
	char *end;

	if (strcmp(m + 1, "f") == 0) {
		*follow = 1;
		return 0;
	}
	*bytes = strtoll(m + 1, &end, 10);
	return m[1] == '\0' || *end != '\0' ? -1 : 0;
}

static void
do_tail(struct sup *s, struct args *a)
{
	const char *name, *mod = NULL;
	long long bytes = 1600;
	char channel[16], *path;
	int follow = 0, i, n = a->n;
	char **v = a->v;
	enum sup_rc rc;
	json_t *val;

	if (!upcheck(s))
		return;
	if (n < 1 || n > 3) {
		usage_error(s, "tail", n < 1 ? "Error: too few arguments" :
		    "Error: too many arguments", X_GENERIC);
		return;
	}
	if (v[0][0] == '-') {
		mod = v[0];
		v++;
		n--;
	}
	if (n == 1) {
		name = v[0];
		snprintf(channel, sizeof channel, "stdout");
	} else if (n == 0) {
		sup_out(s, "Error: tail requires process name");
		s->exitstatus = X_GENERIC;
		return;
	} else {
		name = v[0];
		if (strlen(v[n - 1]) >= sizeof channel) {
			sup_out(s, "Error: bad channel '%s'", v[n - 1]);
			s->exitstatus = X_GENERIC;
			return;
		}
		for (i = 0; v[n - 1][i] != '\0'; i++)
			channel[i] = (char)tolower((unsigned char)v[n - 1][i]);
		channel[i] = '\0';
		if (strcmp(channel, "stdout") != 0 &&
		    strcmp(channel, "stderr") != 0) {
			sup_out(s, "Error: bad channel '%s'", channel);
			s->exitstatus = X_GENERIC;
			return;
		}
	}
	if (mod != NULL && modifier(mod, &bytes, &follow) == -1) {
		sup_out(s, "Error: bad argument %s", mod);
		s->exitstatus = X_GENERIC;
		return;
	}
	if (follow) {
		xasprintf(&path, "/logtail/%s/%s", name, channel);
		tailf(s, path);
		free(path);
		return;
	}
	rc = sup_call(s, strcmp(channel, "stdout") == 0 ?
	    "supervisor.readProcessStdoutLog" :
	    "supervisor.readProcessStderrLog", json_pack("[sIi]", name,
	    (json_int_t)-bytes, 0), &val, 0);
	log_answer(s, rc, val, name, 1);
}

static void
do_maintail(struct sup *s, struct args *a)
{
	long long bytes = 1600;
	int follow = 0;
	json_t *v;
	enum sup_rc rc;

	if (!upcheck(s))
		return;
	if (a->n > 1) {
		usage_error(s, "maintail", "Error: too many arguments",
		    X_GENERIC);
		return;
	}
	if (a->n == 1 && (a->v[0][0] != '-' ||
	    modifier(a->v[0], &bytes, &follow) == -1)) {
		sup_out(s, "Error: bad argument %s", a->v[0]);
		s->exitstatus = X_GENERIC;
		return;
	}
	if (follow) {
		tailf(s, "/mainlogtail");
		return;
	}
	rc = sup_call(s, "supervisor.readLog", json_pack("[Ii]",
	    (json_int_t)-bytes, 0), &v, 0);
	log_answer(s, rc, v, "supervisord", 0);
}

/* --- fg ------------------------------------------------------------------- */

static int
fg_running(struct sup *s, const char *name)
{
	json_t *v = sup_must(s, "supervisor.getProcessInfo", args1(name));

	return jint(v, "state") == ST_RUNNING;
}

/* Send one line; 0, or 1 after saying why fg ends. */
static int
fg_send(struct sup *s, const char *name, const char *line)
{
	json_t *v;
	char *msg;

	if (sup_call(s, "supervisor.sendProcessStdin", json_pack("[ss]", name,
	    line), &v, 0) == SUP_FAULT) {
		if (jint(v, "faultCode") == F_NOT_RUNNING)
			sup_out(s, "Process got killed");
		else {
			msg = sup_fault_text(v);
			sup_out(s, "ERROR: %s", msg);
			free(msg);
		}
		return 1;
	}
	if (!fg_running(s, name)) {
		sup_out(s, "Process got killed");
		return 1;
	}
	return 0;
}

/* Forward stdin, a line at a time, to the process while streaming its
 * output; until EOF (EOFError), Ctrl-C or the process goes. */
static void
fg_loop(struct sup *s, const char *name, struct sup_stream *st)
{
	static char buf[65536];	/* static: nothing to free when raised */
	struct pollfd pfd[3];
	size_t len = 0;
	char *nl, c;
	ssize_t n;
	int i;

	pfd[0].fd = STDIN_FILENO;
	pfd[1].fd = st[0].fd;
	pfd[2].fd = st[1].fd;
	for (i = 0; i < 3; i++)
		pfd[i].events = POLLIN;
	while (!interrupted) {
		if (poll(pfd, 3, -1) == -1)
			continue;
		for (i = 1; i < 3; i++)
			if (pfd[i].revents != 0 && pfd[i].fd != -1 &&
			    sup_stream_pump(&st[i - 1]) <= 0)
				pfd[i].fd = -1;
		if (pfd[0].revents == 0)
			continue;
		if ((n = read(STDIN_FILENO, buf + len, sizeof buf - 1 - len)) <=
		    0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;			/* EOF: as EOFError */
		}
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len)) != NULL ||
		    len == sizeof buf - 1) {
			if (nl == NULL)
				nl = buf + len - 1;
			c = nl[1];
			nl[1] = '\0';
			if (fg_send(s, name, buf)) {
				sup_out(s, "Exiting foreground");
				return;
			}
			nl[1] = c;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
	}
	sup_out(s, "Exiting foreground");
}

static void
do_fg(struct sup *s, struct args *a)
{
	struct sigaction sa, old;
	struct sup_stream st[2];
	char *path, *msg;
	json_t *v;

	if (!upcheck(s))
		return;
	if (a->n == 0) {
		usage_error(s, "fg", "ERROR: no process name supplied",
		    X_GENERIC);
		return;
	}
	if (a->n > 1) {
		sup_out(s, "ERROR: too many process names supplied");
		s->exitstatus = X_GENERIC;
		return;
	}
	if (sup_call(s, "supervisor.getProcessInfo", args1(a->v[0]), &v, 0) ==
	    SUP_FAULT) {
		if (jint(v, "faultCode") == F_BAD_NAME) {
			sup_out(s, "ERROR: bad process name supplied");
			s->exitstatus = X_GENERIC;
		} else {
			msg = sup_fault_text(v);
			sup_out(s, "ERROR: %s", msg);
			free(msg);
		}
		return;
	}
	if (jint(v, "state") != ST_RUNNING) {
		sup_out(s, "ERROR: process not running");
		s->exitstatus = X_GENERIC;
		return;
	}
	sup_out(s, "==> Press Ctrl-C to exit <==");
	fflush(stdout);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	interrupted = 0;
	xasprintf(&path, "/logtail/%s/stdout", a->v[0]);
	if (sup_stream_open(s, path, &st[0]) == 0) {
		free(path);
		xasprintf(&path, "/logtail/%s/stderr", a->v[0]);
		if (sup_stream_open(s, path, &st[1]) == 0) {
			fg_loop(s, a->v[0], st);
			sup_stream_close(&st[1]);
		}
		sup_stream_close(&st[0]);
	}
	free(path);
	sigaction(SIGINT, &old, NULL);
}

/* --- the daemon: shutdown, reload, version -------------------------------- */

static int
no_args(struct sup *s, struct args *a, const char *cmd)
{
	char msg[80];

	if (a->n == 0)
		return 1;
	snprintf(msg, sizeof msg, "Error: %s accepts no arguments", cmd);
	usage_error(s, cmd, msg, X_GENERIC);
	return 0;
}

/* The prompt's y/N question. */
static int
really(struct sup *s, const char *question)
{
	char buf[64];

	if (!s->interactive)
		return 1;
	fputs(question, stdout);
	fflush(stdout);
	if (fgets(buf, sizeof buf, stdin) == NULL)
		return 0;
	return buf[0] == 'y' || buf[0] == 'Y';
}

static void
do_shutdown(struct sup *s, struct args *a)
{
	json_t *v;

	if (!no_args(s, a, "shutdown") || !really(s, "Really shut the remote "
	    "supervisord process down y/N? "))
		return;
	switch (sup_call(s, "supervisor.shutdown", NULL, &v, 1)) {
	case SUP_FAULT:
		if (jint(v, "faultCode") != F_SHUTDOWN_STATE) {
			s->exitstatus = X_GENERIC;
			sup_raise_fault(s, v);
		}
		sup_out(s, "ERROR: already shutting down");
		return;
	case SUP_ERRNO:
		s->exitstatus = X_GENERIC;
		if (s->err_errno == ECONNREFUSED || s->err_errno == ENOENT)
			sup_out(s, "ERROR: %s %s (already shut down?)",
			    s->serverurl, s->err_errno == ENOENT ?
			    "no such file" : "refused connection");
		else
			sup_raise_errno(s, s->err_errno);
		return;
	case SUP_OK:
		sup_out(s, "Shut down");
	}
}

static void
do_reload(struct sup *s, struct args *a)
{
	json_t *v;

	if (!no_args(s, a, "reload") || !really(s, "Really restart the remote "
	    "supervisord process y/N? "))
		return;
	if (sup_call(s, "supervisor.restart", NULL, &v, 0) == SUP_OK) {
		sup_out(s, "Restarted supervisord");
		return;
	}
	s->exitstatus = X_GENERIC;
	if (jint(v, "faultCode") != F_SHUTDOWN_STATE)
		sup_raise_fault(s, v);
	sup_out(s, "ERROR: already shutting down");
}

static void
do_version(struct sup *s, struct args *a)
{
	if (!no_args(s, a, "version") || !upcheck(s))
		return;
	sup_out(s, "%s", json_string_value(sup_must(s,
	    "supervisor.getSupervisorVersion", NULL)));
}

/* --- the config: avail, reread, add, remove, update ----------------------- */

/* A fault the config commands word themselves, else raised. */
static void
config_fault(struct sup *s, json_t *v, const char *shutdown_msg)
{
	s->exitstatus = X_GENERIC;
	if (jint(v, "faultCode") == F_SHUTDOWN_STATE)
		sup_out(s, "%s", shutdown_msg);
	else if (jint(v, "faultCode") == F_CANT_REREAD)
		sup_out(s, "ERROR: %s", jstr(v, "faultString"));
	else
		sup_raise_fault(s, v);
}

static void
do_avail(struct sup *s, struct args *a)
{
	json_t *v, *ci;
	char *name, prio[64];
	size_t i;

	if (!no_args(s, a, "avail"))
		return;
	if (sup_call(s, "supervisor.getAllConfigInfo", NULL, &v, 0) ==
	    SUP_FAULT) {
		config_fault(s, v, "ERROR: supervisor shutting down");
		return;
	}
	json_array_foreach(v, i, ci) {
		name = make_namespec(jstr(ci, "group"), jstr(ci, "name"));
		snprintf(prio, sizeof prio, "%lld:%lld", jint(ci, "group_prio"),
		    jint(ci, "process_prio"));
		sup_out(s, "%-32s %-9s %-9s %s", name, jint(ci, "inuse") ?
		    "in use" : "avail", jint(ci, "autostart") ? "auto" :
		    "manual", prio);
		free(name);
	}
}

struct change {
	const char *name;
	const char *what;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->name,
	    ((const struct change *)b)->name);
}

/* reread's "name: available/changed/disappeared", sorted by name; a name
 * in two lists keeps the later word, as supervisorctl's dict does. */
static void
format_changes(struct sup *s, json_t *acd)
{
	static const char *const words[] = { "available", "changed",
	    "disappeared" };
	struct change *ch;
	size_t i, j, k, n = 0, cap = 0;
	json_t *g;

	for (k = 0; k < 3; k++)
		cap += json_array_size(json_array_get(acd, k));
	ch = xcalloc(cap + 1, sizeof *ch);
	for (k = 0; k < 3; k++)
		json_array_foreach(json_array_get(acd, k), i, g) {
			if (!json_is_string(g))
				continue;
			for (j = 0; j < n && strcmp(ch[j].name,
			    json_string_value(g)) != 0; j++)
				;
			if (j == n)
				n++;
			ch[j].name = json_string_value(g);
			ch[j].what = words[k];
		}
	if (n == 0)
		sup_out(s, "No config updates to processes");
	qsort(ch, n, sizeof *ch, by_name);
	for (i = 0; i < n; i++)
		sup_out(s, "%s: %s", ch[i].name, ch[i].what);
	free(ch);
}

static void
do_reread(struct sup *s, struct args *a)
{
	json_t *v;

	if (!no_args(s, a, "reread"))
		return;
	if (sup_call(s, "supervisor.reloadConfig", NULL, &v, 0) == SUP_FAULT) {
		config_fault(s, v, "ERROR: supervisor shutting down");
		return;
	}
	format_changes(s, json_array_get(v, 0));
}

static void
do_add(struct sup *s, struct args *a)
{
	json_t *v;
	int i;

	for (i = 0; i < a->n; i++) {
		if (sup_call(s, "supervisor.addProcessGroup", args1(a->v[i]),
		    &v, 0) == SUP_OK) {
			sup_out(s, "%s: added process group", a->v[i]);
			continue;
		}
		switch (jint(v, "faultCode")) {
		case F_SHUTDOWN_STATE:
			sup_out(s, "ERROR: shutting down");
			s->exitstatus = X_GENERIC;
			break;
		case F_ALREADY_ADDED:
			sup_out(s, "ERROR: process group already active");
			break;
		case F_BAD_NAME:
			sup_out(s, "ERROR: no such process/group: %s", a->v[i]);
			s->exitstatus = X_GENERIC;
			break;
		default:
			s->exitstatus = X_GENERIC;
			sup_raise_fault(s, v);
		}
	}
}

static void
do_remove(struct sup *s, struct args *a)
{
	json_t *v;
	int i;

	for (i = 0; i < a->n; i++) {
		if (sup_call(s, "supervisor.removeProcessGroup",
		    args1(a->v[i]), &v, 0) == SUP_OK) {
			sup_out(s, "%s: removed process group", a->v[i]);
			continue;
		}
		s->exitstatus = X_GENERIC;
		if (jint(v, "faultCode") == F_STILL_RUNNING)
			sup_out(s, "ERROR: process/group still running: %s",
			    a->v[i]);
		else if (jint(v, "faultCode") == F_BAD_NAME)
			sup_out(s, "ERROR: no such process/group: %s", a->v[i]);
		else
			sup_raise_fault(s, v);
	}
}

static int
in_list(json_t *list, const char *name)
{
	json_t *g;
	size_t i;

	json_array_foreach(list, i, g)
		if (json_is_string(g) && strcmp(json_string_value(g), name) ==
		    0)
			return 1;
	return 0;
}

static void
do_update(struct sup *s, struct args *a)
{
	json_t *v, *acd, *added, *changed, *removed, *valid, *groups, *g, *r;
	size_t i, j;
	int fails;

	if (sup_call(s, "supervisor.reloadConfig", NULL, &v, 0) == SUP_FAULT) {
		s->exitstatus = X_GENERIC;
		if (jint(v, "faultCode") != F_SHUTDOWN_STATE)
			sup_raise_fault(s, v);
		sup_out(s, "ERROR: already shutting down");
		return;
	}
	acd = json_array_get(v, 0);
	added = json_array_get(acd, 0);
	changed = json_array_get(acd, 1);
	removed = json_array_get(acd, 2);
	valid = json_array();
	json_array_append_new(s->held, valid);
	if (!has_all(a))
		for (i = 0; i < (size_t)a->n; i++)
			if (!in_list(valid, a->v[i]))
				json_array_append_new(valid,
				    json_string(a->v[i]));
	if (json_array_size(valid) > 0) {
		groups = json_array();
		json_array_append_new(s->held, groups);
		json_array_foreach(sup_must(s, "supervisor.getAllProcessInfo",
		    NULL), i, g)
			json_array_append_new(groups, json_string(jstr(g,
			    "group")));
		json_array_extend(groups, added);
		/* Python iterates a set: its order is not the command
		 * line's, but sorted is as good a stable answer */
		json_array_foreach(valid, i, g)
			if (!in_list(groups, json_string_value(g))) {
				sup_out(s, "ERROR: no such group: %s",
				    json_string_value(g));
				s->exitstatus = X_GENERIC;
			}
	}
#define WANTED(name) (json_array_size(valid) == 0 || in_list(valid, (name)))
	json_array_foreach(removed, i, g) {
		const char *gn = json_string_value(g);

		if (!WANTED(gn))
			continue;
		r = sup_must(s, "supervisor.stopProcessGroup", args1(gn));
		sup_out(s, "%s: stopped", gn);
		fails = 0;
		json_array_foreach(r, j, v)
			fails |= jint(v, "status") == F_FAILED;
		if (fails) {
			sup_out(s, "%s: has problems; not removing", gn);
			s->exitstatus = X_GENERIC;
			continue;
		}
		sup_must(s, "supervisor.removeProcessGroup", args1(gn));
		sup_out(s, "%s: removed process group", gn);
	}
	json_array_foreach(changed, i, g) {
		const char *gn = json_string_value(g);

		if (!WANTED(gn))
			continue;
		sup_must(s, "supervisor.stopProcessGroup", args1(gn));
		sup_out(s, "%s: stopped", gn);
		sup_must(s, "supervisor.removeProcessGroup", args1(gn));
		sup_must(s, "supervisor.addProcessGroup", args1(gn));
		sup_out(s, "%s: updated process group", gn);
	}
	json_array_foreach(added, i, g) {
		const char *gn = json_string_value(g);

		if (!WANTED(gn))
			continue;
		sup_must(s, "supervisor.addProcessGroup", args1(gn));
		sup_out(s, "%s: added process group", gn);
	}
#undef WANTED
}

/* --- the shell's own: open, quit, help ------------------------------------ */

static int quit_asked;

static void
do_quit(struct sup *s, struct args *a)
{
	sup_out(s, "%s", "");
	quit_asked = 1;
}

static void
do_open(struct sup *s, struct args *a)
{
	struct args none = { NULL, 0, "" };
	int old;

	if (strncmp(a->line, "unix:", 5) != 0 &&
	    strncmp(a->line, "http:", 5) != 0 &&
	    strncmp(a->line, "https:", 6) != 0) {
		sup_out(s, "ERROR: url must be http://, https:// or unix://");
		s->exitstatus = X_GENERIC;
		return;
	}
	free(s->serverurl);
	s->serverurl = xstrdup(a->line);
	sup_disconnect(s);
	old = s->exitstatus;
	do_status(s, &none);
	s->exitstatus = old;
}

static const char help_topics[] =
    "\n"
    "default commands (type help <topic>):\n"
    "=====================================\n"
    "add    exit      open  reload  restart   start   tail   \n"
    "avail  fg        pid   remove  shutdown  status  update \n"
    "clear  maintail  quit  reread  signal    stop    version\n"
    "\n";

static void
do_help(struct sup *s, struct args *a)
{
	const struct cmd *c;

	if (a->n == 0 && a->line[0] == '\0') {
		if (s->records != NULL)
			sup_out(s, "%.*s", (int)sizeof help_topics - 3,
			    help_topics);
		else
			fputs(help_topics, stdout);
		if (s->other_help != NULL && s->interactive)
			s->other_help(s);
		return;
	}
	if (strcmp(a->line, "help") == 0) {
		sup_out(s, "help\t\tPrint a list of available actions");
		sup_out(s, "help <action>\tPrint help for <action>");
		return;
	}
	if ((c = cmd_find(a->line)) != NULL && c->help != NULL)
		sup_out(s, "%s", c->help);
	else
		sup_out(s, "*** No help on %s", a->line);
}

static const struct cmd cmds[] = {
	{ "add", do_add, "add <name> [...]\tActivates any updates in config "
	    "for process/group" },
	{ "avail", do_avail, "avail\t\t\tDisplay all configured processes" },
	{ "clear", do_clear, "clear <name>\t\tClear a process' log files.\n"
	    "clear <name> <name>\tClear multiple process' log files\n"
	    "clear all\t\tClear all process' log files" },
	{ "exit", do_quit, "exit\tExit the supervisor shell." },
	{ "fg", do_fg, "fg <process>\tConnect to a process in foreground "
	    "mode\n\t\tCtrl-C to exit" },
	{ "help", do_help, NULL },
	{ "maintail", do_maintail, "maintail -f \tContinuous tail of "
	    "supervisor main log file (Ctrl-C to exit)\n"
	    "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
	    "maintail\tlast 1600 *bytes* of supervisor main log file\n" },
	{ "open", do_open, "open <url>\tConnect to a remote supervisord "
	    "process.\n\t\t(for UNIX domain socket, use unix:///socket/path)" },
	{ "pid", do_pid, "pid\t\t\tGet the PID of supervisord.\n"
	    "pid <name>\t\tGet the PID of a single child process by name.\n"
	    "pid all\t\t\tGet the PID of every child process, one per line." },
	{ "quit", do_quit, "quit\tExit the supervisor shell." },
	{ "reload", do_reload, "reload \t\tRestart the remote supervisord." },
	{ "remove", do_remove, "remove <name> [...]\tRemoves process/group "
	    "from active config" },
	{ "reread", do_reread, "reread \t\t\tReload the daemon's "
	    "configuration files without add/remove" },
	{ "restart", do_restart, "restart <name>\t\tRestart a process\n"
	    "restart <gname>:*\tRestart all processes in a group\n"
	    "restart <name> <name>\tRestart multiple processes or groups\n"
	    "restart all\t\tRestart all processes\n"
	    "Note: restart does not reread config files. For that, see "
	    "reread and update." },
	{ "shutdown", do_shutdown, "shutdown \tShut the remote supervisord "
	    "down." },
	{ "signal", do_signal, "signal <signal name> <name>\t\tSignal a "
	    "process\n"
	    "signal <signal name> <gname>:*\t\tSignal all processes in a "
	    "group\n"
	    "signal <signal name> <name> <name>\tSignal multiple processes "
	    "or groups\n"
	    "signal <signal name> all\t\tSignal all processes" },
	{ "start", do_start, "start <name>\t\tStart a process\n"
	    "start <gname>:*\t\tStart all processes in a group\n"
	    "start <name> <name>\tStart multiple processes or groups\n"
	    "start all\t\tStart all processes" },
	{ "status", do_status, "status <name>\t\tGet status for a single "
	    "process\n"
	    "status <gname>:*\tGet status for all processes in a group\n"
	    "status <name> <name>\tGet status for multiple named processes\n"
	    "status\t\t\tGet all process status info" },
	{ "stop", do_stop, "stop <name>\t\tStop a process\n"
	    "stop <gname>:*\t\tStop all processes in a group\n"
	    "stop <name> <name>\tStop multiple processes or groups\n"
	    "stop all\t\tStop all processes" },
	{ "tail", do_tail, "tail [-f] <name> [stdout|stderr] (default "
	    "stdout)\nEx:\n"
	    "tail -f <name>\t\tContinuous tail of named process stdout\n"
	    "\t\t\tCtrl-C to exit.\n"
	    "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
	    "tail <name> stderr\tlast 1600 *bytes* of process stderr" },
	{ "update", do_update, "update\t\t\tReload config and add/remove as "
	    "necessary, and will restart affected programs\n"
	    "update all\t\tReload config and add/remove as necessary, and "
	    "will restart affected programs\n"
	    "update <gname> [...]\tUpdate specific groups" },
	{ "version", do_version, "version\t\t\tShow the version of the "
	    "remote supervisord process" },
	{ "EOF", do_quit, NULL },
};

static const struct cmd *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

int
sup_is_action(const char *word)
{
	return cmd_find(word) != NULL && strcmp(word, "EOF") != 0;
}

const char *
sup_action(size_t i)
{
	return i < sizeof cmds / sizeof cmds[0] - 1 ? cmds[i].name : NULL;
}

/* --- onecmd --------------------------------------------------------------- */

static int
py_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* str.split(): words of text, malloc'd, in a->v. */
static void
split_words(struct args *a, char *text)
{
	char *p = text;

	a->v = xcalloc(strlen(text) / 2 + 2, sizeof *a->v);
	a->n = 0;
	for (;;) {
		while (py_space(*p))
			p++;
		if (*p == '\0')
			break;
		a->v[a->n++] = p;
		while (*p != '\0' && !py_space(*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* The shell asks for a username and a password after a 401. */
static int
ask_credentials(struct sup *s)
{
	char *user = NULL, *pass;
	size_t cap = 0;
	ssize_t n;

	fputs("Username:", stdout);
	fflush(stdout);
	if ((n = getline(&user, &cap, stdin)) <= 0) {
		free(user);
		return 0;
	}
	while (n > 0 && (user[n - 1] == '\n' || user[n - 1] == '\r'))
		user[--n] = '\0';
	if ((pass = getpass("Password:")) == NULL) {
		free(user);
		return 0;
	}
	sup_out(s, "%s", "");
	free(s->username);
	free(s->password);
	s->username = user;
	s->password = xstrdup(pass);
	explicit_bzero(pass, strlen(pass));
	return 1;
}

int
sup_onecmd(struct sup *s, const char *input)
{
	char *line, *end, *arg, *words, *name;
	const struct cmd *c;
	struct args a;
	jmp_buf jb;
	size_t i;

	quit_asked = 0;
	/* input itself stays as it came: it is used after setjmp below */
	for (arg = (char *)(uintptr_t)input; py_space(*arg); arg++)
		;
	line = xstrdup(arg);
	for (end = line + strlen(line); end > line && py_space(end[-1]); )
		*--end = '\0';
	if (*line == '\0') {
		free(line);
		return 0;
	}
	if (*line == '?') {
		xasprintf(&name, "help %s", line + 1);
		free(line);
		line = name;
	}
	for (i = 0; isalnum((unsigned char)line[i]) || line[i] == '_'; i++)
		;
	name = xstrndup(line, i);
	for (arg = line + i; py_space(*arg); arg++)
		;
	if (i == 0 || (c = cmd_find(name)) == NULL) {
		sup_out(s, "*** Unknown syntax: %s", line);
		s->exitstatus = X_GENERIC;
		free(name);
		free(line);
		return 0;
	}
	words = xstrdup(arg);
	a.line = arg;
	split_words(&a, words);
	s->raise = &jb;
	s->unauth = 0;
	if (setjmp(jb) == 0)
		c->run(s, &a);
	else if (s->unauth == 1 && s->interactive && ask_credentials(s)) {
		s->raise = NULL;
		json_array_clear(s->held);
		free(a.v);
		free(words);
		free(name);
		free(line);
		return sup_onecmd(s, input);
	} else if (s->unauth == 1) {
		/* supervisorctl runs the command once more, and its second
		 * 401 is raised as a ProtocolError */
		s->unauth = 2;
		if (setjmp(jb) == 0)
			c->run(s, &a);
	}
	s->raise = NULL;
	json_array_clear(s->held);
	free(a.v);
	free(words);
	free(name);
	free(line);
	return quit_asked;
}
