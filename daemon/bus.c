/*
 * bus.c — typed events and their subscribers (bus.h).
 *
 * The event types are supervisor's (docs/supervisord.md §6.1), declared in one
 * table with each type's parent: subscribing to a type delivers it and every
 * subtype. Abstract types (EVENT, PROCESS_STATE, ...) may be subscribed to but
 * not published, as in supervisor.
 *
 * Serials: every successful bus_publish takes the next global serial,
 * starting at 0.  A subscription made while an event is being delivered does
 * not receive that event (it is "born" after it).
 *
 * Subscriptions may be removed at any time, also from inside a callback
 * (the callback's own or another one): while any publish is running a
 * removed subscription is only marked dead and skipped, and is freed when
 * the outermost publish returns.
 */
#include "config.h"

#include <sys/queue.h>
#include <string.h>

#include "bus.h"
#include "readbuf.h"
#include "xmalloc.h"

struct bus_type {
	const char *name;
	const char *parent;	/* NULL for a root: EVENT, PROCESS_HEALTH */
	int abstract;
};

static const struct bus_type bus_types[] = {
	{ "EVENT", NULL, 1 },
	{ "PROCESS_STATE", "EVENT", 1 },
	{ "PROCESS_STATE_STOPPED", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_STARTING", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_RUNNING", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_BACKOFF", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_STOPPING", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_EXITED", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_FATAL", "PROCESS_STATE", 0 },
	{ "PROCESS_STATE_UNKNOWN", "PROCESS_STATE", 0 },
	{ "PROCESS_LOG", "EVENT", 1 },
	{ "PROCESS_LOG_STDOUT", "PROCESS_LOG", 0 },
	{ "PROCESS_LOG_STDERR", "PROCESS_LOG", 0 },
	{ "PROCESS_COMMUNICATION", "EVENT", 1 },
	{ "PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION", 0 },
	{ "PROCESS_COMMUNICATION_STDERR", "PROCESS_COMMUNICATION", 0 },
	{ "REMOTE_COMMUNICATION", "EVENT", 0 },
	{ "SUPERVISOR_STATE_CHANGE", "EVENT", 1 },
	{ "SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE", 0 },
	{ "SUPERVISOR_STATE_CHANGE_STOPPING", "SUPERVISOR_STATE_CHANGE", 0 },
	{ "TICK", "EVENT", 1 },
	{ "TICK_5", "TICK", 0 },
	{ "TICK_60", "TICK", 0 },
	{ "TICK_3600", "TICK", 0 },
	{ "PROCESS_GROUP", "EVENT", 1 },
	{ "PROCESS_GROUP_ADDED", "PROCESS_GROUP", 0 },
	{ "PROCESS_GROUP_REMOVED", "PROCESS_GROUP", 0 },
	/*
	 * Stheno's own (healthcheck=, docs/stheno.conf.5.md): a root of its
	 * own, not under EVENT, so that a listener of supervisor's asking for
	 * EVENT never gets a type it cannot know.  Only who names them does.
	 */
	{ "PROCESS_HEALTH", NULL, 1 },
	{ "PROCESS_HEALTH_HEALTHY", "PROCESS_HEALTH", 0 },
	{ "PROCESS_HEALTH_UNHEALTHY", "PROCESS_HEALTH", 0 },
};
#define BUS_NTYPES (sizeof(bus_types) / sizeof(bus_types[0]))

struct sth_sub {
	struct sth_plugin *owner;
	const struct bus_type *type;
	sth_bus_fn fn;
	void *arg;
	long born;	/* first serial this subscription may receive */
	int dead;
	TAILQ_ENTRY(sth_sub) entry;
};

struct sth_event {
	const char *name;
	const char *payload; /* NUL-terminated (a copy, or the publisher's) */
	size_t len;
	long serial;
	struct readbuf *rb;	/* where payload lies, if a readbuf */
};

static TAILQ_HEAD(, sth_sub) bus_subs = TAILQ_HEAD_INITIALIZER(bus_subs);
static long bus_next_serial;
static int bus_depth;		/* nesting of bus_publish */
static int bus_ndead;		/* dead subscriptions awaiting the sweep */
static void (*bus_change_fn)(void *);
static void *bus_change_arg;

/* The type named name, or NULL.  The last one found is tried first: a
 * flood publishes one type over and over (PROCESS_LOG_STDOUT is the
 * twelfth of the table). */
static const struct bus_type *
bus_find(const char *name)
{
	static const struct bus_type *last;
	size_t i;

	if (name == NULL)
		return (NULL);
	if (last != NULL && strcmp(last->name, name) == 0)
		return (last);
	for (i = 0; i < BUS_NTYPES; i++) {
		if (strcmp(bus_types[i].name, name) == 0)
			return (last = &bus_types[i]);
	}
	return (NULL);
}

/* The parent of t (NULL for EVENT), resolved from the table once. */
static const struct bus_type *
bus_parent(const struct bus_type *t)
{
	static const struct bus_type *parents[BUS_NTYPES];
	static int ready;
	size_t i;

	if (!ready) {
		for (i = 0; i < BUS_NTYPES; i++) {
			parents[i] = bus_find(bus_types[i].parent);
			if (bus_types[i].parent != NULL && parents[i] == NULL)
				fatalx("event type %s: no parent %s",
				    bus_types[i].name, bus_types[i].parent);
		}
		ready = 1;
	}
	return (parents[t - bus_types]);
}

/* 1 if t is super or one of its descendants. */
static int
bus_is(const struct bus_type *t, const struct bus_type *super)
{
	for (; t != NULL; t = bus_parent(t)) {
		if (t == super)
			return (1);
	}
	return (0);
}

int
bus_type_known(const char *name)
{
	return (bus_find(name) != NULL);
}

int
bus_type_is(const char *type, const char *super)
{
	const struct bus_type *t, *s;

	if ((t = bus_find(type)) == NULL || (s = bus_find(super)) == NULL)
		return (0);
	return (bus_is(t, s));
}

static void
bus_changed(void)
{
	if (bus_change_fn != NULL)
		bus_change_fn(bus_change_arg);
}

void
bus_on_change(void (*fn)(void *arg), void *arg)
{
	bus_change_fn = fn;
	bus_change_arg = arg;
}

struct sth_sub *
bus_subscribe(struct sth_plugin *owner, const char *type, sth_bus_fn fn,
    void *arg)
{
	const struct bus_type *t;
	struct sth_sub *sub;

	if ((t = bus_find(type)) == NULL || fn == NULL)
		return (NULL);
	sub = xcalloc(1, sizeof(*sub));
	sub->owner = owner;
	sub->type = t;
	sub->fn = fn;
	sub->arg = arg;
	sub->born = bus_next_serial;
	TAILQ_INSERT_TAIL(&bus_subs, sub, entry);
	bus_changed();
	return (sub);
}

static void
bus_sweep(void)
{
	struct sth_sub *sub, *next;

	if (bus_depth != 0 || bus_ndead == 0)
		return;
	for (sub = TAILQ_FIRST(&bus_subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, entry);
		if (sub->dead) {
			TAILQ_REMOVE(&bus_subs, sub, entry);
			free(sub);
		}
	}
	bus_ndead = 0;
}

/* Mark sub dead; the caller sweeps and reports the change. */
static void
bus_kill(struct sth_sub *sub)
{
	if (sub->dead)
		fatalx("subscription %p removed twice", (void *)sub);
	sub->dead = 1;
	bus_ndead++;
}

void
bus_unsubscribe(struct sth_sub *sub)
{
	if (sub == NULL)
		return;
	bus_kill(sub);
	bus_sweep();
	bus_changed();
}

int
bus_unsubscribe_owner(struct sth_plugin *owner)
{
	struct sth_sub *sub;
	int n = 0;

	TAILQ_FOREACH(sub, &bus_subs, entry) {
		if (!sub->dead && sub->owner == owner) {
			bus_kill(sub);
			n++;
		}
	}
	bus_sweep();
	if (n > 0)
		bus_changed();
	return (n);
}

int
bus_subscribers(const char *type)
{
	const struct bus_type *t;
	struct sth_sub *sub;
	int n = 0;

	if ((t = bus_find(type)) == NULL)
		return (0);
	TAILQ_FOREACH(sub, &bus_subs, entry) {
		if (!sub->dead && bus_is(t, sub->type))
			n++;
	}
	return (n);
}

long
bus_publish(const char *type, const char *payload, size_t len)
{
	return (bus_publish2(type, payload, len, NULL, 0));
}

/* Every live subscriber of t gets (payload, len); payload[len] is NUL. */
static long
bus_deliver(const struct bus_type *t, const char *payload, size_t len,
    struct readbuf *rb)
{
	struct sth_event ev;
	struct sth_sub *sub;

	ev.name = t->name;
	ev.payload = payload;
	ev.len = len;
	ev.serial = bus_next_serial++;
	ev.rb = rb;

	bus_depth++;
	TAILQ_FOREACH(sub, &bus_subs, entry) {
		if (sub->dead || sub->born > ev.serial || !bus_is(t, sub->type))
			continue;
		sub->fn(&ev, sub->arg);
	}
	bus_depth--;
	bus_sweep();
	return (ev.serial);
}

long
bus_publish2(const char *type, const char *head, size_t hlen,
    const char *data, size_t len)
{
	const struct bus_type *t;
	char *copy;
	long serial;

	if ((t = bus_find(type)) == NULL || t->abstract)
		return (-1);
	if (head == NULL)
		hlen = 0;
	if (data == NULL)
		len = 0;
	copy = xmalloc(hlen + len + 1);
	if (hlen > 0)
		memcpy(copy, head, hlen);
	if (len > 0)
		memcpy(copy + hlen, data, len);
	copy[hlen + len] = '\0';
	serial = bus_deliver(t, copy, hlen + len, NULL);
	free(copy);
	return (serial);
}

long
bus_publish_ref(const char *type, const char *payload, size_t len,
    struct readbuf *rb)
{
	const struct bus_type *t;

	if ((t = bus_find(type)) == NULL || t->abstract)
		return (-1);
	if (payload[len] != '\0')
		fatalx("bus_publish_ref: %s payload not NUL-terminated", type);
	if (rb != NULL && (!readbuf_has(rb, payload) ||
	    !readbuf_has(rb, payload + len)))
		fatalx("bus_publish_ref: %s payload not in its readbuf", type);
	return (bus_deliver(t, payload, len, rb));
}

const char *
bus_event_name(const struct sth_event *ev)
{
	return (ev->name);
}

const char *
bus_event_payload(const struct sth_event *ev, size_t *len)
{
	if (len != NULL)
		*len = ev->len;
	return (ev->payload);
}

long
bus_event_serial(const struct sth_event *ev)
{
	return (ev->serial);
}

struct readbuf *
bus_event_hold(const struct sth_event *ev, size_t *room)
{
	if (ev->rb == NULL || ev->len < READBUF_MAX / 4)
		return (NULL);
	readbuf_ref(ev->rb);
	*room = (size_t)(ev->payload - readbuf_base(ev->rb));
	return (ev->rb);
}

void
bus_event_release(struct readbuf *rb)
{
	if (rb != NULL)
		readbuf_unref(rb);
}
