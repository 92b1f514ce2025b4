/*
 * dbuf.h — the growable byte string (curl's dynbuf): response heads and
 * pages of the http family, the XML-RPC and JSON encoders' answers, the
 * monitor's text, expansion and command parsing in the core.
 *
 * Ownership: a struct dbuf owns its bytes until dbuf_free or dbuf_take;
 * DBUF_INIT is an empty one without a cap, dbuf_init(b, max) one that
 * holds at most max bytes.  Once anything has been added, data is
 * NUL-terminated (not counted in len).  An add that would go past the cap
 * returns -1 and leaves the buffer as it was; out of memory is fatal
 * (xmalloc.h).
 */
#ifndef STHENO_DBUF_H
#define STHENO_DBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct dbuf {
	char *data;
	size_t len;
	size_t cap;	/* bytes allocated */
	size_t max;	/* most bytes it may hold; 0: no cap */
};

#define DBUF_INIT { NULL, 0, 0, 0 }

void dbuf_init(struct dbuf *, size_t max);
/* Room for more bytes after len (and the NUL): 0, or -1 past the cap. */
int dbuf_grow(struct dbuf *, size_t more);
int dbuf_puts(struct dbuf *, const char *);
int dbuf_printf(struct dbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
int dbuf_vprintf(struct dbuf *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
/* Frees the bytes; the cap stays. */
void dbuf_free(struct dbuf *);
/* The string, NUL-terminated (never NULL; the caller frees it); the
 * buffer is empty afterwards. */
char *dbuf_take(struct dbuf *);

/* Inline: the encoders add a few bytes at a time.  A buffer with a cap
 * always asks dbuf_grow, which checks it. */
static inline int
dbuf_add(struct dbuf *b, const void *p, size_t n)
{
	if ((b->cap - b->len <= n || b->max != 0) && dbuf_grow(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int
dbuf_addc(struct dbuf *b, char c)
{
	return dbuf_add(b, &c, 1);
}

/* A string literal, its length known at compile time. */
#define DBUF_LIT(b, lit) dbuf_add((b), (lit), sizeof(lit) - 1)

#endif /* STHENO_DBUF_H */
