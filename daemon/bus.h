/*
 * bus.h — typed events, published by the core (process table, RPC) and
 * delivered to subscribers (eventlistener plugin, web UI, metrics).
 *
 * Ownership: the bus owns subscriptions and the event passed to callbacks,
 * which is borrowed for the duration of the callback.  Event types and
 * supertypes are supervisor's (docs/supervisord.md §6.1), declared in one
 * table in bus.c.
 */
#ifndef STHENO_BUS_H
#define STHENO_BUS_H

#include <stddef.h>
#include <stheno/host.h>

struct sth_plugin;	/* owner; NULL means the core */

/* 1 if name is an event type or supertype ("PROCESS_STATE", "EVENT"). */
int bus_type_known(const char *name);
/* 1 if the concrete type `type` is `super` or one of its subtypes. */
int bus_type_is(const char *type, const char *super);

struct sth_sub *bus_subscribe(struct sth_plugin *owner, const char *type,
			      sth_bus_fn fn, void *arg);
void bus_unsubscribe(struct sth_sub *sub);
int bus_unsubscribe_owner(struct sth_plugin *owner);
/* Number of subscriptions that would receive type (for TICK_* timers that
 * exist only while someone listens). */
int bus_subscribers(const char *type);
/* Called whenever the subscription set changes (fn may be NULL). */
void bus_on_change(void (*fn)(void *arg), void *arg);

/* Publish: payload copied; returns the global serial (every published event
 * takes the next one, from 0) or -1 for an unknown or abstract type
 * ("PROCESS_STATE" can be subscribed to, never published). */
long bus_publish(const char *type, const char *payload, size_t len);
/* The same with the payload in two pieces, head then data, joined in the
 * bus's one copy (PROCESS_LOG_*: a header line and up to 128 KiB read). */
long bus_publish2(const char *type, const char *head, size_t hlen,
		  const char *data, size_t len);
/* The same without a copy: payload[len] is NUL and the caller keeps payload
 * unchanged until this returns (PROCESS_LOG_* from the read buffer).  If
 * payload lies in rb (else NULL), a subscriber may keep it with
 * bus_event_hold: the caller then never writes to rb again. */
struct readbuf;
long bus_publish_ref(const char *type, const char *payload, size_t len,
		     struct readbuf *rb);

const char *bus_event_name(const struct sth_event *);
const char *bus_event_payload(const struct sth_event *, size_t *len);
long bus_event_serial(const struct sth_event *);
/*
 * Keep ev's payload past the callback, where it lies: the readbuf it is in
 * (one more reference, for bus_event_release), with *room set to the bytes
 * in front of the payload that the holder may write.  NULL if it cannot be
 * kept: a payload not published from a readbuf, or one that fills less
 * than a quarter of it (a short line must not pin 128 KiB: copy it).
 */
struct readbuf *bus_event_hold(const struct sth_event *, size_t *room);
void bus_event_release(struct readbuf *);

#endif
