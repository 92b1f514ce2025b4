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

/*
 * Room for n more bytes: where to write them (at most n), or NULL past
 * the cap.  dbuf_commit(b, end) then takes what was written up to end.
 * For an encoder that writes a few pieces under one check; a buffer
 * with a cap always asks dbuf_grow, which checks it.
 */
static inline char *
dbuf_room(struct dbuf *b, size_t n)
{
	if ((b->cap - b->len <= n || b->max != 0) && dbuf_grow(b, n) == -1)
		return NULL;
	return b->data + b->len;
}

static inline void
dbuf_commit(struct dbuf *b, char *end)
{
	b->len = (size_t)(end - b->data);
	*end = '\0';
}

/* Inline: the encoders add a few bytes at a time. */
static inline int
dbuf_add(struct dbuf *b, const void *p, size_t n)
{
	char *w;

	if ((w = dbuf_room(b, n)) == NULL)
		return -1;
	if (n > 0)
		memcpy(w, p, n);
	dbuf_commit(b, w + n);
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
