/*
 * tls_fuzzer.c — fuzz target for what tls.so reads itself rather than
 * OpenSSL (plugins/tls/tls_parse.c): the min_version value of [tls:NAME]
 * and the client's ALPN list in a handshake.
 *
 * Input: byte 0 picks the parser, the rest is the value (min_version: a
 * value holding a NUL is skipped, the INI reader never hands one over).
 * The target aborts if:
 *  - min_version accepts a value with an error message, fails without one
 *    or with one that is not NUL-terminated in its buffer, or accepts
 *    anything but TLS 1.2 or 1.3 (0x0303, 0x0304);
 *  - the ALPN walk says http/1.1 is offered when no length-prefixed entry
 *    inside the list is exactly "http/1.1" (checked by a second, plain
 *    walk), or the other way round.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tls_int.h"

static void
fuzz_min_version(const uint8_t *data, size_t size)
{
	char *v, err[160];
	int rc;

	if (memchr(data, '\0', size) != NULL)
		return;
	if ((v = malloc(size + 1)) == NULL)
		abort();
	memcpy(v, data, size);
	v[size] = '\0';
	memset(err, 'x', sizeof err);
	err[0] = '\0';
	rc = tls_parse_min_version(v, err, sizeof err);
	if (rc != -1 && rc != 0x0303 && rc != 0x0304)
		abort();
	if (rc == -1 && (err[0] == '\0' || memchr(err, '\0',
	    sizeof err) == NULL))
		abort();
	if (rc != -1 && err[0] != '\0')
		abort();
	free(v);
}

/* The reference: every entry whose length byte and bytes lie inside. */
static int
alpn_plain(const uint8_t *in, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += 1 + n) {
		n = in[i];
		if (i + 1 + n > len)
			return 0;
		if (n == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0)
			return 1;
	}
	return 0;
}

static void
fuzz_alpn(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	/* an exact-size heap copy, so that ASan sees a read past the end */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	if (tls_alpn_offers_http11(copy, size) != alpn_plain(copy, size))
		abort();
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_alpn(data + 1, size - 1);
	else
		fuzz_min_version(data + 1, size - 1);
	return 0;
}
