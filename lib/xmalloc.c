/*
 * xmalloc.c — allocation wrappers that abort on failure (see xmalloc.h).
 * Every abort says why through the fatal hook first (the daemon's main
 * log), then on stderr.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void (*fatal_hook)(const char *);

void
xmalloc_on_fatal(void (*fn)(const char *))
{
	fatal_hook = fn;
}

void
sth_fatalx(const char *file, int line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	int n;

	/* on the stack: the reason may be that memory ran out */
	n = snprintf(reason, sizeof reason, "sthenod: fatal at %s:%d: ",
	    file, line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof reason)
		vsnprintf(reason + n, sizeof reason - (size_t)n, fmt, ap);
	va_end(ap);
	if (fatal_hook != NULL)
		fatal_hook(reason);
	fprintf(stderr, "%s\n", reason);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		fatalx("xmalloc: allocating %zu bytes", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatalx("xcalloc: allocating %zu * %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *old, size_t size)
{
	return xreallocarray(old, 1, size);
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		fatalx("xreallocarray: %zu * %zu overflows", n, size);
	if (n * size == 0)
		n = size = 1;
	if ((p = realloc(old, n * size)) == NULL)
		fatalx("xreallocarray: allocating %zu * %zu bytes", n, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatalx("xstrdup: %zu bytes", strlen(s));
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		fatalx("xstrndup: %zu bytes", n);
	return p;
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int i;

	i = vasprintf(ret, fmt, ap);
	if (i < 0 || *ret == NULL)
		fatalx("xvasprintf: %s", strerror(errno));
	return i;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int i;

	va_start(ap, fmt);
	i = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return i;
}
