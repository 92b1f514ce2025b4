/*
 * auth.c — HTTP Basic authentication as supervisord does it: a plain or a
 * "{SHA}" + hex SHA-1 password, here compared in constant time.
 *
 * Who may try how often is guard.c's (penalties, the log line).
 *
 * Ownership: nothing is kept; the user name returned is the server's.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "httpd.h"
#include "../common/digest.h"

#define SHA_PREFIX "{SHA}"
#define SHA_PREFIX_LEN 5
#define AUTH_MAX 1024		/* longest credentials we decode */
#define AUTH_LOG_USER 64	/* bytes of an offered user name logged */

static int
is_sha_password(const char *pw)
{
	size_t i;

	if (strncmp(pw, SHA_PREFIX, SHA_PREFIX_LEN) != 0)
		return 0;
	pw += SHA_PREFIX_LEN;
	for (i = 0; i < DIGEST_SHA1_SIZE * 2; i++)
		if (!isxdigit((unsigned char)pw[i]))
			return 0;
	return pw[i] == '\0';
}

int
http_auth_valid_password(const char *pw)
{
	/* A "{SHA}" password that is not 40 hex digits would silently never
	 * match: refuse it at load time instead. */
	if (strncmp(pw, SHA_PREFIX, SHA_PREFIX_LEN) == 0)
		return is_sha_password(pw) ? 0 : -1;
	return 0;
}

static int
password_ok(const char *stored, const char *given, size_t glen)
{
	struct digest ctx;
	uint8_t digest[DIGEST_SHA1_SIZE];
	char hex[DIGEST_SHA1_SIZE * 2 + 1], want[DIGEST_SHA1_SIZE * 2];
	size_t i;

	if (!is_sha_password(stored))
		return digest_equal(stored, strlen(stored), given, glen);
	digest_sha1_init(&ctx);
	digest_update(&ctx, given, glen);
	digest_final(&ctx, digest);
	hex_encode(digest, sizeof digest, hex);
	for (i = 0; i < sizeof want; i++)
		want[i] = (char)tolower((unsigned char)stored[SHA_PREFIX_LEN +
		    i]);
	return digest_equal(hex, sizeof want, want, sizeof want);
}

/* The user name a client offered, for the log: printable ASCII as is
 * (but quote and backslash), the rest as \xHH, cut at AUTH_LOG_USER. */
static void
given_name(const unsigned char *u, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && i < AUTH_LOG_USER && o + 5 < outlen; i++) {
		if (u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\'' &&
		    u[i] != '\\')
			out[o++] = (char)u[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    u[i]);
	}
	if (i < len && o + 3 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

const char *
http_auth_check(const struct http_server *srv, const char *header,
    char *given, size_t givenlen)
{
	unsigned char cred[AUTH_MAX];
	const char *user = srv->s_username, *sep;
	size_t ulen, n;
	long len;
	int ok;

	if (given != NULL && givenlen > 0)
		given[0] = '\0';
	if (user == NULL)
		return "";
	if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
		return NULL;
	header += 6;
	while (*header == ' ')
		header++;
	n = strcspn(header, " \t");
	len = base64_decode(header, n, cred, sizeof cred - 1, 0);
	if (len < 0)
		return NULL;
	cred[len] = '\0';
	sep = memchr(cred, ':', (size_t)len);
	if (sep == NULL)
		return NULL;
	ulen = (size_t)(sep - (const char *)cred);
	if (given != NULL)
		given_name(cred, ulen, given, givenlen);
	/* Both halves are always compared, so timing says nothing about
	 * which one was wrong. */
	ok = digest_equal((const char *)cred, ulen, user, strlen(user));
	ok &= password_ok(srv->s_password, sep + 1,
	    (size_t)len - ulen - 1);
	return ok ? user : NULL;
}
