/*
 * xmalloc.h — allocation that cannot fail, and the fatal end of an
 * impossible state (tmux's xmalloc.c).
 *
 * Ownership: every pointer returned is the caller's, freed with free(3).
 * Out of memory is an impossible state for a daemon whose every input has a
 * cap, so these abort with the requested size.  The library (lib/) is
 * compiled into sthenod and into each plugin: every copy is its own, hidden
 * from the others (lib/Makefile.inc).
 */
#ifndef STHENO_XMALLOC_H
#define STHENO_XMALLOC_H
#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
/* At most n bytes of s, NUL-terminated (strndup(3)). */
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...)
    __attribute__((format(printf, 2, 3)));
int xvasprintf(char **, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

/* Abort loudly: an impossible state.  The reason, "sthenod: fatal at
 * FILE:LINE: message", goes to the hook set by xmalloc_on_fatal (the
 * daemon's main log), then to stderr. */
#define fatalx(...) sth_fatalx(__FILE__, __LINE__, __VA_ARGS__)
void sth_fatalx(const char *, int, const char *, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* Where a fatal reason is written before stderr (none until set; the
 * daemon sets its main log's, daemon/log.c log_catch_crashes). */
void xmalloc_on_fatal(void (*)(const char *reason));
#endif
