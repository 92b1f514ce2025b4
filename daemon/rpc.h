/*
 * rpc.h — the method registry: name -> handler(json params) -> result |
 * fault (DESIGN.md decision 2).  XML-RPC, JSON-RPC and the monitor are codecs
 * onto it; supervisor.* and system.* live here.
 *
 * Ownership: the registry owns method records and pending call records; a
 * call record is freed once it has been answered and its answer delivered,
 * or cancelled.  json_t rules are those of stheno/host.h: params borrowed,
 * results stolen by rpc_return.
 */
#ifndef STHENO_RPC_H
#define STHENO_RPC_H

#include <jansson.h>
#include <stheno/host.h>

struct sth_plugin;	/* owner; NULL means the core */

int rpc_register(struct sth_plugin *owner, const char *name, sth_rpc_fn fn,
		 void *arg, const char *help, const char *signature_json);
void rpc_unregister(struct sth_plugin *owner, const char *name);
/* Drop every method owner registered (unload); returns how many. */
int rpc_unregister_owner(struct sth_plugin *owner);

void rpc_return(struct sth_rpc_call *call, json_t *result);
void rpc_fault(struct sth_rpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rpc_on_cancel(struct sth_rpc_call *call, sth_rpc_cancel_fn fn,
		   void *arg);

/* See sth_host.rpc_call. */
struct sth_rpc_call *rpc_call(struct sth_plugin *caller, const char *method,
			      json_t *params, sth_rpc_done_fn done, void *arg);
void rpc_cancel(struct sth_rpc_call *call);
/* Cancel every pending call made by caller, and every deferred call being
 * answered by a method of owner (unload). */
void rpc_cancel_owner(struct sth_plugin *owner);

/* Sorted method names (a new array). */
json_t *rpc_list_methods(void);

/* Register system.listMethods, methodHelp, methodSignature, multicall. */
void rpc_system_register(void);

#endif
