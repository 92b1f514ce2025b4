/*
 * proc_tick.c — TICK_5, TICK_60 and TICK_3600 (docs/supervisord.md §6.1): one
 * timer per period, armed only while the bus has a subscriber for it (an event
 * listener pool with events=TICK_5, TICK or EVENT, or any plugin), so an
 * idle daemon without such a subscriber never wakes for them.
 *
 * supervisord's tick(): the tick is the epoch time rounded down to a
 * multiple of the period; an event carrying the new value is published when
 * that value changes.  Nothing is published when a timer is first armed.
 * Here the timer fires at the boundary instead of at the next loop pass.
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bus.h"
#include "proc.h"
#include "sthenod.h"
#include "test_hooks.h"
#include "xmalloc.h"

struct tick {
	long period;
	const char *name;
	struct event *ev;
	long long last;		/* the tick value in force */
	int armed;
};

static struct tick ticks[] = {
	{ 5, "TICK_5", NULL, 0, 0 },
	{ 60, "TICK_60", NULL, 0, 0 },
	{ 3600, "TICK_3600", NULL, 0, 0 },
};
#define NTICKS (sizeof ticks / sizeof ticks[0])

static int tick_installed;

static long long
tick_slice(const struct tick *t, const struct timeval *now)
{
	return (long long)now->tv_sec - (long long)now->tv_sec % t->period;
}

/* Arm t for just after the next multiple of its period. */
static void
tick_arm(struct tick *t)
{
	struct timeval now, tv;
	long long next;
	double delay;

	gettimeofday(&now, NULL);
	next = tick_slice(t, &now) + t->period;
	delay = (double)next - (now.tv_sec + now.tv_usec / 1e6) + 0.001;
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	event_add(t->ev, &tv);
	t->armed = 1;
}

static void
tick_fire(evutil_socket_t fd, short what, void *arg)
{
	struct tick *t = arg;
	struct timeval now;
	long long slice;
	char payload[48];
	int n;

	t->armed = 0;
	gettimeofday(&now, NULL);
	slice = tick_slice(t, &now);
	if (slice != t->last) {
		t->last = slice;
		n = snprintf(payload, sizeof payload, "when:%lld", slice);
		bus_publish(t->name, payload, (size_t)n);
	}
	/* a subscriber may have come or gone while it was delivered */
	if (bus_subscribers(t->name) > 0)
		tick_arm(t);
	else if (t->armed) {
		event_del(t->ev);
		t->armed = 0;
	}
}

/* bus_on_change: arm the periods someone listens to, disarm the rest. */
static void
tick_update(void *arg)
{
	struct timeval now;
	struct tick *t;
	size_t i;
	int want;

	for (i = 0; i < NTICKS; i++) {
		t = &ticks[i];
		want = bus_subscribers(t->name) > 0;
		if (want && !t->armed) {
			gettimeofday(&now, NULL);
			t->last = tick_slice(t, &now);
			tick_arm(t);
		} else if (!want && t->armed) {
			event_del(t->ev);
			t->armed = 0;
		}
	}
}

void
proc_tick_install(void)
{
	size_t i;

	if (tick_installed || sth.base == NULL)
		return;
	for (i = 0; i < NTICKS; i++) {
		ticks[i].ev = evtimer_new(sth.base, tick_fire, &ticks[i]);
		if (ticks[i].ev == NULL)
			fatalx("evtimer_new failed");
		ticks[i].armed = 0;
	}
	tick_installed = 1;
	bus_on_change(tick_update, NULL);
	tick_update(NULL);
}

void
proc_tick_uninstall(void)
{
	size_t i;

	if (!tick_installed)
		return;
	bus_on_change(NULL, NULL);
	for (i = 0; i < NTICKS; i++) {
		event_free(ticks[i].ev);
		ticks[i].ev = NULL;
		ticks[i].armed = 0;
	}
	tick_installed = 0;
}

/* Armed periods, for tests: a bit per entry of ticks[] (5, 60, 3600). */
int
proc_tick_armed(void)
{
	size_t i;
	int bits = 0;

	for (i = 0; i < NTICKS; i++)
		if (ticks[i].armed)
			bits |= 1 << i;
	return bits;
}
