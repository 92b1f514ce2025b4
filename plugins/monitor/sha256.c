/*
 * sha256.c — SHA-256 as FIPS 180-4 §6.2 describes it, and HMAC over it as
 * RFC 2104 does (sha256.h).  Checked against the FIPS 180-4 examples and
 * the RFC 4231 HMAC vectors in tests/unit/test_monitor.c.
 */
#include "config.h"

#include <string.h>

#include "sha256.h"

static const uint32_t K[64] = {
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
ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void
sha256_block(struct mon_sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8], t1, t2, s0, s1;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof v);
	for (i = 0; i < 64; i++) {
		s1 = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
		t1 = v[7] + s1 + ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
		s0 = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
		t2 = s0 + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

void
mon_sha256_init(struct mon_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->used = 0;
}

void
mon_sha256_update(struct mon_sha256 *s, const void *data, size_t len)
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
			sha256_block(s, s->block);
			s->used = 0;
		}
	}
}

void
mon_sha256_final(struct mon_sha256 *s, uint8_t digest[MON_SHA256_DIGEST_SIZE])
{
	uint64_t bits = s->len * 8;
	int i;

	s->block[s->used++] = 0x80;
	if (s->used > 56) {
		memset(s->block + s->used, 0, sizeof s->block - s->used);
		sha256_block(s, s->block);
		s->used = 0;
	}
	memset(s->block + s->used, 0, 56 - s->used);
	for (i = 0; i < 8; i++)
		s->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_block(s, s->block);
	for (i = 0; i < 8; i++) {
		digest[4 * i] = (uint8_t)(s->h[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		digest[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void
mon_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t mac[MON_SHA256_DIGEST_SIZE])
{
	uint8_t k[MON_SHA256_BLOCK_SIZE], pad[MON_SHA256_BLOCK_SIZE];
	uint8_t inner[MON_SHA256_DIGEST_SIZE];
	struct mon_sha256 s;
	size_t i;

	memset(k, 0, sizeof k);
	if (keylen > sizeof k) {
		mon_sha256_init(&s);
		mon_sha256_update(&s, key, keylen);
		mon_sha256_final(&s, k);
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	mon_sha256_init(&s);
	mon_sha256_update(&s, pad, sizeof pad);
	mon_sha256_update(&s, msg, msglen);
	mon_sha256_final(&s, inner);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	mon_sha256_init(&s);
	mon_sha256_update(&s, pad, sizeof pad);
	mon_sha256_update(&s, inner, sizeof inner);
	mon_sha256_final(&s, mac);
	memset(k, 0, sizeof k);
	memset(pad, 0, sizeof pad);
}

void
mon_hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
    size_t msglen, char out[2 * MON_SHA256_DIGEST_SIZE + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t mac[MON_SHA256_DIGEST_SIZE];
	size_t i;

	mon_hmac_sha256(key, keylen, msg, msglen, mac);
	for (i = 0; i < sizeof mac; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[2 * sizeof mac] = '\0';
}
