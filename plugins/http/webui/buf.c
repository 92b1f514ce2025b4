/*
 * buf.c — a growable byte string for building pages, and the allocation
 * wrappers of the webui plugin (a plugin does not link the daemon's
 * xmalloc; out of memory is fatal here as it is there).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webui.h"

static void
wu_oom(size_t n)
{
	fprintf(stderr, "webui: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
wu_malloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		wu_oom(n);
	return p;
}

char *
wu_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(wu_malloc(n), s, n);
}

static void
wu_buf_grow(struct wu_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return;
	if (more > SIZE_MAX / 2 - b->len)
		wu_oom(more);
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		wu_oom(cap);
	b->data = p;
	b->cap = cap;
}

void
wu_buf_add(struct wu_buf *b, const void *data, size_t len)
{
	wu_buf_grow(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
wu_buf_str(struct wu_buf *b, const char *s)
{
	wu_buf_add(b, s, strlen(s));
}

void
wu_buf_printf(struct wu_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	wu_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* HTML-escape len bytes (text and attribute values alike). */
void
wu_buf_html(struct wu_buf *b, const char *s, size_t len)
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
		wu_buf_add(b, s + run, i - run);
		wu_buf_str(b, ents[j].ent);
		run = i + 1;
	}
	wu_buf_add(b, s + run, len - run);
}

void
wu_buf_free(struct wu_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* The string, NUL-terminated (never NULL); b is empty afterwards. */
char *
wu_buf_take(struct wu_buf *b)
{
	char *s;

	if (b->data == NULL)
		return wu_strdup("");
	s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
