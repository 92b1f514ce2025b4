/*
 * textcat.h — a short line built from pieces without printf: the head of
 * each PROCESS_LOG event (daemon/proc_events.c) and the envelope of each
 * event sent to a listener (plugins/eventlistener/pool.c), written once
 * an event, thousands of times a second (two snprintf calls there were
 * half of sthenod's instructions per 61-byte event, callgrind), and the
 * "pid N, uptime ..." of each process in getAllProcessInfo.
 *
 * As snprintf: what does not fit in the buffer is cut, the length counts
 * it all, and the result is NUL-terminated when the buffer has a byte.
 *
 * Ownership: writes into the caller's buffer; keeps nothing.
 */
#ifndef STHENO_TEXTCAT_H
#define STHENO_TEXTCAT_H

#include <stddef.h>
#include <string.h>

struct textcat {
	char *buf;
	size_t cap;		/* bytes of buf */
	size_t len;		/* of the whole text, even past cap */
};

static inline void
tc_init(struct textcat *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
}

static inline void
tc_mem(struct textcat *t, const char *s, size_t n)
{
	size_t room;

	if (t->len < t->cap) {
		room = t->cap - t->len;
		memcpy(t->buf + t->len, s, n < room ? n : room);
	}
	t->len += n;
}

static inline void
tc_str(struct textcat *t, const char *s)
{
	tc_mem(t, s, strlen(s));
}

/* A string literal, its length known at compile time. */
#define TC_LIT(t, lit) tc_mem((t), (lit), sizeof(lit) - 1)

static inline void
tc_ulong(struct textcat *t, unsigned long v)
{
	char d[24], *p = d + sizeof d;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	tc_mem(t, p, (size_t)(d + sizeof d - p));
}

static inline void
tc_long(struct textcat *t, long v)
{
	if (v < 0) {
		TC_LIT(t, "-");
		tc_ulong(t, 0UL - (unsigned long)v);
	} else
		tc_ulong(t, (unsigned long)v);
}

/* NUL-terminate (at the cut if the text did not fit); the whole length. */
static inline size_t
tc_end(struct textcat *t)
{
	if (t->len < t->cap)
		t->buf[t->len] = '\0';
	else if (t->cap > 0)
		t->buf[t->cap - 1] = '\0';
	return t->len;
}

#endif /* STHENO_TEXTCAT_H */
