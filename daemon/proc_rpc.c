/*
 * proc_rpc.c — what the supervisor.* methods share (namespecs, parameter
 * checks, SHUTDOWN_STATE, result structs, registration from tables) and
 * the process info methods (spec §4.3, §4.4, Appendix A.1).  The other
 * methods live in proc_rpc_ctl.c (start/stop/signal/stdin), proc_rpc_logs.c,
 * proc_rpc_daemon.c and proc_rpc_config.c.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

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

int
proc_rpc_lookup(struct sth_rpc_call *call, const char *spec,
		struct proc_group **gp, struct proc **pp)
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

int
proc_rpc_check_state(struct sth_rpc_call *call)
{
	if (sth.state < STH_STATE_RUNNING) {
		rpc_fault(call, STH_FAULT_SHUTDOWN_STATE, NULL);
		return -1;
	}
	return 0;
}

int
proc_rpc_params(struct sth_rpc_call *call, json_t *pa, size_t n, size_t nopt)
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

char *
proc_namespec(const struct proc *p)
{
	const char *g = p->group != NULL ? p->group->cfg->name :
	    p->cfg->program;
	char *s;

	if (strcmp(g, p->cfg->name) == 0)
		return xstrdup(g);
	xasprintf(&s, "%s:%s", g, p->cfg->name);
	return s;
}

json_t *
proc_rpc_result(const struct proc *p, int code, const char *detail)
{
	const char *fname = rpc_fault_name(code);
	json_t *o = json_object();
	char *d;

	json_object_set_new(o, "name", json_string(p->cfg->name));
	json_object_set_new(o, "group", json_string(p->group != NULL ?
	    p->group->cfg->name : p->cfg->program));
	json_object_set_new(o, "status", json_integer(code));
	if (code == STH_FAULT_SUCCESS)
		d = xstrdup("OK");
	else if (fname == NULL)
		d = xstrdup(detail != NULL ? detail : "");
	else if (detail == NULL || *detail == '\0')
		d = xstrdup(fname);
	else
		xasprintf(&d, "%s: %s", fname, detail);
	json_object_set_new(o, "description", json_string(d));
	free(d);
	return o;
}

struct proc **
proc_rpc_all(size_t *n)
{
	struct proc **all = NULL;
	struct proc_group *g;
	size_t i, j;

	*n = 0;
	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		for (j = 0; j < g->nprocs; j++) {
			all = xreallocarray(all, *n + 1, sizeof *all);
			all[(*n)++] = g->procs[j];
		}
	return all;
}

void
proc_rpc_table(const struct proc_method *m, size_t n)
{
	const char *help, *sig;
	size_t i;

	for (i = 0; i < n; i++) {
		help = proc_rpc_help(m[i].name, &sig);
		if (help == NULL)
			fatalx("no docstring for %s", m[i].name);
		if (rpc_register(NULL, m[i].name, m[i].fn, NULL, help,
		    sig) == -1)
			log_warn("could not register %s", m[i].name);
	}
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

	if (proc_rpc_check_state(call) == -1 ||
	    proc_rpc_params(call, pa, 1, 0) == -1)
		return;
	spec = json_string_value(json_array_get(pa, 0));
	if (proc_rpc_lookup(call, spec, &g, &p) == -1)
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

	if (proc_rpc_check_state(call) == -1 ||
	    proc_rpc_params(call, pa, 0, 0) == -1)
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

static const struct proc_method info_methods[] = {
	{ "supervisor.getProcessInfo", m_get_process_info },
	{ "supervisor.getAllProcessInfo", m_get_all_process_info },
};

void
proc_rpc_register(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	proc_rpc_table(info_methods, sizeof info_methods /
	    sizeof info_methods[0]);
	proc_rpc_ctl_register();
	proc_rpc_logs_register();
	proc_rpc_daemon_register();
	proc_rpc_config_register();
}
