/*
 * plain.h — the fast path both answer encoders share (xml_encode.c,
 * json_encode.c): a short string that needs no escape, written with its
 * constant head and tail under one check of room and copied in the pass
 * that looks at it, 8 bytes a step (the last 8 overlapping the ones
 * before when the length is no multiple of 8).  Nearly every string of an
 * answer (keys, names, states, paths) is one.  Always inlined, so that
 * each caller's head, tail and tests are constants: the head and tail
 * become a few moves, not a copy loop.
 *
 * Ownership: writes into the caller's dbuf; keeps nothing.
 */
#ifndef STHENO_XMLRPC_PLAIN_H
#define STHENO_XMLRPC_PLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dbuf.h"

#define PLAIN_ONES 0x0101010101010101ULL
#define PLAIN_HIGHS 0x8080808080808080ULL
/* Longer text is left to the caller's own path, which scans it faster. */
#define PLAIN_SHORT 256

/* Nonzero if any of the eight bytes of w is c: the classic test for a
 * zero byte in w ^ c.., exact about whether there is one. */
static inline uint64_t
plain_has_byte(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (PLAIN_ONES * c);

	return (x - PLAIN_ONES) & ~x & PLAIN_HIGHS;
}

/*
 * head, the len bytes at s, then tail into b, when s is at most
 * PLAIN_SHORT bytes and none of them needs an escape: bad(word) is
 * nonzero for 8 bytes that hold one, cls[byte] for a single byte.
 * Returns 1 if written, 0 (b as it was) for the caller's slow path.
 */
static inline __attribute__((always_inline)) int
plain_add(struct dbuf *b, const char *head, size_t hlen, const char *s,
    size_t len, const char *tail, size_t tlen, const unsigned char *cls,
    uint64_t (*bad)(uint64_t))
{
	uint64_t x, seen = 0;
	char *w, *t;
	size_t i;

	if (len > PLAIN_SHORT ||
	    (w = dbuf_room(b, hlen + len + tlen)) == NULL)
		return 0;
	memcpy(w, head, hlen);
	t = w + hlen;
	if (len < sizeof x) {
		for (i = 0; i < len; i++) {
			seen |= cls[(unsigned char)s[i]];
			t[i] = s[i];
		}
	} else {
		for (i = 0; i + sizeof x < len; i += sizeof x) {
			memcpy(&x, s + i, sizeof x);
			seen |= bad(x);
			memcpy(t + i, &x, sizeof x);
		}
		memcpy(&x, s + len - sizeof x, sizeof x);
		seen |= bad(x);
		memcpy(t + len - sizeof x, &x, sizeof x);
	}
	if (seen != 0) {
		*w = '\0';	/* the NUL after b's bytes, overwritten */
		return 0;
	}
	memcpy(t + len, tail, tlen);
	dbuf_commit(b, t + len + tlen);
	return 1;
}

#endif /* STHENO_XMLRPC_PLAIN_H */
