/*
 * auth_fuzzer.c — fuzz target for HTTP Basic auth (plugins/http/auth.c):
 * the base64 decoder and the credential check.
 *
 * Input: NUL-separated fields: a stored password (plain, or "{SHA}" +
 * hex when it is valid as one), an Authorization header, credentials
 * ("user:password" bytes).  The target aborts if:
 *  - base64 of any bytes (the whole input) does not decode back to
 *    them, with or without its padding, or decodes into a buffer one
 *    byte too small;
 *  - a decode of the header's text says it wrote more than 3/4 of it;
 *  - "Basic " + base64(credentials) is accepted although credentials
 *    are not "user:" + the stored plain password, or refused although
 *    they are;
 *  - the user name reported for the log holds a byte outside printable
 *    ASCII or a quote, or overflows its buffer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "httpd.h"
#include "fuzz.h"

#define NFIELDS 3

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding; a malloc'd string. */
static char *
encode(const uint8_t *in, size_t len)
{
	char *out = malloc(4 * (len / 3 + 1) + 1), *o = out;
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static void
round_trip(const uint8_t *data, size_t size)
{
	char *e = encode(data, size);
	size_t elen = strlen(e), bare = elen;
	unsigned char *out = malloc(size + 1);
	long n;

	while (bare > 0 && e[bare - 1] == '=')
		bare--;
	n = base64_decode(e, elen, out, size, 0);
	if (n != (long)size || memcmp(out, data, size) != 0)
		abort();
	n = base64_decode(e, bare, out, size, 0);
	if (n != (long)size || memcmp(out, data, size) != 0)
		abort();
	if (size > 0 && base64_decode(e, elen, out, size - 1, 0) != -1)
		abort();
	free(out);
	free(e);
}

static void
check_given(const char *given)
{
	const char *p;

	if (strlen(given) >= HTTP_AUTH_GIVEN)
		abort();
	for (p = given; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\'')
			abort();
}

static void
check_creds(const char *stored, const char *header, const char *cred)
{
	struct http_server s;
	char given[HTTP_AUTH_GIVEN], *hdr, *e;
	unsigned char out[1024];
	const char *r;
	int plain, want;

	memset(&s, 0, sizeof s);
	s.s_username = "user";
	s.s_password = (char *)stored;
	if (http_auth_valid_password(stored) == -1)
		return;
	plain = strncmp(stored, "{SHA}", 5) != 0;
	if (header != NULL) {
		if (base64_decode(header, strlen(header), out,
		    sizeof out, 0) > (long)(strlen(header) * 3 / 4))
			abort();
		(void)http_auth_check(&s, header, given, sizeof given);
		check_given(given);
	}
	if (cred == NULL)
		return;
	e = encode((const uint8_t *)cred, strlen(cred));
	hdr = malloc(strlen(e) + 7);
	snprintf(hdr, strlen(e) + 7, "Basic %s", e);
	r = http_auth_check(&s, hdr, given, sizeof given);
	check_given(given);
	if (plain) {
		want = strncmp(cred, "user:", 5) == 0 &&
		    strcmp(cred + 5, stored) == 0 && strlen(cred) <= 1023;
		if ((r != NULL) != want)
			abort();
	}
	free(hdr);
	free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NFIELDS], *buf, *p, *end;
	size_t i;

	round_trip(data, size);
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	for (i = 0, p = buf; i < NFIELDS; i++) {
		f[i] = p <= end ? p : NULL;
		if (p <= end)
			p += strlen(p) + 1;
	}
	check_creds(f[0], f[1], f[2]);
	free(buf);
	return 0;
}
