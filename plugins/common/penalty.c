/*
 * penalty.c — per-peer penalties for failed authentication (penalty.h).
 *
 * A fixed table of MON_PENALTY_SLOTS peers walked linearly: it is touched
 * only on a failed auth or a new connection, never on a command, and 128
 * comparisons of short strings cost less than the accept itself.  When it
 * is full the peer with the oldest failure gives up its slot, so a flood
 * of addresses cannot grow memory (it can only make the table forget).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "penalty.h"
#include "xmalloc.h"

static struct mon_penalty *
find(const struct mon_penalties *t, const char *key)
{
	size_t i;

	if (t->slot == NULL)
		return NULL;
	for (i = 0; i < MON_PENALTY_SLOTS; i++)
		if (t->slot[i].failures != 0 &&
		    strcmp(t->slot[i].key, key) == 0)
			return &t->slot[i];
	return NULL;
}

/* A free slot, or the one whose last failure is oldest. */
static struct mon_penalty *
take(struct mon_penalties *t)
{
	struct mon_penalty *e, *old = NULL;
	size_t i;

	if (t->slot == NULL)
		t->slot = xcalloc(MON_PENALTY_SLOTS, sizeof *t->slot);
	for (i = 0; i < MON_PENALTY_SLOTS; i++) {
		e = &t->slot[i];
		if (e->failures == 0)
			return e;
		if (old == NULL || e->last < old->last)
			old = e;
	}
	memset(old, 0, sizeof *old);
	return old;
}

long
mon_penalty_fail(struct mon_penalties *t, const char *key, time_t now)
{
	struct mon_penalty *e;
	unsigned over;
	long secs;

	if (t->max_failures <= 0 || t->base <= 0)
		return 0;
	if ((e = find(t, key)) != NULL && now - e->last > MON_PENALTY_FORGET)
		memset(e, 0, sizeof *e);
	if (e == NULL || e->failures == 0) {
		e = take(t);
		snprintf(e->key, sizeof e->key, "%s", key);
	}
	e->failures++;
	e->last = now;
	if (e->failures < (unsigned)t->max_failures)
		return 0;
	/* base, 2 base, 4 base ... up to the cap (or base, if larger) */
	over = e->failures - (unsigned)t->max_failures;
	secs = t->base;
	while (over-- > 0 && secs < MON_PENALTY_MAX)
		secs *= 2;
	if (secs > MON_PENALTY_MAX)
		secs = t->base > MON_PENALTY_MAX ? t->base : MON_PENALTY_MAX;
	e->until = now + secs;
	return secs;
}

long
mon_penalty_left(const struct mon_penalties *t, const char *key, time_t now)
{
	const struct mon_penalty *e = find(t, key);

	return e != NULL && e->until > now ? (long)(e->until - now) : 0;
}

void
mon_penalty_clear(struct mon_penalties *t, const char *key)
{
	struct mon_penalty *e = find(t, key);

	if (e != NULL)
		memset(e, 0, sizeof *e);
}

long
mon_penalty_active(const struct mon_penalties *t, time_t now)
{
	long n = 0;
	size_t i;

	if (t->slot == NULL)
		return 0;
	for (i = 0; i < MON_PENALTY_SLOTS; i++)
		n += t->slot[i].failures != 0 && t->slot[i].until > now;
	return n;
}

void
mon_penalty_free(struct mon_penalties *t)
{
	free(t->slot);
	t->slot = NULL;
}
