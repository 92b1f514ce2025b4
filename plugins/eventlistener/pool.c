/*
 * pool.c — one listener pool's event buffer and dispatch, as supervisor's
 * EventListenerPool does it (docs/supervisord.md §6.2, §6.3): serials, the
 * envelope, the overflow that discards the oldest event, rebuffering at the
 * head, and dispatch to the first RUNNING+READY listener.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "evl.h"
#include "textcat.h"

/*
 * Payload allocations of 16 KiB and more (a flooding writer's reads, 64 to
 * 128 KiB) are kept, two at most, for the next events: an event that
 * overflows the buffer then costs no free(3), no malloc(3) and no page
 * faults on memory the allocator had given back to the system.  They are
 * freed whenever a pool's buffer runs empty, so they outlive no burst.
 */
#define EVL_SPARE_MIN (16 * 1024)
#define EVL_NSPARE 2
static struct {
	char *buf;
	size_t cap;
} spare[EVL_NSPARE];
static size_t nspare;

/* An allocation of at least n bytes: *cap gets its size. */
static char *
payload_alloc(size_t n, size_t *cap)
{
	char *b;
	size_t i;

	for (i = 0; i < nspare; i++)
		if (spare[i].cap >= n) {
			b = spare[i].buf;
			*cap = spare[i].cap;
			spare[i] = spare[--nspare];
			return b;
		}
	if (n >= EVL_SPARE_MIN)
		n = (n + 4095) & ~(size_t)4095;	/* reads vary by a little */
	b = xmalloc(n);
	*cap = n;
	return b;
}

static void
payload_free(char *b, size_t cap)
{
	if (cap >= EVL_SPARE_MIN && nspare < EVL_NSPARE) {
		spare[nspare].buf = b;
		spare[nspare++].cap = cap;
	} else
		free(b);
}

void
evl_spares_free(void)
{
	while (nspare > 0)
		free(spare[--nspare].buf);
}

void
evl_event_unref(struct evl_event *ev)
{
	if (ev == NULL || --ev->refs > 0)
		return;
	free(ev->name);
	if (ev->hold != NULL)
		ev->host->event_release(ev->hold);
	else
		payload_free(ev->payload - ev->room, ev->cap);
	free(ev);
}

/* The event of bus serial b, shared by every pool that buffers it; the
 * first pool to buffer it gives it its global serial (new_serial).  A
 * flooding writer's long reads are kept where the core read them
 * (host->event_hold): most of them are discarded unsent, and a copy of
 * 64 KiB or more each was a tenth of the daemon's time under a flood. */
static struct evl_event *
evl_event_get(struct evl *evl, const struct sth_event *bev)
{
	const char *name = evl->host->event_name(bev), *payload;
	long b = evl->host->event_serial(bev);
	struct evl_event *ev;
	size_t i, slot, len;

	for (i = 0; i < EVL_RECENT; i++)
		if (evl->recent[i] != NULL && evl->recent[i]->bus_serial == b) {
			evl->recent[i]->refs++;
			return evl->recent[i];
		}
	ev = xcalloc(1, sizeof *ev);
	ev->refs = 2;		/* the caller's and recent[]'s */
	ev->bus_serial = b;
	ev->serial = evl->api->serial_next();
	ev->name = xstrdup(name);
	payload = evl->host->event_payload(bev, &len);
	ev->host = evl->host;
	if ((ev->hold = evl->host->event_hold(evl->self, bev,
	    &ev->room)) != NULL)
		ev->payload = (char *)payload;	/* only its room is written */
	else {
		/* not zeroed: a PROCESS_LOG payload is up to 128 KiB */
		ev->room = EVL_HEADROOM;
		ev->payload = payload_alloc(EVL_HEADROOM + len + 1,
		    &ev->cap) + EVL_HEADROOM;
		memcpy(ev->payload, payload, len);
		ev->payload[len] = '\0';
	}
	ev->len = len;
	slot = evl->nrecent++ % EVL_RECENT;
	evl_event_unref(evl->recent[slot]);
	evl->recent[slot] = ev;
	return ev;
}

static struct evl_item *
q_at(struct evl_pool *p, size_t i)
{
	return &p->q[(p->qhead + i) % p->qcap];
}

static void
q_grow(struct evl_pool *p)
{
	struct evl_item *nq;
	size_t ncap, i;

	if (p->qlen < p->qcap)
		return;
	ncap = p->qcap != 0 ? p->qcap * 2 : 16;
	nq = xcalloc(1, ncap * sizeof *nq);
	for (i = 0; i < p->qlen; i++)
		nq[i] = *q_at(p, i);
	free(p->q);
	p->q = nq;
	p->qcap = ncap;
	p->qhead = 0;
}

static struct evl_item
q_pop_front(struct evl_pool *p)
{
	struct evl_item it = *q_at(p, 0);

	p->qhead = (p->qhead + 1) % p->qcap;
	p->qlen--;
	return it;
}

void
evl_pool_accept(struct evl_pool *p, struct evl_item *it, int head,
		int rebuffer)
{
	const struct sth_host *h = p->evl->host;
	struct evl_item old;

	if (rebuffer && h->log_enabled(STH_LOG_DEBG))
		h->log(p->evl->self, STH_LOG_DEBG, "rebuffering event %ld for "
		    "pool %s (buf size=%zu, max=%ld)", it->ev->serial, p->name,
		    p->qlen, p->buffer_size);
	if ((long)p->qlen >= p->buffer_size && p->qlen > 0) {
		old = q_pop_front(p);
		h->log(p->evl->self, STH_LOG_ERRO, "pool %s event buffer "
		    "overflowed, discarding event %ld", p->name,
		    old.ev->serial);
		evl_event_unref(old.ev);
	}
	q_grow(p);
	if (head) {
		p->qhead = (p->qhead + p->qcap - 1) % p->qcap;
		*q_at(p, 0) = *it;
	} else
		*q_at(p, p->qlen) = *it;
	p->qlen++;
}

void
evl_pool_publish(struct evl_pool *p, const struct sth_event *bev)
{
	long bus_serial = p->evl->host->event_serial(bev);
	struct evl_item it;
	int again;

	it.ev = evl_event_get(p->evl, bev);
	/* a pool subscribed twice to one event (PROCESS_STATE and
	 * PROCESS_STATE_RUNNING) buffers it twice with one pool serial */
	again = p->last_bus_serial == bus_serial;
	if (again)
		it.poolserial = p->last_poolserial;
	else {
		if (p->serial == LONG_MAX)
			p->serial = -1;
		it.poolserial = ++p->serial;
		p->last_bus_serial = bus_serial;
		p->last_poolserial = it.poolserial;
	}
	evl_pool_accept(p, &it, 0, again);
	evl_pool_dispatch(p);
}

/* The envelope's header line into buf (cap bytes, as snprintf); its whole
 * length.  Hand-made: snprintf was a third of the daemon's instructions
 * per event. */
static size_t
evl_header(const struct evl_pool *p, const struct evl_item *it, char *buf,
    size_t cap)
{
	const struct evl *evl = p->evl;
	const struct evl_event *ev = it->ev;
	struct textcat t;

	tc_init(&t, buf, cap);
	TC_LIT(&t, "ver:3.0 server:");
	tc_str(&t, evl->api->identifier());
	TC_LIT(&t, " serial:");
	tc_long(&t, ev->serial);
	TC_LIT(&t, " pool:");
	tc_str(&t, p->name);
	TC_LIT(&t, " poolserial:");
	tc_long(&t, it->poolserial);
	TC_LIT(&t, " eventname:");
	tc_str(&t, ev->name);
	TC_LIT(&t, " len:");
	tc_ulong(&t, evl->len_bytes ? ev->len : ev->chars);
	TC_LIT(&t, "\n");
	return tc_end(&t);
}

/* Write an envelope (docs/supervisord.md §6.2) to listener idx: 0, or -1
 * (EPIPE).  The header goes in the room in front of the payload when it
 * fits (EVL_HEADROOM, or what the core's read buffer leaves for a held
 * one), so the payload is not copied again. */
static int
evl_send(struct evl_pool *p, size_t idx, const struct evl_item *it)
{
	struct evl *evl = p->evl;
	struct evl_event *ev = it->ev;
	size_t need, n;

	if (!evl->len_bytes && !ev->counted) {
		ev->chars = evl_chars(ev->payload, ev->len);
		ev->counted = 1;
	}
	if (evl->envcap <= EVL_HEADROOM) {
		free(evl->env);
		evl->envcap = EVL_HEADROOM + 1;
		evl->env = xcalloc(1, evl->envcap);
	}
	for (;;) {
		n = evl_header(p, it, evl->env, evl->envcap);
		/* the whole header is in env (not cut), and fits in front */
		if (n < evl->envcap && n <= ev->room) {
			memcpy(ev->payload - n, evl->env, n);
			return evl->api->proc_write(p->core, idx,
			    ev->payload - n, n + ev->len);
		}
		need = n + ev->len + 1;
		if (need <= evl->envcap)
			break;
		free(evl->env);
		evl->envcap = need + 256;
		evl->env = xcalloc(1, evl->envcap);
	}
	memcpy(evl->env + n, ev->payload, ev->len);
	return evl->api->proc_write(p->core, idx, evl->env, n + ev->len);
}

/* _dispatchEvent: the first RUNNING+READY listener takes it. */
static int
evl_dispatch_one(struct evl_pool *p, struct evl_item *it)
{
	const struct sth_host *h = p->evl->host;
	const struct sth_evpool_api *api = p->evl->api;
	struct evl_lproc *lp;
	size_t i;

	for (i = 0; i < p->nprocs; i++) {
		lp = &p->procs[i];
		if (api->proc_state(p->core, i) != EVL_PROC_RUNNING ||
		    lp->state != EVL_READY)
			continue;
		if (evl_send(p, i, it) == -1) {
			if (h->log_enabled(STH_LOG_DEBG))
				h->log(p->evl->self, STH_LOG_DEBG, "epipe "
				    "occurred while sending event %ld to "
				    "listener %s, listener state unchanged",
				    it->ev->serial, api->proc_name(p->core, i));
			continue;
		}
		lp->state = EVL_BUSY;	/* not logged, as in supervisord */
		lp->busy = 1;
		lp->held = *it;
		if (h->log_enabled(STH_LOG_DEBG))
			h->log(p->evl->self, STH_LOG_DEBG, "event %ld sent to "
			    "listener %s", it->ev->serial,
			    api->proc_name(p->core, i));
		return 1;
	}
	return 0;
}

static int
evl_capable(struct evl_pool *p)
{
	size_t i;

	for (i = 0; i < p->nprocs; i++)
		if (p->procs[i].state == EVL_READY &&
		    p->evl->api->proc_state(p->core, i) == EVL_PROC_RUNNING)
			return 1;
	return 0;
}

static size_t
evl_undelivered(const struct evl_pool *p)
{
	size_t i, n = 0;
	int live = 0;

	for (i = 0; i < p->nprocs; i++) {
		if (p->procs[i].busy)
			n++;
		if (p->procs[i].state != EVL_UNKNOWN)
			live = 1;
	}
	return live ? n + p->qlen : n;
}

void
evl_pool_report(struct evl_pool *p)
{
	const struct sth_evpool_api *api = p->evl->api;
	size_t n;

	if (!STH_EVPOOL_HAS(api, pool_pending) ||
	    (n = evl_undelivered(p)) == p->told)
		return;
	p->told = n;
	api->pool_pending(p->core, n);
}

static void
evl_send_buffered(struct evl_pool *p)
{
	struct evl_item it;

	if (p->dispatching || p->qlen == 0 || !evl_capable(p))
		return;
	p->dispatching = 1;
	while (p->qlen > 0) {
		it = q_pop_front(p);
		if (!evl_dispatch_one(p, &it)) {
			evl_pool_accept(p, &it, 1, 1);
			break;
		}
	}
	p->dispatching = 0;
}

void
evl_pool_dispatch(struct evl_pool *p)
{
	evl_send_buffered(p);
	if (p->qlen == 0)
		evl_spares_free();
	evl_pool_report(p);
}

struct evl_pool *
evl_pool_find(struct evl *evl, struct sth_evpool *core)
{
	struct evl_pool *p;

	for (p = evl->pools; p != NULL; p = p->next)
		if (p->core == core)
			return p;
	return NULL;
}

struct evl_pool *
evl_pool_new(struct evl *evl, struct sth_evpool *core)
{
	const struct sth_evpool_api *api = evl->api;
	struct evl_pool *p;
	const char *name;
	size_t i;

	p = xcalloc(1, sizeof *p);
	p->evl = evl;
	p->core = core;
	name = api->pool_name(core);
	p->name = xstrdup(name);
	p->buffer_size = api->pool_buffer_size(core);
	p->serial = -1;
	p->last_bus_serial = -1;
	p->nprocs = api->pool_nprocs(core);
	p->procs = xcalloc(1, p->nprocs * sizeof *p->procs);
	for (i = 0; i < p->nprocs; i++)
		evl_lproc_reset(&p->procs[i], api->proc_pid(core, i));
	p->next = evl->pools;
	evl->pools = p;
	api->pool_set_data(core, p);
	return p;
}

void
evl_pool_free(struct evl_pool *p, int unloading)
{
	struct evl **evlp = &p->evl;
	struct evl_pool **pp;
	size_t i, n;

	n = p->qlen;
	for (i = 0; i < p->nprocs; i++)
		if (p->procs[i].busy)
			n++;
	if (unloading && n > 0)
		(*evlp)->host->log((*evlp)->self, STH_LOG_INFO, "pool %s: "
		    "dropping %zu buffered event%s (eventlistener unloaded)",
		    p->name, n, n == 1 ? "" : "s");
	for (i = 0; i < p->nsubs; i++)
		if (p->subs[i] != NULL)
			p->evl->host->bus_unsubscribe(p->subs[i]);
	free(p->subs);
	while (p->qlen > 0)
		evl_event_unref(q_pop_front(p).ev);
	free(p->q);
	for (i = 0; i < p->nprocs; i++)
		evl_lproc_release(&p->procs[i]);
	free(p->procs);
	for (pp = &p->evl->pools; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p->name);
	free(p);
}
