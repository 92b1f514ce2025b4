/*
 * plugin.c — the eventlistener plugin: attaches to the core's listener
 * pools (host->evpools, ABI 1.1), subscribes each pool to its events= on
 * the bus, and feeds listener output to the protocol (proto.c) and events
 * to the pool buffers (pool.c).
 *
 * [plugin:eventlistener] (optional) takes one key, len_unit = characters
 * (default: len: counts Python characters, as supervisord) or bytes.
 *
 * Loading starts the pools' listeners (at startup the process table does);
 * unloading stops them and drops what the pools had buffered.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evl.h"

static struct evl evl;

/* A bus event for one pool (a subscription per pool and events= name). */
static void
evl_on_event(const struct sth_event *ev, void *arg)
{
	evl_pool_publish(arg, ev);
}

static void
evl_pool_added(struct sth_evpool *core, void *arg)
{
	struct evl_pool *p;
	const char *type;
	size_t i;

	if (evl_pool_find(&evl, core) != NULL)
		return;
	p = evl_pool_new(&evl, core);
	for (i = 0; (type = evl.api->pool_event(core, i)) != NULL; i++) {
		p->subs = xreallocarray(p->subs, p->nsubs + 1,
		    sizeof *p->subs);
		p->subs[p->nsubs] = evl.host->bus_subscribe(evl.self, type,
		    evl_on_event, p);
		if (p->subs[p->nsubs] == NULL)
			evl.host->log(evl.self, STH_LOG_ERRO, "pool %s: cannot "
			    "subscribe to %s", p->name, type);
		p->nsubs++;
	}
}

static void
evl_pool_removed(struct sth_evpool *core, void *arg)
{
	struct evl_pool *p;

	if ((p = evl_pool_find(&evl, core)) != NULL)
		evl_pool_free(p, 0);
}

static void
evl_proc_state(struct sth_evpool *core, size_t idx, int from, int to,
	       pid_t pid, void *arg)
{
	struct evl_pool *p;

	if ((p = evl_pool_find(&evl, core)) == NULL || idx >= p->nprocs)
		return;
	evl_proto_instance(p, idx, pid);
	evl_pool_dispatch(p);
}

static void
evl_proc_output(struct sth_evpool *core, size_t idx, pid_t pid,
		const char *buf, size_t len, void *arg)
{
	struct evl_pool *p;

	if ((p = evl_pool_find(&evl, core)) == NULL || idx >= p->nprocs)
		return;
	evl_proto_instance(p, idx, pid);
	evl_proto_input(p, idx, buf, len);
	evl_pool_dispatch(p);
}

static const struct sth_evpool_ops evl_ops = {
	.pool_added = evl_pool_added,
	.pool_removed = evl_pool_removed,
	.proc_state = evl_proc_state,
	.proc_output = evl_proc_output,
};

static int
evl_config(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *sec;
	const char *unit;

	evl.len_bytes = 0;
	if ((sec = host->config(self)) == NULL)
		return 0;
	unit = host->cfg_str(sec, "len_unit", "characters");
	if (unit == NULL)
		return host->fail(self, "[plugin:eventlistener] len_unit "
		    "cannot be expanded");
	if (strcasecmp(unit, "bytes") == 0)
		evl.len_bytes = 1;
	else if (strcasecmp(unit, "characters") != 0)
		return host->fail(self, "[plugin:eventlistener] len_unit must "
		    "be characters or bytes, not '%s'", unit);
	return 0;
}

static int
evl_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_evpool *core;
	size_t i;

	memset(&evl, 0, sizeof evl);
	evl.host = host;
	evl.self = self;
	/* needs version 1; pool_pending (2) is tested with STH_EVPOOL_HAS */
	if (!STH_HOST_HAS(host, evpools) || (evl.api = host->evpools()) ==
	    NULL || evl.api->version < 1)
		return host->fail(self, "this sthenod has no listener pools "
		    "(host ABI 1.1 needed)");
	if (evl_config(self, host) == -1)
		return -1;
	if (evl.api->attach(self, &evl_ops, NULL) == -1)
		return host->fail(self, "the listener pools are already served "
		    "by another plugin: unload it first (a reload of "
		    "eventlistener is an unload and a load)");
	/* pools that exist already (a load after startup) */
	for (i = 0; (core = evl.api->pool_at(i)) != NULL; i++)
		evl_pool_added(core, NULL);
	evl.api->pools_start();
	return 0;
}

static void
evl_fini(struct sth_plugin *self)
{
	size_t i;

	if (evl.api == NULL)
		return;
	evl.api->detach(self);
	evl.api->pools_stop();
	while (evl.pools != NULL)
		evl_pool_free(evl.pools, 1);
	for (i = 0; i < EVL_RECENT; i++)
		evl_event_unref(evl.recent[i]);
	evl_spares_free();
	free(evl.env);
	memset(&evl, 0, sizeof evl);
}

STHENO_PLUGIN("eventlistener", "1.0",
    "supervisor's event listener pools and their READY/RESULT protocol",
    NULL, evl_init, NULL, evl_fini);
