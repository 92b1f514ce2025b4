/*
 * proc_rpc_ctl.c — start, stop and signal one process, a group ("g:*") or
 * all of them, and sendProcessStdin (docs/supervisord.md §4.3, §4.4, §2.4).
 *
 * A start or stop with wait answers later, without blocking the loop: a
 * waiter is kept on its process (and on its batch), so a state change
 * looks at that process's waiters only, and a cancelled batch at its own.
 * The group and "all" forms answer supervisor's array of {name, group,
 * status, description}: first the results known at once (in process
 * order), then those that had to wait, in process order too, once the
 * last one is known.
 * sendProcessStdin faults FAILED rather than keep more than PROC_STDIN_MAX
 * bytes waiting for a child that does not read them.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "loader.h"
#include "log.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

enum ctl_op { CTL_START, CTL_STOP, CTL_SIGNAL };

/* A group or "all" answer being put together. */
struct batch {
	struct sth_rpc_call *call;
	LIST_HEAD(, proc_waiter) waiters;	/* its deferred slots */
	json_t *results;	/* the answers known at once */
	json_t **later;		/* deferred answers, by slot */
	size_t nlater;
	size_t npending;
	int building;		/* still walking the processes */
};

/* One process's deferred start or stop. */
struct proc_waiter {
	TAILQ_ENTRY(proc_waiter) pentry; /* p->rpc_waiters, oldest first */
	LIST_ENTRY(proc_waiter) bentry;	/* of batch */
	struct proc *p;
	int stop;		/* 1: stop, 0: start */
	char *name;		/* the namespec the fault texts carry */
	struct sth_rpc_call *call;	/* a single answer, or NULL */
	struct batch *batch;	/* or a slot of this batch */
	size_t slot;
	struct event *report;	/* "waiting for x to stop" every 2 s */
};

static void batch_finish(struct batch *b);

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

static void
waiter_free(struct proc_waiter *w)
{
	TAILQ_REMOVE(&w->p->rpc_waiters, w, pentry);
	if (w->batch != NULL)
		LIST_REMOVE(w, bentry);
	if (w->report != NULL)
		event_free(w->report);
	free(w->name);
	free(w);
}

/* Deliver w's outcome (code 0: success) and free it. */
static void
waiter_done(struct proc_waiter *w, int code)
{
	struct sth_rpc_call *call = w->call;
	struct batch *b = w->batch;

	if (b != NULL) {
		b->later[w->slot] = proc_rpc_result(w->p, code != 0 ? code :
		    STH_FAULT_SUCCESS, w->name);
		b->npending--;
		waiter_free(w);
		batch_finish(b);
		return;
	}
	if (code == 0) {
		waiter_free(w);
		rpc_return(call, json_true());
		return;
	}
	rpc_fault(call, code, "%s", w->name);
	waiter_free(w);
}

/* The outcome of w now: -1 still waiting, 0 success, else a fault code. */
static int
waiter_outcome(const struct proc_waiter *w)
{
	enum proc_state s = w->p->state;

	if (w->stop)
		return proc_state_stopped(s) ? 0 : -1;
	if (w->p->spawnerr != NULL)
		return STH_FAULT_SPAWN_ERROR;
	if (s != PROC_STARTING && s != PROC_RUNNING)
		return STH_FAULT_ABNORMAL_TERMINATION;
	return s == PROC_RUNNING ? 0 : -1;
}

static void
state_hook(struct proc *p, enum proc_state from)
{
	struct proc_waiter *w, *next;
	int code;

	for (w = TAILQ_FIRST(&p->rpc_waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, pentry);
		if ((code = waiter_outcome(w)) != -1) {
			waiter_done(w, code);
			/* answering may have freed any waiter: start over */
			next = TAILQ_FIRST(&p->rpc_waiters);
		}
	}
}

void
proc_rpc_forget(struct proc *p)
{
	struct proc_waiter *w;

	while ((w = TAILQ_FIRST(&p->rpc_waiters)) != NULL)
		waiter_done(w, w->stop ? 0 : STH_FAULT_ABNORMAL_TERMINATION);
}

static void
single_cancel(struct sth_rpc_call *call, void *arg)
{
	waiter_free(arg);
}

static void
stop_report(evutil_socket_t fd, short what, void *arg)
{
	struct proc_waiter *w = arg;

	if (w->p->state == PROC_STOPPING)
		log_info("waiting for %s to stop", w->p->cfg->name);
}

/* A waiter on p, last of its waiters; the caller sets call or batch. */
static struct proc_waiter *
waiter_new(struct proc *p, int stop, const char *name)
{
	struct proc_waiter *w = xcalloc(1, sizeof *w);
	struct timeval tv = { 2, 0 };

	w->p = p;
	w->stop = stop;
	w->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&p->rpc_waiters, w, pentry);
	if (stop && sth.base != NULL) {
		stop_report(-1, 0, w);
		w->report = event_new(sth.base, -1, EV_PERSIST, stop_report, w);
		event_add(w->report, &tv);
	}
	return w;
}

/* --- one process ---------------------------------------------------------- */

/*
 * startProcess's checks, in supervisor's order, then the spawn.  Returns -1
 * with *code and *detail (malloc'd) for a fault, 0 if p has reached RUNNING,
 * 1 if it is STARTING (the caller waits or not).  The reap below may see a
 * fast child out already: with startsecs=0 it went RUNNING, then EXITED, and
 * no later state change would answer a waiter.
 */
static int
start_one(struct proc *p, const char *name, int *code, char **detail)
{
	/* The spawn below takes the command split and resolved here. */
	if (proc_command_prepare(p, code, detail) == -1)
		return -1;
	if (proc_state_running(p->state)) {
		proc_command_drop(p);
		*code = STH_FAULT_ALREADY_STARTED;
		*detail = xstrdup(name);
		return -1;
	}
	if (p->state == PROC_UNKNOWN) {
		proc_command_drop(p);
		*code = STH_FAULT_FAILED;
		xasprintf(detail, "%s is in an unknown process state", name);
		return -1;
	}
	proc_spawn(p);
	proc_command_drop(p);	/* a spawn that did not run leaves it */
	proctable_on_sigchld();
	if (p->spawnerr != NULL) {
		*code = STH_FAULT_SPAWN_ERROR;
		*detail = xstrdup(name);
		return -1;
	}
	return p->state == PROC_STARTING ? 1 : 0;
}

/*
 * stopProcess: -1 fault, 0 stopped already, 1 stopping.  Only a single stop
 * reaps at once: a group's children die while the others are signalled,
 * and reaping between them would answer some at once and some later, out
 * of process order (supervisord, slower between kill and waitpid, answers
 * them in order).
 */
static int
stop_one(struct proc *p, const char *name, int reap, int *code,
	 char **detail)
{
	if (!proc_state_running(p->state)) {
		*code = STH_FAULT_NOT_RUNNING;
		*detail = xstrdup(name);
		return -1;
	}
	if (proc_stop(p) == -1) {
		*code = STH_FAULT_FAILED;
		*detail = xstrdup(name);
		return -1;
	}
	if (reap)
		proctable_on_sigchld();
	return proc_state_stopped(p->state) ? 0 : 1;
}

/* signalProcess: -1 fault, 0 sent. */
static int
signal_one(struct proc *p, const char *name, const char *sigs, int *code,
	   char **detail)
{
	char *err = NULL;
	int sig;

	if (cfgval_signal(sigs, &sig, &err) == -1) {
		free(err);
		*code = STH_FAULT_BAD_SIGNAL;
		*detail = xstrdup(sigs);
		return -1;
	}
	if (p->state != PROC_RUNNING && p->state != PROC_STARTING &&
	    p->state != PROC_STOPPING) {
		*code = STH_FAULT_NOT_RUNNING;
		*detail = xstrdup(name);
		return -1;
	}
	if (proc_signal(p, sig) == -1) {
		*code = STH_FAULT_FAILED;
		*detail = xstrdup(name);
		return -1;
	}
	return 0;
}

/* --- groups and "all" ----------------------------------------------------- */

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nlater; i++)
		if (b->later[i] != NULL)
			json_decref(b->later[i]);
	free(b->later);
	if (b->results != NULL)
		json_decref(b->results);
	free(b);
}

static void
batch_finish(struct batch *b)
{
	struct sth_rpc_call *call = b->call;
	json_t *r;
	size_t i;

	if (b->building || b->npending > 0)
		return;
	for (i = 0; i < b->nlater; i++) {
		json_array_append_new(b->results, b->later[i]);
		b->later[i] = NULL;
	}
	r = b->results;
	b->results = NULL;
	batch_free(b);
	rpc_return(call, r);
}

static void
batch_cancel(struct sth_rpc_call *call, void *arg)
{
	struct batch *b = arg;
	struct proc_waiter *w;

	while ((w = LIST_FIRST(&b->waiters)) != NULL)
		waiter_free(w);
	batch_free(b);
}

/* Which processes an operation covers (supervisor's predicates). */
static int
batch_wants(enum ctl_op op, const struct proc *p)
{
	switch (op) {
	case CTL_START:
		return !proc_state_running(p->state);
	case CTL_STOP:
		return proc_state_running(p->state);
	case CTL_SIGNAL:
		return p->state == PROC_RUNNING || p->state == PROC_STARTING ||
		    p->state == PROC_STOPPING;
	}
	fatalx("bad op %d", op);
}

static void
batch_run(struct sth_rpc_call *call, struct proc **ps, size_t n,
	  enum ctl_op op, int wait, const char *sigs)
{
	struct batch *b = xcalloc(1, sizeof *b);
	struct proc_waiter *w;
	char *name, *detail;
	size_t i;
	int rc, code;

	b->call = call;
	LIST_INIT(&b->waiters);
	b->results = json_array();
	b->building = 1;
	for (i = 0; i < n; i++) {
		if (!batch_wants(op, ps[i]))
			continue;
		name = proc_namespec(ps[i]);
		detail = NULL;
		if (op == CTL_START)
			rc = start_one(ps[i], name, &code, &detail);
		else if (op == CTL_STOP)
			rc = stop_one(ps[i], name, 0, &code, &detail);
		else
			rc = signal_one(ps[i], name, sigs, &code, &detail);
		if (rc == -1)
			json_array_append_new(b->results,
			    proc_rpc_result(ps[i], code, detail));
		else if (rc == 1 && wait) {
			b->later = xreallocarray(b->later, b->nlater + 1,
			    sizeof *b->later);
			b->later[b->nlater] = NULL;
			w = waiter_new(ps[i], op == CTL_STOP, name);
			w->batch = b;
			LIST_INSERT_HEAD(&b->waiters, w, bentry);
			w->slot = b->nlater++;
			b->npending++;
		} else
			json_array_append_new(b->results,
			    proc_rpc_result(ps[i], STH_FAULT_SUCCESS, NULL));
		free(detail);
		free(name);
	}
	b->building = 0;
	if (b->npending > 0)
		rpc_on_cancel(call, batch_cancel, b);
	batch_finish(b);
}

static void
group_run(struct sth_rpc_call *call, struct proc_group *g, enum ctl_op op,
	  int wait, const char *sigs)
{
	batch_run(call, g->procs, g->nprocs, op, wait, sigs);
}

static void
all_run(struct sth_rpc_call *call, enum ctl_op op, int wait,
	const char *sigs)
{
	struct proc **all;
	size_t n;

	all = proc_rpc_all(&n);
	batch_run(call, all, n, op, wait, sigs);
	free(all);
}

/* --- the methods ---------------------------------------------------------- */

static void
answer_one(struct sth_rpc_call *call, struct proc *p, int stop, int rc,
	   int code, char *detail, const char *spec, int wait)
{
	struct proc_waiter *w;

	if (rc == -1)
		rpc_fault(call, code, "%s", detail);
	else if (rc == 1 && wait) {
		w = waiter_new(p, stop, spec);
		w->call = call;
		rpc_on_cancel(call, single_cancel, w);
	} else
		rpc_return(call, json_true());
	free(detail);
}

/* startProcess and stopProcess: one process, or every one of "g:*". */
static void
start_or_stop(struct sth_rpc_call *call, json_t *pa, enum ctl_op op)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;
	char *detail = NULL;
	int rc, code = 0, wait;

	spec = json_string_value(json_array_get(pa, 0));
	wait = opt_bool(pa, 1, 1);
	if (proc_rpc_lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		group_run(call, g, op, wait, NULL);
		return;
	}
	if (op == CTL_START)
		rc = start_one(p, spec, &code, &detail);
	else
		rc = stop_one(p, spec, 1, &code, &detail);
	answer_one(call, p, op == CTL_STOP, rc, code, detail, spec, wait);
}

static void
m_start_process(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	start_or_stop(call, pa, CTL_START);
}

static void
m_stop_process(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	start_or_stop(call, pa, CTL_STOP);
}

static void
m_signal_process(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec, *sigs;
	char *detail = NULL;
	int rc, code = 0;

	spec = json_string_value(json_array_get(pa, 0));
	sigs = json_string_value(json_array_get(pa, 1));
	if (proc_rpc_lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		group_run(call, g, CTL_SIGNAL, 0, sigs);
		return;
	}
	rc = signal_one(p, spec, sigs, &code, &detail);
	answer_one(call, p, 0, rc, code, detail, spec, 0);
}

/* The group methods take the group's bare name (BAD_NAME otherwise);
 * the parameters are checked. */
static struct proc_group *
group_param(struct sth_rpc_call *call, json_t *pa)
{
	struct proc_group *g;
	const char *name;

	name = json_string_value(json_array_get(pa, 0));
	if ((g = proctable_group(name)) == NULL)
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", name);
	return g;
}

static void
m_start_process_group(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;

	if ((g = group_param(call, pa)) != NULL)
		group_run(call, g, CTL_START, opt_bool(pa, 1, 1), NULL);
}

static void
m_stop_process_group(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	const char *name = json_string_value(json_array_get(pa, 0));

	/* update stops a plugin section before it removes it: no process */
	if (name != NULL && proctable_group(name) == NULL &&
	    plugin_unit_known(name)) {
		if (proc_rpc_check_state(call) == 0)
			rpc_return(call, json_array());
		return;
	}
	if (proc_rpc_check_state(call) == -1 ||
	    proc_rpc_params(call, pa, 1, 1) == -1)
		return;
	if ((g = group_param(call, pa)) != NULL)
		group_run(call, g, CTL_STOP, opt_bool(pa, 1, 1), NULL);
}

static void
m_signal_process_group(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;

	if (json_array_size(pa) != 2 ||
	    !json_is_string(json_array_get(pa, 1))) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	if (proc_rpc_check_state(call) == -1 ||
	    proc_rpc_params(call, pa, 1, 1) == -1)
		return;
	if ((g = group_param(call, pa)) != NULL)
		group_run(call, g, CTL_SIGNAL, 0,
		    json_string_value(json_array_get(pa, 1)));
}

static void
m_start_all(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	all_run(call, CTL_START, opt_bool(pa, 0, 1), NULL);
}

static void
m_stop_all(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	all_run(call, CTL_STOP, opt_bool(pa, 0, 1), NULL);
}

static void
m_signal_all(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	all_run(call, CTL_SIGNAL, 0, json_string_value(json_array_get(pa,
	    0)));
}

static void
m_send_process_stdin(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;
	json_t *chars;
	size_t len;

	spec = json_string_value(json_array_get(pa, 0));
	chars = json_array_get(pa, 1);
	if (proc_rpc_lookup(call, spec, &g, &p) == -1)
		return;
	if (p == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
		return;
	}
	if (p->pid == 0 || p->killing) {
		rpc_fault(call, STH_FAULT_NOT_RUNNING, "%s", spec);
		return;
	}
	len = json_string_length(chars);
	if (!proc_io_stdin_fits(p, len)) {
		rpc_fault(call, STH_FAULT_FAILED, "%s: stdin buffer full (%zu "
		    "bytes not yet read by the process, %zu more would pass "
		    "%d)", spec, p->inlen, len, PROC_STDIN_MAX);
		return;
	}
	if (proc_io_write_stdin(p, json_string_value(chars), len) == -1) {
		rpc_fault(call, STH_FAULT_NO_FILE, "%s", spec);
		return;
	}
	rpc_return(call, json_true());
}

static const struct proc_method ctl_methods[] = {
	{ "supervisor.startProcess", m_start_process,
	  PROC_PARAMS(1, 1), "[\"boolean\",\"string\",\"boolean\"]",
	  " Start a process\n"
	  "\n"
	  "        @param string name Process name (or ``group:name``, or "
	  "``group:*``)\n"
	  "        @param boolean wait Wait for process to be fully started\n"
	  "        @return boolean result     Always true unless error\n"
	  "\n"
	  "        " },
	{ "supervisor.startProcessGroup", m_start_process_group,
	  PROC_PARAMS(1, 1), "[\"array\",\"string\",\"boolean\"]",
	  " Start all processes in the group named 'name'\n"
	  "\n"
	  "        @param string name     The group name\n"
	  "        @param boolean wait    Wait for each process to be fully "
	  "started\n"
	  "        @return array result   An array of process status info "
	  "structs\n"
	  "        " },
	{ "supervisor.startAllProcesses", m_start_all,
	  PROC_PARAMS(0, 1), "[\"array\",\"boolean\"]",
	  " Start all processes listed in the configuration file\n"
	  "\n"
	  "        @param boolean wait    Wait for each process to be fully "
	  "started\n"
	  "        @return array result   An array of process status info "
	  "structs\n"
	  "        " },
	{ "supervisor.stopProcess", m_stop_process,
	  PROC_PARAMS(1, 1), "[\"boolean\",\"string\",\"boolean\"]",
	  " Stop a process named by name\n"
	  "\n"
	  "        @param string name  The name of the process to stop (or "
	  "'group:name')\n"
	  "        @param boolean wait        Wait for the process to be fully "
	  "stopped\n"
	  "        @return boolean result     Always return True unless error\n"
	  "        " },
	{ "supervisor.stopProcessGroup", m_stop_process_group,
	  PROC_PARAMS_OWN, "[\"array\",\"string\",\"boolean\"]",
	  " Stop all processes in the process group named 'name'\n"
	  "\n"
	  "        @param string name     The group name\n"
	  "        @param boolean wait    Wait for each process to be fully "
	  "stopped\n"
	  "        @return array result   An array of process status info "
	  "structs\n"
	  "        " },
	{ "supervisor.stopAllProcesses", m_stop_all,
	  PROC_PARAMS(0, 1), "[\"array\",\"boolean\"]",
	  " Stop all processes in the process list\n"
	  "\n"
	  "        @param  boolean wait   Wait for each process to be fully "
	  "stopped\n"
	  "        @return array result   An array of process status info "
	  "structs\n"
	  "        " },
	{ "supervisor.signalProcess", m_signal_process,
	  PROC_PARAMS(2, 0), "[\"boolean\",\"string\",\"string\"]",
	  " Send an arbitrary UNIX signal to the process named by name\n"
	  "\n"
	  "        @param string name    Name of the process to signal (or "
	  "'group:name')\n"
	  "        @param string signal  Signal to send, as name ('HUP') or "
	  "number ('1')\n"
	  "        @return boolean\n"
	  "        " },
	{ "supervisor.signalProcessGroup", m_signal_process_group,
	  PROC_PARAMS_OWN, "[\"array\",\"string\",\"string\"]",
	  " Send a signal to all processes in the group named 'name'\n"
	  "\n"
	  "        @param string name    The group name\n"
	  "        @param string signal  Signal to send, as name ('HUP') or "
	  "number ('1')\n"
	  "        @return array\n"
	  "        " },
	{ "supervisor.signalAllProcesses", m_signal_all,
	  PROC_PARAMS(1, 0), "[\"array\",\"string\"]",
	  " Send a signal to all processes in the process list\n"
	  "\n"
	  "        @param string signal  Signal to send, as name ('HUP') or "
	  "number ('1')\n"
	  "        @return array         An array of process status info "
	  "structs\n"
	  "        " },
	{ "supervisor.sendProcessStdin", m_send_process_stdin,
	  PROC_PARAMS(2, 0), "[\"boolean\",\"string\",\"string\"]",
	  " Send a string of chars to the stdin of the process name.\n"
	  "        If non-7-bit data is sent (unicode), it is encoded to "
	  "utf-8\n"
	  "        before being sent to the process' stdin.  If chars is not "
	  "a\n"
	  "        string or is not unicode, raise INCORRECT_PARAMETERS.  If "
	  "the\n"
	  "        process is not running, raise NOT_RUNNING.  If the "
	  "process'\n"
	  "        stdin cannot accept input (e.g. it was closed by the child\n"
	  "        process), raise NO_FILE.\n"
	  "\n"
	  "        @param string name        The process name to send to (or "
	  "'group:name')\n"
	  "        @param string chars       The character data to send to the "
	  "process\n"
	  "        @return boolean result    Always return True unless error\n"
	  "        " },
};

void
proc_rpc_ctl_register(void)
{
	proc_state_hook = state_hook;
	proc_rpc_table(ctl_methods, sizeof ctl_methods /
	    sizeof ctl_methods[0]);
}
