/*
 * test_evl_tick.c — daemon/proc_tick.c: TICK_* timers exist only while the
 * bus has a subscriber for them, and a tick carries the epoch rounded down
 * to its period.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "bus.h"
#include "proc.h"
#include "sthenod.h"
#include "test_hooks.h"

static void
setup(void)
{
	sth.base = event_base_new();
	proc_tick_install();
}

static void
teardown(void)
{
	proc_tick_uninstall();
	event_base_free(sth.base);
	sth.base = NULL;
}

static char got[64];
static int ngot;

static void
on_tick(const struct sth_event *ev, void *arg)
{
	size_t len;
	const char *p = bus_event_payload(ev, &len);

	cr_assert_str_eq(bus_event_name(ev), "TICK_5");
	memcpy(got, p, len < sizeof got - 1 ? len : sizeof got - 1);
	ngot++;
	event_base_loopbreak(sth.base);
}

static void
other(const struct sth_event *ev, void *arg)
{
}

TestSuite(evl_tick, .init = setup, .fini = teardown);

Test(evl_tick, timers_only_while_someone_subscribes)
{
	struct sth_sub *a, *b, *c;

	cr_assert_eq(proc_tick_armed(), 0);
	a = bus_subscribe(NULL, "PROCESS_STATE", other, NULL);
	cr_assert_eq(proc_tick_armed(), 0, "no tick for PROCESS_STATE");
	b = bus_subscribe(NULL, "TICK_60", other, NULL);
	cr_assert_eq(proc_tick_armed(), 2);
	c = bus_subscribe(NULL, "EVENT", other, NULL);
	cr_assert_eq(proc_tick_armed(), 7);
	bus_unsubscribe(c);
	cr_assert_eq(proc_tick_armed(), 2);
	bus_unsubscribe(b);
	bus_unsubscribe(a);
	cr_assert_eq(proc_tick_armed(), 0);
}

Test(evl_tick, tick_5_carries_the_rounded_epoch, .timeout = 10)
{
	struct sth_sub *s;
	long long when;
	struct timeval tv;
	time_t before = time(NULL);

	s = bus_subscribe(NULL, "TICK_5", on_tick, NULL);
	event_base_dispatch(sth.base);
	cr_assert_eq(ngot, 1);
	cr_assert(strncmp(got, "when:", 5) == 0, "%s", got);
	when = strtoll(got + 5, NULL, 10);
	cr_assert_eq(when % 5, 0);
	/* gettimeofday, as the daemon uses: time(2) reads the coarse clock,
	 * which can still show the previous second for a few ms */
	gettimeofday(&tv, NULL);
	cr_assert(when > before - 5 && when <= tv.tv_sec, "%lld", when);
	bus_unsubscribe(s);
	cr_assert_eq(proc_tick_armed(), 0);
}
