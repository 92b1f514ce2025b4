/*
 * rpc_system.c — supervisor's system.* methods (docs/supervisord.md §4.5) on
 * the registry: listMethods, methodHelp, methodSignature and multicall.
 *
 * multicall runs its calls in order; a call that answers later (deferred)
 * is awaited before the next one starts, while the loop keeps running, and
 * multicall itself then answers later.  A success is the bare value and a
 * fault is {faultCode, faultString}, as supervisor really sends (not the
 * one-element arrays its docstring promises).
 *
 * One request may not make the daemon build an unbounded answer (issue 12:
 * 200 getAllProcessInfo of 1,000 programs built 250 MB and held the loop
 * for seconds): a multicall takes at most MC_MAX_CALLS calls, and once its
 * answer passes MC_MAX_ANSWER bytes (as XML-RPC, estimated) the calls left
 * are not run and each answers a FAILED fault that names the limit
 * (docs/compatibility.md).  After a large answer, the freed heap is given
 * back to the system (malloc_trim) from the loop.
 */
#include "config.h"

#include <sys/time.h>

#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>

#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

#define MULTICALL "system.multicall"
#define MC_MAX_CALLS 1024
#define MC_MAX_ANSWER 4194304	/* 4 MiB */
#define MC_STR(x) MC_STR2(x)
#define MC_STR2(x) #x
/* an answer this large is followed by a malloc_trim */
#define MC_TRIM_AFTER (1024 * 1024)

static void
sys_list_methods(struct sth_rpc_call *call, json_t *params, void *arg)
{
	if (json_array_size(params) != 0) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	rpc_return(call, rpc_list_methods());
}

/* The method named by the only parameter, or NULL after a fault. */
static const char *
sys_method_arg(struct sth_rpc_call *call, json_t *params, const char **help,
    json_t **sig)
{
	const char *name;

	if (json_array_size(params) != 1) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return (NULL);
	}
	name = json_string_value(json_array_get(params, 0));
	if (name == NULL || rpc_method_info(name, help, sig) == -1) {
		rpc_fault(call, STH_FAULT_SIGNATURE_UNSUPPORTED, NULL);
		return (NULL);
	}
	return (name);
}

static void
sys_method_help(struct sth_rpc_call *call, json_t *params, void *arg)
{
	const char *help;

	if (sys_method_arg(call, params, &help, NULL) != NULL)
		rpc_return(call, json_string(help));
}

static void
sys_method_signature(struct sth_rpc_call *call, json_t *params, void *arg)
{
	json_t *sig;

	if (sys_method_arg(call, params, NULL, &sig) == NULL)
		return;
	if (sig == NULL) {
		rpc_fault(call, STH_FAULT_SIGNATURE_UNSUPPORTED, NULL);
		return;
	}
	rpc_return(call, json_deep_copy(sig));
}

/* --- multicall ------------------------------------------------------- */

struct multicall {
	struct sth_rpc_call *call;	/* the multicall itself */
	json_t *calls;
	json_t *results;
	size_t next;			/* index of the next call to start */
	size_t size;			/* of the answer so far, estimated */
	struct sth_rpc_call *pending;	/* the call awaited, if any */
	int stepping;			/* mc_step is on the stack */
	int cancelled;			/* our caller went away meanwhile */
};

static void mc_step(struct multicall *);

/* About the bytes of v as an XML-RPC <value> (tags and text). */
static size_t
mc_size(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i, n = 32;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return n + json_string_length(v);
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++)
			n += mc_size(json_array_get(v, i));
		return n;
	case JSON_OBJECT:
		json_object_foreach(v, key, m)
			n += 40 + strlen(key) + mc_size(m);
		return n;
	default:
		return n;
	}
}

static void
mc_trim(evutil_socket_t fd, short what, void *arg)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Give a large answer's heap back once it has been handed over. */
static void
mc_trim_later(void)
{
	struct timeval now = { 0, 0 };

	if (sth.base == NULL ||
	    event_base_once(sth.base, -1, EV_TIMEOUT, mc_trim, NULL,
	    &now) == -1)
		mc_trim(-1, 0, NULL);
}

static void
mc_free(struct multicall *mc)
{
	json_decref(mc->calls);
	json_decref(mc->results);
	free(mc);
}

static void
mc_append_fault(struct multicall *mc, int code, const char *string)
{
	json_array_append_new(mc->results, json_pack("{s:i,s:s}",
	    "faultCode", code, "faultString", string));
}

static void
mc_done(json_t *result, int code, const char *string, void *arg)
{
	struct multicall *mc = arg;

	if (code != 0)
		mc_append_fault(mc, code, string);
	else {
		json_array_append(mc->results, result);
		mc->size += mc_size(result);
	}
	if (mc->stepping)
		return;		/* an immediate answer: mc_step goes on */
	mc->pending = NULL;
	mc_step(mc);
}

static void
mc_cancel(struct sth_rpc_call *call, void *arg)
{
	struct multicall *mc = arg;

	if (mc->stepping) {
		/* mc_step cleans up when the call it is in returns. */
		mc->cancelled = 1;
		return;
	}
	if (mc->pending != NULL)
		rpc_cancel(mc->pending);
	mc_free(mc);
}

/* 0 if entry can be called, else the fault code with *bad set to its
 * string (supervisor's exact wording). */
static int
mc_check(json_t *entry, const char **name, json_t **params, const char **bad)
{
	json_t *m;

	*params = NULL;
	if (!json_is_object(entry) ||
	    (m = json_object_get(entry, "methodName")) == NULL ||
	    json_is_null(m)) {
		*bad = "INCORRECT_PARAMETERS: No methodName";
		return (STH_FAULT_INCORRECT_PARAMETERS);
	}
	if ((*name = json_string_value(m)) == NULL) {
		*bad = "UNKNOWN_METHOD";
		return (STH_FAULT_UNKNOWN_METHOD);
	}
	if (strcmp(*name, MULTICALL) == 0) {
		*bad = "INCORRECT_PARAMETERS: "
		    "Recursive system.multicall forbidden";
		return (STH_FAULT_INCORRECT_PARAMETERS);
	}
	*params = json_object_get(entry, "params");
	return (0);
}

static void
mc_step(struct multicall *mc)
{
	struct sth_rpc_call *p;
	const char *name = NULL, *bad = NULL;
	json_t *entry, *params;
	int code;

	mc->stepping = 1;
	while (mc->next < json_array_size(mc->calls)) {
		entry = json_array_get(mc->calls, mc->next++);
		if (mc->size > MC_MAX_ANSWER) {
			mc_append_fault(mc, STH_FAULT_FAILED,
			    "FAILED: not run: this system.multicall's answer "
			    "passed its limit of " MC_STR(MC_MAX_ANSWER)
			    " bytes");
			continue;
		}
		if ((code = mc_check(entry, &name, &params, &bad)) != 0) {
			mc_append_fault(mc, code, bad);
			continue;
		}
		p = rpc_call(NULL, name, params, mc_done, mc);
		if (mc->cancelled) {
			rpc_cancel(p);
			mc_free(mc);
			return;
		}
		if (p != NULL) {
			mc->pending = p;
			mc->stepping = 0;
			return;
		}
	}
	mc->stepping = 0;
	rpc_return(mc->call, json_incref(mc->results));
	if (mc->size > MC_TRIM_AFTER)
		mc_trim_later();
	mc_free(mc);
}

static void
sys_multicall(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct multicall *mc;
	json_t *calls;

	calls = json_array_get(params, 0);
	if (json_array_size(params) != 1 || !json_is_array(calls)) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	if (json_array_size(calls) > MC_MAX_CALLS) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS,
		    "system.multicall takes at most %d calls", MC_MAX_CALLS);
		return;
	}
	mc = xcalloc(1, sizeof(*mc));
	mc->call = call;
	mc->calls = json_incref(calls);
	mc->results = json_array();
	rpc_on_cancel(call, mc_cancel, mc);
	mc_step(mc);
}

/* --- the table ------------------------------------------------------- */

static const struct {
	const char *name;
	sth_rpc_fn fn;
	const char *help;
	const char *signature;
} sys_methods[] = {
	{ "system.listMethods", sys_list_methods,
	    "Return an array listing the available method names\n\n"
	    "@return array result  An array of method names available "
	    "(strings).",
	    "[\"array\"]" },
	{ "system.methodHelp", sys_method_help,
	    "Return a string showing the method's documentation\n\n"
	    "@param string name   The name of the method.\n"
	    "@return string result The documentation for the method name.",
	    "[\"string\", \"string\"]" },
	{ "system.methodSignature", sys_method_signature,
	    "Return an array describing the method signature in the\n"
	    "form [rtype, ptype, ptype...] where rtype is the return data "
	    "type\nof the method, and ptypes are the parameter data types "
	    "that the\nmethod accepts in method argument order.\n\n"
	    "@param string name  The name of the method.\n"
	    "@return array result  The result.",
	    "[\"array\", \"string\"]" },
	{ MULTICALL, sys_multicall,
	    "Process an array of calls, and return an array of\n"
	    "results. Calls should be structs of the form {'methodName':\n"
	    "string, 'params': array}. Each result will either be a\n"
	    "single-item array containing the result value, or a struct of\n"
	    "the form {'faultCode': int, 'faultString': string}. This is\n"
	    "useful when you need to make lots of small calls without lots\n"
	    "of round trips.\n\n"
	    "@param array calls  An array of call requests\n"
	    "@return array result  An array of results",
	    "[\"array\", \"array\"]" },
};

void
rpc_system_register(void)
{
	size_t i;

	for (i = 0; i < sizeof(sys_methods) / sizeof(sys_methods[0]); i++) {
		if (rpc_register(NULL, sys_methods[i].name, sys_methods[i].fn,
		    NULL, sys_methods[i].help, sys_methods[i].signature) == -1)
			fatalx("cannot register %s", sys_methods[i].name);
	}
}
