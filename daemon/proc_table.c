/*
 * proc_table.c — the groups of processes, ordered by (priority, name), and
 * the table's life: start, reap, reopen, shutdown (docs/supervisord.md §2.4,
 * §8).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bus.h"
#include "ini.h"
#include "log.h"
#include "proc.h"
#include "sthenod.h"
#include "xmalloc.h"

struct proc_globals proc_globals;

static struct proc_group **groups;
static size_t ngroups;

/* The configs main read from doc and checked, for proctable_start(doc). */
static struct {
	const struct ini_doc *doc;
	struct group_config **gcs;
	size_t n;
} preset;

static void
preset_drop(void)
{
	size_t i;

	for (i = 0; i < preset.n; i++)
		group_config_free(preset.gcs[i]);
	free(preset.gcs);
	memset(&preset, 0, sizeof preset);
}

void
proctable_preset(const struct ini_doc *doc, struct group_config **gcs,
		 size_t n)
{
	preset_drop();
	preset.doc = doc;
	preset.gcs = gcs;
	preset.n = n;
}

/*
 * How long a shutdown lets the listener pools deliver the events they hold
 * (SUPERVISOR_STATE_CHANGE_STOPPING, the STOPPING and STOPPED of the last
 * programs) before it stops them.  A listener answers an event in a few
 * milliseconds, so a full default buffer (10) goes out well within it even
 * on a loaded machine; one that never answers delays the shutdown by this
 * much at most, which is short beside the default stopwaitsecs (10).  One
 * bound for the whole shutdown, however many pools wait.
 */
#define POOL_DRAIN_SECS 2

/* Shutdown: groups still to stop, the report timer, the callback; the
 * pools' drain bound (armed at the first wait), the one-shot recheck a
 * pool's "nothing left" activates, and whether a pool is waited for. */
static struct {
	int active;
	struct proc_group **left; /* ascending; the last is stopped first */
	size_t nleft;
	struct event *report;
	void (*done)(void);
	struct event *drain;
	struct event *recheck;
	int drain_over;
	int waiting;
} down;

/*
 * supervisord sorts its groups by priority alone, stably, in the order
 * they were added: the startup groups come (priority, name)-sorted from
 * the config, and a group added later (update, addProcessGroup) goes after
 * every group of its priority.  "all" operations and shutdown see that
 * order.
 */
static int
group_before(const struct group_config *a, const struct group_config *b)
{
	return a->priority < b->priority;
}

struct proc_group *
proctable_add(struct group_config *gc)
{
	struct proc_group *g;
	size_t i, at;

	if (proctable_group(gc->name) != NULL)
		return NULL;
	g = xcalloc(1, sizeof *g);
	g->cfg = gc;
	g->fcgi_fd = -1;
	g->nprocs = gc->nprocs;
	g->procs = xcalloc(gc->nprocs ? gc->nprocs : 1, sizeof *g->procs);
	for (i = 0; i < gc->nprocs; i++)
		g->procs[i] = proc_new(gc->procs[i], g);
	for (at = 0; at < ngroups && !group_before(gc, groups[at]->cfg); at++)
		;
	groups = xreallocarray(groups, ngroups + 1, sizeof *groups);
	memmove(groups + at + 1, groups + at, (ngroups - at) * sizeof *groups);
	groups[at] = g;
	ngroups++;
	proc_pool_added(g);
	proc_event_group(gc->name, 1);
	return g;
}

static void
group_free(struct proc_group *g, int free_cfg)
{
	size_t i;

	proc_pool_removed(g);
	for (i = 0; i < g->nprocs; i++)
		proc_free(g->procs[i]);
	free(g->procs);
	if (free_cfg)
		group_config_free(g->cfg);
	free(g);
}

int
proctable_remove(const char *name)
{
	size_t i;
	struct proc_group *g;

	for (i = 0; i < ngroups; i++)
		if (strcmp(groups[i]->cfg->name, name) == 0)
			break;
	if (i == ngroups)
		return -1;
	g = groups[i];
	if (!group_stopped(g))
		return -1;
	memmove(groups + i, groups + i + 1, (ngroups - i - 1) *
	    sizeof *groups);
	ngroups--;
	proc_event_group(name, 0);
	/* the pending configs may take the config back (addProcessGroup) */
	group_free(g, !proc_rpc_config_giveback(g->cfg));
	proc_deps_sweep();	/* a process waiting for it waits no more */
	return 0;
}

struct proc_group *
proctable_group(const char *name)
{
	size_t i;

	for (i = 0; i < ngroups; i++)
		if (strcmp(groups[i]->cfg->name, name) == 0)
			return groups[i];
	return NULL;
}

struct proc_group *
proctable_group_at(size_t i)
{
	return i < ngroups ? groups[i] : NULL;
}

size_t
proctable_ngroups(void)
{
	return ngroups;
}

struct proc *
proctable_find_pid(pid_t pid)
{
	size_t i, j;

	if (pid <= 0)
		return NULL;
	for (i = 0; i < ngroups; i++)
		for (j = 0; j < groups[i]->nprocs; j++)
			if (groups[i]->procs[j]->pid == pid)
				return groups[i]->procs[j];
	return NULL;
}

struct proc *
proctable_find(const char *group, const char *name)
{
	struct proc_group *g;
	size_t j;

	if ((g = proctable_group(group)) == NULL)
		return NULL;
	for (j = 0; j < g->nprocs; j++)
		if (strcmp(g->procs[j]->cfg->name, name) == 0)
			return g->procs[j];
	return NULL;
}

void
group_autostart(struct proc_group *g)
{
	size_t j;
	struct proc *p;

	for (j = 0; j < g->nprocs; j++) {
		p = g->procs[j];
		if (p->state == PROC_STOPPED && p->start == 0 &&
		    p->cfg->autostart && !proctable_stopping() &&
		    !proc_deps_hold(p))
			proc_spawn(p);
	}
}

int
group_stopped(const struct proc_group *g)
{
	size_t j;

	for (j = 0; j < g->nprocs; j++)
		if (!proc_state_stopped(g->procs[j]->state))
			return 0;
	return 1;
}

int
proctable_start(const struct ini_doc *doc, char **err)
{
	struct group_config **gcs;
	size_t n, i;

	*err = NULL;
	proc_rpc_register();
	proc_globals_release(&proc_globals);
	if (proc_globals_read(doc, &proc_globals, err) == -1)
		return -1;
	if (preset.doc == doc && doc != NULL) {
		/* main read these from doc already: parse once */
		gcs = preset.gcs;
		n = preset.n;
		memset(&preset, 0, sizeof preset);
	} else {
		preset_drop();
		if ((gcs = proc_configs_read(doc, &proc_globals, &n,
		    err)) == NULL && *err != NULL)
			return -1;
	}
	if (!proc_globals.nocleanup)
		proc_clean_autologs(&proc_globals);
	proc_rpc_config_set(gcs, n);
	for (i = 0; i < n; i++) {
		if (proc_fcgi_check(gcs[i], err) == -1 ||
		    proc_make_autologs(gcs[i], &proc_globals, err) == -1) {
			for (; i < n; i++)
				group_config_free(gcs[i]);
			free(gcs);
			return -1;
		}
		if (proctable_add(gcs[i]) == NULL) {
			xasprintf(err, "duplicate group name '%s'",
			    gcs[i]->name);
			for (; i < n; i++)
				group_config_free(gcs[i]);
			free(gcs);
			return -1;
		}
	}
	free(gcs);
	proc_tick_install();
	down.active = 0;
	/* supervisord's loop starts: RUNNING, then the autostarts */
	bus_publish("SUPERVISOR_STATE_CHANGE_RUNNING", "", 0);
	for (i = 0; i < ngroups; i++)
		group_autostart(groups[i]);
	return 0;
}

void
proctable_on_sigchld(void)
{
	pid_t pid;
	int st, es;
	char msg[128];
	struct proc *p;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if ((p = proctable_find_pid(pid)) == NULL) {
			if (proc_health_reaped(pid, st))
				continue;
			proc_decode_status(st, &es, msg, sizeof msg);
			/* as PID 1 or a subreaper, every orphan below us ends
			 * here: routine, not worth supervisord's INFO line */
			if (sth.reaper)
				log_debug("reaped orphan pid %ld (%s)",
				    (long)pid, msg);
			else
				log_info("reaped unknown pid %ld (%s)",
				    (long)pid, msg);
			continue;
		}
		proc_finish(p, st);
	}
}

void
proctable_reopen_logs(void)
{
	size_t i, j;

	for (i = 0; i < ngroups; i++)
		for (j = 0; j < groups[i]->nprocs; j++)
			proc_io_reopen_logs(groups[i]->procs[j]);
}

/* --- shutdown ---------------------------------------------------------- */

static void shutdown_step(void);
static int stepping;

/* "waiting for a, b to die": every unstopped process, in table order. */
static int
shutdown_report(void)
{
	size_t i, j, len = 0;
	char *names = NULL;
	const char *n;

	for (i = 0; i < ngroups; i++)
		for (j = 0; j < groups[i]->nprocs; j++) {
			if (proc_state_stopped(groups[i]->procs[j]->state))
				continue;
			n = groups[i]->procs[j]->cfg->name;
			names = xreallocarray(names, len + strlen(n) + 3, 1);
			if (len > 0) {
				memcpy(names + len, ", ", 2);
				len += 2;
			}
			memcpy(names + len, n, strlen(n) + 1);
			len += strlen(n);
		}
	if (names == NULL)
		return 0;
	log_info("waiting for %s to die", names);
	free(names);
	return 1;
}

static void
report_cb(evutil_socket_t fd, short what, void *arg)
{
	shutdown_report();
}

static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	down.drain_over = 1;
	if (down.left != NULL)
		shutdown_step();
}

static void
recheck_cb(evutil_socket_t fd, short what, void *arg)
{
	if (down.left != NULL && down.waiting)
		shutdown_step();
}

static void
drain_free(void)
{
	if (down.drain != NULL)
		event_free(down.drain);
	if (down.recheck != NULL)
		event_free(down.recheck);
	down.drain = down.recheck = NULL;
	down.waiting = 0;
}

/*
 * 1 while listener pool g (the next group to stop) still holds events to
 * deliver to a RUNNING listener, within the bound: the pool's client says
 * when it has none left (proctable_pool_delivered), a listener that dies
 * is a state change, and drain_cb ends the wait.
 */
static int
pool_wait(struct proc_group *g)
{
	struct timeval tv = { POOL_DRAIN_SECS, 0 };
	size_t n;
	int was = down.waiting;

	down.waiting = 0;
	if ((n = proc_pool_undelivered(g)) == 0 || sth.base == NULL)
		return 0;
	if (down.drain_over) {
		log_warn("listener pool %s: stopping with %zu event%s "
		    "undelivered after %d s", g->cfg->name, n, n == 1 ? "" :
		    "s", POOL_DRAIN_SECS);
		return 0;
	}
	if (down.drain == NULL) {
		down.drain = evtimer_new(sth.base, drain_cb, NULL);
		down.recheck = event_new(sth.base, -1, 0, recheck_cb, NULL);
		if (down.drain == NULL || down.recheck == NULL)
			fatalx("event_new failed");
		evtimer_add(down.drain, &tv);
	}
	if (!was)
		log_debug("listener pool %s: waiting for %zu event%s to be "
		    "delivered", g->cfg->name, n, n == 1 ? "" : "s");
	down.waiting = 1;
	return 1;
}

void
proctable_pool_delivered(void)
{
	if (down.waiting && down.recheck != NULL)
		event_active(down.recheck, EV_TIMEOUT, 1);
}

/* Stop the highest group; move on once it is all stopped. */
static void
shutdown_step(void)
{
	struct proc_group *g;
	struct proc *p;
	size_t j;

	while (down.nleft > 0) {
		g = down.left[down.nleft - 1];
		if (pool_wait(g))
			return;
		stepping = 1;
		for (j = g->nprocs; j-- > 0;) {
			p = g->procs[j];
			if (p->state == PROC_RUNNING ||
			    p->state == PROC_STARTING)
				proc_stop(p);
			else if (p->state == PROC_BACKOFF)
				proc_give_up(p);
		}
		stepping = 0;
		if (!group_stopped(g))
			return;
		down.nleft--;
	}
	if (down.report != NULL) {
		event_free(down.report);
		down.report = NULL;
	}
	drain_free();
	free(down.left);
	down.left = NULL;
	if (down.done != NULL) {
		void (*done)(void) = down.done;

		down.done = NULL;
		done();
	}
}

void
proctable_state_changed(struct proc *p, enum proc_state from)
{
	if (down.active && down.left != NULL && !stepping &&
	    proc_state_stopped(p->state))
		shutdown_step();
	proc_pool_state_changed(p, from);
	proc_health_state_changed(p, from);
	proc_deps_state_changed(p);
	if (proc_state_hook != NULL)
		proc_state_hook(p, from);
}

int
proctable_stopping(void)
{
	return down.active || sth.state != STH_STATE_RUNNING;
}

void
proctable_shutdown(void (*done)(void))
{
	struct timeval tv = { 3, 0 };

	if (down.active) {
		down.done = done;
		return;
	}
	down.active = 1;
	down.done = done;
	down.drain_over = 0;
	/* the first loop that sees the mood below RUNNING */
	bus_publish("SUPERVISOR_STATE_CHANGE_STOPPING", "", 0);
	down.nleft = ngroups;
	down.left = xcalloc(ngroups ? ngroups : 1, sizeof *down.left);
	if (ngroups > 0)
		memcpy(down.left, groups, ngroups * sizeof *groups);
	proc_deps_stop_order(down.left, down.nleft);
	shutdown_step();
	if (down.left == NULL)
		return;		/* all stopped already; done() ran */
	shutdown_report();
	if (sth.base != NULL) {
		down.report = event_new(sth.base, -1, EV_PERSIST, report_cb,
		    NULL);
		event_add(down.report, &tv);
	}
}

void
proctable_free(void)
{
	size_t i;

	for (i = 0; i < ngroups; i++)
		group_free(groups[i], 1);
	free(groups);
	groups = NULL;
	ngroups = 0;
	proc_globals_release(&proc_globals);
	preset_drop();
	proc_rpc_config_set(NULL, 0);
	proc_tick_uninstall();
	drain_free();
	down.active = 0;
}
