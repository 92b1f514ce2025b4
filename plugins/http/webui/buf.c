/*
 * buf.c — the allocation wrappers of the webui plugin (a plugin does not
 * link the daemon's xmalloc; out of memory is fatal here as it is there).
 * The byte string pages are built in is ../htmlbuf.c.
 */
#include "config.h"

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
