/*
 * evl.h — the eventlistener plugin: supervisor's listener pools and their
 * READY / RESULT protocol (docs/supervisord.md §6) over the core's pools
 * (stheno/evpool.h).
 *
 * Ownership: the plugin owns one struct evl, a struct evl_pool per core pool
 * (freed when the core removes the pool or the plugin unloads), each pool's
 * event buffer and each listener's protocol state.  Events are shared by the
 * pools that buffer them and reference-counted.  The core owns the pools,
 * their processes and everything about them that is not the protocol.
 */
#ifndef EVL_H
#define EVL_H

#include <sys/types.h>

#include <stddef.h>

#include <stheno/stheno.h>
#include <stheno/evpool.h>

#include "xmalloc.h"

/* Listener states: supervisor's EventListenerStates. */
#define EVL_READY 10
#define EVL_BUSY 20
#define EVL_ACKNOWLEDGED 30
#define EVL_UNKNOWN 40

/* Process states the protocol looks at (docs/supervisord.md §2.1). */
#define EVL_PROC_RUNNING 20

/* Caps on what a listener may make us hold (docs/design.md, decision 7). */
#define EVL_RESULT_MAX 65536	/* RESULT body bytes */
#define EVL_LINE_MAX 4096	/* bytes before the RESULT line's newline */

/* Room kept in front of each payload, where the envelope's header line is
 * written so that header and payload go out in one write without copying
 * the payload (a longer header takes the slow path through evl->env). */
#define EVL_HEADROOM 256

/* One published event, as buffered by one or more pools. */
struct evl_event {
	int refs;
	long bus_serial;	/* the bus's serial, to find it again */
	long serial;		/* supervisor's global serial */
	char *name;
	char *payload;		/* room bytes into its allocation */
	size_t room;		/* writable bytes in front of payload */
	size_t cap;		/* of the allocation (0 if held) */
	struct sth_hold *hold;	/* the bus's bytes kept (host->event_hold) */
	const struct sth_host *host;	/* to release the hold */
	size_t len;		/* bytes */
	size_t chars;		/* Python characters (UTF-8 code points), */
	int counted;		/* counted when first sent, not before */
};

/* An event in one pool's buffer, with that pool's serial. */
struct evl_item {
	struct evl_event *ev;
	long poolserial;
};

/* One listener process's side of the protocol (PEventListenerDispatcher). */
struct evl_lproc {
	int state;		/* EVL_* */
	pid_t pid;		/* the instance this state belongs to */
	char *buf;		/* state_buffer */
	size_t len, cap;
	long resultlen;		/* -1 until the RESULT line is read */
	char *result;
	size_t rlen;
	int busy;		/* holds `held` */
	struct evl_item held;
};

struct evl;

struct evl_pool {
	struct evl *evl;
	struct sth_evpool *core;
	char *name;
	long buffer_size;
	struct evl_item *q;	/* ring buffer of buffer_size + 1 slots */
	size_t qhead, qlen, qcap;
	long serial;		/* pool serial, -1 before the first */
	long last_bus_serial;	/* duplicate subscriptions share serials */
	long last_poolserial;
	struct sth_sub **subs;
	size_t nsubs;
	struct evl_lproc *procs;
	size_t nprocs;
	int dispatching;
	size_t told;		/* undelivered events the core was told of */
	struct evl_pool *next;
};

#define EVL_RECENT 16		/* bus serial -> event, for sharing */

struct evl {
	const struct sth_host *host;
	struct sth_plugin *self;
	const struct sth_evpool_api *api;
	int len_bytes;		/* [plugin:eventlistener] len_unit = bytes */
	struct evl_pool *pools;
	struct evl_event *recent[EVL_RECENT];
	size_t nrecent;
	char *env;		/* the envelope being written */
	size_t envcap;
};

/* pool.c */
struct evl_pool *evl_pool_new(struct evl *, struct sth_evpool *core);
void evl_pool_free(struct evl_pool *, int unloading);
struct evl_pool *evl_pool_find(struct evl *, struct sth_evpool *core);
void evl_event_unref(struct evl_event *);
/* Free the payload allocations kept for reuse (pool.c). */
void evl_spares_free(void);
/* A bus event for pool p: share or make the event, then buffer it. */
void evl_pool_publish(struct evl_pool *, const struct sth_event *);
/* _acceptEvent: buffer it (rebuffer: it has its pool serial already). */
void evl_pool_accept(struct evl_pool *, struct evl_item *, int head,
		     int rebuffer);
/* Send buffered events to RUNNING+READY listeners while there are some,
 * then tell the core how many are left undelivered (evl_pool_report). */
void evl_pool_dispatch(struct evl_pool *);
/* Tell the core, if it changed, how many events the pool holds that a
 * listener may still take: buffered (while a listener is not UNKNOWN) or
 * held by a BUSY one.  A shutdown waits for none before stopping it. */
void evl_pool_report(struct evl_pool *);

/* chars.c */
/* len() of the payload as a Python str: one per UTF-8 lead byte. */
size_t evl_chars(const char *s, size_t len);

/* proto.c */
void evl_lproc_reset(struct evl_lproc *, pid_t pid);
void evl_lproc_release(struct evl_lproc *);
/* The instance of listener idx is now pid: a different one rebuffers what
 * the old one held and starts over in ACKNOWLEDGED. */
void evl_proto_instance(struct evl_pool *, size_t idx, pid_t pid);
/* Bytes from listener idx's stdout (handle_listener_state_change). */
void evl_proto_input(struct evl_pool *, size_t idx, const char *buf,
		     size_t len);
void evl_proto_set_state(struct evl_pool *, size_t idx, int state);
const char *evl_state_name(int state);

#endif
