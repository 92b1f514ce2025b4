/*
 * test_http_auth.c — plugins/http/auth.c: Basic credentials against plain
 * and {SHA} passwords, as supervisord checks them.
 *
 * Ownership: each test owns the server record it builds on the stack.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "http.h"

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

	cr_assert_not_null(http_auth_check(&s, NULL));
}

Test(http_auth, plain_password)
{
	struct http_server s = server("user", "123");

	cr_assert_str_eq(http_auth_check(&s, GOOD), "user");
	cr_assert_null(http_auth_check(&s, BAD));
	cr_assert_null(http_auth_check(&s, NULL));
	cr_assert_null(http_auth_check(&s, "Digest dXNlcjoxMjM="));
	cr_assert_null(http_auth_check(&s, "Basic !!!"));
	cr_assert_null(http_auth_check(&s, "Basic dXNlcg=="));	/* "user" */
	/* The scheme is case-insensitive. */
	cr_assert_str_eq(http_auth_check(&s, "basic dXNlcjoxMjM="), "user");
}

Test(http_auth, sha_password)
{
	/* sha1("123") */
	struct http_server s = server("user",
	    "{SHA}40bd001563085fc35165329ea1ff5c5ecbdbbeef");
	struct http_server upper = server("user",
	    "{SHA}40BD001563085FC35165329EA1FF5C5ECBDBBEEF");

	cr_assert_str_eq(http_auth_check(&s, GOOD), "user");
	cr_assert_str_eq(http_auth_check(&upper, GOOD), "user");
	cr_assert_null(http_auth_check(&s, BAD));
	/* The hash itself is not a password. */
	cr_assert_null(http_auth_check(&s, "Basic dXNlcjp7U0hBfTQwYmQwMDE1NjMw"
	    "ODVmYzM1MTY1MzI5ZWExZmY1YzVlY2JkYmJlZWY="));
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

	cr_assert(http_ct_equal("abc", 3, "abc", 3));
	cr_assert_not(http_ct_equal("abc", 3, "abd", 3));
	cr_assert_not(http_ct_equal("abc", 3, "abcd", 4));
	cr_assert_eq(http_base64_decode("aGk=", 4, out, sizeof out), 2);
	cr_assert_eq(memcmp(out, "hi", 2), 0);
	cr_assert_eq(http_base64_decode("aGk", 3, out, sizeof out), 2);
	cr_assert_eq(http_base64_decode("a", 1, out, sizeof out), -1);
	cr_assert_eq(http_base64_decode("aG=k", 4, out, sizeof out), -1);
	cr_assert_eq(http_base64_decode("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=",
	    32, out, sizeof out), -1);
}
