/*
 * test_bus.c — the event bus (daemon/bus.c): supervisor's type tree,
 * delivery to supertype subscribers, serials, payload copies, payloads
 * kept where they were read (bus_event_hold), and unsubscribing from
 * inside callbacks.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bus.h"
#include "readbuf.h"

static int plugin_a, plugin_b;
#define PA ((struct sth_plugin *)&plugin_a)
#define PB ((struct sth_plugin *)&plugin_b)

struct got {
	int n;
	char names[16][40];
	char payload[256];
	size_t len;
	long serial;
	struct sth_sub *self;	/* to unsubscribe from inside */
	struct sth_sub *other;
};

static void
record(const struct sth_event *ev, void *arg)
{
	struct got *g = arg;
	const char *p;

	if (g->n < 16)
		snprintf(g->names[g->n], sizeof(g->names[0]), "%s",
		    bus_event_name(ev));
	g->n++;
	p = bus_event_payload(ev, &g->len);
	cr_assert_lt(g->len, sizeof(g->payload));
	memcpy(g->payload, p, g->len);
	g->payload[g->len] = '\0';
	g->serial = bus_event_serial(ev);
}

Test(bus, the_type_tree_is_supervisors)
{
	static const char *concrete[] = {
		"PROCESS_STATE_STOPPED", "PROCESS_STATE_STARTING",
		"PROCESS_STATE_RUNNING", "PROCESS_STATE_BACKOFF",
		"PROCESS_STATE_STOPPING", "PROCESS_STATE_EXITED",
		"PROCESS_STATE_FATAL", "PROCESS_STATE_UNKNOWN",
		"PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR",
		"PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR",
		"REMOTE_COMMUNICATION", "SUPERVISOR_STATE_CHANGE_RUNNING",
		"SUPERVISOR_STATE_CHANGE_STOPPING", "TICK_5", "TICK_60",
		"TICK_3600", "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED",
	};
	size_t i;

	for (i = 0; i < sizeof(concrete) / sizeof(concrete[0]); i++) {
		cr_assert(bus_type_known(concrete[i]), "%s", concrete[i]);
		cr_assert(bus_type_is(concrete[i], "EVENT"), "%s", concrete[i]);
		cr_assert(bus_type_is(concrete[i], concrete[i]));
	}
	cr_assert(bus_type_known("EVENT"));
	cr_assert(bus_type_known("PROCESS_STATE"));
	cr_assert(bus_type_known("TICK"));
	cr_assert(!bus_type_known("TICK_10"));
	cr_assert(!bus_type_known("process_state"));
	cr_assert(!bus_type_known(""));
	cr_assert(!bus_type_known(NULL));

	cr_assert(bus_type_is("PROCESS_STATE_EXITED", "PROCESS_STATE"));
	cr_assert(!bus_type_is("PROCESS_STATE_EXITED", "PROCESS_LOG"));
	cr_assert(bus_type_is("PROCESS_LOG_STDERR", "PROCESS_LOG"));
	cr_assert(bus_type_is("PROCESS_COMMUNICATION_STDOUT",
	    "PROCESS_COMMUNICATION"));
	cr_assert(!bus_type_is("PROCESS_COMMUNICATION_STDOUT", "PROCESS_LOG"));
	cr_assert(bus_type_is("SUPERVISOR_STATE_CHANGE_STOPPING",
	    "SUPERVISOR_STATE_CHANGE"));
	cr_assert(bus_type_is("TICK_60", "TICK"));
	cr_assert(bus_type_is("PROCESS_GROUP_REMOVED", "PROCESS_GROUP"));
	cr_assert(!bus_type_is("REMOTE_COMMUNICATION", "PROCESS_GROUP"));
	cr_assert(!bus_type_is("PROCESS_STATE", "PROCESS_STATE_RUNNING"),
	    "a supertype is not its subtype");
	cr_assert(!bus_type_is("NOPE", "EVENT"));
}

Test(bus, supertype_subscribers_get_subtypes)
{
	struct got all = { 0 }, states = { 0 }, ticks = { 0 };
	char payload[] = "processname:cat groupname:cat from_state:STOPPED "
	    "tries:0";

	cr_assert_not_null(bus_subscribe(PA, "EVENT", record, &all));
	cr_assert_not_null(bus_subscribe(PA, "PROCESS_STATE", record, &states));
	cr_assert_not_null(bus_subscribe(PB, "TICK_5", record, &ticks));
	cr_assert_null(bus_subscribe(PA, "NOPE", record, &all));

	cr_assert_eq(bus_publish("PROCESS_STATE_STARTING", payload,
	    strlen(payload)), 0);
	cr_assert_eq(bus_publish("TICK_5", "when:1795623990", 15), 1);
	cr_assert_eq(bus_publish("TICK_60", "when:1795623960", 15), 2);
	cr_assert_eq(bus_publish("SUPERVISOR_STATE_CHANGE_RUNNING", NULL, 0),
	    3);

	cr_assert_eq(all.n, 4);
	cr_assert_str_eq(all.names[0], "PROCESS_STATE_STARTING");
	cr_assert_str_eq(all.names[3], "SUPERVISOR_STATE_CHANGE_RUNNING");
	cr_assert_eq(all.len, 0);
	cr_assert_eq(all.serial, 3);
	cr_assert_eq(states.n, 1);
	cr_assert_str_eq(states.payload, payload);
	cr_assert_eq(states.serial, 0);
	cr_assert_eq(ticks.n, 1);
	cr_assert_str_eq(ticks.payload, "when:1795623990");
}

Test(bus, abstract_and_unknown_types_cannot_be_published)
{
	struct got all = { 0 };

	bus_subscribe(NULL, "EVENT", record, &all);
	cr_assert_eq(bus_publish("PROCESS_STATE", "x", 1), -1);
	cr_assert_eq(bus_publish("EVENT", "x", 1), -1);
	cr_assert_eq(bus_publish("BOGUS", "x", 1), -1);
	cr_assert_eq(all.n, 0);
	cr_assert_eq(bus_publish("REMOTE_COMMUNICATION", "type:t\nx", 8), 0,
	    "a refused publish takes no serial");
}

/* The payload is copied: a publisher's buffer may change afterwards, and
 * embedded NULs and the trailing newline survive. */
Test(bus, payload_is_copied_with_its_length)
{
	struct got g = { 0 };
	char buf[] = "groupname:lst\n";

	bus_subscribe(NULL, "PROCESS_GROUP", record, &g);
	bus_publish("PROCESS_GROUP_ADDED", buf, strlen(buf));
	cr_assert_eq(g.len, 14);
	cr_assert_str_eq(g.payload, "groupname:lst\n");
	bus_publish("PROCESS_LOG_STDOUT", "a\0b", 3);	/* not subscribed */
	bus_publish("PROCESS_GROUP_REMOVED", "a\0b", 3);
	cr_assert_eq(g.len, 3);
	cr_assert_eq(memcmp(g.payload, "a\0b", 3), 0);
}

/* bus_publish_ref hands subscribers the publisher's own bytes, serials
 * shared with the copying publish; abstract types are refused as well. */
static void
same_pointer(const struct sth_event *ev, void *arg)
{
	const char **seen = arg;

	*seen = bus_event_payload(ev, NULL);
}

Test(bus, publish_ref_hands_out_the_publishers_bytes)
{
	struct got g = { 0 };
	const char *seen = NULL;
	char buf[] = "processname:w groupname:w pid:1 channel:stdout\ny\0y\n";
	size_t len = sizeof(buf) - 1;
	long s;

	bus_subscribe(NULL, "PROCESS_LOG", record, &g);
	bus_subscribe(NULL, "PROCESS_LOG_STDOUT", same_pointer, &seen);
	s = bus_publish("PROCESS_LOG_STDOUT", "a", 1);
	cr_assert_eq(bus_publish_ref("PROCESS_LOG_STDOUT", buf, len, NULL),
	    s + 1);
	cr_assert_eq(seen, buf, "the payload was copied");
	cr_assert_eq(g.len, len);
	cr_assert_eq(memcmp(g.payload, buf, len), 0);
	cr_assert_eq(bus_publish_ref("PROCESS_LOG", buf, len, NULL), -1);
	cr_assert_eq(g.n, 2);
}

/* A subscriber may keep a long payload published from a readbuf, where
 * it lies: the buffer is not reused for the next read while held, and the
 * room in front of the payload is reported.  A short one, or one not in a
 * readbuf, cannot be held (it would pin a whole buffer). */
struct keep {
	struct readbuf *rb;
	const char *payload;
	size_t room;
};

static void
keep_it(const struct sth_event *ev, void *arg)
{
	struct keep *k = arg;

	k->rb = bus_event_hold(ev, &k->room);
	k->payload = bus_event_payload(ev, NULL);
}

Test(bus, hold_keeps_a_long_payload_in_its_readbuf)
{
	struct keep k = { 0 };
	struct readbuf *rb = readbuf_get(), *next;
	char *base = readbuf_base(rb), *pl = base + READBUF_ROOM - 40;
	size_t len = READBUF_MAX / 4;

	memset(pl, 'y', len);
	pl[len] = '\0';
	bus_subscribe(NULL, "PROCESS_LOG_STDOUT", keep_it, &k);
	cr_assert_geq(bus_publish_ref("PROCESS_LOG_STDOUT", pl, len, rb), 0);
	cr_assert_eq(k.rb, rb);
	cr_assert_eq(k.payload, pl);
	cr_assert_eq(k.room, READBUF_ROOM - 40);
	readbuf_unref(rb);		/* the reader's reference */
	next = readbuf_get();
	cr_assert_neq(next, rb, "a held buffer was handed out again");
	memset(readbuf_base(next), 'n', READBUF_ROOM + 8);
	cr_assert_eq(pl[0], 'y');
	cr_assert_eq(pl[len - 1], 'y');
	bus_event_release(k.rb);
	readbuf_unref(next);

	/* one byte short of a quarter of a buffer: copy it yourself */
	rb = readbuf_get();
	pl = readbuf_base(rb) + READBUF_ROOM - 40;
	memset(pl, 'y', len - 1);
	pl[len - 1] = '\0';
	cr_assert_geq(bus_publish_ref("PROCESS_LOG_STDOUT", pl, len - 1, rb),
	    0);
	cr_assert_null(k.rb);
	/* not from a readbuf */
	cr_assert_geq(bus_publish_ref("PROCESS_LOG_STDOUT", pl, len - 1, NULL),
	    0);
	cr_assert_null(k.rb);
	readbuf_unref(rb);
	readbuf_spares_free();
}

Test(bus, publish_ref_refuses_a_payload_outside_its_readbuf,
    .signal = SIGABRT)
{
	struct readbuf *rb = readbuf_get();
	char buf[] = "x";

	bus_publish_ref("PROCESS_LOG_STDOUT", buf, 1, rb);
}

static void
unsub_self(const struct sth_event *ev, void *arg)
{
	struct got *g = arg;

	record(ev, g);
	bus_unsubscribe(g->self);
	g->self = NULL;
}

static void
unsub_other(const struct sth_event *ev, void *arg)
{
	struct got *g = arg;

	record(ev, g);
	if (g->other != NULL) {
		bus_unsubscribe(g->other);
		g->other = NULL;
	}
}

Test(bus, unsubscribe_inside_a_callback)
{
	struct got once = { 0 }, killer = { 0 }, victim = { 0 }, last = { 0 };

	once.self = bus_subscribe(PA, "EVENT", unsub_self, &once);
	killer.self = bus_subscribe(PA, "EVENT", unsub_other, &killer);
	victim.self = bus_subscribe(PB, "EVENT", record, &victim);
	bus_subscribe(PB, "EVENT", record, &last);
	killer.other = victim.self;
	cr_assert_eq(bus_subscribers("TICK_5"), 4);

	bus_publish("TICK_5", "when:5", 6);
	cr_assert_eq(once.n, 1);
	cr_assert_eq(killer.n, 1);
	cr_assert_eq(victim.n, 0, "unsubscribed before its turn");
	cr_assert_eq(last.n, 1, "later subscribers are still reached");
	cr_assert_eq(bus_subscribers("TICK_5"), 2);

	bus_publish("TICK_5", "when:10", 7);
	cr_assert_eq(once.n, 1, "it unsubscribed itself");
	cr_assert_eq(killer.n, 2);
	cr_assert_eq(last.n, 2);
}

/* A subscription made during a delivery starts with the next event; an
 * event published from a callback reaches everyone. */
struct nest {
	struct got inner;
	int subscribed;
	int published;
};

static void
nest_cb(const struct sth_event *ev, void *arg)
{
	struct nest *n = arg;

	if (!n->subscribed) {
		n->subscribed = 1;
		bus_subscribe(PB, "EVENT", record, &n->inner);
	}
	if (!n->published) {
		n->published = 1;
		bus_publish("TICK_60", "when:60", 7);
	}
}

Test(bus, subscribe_and_publish_inside_a_callback)
{
	struct nest n = { 0 };

	bus_subscribe(PA, "TICK_5", nest_cb, &n);
	bus_publish("TICK_5", "when:5", 6);
	cr_assert_eq(n.inner.n, 1, "only the nested event");
	cr_assert_str_eq(n.inner.names[0], "TICK_60");
	cr_assert_eq(n.inner.serial, 1);
}

static int changes;

static void
on_change(void *arg)
{
	cr_assert_eq(arg, &changes);
	changes++;
}

Test(bus, owner_cleanup_and_counts)
{
	struct got g = { 0 };
	struct sth_sub *s;

	bus_on_change(on_change, &changes);
	cr_assert_eq(bus_subscribers("TICK_5"), 0);
	bus_subscribe(PA, "TICK", record, &g);
	bus_subscribe(PA, "TICK_5", record, &g);
	s = bus_subscribe(PB, "EVENT", record, &g);
	bus_subscribe(PB, "PROCESS_STATE", record, &g);
	cr_assert_eq(changes, 4);
	cr_assert_eq(bus_subscribers("TICK_5"), 3);
	cr_assert_eq(bus_subscribers("TICK_60"), 2);
	cr_assert_eq(bus_subscribers("TICK_3600"), 2);
	cr_assert_eq(bus_subscribers("PROCESS_STATE_RUNNING"), 2);

	cr_assert_eq(bus_unsubscribe_owner(PA), 2);
	cr_assert_eq(changes, 5);
	cr_assert_eq(bus_subscribers("TICK_5"), 1);
	cr_assert_eq(bus_unsubscribe_owner(PA), 0);
	cr_assert_eq(changes, 5, "nothing changed, nobody told");
	bus_unsubscribe(s);
	cr_assert_eq(changes, 6);
	cr_assert_eq(bus_subscribers("TICK_5"), 0);
	bus_publish("TICK_5", "when:5", 6);
	cr_assert_eq(g.n, 0);
	bus_on_change(NULL, NULL);
	bus_unsubscribe_owner(PB);
	cr_assert_eq(changes, 6);
}

static void
unsub_owner_cb(const struct sth_event *ev, void *arg)
{
	struct got *g = arg;

	record(ev, g);
	bus_unsubscribe_owner(PB);
}

Test(bus, owner_unload_inside_a_callback)
{
	struct got a = { 0 }, b1 = { 0 }, b2 = { 0 };

	bus_subscribe(PB, "EVENT", record, &b1);
	bus_subscribe(PA, "EVENT", unsub_owner_cb, &a);
	bus_subscribe(PB, "EVENT", record, &b2);
	bus_publish("PROCESS_STATE_FATAL", "x", 1);
	cr_assert_eq(b1.n, 1);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(b2.n, 0);
	cr_assert_eq(bus_subscribers("TICK_5"), 1);
}
