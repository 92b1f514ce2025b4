/*
 * htmlbuf.c — the growable byte string of the http plugins and its HTML
 * escaping; compiled into each plugin that uses it (htmlbuf.h).
 *
 * Ownership: see htmlbuf.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htmlbuf.h"

/* The first allocation: a response head or a short page in one go. */
#define HTMLBUF_FIRST 1024
/* Formatted text up to this size takes no allocation of its own. */
#define HTMLBUF_SMALL 512

static void
htmlbuf_oom(size_t n)
{
	fprintf(stderr, "out of memory allocating %zu bytes\n", n);
	abort();
}

static void
htmlbuf_grow(struct htmlbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return;
	if (more > SIZE_MAX / 2 - b->len)
		htmlbuf_oom(more);
	cap = b->cap == 0 ? HTMLBUF_FIRST : b->cap;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		htmlbuf_oom(cap);
	b->data = p;
	b->cap = cap;
}

void
htmlbuf_add(struct htmlbuf *b, const void *data, size_t len)
{
	htmlbuf_grow(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
htmlbuf_puts(struct htmlbuf *b, const char *s)
{
	htmlbuf_add(b, s, strlen(s));
}

void
htmlbuf_vprintf(struct htmlbuf *b, const char *fmt, va_list ap)
{
	char small[HTMLBUF_SMALL];
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof small, fmt, ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof small)
		htmlbuf_add(b, small, (size_t)n);
	else {
		htmlbuf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
}

void
htmlbuf_printf(struct htmlbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	htmlbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
htmlbuf_html(struct htmlbuf *b, const char *s, size_t len)
{
	static const struct {
		char c;
		const char *ent;
	} ents[] = {
		{ '&', "&amp;" }, { '<', "&lt;" }, { '>', "&gt;" },
		{ '"', "&quot;" }, { '\'', "&#39;" },
	};
	size_t i, j, run = 0;

	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof ents / sizeof ents[0]; j++)
			if (s[i] == ents[j].c)
				break;
		if (j == sizeof ents / sizeof ents[0])
			continue;
		htmlbuf_add(b, s + run, i - run);
		htmlbuf_puts(b, ents[j].ent);
		run = i + 1;
	}
	htmlbuf_add(b, s + run, len - run);
}

void
htmlbuf_free(struct htmlbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
htmlbuf_take(struct htmlbuf *b)
{
	char *s;

	if (b->data == NULL) {
		if ((s = calloc(1, 1)) == NULL)
			htmlbuf_oom(1);
		return s;
	}
	s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
