/*
 * proc_listener.c — [eventlistener:x] pools in the process table, and the
 * hook the eventlistener plugin reaches them through (stheno/evpool.h,
 * host->evpools, ABI 1.1).
 *
 * A pool is a process group (the table owns its processes: state machine,
 * spawn, logs, restarts) carrying the pool keys of docs/supervisord.md §1.6 in
 * group_config->pool.  The protocol is the client's: this file only tells
 * the attached client when pools come and go, when a pool process changes
 * state and what it writes on stdout, and writes to its stdin for it.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stheno/evpool.h>

#include "bus.h"
#include "cfgval.h"
#include "expand.h"
#include "ini.h"
#include "log.h"
#include "logfile.h"
#include "proc.h"
#include "pyrepr.h"
#include "scope.h"
#include "xmalloc.h"

#define POOL_DEFAULT_HANDLER "supervisor.dispatchers:default_handler"

/* One pool: its config (from the section) and its run-time links. */
struct sth_evpool {
	long buffer_size;
	char **events;		/* upper-cased, unique, NULL-terminated */
	size_t nevents;
	struct proc_group *group;	/* set while the pool is in the table */
	void *data;		/* the client's */
	int write_failed;	/* a stdout log write error was reported */
	size_t undelivered;	/* as the client last said (pool_pending) */
};

/* The one attached client. */
static struct {
	struct sth_plugin *owner;
	struct scope_res *res;
	struct sth_evpool_ops ops;
	void *arg;
} client;

static long pool_serial = -1;	/* GlobalSerial of supervisor/process.py */

/* --- config ------------------------------------------------------------- */

struct pool_sect {
	long buffer_size;
	char *result_handler;
	char *events;
	int redirect_stderr;
};

#define PO(m) offsetof(struct pool_sect, m)
static const struct cfg_option pool_opts[] = {
	{ "buffer_size", CFG_INT, PO(buffer_size), "10", 0, 0, 0 },
	{ "result_handler", CFG_STR, PO(result_handler), POOL_DEFAULT_HANDLER,
	  0, 0, 0 },
	{ "events", CFG_STR, PO(events), "", 0, 0, 0 },
	{ "redirect_stderr", CFG_BOOL, PO(redirect_stderr), "false", 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};
#undef PO

void
proc_pool_config_free(struct sth_evpool *pool)
{
	size_t i;

	if (pool == NULL)
		return;
	for (i = 0; i < pool->nevents; i++)
		free(pool->events[i]);
	free(pool->events);
	free(pool);
}

static void
pool_add_event(struct sth_evpool *pool, const char *name)
{
	size_t i;

	for (i = 0; i < pool->nevents; i++)
		if (strcmp(pool->events[i], name) == 0)
			return;		/* supervisord makes a set of them */
	pool->events = xreallocarray(pool->events, pool->nevents + 2,
	    sizeof *pool->events);
	pool->events[pool->nevents++] = xstrdup(name);
	pool->events[pool->nevents] = NULL;
}

/* events=: list_of_strings(), upper-cased, each a known type. */
static int
pool_read_events(struct sth_evpool *pool, const char *secname,
		 const char *list, char **err)
{
	char *copy, *tok, *next, *p, *e;
	int rc = -1;

	copy = xstrdup(list);
	for (tok = copy; tok != NULL; tok = next) {
		if ((next = strchr(tok, ',')) != NULL)
			*next++ = '\0';
		for (p = tok; isspace((unsigned char)*p); p++)
			;
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*p == '\0')
			continue;
		for (e = p; *e != '\0'; e++)
			*e = (char)toupper((unsigned char)*e);
		if (!bus_type_known(p)) {
			xasprintf(err, "Unknown event type %s in [%s] events",
			    p, secname);
			goto done;
		}
		pool_add_event(pool, p);
	}
	if (pool->nevents == 0) {
		xasprintf(err, "[%s] section requires an \"events\" line",
		    secname);
		goto done;
	}
	rc = 0;
done:
	free(copy);
	return rc;
}

int
proc_pool_config_read(const struct ini_section *sec, struct group_config *gc,
		      char **err)
{
	const char *secname = ini_section_name(sec);
	struct sth_evpool *pool;
	struct pool_sect ps;
	json_t *vars;
	int rc = -1;

	memset(&ps, 0, sizeof ps);
	pool = xcalloc(1, sizeof *pool);
	vars = expand_env_vars();
	if (cfg_read(sec, pool_opts, &ps, vars, err) == -1)
		goto done;
	/* listeners start first and stop last (supervisord's default) */
	if (ini_entry_find(sec, "priority") == NULL)
		gc->priority = -1;
	if (ps.buffer_size < 1) {
		xasprintf(err, "[%s] section sets invalid buffer_size (%ld)",
		    secname, ps.buffer_size);
		goto done;
	}
	pool->buffer_size = ps.buffer_size;
	if (strcmp(ps.result_handler, POOL_DEFAULT_HANDLER) != 0) {
		xasprintf(err, "%s cannot be resolved within [%s] (sthenod "
		    "has only %s: a Python result handler cannot run here)",
		    ps.result_handler, secname, POOL_DEFAULT_HANDLER);
		goto done;
	}
	if (pool_read_events(pool, secname, ps.events, err) == -1)
		goto done;
	if (ps.redirect_stderr) {
		xasprintf(err,
		    "[%s] section sets redirect_stderr=true but this "
		    "is not allowed because it will interfere with the "
		    "eventlistener protocol", secname);
		goto done;
	}
	gc->pool = pool;
	pool = NULL;
	rc = 0;
done:
	proc_pool_config_free(pool);
	cfg_release(pool_opts, &ps);
	json_decref(vars);
	return rc;
}

int
proc_pool_config_equal(const struct sth_evpool *a, const struct sth_evpool *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->buffer_size != b->buffer_size || a->nevents != b->nevents)
		return 0;
	for (i = 0; i < a->nevents; i++)
		if (strcmp(a->events[i], b->events[i]) != 0)
			return 0;
	return 1;
}

/* --- the table's hooks -------------------------------------------------- */

static struct sth_evpool *
proc_pool(const struct proc *p)
{
	if (p->group == NULL || p->group->cfg->pool == NULL)
		return NULL;
	return p->group->cfg->pool;
}

static size_t
proc_index(const struct proc *p)
{
	size_t i;

	for (i = 0; i < p->group->nprocs; i++)
		if (p->group->procs[i] == p)
			return i;
	fatalx("process %s is not in its group %s", p->cfg->name,
	    p->group->cfg->name);
}

/* Brackets for every call into the client's code. */
static int
client_enter(void)
{
	return client.owner != NULL && plugin_enter(client.owner);
}

static void
client_leave(struct sth_plugin *owner)
{
	plugin_leave(owner);
}

void
proc_pool_added(struct proc_group *g)
{
	struct sth_plugin *owner = client.owner;

	if (g->cfg->pool == NULL)
		return;
	g->cfg->pool->group = g;
	if (client.ops.pool_added == NULL || !client_enter())
		return;
	client.ops.pool_added(g->cfg->pool, client.arg);
	client_leave(owner);
}

void
proc_pool_removed(struct proc_group *g)
{
	struct sth_plugin *owner = client.owner;
	struct sth_evpool *pool = g->cfg->pool;

	if (pool == NULL || pool->group == NULL)
		return;
	if (client.ops.pool_removed != NULL && client_enter()) {
		client.ops.pool_removed(pool, client.arg);
		client_leave(owner);
	}
	pool->group = NULL;
	pool->data = NULL;
}

void
proc_pool_state_changed(struct proc *p, enum proc_state from)
{
	struct sth_plugin *owner = client.owner;
	struct sth_evpool *pool;

	if ((pool = proc_pool(p)) == NULL || pool->group == NULL)
		return;
	if (client.ops.proc_state == NULL || !client_enter())
		return;
	client.ops.proc_state(pool, proc_index(p), (int)from, (int)p->state,
	    p->pid, client.arg);
	client_leave(owner);
}

static void
pool_log_write(struct sth_evpool *pool, struct proc *p, const char *buf,
	       size_t len)
{
	struct logfile *lf = p->logs[PROC_STDOUT];

	if (lf == NULL)
		return;
	if (logfile_write(lf, buf, len) == -1) {
		if (!pool->write_failed)
			log_errno(STH_LOG_ERRO, "could not write stdout log "
			    "of '%s' (%s)", p->cfg->name, logfile_path(lf));
		pool->write_failed = 1;
	} else
		pool->write_failed = 0;
}

int
proc_pool_output(struct proc *p, const char *buf, size_t len)
{
	struct sth_plugin *owner = client.owner;
	struct sth_evpool *pool;
	char *name, *repr, *copy;
	size_t n;

	if ((pool = proc_pool(p)) == NULL)
		return 0;
	/* PEventListenerDispatcher: a bytes repr in the main log, the raw
	 * bytes (ANSI-stripped if asked) in the log file */
	if (log_enabled(STH_LOG_DEBG)) {
		name = pyrepr(p->cfg->name);
		repr = pyrepr_bytes(buf, len);
		log_debug("%s stdout output:\n%s", name, repr);
		free(repr);
		free(name);
	}
	if (proc_globals.strip_ansi) {
		copy = xmalloc(len + 1);
		memcpy(copy, buf, len);
		n = proc_strip_ansi(copy, len);
		pool_log_write(pool, p, copy, n);
		free(copy);
	} else
		pool_log_write(pool, p, buf, len);
	if (pool->group == NULL || client.ops.proc_output == NULL ||
	    !client_enter())
		return 1;
	client.ops.proc_output(pool, proc_index(p), p->pid, buf, len,
	    client.arg);
	client_leave(owner);
	return 1;
}

size_t
proc_pool_undelivered(const struct proc_group *g)
{
	struct sth_evpool *pool = g->cfg->pool;
	size_t j;

	if (pool == NULL || pool->undelivered == 0)
		return 0;
	for (j = 0; j < g->nprocs; j++)
		if (g->procs[j]->state == PROC_RUNNING)
			return pool->undelivered;
	return 0;
}

/* --- the API table ------------------------------------------------------ */

/* A client that goes away delivers nothing more. */
static void
pools_forget_pending(void)
{
	struct proc_group *g;
	size_t k;

	for (k = 0; (g = proctable_group_at(k)) != NULL; k++)
		if (g->cfg->pool != NULL)
			g->cfg->pool->undelivered = 0;
	proctable_pool_delivered();
}

static void
api_detach_res(void *obj)
{
	client.res = NULL;
	memset(&client, 0, sizeof client);
	pools_forget_pending();
}

static int
api_attach(struct sth_plugin *self, const struct sth_evpool_ops *ops,
	   void *arg)
{
	plugin_check(self);
	if (client.owner != NULL)
		return -1;
	client.owner = self;
	client.ops = *ops;
	client.arg = arg;
	client.res = scope_add(plugin_scope(self), SCOPE_SUB, &client,
	    api_detach_res);
	return 0;
}

static void
api_detach(struct sth_plugin *self)
{
	if (client.owner != self)
		return;
	if (client.res != NULL)
		scope_del(client.res);
	memset(&client, 0, sizeof client);
	pools_forget_pending();
}

static struct sth_evpool *
api_pool_at(size_t i)
{
	struct proc_group *g;
	size_t k, n = 0;

	for (k = 0; (g = proctable_group_at(k)) != NULL; k++)
		if (g->cfg->pool != NULL && n++ == i)
			return g->cfg->pool;
	return NULL;
}

static const char *
api_pool_name(const struct sth_evpool *pool)
{
	return pool->group != NULL ? pool->group->cfg->name : "";
}

static long
api_pool_buffer_size(const struct sth_evpool *pool)
{
	return pool->buffer_size;
}

static const char *
api_pool_event(const struct sth_evpool *pool, size_t i)
{
	return i < pool->nevents ? pool->events[i] : NULL;
}

static void
api_pool_set_data(struct sth_evpool *pool, void *data)
{
	pool->data = data;
}

static void *
api_pool_get_data(const struct sth_evpool *pool)
{
	return pool->data;
}

static size_t
api_pool_nprocs(const struct sth_evpool *pool)
{
	return pool->group != NULL ? pool->group->nprocs : 0;
}

static struct proc *
pool_proc(const struct sth_evpool *pool, size_t idx)
{
	if (pool->group == NULL || idx >= pool->group->nprocs)
		fatalx("pool process %zu out of range", idx);
	return pool->group->procs[idx];
}

static const char *
api_proc_name(const struct sth_evpool *pool, size_t idx)
{
	return pool_proc(pool, idx)->cfg->name;
}

static int
api_proc_state(const struct sth_evpool *pool, size_t idx)
{
	return (int)pool_proc(pool, idx)->state;
}

static pid_t
api_proc_pid(const struct sth_evpool *pool, size_t idx)
{
	return pool_proc(pool, idx)->pid;
}

static int
api_proc_write(struct sth_evpool *pool, size_t idx, const char *buf,
	       size_t len)
{
	return proc_io_write_stdin(pool_proc(pool, idx), buf, len);
}

static void
api_pools_start(void)
{
	struct proc_group *g;
	struct proc *p;
	size_t k, j;

	if (proctable_stopping())
		return;
	for (k = 0; (g = proctable_group_at(k)) != NULL; k++) {
		if (g->cfg->pool == NULL)
			continue;
		for (j = 0; j < g->nprocs; j++) {
			p = g->procs[j];
			if (!p->cfg->autostart || p->pid != 0 ||
			    (p->state != PROC_STOPPED &&
			    p->state != PROC_EXITED && p->state != PROC_FATAL))
				continue;
			if (j == 0)
				log_info("starting listener pool %s",
				    g->cfg->name);
			proc_spawn(p);
		}
	}
}

static void
api_pools_stop(void)
{
	struct proc_group *g;
	struct proc *p;
	size_t k, j;
	int said;

	for (k = 0; (g = proctable_group_at(k)) != NULL; k++) {
		if (g->cfg->pool == NULL)
			continue;
		said = 0;
		for (j = g->nprocs; j-- > 0;) {
			p = g->procs[j];
			if (p->state != PROC_RUNNING &&
			    p->state != PROC_STARTING &&
			    p->state != PROC_BACKOFF)
				continue;
			if (!said)
				log_info("stopping listener pool %s",
				    g->cfg->name);
			said = 1;
			proc_stop(p);
		}
	}
}

static void
api_pool_pending(struct sth_evpool *pool, size_t nevents)
{
	pool->undelivered = nevents;
	if (nevents == 0)
		proctable_pool_delivered();
}

static const char *
api_identifier(void)
{
	return proc_globals.identifier != NULL ? proc_globals.identifier :
	    "supervisor";
}

static long
api_serial_next(void)
{
	if (pool_serial == LONG_MAX)
		pool_serial = -1;
	return ++pool_serial;
}

static const struct sth_evpool_api pool_api = {
	.size = sizeof(struct sth_evpool_api),
	.version = STH_EVPOOL_VERSION,
	.attach = api_attach,
	.detach = api_detach,
	.pool_at = api_pool_at,
	.pool_name = api_pool_name,
	.pool_buffer_size = api_pool_buffer_size,
	.pool_event = api_pool_event,
	.pool_set_data = api_pool_set_data,
	.pool_get_data = api_pool_get_data,
	.pool_nprocs = api_pool_nprocs,
	.proc_name = api_proc_name,
	.proc_state = api_proc_state,
	.proc_pid = api_proc_pid,
	.proc_write = api_proc_write,
	.pools_start = api_pools_start,
	.pools_stop = api_pools_stop,
	.identifier = api_identifier,
	.serial_next = api_serial_next,
	.pool_pending = api_pool_pending,
};

const struct sth_evpool_api *
proc_pool_api(void)
{
	return &pool_api;
}
