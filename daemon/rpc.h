/*
 * rpc.h — the method registry: name -> handler(json params) -> result |
 * fault (docs/design.md, decision 2).  XML-RPC, JSON-RPC and the monitor are
 * codecs onto it; supervisor.* and system.* live here.
 *
 * Ownership: the registry owns method records and pending call records; a
 * call record is freed once it has been answered and its answer delivered,
 * or cancelled.  json_t rules are those of stheno/host.h: params borrowed,
 * results stolen by rpc_return.
 *
 * Faults: a handler passes a code (STH_FAULT_*) and only the detail, e.g.
 * rpc_fault(call, STH_FAULT_BAD_NAME, "%s", name); the registry makes
 * supervisor's string "BAD_NAME: nope" by prefixing the code's name.  A NULL
 * (or empty) detail gives the bare name ("INCORRECT_PARAMETERS"), which is
 * what supervisor sends for faults without detail.  A code outside the table
 * keeps the detail as the whole string.
 *
 * Lifetimes of a call: the caller may rpc_cancel a pending call until its
 * done has run; the handler must answer exactly once unless its
 * rpc_on_cancel callback ran (then it must not answer).  A handler that set
 * no cancel callback may still answer a cancelled call: the answer is
 * dropped.  If the method's owner unloads first (rpc_unregister_owner or
 * rpc_cancel_owner), its cancel callback runs and the caller gets fault 30
 * "FAILED: method x.y was unloaded before it answered".
 */
#ifndef STHENO_RPC_H
#define STHENO_RPC_H

#include <jansson.h>
#include <stheno/host.h>

struct sth_plugin;	/* owner; NULL means the core */

/* Names are "namespace.method": two non-empty parts, neither starting with
 * '_' (supervisor's rule; anything else is fault 1 when called).  Returns 0,
 * or -1 if the name is malformed or taken, fn is NULL, or signature_json is
 * not an array of type names (or of such arrays). */
int rpc_register(struct sth_plugin *owner, const char *name, sth_rpc_fn fn,
		 void *arg, const char *help, const char *signature_json);
void rpc_unregister(struct sth_plugin *owner, const char *name);
/* Drop every method owner registered (unload); returns how many. */
int rpc_unregister_owner(struct sth_plugin *owner);
/* Owner has begun to unload: its methods answer "unknown method" to new
 * callers (calls already made finish) and their names may be registered
 * again, by a new load, before the old records are dropped. */
void rpc_retire_owner(struct sth_plugin *owner);

void rpc_return(struct sth_rpc_call *call, json_t *result);
void rpc_fault(struct sth_rpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rpc_on_cancel(struct sth_rpc_call *call, sth_rpc_cancel_fn fn,
		   void *arg);

/* See sth_host.rpc_call.  caller is only compared (NULL: the core). */
struct sth_rpc_call *rpc_call(struct sth_plugin *caller, const char *method,
			      json_t *params, sth_rpc_done_fn done, void *arg);
/* host->rpc_call of a loaded plugin: as rpc_call, and done runs inside
 * plugin_enter/leave (not at all once the plugin's code may not run);
 * the end of each call's caller side is plugin_changed(caller). */
struct sth_rpc_call *rpc_call_plugin(struct sth_plugin *caller,
				     const char *method, json_t *params,
				     sth_rpc_done_fn done, void *arg);
void rpc_cancel(struct sth_rpc_call *call);
/* Cancel every pending call made by caller, and every deferred call being
 * answered by a method of owner (unload).  This runs owner's cancel
 * callbacks, so call it before owner's fini; rpc_unregister_owner does the
 * handler half of it too.  The calls owner made stay valid handles (an
 * rpc_cancel of one is a no-op) until rpc_release_owner, after its fini.
 * Returns how many calls owner had made. */
int rpc_cancel_owner(struct sth_plugin *owner);
void rpc_release_owner(struct sth_plugin *owner);
/* Calls caller made that have not been answered or cancelled. */
int rpc_calls_made(struct sth_plugin *caller);

/* Sorted method names (a new array). */
json_t *rpc_list_methods(void);

/* The fault name of code ("BAD_NAME"), or NULL if supervisor has none. */
const char *rpc_fault_name(int code);

/* help (never NULL) and signature (borrowed: a flat array such as
 * ["struct","string"], or an array of arrays when a method has several; NULL
 * if none was given) of a method; -1 if it is not registered. */
int rpc_method_info(const char *name, const char **help, json_t **signature);

/* Calls owner is still involved in: pending calls it made, and calls its
 * methods have not answered yet (the loader's drain waits for 0). */
int rpc_pending_owner(struct sth_plugin *owner);

/* Register system.listMethods, methodHelp, methodSignature, multicall. */
void rpc_system_register(void);

#endif
