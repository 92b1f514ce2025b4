/*
 * rpc.c — the method registry and call records (rpc.h).
 *
 * Methods live in an array kept sorted by name, so lookup is a binary
 * search and system.listMethods is a copy.
 *
 * A call record is reference counted.  Each of these holds one reference:
 *  - the caller, until its done callback has run or it cancelled
 *    (caller_live);
 *  - the handler, until it answered, or its cancel callback ran, or its
 *    owner unloaded (handler_live);
 *  - rpc_call's own frame while the handler runs inside it (running);
 *  - whoever is about to run a callback that might drop the others.
 * An answer given while the handler is still inside rpc_call is kept and
 * delivered after the handler returns, so done never runs nested inside the
 * handler and rpc_call can return NULL for "answered already".
 *
 * The record is the only one of a pending call: a plugin's call (host->
 * rpc_call) is found through it alone (no record in the host table nor in
 * the plugin's scope): its done runs inside plugin_enter/leave, the end of
 * its caller side wakes the plugin's unload, and the calls of a plugin
 * that unloads with calls in flight are cancelled before its fini but
 * kept (held) until after it, so that the plugin may still cancel them
 * there, harmlessly.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "scope.h"
#include "test_hooks.h"
#include "xmalloc.h"

struct rpc_method {
	char *name;
	struct sth_plugin *owner;
	sth_rpc_fn fn;
	void *arg;
	char *help;
	json_t *signature;	/* NULL if none */
	int retired;		/* owner unloading: hidden, name free */
};

struct sth_rpc_call {
	int refs;
	struct sth_plugin *caller;
	struct sth_plugin *owner;	/* of the method answering */
	char *method;
	sth_rpc_done_fn done;
	void *done_arg;
	sth_rpc_cancel_fn cancel_fn;
	void *cancel_arg;
	unsigned caller_live : 1;
	unsigned handler_live : 1;
	unsigned running : 1;
	unsigned answered : 1;		/* kept answer below is set */
	unsigned replied : 1;		/* the handler has answered */
	unsigned guarded : 1;		/* a plugin's call (rpc_call_plugin) */
	unsigned held : 1;		/* its caller unloads: kept for fini */
	json_t *result;
	int fault_code;
	char *fault_string;
	TAILQ_ENTRY(sth_rpc_call) entry;
};

struct rpc_fault_name {
	int code;
	const char *name;
};

static const struct rpc_fault_name rpc_fault_names[] = {
	{ STH_FAULT_UNKNOWN_METHOD, "UNKNOWN_METHOD" },
	{ STH_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS" },
	{ STH_FAULT_BAD_ARGUMENTS, "BAD_ARGUMENTS" },
	{ STH_FAULT_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED" },
	{ STH_FAULT_SHUTDOWN_STATE, "SHUTDOWN_STATE" },
	{ STH_FAULT_BAD_NAME, "BAD_NAME" },
	{ STH_FAULT_BAD_SIGNAL, "BAD_SIGNAL" },
	{ STH_FAULT_NO_FILE, "NO_FILE" },
	{ STH_FAULT_NOT_EXECUTABLE, "NOT_EXECUTABLE" },
	{ STH_FAULT_FAILED, "FAILED" },
	{ STH_FAULT_ABNORMAL_TERMINATION, "ABNORMAL_TERMINATION" },
	{ STH_FAULT_SPAWN_ERROR, "SPAWN_ERROR" },
	{ STH_FAULT_ALREADY_STARTED, "ALREADY_STARTED" },
	{ STH_FAULT_NOT_RUNNING, "NOT_RUNNING" },
	{ STH_FAULT_SUCCESS, "SUCCESS" },
	{ STH_FAULT_ALREADY_ADDED, "ALREADY_ADDED" },
	{ STH_FAULT_STILL_RUNNING, "STILL_RUNNING" },
	{ STH_FAULT_CANT_REREAD, "CANT_REREAD" },
};
#define RPC_NFAULTS (sizeof(rpc_fault_names) / sizeof(rpc_fault_names[0]))

static struct rpc_method **rpc_methods;
static size_t rpc_nmethods;
static size_t rpc_cap;

static TAILQ_HEAD(, sth_rpc_call) rpc_calls =
    TAILQ_HEAD_INITIALIZER(rpc_calls);

const char *
rpc_fault_name(int code)
{
	size_t i;

	for (i = 0; i < RPC_NFAULTS; i++) {
		if (rpc_fault_names[i].code == code)
			return (rpc_fault_names[i].name);
	}
	return (NULL);
}

/* supervisor's "NAME" or "NAME: detail" (a new string). */
static char *
rpc_fault_string(int code, const char *detail)
{
	const char *name = rpc_fault_name(code);
	char *s;

	if (name == NULL) {
		if (detail != NULL && *detail != '\0')
			return (xstrdup(detail));
		xasprintf(&s, "FAULT %d", code);
		return (s);
	}
	if (detail == NULL || *detail == '\0')
		return (xstrdup(name));
	xasprintf(&s, "%s: %s", name, detail);
	return (s);
}

/* --- the method table -------------------------------------------------- */

/* Index of name, or of where it would go (with *found = 0). */
static size_t
rpc_search(const char *name, int *found)
{
	size_t lo = 0, hi = rpc_nmethods, mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(name, rpc_methods[mid]->name);
		if (cmp == 0) {
			*found = 1;
			return (mid);
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = 0;
	return (lo);
}

static void rpc_remove_at(size_t);

/* A method whose owner is unloading is gone for new callers: the unload
 * finishes asynchronously, but plugin.unload's caller must not reach it. */
static int
rpc_method_live(const struct rpc_method *m)
{
	return !m->retired;
}

static struct rpc_method *
rpc_find(const char *name)
{
	size_t i;
	int found;

	if (name == NULL)
		return (NULL);
	i = rpc_search(name, &found);
	return (found && rpc_method_live(rpc_methods[i]) ?
	    rpc_methods[i] : NULL);
}

/* "ns.method": two non-empty parts of printable characters, no '_' first. */
static int
rpc_name_valid(const char *name)
{
	const char *dot, *p;

	if (name == NULL || (dot = strchr(name, '.')) == NULL ||
	    strchr(dot + 1, '.') != NULL)
		return (0);
	if (dot == name || dot[1] == '\0' || name[0] == '_' || dot[1] == '_')
		return (0);
	for (p = name; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f)
			return (0);
	}
	return (1);
}

static int
rpc_types_valid(json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return (0);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return (0);
	}
	return (1);
}

/* A flat array of type names, or an array of such arrays (one is
 * unwrapped).  NULL with *bad set if it is neither. */
static json_t *
rpc_parse_signature(const char *text, int *bad)
{
	json_t *sig, *flat;
	size_t i;
	json_t *v;

	*bad = 0;
	if (text == NULL)
		return (NULL);
	if ((sig = json_loads(text, JSON_DECODE_ANY, NULL)) == NULL)
		goto bad;
	if (rpc_types_valid(sig))
		return (sig);
	if (!json_is_array(sig) || json_array_size(sig) == 0)
		goto bad;
	json_array_foreach(sig, i, v) {
		if (!rpc_types_valid(v))
			goto bad;
	}
	if (json_array_size(sig) == 1) {
		flat = json_incref(json_array_get(sig, 0));
		json_decref(sig);
		return (flat);
	}
	return (sig);
bad:
	json_decref(sig);
	*bad = 1;
	return (NULL);
}

int
rpc_register(struct sth_plugin *owner, const char *name, sth_rpc_fn fn,
    void *arg, const char *help, const char *signature_json)
{
	struct rpc_method *m;
	json_t *sig;
	size_t i;
	int found, bad;

	if (fn == NULL || !rpc_name_valid(name))
		return (-1);
	i = rpc_search(name, &found);
	if (found && rpc_method_live(rpc_methods[i]))
		return (-1);
	sig = rpc_parse_signature(signature_json, &bad);
	if (bad)
		return (-1);
	if (found)	/* held by a plugin that is unloading: take it */
		rpc_remove_at(i);

	m = xcalloc(1, sizeof(*m));
	m->name = xstrdup(name);
	m->owner = owner;
	m->fn = fn;
	m->arg = arg;
	m->help = xstrdup(help != NULL ? help : "");
	m->signature = sig;

	if (rpc_nmethods == rpc_cap) {
		rpc_cap = rpc_cap == 0 ? 64 : rpc_cap * 2;
		rpc_methods = xreallocarray(rpc_methods, rpc_cap,
		    sizeof(*rpc_methods));
	}
	memmove(&rpc_methods[i + 1], &rpc_methods[i],
	    (rpc_nmethods - i) * sizeof(*rpc_methods));
	rpc_methods[i] = m;
	rpc_nmethods++;
	return (0);
}

static void
rpc_remove_at(size_t i)
{
	struct rpc_method *m = rpc_methods[i];

	memmove(&rpc_methods[i], &rpc_methods[i + 1],
	    (rpc_nmethods - i - 1) * sizeof(*rpc_methods));
	rpc_nmethods--;
	free(m->name);
	free(m->help);
	json_decref(m->signature);
	free(m);
}

void
rpc_unregister(struct sth_plugin *owner, const char *name)
{
	size_t i;
	int found;

	if (name == NULL)
		return;
	i = rpc_search(name, &found);
	if (found && rpc_methods[i]->owner == owner)
		rpc_remove_at(i);
}

json_t *
rpc_list_methods(void)
{
	json_t *a;
	size_t i;

	a = json_array();
	for (i = 0; i < rpc_nmethods; i++)
		if (rpc_method_live(rpc_methods[i]))
			json_array_append_new(a,
			    json_string(rpc_methods[i]->name));
	return (a);
}

int
rpc_method_info(const char *name, const char **help, json_t **signature)
{
	struct rpc_method *m;

	if ((m = rpc_find(name)) == NULL)
		return (-1);
	if (help != NULL)
		*help = m->help;
	if (signature != NULL)
		*signature = m->signature;
	return (0);
}

/* --- call records ---------------------------------------------------- */

static void
call_ref(struct sth_rpc_call *c, const char *tag)
{
	(void)tag;
	if (c->refs <= 0)
		fatalx("%s: call %p has no references", tag, (void *)c);
	c->refs++;
}

static void
call_unref(struct sth_rpc_call *c, const char *tag)
{
	if (c->refs <= 0)
		fatalx("%s: call %p released too often", tag, (void *)c);
	if (--c->refs > 0)
		return;
	TAILQ_REMOVE(&rpc_calls, c, entry);
	json_decref(c->result);
	free(c->fault_string);
	free(c->method);
	free(c);
}

/* The caller side of a plugin's call ended: its unload may wait for it. */
static void
call_caller_gone(struct sth_rpc_call *c)
{
	if (c->guarded)
		plugin_changed(c->caller);
}

/* Run the caller's done with the kept answer and drop the caller's
 * reference.  A plugin's done runs only while its code may. */
static void
call_deliver(struct sth_rpc_call *c)
{
	c->caller_live = 0;
	if (c->done != NULL && (!c->guarded || plugin_enter(c->caller))) {
		c->done(c->result, c->fault_code, c->fault_string,
		    c->done_arg);
		if (c->guarded)
			plugin_leave(c->caller);
	}
	call_caller_gone(c);
	json_decref(c->result);
	c->result = NULL;
	free(c->fault_string);
	c->fault_string = NULL;
	call_unref(c, __func__);
}

/* Record an answer (result and fault_string stolen) and deliver it unless
 * the handler is still running inside rpc_call; dropped if the caller is
 * gone. */
static void
call_answer(struct sth_rpc_call *c, json_t *result, int code, char *fstr)
{
	if (!c->caller_live || c->answered) {
		json_decref(result);
		free(fstr);
		return;
	}
	c->answered = 1;
	c->result = result;
	c->fault_code = code;
	c->fault_string = fstr;
	if (!c->running)
		call_deliver(c);
}

/* The handler side of c is finished: drop its reference. */
static void
call_handler_done(struct sth_rpc_call *c)
{
	c->handler_live = 0;
	c->cancel_fn = NULL;
	call_unref(c, __func__);
}

void
rpc_return(struct sth_rpc_call *c, json_t *result)
{
	if (c->replied)
		fatalx("call to %s answered twice", c->method);
	if (!c->handler_live) {
		/* Cancelled after its cancel callback ran: drop. */
		json_decref(result);
		return;
	}
	c->replied = 1;
	call_ref(c, __func__);
	if (result == NULL)
		call_answer(c, NULL, STH_FAULT_FAILED,
		    rpc_fault_string(STH_FAULT_FAILED,
		    "method returned no value"));
	else
		call_answer(c, result, 0, NULL);
	call_handler_done(c);
	call_unref(c, __func__);
}

void
rpc_fault(struct sth_rpc_call *c, int code, const char *fmt, ...)
{
	va_list ap;
	char *detail = NULL;

	if (c->replied)
		fatalx("call to %s answered twice", c->method);
	if (!c->handler_live)
		return;
	c->replied = 1;
	if (code == 0)
		code = STH_FAULT_FAILED;
	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&detail, fmt, ap);
		va_end(ap);
	}
	call_ref(c, __func__);
	call_answer(c, NULL, code, rpc_fault_string(code, detail));
	free(detail);
	call_handler_done(c);
	call_unref(c, __func__);
}

void
rpc_on_cancel(struct sth_rpc_call *c, sth_rpc_cancel_fn fn, void *arg)
{
	if (!c->handler_live)
		return;
	c->cancel_fn = fn;
	c->cancel_arg = arg;
}

static struct sth_rpc_call *
call_start(struct sth_plugin *caller, int guarded, const char *method,
    json_t *params, sth_rpc_done_fn done, void *arg)
{
	struct rpc_method *m;
	struct sth_rpc_call *c;
	char *fstr;
	int code = 0;

	if ((m = rpc_find(method)) == NULL)
		code = STH_FAULT_UNKNOWN_METHOD;
	else if (params != NULL && !json_is_array(params))
		code = STH_FAULT_INCORRECT_PARAMETERS;
	if (code != 0) {
		fstr = rpc_fault_string(code, NULL);
		if (done != NULL)
			done(NULL, code, fstr, arg);
		free(fstr);
		return (NULL);
	}
	if (params == NULL)
		params = json_array();
	else
		json_incref(params);

	c = xcalloc(1, sizeof(*c));
	c->refs = 3;		/* caller, handler, this frame */
	c->caller = caller;
	c->owner = m->owner;
	c->method = xstrdup(m->name);
	c->done = done;
	c->done_arg = arg;
	c->caller_live = 1;
	c->handler_live = 1;
	c->running = 1;
	c->guarded = guarded;
	TAILQ_INSERT_TAIL(&rpc_calls, c, entry);

	m->fn(c, params, m->arg);	/* m may be gone from here on */
	json_decref(params);

	c->running = 0;
	if (c->answered && c->caller_live)
		call_deliver(c);
	if (!c->caller_live) {
		/* Answered, or its caller was cancelled meanwhile. */
		call_unref(c, __func__);
		return (NULL);
	}
	call_unref(c, __func__);
	return (c);
}

struct sth_rpc_call *
rpc_call(struct sth_plugin *caller, const char *method, json_t *params,
    sth_rpc_done_fn done, void *arg)
{
	return (call_start(caller, 0, method, params, done, arg));
}

struct sth_rpc_call *
rpc_call_plugin(struct sth_plugin *caller, const char *method,
    json_t *params, sth_rpc_done_fn done, void *arg)
{
	return (call_start(caller, 1, method, params, done, arg));
}

void
rpc_cancel(struct sth_rpc_call *c)
{
	sth_rpc_cancel_fn fn;

	if (c == NULL || !c->caller_live)
		return;
	call_ref(c, __func__);
	c->caller_live = 0;
	call_caller_gone(c);
	call_unref(c, __func__);	/* the caller's reference */
	if (c->handler_live && !c->answered && (fn = c->cancel_fn) != NULL) {
		/* From here on the handler must not answer; if it still
		 * does, the answer is dropped. */
		c->handler_live = 0;
		c->cancel_fn = NULL;
		fn(c, c->cancel_arg);
		call_unref(c, __func__);	/* the handler's */
	}
	call_unref(c, __func__);
}

/* The method's owner is going away: tell the handler, give the caller a
 * fault, and drop the handler's reference. */
static void
call_abandon(struct sth_rpc_call *c)
{
	sth_rpc_cancel_fn fn;
	char *detail;

	if (!c->handler_live)
		return;
	call_ref(c, __func__);
	fn = c->cancel_fn;
	c->handler_live = 0;
	c->cancel_fn = NULL;
	if (fn != NULL)
		fn(c, c->cancel_arg);
	xasprintf(&detail, "method %s was unloaded before it answered",
	    c->method);
	call_answer(c, NULL, STH_FAULT_FAILED,
	    rpc_fault_string(STH_FAULT_FAILED, detail));
	free(detail);
	call_unref(c, __func__);	/* the handler's */
	call_unref(c, __func__);
}

/* Calls matching owner as caller (caller_side) and/or as handler, each
 * with a reference taken; *n is set. */
static struct sth_rpc_call **
call_collect(struct sth_plugin *owner, int as_caller, size_t *n)
{
	struct sth_rpc_call *c, **v = NULL;
	size_t cap = 0;

	*n = 0;
	TAILQ_FOREACH(c, &rpc_calls, entry) {
		if (!((as_caller && c->caller == owner && c->caller_live) ||
		    (c->owner == owner && c->handler_live)))
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		call_ref(c, __func__);
		v[(*n)++] = c;
	}
	return (v);
}

/* Cancel owner's calls (as_caller: those it made too, each then kept,
 * held, with the reference call_collect took); returns how many of
 * those it made. */
static int
call_drop_owner(struct sth_plugin *owner, int as_caller)
{
	struct sth_rpc_call **v, *c;
	size_t i, n;
	int made = 0, hold;

	v = call_collect(owner, as_caller, &n);
	for (i = 0; i < n; i++) {
		c = v[i];
		hold = as_caller && c->caller == owner && c->caller_live;
		if (hold) {
			rpc_cancel(c);
			made++;
		}
		if (c->owner == owner)
			call_abandon(c);
		if (hold)
			c->held = 1;
		else
			call_unref(c, __func__);
	}
	free(v);
	return (made);
}

int
rpc_cancel_owner(struct sth_plugin *owner)
{
	return (call_drop_owner(owner, 1));
}

void
rpc_release_owner(struct sth_plugin *owner)
{
	struct sth_rpc_call *c, *next;

	/* call_unref frees c alone: next stays valid */
	for (c = TAILQ_FIRST(&rpc_calls); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->caller == owner && c->held) {
			c->held = 0;
			call_unref(c, __func__);
		}
	}
}

int
rpc_calls_made(struct sth_plugin *caller)
{
	struct sth_rpc_call *c;
	int n = 0;

	TAILQ_FOREACH(c, &rpc_calls, entry)
		if (c->caller == caller && c->caller_live)
			n++;
	return (n);
}

int
rpc_unregister_owner(struct sth_plugin *owner)
{
	size_t i;
	int n = 0;

	for (i = rpc_nmethods; i > 0; i--) {
		if (rpc_methods[i - 1]->owner == owner) {
			rpc_remove_at(i - 1);
			n++;
		}
	}
	call_drop_owner(owner, 0);
	return (n);
}

void
rpc_retire_owner(struct sth_plugin *owner)
{
	size_t i;

	for (i = 0; i < rpc_nmethods; i++)
		if (rpc_methods[i]->owner == owner)
			rpc_methods[i]->retired = 1;
}

int
rpc_pending_owner(struct sth_plugin *owner)
{
	struct sth_rpc_call *c;
	int n = 0;

	TAILQ_FOREACH(c, &rpc_calls, entry) {
		if ((c->caller == owner && c->caller_live) ||
		    (c->owner == owner && c->handler_live))
			n++;
	}
	return (n);
}

int
rpc_live_calls(void)
{
	struct sth_rpc_call *c;
	int n = 0;

	TAILQ_FOREACH(c, &rpc_calls, entry)
		n++;
	return (n);
}
