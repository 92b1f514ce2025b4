/*
 * test_http_auth.c — plugins/http/auth.c: Basic credentials against plain
 * and {SHA} passwords, as supervisord checks them; the SHA-1 of
 * plugins/common/digest.c against the FIPS 180 vectors and against
 * Python's hashlib at every length around the padding boundaries.
 *
 * Ownership: each test owns the server record it builds on the stack.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "digest.h"
#include "httpd.h"

/* base64("user:123") and base64("user:wrong") */
#define GOOD "Basic dXNlcjoxMjM="
#define BAD "Basic dXNlcjp3cm9uZw=="

static struct http_server
server(const char *user, const char *pass)
{
	struct http_server s;

	memset(&s, 0, sizeof s);
	s.s_username = (char *)user;
	s.s_password = (char *)pass;
	return s;
}

Test(http_auth, no_auth_configured_lets_everyone_in)
{
	struct http_server s = server(NULL, NULL);

	cr_assert_not_null(http_auth_check(&s, NULL, NULL, 0));
}

Test(http_auth, plain_password)
{
	struct http_server s = server("user", "123");

	cr_assert_str_eq(http_auth_check(&s, GOOD, NULL, 0), "user");
	cr_assert_null(http_auth_check(&s, BAD, NULL, 0));
	cr_assert_null(http_auth_check(&s, NULL, NULL, 0));
	cr_assert_null(http_auth_check(&s, "Digest dXNlcjoxMjM=", NULL, 0));
	cr_assert_null(http_auth_check(&s, "Basic !!!", NULL, 0));
	cr_assert_null(http_auth_check(&s, "Basic dXNlcg==", NULL, 0));	/* "user" */
	/* The scheme is case-insensitive. */
	cr_assert_str_eq(http_auth_check(&s, "basic dXNlcjoxMjM=", NULL, 0), "user");
}

Test(http_auth, sha_password)
{
	/* sha1("123") */
	struct http_server s = server("user",
	    "{SHA}40bd001563085fc35165329ea1ff5c5ecbdbbeef");
	struct http_server upper = server("user",
	    "{SHA}40BD001563085FC35165329EA1FF5C5ECBDBBEEF");

	cr_assert_str_eq(http_auth_check(&s, GOOD, NULL, 0), "user");
	cr_assert_str_eq(http_auth_check(&upper, GOOD, NULL, 0), "user");
	cr_assert_null(http_auth_check(&s, BAD, NULL, 0));
	/* The hash itself is not a password. */
	cr_assert_null(http_auth_check(&s, "Basic dXNlcjp7U0hBfTQwYmQwMDE1NjMw"
	    "ODVmYzM1MTY1MzI5ZWExZmY1YzVlY2JkYmJlZWY=", NULL, 0));
}

Test(http_auth, password_validation)
{
	cr_assert_eq(http_auth_valid_password("plain"), 0);
	cr_assert_eq(http_auth_valid_password(
	    "{SHA}40bd001563085fc35165329ea1ff5c5ecbdbbeef"), 0);
	cr_assert_eq(http_auth_valid_password("{SHA}40bd"), -1);
	cr_assert_eq(http_auth_valid_password(
	    "{SHA}40bd001563085fc35165329ea1ff5c5ecbdbbeeg"), -1);
}

Test(http_auth, helpers)
{
	unsigned char out[16];

	cr_assert_eq(base64_decode("aGk=", 4, out, sizeof out, 0), 2);
	cr_assert_eq(memcmp(out, "hi", 2), 0);
	cr_assert_eq(base64_decode("aGk", 3, out, sizeof out, 0), 2);
	cr_assert_eq(base64_decode("a", 1, out, sizeof out, 0), -1);
	cr_assert_eq(base64_decode("aG=k", 4, out, sizeof out, 0), -1);
	cr_assert_eq(base64_decode("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=",
	    32, out, sizeof out, 0), -1);
}

static void
sha1_hex(const void *data, size_t len, size_t chunk, char hex[41])
{
	struct digest s;
	uint8_t d[DIGEST_SHA1_SIZE];
	const char *p = data;
	size_t n;
	int i;

	digest_sha1_init(&s);
	while (len > 0) {
		n = len < chunk ? len : chunk;
		digest_update(&s, p, n);
		p += n;
		len -= n;
	}
	digest_final(&s, d);
	for (i = 0; i < DIGEST_SHA1_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-2 appendix A, and the empty message */
Test(digest_sha1, fips_vectors)
{
	char hex[41], *m;

	sha1_hex("", 0, 1, hex);
	cr_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sha1_hex("abc", 3, 1, hex);
	cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha1_hex(m, strlen(m), 7, hex);
	cr_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	m = malloc(1000000);
	cr_assert_not_null(m);
	memset(m, 'a', 1000000);
	sha1_hex(m, 1000000, 4093, hex);
	cr_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(m);
}

/* Every length from 0 to 130 bytes (both padding cases, one and two
 * final blocks), hashed whole and byte by byte, against hashlib. */
Test(digest_sha1, agrees_with_python_hashlib)
{
	char cmd[256], want[41], hex[41], hex1[41];
	unsigned char msg[130];
	FILE *py;
	size_t len, i;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)(i * 37 + 11);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import hashlib\n"
	    "m = bytes((i * 37 + 11) %% 256 for i in range(130))\n"
	    "for n in range(131): print(hashlib.sha1(m[:n]).hexdigest())'");
	py = popen(cmd, "r");
	cr_assert_not_null(py);
	for (len = 0; len <= sizeof msg; len++) {
		cr_assert_eq(fscanf(py, "%40s", want), 1, "python gave %zu "
		    "digests", len);
		sha1_hex(msg, len, sizeof msg, hex);
		sha1_hex(msg, len, 1, hex1);
		cr_assert_str_eq(hex, want, "length %zu", len);
		cr_assert_str_eq(hex1, want, "length %zu, byte by byte", len);
	}
	/* read to the end: an unbuffered Python (PYTHONUNBUFFERED) writes
	 * the last newline on its own, and would die of EPIPE */
	while (fgetc(py) != EOF)
		;
	cr_assert_eq(pclose(py), 0);
}
