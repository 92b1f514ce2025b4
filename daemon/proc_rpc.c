/*
 * proc_rpc.c — supervisor.* methods over the process table (spec §4.3,
 * §4.4, Appendix A.1): process info, and start/stop whose answers wait,
 * without blocking the loop, until the process settles.
 */
#include "config.h"

#include <sys/queue.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

/* A deferred start or stop answer. */
struct waiter {
	TAILQ_ENTRY(waiter) entry;
	struct sth_rpc_call *call;
	struct proc *p;
	int stop;		/* 1: stopProcess, 0: startProcess */
	char *name;		/* as the caller spelled it */
	struct event *report;	/* "waiting for x to stop" every 2 s */
};
static TAILQ_HEAD(, waiter) waiters = TAILQ_HEAD_INITIALIZER(waiters);

static void
waiter_free(struct waiter *w)
{
	TAILQ_REMOVE(&waiters, w, entry);
	if (w->report != NULL)
		event_free(w->report);
	free(w->name);
	free(w);
}

/* Split a namespec: "g:p", "g:" and "g:*" (process NULL), "name". */
static void
split_namespec(const char *spec, char **group, char **name)
{
	const char *c = strchr(spec, ':');

	if (c == NULL) {
		*group = xstrdup(spec);
		*name = xstrdup(spec);
		return;
	}
	*group = xstrndup(spec, c - spec);
	*name = c[1] == '\0' || strcmp(c + 1, "*") == 0 ? NULL :
	    xstrdup(c + 1);
}

/* The group and process of spec, or a BAD_NAME fault (returns -1). */
static int
lookup(struct sth_rpc_call *call, const char *spec, struct proc_group **gp,
       struct proc **pp)
{
	char *gn, *pn;
	size_t j;

	split_namespec(spec, &gn, &pn);
	*gp = proctable_group(gn);
	*pp = NULL;
	if (*gp != NULL && pn != NULL) {
		for (j = 0; j < (*gp)->nprocs; j++)
			if (strcmp((*gp)->procs[j]->cfg->name, pn) == 0)
				*pp = (*gp)->procs[j];
	}
	if (*gp == NULL || (pn != NULL && *pp == NULL)) {
		free(gn);
		free(pn);
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return -1;
	}
	free(gn);
	free(pn);
	return 0;
}

static int
check_state(struct sth_rpc_call *call)
{
	if (sth.state < STH_STATE_RUNNING) {
		rpc_fault(call, STH_FAULT_SHUTDOWN_STATE, NULL);
		return -1;
	}
	return 0;
}

/* Parameters: n required strings, then up to nopt optional booleans. */
static int
params(struct sth_rpc_call *call, json_t *pa, size_t n, size_t nopt)
{
	size_t i, len = json_array_size(pa);

	if (len < n || len > n + nopt) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(pa, i))) {
			rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
			return -1;
		}
	return 0;
}

static int
opt_bool(json_t *pa, size_t i, int def)
{
	json_t *v = json_array_get(pa, i);

	if (v == NULL)
		return def;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	return json_is_true(v);
}

/* Python's str(timedelta) of secs >= 0. */
static void
fmt_uptime(long secs, char *buf, size_t len)
{
	long days = secs / 86400, rest = secs % 86400;

	if (days > 0)
		snprintf(buf, len, "%ld day%s, %ld:%02ld:%02ld", days,
		    days == 1 ? "" : "s", rest / 3600, rest % 3600 / 60,
		    rest % 60);
	else
		snprintf(buf, len, "%ld:%02ld:%02ld", rest / 3600,
		    rest % 3600 / 60, rest % 60);
}

static char *
describe(const struct proc *p, time_t now)
{
	char up[64], *d;
	struct tm tm;
	time_t t;

	switch (p->state) {
	case PROC_RUNNING:
		fmt_uptime(now > p->start ? (long)(now - p->start) : 0, up,
		    sizeof up);
		xasprintf(&d, "pid %ld, uptime %s", (long)p->pid, up);
		return d;
	case PROC_FATAL:
	case PROC_BACKOFF:
		if (p->spawnerr != NULL && *p->spawnerr != '\0')
			return xstrdup(p->spawnerr);
		xasprintf(&d, "unknown error (try \"tail %s\")", p->cfg->name);
		return d;
	case PROC_STOPPED:
	case PROC_EXITED:
		if (p->start == 0)
			return xstrdup("Not started");
		t = p->stop;
		localtime_r(&t, &tm);
		strftime(up, sizeof up, "%b %d %I:%M %p", &tm);
		return xstrdup(up);
	default:
		return xstrdup("");
	}
}

static json_t *
proc_info(const struct proc *p)
{
	time_t now = time(NULL);
	const char *out = p->cfg->log[PROC_STDOUT].path;
	const char *err = p->cfg->log[PROC_STDERR].path;
	json_t *o = json_object();
	char *desc;

	json_object_set_new(o, "name", json_string(p->cfg->name));
	json_object_set_new(o, "group", json_string(p->group->cfg->name));
	json_object_set_new(o, "start", json_integer(p->start));
	json_object_set_new(o, "stop", json_integer(p->stop));
	json_object_set_new(o, "now", json_integer(now));
	json_object_set_new(o, "state", json_integer(p->state));
	json_object_set_new(o, "statename",
	    json_string(proc_state_name(p->state)));
	json_object_set_new(o, "spawnerr",
	    json_string(p->spawnerr != NULL ? p->spawnerr : ""));
	json_object_set_new(o, "exitstatus", json_integer(p->exitstatus));
	json_object_set_new(o, "logfile", json_string(out != NULL ? out : ""));
	json_object_set_new(o, "stdout_logfile",
	    json_string(out != NULL ? out : ""));
	json_object_set_new(o, "stderr_logfile",
	    json_string(err != NULL ? err : ""));
	json_object_set_new(o, "pid", json_integer(p->pid));
	desc = describe(p, now);
	json_object_set_new(o, "description", json_string(desc));
	free(desc);
	return o;
}

static void
m_get_process_info(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;

	if (check_state(call) == -1 || params(call, pa, 1, 0) == -1)
		return;
	spec = json_string_value(json_array_get(pa, 0));
	if (lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return;
	}
	rpc_return(call, proc_info(p));
}

static int
cmp_info(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a;
	const struct proc *y = *(struct proc *const *)b;
	int c = strcmp(x->group->cfg->name, y->group->cfg->name);

	return c != 0 ? c : strcmp(x->cfg->name, y->cfg->name);
}

static void
m_get_all_process_info(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc **all = NULL;
	struct proc_group *g;
	size_t n = 0, i, j;
	json_t *a;

	if (check_state(call) == -1 || params(call, pa, 0, 0) == -1)
		return;
	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		for (j = 0; j < g->nprocs; j++) {
			all = xreallocarray(all, n + 1, sizeof *all);
			all[n++] = g->procs[j];
		}
	if (n > 1)
		qsort(all, n, sizeof *all, cmp_info);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, proc_info(all[i]));
	free(all);
	rpc_return(call, a);
}

/* --- deferred answers ------------------------------------------------------ */

/* 1 if w was answered (and freed). */
static int
waiter_check(struct waiter *w)
{
	struct sth_rpc_call *call = w->call;
	enum proc_state s = w->p->state;

	if (w->stop) {
		if (!proc_state_stopped(s))
			return 0;
		waiter_free(w);
		rpc_return(call, json_true());
		return 1;
	}
	if (w->p->spawnerr != NULL) {
		rpc_fault(call, STH_FAULT_SPAWN_ERROR, "%s", w->name);
		waiter_free(w);
		return 1;
	}
	if (s != PROC_STARTING && s != PROC_RUNNING) {
		rpc_fault(call, STH_FAULT_ABNORMAL_TERMINATION, "%s", w->name);
		waiter_free(w);
		return 1;
	}
	if (s == PROC_RUNNING) {
		waiter_free(w);
		rpc_return(call, json_true());
		return 1;
	}
	return 0;
}

static void
state_hook(struct proc *p, enum proc_state from)
{
	struct waiter *w, *next;

	for (w = TAILQ_FIRST(&waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->p == p)
			waiter_check(w);
	}
}

static void
waiter_cancel(struct sth_rpc_call *call, void *arg)
{
	waiter_free(arg);
}

static void
stop_report(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	if (w->p->state == PROC_STOPPING)
		log_info("waiting for %s to stop", w->p->cfg->name);
}

static void
defer(struct sth_rpc_call *call, struct proc *p, int stop, const char *name)
{
	struct waiter *w = xcalloc(1, sizeof *w);
	struct timeval tv = { 2, 0 };

	w->call = call;
	w->p = p;
	w->stop = stop;
	w->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&waiters, w, entry);
	rpc_on_cancel(call, waiter_cancel, w);
	if (stop && sth.base != NULL) {
		stop_report(-1, 0, w);
		w->report = event_new(sth.base, -1, EV_PERSIST, stop_report, w);
		event_add(w->report, &tv);
	}
}

static void
m_start_process(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;
	char **argv, *err = NULL, *file;
	int fault;

	if (check_state(call) == -1 || params(call, pa, 1, 1) == -1)
		return;
	spec = json_string_value(json_array_get(pa, 0));
	if (lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		/* "group:*": startProcessGroup is not served yet */
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return;
	}
	if ((argv = proc_split_command(p->cfg->command, &err)) == NULL) {
		file = proc_pyrepr(p->cfg->command);
		rpc_fault(call, STH_FAULT_NOT_EXECUTABLE, "can't parse command "
		    "%s: %s", file, err);
		free(file);
		free(err);
		return;
	}
	file = proc_resolve_command(p->cfg, argv, &fault, &err);
	proc_argv_free(argv);
	if (file == NULL) {
		rpc_fault(call, fault, "%s", err);
		free(err);
		return;
	}
	free(file);
	if (proc_state_running(p->state)) {
		rpc_fault(call, STH_FAULT_ALREADY_STARTED, "%s", spec);
		return;
	}
	if (p->state == PROC_UNKNOWN) {
		rpc_fault(call, STH_FAULT_FAILED, "%s is in an unknown process "
		    "state", spec);
		return;
	}
	proc_spawn(p);
	proctable_on_sigchld();
	if (p->spawnerr != NULL) {
		rpc_fault(call, STH_FAULT_SPAWN_ERROR, "%s", spec);
		return;
	}
	if (opt_bool(pa, 1, 1) && p->state != PROC_RUNNING) {
		defer(call, p, 0, spec);
		return;
	}
	rpc_return(call, json_true());
}

static void
m_stop_process(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;

	if (check_state(call) == -1 || params(call, pa, 1, 1) == -1)
		return;
	spec = json_string_value(json_array_get(pa, 0));
	if (lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return;
	}
	if (!proc_state_running(p->state)) {
		rpc_fault(call, STH_FAULT_NOT_RUNNING, "%s", spec);
		return;
	}
	if (proc_stop(p) == -1) {
		rpc_fault(call, STH_FAULT_FAILED, "%s", spec);
		return;
	}
	proctable_on_sigchld();
	if (opt_bool(pa, 1, 1) && !proc_state_stopped(p->state)) {
		defer(call, p, 1, spec);
		return;
	}
	rpc_return(call, json_true());
}

static void
m_signal_process(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec, *sigs;
	char *err = NULL;
	int sig;

	if (check_state(call) == -1 || params(call, pa, 2, 0) == -1)
		return;
	spec = json_string_value(json_array_get(pa, 0));
	sigs = json_string_value(json_array_get(pa, 1));
	if (lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return;
	}
	if (cfgval_signal(sigs, &sig, &err) == -1) {
		free(err);
		rpc_fault(call, STH_FAULT_BAD_SIGNAL, "%s", sigs);
		return;
	}
	if (p->state != PROC_RUNNING && p->state != PROC_STARTING &&
	    p->state != PROC_STOPPING) {
		rpc_fault(call, STH_FAULT_NOT_RUNNING, "%s", spec);
		return;
	}
	if (proc_signal(p, sig) == -1) {
		rpc_fault(call, STH_FAULT_FAILED, "%s", spec);
		return;
	}
	rpc_return(call, json_true());
}

static void
m_send_process_stdin(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;
	json_t *chars;

	if (check_state(call) == -1)
		return;
	if (json_array_size(pa) != 2 || !json_is_string(json_array_get(pa,
	    0)) || !json_is_string(chars = json_array_get(pa, 1))) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	spec = json_string_value(json_array_get(pa, 0));
	if (lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return;
	}
	if (p->pid == 0 || p->killing) {
		rpc_fault(call, STH_FAULT_NOT_RUNNING, "%s", spec);
		return;
	}
	if (proc_io_write_stdin(p, json_string_value(chars),
	    json_string_length(chars)) == -1) {
		rpc_fault(call, STH_FAULT_NO_FILE, "%s", spec);
		return;
	}
	rpc_return(call, json_true());
}

static const struct {
	const char *name;
	sth_rpc_fn fn;
	const char *sig;
	const char *help;
} methods[] = {
	{ "supervisor.getProcessInfo", m_get_process_info,
	  "[[\"struct\",\"string\"]]",
	  "Get info about a process named name\n\n"
	  "@param string name The name of the process (or 'group:name')\n"
	  "@return struct result     A structure containing data about the "
	  "process" },
	{ "supervisor.getAllProcessInfo", m_get_all_process_info,
	  "[[\"array\"]]",
	  "Get info about all processes\n\n"
	  "@return array result  An array of process status results" },
	{ "supervisor.startProcess", m_start_process,
	  "[[\"boolean\",\"string\",\"boolean\"]]",
	  "Start a process\n\n"
	  "@param string name Process name (or ``group:name``, or "
	  "``group:*``)\n"
	  "@param boolean wait Wait for process to be fully started\n"
	  "@return boolean result     Always true unless error" },
	{ "supervisor.stopProcess", m_stop_process,
	  "[[\"boolean\",\"string\",\"boolean\"]]",
	  "Stop a process named by name\n\n"
	  "@param string name  The name of the process to stop (or "
	  "'group:name')\n"
	  "@param boolean wait        Wait for the process to be fully "
	  "stopped\n"
	  "@return boolean result     Always return True unless error" },
	{ "supervisor.signalProcess", m_signal_process,
	  "[[\"boolean\",\"string\",\"string\"]]",
	  "Send an arbitrary UNIX signal to the process named by name\n\n"
	  "@param string name    Name of the process to signal (or "
	  "'group:name')\n"
	  "@param string signal  Signal to send, as name ('HUP') or number "
	  "('1')\n"
	  "@return boolean" },
	{ "supervisor.sendProcessStdin", m_send_process_stdin,
	  "[[\"boolean\",\"string\",\"string\"]]",
	  "Send a string of chars to the stdin of the process name.\n"
	  "If non-7-bit data is sent (unicode), it is encoded to utf-8\n"
	  "before being sent to the process' stdin.  If chars is not a\n"
	  "string or is not unicode, raise INCORRECT_PARAMETERS.  If the\n"
	  "process is not running, raise NOT_RUNNING.  If the process'\n"
	  "stdin cannot accept input (e.g. it was closed by the child\n"
	  "process), raise NO_FILE.\n\n"
	  "@param string name        The process name to send to (or "
	  "'group:name')\n"
	  "@param string chars       The character data to send to the "
	  "process\n"
	  "@return boolean result    Always return True unless error" },
};

void
proc_rpc_register(void)
{
	static int done;
	size_t i;

	if (done)
		return;
	done = 1;
	proc_state_hook = state_hook;
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (rpc_register(NULL, methods[i].name, methods[i].fn, NULL,
		    methods[i].help, methods[i].sig) == -1)
			log_warn("could not register %s", methods[i].name);
}
