/*
 * sha1.h — SHA-1 (FIPS 180-4) for supervisord's "{SHA}" passwords, and
 * nothing else: a password check is one hash per request, so a small
 * portable implementation does, and it spares http.so GNU Nettle, which
 * cost 240 kB resident for this one function (DESIGN.md, "Memory is a
 * budget").
 *
 * Ownership: struct http_sha1 is the caller's, on its stack; nothing here
 * allocates.
 */
#ifndef STHENO_HTTP_SHA1_H
#define STHENO_HTTP_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_SHA1_DIGEST_SIZE 20

struct http_sha1 {
	uint32_t h[5];
	uint64_t len;		/* bytes hashed so far */
	uint8_t block[64];
	size_t used;		/* bytes waiting in block */
};

void http_sha1_init(struct http_sha1 *);
void http_sha1_update(struct http_sha1 *, const void *data, size_t len);
/* Writes the 20-byte digest; the context must be initialised again. */
void http_sha1_final(struct http_sha1 *, uint8_t digest[HTTP_SHA1_DIGEST_SIZE]);

#endif
