/*
 * cache.c — small files kept in memory for a second or so, so that a hot
 * file costs no open, fstat, read or close per request (the 1 KiB
 * benchmark against nginx is won or lost there).
 *
 * An entry is keyed by the request's normalised path (with its trailing
 * slash, so "/d/" maps to its index file), holds the whole file and its
 * validators, and is trusted until it expires (cache_valid seconds after
 * it was read, 1 by default); then the next request takes the slow path
 * again (resolve beneath the root, open, read) and refreshes it.  So a
 * change to a file, or to a symlink in its path, shows within that bound,
 * as with nginx's open_file_cache_valid.  Only files up to
 * FILES_SMALL_MAX are kept, and no more than cache bytes in all: when
 * full, expired entries are dropped, and if that frees too little the new
 * file is simply not kept.
 *
 * Ownership: each struct files_root owns its cache, its entries and their
 * copies of the file data; an entry returned by files_cache_get is valid
 * until the next put or clear on that cache.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "xmalloc.h"

#define CACHE_SLOTS 1024	/* a power of two */

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
entry_free(struct files_cache *c, struct files_entry *e)
{
	c->c_bytes -= e->e_len + strlen(e->e_key);
	c->c_count--;
	free(e->e_key);
	free(e->e_data);
	free(e);
}

void
files_cache_init(struct files_cache *c, size_t max, unsigned valid)
{
	memset(c, 0, sizeof *c);
	c->c_max = max;
	c->c_valid = valid;
	if (max > 0)
		c->c_slots = xcalloc(CACHE_SLOTS, sizeof *c->c_slots);
}

/* Drop every entry (all = 1) or only those expired at now. */
static void
sweep(struct files_cache *c, int all, time_t now)
{
	struct files_entry **pp, *e;
	size_t i;

	for (i = 0; c->c_slots != NULL && i < CACHE_SLOTS; i++) {
		for (pp = &c->c_slots[i]; (e = *pp) != NULL;) {
			if (all || now >= e->e_expires) {
				*pp = e->e_next;
				entry_free(c, e);
			} else
				pp = &e->e_next;
		}
	}
}

void
files_cache_clear(struct files_cache *c)
{
	sweep(c, 1, 0);
	free(c->c_slots);
	c->c_slots = NULL;
}

const struct files_entry *
files_cache_get(struct files_cache *c, const char *key, time_t now)
{
	struct files_entry **pp, *e;
	uint32_t h;

	if (c->c_slots == NULL)
		return NULL;
	h = hash(key);
	for (pp = &c->c_slots[h & (CACHE_SLOTS - 1)]; (e = *pp) != NULL;
	    pp = &e->e_next) {
		if (e->e_hash != h || strcmp(e->e_key, key) != 0)
			continue;
		if (now >= e->e_expires || now < e->e_read) {
			/* Stale (or the clock went back): read it again. */
			*pp = e->e_next;
			entry_free(c, e);
			break;
		}
		c->c_hits++;
		return e;
	}
	c->c_misses++;
	return NULL;
}

const struct files_entry *
files_cache_put(struct files_cache *c, const char *key,
    const struct files_meta *m, const char *data, size_t len, time_t now)
{
	struct files_entry *e;
	size_t cost = len + strlen(key);
	uint32_t h;

	if (c->c_slots == NULL || len > FILES_SMALL_MAX || cost > c->c_max)
		return NULL;
	if (c->c_bytes + cost > c->c_max)
		sweep(c, 0, now);
	if (c->c_bytes + cost > c->c_max)
		return NULL;
	h = hash(key);
	e = xcalloc(1, sizeof *e);
	e->e_key = xstrdup(key);
	e->e_data = xmalloc(len);
	memcpy(e->e_data, data, len);
	e->e_len = len;
	e->e_meta = *m;
	e->e_hash = h;
	e->e_read = now;
	e->e_expires = now + (time_t)c->c_valid;
	e->e_next = c->c_slots[h & (CACHE_SLOTS - 1)];
	c->c_slots[h & (CACHE_SLOTS - 1)] = e;
	c->c_bytes += cost;
	c->c_count++;
	return e;
}
