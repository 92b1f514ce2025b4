/*
 * test_rpc.c — the RPC registry (daemon/rpc.c) and system.* (rpc_system.c):
 * immediate and deferred answers, cancellation from either side, owner
 * unload, supervisor's fault strings, listMethods, methodHelp/Signature
 * and multicall, including deferred sub-calls driven by a real event loop.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "rpc.h"
#include "test_hooks.h"

/* Distinct fake plugins: only their addresses matter to the registry. */
static int plugin_a, plugin_b;
#define PA ((struct sth_plugin *)&plugin_a)
#define PB ((struct sth_plugin *)&plugin_b)

struct answer {
	int n;			/* times done ran */
	json_t *result;
	int code;
	char *string;
};

static void
answer_reset(struct answer *a)
{
	json_decref(a->result);
	free(a->string);
	memset(a, 0, sizeof(*a));
}

static void
on_done(json_t *result, int code, const char *string, void *arg)
{
	struct answer *a = arg;

	a->n++;
	json_decref(a->result);
	free(a->string);
	a->result = json_incref(result);
	a->code = code;
	a->string = string != NULL ? strdup(string) : NULL;
}

static json_t *
J(const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

	cr_assert_not_null(j, "bad JSON in test: %s", text);
	return (j);
}

static void
assert_json(json_t *got, const char *want)
{
	json_t *w = J(want);
	char *g = got != NULL ? json_dumps(got, JSON_ENCODE_ANY) : NULL;

	cr_assert(json_equal(got, w), "got %s, want %s", g ? g : "NULL", want);
	free(g);
	json_decref(w);
}

/* --- handlers ---------------------------------------------------------- */

/* echo: returns its params. */
static void
h_echo(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_return(call, json_incref(params));
}

/* getPID-like: returns the int in arg. */
static void
h_int(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_return(call, json_integer(*(int *)arg));
}

/* BAD_NAME with the first parameter as detail. */
static void
h_badname(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_fault(call, STH_FAULT_BAD_NAME, "%s",
	    json_string_value(json_array_get(params, 0)));
}

/* A deferred handler: keeps the call in arg for the test to answer. */
struct deferred {
	struct sth_rpc_call *call;
	int started;
	int cancelled;
	int set_cancel;		/* register on_cancel */
};

static void
d_cancel(struct sth_rpc_call *call, void *arg)
{
	struct deferred *d = arg;

	cr_assert_eq(call, d->call);
	d->cancelled++;
	d->call = NULL;
}

static void
h_defer(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct deferred *d = arg;

	d->started++;
	d->call = call;
	if (d->set_cancel)
		rpc_on_cancel(call, d_cancel, d);
}

/* --- registration ------------------------------------------------------ */

Test(rpc, register_refuses_duplicates_and_bad_names)
{
	int v = 1;

	cr_assert_eq(rpc_register(PA, "supervisor.getPID", h_int, &v, NULL,
	    NULL), 0);
	cr_assert_eq(rpc_register(PB, "supervisor.getPID", h_int, &v, NULL,
	    NULL), -1, "a taken name must be refused");
	cr_assert_eq(rpc_register(PA, "nodot", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "a.b.c", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "_a.b", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "a._b", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, ".b", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "a.", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "a.b c", h_int, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "a.b", NULL, &v, NULL, NULL), -1);
	cr_assert_eq(rpc_register(PA, "a.b", h_int, &v, NULL, "{\"x\":1}"),
	    -1, "a signature must be an array of type names");
	cr_assert_eq(rpc_register(PA, "a.b", h_int, &v, NULL, "[1]"), -1);
	cr_assert_eq(rpc_register(PA, "a.b", h_int, &v, NULL, "[["), -1);
	cr_assert_eq(rpc_register(PA, "a.b", h_int, &v, NULL, "[\"int\"]"),
	    0);
}

Test(rpc, unregister_needs_the_owner)
{
	struct answer a = { 0 };
	int v = 7;

	rpc_register(PA, "x.y", h_int, &v, NULL, NULL);
	rpc_unregister(PB, "x.y");	/* not B's: ignored */
	cr_assert_null(rpc_call(NULL, "x.y", NULL, on_done, &a));
	assert_json(a.result, "7");
	rpc_unregister(PA, "x.y");
	answer_reset(&a);
	rpc_call(NULL, "x.y", NULL, on_done, &a);
	cr_assert_eq(a.code, STH_FAULT_UNKNOWN_METHOD);
	answer_reset(&a);
}

/* --- immediate calls and faults ---------------------------------------- */

Test(rpc, immediate_answer_runs_done_before_returning)
{
	struct answer a = { 0 };
	json_t *params = J("[\"a\", 2]");
	int base = rpc_live_calls();

	rpc_register(NULL, "test.echo", h_echo, NULL, NULL, NULL);
	cr_assert_null(rpc_call(PA, "test.echo", params, on_done, &a));
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.code, 0);
	cr_assert_null(a.string);
	assert_json(a.result, "[\"a\", 2]");
	cr_assert_eq(rpc_live_calls(), base);
	answer_reset(&a);
	cr_assert_eq(params->refcount, 1, "params must stay borrowed");
	json_decref(params);
}

Test(rpc, unknown_method_is_fault_1)
{
	struct answer a = { 0 };

	cr_assert_null(rpc_call(PA, "supervisor.nope", NULL, on_done, &a));
	cr_assert_eq(a.n, 1);
	cr_assert_null(a.result);
	cr_assert_eq(a.code, 1);
	cr_assert_str_eq(a.string, "UNKNOWN_METHOD");
	answer_reset(&a);
	/* supervisor's rule: not two parts → unknown. */
	rpc_call(PA, "listMethods", NULL, on_done, &a);
	cr_assert_str_eq(a.string, "UNKNOWN_METHOD");
	answer_reset(&a);
}

Test(rpc, params_must_be_an_array)
{
	struct answer a = { 0 };
	json_t *p = J("{\"a\":1}");

	rpc_register(NULL, "test.echo", h_echo, NULL, NULL, NULL);
	rpc_call(PA, "test.echo", p, on_done, &a);
	cr_assert_eq(a.code, STH_FAULT_INCORRECT_PARAMETERS);
	cr_assert_str_eq(a.string, "INCORRECT_PARAMETERS");
	json_decref(p);
	answer_reset(&a);
	/* NULL params is an empty array. */
	rpc_call(PA, "test.echo", NULL, on_done, &a);
	assert_json(a.result, "[]");
	answer_reset(&a);
}

Test(rpc, fault_strings_are_supervisors)
{
	struct answer a = { 0 };
	json_t *p = J("[\"nope\"]");

	rpc_register(NULL, "supervisor.startProcess", h_badname, NULL, NULL,
	    NULL);
	rpc_call(PA, "supervisor.startProcess", p, on_done, &a);
	cr_assert_eq(a.code, 10);
	cr_assert_str_eq(a.string, "BAD_NAME: nope");
	json_decref(p);
	answer_reset(&a);

	cr_assert_str_eq(rpc_fault_name(STH_FAULT_ALREADY_STARTED),
	    "ALREADY_STARTED");
	cr_assert_str_eq(rpc_fault_name(92), "CANT_REREAD");
	cr_assert_str_eq(rpc_fault_name(4), "SIGNATURE_UNSUPPORTED");
	cr_assert_null(rpc_fault_name(12345));
}

static void
h_fault_bare(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_fault(call, *(int *)arg, NULL);
}

static void
h_fault_custom(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_fault(call, 1234, "custom %s", "thing");
}

Test(rpc, fault_without_detail_is_the_bare_name)
{
	struct answer a = { 0 };
	int code = STH_FAULT_BAD_ARGUMENTS;

	rpc_register(NULL, "t.bare", h_fault_bare, &code, NULL, NULL);
	rpc_register(NULL, "t.custom", h_fault_custom, NULL, NULL, NULL);
	rpc_call(NULL, "t.bare", NULL, on_done, &a);
	cr_assert_eq(a.code, 3);
	cr_assert_str_eq(a.string, "BAD_ARGUMENTS");
	answer_reset(&a);
	rpc_call(NULL, "t.custom", NULL, on_done, &a);
	cr_assert_eq(a.code, 1234);
	cr_assert_str_eq(a.string, "custom thing");
	answer_reset(&a);
}

static void
h_twice(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_return(call, json_true());
	rpc_return(call, json_true());
}

Test(rpc, answering_twice_aborts, .signal = SIGABRT)
{
	struct answer a = { 0 };

	rpc_register(NULL, "t.twice", h_twice, NULL, NULL, NULL);
	rpc_call(NULL, "t.twice", NULL, on_done, &a);
}

static void
h_unregister_self(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_unregister(PA, "t.self");
	rpc_return(call, json_string("still here"));
}

Test(rpc, handler_may_unregister_its_own_method)
{
	struct answer a = { 0 };

	rpc_register(PA, "t.self", h_unregister_self, NULL, NULL, NULL);
	rpc_call(NULL, "t.self", NULL, on_done, &a);
	assert_json(a.result, "\"still here\"");
	answer_reset(&a);
	rpc_call(NULL, "t.self", NULL, on_done, &a);
	cr_assert_eq(a.code, 1, "the method is gone");
	answer_reset(&a);
}

/* --- deferred calls ---------------------------------------------------- */

Test(rpc, deferred_answer_runs_done_later)
{
	struct deferred d = { 0 };
	struct answer a = { 0 };
	struct sth_rpc_call *c;
	int base = rpc_live_calls();

	rpc_register(PB, "supervisor.startProcess", h_defer, &d, NULL, NULL);
	c = rpc_call(PA, "supervisor.startProcess", NULL, on_done, &a);
	cr_assert_not_null(c, "a deferred call returns the pending call");
	cr_assert_eq(d.call, c);
	cr_assert_eq(a.n, 0, "done must wait for the answer");
	cr_assert_eq(rpc_pending_owner(PA), 1);
	cr_assert_eq(rpc_pending_owner(PB), 1);

	rpc_return(d.call, json_true());
	cr_assert_eq(a.n, 1);
	assert_json(a.result, "true");
	cr_assert_eq(rpc_pending_owner(PA), 0);
	cr_assert_eq(rpc_pending_owner(PB), 0);
	cr_assert_eq(rpc_live_calls(), base);
	answer_reset(&a);
}

Test(rpc, deferred_fault)
{
	struct deferred d = { 0 };
	struct answer a = { 0 };

	rpc_register(PB, "supervisor.startProcess", h_defer, &d, NULL, NULL);
	cr_assert_not_null(rpc_call(PA, "supervisor.startProcess", NULL,
	    on_done, &a));
	rpc_fault(d.call, STH_FAULT_SPAWN_ERROR, "%s", "quick");
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.code, 50);
	cr_assert_str_eq(a.string, "SPAWN_ERROR: quick");
	answer_reset(&a);
}

Test(rpc, cancel_runs_on_cancel_and_never_done)
{
	struct deferred d = { .set_cancel = 1 };
	struct answer a = { 0 };
	struct sth_rpc_call *c;
	int base = rpc_live_calls();

	rpc_register(PB, "t.slow", h_defer, &d, NULL, NULL);
	c = rpc_call(PA, "t.slow", NULL, on_done, &a);
	cr_assert_not_null(c);
	rpc_cancel(c);
	cr_assert_eq(d.cancelled, 1, "the handler hears of the cancel");
	cr_assert_eq(a.n, 0, "done never runs after cancel");
	cr_assert_eq(rpc_live_calls(), base, "the record is freed");
	cr_assert_eq(rpc_pending_owner(PB), 0);
}

Test(rpc, answer_after_cancel_is_dropped)
{
	/* The handler set no cancel callback, so it answers anyway. */
	struct deferred d = { 0 };
	struct answer a = { 0 };
	struct sth_rpc_call *c;
	int base = rpc_live_calls();

	rpc_register(PB, "t.slow", h_defer, &d, NULL, NULL);
	c = rpc_call(PA, "t.slow", NULL, on_done, &a);
	rpc_cancel(c);
	cr_assert_eq(rpc_live_calls(), base + 1,
	    "kept until the handler lets go of it");
	cr_assert_eq(rpc_pending_owner(PA), 0);
	cr_assert_eq(rpc_pending_owner(PB), 1);
	rpc_return(d.call, json_string("late"));	/* no use-after-free */
	cr_assert_eq(a.n, 0);
	cr_assert_eq(rpc_live_calls(), base);

	/* And a late fault likewise. */
	c = rpc_call(PA, "t.slow", NULL, on_done, &a);
	rpc_cancel(c);
	rpc_fault(d.call, STH_FAULT_FAILED, "late");
	cr_assert_eq(a.n, 0);
	cr_assert_eq(rpc_live_calls(), base);
}

Test(rpc, owner_unload_faults_pending_callers)
{
	struct deferred d = { .set_cancel = 1 };
	struct answer a = { 0 };
	json_t *m;
	int base = rpc_live_calls();

	rpc_register(PB, "plug.slow", h_defer, &d, NULL, NULL);
	rpc_register(PB, "plug.other", h_echo, NULL, NULL, NULL);
	cr_assert_not_null(rpc_call(PA, "plug.slow", NULL, on_done, &a));
	cr_assert_eq(rpc_unregister_owner(PB), 2);
	cr_assert_eq(d.cancelled, 1);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.code, STH_FAULT_FAILED);
	cr_assert_str_eq(a.string,
	    "FAILED: method plug.slow was unloaded before it answered");
	cr_assert_eq(rpc_live_calls(), base);
	m = rpc_list_methods();
	assert_json(m, "[]");
	json_decref(m);
	answer_reset(&a);
}

/* plugin.unload returns while the plugin drains: from then on its methods
 * are gone for new callers, the call in hand still answers, and a new load
 * may take the names at once. */
Test(rpc, retired_owner_is_unknown_to_new_callers_and_frees_its_names)
{
	struct deferred d = { .set_cancel = 1 };
	struct answer a = { 0 }, b = { 0 };
	static int seven = 7;
	json_t *m;

	rpc_register(PB, "plug.slow", h_defer, &d, NULL, NULL);
	rpc_register(PB, "plug.echo", h_echo, NULL, NULL, NULL);
	cr_assert_not_null(rpc_call(PA, "plug.slow", NULL, on_done, &a));
	rpc_retire_owner(PB);

	cr_assert_null(rpc_call(PA, "plug.echo", NULL, on_done, &b));
	cr_assert_eq(b.code, STH_FAULT_UNKNOWN_METHOD);
	cr_assert_eq(rpc_method_info("plug.echo", NULL, NULL), -1);
	m = rpc_list_methods();
	assert_json(m, "[]");
	json_decref(m);
	answer_reset(&b);

	/* the call made before the retirement is still answered */
	rpc_return(d.call, json_string("late"));
	cr_assert_eq(a.n, 1);
	assert_json(a.result, "\"late\"");
	answer_reset(&a);

	/* a new owner takes the name; the old owner's unregister is a no-op */
	cr_assert_eq(rpc_register(PA, "plug.echo", h_int, &seven, NULL, NULL),
	    0);
	cr_assert_eq(rpc_unregister_owner(PB), 1, "plug.slow only");
	cr_assert_null(rpc_call(NULL, "plug.echo", NULL, on_done, &b));
	assert_json(b.result, "7");
	answer_reset(&b);
	cr_assert_eq(rpc_register(PB, "plug.echo", h_echo, NULL, NULL, NULL),
	    -1, "a live owner's name is not free");
	rpc_unregister_owner(PA);
}

Test(rpc, cancel_owner_cancels_calls_made_by_the_owner)
{
	struct deferred d1 = { .set_cancel = 1 }, d2 = { 0 };
	struct deferred d3 = { .set_cancel = 1 };
	struct answer a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
	int base = rpc_live_calls();

	rpc_register(NULL, "t.one", h_defer, &d1, NULL, NULL);
	rpc_register(NULL, "t.two", h_defer, &d2, NULL, NULL);
	rpc_register(NULL, "t.three", h_defer, &d3, NULL, NULL);
	rpc_call(PA, "t.one", NULL, on_done, &a1);
	rpc_call(PA, "t.two", NULL, on_done, &a2);
	rpc_call(PB, "t.three", NULL, on_done, &a3);	/* B's stays */
	cr_assert_eq(rpc_pending_owner(PA), 2);
	rpc_cancel_owner(PA);
	cr_assert_eq(rpc_pending_owner(PA), 0);
	cr_assert_eq(d1.cancelled, 1);
	rpc_return(d2.call, json_true());	/* dropped */
	cr_assert_eq(a1.n + a2.n, 0);
	cr_assert_eq(d3.cancelled, 0);
	cr_assert_not_null(d3.call, "B's call is still pending");
	rpc_return(d3.call, json_integer(3));
	cr_assert_eq(a3.n, 1);
	assert_json(a3.result, "3");
	rpc_release_owner(PA);
	cr_assert_eq(rpc_live_calls(), base);
	answer_reset(&a3);
}

/* An unload past its grace drops the calls the plugin made before its
 * fini; the plugin may still cancel them there (xmlrpc's fini does, as
 * its requests end): the handles stay valid, the cancel does nothing,
 * and the records go once the loader releases the plugin. */
Test(rpc, calls_dropped_by_unload_stay_handles_until_released)
{
	struct deferred d = { .set_cancel = 1 };
	struct answer a = { 0 };
	struct sth_rpc_call *call;
	int base = rpc_live_calls();

	rpc_register(NULL, "t.one", h_defer, &d, NULL, NULL);
	call = rpc_call(PA, "t.one", NULL, on_done, &a);
	cr_assert_not_null(call);
	cr_assert_eq(rpc_cancel_owner(PA), 1, "one call made by A");
	cr_assert_eq(d.cancelled, 1);
	cr_assert_eq(rpc_calls_made(PA), 0);
	cr_assert_eq(rpc_live_calls(), base + 1, "held for A's fini");
	rpc_cancel(call);			/* from fini: a no-op */
	cr_assert_eq(rpc_cancel_owner(PA), 0, "nothing more to cancel");
	cr_assert_eq(a.n, 0);
	rpc_release_owner(PA);
	cr_assert_eq(rpc_live_calls(), base);
}

/* An owner unloaded while its handler is still running inside rpc_call:
 * the fault is delivered when the handler returns, and rpc_call says the
 * call is over. */
static void
h_unload_while_running(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_unregister_owner(PB);
	rpc_return(call, json_true());	/* dropped: handler was released */
}

Test(rpc, owner_unload_inside_its_handler)
{
	struct answer a = { 0 };
	int base = rpc_live_calls();

	rpc_register(PB, "t.run", h_unload_while_running, NULL, NULL, NULL);
	cr_assert_null(rpc_call(PA, "t.run", NULL, on_done, &a));
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.code, STH_FAULT_FAILED);
	cr_assert_eq(rpc_live_calls(), base);
	answer_reset(&a);
}

/* done of one call cancelling it again is harmless. */
static void
on_done_cancel(json_t *result, int code, const char *string, void *arg)
{
	struct sth_rpc_call **c = arg;

	rpc_cancel(*c);
}

Test(rpc, cancel_inside_done_is_a_no_op)
{
	struct deferred d = { .set_cancel = 1 };
	struct sth_rpc_call *c;
	int base = rpc_live_calls();

	rpc_register(NULL, "t.slow", h_defer, &d, NULL, NULL);
	c = rpc_call(PA, "t.slow", NULL, on_done_cancel, &c);
	rpc_return(d.call, json_true());
	cr_assert_eq(d.cancelled, 0);
	cr_assert_eq(rpc_live_calls(), base);
}

/* --- system.* ---------------------------------------------------------- */

Test(rpc_system, list_methods_is_sorted_and_live)
{
	struct answer a = { 0 };
	int v = 1;

	rpc_system_register();
	rpc_register(PA, "supervisor.stopProcess", h_int, &v, NULL, NULL);
	rpc_register(PA, "supervisor.getAPIVersion", h_int, &v, NULL, NULL);
	rpc_register(PB, "plugin.list", h_int, &v, NULL, NULL);
	rpc_register(PA, "supervisor.addProcessGroup", h_int, &v, NULL, NULL);
	rpc_register(PA, "supervisor.getAllConfigInfo", h_int, &v, NULL,
	    NULL);

	rpc_call(NULL, "system.listMethods", NULL, on_done, &a);
	assert_json(a.result, "[\"plugin.list\", "
	    "\"supervisor.addProcessGroup\", \"supervisor.getAPIVersion\", "
	    "\"supervisor.getAllConfigInfo\", \"supervisor.stopProcess\", "
	    "\"system.listMethods\", \"system.methodHelp\", "
	    "\"system.methodSignature\", \"system.multicall\"]");
	answer_reset(&a);

	rpc_unregister_owner(PA);
	rpc_call(NULL, "system.listMethods", NULL, on_done, &a);
	assert_json(a.result, "[\"plugin.list\", \"system.listMethods\", "
	    "\"system.methodHelp\", \"system.methodSignature\", "
	    "\"system.multicall\"]");
	answer_reset(&a);

	/* listMethods takes no parameters. */
	{
		json_t *p = J("[1]");

		rpc_call(NULL, "system.listMethods", p, on_done, &a);
		cr_assert_str_eq(a.string, "INCORRECT_PARAMETERS");
		json_decref(p);
		answer_reset(&a);
	}
}

Test(rpc_system, method_help_and_signature)
{
	struct answer a = { 0 };
	json_t *p;
	int v = 1;

	rpc_system_register();
	rpc_register(PA, "supervisor.getProcessInfo", h_int, &v,
	    "Get info about a process named name", "[\"struct\", \"string\"]");
	rpc_register(PA, "supervisor.many", h_int, &v, NULL,
	    "[[\"int\"], [\"int\", \"string\"]]");
	rpc_register(PA, "supervisor.one", h_int, &v, NULL,
	    "[[\"boolean\", \"string\", \"boolean\"]]");
	rpc_register(PA, "supervisor.nosig", h_int, &v, NULL, NULL);

	p = J("[\"supervisor.getProcessInfo\"]");
	rpc_call(NULL, "system.methodHelp", p, on_done, &a);
	assert_json(a.result, "\"Get info about a process named name\"");
	answer_reset(&a);
	rpc_call(NULL, "system.methodSignature", p, on_done, &a);
	assert_json(a.result, "[\"struct\", \"string\"]");
	answer_reset(&a);
	json_decref(p);

	p = J("[\"supervisor.one\"]");
	rpc_call(NULL, "system.methodSignature", p, on_done, &a);
	assert_json(a.result, "[\"boolean\", \"string\", \"boolean\"]");
	answer_reset(&a);
	json_decref(p);

	p = J("[\"supervisor.many\"]");
	rpc_call(NULL, "system.methodSignature", p, on_done, &a);
	assert_json(a.result, "[[\"int\"], [\"int\", \"string\"]]");
	answer_reset(&a);
	rpc_call(NULL, "system.methodHelp", p, on_done, &a);
	assert_json(a.result, "\"\"");
	answer_reset(&a);
	json_decref(p);

	p = J("[\"system.multicall\"]");
	rpc_call(NULL, "system.methodSignature", p, on_done, &a);
	assert_json(a.result, "[\"array\", \"array\"]");
	answer_reset(&a);
	json_decref(p);

	p = J("[\"supervisor.nosig\"]");
	rpc_call(NULL, "system.methodSignature", p, on_done, &a);
	cr_assert_eq(a.code, 4);
	cr_assert_str_eq(a.string, "SIGNATURE_UNSUPPORTED");
	answer_reset(&a);
	json_decref(p);

	p = J("[\"supervisor.nope\"]");
	rpc_call(NULL, "system.methodHelp", p, on_done, &a);
	cr_assert_str_eq(a.string, "SIGNATURE_UNSUPPORTED");
	answer_reset(&a);
	rpc_call(NULL, "system.methodSignature", p, on_done, &a);
	cr_assert_str_eq(a.string, "SIGNATURE_UNSUPPORTED");
	answer_reset(&a);
	json_decref(p);

	rpc_call(NULL, "system.methodHelp", NULL, on_done, &a);
	cr_assert_eq(a.code, 2);
	cr_assert_str_eq(a.string, "INCORRECT_PARAMETERS");
	answer_reset(&a);
}

/* The multicall of docs/supervisord.md §A.2, word for word. */
Test(rpc_system, multicall_with_faults_matches_supervisor)
{
	struct answer a = { 0 };
	json_t *p;
	int pid = 8502;

	rpc_system_register();
	rpc_register(NULL, "supervisor.getPID", h_int, &pid, NULL, NULL);
	rpc_register(NULL, "supervisor.startProcess", h_badname, NULL, NULL,
	    NULL);
	p = J("[[{\"methodName\": \"supervisor.getPID\"},"
	    " {\"methodName\": \"supervisor.startProcess\","
	    "  \"params\": [\"nope\"]},"
	    " {\"methodName\": \"system.multicall\", \"params\": [[]]},"
	    " {\"params\": []}]]");
	cr_assert_null(rpc_call(NULL, "system.multicall", p, on_done, &a));
	cr_assert_eq(a.n, 1);
	assert_json(a.result, "[8502,"
	    " {\"faultCode\": 10, \"faultString\": \"BAD_NAME: nope\"},"
	    " {\"faultCode\": 2, \"faultString\":"
	    "  \"INCORRECT_PARAMETERS: Recursive system.multicall forbidden\"},"
	    " {\"faultCode\": 2, \"faultString\":"
	    "  \"INCORRECT_PARAMETERS: No methodName\"}]");
	answer_reset(&a);
	json_decref(p);

	/* Unknown methods, bad params, an empty list, a bad argument. */
	p = J("[[{\"methodName\": \"supervisor.nope\"},"
	    " {\"methodName\": \"supervisor.getPID\", \"params\": 5},"
	    " \"notastruct\"]]");
	rpc_call(NULL, "system.multicall", p, on_done, &a);
	assert_json(a.result,
	    "[{\"faultCode\": 1, \"faultString\": \"UNKNOWN_METHOD\"},"
	    " {\"faultCode\": 2, \"faultString\": \"INCORRECT_PARAMETERS\"},"
	    " {\"faultCode\": 2, \"faultString\":"
	    "  \"INCORRECT_PARAMETERS: No methodName\"}]");
	answer_reset(&a);
	json_decref(p);

	p = J("[[]]");
	rpc_call(NULL, "system.multicall", p, on_done, &a);
	assert_json(a.result, "[]");
	answer_reset(&a);
	json_decref(p);

	p = J("[{}]");
	rpc_call(NULL, "system.multicall", p, on_done, &a);
	cr_assert_str_eq(a.string, "INCORRECT_PARAMETERS");
	answer_reset(&a);
	json_decref(p);
}

/* A 1,000,000-byte string; counts its calls. */
static void
h_big(struct sth_rpc_call *call, json_t *params, void *arg)
{
	static char text[1000001];

	(*(int *)arg)++;
	memset(text, 'x', sizeof text - 1);
	rpc_return(call, json_string(text));
}

/* One request cannot make an unbounded answer (issue 12): past 4 MiB of
 * answer the calls left are not run, and at most 1024 calls are taken. */
Test(rpc_system, multicall_answer_and_call_count_are_capped)
{
	struct answer a = { 0 };
	json_t *p, *calls, *r;
	int runs = 0, pid = 1;
	size_t i;

	rpc_system_register();
	rpc_register(NULL, "t.big", h_big, &runs, NULL, NULL);
	rpc_register(NULL, "supervisor.getPID", h_int, &pid, NULL, NULL);
	calls = json_array();
	for (i = 0; i < 10; i++)
		json_array_append_new(calls, J("{\"methodName\": \"t.big\"}"));
	p = json_pack("[o]", calls);
	cr_assert_null(rpc_call(NULL, "system.multicall", p, on_done, &a));
	cr_assert_eq(a.code, 0);
	cr_assert_eq(runs, 5, "%d calls ran, 5 fit in 4 MiB", runs);
	cr_assert_eq(json_array_size(a.result), 10);
	for (i = 0; i < 5; i++)
		cr_assert(json_is_string(json_array_get(a.result, i)));
	for (i = 5; i < 10; i++) {
		r = json_array_get(a.result, i);
		cr_assert_eq(json_integer_value(json_object_get(r,
		    "faultCode")), STH_FAULT_FAILED);
		cr_assert_str_eq(json_string_value(json_object_get(r,
		    "faultString")), "FAILED: not run: this system.multicall's "
		    "answer passed its limit of 4194304 bytes");
	}
	answer_reset(&a);
	json_decref(p);

	/* 1024 calls are taken, 1025 are refused whole */
	calls = json_array();
	for (i = 0; i < 1024; i++)
		json_array_append_new(calls,
		    J("{\"methodName\": \"supervisor.getPID\"}"));
	p = json_pack("[o]", calls);
	rpc_call(NULL, "system.multicall", p, on_done, &a);
	cr_assert_eq(json_array_size(a.result), 1024);
	answer_reset(&a);
	json_array_append_new(calls,
	    J("{\"methodName\": \"supervisor.getPID\"}"));
	rpc_call(NULL, "system.multicall", p, on_done, &a);
	cr_assert_eq(a.code, STH_FAULT_INCORRECT_PARAMETERS);
	cr_assert_str_eq(a.string, "INCORRECT_PARAMETERS: system.multicall "
	    "takes at most 1024 calls");
	answer_reset(&a);
	json_decref(p);
}

/* A deferred sub-call holds back the next one until it is answered by a
 * timer on a real event loop. */
struct slow {
	struct event_base *base;
	struct sth_rpc_call *call;
	int started;
	int order[8];
	int norder;
};

static void
slow_answer(evutil_socket_t fd, short what, void *arg)
{
	struct slow *s = arg;

	struct sth_rpc_call *c = s->call;

	s->order[s->norder++] = 100;	/* the answer */
	s->call = NULL;		/* answering may start the next slow one */
	rpc_return(c, json_string("slow done"));
}

static void
h_slow(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct slow *s = arg;
	struct timeval tv = { 0, 20000 };

	s->order[s->norder++] = 1;
	s->call = call;
	event_base_once(s->base, -1, EV_TIMEOUT, slow_answer, s, &tv);
}

static void
h_fast(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct slow *s = arg;

	s->order[s->norder++] = 2;
	rpc_return(call, json_integer(s->norder));
}

Test(rpc_system, multicall_awaits_deferred_sub_calls_in_order)
{
	struct slow s = { 0 };
	struct answer a = { 0 };
	struct sth_rpc_call *c;
	json_t *p;
	int base = rpc_live_calls();

	s.base = event_base_new();
	rpc_system_register();
	rpc_register(NULL, "supervisor.startProcess", h_slow, &s, NULL, NULL);
	rpc_register(NULL, "supervisor.getState", h_fast, &s, NULL, NULL);
	p = J("[[{\"methodName\": \"supervisor.startProcess\","
	    "  \"params\": [\"x\", true]},"
	    " {\"methodName\": \"supervisor.getState\"},"
	    " {\"methodName\": \"supervisor.startProcess\"},"
	    " {\"methodName\": \"supervisor.nope\"}]]");
	c = rpc_call(PA, "system.multicall", p, on_done, &a);
	json_decref(p);
	cr_assert_not_null(c, "multicall defers when a sub-call defers");
	cr_assert_eq(a.n, 0);
	cr_assert_eq(s.norder, 1, "the second call waits for the first");

	event_base_dispatch(s.base);

	cr_assert_eq(a.n, 1);
	cr_assert_eq(s.norder, 5);
	cr_assert_eq(s.order[0], 1);
	cr_assert_eq(s.order[1], 100);
	cr_assert_eq(s.order[2], 2);
	cr_assert_eq(s.order[3], 1);
	cr_assert_eq(s.order[4], 100);
	assert_json(a.result, "[\"slow done\", 3, \"slow done\","
	    " {\"faultCode\": 1, \"faultString\": \"UNKNOWN_METHOD\"}]");
	cr_assert_eq(rpc_live_calls(), base);
	answer_reset(&a);
	event_base_free(s.base);
}

Test(rpc_system, multicall_cancel_cancels_the_pending_sub_call)
{
	struct deferred d = { .set_cancel = 1 };
	struct answer a = { 0 };
	struct sth_rpc_call *c;
	json_t *p;
	int base = rpc_live_calls();

	rpc_system_register();
	rpc_register(PB, "t.slow", h_defer, &d, NULL, NULL);
	p = J("[[{\"methodName\": \"t.slow\"}, {\"methodName\": \"t.slow\"}]]");
	c = rpc_call(PA, "system.multicall", p, on_done, &a);
	json_decref(p);
	cr_assert_not_null(c);
	cr_assert_eq(d.started, 1);
	rpc_cancel(c);
	cr_assert_eq(d.cancelled, 1, "the sub-call is cancelled too");
	cr_assert_eq(d.started, 1, "and no further sub-call starts");
	cr_assert_eq(a.n, 0);
	cr_assert_eq(rpc_live_calls(), base);
}

Test(rpc_system, multicall_sub_call_owner_unloads)
{
	struct deferred d = { .set_cancel = 1 };
	struct answer a = { 0 };
	json_t *p;
	int v = 5;

	rpc_system_register();
	rpc_register(PB, "t.slow", h_defer, &d, NULL, NULL);
	rpc_register(NULL, "t.int", h_int, &v, NULL, NULL);
	p = J("[[{\"methodName\": \"t.slow\"}, {\"methodName\": \"t.slow\"},"
	    " {\"methodName\": \"t.int\"}]]");
	cr_assert_not_null(rpc_call(PA, "system.multicall", p, on_done, &a));
	json_decref(p);
	rpc_unregister_owner(PB);
	cr_assert_eq(a.n, 1);
	assert_json(a.result, "[{\"faultCode\": 30, \"faultString\":"
	    " \"FAILED: method t.slow was unloaded before it answered\"},"
	    " {\"faultCode\": 1, \"faultString\": \"UNKNOWN_METHOD\"}, 5]");
	answer_reset(&a);
}

/* --- every order of the four things that can end a deferred call ------ */

enum step { S_CANCEL, S_ANSWER, S_UNLOAD_HANDLER, S_UNLOAD_CALLER, S_N };

struct life {
	struct sth_rpc_call *call;	/* the caller's handle */
	struct sth_rpc_call *hcall;	/* the handler's */
	int done, cancelled;
	int caller_gone, handler_gone;	/* may no longer use its handle */
};

static void
life_done(json_t *result, int code, const char *string, void *arg)
{
	struct life *l = arg;

	l->done++;
	l->caller_gone = 1;
}

static void
life_cancel(struct sth_rpc_call *call, void *arg)
{
	struct life *l = arg;

	l->cancelled++;
	l->handler_gone = 1;
}

static void
h_life(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct life *l = arg;
	int with_cb = json_is_true(json_array_get(params, 0));

	l->hcall = call;
	if (with_cb)
		rpc_on_cancel(call, life_cancel, l);
}

static void
life_run(const int *order, int with_cb)
{
	struct life l = { 0 };
	json_t *p = json_pack("[b]", with_cb);
	int base = rpc_live_calls(), i, answered = 0, unloaded = 0;

	rpc_register(PB, "life.call", h_life, &l, NULL, NULL);
	l.call = rpc_call(PA, "life.call", p, life_done, &l);
	json_decref(p);
	cr_assert_not_null(l.call);
	for (i = 0; i < S_N; i++) {
		switch (order[i]) {
		case S_CANCEL:
			if (!l.caller_gone) {
				rpc_cancel(l.call);
				l.caller_gone = 1;
			}
			break;
		case S_ANSWER:
			if (!l.handler_gone) {
				answered = !l.caller_gone;
				rpc_return(l.hcall, json_true());
				l.handler_gone = 1;
			}
			break;
		case S_UNLOAD_HANDLER:
			if (!l.handler_gone && !l.caller_gone)
				unloaded = 1;
			rpc_unregister_owner(PB);
			l.handler_gone = 1;
			break;
		case S_UNLOAD_CALLER:
			rpc_cancel_owner(PA);
			l.caller_gone = 1;
			break;
		}
	}
	rpc_release_owner(PA);		/* the loader, after A's fini */
	cr_assert_leq(l.done, 1);
	cr_assert_leq(l.cancelled, 1);
	cr_assert_eq(l.done, answered || unloaded ? 1 : 0,
	    "order %d%d%d%d cb %d", order[0], order[1], order[2], order[3],
	    with_cb);
	cr_assert_eq(rpc_live_calls(), base, "order %d%d%d%d cb %d leaks",
	    order[0], order[1], order[2], order[3], with_cb);
	rpc_unregister_owner(PB);
}

Test(rpc, every_order_of_cancel_answer_and_unload)
{
	int order[S_N], a, b, c, d, cb;

	for (a = 0; a < S_N; a++)
	for (b = 0; b < S_N; b++)
	for (c = 0; c < S_N; c++)
	for (d = 0; d < S_N; d++) {
		if (a == b || a == c || a == d || b == c || b == d || c == d)
			continue;
		order[0] = a, order[1] = b, order[2] = c, order[3] = d;
		for (cb = 0; cb < 2; cb++)
			life_run(order, cb);
	}
}
