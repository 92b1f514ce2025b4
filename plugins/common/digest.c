/*
 * digest.c — SHA-1 (FIPS 180-4 §6.1) and SHA-256 (§6.2) as one
 * Merkle–Damgård path: update and final buffer 64-byte blocks and pad with
 * the length in bits, big-endian, the same for both; each hash brings only
 * its initial value, its block function and its number of state words
 * (struct digest_algo).  HMAC over SHA-256 as RFC 2104 does it
 * (digest.h).  Checked against the FIPS vectors, Python's hashlib at every
 * length from 0 to 130 bytes and RFC 4231 in tests/unit/test_http_auth.c
 * and tests/unit/test_monitor.c.
 */
#include "config.h"

#include <string.h>

#include "codec.h"
#include "digest.h"

#define LEN_OFFSET (DIGEST_BLOCK_SIZE - 8)	/* where the bit count goes */

struct digest_algo {
	void (*block)(uint32_t *h, const uint8_t *p);
	const uint32_t *iv;
	size_t words;		/* of state, and of digest */
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t
ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

/* The 16 big-endian message words of a block. */
static void
load_words(uint32_t *w, const uint8_t *p)
{
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
}

static void
sha1_block(uint32_t *h, const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	load_words(w, p);
	for (i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static void
sha256_block(uint32_t *h, const uint8_t *p)
{
	uint32_t w[64], v[8], t1, t2, s0, s1;
	int i;

	load_words(w, p);
	for (i = 16; i < 64; i++) {
		s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof v);
	for (i = 0; i < 64; i++) {
		s1 = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
		t1 = v[7] + s1 + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
		    sha256_k[i] + w[i];
		s0 = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
		t2 = s0 + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += v[i];
}

static const uint32_t sha1_iv[DIGEST_SHA1_SIZE / 4] = {
	0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
};
static const uint32_t sha256_iv[DIGEST_SHA256_SIZE / 4] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

static const struct digest_algo sha1 = {
	sha1_block, sha1_iv, DIGEST_SHA1_SIZE / 4
};
static const struct digest_algo sha256 = {
	sha256_block, sha256_iv, DIGEST_SHA256_SIZE / 4
};

static void
digest_init(struct digest *s, const struct digest_algo *algo)
{
	s->algo = algo;
	memcpy(s->h, algo->iv, algo->words * sizeof s->h[0]);
	s->len = 0;
	s->used = 0;
}

void
digest_sha1_init(struct digest *s)
{
	digest_init(s, &sha1);
}

void
digest_sha256_init(struct digest *s)
{
	digest_init(s, &sha256);
}

void
digest_update(struct digest *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	s->len += len;
	while (len > 0) {
		n = sizeof s->block - s->used;
		if (n > len)
			n = len;
		memcpy(s->block + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == sizeof s->block) {
			s->algo->block(s->h, s->block);
			s->used = 0;
		}
	}
}

void
digest_final(struct digest *s, uint8_t *out)
{
	uint64_t bits = s->len * 8;
	size_t i;

	s->block[s->used++] = 0x80;
	if (s->used > LEN_OFFSET) {
		memset(s->block + s->used, 0, sizeof s->block - s->used);
		s->algo->block(s->h, s->block);
		s->used = 0;
	}
	memset(s->block + s->used, 0, LEN_OFFSET - s->used);
	for (i = 0; i < 8; i++)
		s->block[LEN_OFFSET + i] = (uint8_t)(bits >> (56 - 8 * i));
	s->algo->block(s->h, s->block);
	for (i = 0; i < s->algo->words; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void
digest_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t mac[DIGEST_SHA256_SIZE])
{
	uint8_t k[DIGEST_BLOCK_SIZE], pad[DIGEST_BLOCK_SIZE];
	uint8_t inner[DIGEST_SHA256_SIZE];
	struct digest s;
	size_t i;

	memset(k, 0, sizeof k);
	if (keylen > sizeof k) {
		digest_sha256_init(&s);
		digest_update(&s, key, keylen);
		digest_final(&s, k);
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	digest_sha256_init(&s);
	digest_update(&s, pad, sizeof pad);
	digest_update(&s, msg, msglen);
	digest_final(&s, inner);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	digest_sha256_init(&s);
	digest_update(&s, pad, sizeof pad);
	digest_update(&s, inner, sizeof inner);
	digest_final(&s, mac);
	/* explicit_bzero: a memset of dying locals is optimised away */
	explicit_bzero(k, sizeof k);
	explicit_bzero(pad, sizeof pad);
	explicit_bzero(inner, sizeof inner);
	explicit_bzero(&s, sizeof s);
}

void
digest_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
    size_t msglen, char out[2 * DIGEST_SHA256_SIZE + 1])
{
	uint8_t mac[DIGEST_SHA256_SIZE];

	digest_hmac_sha256(key, keylen, msg, msglen, mac);
	hex_encode(mac, sizeof mac, out);
}

int
digest_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = alen != blen;
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
