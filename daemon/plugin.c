/*
 * plugin.c — the loader: find, check, load, unload and reload .so plugins
 * while the loop runs (loader.h; docs/design.md, decisions 3 and 4).
 *
 * Life of a plugin record:
 *
 *   opened --init--> active --unload--> draining --quiet or grace--> stopping
 *     (mapped, checked)          (listeners closed,        (force, fini,
 *                                 drain() called)           leftovers freed)
 *   stopping --audit clean--> unloaded --two loop turns--> lt_dlclose, freed
 *   stopping --audit finds live events--> zombie (kept mapped, reported)
 *
 * Every step after "draining" runs from host-owned events on the loop, never
 * from a stack that holds a frame of the plugin (frames are counted by the
 * trampolines: plugin_enter / plugin_leave).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <ltdl.h>

#include "bus.h"
#include "ini.h"
#include "loader.h"
#include "log.h"
#include "net.h"
#include "options.h"
#include "plugin_int.h"
#include "plugin_trust.h"
#include "rpc.h"
#include "scope.h"
#include "service.h"
#include "sthenod.h"
#include "test_hooks.h"
#include "xmalloc.h"

static const char *const plugin_state_names[PS_NSTATES] = {
	[PS_OPENED] = "opened",
	[PS_LOADING] = "loading",
	[PS_ACTIVE] = "active",
	[PS_DRAINING] = "draining",
	[PS_STOPPING] = "stopping",
	[PS_UNLOADED] = "unloaded",
	[PS_ZOMBIE] = "zombie",
};

struct plugin_list plugins = TAILQ_HEAD_INITIALIZER(plugins);
static double plugin_grace_secs = 5.0;

static void plugin_step_cb(evutil_socket_t, short, void *);
static void plugin_grace_cb(evutil_socket_t, short, void *);
static void plugin_finish(struct sth_plugin *, int now);
static void plugin_close(struct sth_plugin *);
static void plugin_poke(struct sth_plugin *);
static void plugin_poke_others(struct sth_plugin *);

/* --- accessors for the other host files (scope.h), lookups --------------- */

void
plugin_check(const struct sth_plugin *p)
{
	if (p == NULL || p->magic != PLUGIN_MAGIC)
		fatalx("host call with a handle that is not a plugin (%p)",
		    (const void *)p);
}

struct scope *
plugin_scope(struct sth_plugin *p)
{
	return p->scope;
}

const char *
plugin_name(const struct sth_plugin *p)
{
	return p->name;
}

struct sth_plugin *
plugin_replacing(const struct sth_plugin *p)
{
	return p->replacing;
}

int
plugin_enter(struct sth_plugin *p)
{
	switch (p->state) {
	case PS_LOADING:
	case PS_ACTIVE:
	case PS_DRAINING:
	case PS_STOPPING:
		p->depth++;
		return 1;
	default:
		return 0;
	}
}

void
plugin_leave(struct sth_plugin *p)
{
	if (p->depth <= 0)
		fatalx("plugin '%s' left more frames than it entered",
		    p->name);
	p->depth--;
}

void
plugin_set_error(struct sth_plugin *p, const char *msg)
{
	free(p->error);
	p->error = xstrdup(msg);
}

void
plugin_set_data(struct sth_plugin *p, void *data)
{
	plugin_check(p);
	p->data = data;
}

void *
plugin_get_data(struct sth_plugin *p)
{
	plugin_check(p);
	return p->data;
}

int
plugin_is_live(const struct sth_plugin *p)
{
	return p->state == PS_OPENED || p->state == PS_LOADING ||
	    p->state == PS_ACTIVE;
}

/* The live plugin called name, or NULL. */
struct sth_plugin *
plugin_find(const char *name)
{
	struct sth_plugin *p;

	TAILQ_FOREACH(p, &plugins, link) {
		if (plugin_is_live(p) && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

struct sth_plugin *
plugin_by_section(const char *section)
{
	struct sth_plugin *p;

	TAILQ_FOREACH(p, &plugins, link) {
		if (plugin_is_live(p) && p->section != NULL &&
		    strcmp(p->section, section) == 0 &&
		    strncmp(section, "plugin:", 7) == 0)
			return p;
	}
	return NULL;
}

int
plugin_requires(const struct sth_plugin *p, const char *name)
{
	const char *const *r;

	if (p->d->requires == NULL)
		return 0;
	for (r = p->d->requires; *r != NULL; r++) {
		if (strcmp(*r, name) == 0)
			return 1;
	}
	return 0;
}

/* An active plugin that requires p, other than the one replacing it. */
struct sth_plugin *
plugin_dependent(const struct sth_plugin *p)
{
	struct sth_plugin *q;

	TAILQ_FOREACH(q, &plugins, link) {
		if (q != p && plugin_is_live(q) && q->replacing != p &&
		    plugin_requires(q, p->name))
			return q;
	}
	return NULL;
}

void
plugins_set_grace(double seconds)
{
	plugin_grace_secs = seconds < 0 ? 0 : seconds;
}

void
plugin_scope_changed(void *arg)
{
	struct sth_plugin *p = arg;

	if (p->state != PS_DRAINING)
		return;
	plugin_poke(p);
	plugin_poke_others(p);
}

void
plugin_changed(struct sth_plugin *p)
{
	plugin_scope_changed(p);
}

/* Release whatever is left in p's scope; warn (leak = 1) or not. */
static void
plugin_release(struct sth_plugin *p, int leak)
{
	static const enum scope_kind order[] = {
		SCOPE_LISTENER, SCOPE_CONN, SCOPE_DEFER,
		SCOPE_BINDING, SCOPE_TIMER, SCOPE_WATCH, SCOPE_METHOD,
		SCOPE_SUB, SCOPE_HOLD, SCOPE_SERVICE, SCOPE_VFS,
	};
	size_t i;
	unsigned n;
	int m;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		n = scope_release(p->scope, order[i]);
		if (n != 0 && leak)
			log_warn("plugin '%s' left %u %s behind at unload; "
			    "sthenod released them", p->name, n,
			    scope_kind_name(order[i]));
	}
	/* Backstops: anything the registries hold that bypassed the table. */
	if ((m = rpc_unregister_owner(p)) != 0)
		log_warn("plugin '%s': %d more RPC methods released", p->name,
		    m);
	/* Calls made in or after fini; those before it were cancelled by
	 * plugin_finish and are only let go here. */
	if ((m = rpc_cancel_owner(p)) != 0 && leak)
		log_warn("plugin '%s' left %d calls behind at unload; "
		    "sthenod released them", p->name, m);
	rpc_release_owner(p);
	if ((m = bus_unsubscribe_owner(p)) != 0)
		log_warn("plugin '%s': %d more subscriptions released",
		    p->name, m);
	service_drop_owner(p);
	if ((m = hostapi_unbind_provider(p)) != 0)
		log_warn("plugin '%s' kept %d binding(s) of other plugins "
		    "past its fini; sthenod released them", p->name, m);
}

/* --- init, and the end of a record that ran ------------------------------ */

struct plugin_audit {
	void *text;
	int found;
	void *first;
};

static int
plugin_audit_cb(const struct event_base *base, const struct event *ev,
    void *arg)
{
	struct plugin_audit *a = arg;
	union {
		event_callback_fn fn;
		void *ptr;
	} cb;
	Dl_info info;

	cb.ptr = NULL;
	cb.fn = event_get_callback(ev);
	if (cb.ptr != NULL && dladdr(cb.ptr, &info) != 0 &&
	    info.dli_fbase == a->text) {
		if (a->found++ == 0)
			a->first = cb.ptr;
	}
	return 0;
}

/* After fini: any live event whose callback lies in the .so keeps it
 * mapped.  Returns the number of such events. */
static int
plugin_audit(struct sth_plugin *p)
{
	struct plugin_audit a = { p->text, 0, NULL };
	Dl_info info;
	const char *sym = "?";

	if (sth.base == NULL)
		return 0;
	event_base_foreach_event(sth.base, plugin_audit_cb, &a);
	if (a.found != 0) {
		if (dladdr(a.first, &info) != 0 && info.dli_sname != NULL)
			sym = info.dli_sname;
		log_error("plugin '%s': %d live event(s) still call into it "
		    "after fini (first: %p, %s); keeping it mapped as a "
		    "zombie", p->name, a.found, a.first, sym);
	}
	return a.found;
}

/* The end of a record that ran: release, audit, then close from the loop. */
static void
plugin_bury(struct sth_plugin *p, int leak, int now)
{
	struct timeval zero = { 0, 0 };

	p->state = PS_UNLOADED;
	plugin_release(p, leak);
	if (plugin_audit(p) != 0) {
		p->state = PS_ZOMBIE;
		return;
	}
	if (now || sth.base == NULL) {
		plugin_close(p);
		return;
	}
	p->hops = 2;
	if (p->step == NULL)
		p->step = evtimer_new(sth.base, plugin_step_cb, p);
	evtimer_add(p->step, &zero);
}

int
plugin_init(struct sth_plugin *p, char **err)
{
	const char *const *r;
	struct sth_plugin *dep;
	int rc;

	for (r = p->d->requires; r != NULL && *r != NULL; r++) {
		dep = plugin_find(*r);
		if (dep == NULL || dep->state != PS_ACTIVE) {
			xasprintf(err, "plugin '%s' requires '%s', which is "
			    "not loaded: load '%s' first", p->name, *r, *r);
			return -1;
		}
	}
	if (p->step == NULL && sth.base != NULL)
		p->step = evtimer_new(sth.base, plugin_step_cb, p);
	p->state = PS_LOADING;
	p->depth++;
	rc = p->d->init(p, hostapi_table());
	p->depth--;
	if (rc == 0) {
		p->state = PS_ACTIVE;
		p->cfg = plugin_config_sig(p->name);
		return 0;
	}
	xasprintf(err, "plugin '%s' failed to initialise: %s", p->name,
	    p->error != NULL ? p->error : "init failed");
	if (p->replacing != NULL)
		hostapi_settle(p, 0);
	p->state = PS_STOPPING;
	plugin_bury(p, 0, 0);
	return -1;
}

/* --- unload and reload ---------------------------------------------------- */

/* Run p's step on the next loop turn, if it is draining. */
static void
plugin_poke(struct sth_plugin *p)
{
	struct timeval zero = { 0, 0 };

	if (p->state == PS_DRAINING && p->step != NULL &&
	    !evtimer_pending(p->step, NULL))
		evtimer_add(p->step, &zero);
}

/* Something p's draining neighbours wait for changed: p's connections
 * (its superseded consumers wait for none to be left), or p is gone (its
 * providers wait for their users).  A handful of plugins: walk them all. */
static void
plugin_poke_others(struct sth_plugin *p)
{
	struct sth_plugin *q;

	TAILQ_FOREACH(q, &plugins, link) {
		if (q != p)
			plugin_poke(q);
	}
}

static int
plugin_quiet(struct sth_plugin *p)
{
	return p->wait_for == NULL &&
	    scope_count(p->scope, SCOPE_CONN) == 0 &&
	    scope_count(p->scope, SCOPE_DEFER) == 0 &&
	    rpc_pending_owner(p) == 0 &&
	    service_users(p, NULL, NULL) == 0;
}

/* New work no longer reaches p; what it has in hand finishes. */
static void
plugin_retire(struct sth_plugin *p, const char *why)
{
	p->state = PS_DRAINING;
	log_info("plugin '%s' unloading%s", p->name, why);
	rpc_retire_owner(p);
	service_retire_owner(p);
	net_listeners_close(p);
	if (sth.base != NULL && p->step == NULL)
		p->step = evtimer_new(sth.base, plugin_step_cb, p);
}

/* Tell p to stop starting new work, and bound the wait for the rest. */
static void
plugin_drain(struct sth_plugin *p)
{
	struct timeval zero = { 0, 0 }, tv;

	p->wait_for = NULL;
	if (p->d->drain != NULL) {
		p->depth++;
		p->d->drain(p);
		p->depth--;
	}
	if (sth.base == NULL)
		return;
	if (p->grace == NULL)
		p->grace = evtimer_new(sth.base, plugin_grace_cb, p);
	tv.tv_sec = (time_t)plugin_grace_secs;
	tv.tv_usec = (suseconds_t)((plugin_grace_secs - tv.tv_sec) * 1e6);
	evtimer_add(p->grace, &tv);
	evtimer_add(p->step, &zero);
}

static void
plugin_begin_unload(struct sth_plugin *p)
{
	plugin_retire(p, "");
	plugin_drain(p);
}

/*
 * A consumer whose provider was reloaded: the old provider's connections
 * still dispatch to it, so it drains (and its grace starts) only once that
 * provider has no connection left; until then requests in hand and on
 * those connections are answered as before.
 */
static void
plugin_supersede(struct sth_plugin *p, struct sth_plugin *provider)
{
	struct timeval zero = { 0, 0 };

	plugin_retire(p, ", superseded by the reload of its provider");
	p->wait_for = provider;
	if (p->step != NULL)
		evtimer_add(p->step, &zero);
}

/* A draining plugin that waits for p or holds one of its services. */
static struct sth_plugin *
plugin_draining_user(struct sth_plugin *p)
{
	struct sth_plugin *q;

	TAILQ_FOREACH(q, &plugins, link) {
		if (q != p && q->state == PS_DRAINING &&
		    (q->wait_for == p || service_user_of(q, p)))
			return q;
	}
	return NULL;
}

/* force → fini → release leftovers → audit → (deferred) close */
static void
plugin_finish(struct sth_plugin *p, int now)
{
	struct sth_plugin *q;
	unsigned n;

	if (p->grace != NULL)
		evtimer_del(p->grace);
	p->state = PS_STOPPING;
	p->wait_for = NULL;
	/* Its draining users go first: their fini may still call into it. */
	while ((q = plugin_draining_user(p)) != NULL) {
		log_warn("plugin '%s' is still used by '%s'; unloading '%s' "
		    "first", p->name, q->name, q->name);
		plugin_finish(q, now);
	}
	if ((n = net_conn_force_close(p)) != 0)
		log_warn("plugin '%s': closed %u connection(s) still open "
		    "after the unload grace period", p->name, n);
	scope_release(p->scope, SCOPE_DEFER);
	rpc_cancel_owner(p);	/* handles valid until plugin_release */
	p->depth++;
	p->d->fini(p);
	p->depth--;
	plugin_bury(p, 1, now);
	plugin_poke_others(p);
}

static void
plugin_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_plugin *p = arg;
	struct timeval zero = { 0, 0 }, poll = { 0, 50000 };

	if (p->depth > 0) {		/* a frame of it is below us */
		evtimer_add(p->step, &zero);
		return;
	}
	switch (p->state) {
	case PS_DRAINING:
		if (p->wait_for != NULL) {
			/* woken again when the provider's count changes */
			if (p->wait_for->state == PS_DRAINING &&
			    scope_count(p->wait_for->scope, SCOPE_CONN) != 0)
				break;
			plugin_drain(p);
			break;
		}
		if (plugin_quiet(p))
			plugin_finish(p, 0);
		else if (scope_count(p->scope, SCOPE_CONN) == 0 &&
		    scope_count(p->scope, SCOPE_DEFER) == 0 &&
		    rpc_calls_made(p) == 0 &&
		    service_users(p, NULL, NULL) == 0)
			/* only answers owed to RPC callers: no event tells
			 * us when they are done */
			evtimer_add(p->step, &poll);
		break;
	case PS_UNLOADED:
		if (--p->hops > 0)
			evtimer_add(p->step, &zero);
		else
			plugin_close(p);
		break;
	default:
		break;
	}
}

static void
plugin_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_plugin *p = arg;
	struct timeval zero = { 0, 0 };

	if (p->state != PS_DRAINING)
		return;
	if (p->depth > 0) {
		evtimer_add(p->grace, &zero);
		return;
	}
	plugin_finish(p, 0);
}

static void
plugin_close(struct sth_plugin *p)
{
	if (lt_dlclose(p->handle) != 0)
		log_warn("plugin '%s': lt_dlclose: %s", p->name, lt_dlerror());
	unlink(p->copy);
	log_info("plugin '%s' unloaded", p->name);
	TAILQ_REMOVE(&plugins, p, link);
	plugin_free(p);
}

int
plugin_unload(const char *name, char **err)
{
	struct sth_plugin *p, *q, *user = NULL;
	const char *svc = NULL;

	*err = NULL;
	if ((p = plugin_find(name)) == NULL) {
		xasprintf(err, "plugin '%s' is not loaded", name);
		return -1;
	}
	if (p->state != PS_ACTIVE) {
		xasprintf(err, "plugin '%s' is still initialising", name);
		return -1;
	}
	if ((q = plugin_dependent(p)) != NULL) {
		xasprintf(err, "plugin '%s' is required by '%s': unload '%s' "
		    "first", name, q->name, q->name);
		return -1;
	}
	if (service_users(p, &user, &svc) != 0 && user != NULL) {
		xasprintf(err, "plugin '%s' is in use by '%s' (service '%s'): "
		    "unload '%s' first", name, user->name, svc, user->name);
		return -1;
	}
	plugin_begin_unload(p);
	return 0;
}

/* 1 if q needs p: it requires p by name or holds one of p's services. */
static int
plugin_needs(struct sth_plugin *q, struct sth_plugin *p)
{
	return plugin_requires(q, p->name) || service_user_of(q, p);
}

/*
 * The plugins a reload of root must take along: root, then every active
 * plugin that needs one of them (a consumer holds pointers into the
 * provider it was bound to), providers before their consumers.  Returns
 * how many, or max + 1 if they do not fit.
 */
static size_t
plugin_cohort(struct sth_plugin *root, struct sth_plugin **set, size_t max)
{
	struct sth_plugin *q;
	size_t n = 1, i, j, placed;
	int grew = 1, ready;

	set[0] = root;
	while (grew) {			/* the closure */
		grew = 0;
		TAILQ_FOREACH(q, &plugins, link) {
			if (q->state != PS_ACTIVE)
				continue;
			for (i = 0; i < n && set[i] != q; i++)
				;
			if (i < n)
				continue;
			for (i = 0; i < n && !plugin_needs(q, set[i]); i++)
				;
			if (i < n) {
				if (n == max)
					return max + 1;	/* too many */
				set[n++] = q;
				grew = 1;
			}
		}
	}
	/* a topological order: place a member once those it needs are */
	for (placed = 1; placed < n; placed++) {
		for (i = placed; i < n; i++) {
			ready = 1;
			for (j = placed; j < n && ready; j++)
				if (j != i && plugin_needs(set[i], set[j]))
					ready = 0;
			if (ready)
				break;
		}
		if (i == n)	/* a cycle among consumers: keep list order */
			break;
		q = set[i];
		memmove(&set[placed + 1], &set[placed],
		    (i - placed) * sizeof set[0]);
		set[placed] = q;
	}
	return n;
}

/* A new version that initialised but must not stay: undo its takeover and
 * unload it at once (its own consumers are gone already). */
static void
plugin_rollback(struct sth_plugin *p)
{
	hostapi_settle(p, 0);
	p->replacing = NULL;
	plugin_retire(p, " (rolled back)");
	plugin_finish(p, 0);
}

/*
 * Reload name, and with it every plugin bound to it (plugin_cohort), in
 * one loop turn.  The config file is read again first, so that the new
 * versions see their sections as they are now (plugin.reload is how an
 * option change applies); if any refuses its options, the old config
 * stays in force with the old versions.  Then: each new version is
 * loaded beside the old one and takes
 * over its names and sockets, consumers bind to the new provider, and no
 * request is dispatched in between.  If any fails, every new version is
 * rolled back and the old ones keep serving.  Then the old provider
 * drains; its old consumers answer what its connections still bring and
 * drain after it (plugin_supersede).
 */
int
plugin_reload(const char *name, char **err)
{
	struct sth_plugin *old, *set[32], *neu[32];
	struct ini_doc *doc = NULL, *prev = NULL;
	char *why = NULL;
	size_t n, i, k;

	*err = NULL;
	if ((old = plugin_find(name)) == NULL || old->state != PS_ACTIVE) {
		xasprintf(err, "plugin '%s' is not loaded", name);
		return -1;
	}
	if (sth.opts != NULL) {
		if ((doc = options_reread(NULL, &why)) == NULL) {
			xasprintf(err, "reload of plugin '%s' refused, the "
			    "loaded version keeps serving: %s", name, why);
			free(why);
			return -1;
		}
		prev = plugin_config_swap(doc);
	}
	if ((n = plugin_cohort(old, set, sizeof set / sizeof set[0])) >
	    sizeof set / sizeof set[0]) {
		if (doc != NULL)
			ini_free(plugin_config_swap(prev));
		xasprintf(err, "reload of plugin '%s' refused: more than %zu "
		    "plugins depend on it; unload some of them first", name,
		    sizeof set / sizeof set[0] - 1);
		return -1;
	}
	for (k = 0; k < n; k++) {
		if ((neu[k] = plugin_open(set[k]->src, set[k], NULL,
		    &why)) == NULL)
			break;
		if (strcmp(neu[k]->name, set[k]->name) != 0) {
			xasprintf(&why, "the file %s now holds plugin '%s'",
			    set[k]->src, neu[k]->name);
			plugin_discard(neu[k]);
			break;
		}
		if (set[k]->section != NULL)
			neu[k]->section = xstrdup(set[k]->section);
		TAILQ_INSERT_TAIL(&plugins, neu[k], link);
		if (plugin_init(neu[k], &why) != 0)
			break;
	}
	if (k < n) {
		while (k-- > 0)
			plugin_rollback(neu[k]);
		if (doc != NULL)
			ini_free(plugin_config_swap(prev));
		xasprintf(err, "reload of plugin '%s' failed, the loaded "
		    "version keeps serving: %s", name, why);
		free(why);
		return -1;
	}
	if (prev != NULL)
		ini_free(prev);
	for (i = 0; i < n; i++) {
		hostapi_settle(neu[i], 1);
		neu[i]->replacing = NULL;
		log_info("plugin '%s' reloaded from %s (%s replaces %s)%s%s",
		    neu[i]->name, neu[i]->src,
		    neu[i]->d->version != NULL ? neu[i]->d->version : "?",
		    set[i]->d->version != NULL ? set[i]->d->version : "?",
		    i > 0 ? ", with " : "", i > 0 ? name : "");
	}
	plugin_begin_unload(old);
	for (i = 1; i < n; i++)
		plugin_supersede(set[i], old);
	return 0;
}

json_t *
plugin_list(void)
{
	struct sth_plugin *p, *q, *user;
	const char *const *r;
	const char *svc;
	json_t *a, *o, *req, *used, *res;
	int k;

	a = json_array();
	TAILQ_FOREACH(p, &plugins, link) {
		req = json_array();
		for (r = p->d->requires; r != NULL && *r != NULL; r++)
			json_array_append_new(req, json_string(*r));
		used = json_array();
		TAILQ_FOREACH(q, &plugins, link) {
			if (q != p && plugin_is_live(q) &&
			    plugin_requires(q, p->name))
				json_array_append_new(used,
				    json_string(q->name));
		}
		user = NULL;
		if (service_users(p, &user, &svc) != 0 && user != NULL &&
		    !plugin_requires(user, p->name))
			json_array_append_new(used, json_string(user->name));
		res = json_object();
		for (k = 0; k < SCOPE_NKINDS; k++) {
			json_object_set_new(res, scope_kind_name(k),
			    json_integer(scope_count(p->scope, k)));
			/* calls are the registry's; the key's old place */
			if (k == SCOPE_DEFER)
				json_object_set_new(res, "calls",
				    json_integer(rpc_calls_made(p)));
		}
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
		    "name", p->name,
		    "version", p->d->version != NULL ? p->d->version : "",
		    "description",
		    p->d->description != NULL ? p->d->description : "",
		    "state", plugin_state_names[p->state],
		    "path", p->src,
		    "copy", p->copy,
		    "requires", req, "used_by", used, "resources", res);
		if (o == NULL)
			fatalx("json_pack failed for plugin '%s'", p->name);
		json_array_append_new(a, o);
	}
	return a;
}

void
plugins_shutdown(void)
{
	struct sth_plugin *p, *next;
	int progress = 1;

	/* Unload, dependents first: an active plugin nobody requires. */
	while (progress) {
		progress = 0;
		TAILQ_FOREACH_SAFE(p, &plugins, link, next) {
			if (p->state != PS_ACTIVE || plugin_dependent(p) ||
			    service_users(p, NULL, NULL) != 0)
				continue;
			plugin_begin_unload(p);
			plugin_finish(p, 1);
			progress = 1;
			break;
		}
	}
	/* What is left: a finish may end (and free) others first, its
	 * draining users, so the walk starts over after each. */
again:
	TAILQ_FOREACH(p, &plugins, link) {
		switch (p->state) {
		case PS_ACTIVE:		/* a dependency cycle: cannot be */
		case PS_DRAINING:
			plugin_finish(p, 1);
			goto again;
		case PS_UNLOADED:
			plugin_close(p);
			goto again;
		default:		/* zombies stay mapped to the end */
			unlink(p->copy);
			break;
		}
	}
	plugin_stage_fini();
}
