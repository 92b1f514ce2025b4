/*
 * codec.h — hex and base64, both ways: hex digits of %-escapes, chunk
 * sizes and quoted bytes; lower-case hex of digests and nonces; base64 of
 * Basic credentials (http.so, sthenoctl) and XML-RPC's <base64>.
 *
 * Ownership: the caller's buffers; nothing here allocates but
 * base64_encode, through the caller's struct dbuf.
 */
#ifndef STHENO_CODEC_H
#define STHENO_CODEC_H

#include <stddef.h>

#include "dbuf.h"

/* The value of the hex digit c (either case), or -1. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* len bytes as lower-case hex: 2 * len characters and a NUL in out. */
void hex_encode(const void *in, size_t len, char *out);

#define BASE64_SPACE	0x01	/* skip ' ', \t, \r and \n (XML's) */
#define BASE64_WHOLE	0x02	/* '=' padding, if any, ends a group of 4 */

/*
 * Decode len bytes of base64 (RFC 4648's alphabet) into out, at most
 * outlen bytes: the length decoded, or -1 for a byte outside the
 * alphabet, anything after '=', more than two '=', a lone sixth bit
 * group, or more than outlen bytes.  Without '=' the last group may be
 * short.
 */
long base64_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, int flags);
/* len bytes as base64 with '=' padding, appended to b. */
void base64_encode(struct dbuf *b, const void *in, size_t len);

#endif /* STHENO_CODEC_H */
