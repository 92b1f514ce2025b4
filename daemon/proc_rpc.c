/*
 * proc_rpc.c — what the supervisor.* methods share (namespecs, parameter
 * checks, SHUTDOWN_STATE, result structs, registration from tables) and
 * the process info methods (docs/supervisord.md §4.3, §4.4, §A.1).  The other
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
#include "textcat.h"
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
	struct proc **all;
	struct proc_group *g;
	size_t i, j, total = 0;

	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		total += g->nprocs;
	all = xreallocarray(NULL, total ? total : 1, sizeof *all);
	*n = 0;
	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		for (j = 0; j < g->nprocs; j++)
			all[(*n)++] = g->procs[j];
	return all;
}

/* A method with table checks: the checks, then the method (arg is its
 * row). */
static void
proc_rpc_checked(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	const struct proc_method *m = arg;

	if (proc_rpc_check_state(call) == -1 ||
	    proc_rpc_params(call, pa, m->nstr, m->nopt) == -1)
		return;
	m->fn(call, pa, NULL);
}

void
proc_rpc_table(const struct proc_method *m, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (m[i].nstr < 0)
			rc = rpc_register(NULL, m[i].name, m[i].fn, NULL,
			    m[i].help, m[i].sig);
		else
			rc = rpc_register(NULL, m[i].name, proc_rpc_checked,
			    (void *)&m[i], m[i].help, m[i].sig);
		if (rc == -1)
			log_warn("could not register %s", m[i].name);
	}
}

/* Two digits, zero-padded: the minutes and seconds of str(timedelta). */
static void
two_digits(struct textcat *t, long v)
{
	if (v < 10)
		TC_LIT(t, "0");
	tc_long(t, v);
}

/* "pid N, uptime " and Python's str(timedelta) of secs >= 0 into buf,
 * which has room for 128 bytes.  Hand-made (textcat.h): snprintf was most
 * of getAllProcessInfo's own time once its structs were reused. */
static void
fmt_running(long pid, long secs, char *buf)
{
	long days = secs / 86400, rest = secs % 86400;
	struct textcat t;

	tc_init(&t, buf, 128);
	TC_LIT(&t, "pid ");
	tc_long(&t, pid);
	TC_LIT(&t, ", uptime ");
	if (days == 1)
		TC_LIT(&t, "1 day, ");
	else if (days > 1) {
		tc_long(&t, days);
		TC_LIT(&t, " days, ");
	}
	tc_long(&t, rest / 3600);
	TC_LIT(&t, ":");
	two_digits(&t, rest % 3600 / 60);
	TC_LIT(&t, ":");
	two_digits(&t, rest % 60);
	tc_end(&t);
}

/* supervisord's description of p: written into buf (len >= 128), or a
 * string that lives as long as p, or (a name too long for buf) one put in
 * *heap for the caller to free. */
static const char *
describe(const struct proc *p, time_t now, char *buf, size_t len,
    char **heap)
{
	struct tm tm;
	time_t t;

	*heap = NULL;
	switch (p->state) {
	case PROC_RUNNING:
		fmt_running((long)p->pid, now > p->start ?
		    (long)(now - p->start) : 0, buf);
		if (p->cfg->hc != NULL) {
			/* healthcheck=: ", healthy" (buf has room for it) */
			size_t n = strlen(buf);

			snprintf(buf + n, len - n, ", %s",
			    proc_health_name(p));
		}
		return buf;
	case PROC_FATAL:
	case PROC_BACKOFF:
		if (p->spawnerr != NULL && *p->spawnerr != '\0')
			return p->spawnerr;
		if ((size_t)snprintf(buf, len, "unknown error (try \"tail "
		    "%s\")", p->cfg->name) < len)
			return buf;
		xasprintf(heap, "unknown error (try \"tail %s\")",
		    p->cfg->name);
		return *heap;
	case PROC_STOPPED:
	case PROC_EXITED:
		if (p->start == 0)
			return "Not started";
		t = p->stop;
		localtime_r(&t, &tm);
		strftime(buf, len, "%b %d %I:%M %p", &tm);
		return buf;
	default:
		return "";
	}
}

/*
 * The members of a process info struct, in supervisord's order.  Values
 * are gathered into a struct pi_vals first, then either made into a new
 * object or written over a kept one (see pi_reuse).
 */
enum pi_member {
	PI_NAME,
	PI_GROUP,
	PI_START,
	PI_STOP,
	PI_NOW,
	PI_STATE,
	PI_STATENAME,
	PI_SPAWNERR,
	PI_EXITSTATUS,
	PI_LOGFILE,
	PI_STDOUT_LOGFILE,
	PI_STDERR_LOGFILE,
	PI_PID,
	PI_DESCRIPTION,
	PI_N
};

static const struct {
	const char *key;
	int string;
} pi_members[PI_N] = {
	{ "name", 1 },
	{ "group", 1 },
	{ "start", 0 },
	{ "stop", 0 },
	{ "now", 0 },
	{ "state", 0 },
	{ "statename", 1 },
	{ "spawnerr", 1 },
	{ "exitstatus", 0 },
	{ "logfile", 1 },
	{ "stdout_logfile", 1 },
	{ "stderr_logfile", 1 },
	{ "pid", 0 },
	{ "description", 1 },
};

struct pi_vals {
	const char *s[PI_N];	/* string members */
	json_int_t i[PI_N];	/* integer members */
	char desc[256];		/* description, usually */
	char *desc_heap;	/* or this, to be freed */
};

static void
pi_gather(const struct proc *p, time_t now, struct pi_vals *v)
{
	const char *out = p->cfg->log[PROC_STDOUT].path;
	const char *err = p->cfg->log[PROC_STDERR].path;

	v->s[PI_NAME] = p->cfg->name;
	v->s[PI_GROUP] = p->group->cfg->name;
	v->i[PI_START] = p->start;
	v->i[PI_STOP] = p->stop;
	v->i[PI_NOW] = now;
	v->i[PI_STATE] = p->state;
	v->s[PI_STATENAME] = proc_state_name(p->state);
	v->s[PI_SPAWNERR] = p->spawnerr != NULL ? p->spawnerr : "";
	v->i[PI_EXITSTATUS] = p->exitstatus;
	v->s[PI_LOGFILE] = out != NULL ? out : "";
	v->s[PI_STDOUT_LOGFILE] = v->s[PI_LOGFILE];
	v->s[PI_STDERR_LOGFILE] = err != NULL ? err : "";
	v->i[PI_PID] = p->pid;
	v->s[PI_DESCRIPTION] = describe(p, now, v->desc, sizeof v->desc,
	    &v->desc_heap);
}

/* A new struct.  A string that is not UTF-8 leaves its member out, as
 * json_object_set_new does with the NULL json_string gives for it. */
static json_t *
pi_build(const struct pi_vals *v)
{
	json_t *o = json_object(), *e;
	size_t i;

	for (i = 0; i < PI_N; i++) {
		e = pi_members[i].string ? json_string(v->s[i]) :
		    json_integer(v->i[i]);
		if (e != NULL)
			json_object_set_new_nocheck(o, pi_members[i].key, e);
	}
	return o;
}

/*
 * getAllProcessInfo's structs are kept from one answer to the next, slot i
 * for the i-th process in the answer's order.  When a kept struct and all
 * its values are held by nobody else any more (refcount 1: the answer was
 * encoded and dropped), the next answer writes the new values over it in
 * place (only those that changed: usually "now" and the uptime) instead
 * of building 14 members and freeing them again, which was a third of the
 * cost of the call.  Anyone still holding a struct keeps it unchanged: its
 * slot then gets a new one.
 */
struct pi_slot {
	json_t *obj;		/* NULL: empty */
	json_t *val[PI_N];	/* its values, borrowed from obj */
};

static struct pi_slot *pi_slots;
static size_t pi_nslots;

static void
pi_slot_clear(struct pi_slot *s)
{
	json_decref(s->obj);
	memset(s, 0, sizeof *s);
}

/* Overwrite s's struct with v; -1 if it cannot be (shared, or a string
 * that is not UTF-8), then s must be refilled. */
static int
pi_reuse(struct pi_slot *s, const struct pi_vals *v)
{
	json_t *e;
	size_t i, len;

	if (s->obj == NULL || s->obj->refcount != 1)
		return -1;
	for (i = 0; i < PI_N; i++)
		if (s->val[i]->refcount != 1)
			return -1;
	for (i = 0; i < PI_N; i++) {
		e = s->val[i];
		if (!pi_members[i].string) {
			if (json_integer_value(e) != v->i[i])
				json_integer_set(e, v->i[i]);
			continue;
		}
		len = strlen(v->s[i]);
		if (json_string_length(e) == len &&
		    memcmp(json_string_value(e), v->s[i], len) == 0)
			continue;
		if (json_string_setn(e, v->s[i], len) == -1)
			return -1;
	}
	return 0;
}

/* A new struct for s, kept only if it has every member. */
static json_t *
pi_refill(struct pi_slot *s, const struct pi_vals *v)
{
	json_t *o = pi_build(v);
	size_t i;

	pi_slot_clear(s);
	if (json_object_size(o) != PI_N)
		return o;
	for (i = 0; i < PI_N; i++)
		s->val[i] = json_object_get(o, pi_members[i].key);
	s->obj = json_incref(o);
	return o;
}

/* Keep n slots; the ones past n are freed. */
static void
pi_slots_resize(size_t n)
{
	size_t i;

	for (i = n; i < pi_nslots; i++)
		pi_slot_clear(&pi_slots[i]);
	if (n != pi_nslots) {
		pi_slots = xreallocarray(pi_slots, n ? n : 1,
		    sizeof *pi_slots);
		for (i = pi_nslots; i < n; i++)
			memset(&pi_slots[i], 0, sizeof pi_slots[i]);
		pi_nslots = n;
	}
}

/* The struct for p in slot i of getAllProcessInfo (a new reference). */
static json_t *
pi_slot_info(size_t i, const struct proc *p, time_t now)
{
	struct pi_slot *s = &pi_slots[i];
	struct pi_vals v;
	json_t *o;

	pi_gather(p, now, &v);
	if (pi_reuse(s, &v) == 0)
		o = json_incref(s->obj);
	else
		o = pi_refill(s, &v);
	proc_health_info(p, o);
	free(v.desc_heap);
	return o;
}

static json_t *
proc_info(const struct proc *p)
{
	struct pi_vals v;
	json_t *o;

	pi_gather(p, time(NULL), &v);
	o = pi_build(&v);
	proc_health_info(p, o);
	free(v.desc_heap);
	return o;
}

static void
m_get_process_info(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;

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
	struct proc **all;
	size_t n, i;
	time_t now;
	json_t *a;

	all = proc_rpc_all(&n);
	if (n > 1)
		qsort(all, n, sizeof *all, cmp_info);
	pi_slots_resize(n);
	now = time(NULL);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, pi_slot_info(i, all[i], now));
	free(all);
	rpc_return(call, a);
}

static const struct proc_method info_methods[] = {
	{ "supervisor.getProcessInfo", m_get_process_info,
	  PROC_PARAMS(1, 0), "[\"struct\",\"string\"]",
	  " Get info about a process named name\n"
	  "\n"
	  "        @param string name The name of the process (or "
	  "'group:name')\n"
	  "        @return struct result     A structure containing data about "
	  "the process\n"
	  "        " },
	{ "supervisor.getAllProcessInfo", m_get_all_process_info,
	  PROC_PARAMS(0, 0), "[\"array\"]",
	  " Get info about all processes\n"
	  "\n"
	  "        @return array result  An array of process status results\n"
	  "        " },
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
