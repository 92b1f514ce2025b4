/*
 * digest.h — SHA-1 and SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for
 * the plugins that check a secret: http.so for supervisord's "{SHA}"
 * passwords, monitor.so and sthenoctl for the monitor's challenge-response.
 * Each of them compiles digest.c in; a plugin still exports only its
 * descriptor.  A small portable implementation: one hash per login does
 * not justify mapping GNU Nettle, which cost 240 kB resident
 * (docs/ARCHITECTURE.md, "What is resident").
 *
 * Ownership: struct digest is the caller's, on its stack; nothing here
 * allocates.  Its fields are digest.c's.
 */
#ifndef STHENO_PLUGINS_DIGEST_H
#define STHENO_PLUGINS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_BLOCK_SIZE 64	/* both hashes work on 64-byte blocks */
#define DIGEST_SHA1_SIZE 20
#define DIGEST_SHA256_SIZE 32

struct digest_algo;

struct digest {
	const struct digest_algo *algo;	/* the block function and sizes */
	uint32_t h[DIGEST_SHA256_SIZE / 4];
	uint64_t len;		/* bytes hashed so far */
	uint8_t block[DIGEST_BLOCK_SIZE];
	size_t used;		/* bytes waiting in block */
};

void digest_sha1_init(struct digest *);
void digest_sha256_init(struct digest *);
void digest_update(struct digest *, const void *data, size_t len);
/* Writes the digest (DIGEST_SHA1_SIZE or DIGEST_SHA256_SIZE bytes, as the
 * init chose); the context must be initialised again. */
void digest_final(struct digest *, uint8_t *out);

/* 1 if the alen bytes at a equal the blen bytes at b, in time that depends
 * on the lengths only, never on where the contents differ: for comparing
 * a secret (a password hash, an HMAC answer) with what a client sent. */
int digest_equal(const void *a, size_t alen, const void *b, size_t blen);

/* HMAC-SHA256 of msg under key (any length). */
void digest_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t mac[DIGEST_SHA256_SIZE]);
/* The lowercase hex of HMAC-SHA256(key, msg), NUL-terminated in out. */
void digest_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
    size_t msglen, char out[2 * DIGEST_SHA256_SIZE + 1]);

#endif
