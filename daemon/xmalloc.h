/*
 * xmalloc.h — allocation that cannot fail.
 *
 * Ownership: every pointer returned is the caller's, freed with free(3).
 * Out of memory is an impossible state for a daemon whose every input has a
 * cap, so these abort with the requested size (tmux's xmalloc.c).
 */
#ifndef STHENO_XMALLOC_H
#define STHENO_XMALLOC_H
#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
int xvasprintf(char **, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
/* Abort loudly: an impossible state.  Prints file:line and the message. */
#define fatalx(...) sth_fatalx(__FILE__, __LINE__, __VA_ARGS__)
void sth_fatalx(const char *, int, const char *, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#endif
