/*
 * tp.c — the loader's test plugin, built several times with different
 * macros (tests/unit/plugin.inc) so that each build exercises one path of
 * daemon/plugin.c:
 *
 *   TP_NAME, TP_VERSION     descriptor name and version ("tp", "1")
 *   TP_REQUIRES             a NULL-terminated list initialiser, e.g. "tp",
 *   TP_ABI_MAJOR/MINOR, TP_SIZE, TP_NO_INIT
 *                           a descriptor the loader must refuse
 *   TP_FAIL_INIT            registers everything, then fails init
 *   TP_LEAKY                never frees anything (the host must)
 *   TP_ZOMBIE               also leaves a raw libevent event behind
 *
 * Ownership: the plugin's state is one static struct; the test talks to it
 * through its RPC methods (NAME.version, .ticks, .port, .accepted,
 * .schedule, .unload_self).  It keeps (host->event_hold) the first
 * PROCESS_LOG_STDOUT payload long enough to be kept.  If TP_LISTEN is set in the environment the
 * plugin listens there, else on 127.0.0.1:0; if TP_UNIX is set, it also
 * listens on that unix socket.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <stheno/stheno.h>

#ifndef TP_NAME
#define TP_NAME "tp"
#endif
#ifndef TP_VERSION
#define TP_VERSION "1"
#endif
#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR STHENO_ABI_MAJOR
#endif
#ifndef TP_ABI_MINOR
#define TP_ABI_MINOR STHENO_ABI_MINOR
#endif
#ifndef TP_SIZE
#define TP_SIZE sizeof(struct sth_plugin_descriptor)
#endif

static const struct sth_host *host;

static struct tp {
	struct sth_timer *tick;
	struct sth_timer *later;
	struct sth_listener *l;
	struct sth_listener *ul;
	struct event *raw;
	struct sth_sub *sub;
	struct sth_hold *hold;
	long ticks;
	long accepted;
	long deferred;
} tp;

static const char *const tp_methods[] = {
	TP_NAME ".version", TP_NAME ".ticks", TP_NAME ".port",
	TP_NAME ".accepted", TP_NAME ".schedule", TP_NAME ".unload_self",
};

static void
tp_tick(struct sth_timer *t, void *arg)
{
	tp.ticks++;
}

#ifdef TP_ZOMBIE
static void
tp_raw(evutil_socket_t fd, short what, void *arg)
{
	tp.ticks++;
}
#endif

static void
tp_accept(struct sth_listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen, void *arg)
{
	tp.accepted++;
	close(fd);
}

static void
tp_version(struct sth_rpc_call *call, json_t *params, void *arg)
{
	host->rpc_return(call, json_string(TP_VERSION));
}

static void
tp_counter(struct sth_rpc_call *call, json_t *params, void *arg)
{
	host->rpc_return(call, json_integer(*(long *)arg));
}

static void
tp_port(struct sth_rpc_call *call, json_t *params, void *arg)
{
	host->rpc_return(call, json_integer(host->listener_port(tp.l)));
}

static void
tp_deferred(void *arg)
{
	tp.deferred++;
}

/* Leave a deferred call and a one-shot timer pending. */
static void
tp_schedule(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct sth_plugin *self = arg;

	host->defer(self, tp_deferred, NULL);
	if (tp.later == NULL)
		tp.later = host->timer_new(self, tp_tick, NULL);
	host->timer_start(tp.later, 0.02, 0);
	host->rpc_return(call, json_true());
}

static void
tp_unloaded(json_t *result, int code, const char *fstr, void *arg)
{
}

/* Ask the loader to unload this very plugin from inside its own method. */
static void
tp_unload_self(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct sth_plugin *self = arg;
	json_t *p = json_pack("[s]", TP_NAME);

	host->rpc_call(self, "plugin.unload", p, tp_unloaded, NULL);
	json_decref(p);
	host->rpc_return(call, json_true());
}

static void
tp_on_log(const struct sth_event *ev, void *arg)
{
	size_t room;

	if (tp.hold == NULL)
		tp.hold = host->event_hold(arg, ev, &room);
}

static __attribute__((unused)) int
tp_init(struct sth_plugin *self, const struct sth_host *h)
{
	const char *spec = getenv("TP_LISTEN");
	char *err = NULL;

	host = h;
	memset(&tp, 0, sizeof tp);
	tp.tick = host->timer_new(self, tp_tick, NULL);
	host->timer_start(tp.tick, 0.01, 1);
	tp.sub = host->bus_subscribe(self, "PROCESS_LOG_STDOUT", tp_on_log,
	    self);
	tp.l = host->listen_tcp(self, spec != NULL ? spec : "127.0.0.1:0",
	    tp_accept, NULL, &err);
	if (tp.l == NULL) {
		host->fail(self, "listen: %s", err);
		free(err);
		return -1;
	}
	if ((spec = getenv("TP_UNIX")) != NULL &&
	    (tp.ul = host->listen_unix(self, spec, 0700, NULL, tp_accept, NULL,
	    &err)) == NULL) {
		host->fail(self, "listen: %s", err);
		free(err);
		return -1;
	}
	if (host->rpc_register(self, tp_methods[0], tp_version, NULL, NULL,
	    NULL) != 0 ||
	    host->rpc_register(self, tp_methods[1], tp_counter, &tp.ticks,
	    NULL, NULL) != 0 ||
	    host->rpc_register(self, tp_methods[2], tp_port, NULL, NULL,
	    NULL) != 0 ||
	    host->rpc_register(self, tp_methods[3], tp_counter, &tp.accepted,
	    NULL, NULL) != 0 ||
	    host->rpc_register(self, tp_methods[4], tp_schedule, self, NULL,
	    NULL) != 0 ||
	    host->rpc_register(self, tp_methods[5], tp_unload_self, self,
	    NULL, NULL) != 0)
		return host->fail(self, "cannot register methods");
#ifdef TP_ZOMBIE
	{
		struct timeval hour = { 3600, 0 };

		tp.raw = event_new(host->base(self), -1, EV_PERSIST,
		    tp_raw, NULL);
		event_add(tp.raw, &hour);
	}
#endif
#ifdef TP_FAIL_INIT
	host->defer(self, tp_deferred, NULL);
	return host->fail(self, "deliberate failure of version %s",
	    TP_VERSION);
#else
	return 0;
#endif
}

static void
tp_drain(struct sth_plugin *self)
{
#ifndef TP_LEAKY
	host->timer_stop(tp.tick);
#endif
}

static void
tp_fini(struct sth_plugin *self)
{
#ifndef TP_LEAKY
	size_t i;

	host->timer_free(tp.tick);
	host->timer_free(tp.later);
	host->listener_free(tp.l);	/* closed by the drain, not freed */
	host->listener_free(tp.ul);
	host->event_release(tp.hold);
	host->bus_unsubscribe(tp.sub);
	for (i = 0; i < sizeof tp_methods / sizeof tp_methods[0]; i++)
		host->rpc_unregister(self, tp_methods[i]);
#endif
	memset(&tp, 0, sizeof tp);
}

#ifdef TP_REQUIRES
static const char *const tp_requires[] = { TP_REQUIRES NULL };
#define TP_REQ tp_requires
#else
#define TP_REQ NULL
#endif

#ifdef TP_NO_INIT
#define TP_INIT NULL
#else
#define TP_INIT tp_init
#endif

__attribute__((visibility("default")))
const struct sth_plugin_descriptor sth_plugin_descriptor = {
	TP_ABI_MAJOR, TP_ABI_MINOR, (uint32_t)(TP_SIZE), 0,
	TP_NAME, TP_VERSION, "the loader's test plugin", TP_REQ,
	TP_INIT, tp_drain, tp_fini
};
