/*
 * xalloc.h — allocation that cannot fail, for the plugins (a plugin cannot
 * link daemon/xmalloc.c): out of memory aborts, as in the core.  Static
 * inline, so each plugin that includes it keeps its own copy and still
 * exports only its descriptor.
 *
 * Ownership: what these return is the caller's, freed with free().
 */
#ifndef STHENO_PLUGINS_XALLOC_H
#define STHENO_PLUGINS_XALLOC_H

#include <stdlib.h>
#include <string.h>

static inline void *
plug_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static inline void *
plug_xrealloc(void *o, size_t n)
{
	void *p = realloc(o, n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static inline void *
plug_xcalloc(size_t a, size_t b)
{
	void *p = calloc(a ? a : 1, b ? b : 1);

	if (p == NULL)
		abort();
	return p;
}

static inline char *
plug_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(plug_xmalloc(n), s, n);
}

#endif
