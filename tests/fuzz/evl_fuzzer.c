/*
 * evl_fuzzer.c — fuzz target for what a listener writes on its stdout, as
 * the eventlistener plugin reads it (plugins/eventlistener/proto.c,
 * docs/supervisord.md §6.3): READY in ACKNOWLEDGED, `RESULT n\n` and n bytes
 * of body in BUSY, anything in READY a violation.
 *
 * proto.c is compiled in; this file stands in for the rest of the plugin:
 * a host whose log formats every message, a pool with one listener, and
 * evl_pool_accept / evl_event_unref that check what is rebuffered and freed.
 * Whenever the listener is READY after a piece of input, an event is sent
 * to it (BUSY), as the pool's dispatch does.
 *
 * Input: the first byte selects the feeding (low 4 bits + 1: the size of
 * each piece; bit 4: the listener process is replaced by a new instance
 * half-way, as when it dies and is respawned); the rest is the listener's
 * stdout.  The target aborts if:
 *  - proto.c and a plain model of docs/supervisord.md §6.3 disagree on the
 *    listener state, or on how many events were accepted, rejected or
 *    rebuffered by a bad result line or a death;
 *  - an event is freed twice, rebuffered anywhere but at the head, or
 *    leaked; a listener holds an event without being BUSY or vice versa;
 *  - the input kept buffered exceeds the RESULT line cap plus one piece.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "evl.h"

#define EVL_MAGIC 0x45564c31

/* --- the rest of the plugin, faked ------------------------------------ */

static long live_events;	/* made and not yet freed */
static long n_accepted;		/* freed after RESULT OK */
static long n_rebuffered;	/* FAIL, a bad result line, a death */
static int in_accept;

void
evl_event_unref(struct evl_event *ev)
{
	if (ev == NULL)
		return;
	if (ev->refs <= 0 || ev->counted != EVL_MAGIC)
		abort();
	if (!in_accept)
		n_accepted++;
	if (--ev->refs > 0)
		return;
	ev->counted = 0;
	free(ev);
	live_events--;
}

void
evl_pool_accept(struct evl_pool *p, struct evl_item *it, int head,
    int rebuffer)
{
	/* proto.c gives events back only at the head, with their serials */
	if (!head || !rebuffer || it->ev == NULL || it->poolserial != 7)
		abort();
	n_rebuffered++;
	in_accept = 1;
	evl_event_unref(it->ev);
	in_accept = 0;
}

static void
fake_log(struct sth_plugin *self, int level, const char *fmt, ...)
{
	char line[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
}

static int
fake_log_enabled(int level)
{
	return 1;
}

static const char *
fake_proc_name(const struct sth_evpool *pool, size_t idx)
{
	if (idx != 0)
		abort();
	return "lst";
}

/* --- a model of docs/supervisord.md §6.3 ----------------------------- */

struct model {
	int state;
	unsigned char *buf;
	size_t len;
	long resultlen;		/* -1: waiting for the RESULT line */
	unsigned char body[2];	/* enough to tell "OK" from the rest */
	size_t rlen;
	long accepted, rebuffered;
};

static void
m_drop(struct model *m, size_t n)
{
	memmove(m->buf, m->buf + n, m->len - n);
	m->len -= n;
}

/* int() of the bytes after "RESULT ": blanks, an optional +, digits,
 * blanks; over EVL_RESULT_MAX is refused (the plugin's cap). */
static long
m_int(const unsigned char *s, size_t n)
{
	size_t i = 0, digits = 0;
	long v = 0;

	while (i < n && strchr(" \t\n\r\v\f", s[i]) != NULL && s[i] != '\0')
		i++;
	if (i < n && s[i] == '+')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if ((v = v * 10 + (s[i] - '0')) > EVL_RESULT_MAX)
			return -1;
	while (i < n && strchr(" \t\n\r\v\f", s[i]) != NULL && s[i] != '\0')
		i++;
	return digits > 0 && i == n ? v : -1;
}

static void
m_step(struct model *m)
{
	unsigned char *nl;
	size_t pos, take;

	for (;;) {
		if (m->len == 0 || m->state == EVL_UNKNOWN) {
			m->len = 0;
			return;
		}
		if (m->state == EVL_READY) {
			m->state = EVL_UNKNOWN;
			continue;
		}
		if (m->state == EVL_ACKNOWLEDGED) {
			if (m->len < 6)
				return;
			if (memcmp(m->buf, "READY\n", 6) != 0) {
				m->state = EVL_UNKNOWN;
				continue;
			}
			m->state = EVL_READY;
			m_drop(m, 6);
			continue;
		}
		/* BUSY */
		if (m->resultlen < 0) {
			nl = memchr(m->buf, '\n', m->len);
			if (nl == NULL && m->len <= EVL_LINE_MAX)
				return;
			pos = nl != NULL ? (size_t)(nl - m->buf) : m->len;
			if (nl == NULL || pos < 7 ||
			    (m->resultlen = m_int(m->buf + 7, pos - 7)) < 0) {
				m->resultlen = -1;
				m->state = EVL_UNKNOWN;
				m->rebuffered++;
				continue;
			}
			m_drop(m, pos + 1);
			m->rlen = 0;
			/* supervisord reads the body on the next bytes only:
			 * `RESULT 0\n` alone is answered when more arrive */
			continue;
		}
		take = (size_t)m->resultlen - m->rlen;
		if (take > m->len)
			take = m->len;
		if (m->rlen < sizeof m->body)
			memcpy(m->body + m->rlen, m->buf, take < sizeof m->body -
			    m->rlen ? take : sizeof m->body - m->rlen);
		m->rlen += take;
		m_drop(m, take);
		if (m->rlen < (size_t)m->resultlen)
			return;
		if (m->resultlen == 2 && memcmp(m->body, "OK", 2) == 0)
			m->accepted++;
		else
			m->rebuffered++;
		m->state = EVL_ACKNOWLEDGED;
		m->resultlen = -1;
	}
}

/* A new instance of the listener: what the old one held is rebuffered. */
static void
m_respawn(struct model *m)
{
	if (m->state == EVL_BUSY)
		m->rebuffered++;
	m->state = EVL_ACKNOWLEDGED;
	m->len = 0;
	m->resultlen = -1;
	m->rlen = 0;
}

static void
m_input(struct model *m, const uint8_t *data, size_t n)
{
	if (m->state == EVL_UNKNOWN)
		return;
	m->buf = realloc(m->buf, m->len + n + 1);
	if (m->buf == NULL)
		abort();
	memcpy(m->buf + m->len, data, n);
	m->len += n;
	m_step(m);
}

/* --- the target -------------------------------------------------------- */

/* The pool's dispatch: a READY listener is sent an event and is BUSY. */
static void
dispatch(struct evl_pool *p, struct model *m)
{
	struct evl_lproc *lp = &p->procs[0];
	struct evl_event *ev;

	if (lp->state != EVL_READY)
		return;
	ev = calloc(1, sizeof *ev);
	if (ev == NULL)
		abort();
	ev->refs = 1;
	ev->counted = EVL_MAGIC;
	live_events++;
	lp->state = EVL_BUSY;
	lp->busy = 1;
	lp->held.ev = ev;
	lp->held.poolserial = 7;
	m->state = EVL_BUSY;
}

static void
check(struct evl_pool *p, struct model *m, size_t piece)
{
	struct evl_lproc *lp = &p->procs[0];

	if (lp->state != m->state)
		abort();
	if (n_accepted != m->accepted || n_rebuffered != m->rebuffered)
		abort();
	if (lp->busy != (lp->state == EVL_BUSY))
		abort();
	if (live_events != lp->busy)
		abort();
	if (lp->len > EVL_LINE_MAX + piece)
		abort();
	if (lp->resultlen > EVL_RESULT_MAX || (lp->resultlen >= 0 &&
	    lp->rlen > (size_t)lp->resultlen))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sth_host host;
	struct sth_evpool_api api;
	struct evl evl;
	struct evl_lproc proc;
	struct evl_pool pool;
	struct model m;
	size_t piece, off, n, half;
	int respawn;

	if (size == 0)
		return 0;
	piece = (size_t)(data[0] & 0x0f) + 1;
	respawn = (data[0] & 0x10) != 0;
	data++;
	size--;
	half = size / 2;

	memset(&host, 0, sizeof host);
	host.log = fake_log;
	host.log_enabled = fake_log_enabled;
	memset(&api, 0, sizeof api);
	api.proc_name = fake_proc_name;
	memset(&evl, 0, sizeof evl);
	evl.host = &host;
	evl.api = &api;
	memset(&proc, 0, sizeof proc);
	memset(&pool, 0, sizeof pool);
	pool.evl = &evl;
	pool.procs = &proc;
	pool.nprocs = 1;
	memset(&m, 0, sizeof m);
	m.state = EVL_ACKNOWLEDGED;
	m.resultlen = -1;
	live_events = n_accepted = n_rebuffered = 0;

	evl_lproc_reset(&proc, 100);
	for (off = 0; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		if (respawn && off <= half && half < off + n) {
			/* the listener died; its successor starts over */
			evl_proto_instance(&pool, 0, 101);
			m_respawn(&m);
			check(&pool, &m, piece);
			dispatch(&pool, &m);
		}
		evl_proto_input(&pool, 0, (const char *)data + off, n);
		m_input(&m, data + off, n);
		check(&pool, &m, piece);
		dispatch(&pool, &m);
	}
	evl_lproc_release(&proc);
	if (live_events != 0)
		abort();
	free(m.buf);
	return 0;
}
