/*
 * stheno/evpool.h — the core's listener pools, as the eventlistener plugin
 * (or any other client) sees them: host->evpools() (ABI 1.1) returns this
 * table.
 *
 * Ownership: the process table owns every pool and its processes (their
 * configs, state machine, spawning, logs and restarts: an [eventlistener:x]
 * pool is a process group); the client owns the protocol state it hangs on
 * a pool with pool_set_data.  Pool handles stay valid until ops->pool_removed
 * has returned for them; strings returned are the core's, valid as long as
 * the pool.  Only one client may be attached at a time.
 *
 * What the core guarantees: a pool process's stdout is never parsed, captured
 * or turned into PROCESS_LOG events; it is written raw to stdout_logfile and
 * copied to the main log at debug level as a bytes repr, then handed to
 * ops->proc_output.  A pool is announced (ops->pool_added) before its
 * PROCESS_GROUP_ADDED event is published, so a client that subscribes then
 * sees its pool's own ADDED event, as supervisord's pools do.
 */
#ifndef STHENO_EVPOOL_H
#define STHENO_EVPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sth_plugin;
struct sth_evpool;		/* one [eventlistener:x] pool */

/*
 * The table grows by appending members, each commented with the version
 * that added it (host.h's scheme): a client checks api->version against
 * the oldest version it needs, uses the members up to it freely, and tests
 * newer ones with STH_EVPOOL_HAS.
 */
#define STH_EVPOOL_VERSION 2	/* 2: pool_pending */

/*
 * What the attached client is told.  Every member may be NULL.  Callbacks
 * run on the loop thread, never after detach (or the client's unload).
 * idx is the process's index in its pool (pool_nprocs, in priority order).
 */
struct sth_evpool_ops {
	/* A pool exists (startup, restart, addProcessGroup). */
	void (*pool_added)(struct sth_evpool *pool, void *arg);
	/* The pool is being freed (its processes are stopped): forget it. */
	void (*pool_removed)(struct sth_evpool *pool, void *arg);
	/* Process idx changed process state (docs/supervisord.md §2.1 codes).
	 * Changes within one core operation are coalesced: pid is the pid now
	 * (0 when none), so a changed pid means the instance that was there
	 * ended. */
	void (*proc_state)(struct sth_evpool *pool, size_t idx, int from,
			   int to, pid_t pid, void *arg);
	/* Process idx (running as pid) wrote buf to its stdout. */
	void (*proc_output)(struct sth_evpool *pool, size_t idx, pid_t pid,
			    const char *buf, size_t len, void *arg);
};

struct sth_evpool_api {
	uint32_t size;		/* sizeof(struct sth_evpool_api) */
	uint32_t version;	/* STH_EVPOOL_VERSION of the core */

	/* Attach ops (copied) for self: 0, or -1 if a client is attached.
	 * The attachment belongs to self's scope: unload detaches it. */
	int (*attach)(struct sth_plugin *self, const struct sth_evpool_ops *ops,
		      void *arg);
	void (*detach)(struct sth_plugin *self);

	/* Pools in (priority, name) order: i = 0, 1, ... until NULL. */
	struct sth_evpool *(*pool_at)(size_t i);
	const char *(*pool_name)(const struct sth_evpool *pool);
	long (*pool_buffer_size)(const struct sth_evpool *pool);
	/* The event type names of events=, upper-cased, without duplicates,
	 * in config order: i = 0, 1, ... until NULL. */
	const char *(*pool_event)(const struct sth_evpool *pool, size_t i);
	void (*pool_set_data)(struct sth_evpool *pool, void *data);
	void *(*pool_get_data)(const struct sth_evpool *pool);

	size_t (*pool_nprocs)(const struct sth_evpool *pool);
	const char *(*proc_name)(const struct sth_evpool *pool, size_t idx);
	int (*proc_state)(const struct sth_evpool *pool, size_t idx);
	pid_t (*proc_pid)(const struct sth_evpool *pool, size_t idx);
	/* Queue bytes for the process's stdin: 0, or -1 if its stdin is
	 * closed (not running, or EPIPE). */
	int (*proc_write)(struct sth_evpool *pool, size_t idx, const char *buf,
			  size_t len);

	/* Spawn every pool process that has autostart and is stopped (a
	 * client that loads late); stop every running one (a client that
	 * unloads).  Both log what they do. */
	void (*pools_start)(void);
	void (*pools_stop)(void);

	/* supervisord's [supervisord] identifier (the server: token). */
	const char *(*identifier)(void);
	/* The next global event serial (docs/supervisord.md §6.2): kept by the
	 * core so that it survives a reload of the client. */
	long (*serial_next)(void);

	/* --- version 2 ------------------------------------------------------
	 * A client that needs only version 1 tests these with
	 * STH_EVPOOL_HAS(api, member) before calling one. */

	/* The client says how many events pool holds undelivered (buffered,
	 * or sent to a BUSY listener and not answered yet), each time that
	 * changes.  At shutdown the core stops a pool once it holds none, no
	 * listener of it is RUNNING, or a bound of 2 s has passed. */
	void (*pool_pending)(struct sth_evpool *pool, size_t nevents);
};

#define STH_EVPOOL_HAS(api, m)                                                 \
	((api)->size >= offsetof(struct sth_evpool_api, m) +                   \
	 sizeof((api)->m) && (api)->m != NULL)

#ifdef __cplusplus
}
#endif
#endif /* STHENO_EVPOOL_H */
