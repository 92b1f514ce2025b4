/*
 * hostapi.c — the host API table (struct sth_host) handed to every
 * plugin's init, and the host-side records behind it.
 *
 * Every constructor records its object in the calling plugin's scope with a
 * destructor, and every callback it installs is a trampoline here that
 * passes plugin_enter() before jumping into plugin code.  Listeners and
 * connections live in net.c; the registries (rpc.c, bus.c, service.c,
 * vfs.c) do the real work and this file only adds ownership.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bus.h"
#include "cfgval.h"
#include "expand.h"
#include "ini.h"
#include "log.h"
#include "net.h"
#include "proc.h"
#include "rpc.h"
#include "scope.h"
#include "service.h"
#include "sthenod.h"
#include "vfs.h"
#include "xmalloc.h"

/* --- timers, watches, deferred calls ------------------------------------ */

struct sth_timer {
	struct sth_plugin *owner;
	struct scope_res *res;
	struct event *ev;
	sth_timer_fn fn;
	void *arg;
	struct timeval tv;
	int repeat;
};

struct sth_watch {
	struct sth_plugin *owner;
	struct scope_res *res;
	struct event *ev;
	int fd;
	int own_fd;
	sth_watch_fn fn;
	void *arg;
};

/*
 * One record shape for everything that is found again by its handle (a
 * subscription, a vfs root) or by name (a method, a service), and for
 * deferred calls.  A pending RPC call has none: rpc.c's record is all.
 */
struct hrec {
	TAILQ_ENTRY(hrec) link;		/* all records, for handle lookups */
	struct sth_plugin *owner;
	struct scope_res *res;
	enum scope_kind kind;
	void *handle;
	char *name;
	union {
		sth_rpc_fn rpc;
		sth_bus_fn bus;
		void (*defer)(void *);
	} fn;
	void *arg;
	char *help;
	char *sig;
	unsigned version;
	const void *iface;
	struct event *ev;		/* deferred calls */
	struct hrec *taken;		/* reload: the old plugin's record */
};
static TAILQ_HEAD(, hrec) hrecs = TAILQ_HEAD_INITIALIZER(hrecs);

static struct hrec *
hrec_new(struct sth_plugin *p, enum scope_kind kind)
{
	struct hrec *h;

	h = xcalloc(1, sizeof *h);
	h->owner = p;
	h->kind = kind;
	TAILQ_INSERT_TAIL(&hrecs, h, link);
	return h;
}

static void
hrec_free(struct hrec *h)
{
	if (h == NULL)
		return;
	TAILQ_REMOVE(&hrecs, h, link);
	if (h->ev != NULL)
		event_free(h->ev);
	hrec_free(h->taken);
	free(h->name);
	free(h->help);
	free(h->sig);
	free(h);
}

static struct hrec *
hrec_by_handle(enum scope_kind kind, const void *handle)
{
	struct hrec *h;

	TAILQ_FOREACH(h, &hrecs, link) {
		if (h->kind == kind && h->handle == handle && h->res != NULL)
			return h;
	}
	return NULL;
}

static int
hrec_match_name(void *obj, void *arg)
{
	struct hrec *h = obj;

	return strcmp(h->name, arg) == 0;
}

static void
hostapi_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_timer *t = arg;
	struct sth_plugin *p = t->owner;

	if (!plugin_enter(p))
		return;
	if (t->repeat)
		evtimer_add(t->ev, &t->tv);
	t->fn(t, t->arg);	/* may free t */
	plugin_leave(p);
}

static void
hostapi_timer_destroy(void *obj)
{
	struct sth_timer *t = obj;

	event_free(t->ev);
	free(t);
}

static struct sth_timer *
hostapi_timer_new(struct sth_plugin *p, sth_timer_fn fn, void *arg)
{
	struct sth_timer *t;

	plugin_check(p);
	t = xcalloc(1, sizeof *t);
	t->owner = p;
	t->fn = fn;
	t->arg = arg;
	if ((t->ev = evtimer_new(sth.base, hostapi_timer_cb, t)) == NULL)
		fatalx("evtimer_new failed");
	t->res = scope_add(plugin_scope(p), SCOPE_TIMER, t,
	    hostapi_timer_destroy);
	return t;
}

static void
hostapi_timer_start(struct sth_timer *t, double seconds, int repeat)
{
	if (seconds < 0)
		seconds = 0;
	t->tv.tv_sec = (time_t)seconds;
	t->tv.tv_usec = (suseconds_t)((seconds - (double)t->tv.tv_sec) * 1e6);
	t->repeat = repeat;
	evtimer_add(t->ev, &t->tv);
}

static void
hostapi_timer_stop(struct sth_timer *t)
{
	evtimer_del(t->ev);
}

static void
hostapi_timer_free(struct sth_timer *t)
{
	if (t == NULL)
		return;
	scope_del(t->res);
	hostapi_timer_destroy(t);
}

static void
hostapi_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_watch *w = arg;
	struct sth_plugin *p = w->owner;

	if (!plugin_enter(p))
		return;
	w->fn(w, fd, what & (STH_READ | STH_WRITE), w->arg);
	plugin_leave(p);
}

static void
hostapi_watch_destroy(void *obj)
{
	struct sth_watch *w = obj;

	event_free(w->ev);
	if (w->own_fd)
		close(w->fd);
	free(w);
}

static struct sth_watch *
hostapi_watch_new(struct sth_plugin *p, int fd, short what, sth_watch_fn fn,
    void *arg, int own_fd)
{
	struct sth_watch *w;

	plugin_check(p);
	w = xcalloc(1, sizeof *w);
	w->owner = p;
	w->fd = fd;
	w->own_fd = own_fd;
	w->fn = fn;
	w->arg = arg;
	w->ev = event_new(sth.base, fd,
	    (what & (STH_READ | STH_WRITE)) | EV_PERSIST, hostapi_watch_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
		log_errno(STH_LOG_ERRO, "cannot watch fd %d", fd);
		if (w->ev != NULL)
			event_free(w->ev);
		free(w);
		return NULL;
	}
	w->res = scope_add(plugin_scope(p), SCOPE_WATCH, w,
	    hostapi_watch_destroy);
	return w;
}

static void
hostapi_watch_free(struct sth_watch *w)
{
	if (w == NULL)
		return;
	scope_del(w->res);
	hostapi_watch_destroy(w);
}

static void
hostapi_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hrec *h = arg;
	struct sth_plugin *p = h->owner;
	void (*fn)(void *) = h->fn.defer;
	void *fnarg = h->arg;

	scope_del(h->res);
	hrec_free(h);
	if (!plugin_enter(p))
		return;
	fn(fnarg);
	plugin_leave(p);
}

static void
hostapi_hrec_destroy(void *obj)
{
	hrec_free(obj);
}

static void
hostapi_defer(struct sth_plugin *p, void (*fn)(void *), void *arg)
{
	struct timeval zero = { 0, 0 };
	struct hrec *h;

	plugin_check(p);
	h = hrec_new(p, SCOPE_DEFER);
	h->fn.defer = fn;
	h->arg = arg;
	if ((h->ev = evtimer_new(sth.base, hostapi_defer_cb, h)) == NULL)
		fatalx("evtimer_new failed");
	evtimer_add(h->ev, &zero);
	h->res = scope_add(plugin_scope(p), SCOPE_DEFER, h,
	    hostapi_hrec_destroy);
}

/* --- the plugin itself, logging, the loop -------------------------------- */

static const char *
hostapi_version(void)
{
	return STHENO_VERSION;
}

static const char *
hostapi_name(struct sth_plugin *p)
{
	plugin_check(p);
	return plugin_name(p);
}

static int
hostapi_fail(struct sth_plugin *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	plugin_check(p);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	plugin_set_error(p, msg);
	free(msg);
	return -1;
}

static void
hostapi_log(struct sth_plugin *p, int level, const char *fmt, ...)
{
	va_list ap;

	plugin_check(p);
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static struct event_base *
hostapi_base(struct sth_plugin *p)
{
	plugin_check(p);
	return sth.base;
}

/* --- listeners and connections (net.c) ---------------------------------- */

static struct sth_listener *
hostapi_listen_tcp(struct sth_plugin *p, const char *hostport,
    sth_accept_fn fn, void *arg, char **err)
{
	plugin_check(p);
	return net_listen_tcp(p, hostport, fn, arg, err);
}

static struct sth_listener *
hostapi_listen_unix(struct sth_plugin *p, const char *path, int mode,
    const char *owner, sth_accept_fn fn, void *arg, char **err)
{
	plugin_check(p);
	return net_listen_unix(p, path, mode, owner, fn, arg, err);
}

static struct sth_conn *
hostapi_conn_new(struct sth_plugin *p, int fd, sth_conn_fn readfn,
    sth_conn_fn writefn, sth_conn_event_fn eventfn, void *arg)
{
	plugin_check(p);
	return net_conn_new(p, fd, readfn, writefn, eventfn, arg);
}

/* --- configuration ------------------------------------------------------ */

/* Expanded values, kept so the strings outlive the call: "<section>\n<key>"
 * (by address) -> string. */
static json_t *cfg_cache;

void
hostapi_config_reset(void)
{
	json_decref(cfg_cache);
	cfg_cache = NULL;
}

static struct sth_section *
hostapi_section(struct sth_plugin *p, const char *name)
{
	plugin_check(p);
	if (sth.ini == NULL || name == NULL)
		return NULL;
	return (struct sth_section *)ini_find(sth.ini, name);
}

static struct sth_section *
hostapi_config(struct sth_plugin *p)
{
	struct sth_section *s;
	char *name;

	plugin_check(p);
	xasprintf(&name, "plugin:%s", plugin_name(p));
	s = hostapi_section(p, name);
	free(name);
	return s;
}

static struct sth_section *
hostapi_section_next(struct sth_plugin *p, struct sth_section *prev,
    const char *prefix)
{
	struct ini_section *s;

	plugin_check(p);
	if (sth.ini == NULL)
		return NULL;
	if (prefix == NULL)
		prefix = "";
	s = prev == NULL ? ini_first(sth.ini) :
	    ini_next((struct ini_section *)prev);
	for (; s != NULL; s = ini_next(s)) {
		if (strncmp(ini_section_name(s), prefix, strlen(prefix)) == 0)
			return (struct sth_section *)s;
	}
	return NULL;
}

static const char *
hostapi_section_name(struct sth_section *s)
{
	return ini_section_name((struct ini_section *)s);
}

static const char *
hostapi_cfg_str(struct sth_section *s, const char *key, const char *def)
{
	struct ini_section *sec = (struct ini_section *)s;
	struct ini_entry *e;
	json_t *vars, *v;
	char *ck, *val, *err = NULL;
	const char *out;

	if (sec == NULL || (e = ini_entry_find(sec, key)) == NULL)
		return def;
	vars = expand_vars(sth.env_vars, ini_entry_here(e), NULL);
	val = expand(ini_entry_value(e), key, vars, &err);
	json_decref(vars);
	if (val == NULL) {
		char *where = cfg_where(sec, key);

		log_error("%s %s", err, where);
		free(where);
		free(err);
		return NULL;
	}
	if (cfg_cache == NULL)
		cfg_cache = json_object();
	xasprintf(&ck, "%p\n%s", (void *)sec, key);
	v = json_object_get(cfg_cache, ck);
	if (v == NULL || strcmp(json_string_value(v), val) != 0) {
		v = json_string(val);
		if (v == NULL)		/* not UTF-8: keep it raw */
			v = json_stringn_nocheck(val, strlen(val));
		json_object_set_new(cfg_cache, ck, v);
	}
	out = json_string_value(v);
	free(ck);
	free(val);
	return out;
}

/* The value of key, 0 if absent (def applies), 1 if present, -1 if it does
 * not expand (the error is recorded through fail). */
static int
hostapi_cfg_raw(struct sth_plugin *p, struct sth_section *s, const char *key,
    const char **val)
{
	struct ini_section *sec = (struct ini_section *)s;
	char *where;

	plugin_check(p);
	if (sec == NULL || ini_entry_find(sec, key) == NULL)
		return 0;
	if ((*val = hostapi_cfg_str(s, key, NULL)) != NULL)
		return 1;
	where = cfg_where(sec, key);
	hostapi_fail(p, "cannot expand '%s' %s", key, where);
	free(where);
	return -1;
}

static int
hostapi_cfg_bad(struct sth_plugin *p, struct sth_section *s, const char *key,
    char *err)
{
	char *where = cfg_where((struct ini_section *)s, key);

	hostapi_fail(p, "%s for '%s' %s", err, key, where);
	free(where);
	free(err);
	return -1;
}

static int
hostapi_cfg_int(struct sth_plugin *p, struct sth_section *s, const char *key,
    long def, long *out)
{
	const char *v;
	char *err = NULL;
	int rc;

	*out = def;
	if ((rc = hostapi_cfg_raw(p, s, key, &v)) <= 0)
		return rc;
	if (cfgval_int(v, out, &err) != 0)
		return hostapi_cfg_bad(p, s, key, err);
	return 0;
}

static int
hostapi_cfg_bool(struct sth_plugin *p, struct sth_section *s, const char *key,
    int def, int *out)
{
	const char *v;
	char *err = NULL;
	int rc;

	*out = def;
	if ((rc = hostapi_cfg_raw(p, s, key, &v)) <= 0)
		return rc;
	if (cfgval_bool(v, out, &err) != 0)
		return hostapi_cfg_bad(p, s, key, err);
	return 0;
}

static int
hostapi_cfg_bytes(struct sth_plugin *p, struct sth_section *s,
    const char *key, long long def, long long *out)
{
	const char *v;
	char *err = NULL;
	int rc;

	*out = def;
	if ((rc = hostapi_cfg_raw(p, s, key, &v)) <= 0)
		return rc;
	if (cfgval_bytes(v, out, &err) != 0)
		return hostapi_cfg_bad(p, s, key, err);
	return 0;
}

static int
hostapi_cfg_octal(struct sth_plugin *p, struct sth_section *s,
    const char *key, long def, long *out)
{
	const char *v;
	char *err = NULL;
	int rc;

	*out = def;
	if ((rc = hostapi_cfg_raw(p, s, key, &v)) <= 0)
		return rc;
	if (cfgval_octal(v, out, &err) != 0)
		return hostapi_cfg_bad(p, s, key, err);
	return 0;
}

/* --- ABI 1.6: typed section reading ------------------------------------
 *
 * A plugin's table (struct sth_cfg_option, fixed by the SDK) is checked and
 * turned into one of cfgval.h's, whose types may change with the daemon:
 * each option is read by cfg_read_over into a slot of its own, then stored
 * into the plugin's member at the size the plugin gave.
 */

union cfg_slot {
	char *s;
	int i;
	long l;
	long long ll;
};

static const struct {
	enum cfg_type type;
	size_t size;		/* 0: an int, long or long long member */
} hostapi_cfg_types[] = {
	[STH_CFG_STR] = { CFG_STR, sizeof(char *) },
	[STH_CFG_BOOL] = { CFG_BOOL, 0 },
	[STH_CFG_INT] = { CFG_INT, 0 },
	[STH_CFG_BYTES] = { CFG_BYTES, 0 },
	[STH_CFG_OCTAL] = { CFG_OCTAL, 0 },
};
#define HOSTAPI_CFG_FLAGS                                                     \
	(STH_CFG_REQUIRED | STH_CFG_NO_EXPAND | STH_CFG_EMPTY_NULL)

/* The internal option of o, or -1 if sthenod cannot read it. */
static int
hostapi_cfg_option(const struct sth_cfg_option *o, size_t i,
    struct cfg_option *in)
{
	size_t ntypes = sizeof hostapi_cfg_types / sizeof hostapi_cfg_types[0];
	size_t want;

	if (o->type <= 0 || (size_t)o->type >= ntypes ||
	    (o->flags & ~HOSTAPI_CFG_FLAGS) != 0 || o->reserved[0] != NULL ||
	    o->reserved[1] != NULL)
		return -1;
	want = hostapi_cfg_types[o->type].size;
	if (want != 0 ? o->size != want : o->size != sizeof(int) &&
	    o->size != sizeof(long) && o->size != sizeof(long long))
		return -1;
	in->key = o->key;
	in->type = hostapi_cfg_types[o->type].type;
	in->offset = i * sizeof(union cfg_slot);
	in->def = o->def;
	in->flags = ((o->flags & STH_CFG_REQUIRED) ? CFG_REQUIRED : 0) |
	    ((o->flags & STH_CFG_NO_EXPAND) ? CFG_NO_EXPAND : 0) |
	    ((o->flags & STH_CFG_EMPTY_NULL) ? CFG_EMPTY_NULL : 0);
	in->min = o->min;
	in->max = o->max;
	if (o->type != STH_CFG_STR && o->size == sizeof(int)) {
		/* the value must fit the member */
		if (in->min >= in->max) {
			in->min = INT_MIN;
			in->max = INT_MAX;
		}
		in->min = in->min < INT_MIN ? INT_MIN : in->min;
		in->max = in->max > INT_MAX ? INT_MAX : in->max;
	}
	return 0;
}

/* Store the slot of o (read as type t) into the plugin's member. */
static void
hostapi_cfg_store(const struct sth_cfg_option *o, enum cfg_type t,
    union cfg_slot *slot, void *target)
{
	char *dst = (char *)target + o->offset;
	long long v;
	long lv;
	int iv;

	if (t == CFG_STR) {
		memcpy(dst, &slot->s, sizeof slot->s);
		return;
	}
	v = t == CFG_BOOL ? slot->i : t == CFG_BYTES ? slot->ll : slot->l;
	if (o->size == sizeof(int)) {
		iv = (int)v;
		memcpy(dst, &iv, sizeof iv);
	} else if (o->size == sizeof(long)) {
		lv = (long)v;
		memcpy(dst, &lv, sizeof lv);
	} else
		memcpy(dst, &v, sizeof v);
}

static int
hostapi_cfg_read(struct sth_plugin *p, struct sth_section *s,
    struct sth_section *fallback, const struct sth_cfg_option *opts,
    void *target)
{
	struct cfg_option *in;
	union cfg_slot *slots;
	json_t *vars;
	char *err = NULL;
	size_t n, i;
	int rc = -1;

	plugin_check(p);
	for (n = 0; opts[n].key != NULL; n++)
		;
	in = xcalloc(n + 1, sizeof *in);
	slots = xcalloc(n + 1, sizeof *slots);
	for (i = 0; i < n; i++)
		if (hostapi_cfg_option(&opts[i], i, &in[i]) == -1) {
			hostapi_fail(p, "cfg_read: option '%s' has a type "
			    "(%d), flags (%#x) or size (%zu) sthenod %s cannot "
			    "read", opts[i].key, opts[i].type, opts[i].flags,
			    opts[i].size, PACKAGE_VERSION);
			goto done;
		}
	vars = sth.env_vars != NULL ? json_incref(sth.env_vars) :
	    expand_env_vars();
	rc = cfg_read_over((struct ini_section *)s,
	    (struct ini_section *)fallback, in, slots, vars, &err);
	json_decref(vars);
	if (rc == -1) {
		hostapi_fail(p, "%s", err);
		free(err);
		goto done;
	}
	for (i = 0; i < n; i++)
		hostapi_cfg_store(&opts[i], in[i].type, &slots[i], target);
done:
	free(slots);
	free(in);
	return rc;
}

static void
hostapi_cfg_release(const struct sth_cfg_option *opts, void *target)
{
	const struct sth_cfg_option *o;
	char *str;

	for (o = opts; o->key != NULL; o++) {
		if (o->type != STH_CFG_STR || o->size != sizeof str)
			continue;
		memcpy(&str, (char *)target + o->offset, sizeof str);
		free(str);
		str = NULL;
		memcpy((char *)target + o->offset, &str, sizeof str);
	}
}

/* --- RPC ---------------------------------------------------------------- */

static void
hostapi_rpc_cb(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct hrec *h = arg;
	struct sth_plugin *p = h->owner;

	if (!plugin_enter(p)) {
		rpc_fault(call, STH_FAULT_FAILED, "plugin '%s' is unloading",
		    plugin_name(p));
		return;
	}
	h->fn.rpc(call, params, h->arg);	/* may unregister h */
	plugin_leave(p);
}

static void
hostapi_method_destroy(void *obj)
{
	struct hrec *h = obj;

	rpc_unregister(h->owner, h->name);
	hrec_free(h);
}

/* Reload: the replaced plugin holds name; take it (kept for a rollback). */
static struct hrec *
hostapi_take(struct sth_plugin *p, enum scope_kind kind, const char *name)
{
	struct sth_plugin *old = plugin_replacing(p);
	struct scope_res *r;
	struct hrec *h;

	if (old == NULL || (r = scope_find(plugin_scope(old), kind,
	    hrec_match_name, (void *)name)) == NULL)
		return NULL;
	h = scope_res_obj(r);
	scope_del(r);
	h->res = NULL;
	if (kind == SCOPE_METHOD)
		rpc_unregister(old, name);
	else if (service_retire(old, name, 1) != 0)
		fatalx("service %s of plugin '%s' vanished", name,
		    plugin_name(old));
	return h;
}

static int
hostapi_rpc_register(struct sth_plugin *p, const char *name, sth_rpc_fn fn,
    void *arg, const char *help, const char *sig)
{
	struct hrec *h, *taken = NULL;

	plugin_check(p);
	if (name == NULL || fn == NULL)
		return -1;
	h = hrec_new(p, SCOPE_METHOD);
	h->name = xstrdup(name);
	h->fn.rpc = fn;
	h->arg = arg;
	h->help = help != NULL ? xstrdup(help) : NULL;
	h->sig = sig != NULL ? xstrdup(sig) : NULL;
	if (rpc_register(p, name, hostapi_rpc_cb, h, help, sig) != 0) {
		if ((taken = hostapi_take(p, SCOPE_METHOD, name)) == NULL ||
		    rpc_register(p, name, hostapi_rpc_cb, h, help, sig) != 0) {
			hrec_free(h);
			hrec_free(taken);	/* cannot happen */
			return -1;
		}
	}
	h->taken = taken;
	h->res = scope_add(plugin_scope(p), SCOPE_METHOD, h,
	    hostapi_method_destroy);
	return 0;
}

static void
hostapi_rpc_unregister(struct sth_plugin *p, const char *name)
{
	struct scope_res *r;
	void *obj;

	plugin_check(p);
	r = scope_find(plugin_scope(p), SCOPE_METHOD, hrec_match_name,
	    (void *)name);
	if (r == NULL)
		return;
	obj = scope_res_obj(r);
	scope_del(r);
	hostapi_method_destroy(obj);
}

static struct sth_rpc_call *
hostapi_rpc_call(struct sth_plugin *p, const char *method, json_t *params,
    sth_rpc_done_fn done, void *arg)
{
	plugin_check(p);
	return rpc_call_plugin(p, method, params, done, arg);
}

/* --- bus ---------------------------------------------------------------- */

static void
hostapi_bus_cb(const struct sth_event *ev, void *arg)
{
	struct hrec *h = arg;
	struct sth_plugin *p = h->owner;

	if (!plugin_enter(p))
		return;
	h->fn.bus(ev, h->arg);
	plugin_leave(p);
}

static void
hostapi_sub_destroy(void *obj)
{
	struct hrec *h = obj;

	bus_unsubscribe(h->handle);
	hrec_free(h);
}

static struct sth_sub *
hostapi_bus_subscribe(struct sth_plugin *p, const char *type, sth_bus_fn fn,
    void *arg)
{
	struct sth_sub *sub;
	struct hrec *h;

	plugin_check(p);
	h = hrec_new(p, SCOPE_SUB);
	h->fn.bus = fn;
	h->arg = arg;
	if ((sub = bus_subscribe(p, type, hostapi_bus_cb, h)) == NULL) {
		hrec_free(h);
		return NULL;
	}
	h->handle = sub;
	h->res = scope_add(plugin_scope(p), SCOPE_SUB, h, hostapi_sub_destroy);
	return sub;
}

static void
hostapi_bus_unsubscribe(struct sth_sub *sub)
{
	struct hrec *h;

	if ((h = hrec_by_handle(SCOPE_SUB, sub)) == NULL)
		return;
	scope_del(h->res);
	hostapi_sub_destroy(h);
}

static long
hostapi_bus_publish(struct sth_plugin *p, const char *type,
    const char *payload, size_t len)
{
	plugin_check(p);
	return bus_publish(type, payload, len);
}

struct sth_hold {
	struct readbuf *rb;
	struct scope_res *res;
};

static void
hostapi_hold_destroy(void *obj)
{
	struct sth_hold *h = obj;

	bus_event_release(h->rb);
	free(h);
}

static struct sth_hold *
hostapi_event_hold(struct sth_plugin *p, const struct sth_event *ev,
    size_t *room)
{
	struct sth_hold *h;
	struct readbuf *rb;

	plugin_check(p);
	if ((rb = bus_event_hold(ev, room)) == NULL)
		return NULL;
	h = xmalloc(sizeof *h);
	h->rb = rb;
	h->res = scope_add(plugin_scope(p), SCOPE_HOLD, h,
	    hostapi_hold_destroy);
	return h;
}

static void
hostapi_event_release(struct sth_hold *h)
{
	if (h == NULL)
		return;
	scope_del(h->res);
	hostapi_hold_destroy(h);
}

/* --- services ----------------------------------------------------------- */

static void
hostapi_service_destroy(void *obj)
{
	struct hrec *h = obj;

	service_unregister(h->owner, h->name);
	hrec_free(h);
}

static int
hostapi_service_register(struct sth_plugin *p, const char *name,
    unsigned version, const void *iface)
{
	struct hrec *h, *taken = NULL;

	plugin_check(p);
	if (name == NULL)
		return -1;
	if (service_register(p, name, version, iface) != 0) {
		if ((taken = hostapi_take(p, SCOPE_SERVICE, name)) == NULL ||
		    service_register(p, name, version, iface) != 0) {
			hrec_free(taken);
			return -1;
		}
	}
	h = hrec_new(p, SCOPE_SERVICE);
	h->name = xstrdup(name);
	h->version = version;
	h->iface = iface;
	h->taken = taken;
	h->res = scope_add(plugin_scope(p), SCOPE_SERVICE, h,
	    hostapi_service_destroy);
	return 0;
}

static void
hostapi_service_unregister(struct sth_plugin *p, const char *name)
{
	struct scope_res *r;
	void *obj;

	plugin_check(p);
	r = scope_find(plugin_scope(p), SCOPE_SERVICE, hrec_match_name,
	    (void *)name);
	if (r == NULL)
		return;
	obj = scope_res_obj(r);
	scope_del(r);
	hostapi_service_destroy(obj);
}

static const void *
hostapi_service_acquire(struct sth_plugin *p, const char *name,
    unsigned min_version, unsigned *version)
{
	plugin_check(p);
	return service_acquire(p, name, min_version, version);
}

static void
hostapi_service_release(struct sth_plugin *p, const char *name)
{
	plugin_check(p);
	service_release(p, name);
}

/* --- bindings: what a consumer registered through a service ------------- */

struct sth_binding {
	TAILQ_ENTRY(sth_binding) link;
	struct sth_plugin *provider;
	struct sth_plugin *consumer;
	struct scope_res *res;		/* in the consumer's scope */
	void (*drop)(void *);
	void *obj;
	int dropping;			/* drop() is running */
};
static TAILQ_HEAD(, sth_binding) bindings = TAILQ_HEAD_INITIALIZER(bindings);

static void
binding_free(struct sth_binding *b)
{
	TAILQ_REMOVE(&bindings, b, link);
	free(b);
}

/* The consumer unloads with b still bound: the provider forgets obj. */
static void
hostapi_binding_drop(void *obj)
{
	struct sth_binding *b = obj;

	b->res = NULL;
	b->dropping = 1;
	if (plugin_enter(b->provider)) {
		b->drop(b->obj);
		plugin_leave(b->provider);
	}
	binding_free(b);
}

static struct sth_binding *
hostapi_bind(struct sth_plugin *provider, struct sth_plugin *consumer,
    void (*drop)(void *), void *obj)
{
	struct sth_binding *b;

	plugin_check(provider);
	if (drop == NULL)
		fatalx("plugin '%s': bind without a drop function",
		    plugin_name(provider));
	if (consumer == provider || consumer == NULL)	/* NULL: the core */
		return NULL;
	plugin_check(consumer);
	b = xcalloc(1, sizeof *b);
	b->provider = provider;
	b->consumer = consumer;
	b->drop = drop;
	b->obj = obj;
	b->res = scope_add(plugin_scope(consumer), SCOPE_BINDING, b,
	    hostapi_binding_drop);
	TAILQ_INSERT_TAIL(&bindings, b, link);
	return b;
}

static void
hostapi_unbind(struct sth_binding *b)
{
	if (b == NULL || b->dropping)
		return;
	if (b->res != NULL)
		scope_del(b->res);
	binding_free(b);
}

int
hostapi_unbind_provider(struct sth_plugin *provider)
{
	struct sth_binding *b, *next;
	int n = 0;

	for (b = TAILQ_FIRST(&bindings); b != NULL; b = next) {
		next = TAILQ_NEXT(b, link);
		if (b->provider == provider && !b->dropping) {
			hostapi_unbind(b);
			n++;
		}
	}
	return n;
}

/* --- reload hand-over ---------------------------------------------------- */

static int
hrec_match_taken(void *obj, void *arg)
{
	struct hrec *h = obj;

	return h->taken != NULL;
}

void
hostapi_settle(struct sth_plugin *p, int commit)
{
	enum scope_kind kinds[] = { SCOPE_METHOD, SCOPE_SERVICE };
	struct scope_res *r;
	struct hrec *h, *old;
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		while ((r = scope_find(plugin_scope(p), kinds[i],
		    hrec_match_taken, NULL)) != NULL) {
			h = scope_res_obj(r);
			old = h->taken;
			h->taken = NULL;
			if (commit) {
				hrec_free(old);
				continue;
			}
			/* Give the name back to the old plugin. */
			scope_del(r);
			if (kinds[i] == SCOPE_METHOD) {
				hostapi_method_destroy(h);
				if (rpc_register(old->owner, old->name,
				    hostapi_rpc_cb, old, old->help,
				    old->sig) != 0)
					fatalx("cannot restore method %s",
					    old->name);
				old->res = scope_add(plugin_scope(old->owner),
				    SCOPE_METHOD, old, hostapi_method_destroy);
			} else {
				hostapi_service_destroy(h);
				if (service_retire(old->owner, old->name,
				    0) != 0)
					fatalx("cannot restore service %s",
					    old->name);
				old->res = scope_add(plugin_scope(old->owner),
				    SCOPE_SERVICE, old,
				    hostapi_service_destroy);
			}
		}
	}
	net_listeners_settle(p, commit);
}

/* --- vfs ---------------------------------------------------------------- */

static void
hostapi_vfs_destroy(void *obj)
{
	struct hrec *h = obj;

	vfs_free(h->handle);
	hrec_free(h);
}

static struct sth_vfs *
hostapi_vfs_new(struct sth_plugin *p, const char *root, char **err)
{
	struct sth_vfs *v;
	struct hrec *h;

	plugin_check(p);
	if ((v = vfs_new(root, err)) == NULL)
		return NULL;
	h = hrec_new(p, SCOPE_VFS);
	h->handle = v;
	h->res = scope_add(plugin_scope(p), SCOPE_VFS, h, hostapi_vfs_destroy);
	return v;
}

static void
hostapi_vfs_free(struct sth_vfs *v)
{
	struct hrec *h;

	if (v == NULL)
		return;
	if ((h = hrec_by_handle(SCOPE_VFS, v)) == NULL) {
		vfs_free(v);
		return;
	}
	scope_del(h->res);
	hostapi_vfs_destroy(h);
}

/* --- the table ----------------------------------------------------------- */

static const struct sth_host hostapi = {
	.size = sizeof(struct sth_host),
	.abi_major = STHENO_ABI_MAJOR,
	.abi_minor = STHENO_ABI_MINOR,

	.version = hostapi_version,
	.name = hostapi_name,
	.set_data = plugin_set_data,
	.get_data = plugin_get_data,
	.fail = hostapi_fail,

	.log = hostapi_log,
	.log_enabled = log_enabled,

	.base = hostapi_base,
	.timer_new = hostapi_timer_new,
	.timer_start = hostapi_timer_start,
	.timer_stop = hostapi_timer_stop,
	.timer_free = hostapi_timer_free,
	.watch_new = hostapi_watch_new,
	.watch_free = hostapi_watch_free,
	.defer = hostapi_defer,

	.listen_tcp = hostapi_listen_tcp,
	.listen_unix = hostapi_listen_unix,
	.listener_free = net_listener_free,
	.listener_addr = net_listener_addr,
	.listener_port = net_listener_port,

	.conn_new = hostapi_conn_new,
	.conn_bev = net_conn_bev,
	.conn_free = net_conn_free,
	.conn_close_after_write = net_conn_close_after_write,

	.config = hostapi_config,
	.section = hostapi_section,
	.section_next = hostapi_section_next,
	.section_name = hostapi_section_name,
	.cfg_str = hostapi_cfg_str,
	.cfg_int = hostapi_cfg_int,
	.cfg_bool = hostapi_cfg_bool,
	.cfg_bytes = hostapi_cfg_bytes,
	.cfg_octal = hostapi_cfg_octal,

	.rpc_register = hostapi_rpc_register,
	.rpc_unregister = hostapi_rpc_unregister,
	.rpc_return = rpc_return,
	.rpc_fault = rpc_fault,
	.rpc_on_cancel = rpc_on_cancel,
	.rpc_call = hostapi_rpc_call,
	.rpc_cancel = rpc_cancel,

	.bus_subscribe = hostapi_bus_subscribe,
	.bus_unsubscribe = hostapi_bus_unsubscribe,
	.bus_type_known = bus_type_known,
	.bus_publish = hostapi_bus_publish,
	.event_name = bus_event_name,
	.event_payload = bus_event_payload,
	.event_serial = bus_event_serial,

	.service_register = hostapi_service_register,
	.service_unregister = hostapi_service_unregister,
	.service_acquire = hostapi_service_acquire,
	.service_release = hostapi_service_release,

	.vfs_new = hostapi_vfs_new,
	.vfs_free = hostapi_vfs_free,
	.vfs_normalize = vfs_normalize,
	.vfs_url_decode = vfs_url_decode,
	.vfs_open = vfs_open,
	.vfs_stat = vfs_stat,
	.vfs_mkdir = vfs_mkdir,
	.vfs_rmdir = vfs_rmdir,
	.vfs_unlink = vfs_unlink,
	.vfs_rename = vfs_rename,
	.vfs_opendir = vfs_opendir,

	.evpools = proc_pool_api,	/* 1.1 */

	.bind = hostapi_bind,		/* 1.2 */
	.unbind = hostapi_unbind,
	.listener_set_control = net_listener_set_control,	/* 1.3 */
	.conn_handover = net_conn_handover,			/* 1.4 */
	.conn_wrap = net_conn_wrap,				/* 1.5 */
	.cfg_read = hostapi_cfg_read,				/* 1.6 */
	.cfg_release = hostapi_cfg_release,
	.event_hold = hostapi_event_hold,			/* 1.7 */
	.event_release = hostapi_event_release,
};

const struct sth_host *
hostapi_table(void)
{
	return &hostapi;
}
