/*
 * core_rpc.h — stheno.* RPC methods: what the core knows that supervisor's
 * 37 supervisor.* names have no place for (those stay exactly as
 * supervisord's).  Owned by the core; the methods are registered with a
 * NULL owner and live as long as the daemon.
 */
#ifndef STHENO_CORE_RPC_H
#define STHENO_CORE_RPC_H

/* Register stheno.getMainLogPath (once, beside rpc_system_register). */
void core_rpc_register(void);

#endif
