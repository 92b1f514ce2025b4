/*
 * proc_deps.c — depends_on= (supervisor#122, the key of its PR #1449):
 * start a program only once the programs it depends on are up, and stop it
 * before them at shutdown.
 *
 * depends_on names groups (a [program:x] is the group x; a [group:g] is g).
 * A group is "up" when each of its processes is RUNNING, or has EXITED
 * with an expected exit code (a one-shot task such as a migration).  A
 * name may carry a condition instead: "db:started" (STARTING, RUNNING or
 * EXITED), "db:healthy" (ready: its healthcheck= passed, proc_health.c;
 * without a check, RUNNING), "migrate:completed" (EXITED, expected).  An
 * autostart process whose dependencies are not up waits, STOPPED, and is
 * spawned by the state change that brings the last of them up; if one of
 * them goes FATAL (or is removed) it stops waiting and says so.  A start
 * asked for by a client is not held: the operator's start wins.  At
 * shutdown a group is stopped only after every group depending on it.
 *
 * Ownership: nothing of its own; it reads the configs and sets proc's
 * dep_wait flag.  Cycles and unknown names are config errors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cfgval.h"
#include "log.h"
#include "proc.h"
#include "xmalloc.h"

/* The conditions of "name:condition" (a bare name: DEP_UP_OR_DONE). */
enum dep_cond { DEP_UP_OR_DONE, DEP_STARTED, DEP_HEALTHY, DEP_COMPLETED,
	DEP_BADCOND };
static const char *const dep_conds[] = {
	"", "started", "healthy", "completed"
};

/* The next name of a depends_on list (cfg_list_next) from *cur into buf,
 * its condition in *cond (may be NULL): 1, or 0 at the end.  A name too
 * long for buf is cut, and so matches no group: a config error naming
 * it.  An unknown condition gives DEP_BADCOND, its text in buf after the
 * name's NUL. */
static int
dep_next_cond(const char **cur, char *buf, size_t len, enum dep_cond *cond)
{
	const char *item;
	char *colon;
	enum dep_cond ignored;
	size_t n, c;

	if (!cfg_list_next(cur, &item, &n))
		return 0;
	if (n > len - 1)
		n = len - 1;
	memcpy(buf, item, n);
	buf[n] = '\0';
	if (cond == NULL)
		cond = &ignored;
	*cond = DEP_UP_OR_DONE;
	if ((colon = strchr(buf, ':')) == NULL)
		return 1;
	*colon++ = '\0';
	*cond = DEP_BADCOND;
	for (c = 1; c < sizeof dep_conds / sizeof dep_conds[0]; c++)
		if (strcmp(colon, dep_conds[c]) == 0)
			*cond = (enum dep_cond)c;
	return 1;
}

static int
dep_next(const char **cur, char *buf, size_t len)
{
	return dep_next_cond(cur, buf, len, NULL);
}

/* The index of the group called name in gcs, or -1. */
static long
gc_index(struct group_config **gcs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(gcs[i]->name, name) == 0)
			return (long)i;
	return -1;
}

/*
 * Depth-first from group g: color 1 while on the path, 2 once done.  1 if
 * a group on the path is reached again; *trail is then the cycle's names
 * from that group ("a -> b -> a"), built as the recursion unwinds.
 */
static int
dep_cycle(struct group_config **gcs, size_t n, size_t g, unsigned char *color,
    long *back, char **trail)
{
	char buf[256], *t;
	const char *cur;
	long d;
	size_t i;

	color[g] = 1;
	for (i = 0; i < gcs[g]->nprocs; i++) {
		if ((cur = gcs[g]->procs[i]->depends_on) == NULL)
			continue;
		while (dep_next(&cur, buf, sizeof buf)) {
			if ((d = gc_index(gcs, n, buf)) == -1 || color[d] == 2)
				continue;
			if (color[d] == 1) {
				*back = d;
				xasprintf(trail, "%s -> %s", gcs[g]->name,
				    buf);
				return 1;
			}
			if (dep_cycle(gcs, n, (size_t)d, color, back, trail)) {
				if (*back != -1) {
					xasprintf(&t, "%s -> %s",
					    gcs[g]->name, *trail);
					free(*trail);
					*trail = t;
					if ((size_t)*back == g)
						*back = -1;	/* closed */
				}
				return 1;
			}
		}
	}
	color[g] = 2;
	return 0;
}

int
proc_deps_check(struct group_config **gcs, size_t n, char **err)
{
	char buf[256], *trail = NULL;
	const char *cur;
	unsigned char *color;
	enum dep_cond cond;
	long back = -1;
	size_t g, i;

	for (g = 0; g < n; g++)
		for (i = 0; i < gcs[g]->nprocs; i++) {
			if ((cur = gcs[g]->procs[i]->depends_on) == NULL)
				continue;
			while (dep_next_cond(&cur, buf, sizeof buf, &cond)) {
				if (cond == DEP_BADCOND) {
					xasprintf(err, "depends_on: [%s] "
					    "names an unknown condition '%s' "
					    "of '%s' (started, healthy or "
					    "completed)",
					    gcs[g]->procs[i]->section,
					    buf + strlen(buf) + 1, buf);
					return -1;
				}
				if (strcmp(buf, gcs[g]->name) == 0) {
					xasprintf(err, "depends_on: [%s] "
					    "depends on itself",
					    gcs[g]->procs[i]->section);
					return -1;
				}
				if (gc_index(gcs, n, buf) == -1) {
					xasprintf(err, "depends_on: [%s] "
					    "names no program or group '%s'",
					    gcs[g]->procs[i]->section, buf);
					return -1;
				}
			}
		}
	color = xcalloc(n ? n : 1, 1);
	for (g = 0; g < n; g++) {
		if (color[g] == 0 &&
		    dep_cycle(gcs, n, g, color, &back, &trail)) {
			xasprintf(err, "depends_on: a cycle: %s", trail);
			free(trail);
			free(color);
			return -1;
		}
	}
	free(color);
	return 0;
}

/* --- at run time -------------------------------------------------------- */

enum dep_verdict { DEP_UP, DEP_WAIT, DEP_FAILED };

/* 1 if q meets condition c. */
static int
dep_holds(const struct proc *q, enum dep_cond c)
{
	switch (c) {
	case DEP_STARTED:
		return q->state == PROC_STARTING || q->state == PROC_RUNNING ||
		    q->state == PROC_EXITED;
	case DEP_HEALTHY:
		return proc_health_ready(q);
	case DEP_COMPLETED:
		return q->state == PROC_EXITED &&
		    proc_exit_expected(q->cfg, q->exitstatus);
	default:
		return q->state == PROC_RUNNING || (q->state == PROC_EXITED &&
		    proc_exit_expected(q->cfg, q->exitstatus));
	}
}

/* What p's dependencies say now; *why names the first one not up. */
static enum dep_verdict
dep_verdict(const struct proc *p, char *why, size_t len)
{
	char buf[256];
	const char *cur = p->cfg->depends_on;
	struct proc_group *g;
	enum dep_verdict v = DEP_UP;
	enum dep_cond c;
	size_t j;

	if (cur == NULL)
		return DEP_UP;
	while (dep_next_cond(&cur, buf, sizeof buf, &c)) {
		if ((g = proctable_group(buf)) == NULL) {
			snprintf(why, len, "%s is gone", buf);
			return DEP_FAILED;
		}
		for (j = 0; j < g->nprocs; j++) {
			struct proc *q = g->procs[j];

			if (q->state == PROC_FATAL) {
				snprintf(why, len, "%s entered FATAL state",
				    q->cfg->name);
				return DEP_FAILED;
			}
			if (v == DEP_UP && !dep_holds(q, c)) {
				snprintf(why, len, "%s%s%s", buf,
				    c != DEP_UP_OR_DONE ? " to be " : "",
				    dep_conds[c]);
				v = DEP_WAIT;
			}
		}
	}
	return v;
}

int
proc_deps_hold(struct proc *p)
{
	char why[300];

	switch (dep_verdict(p, why, sizeof why)) {
	case DEP_UP:
		return 0;
	case DEP_WAIT:
		p->dep_wait = 1;
		log_info("waiting for %s before starting %s", why,
		    p->cfg->name);
		return 1;
	case DEP_FAILED:
		log_warn("not starting %s: %s", p->cfg->name, why);
		return 1;
	}
	return 0;
}

void
proc_deps_state_changed(struct proc *q)
{
	if (q->state == PROC_RUNNING || q->state == PROC_EXITED ||
	    q->state == PROC_FATAL || q->state == PROC_STARTING)
		proc_deps_sweep();
}

void
proc_deps_sweep(void)
{
	struct proc_group *g;
	struct proc *p;
	char why[300];
	size_t i, j;

	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		for (j = 0; j < g->nprocs; j++) {
			p = g->procs[j];
			if (!p->dep_wait)
				continue;
			switch (dep_verdict(p, why, sizeof why)) {
			case DEP_WAIT:
				break;
			case DEP_FAILED:
				p->dep_wait = 0;
				log_warn("not starting %s: %s", p->cfg->name,
				    why);
				break;
			case DEP_UP:
				p->dep_wait = 0;
				if (p->state == PROC_STOPPED &&
				    !proctable_stopping())
					proc_spawn(p);
				break;
			}
		}
}

void
proc_deps_stop_order(struct proc_group **v, size_t n)
{
	struct proc_group **out;
	unsigned char *done;
	size_t **deps, *ndeps, k, i, j, p;
	char buf[256];
	const char *cur;
	int any = 0;

	for (i = 0; i < n && !any; i++)
		for (p = 0; p < v[i]->cfg->nprocs; p++)
			any |= v[i]->cfg->procs[p]->depends_on != NULL;
	if (!any)
		return;		/* supervisord's order, at no cost */
	/* each group's dependencies as indices into v, parsed once */
	deps = xcalloc(n, sizeof *deps);
	ndeps = xcalloc(n, sizeof *ndeps);
	for (i = 0; i < n; i++)
		for (p = 0; p < v[i]->cfg->nprocs; p++) {
			if ((cur = v[i]->cfg->procs[p]->depends_on) == NULL)
				continue;
			while (dep_next(&cur, buf, sizeof buf))
				for (j = 0; j < n; j++)
					if (j != i &&
					    strcmp(v[j]->cfg->name, buf) == 0) {
						deps[i] = xreallocarray(deps[i],
						    ndeps[i] + 1,
						    sizeof *deps[i]);
						deps[i][ndeps[i]++] = j;
					}
		}
	/*
	 * v is in start order (priority); shutdown stops from its end.  Keep
	 * that order but put every group after the groups it depends on, so
	 * that it is stopped before them: at each step take the first group
	 * (in v's order) whose dependencies are all placed already.  There is
	 * no cycle (proc_deps_check); were there one, the rest keeps v's order.
	 */
	out = xcalloc(n, sizeof *out);
	done = xcalloc(n, 1);
	for (k = 0; k < n; k++) {
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			for (j = 0; j < ndeps[i] && done[deps[i][j]]; j++)
				;
			if (j == ndeps[i])
				break;
		}
		if (i == n)
			for (i = 0; done[i]; i++)
				;
		done[i] = 1;
		out[k] = v[i];
	}
	memcpy(v, out, n * sizeof *v);
	for (i = 0; i < n; i++)
		free(deps[i]);
	free(deps);
	free(ndeps);
	free(out);
	free(done);
}
