/*
 * htmlbuf.h — the growable byte string the http family builds its answers
 * in: response heads (http.so), the status and metrics pages (status.so,
 * metrics.so) and the web interface (webui.so).  These are separate
 * plugins, so htmlbuf.c is compiled into each of them rather than exported
 * by one: it is no part of the host or SDK ABI, and a plugin still exports
 * only its descriptor.
 *
 * Ownership: a struct htmlbuf owns its bytes until htmlbuf_free or
 * htmlbuf_take; { NULL, 0, 0 } is an empty one.  Once anything has been
 * added, data is NUL-terminated (not counted in len).  Out of memory is
 * fatal, as xmalloc is in the daemon.
 */
#ifndef STHENO_PLUGIN_HTMLBUF_H
#define STHENO_PLUGIN_HTMLBUF_H

#include <stdarg.h>
#include <stddef.h>

struct htmlbuf {
	char *data;
	size_t len;
	size_t cap;
};

void htmlbuf_add(struct htmlbuf *, const void *, size_t);
void htmlbuf_puts(struct htmlbuf *, const char *);
void htmlbuf_printf(struct htmlbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void htmlbuf_vprintf(struct htmlbuf *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
/* len bytes of s with &, <, >, " and ' as HTML entities (text and
 * attribute values alike). */
void htmlbuf_html(struct htmlbuf *, const char *s, size_t len);
void htmlbuf_free(struct htmlbuf *);
/* The string, NUL-terminated (never NULL; the caller frees it); the buffer
 * is empty afterwards. */
char *htmlbuf_take(struct htmlbuf *);

#endif /* STHENO_PLUGIN_HTMLBUF_H */
