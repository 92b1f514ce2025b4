/*
 * tls_parse.c — the values of [tls:NAME] and of the handshake that the
 * plugin reads itself rather than OpenSSL (tls_int.h).
 *
 * Ownership: pure functions; they keep nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tls_int.h"

/* What min_version accepts: TLS 1.0 and 1.1 are not offered at all
 * (RFC 8996 deprecates them). */
static const struct {
	const char *name;
	int version;
} tls_versions[] = {
	{ "1.2", 0x0303 },
	{ "TLSv1.2", 0x0303 },
	{ "1.3", 0x0304 },
	{ "TLSv1.3", 0x0304 },
};

int
tls_parse_min_version(const char *value, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof tls_versions / sizeof tls_versions[0]; i++) {
		if (strcmp(value, tls_versions[i].name) == 0)
			return tls_versions[i].version;
	}
	snprintf(err, errlen, "'%.64s' is not a TLS version this server "
	    "offers (1.2 or 1.3)", value);
	return -1;
}

int
tls_alpn_offers_http11(const unsigned char *in, size_t inlen)
{
	static const char h11[] = "http/1.1";
	size_t i = 0, n;

	while (i < inlen) {
		n = in[i++];
		if (n > inlen - i)
			return 0;
		if (n == sizeof h11 - 1 && memcmp(in + i, h11, n) == 0)
			return 1;
		i += n;
	}
	return 0;
}
