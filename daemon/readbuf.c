/*
 * readbuf.c — reference-counted read buffers, with a few spares kept.
 *
 * Under a flood, a listener pool holds up to buffer_size reads and lets
 * go of its oldest as each new one comes (the overflow discards it): the
 * buffer it gives back is the next read's, so a steady flood allocates
 * nothing.  More than READBUF_SPARES given back at once (a pool's buffer
 * emptied) are freed: an idle daemon keeps what it kept with one static
 * buffer, no more.
 */
#include "config.h"

#include <stdlib.h>

#include "readbuf.h"
#include "xmalloc.h"

#define READBUF_SPARES 2

struct readbuf {
	int refs;
	char bytes[READBUF_ROOM + READBUF_MAX + 1];
};

static struct readbuf *spares[READBUF_SPARES];
static int nspares;

struct readbuf *
readbuf_get(void)
{
	struct readbuf *rb;

	rb = nspares > 0 ? spares[--nspares] : xmalloc(sizeof *rb);
	rb->refs = 1;
	return rb;
}

char *
readbuf_base(struct readbuf *rb)
{
	return rb->bytes;
}

int
readbuf_has(const struct readbuf *rb, const char *p)
{
	return p >= rb->bytes && p < rb->bytes + sizeof rb->bytes;
}

void
readbuf_ref(struct readbuf *rb)
{
	if (rb->refs <= 0)
		fatalx("readbuf_ref: a buffer with no reference");
	rb->refs++;
}

void
readbuf_unref(struct readbuf *rb)
{
	if (rb->refs <= 0)
		fatalx("readbuf_unref: a buffer with no reference");
	if (--rb->refs > 0)
		return;
	if (nspares < READBUF_SPARES)
		spares[nspares++] = rb;
	else
		free(rb);
}

void
readbuf_spares_free(void)
{
	while (nspares > 0)
		free(spares[--nspares]);
}
