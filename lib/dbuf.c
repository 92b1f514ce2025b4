/*
 * dbuf.c — the growable byte string (see dbuf.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbuf.h"
#include "xmalloc.h"

/* The first allocation: a response head or a short page in one go. */
#define DBUF_FIRST 1024
/* Formatted text up to this size takes no allocation of its own. */
#define DBUF_SMALL 512

void
dbuf_init(struct dbuf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

int
dbuf_grow(struct dbuf *b, size_t more)
{
	size_t cap;

	if (b->max != 0 && (more > b->max || b->len > b->max - more))
		return -1;
	if (b->len + more < b->cap)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		fatalx("dbuf: %zu more bytes overflows", more);
	cap = b->cap == 0 ? DBUF_FIRST : b->cap;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int
dbuf_puts(struct dbuf *b, const char *s)
{
	return dbuf_add(b, s, strlen(s));
}

int
dbuf_vprintf(struct dbuf *b, const char *fmt, va_list ap)
{
	char small[DBUF_SMALL];
	va_list again;
	int n, rc;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof small, fmt, ap);
	if (n < 0)
		fatalx("dbuf: vsnprintf failed");
	if ((size_t)n < sizeof small)
		rc = dbuf_add(b, small, (size_t)n);
	else if ((rc = dbuf_grow(b, (size_t)n)) == 0) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return rc;
}

int
dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = dbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
dbuf_free(struct dbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
dbuf_take(struct dbuf *b)
{
	char *s;

	if (b->data == NULL)
		return xcalloc(1, 1);
	s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
