/*
 * sha256.h — SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA256 (RFC 2104) for the
 * monitor's challenge-response, shared by monitor.so and sthenoctl.  A
 * small portable implementation, as plugins/http/sha1.c is: one hash per
 * login does not justify mapping GNU Nettle (docs/ARCHITECTURE.md, "What
 * is resident").
 *
 * Ownership: struct mon_sha256 is the caller's, on its stack; nothing here
 * allocates.
 */
#ifndef STHENO_MON_SHA256_H
#define STHENO_MON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MON_SHA256_DIGEST_SIZE 32
#define MON_SHA256_BLOCK_SIZE 64

struct mon_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t block[MON_SHA256_BLOCK_SIZE];
	size_t used;		/* bytes waiting in block */
};

void mon_sha256_init(struct mon_sha256 *);
void mon_sha256_update(struct mon_sha256 *, const void *data, size_t len);
/* Writes the 32-byte digest; the context must be initialised again. */
void mon_sha256_final(struct mon_sha256 *,
    uint8_t digest[MON_SHA256_DIGEST_SIZE]);

/* HMAC-SHA256 of msg under key (any length). */
void mon_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t mac[MON_SHA256_DIGEST_SIZE]);
/* The lowercase hex of HMAC-SHA256(key, msg), NUL-terminated in out. */
void mon_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
    size_t msglen, char out[2 * MON_SHA256_DIGEST_SIZE + 1]);

#endif
