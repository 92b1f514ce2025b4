/*
 * scope.c — per-plugin resource records (scope.h).
 *
 * A scope is one list per kind of record.  Records are few (tens per
 * plugin), so lookups are linear scans.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>

#include "scope.h"
#include "xmalloc.h"

struct scope_res {
	TAILQ_ENTRY(scope_res) link;
	struct scope *scope;
	enum scope_kind kind;
	void *obj;
	scope_dtor dtor;
};
TAILQ_HEAD(scope_list, scope_res);

struct scope {
	struct scope_list lists[SCOPE_NKINDS];
	unsigned counts[SCOPE_NKINDS];
	void (*changed)(void *);
	void *arg;
};

static const char *const scope_names[SCOPE_NKINDS] = {
	[SCOPE_LISTENER] = "listeners",
	[SCOPE_CONN] = "conns",
	[SCOPE_DEFER] = "deferred",
	[SCOPE_TIMER] = "timers",
	[SCOPE_WATCH] = "watches",
	[SCOPE_METHOD] = "methods",
	[SCOPE_SUB] = "subs",
	[SCOPE_SERVICE] = "services",
	[SCOPE_VFS] = "vfs",
	[SCOPE_BINDING] = "bindings",
	[SCOPE_HOLD] = "holds",
};

static void
scope_check_kind(enum scope_kind kind)
{
	if ((unsigned)kind >= SCOPE_NKINDS)
		fatalx("bad scope kind %d", (int)kind);
}

struct scope *
scope_new(void (*changed)(void *), void *arg)
{
	struct scope *s;
	int i;

	s = xcalloc(1, sizeof *s);
	for (i = 0; i < SCOPE_NKINDS; i++)
		TAILQ_INIT(&s->lists[i]);
	s->changed = changed;
	s->arg = arg;
	return s;
}

void
scope_free(struct scope *s)
{
	if (s == NULL)
		return;
	if (scope_total(s) != 0)
		fatalx("freeing a scope that still holds %u records",
		    scope_total(s));
	free(s);
}

struct scope_res *
scope_add(struct scope *s, enum scope_kind kind, void *obj, scope_dtor dtor)
{
	struct scope_res *r;

	scope_check_kind(kind);
	r = xcalloc(1, sizeof *r);
	r->scope = s;
	r->kind = kind;
	r->obj = obj;
	r->dtor = dtor;
	TAILQ_INSERT_TAIL(&s->lists[kind], r, link);
	s->counts[kind]++;
	return r;
}

static void
scope_unlink(struct scope_res *r)
{
	struct scope *s = r->scope;

	TAILQ_REMOVE(&s->lists[r->kind], r, link);
	s->counts[r->kind]--;
}

void
scope_del(struct scope_res *r)
{
	struct scope *s;

	if (r == NULL)
		return;
	s = r->scope;
	scope_unlink(r);
	free(r);
	if (s->changed != NULL)
		s->changed(s->arg);
}

void *
scope_res_obj(const struct scope_res *r)
{
	return r->obj;
}

unsigned
scope_count(const struct scope *s, enum scope_kind kind)
{
	scope_check_kind(kind);
	return s->counts[kind];
}

unsigned
scope_total(const struct scope *s)
{
	unsigned n = 0;
	int i;

	for (i = 0; i < SCOPE_NKINDS; i++)
		n += s->counts[i];
	return n;
}

unsigned
scope_release(struct scope *s, enum scope_kind kind)
{
	struct scope_res *r;
	unsigned n = 0;
	void *obj;
	scope_dtor dtor;

	scope_check_kind(kind);
	/* Unlink before the destructor runs: it may free other records. */
	while ((r = TAILQ_LAST(&s->lists[kind], scope_list)) != NULL) {
		obj = r->obj;
		dtor = r->dtor;
		scope_unlink(r);
		free(r);
		if (dtor != NULL)
			dtor(obj);
		n++;
	}
	if (n != 0 && s->changed != NULL)
		s->changed(s->arg);
	return n;
}

struct scope_res *
scope_find(const struct scope *s, enum scope_kind kind,
    int (*match)(void *, void *), void *arg)
{
	struct scope_res *r;

	scope_check_kind(kind);
	TAILQ_FOREACH(r, &s->lists[kind], link) {
		if (match(r->obj, arg))
			return r;
	}
	return NULL;
}

const char *
scope_kind_name(enum scope_kind kind)
{
	scope_check_kind(kind);
	return scope_names[kind];
}
