/*
 * test_lib.c — lib/: the growable buffer and its cap (dbuf.c), Python's
 * repr (pyrepr.c), hex and base64 (codec.c), lines built without printf
 * (textcat.h): what their callers in the core and the plugins rely on.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "codec.h"
#include "dbuf.h"
#include "pyrepr.h"
#include "textcat.h"
#include "xmalloc.h"

/* --- dbuf ------------------------------------------------------------- */

Test(dbuf, adds_and_keeps_a_terminating_nul)
{
	struct dbuf b = DBUF_INIT;

	cr_assert_eq(dbuf_add(&b, "ab", 2), 0);
	cr_assert_eq(dbuf_addc(&b, 'c'), 0);
	cr_assert_eq(dbuf_puts(&b, "de"), 0);
	cr_assert_eq(dbuf_printf(&b, "%d-%s", 42, "x"), 0);
	cr_assert_eq(DBUF_LIT(&b, "!"), 0);
	cr_assert_eq(b.len, 10);
	cr_assert_str_eq(b.data, "abcde42-x!");
	dbuf_free(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
}

Test(dbuf, holds_nul_bytes_and_long_formatted_text)
{
	struct dbuf b = DBUF_INIT;
	char big[3000];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cr_assert_eq(dbuf_add(&b, "a\0b", 3), 0);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(memcmp(b.data, "a\0b", 4), 0);
	/* past the stack buffer dbuf_vprintf formats small text in */
	cr_assert_eq(dbuf_printf(&b, "<%s>", big), 0);
	cr_assert_eq(b.len, 3 + 2 + sizeof big - 1);
	cr_assert_eq(b.data[b.len], '\0');
	cr_assert_eq(b.data[b.len - 1], '>');
	dbuf_free(&b);
}

Test(dbuf, take_gives_the_string_and_empties_the_buffer)
{
	struct dbuf b = DBUF_INIT;
	char *s;

	s = dbuf_take(&b);	/* nothing added: "", never NULL */
	cr_assert_str_eq(s, "");
	free(s);
	dbuf_puts(&b, "page");
	s = dbuf_take(&b);
	cr_assert_str_eq(s, "page");
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	free(s);
}

Test(dbuf, cap_refuses_growth_past_it_and_keeps_what_it_has)
{
	struct dbuf b;
	char big[100];
	volatile size_t huge = SIZE_MAX;

	memset(big, 'y', sizeof big);
	dbuf_init(&b, 8);
	cr_assert_eq(dbuf_add(&b, "12345", 5), 0);
	cr_assert_eq(dbuf_add(&b, "6789", 4), -1, "9 bytes in a cap of 8");
	cr_assert_eq(b.len, 5);
	cr_assert_str_eq(b.data, "12345");
	cr_assert_eq(dbuf_add(&b, "678", 3), 0, "exactly the cap fits");
	cr_assert_str_eq(b.data, "12345678");
	cr_assert_eq(dbuf_addc(&b, '9'), -1);
	cr_assert_eq(dbuf_puts(&b, ""), 0);
	cr_assert_eq(dbuf_printf(&b, "%d", 1), -1);
	cr_assert_str_eq(b.data, "12345678");
	/* the allocation is larger than the cap: the cap still holds */
	cr_assert_gt(b.cap, 8);
	dbuf_free(&b);
	dbuf_init(&b, 50);
	cr_assert_eq(dbuf_printf(&b, "%.*s", (int)sizeof big, big), -1);
	cr_assert_eq(b.len, 0);
	/* volatile: a constant SIZE_MAX makes gcc -O2 warn about the
	 * memcpy that the refusal never reaches */
	cr_assert_eq(dbuf_add(&b, big, huge), -1, "no overflow");
	dbuf_free(&b);
}

/* --- pyrepr: the expected texts are what python3 prints ---------------- */

static void
assert_repr(const char *in, const char *want)
{
	char *r = pyrepr(in);

	cr_assert_str_eq(r, want, "repr(%s)", in);
	free(r);
}

Test(pyrepr, quotes_as_python_chooses_them)
{
	assert_repr("plain", "'plain'");
	assert_repr("it's", "\"it's\"");
	assert_repr("say \"hi\"", "'say \"hi\"'");
	assert_repr("both ' and \"", "'both \\' and \"'");
	assert_repr("", "''");
}

Test(pyrepr, escapes_backslash_and_control_bytes)
{
	assert_repr("back\\slash", "'back\\\\slash'");
	assert_repr("tab\tnl\ncr\r", "'tab\\tnl\\ncr\\r'");
	assert_repr("\x01\x1f\x7f", "'\\x01\\x1f\\x7f'");
}

Test(pyrepr, keeps_printable_utf8_as_python_does)
{
	/* repr('café 日本') */
	assert_repr("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
	    "'caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac'");
}

Test(pyrepr, bytes_escape_everything_past_ascii)
{
	char *r;

	r = pyrepr_bytes("\0\xff'", 3);	/* repr(b"\x00\xff'") */
	cr_assert_str_eq(r, "b\"\\x00\\xff'\"");
	free(r);
	r = pyrepr_bytes("a\"b", 3);
	cr_assert_str_eq(r, "b'a\"b'");
	free(r);
	r = pyrepr_bytes(NULL, 0);
	cr_assert_str_eq(r, "b''");
	free(r);
}

Test(pyrepr, appends_to_a_buffer_nul_bytes_included)
{
	struct dbuf b = DBUF_INIT;

	dbuf_puts(&b, "x=");
	pyrepr_add(&b, "a\0b", 3, 0);
	cr_assert_str_eq(b.data, "x='a\\x00b'");
	dbuf_free(&b);
}

/* --- hex ---------------------------------------------------------------- */

Test(hex, digits_of_either_case_and_nothing_else)
{
	const char *bad = "gG/:@`\x80 \0";
	size_t i;

	cr_assert_eq(hex_digit('0'), 0);
	cr_assert_eq(hex_digit('9'), 9);
	cr_assert_eq(hex_digit('a'), 10);
	cr_assert_eq(hex_digit('F'), 15);
	for (i = 0; i < strlen(bad) + 1; i++)
		cr_assert_eq(hex_digit((unsigned char)bad[i]), -1, "%#x",
		    (unsigned char)bad[i]);
	cr_assert_eq(hex_digit(-1), -1, "a signed char past 0x7f");
}

Test(hex, encodes_lower_case)
{
	char out[9];

	hex_encode("\x00\x9f\xaB\xff", 4, out);
	cr_assert_str_eq(out, "009fabff");
	hex_encode("", 0, out);
	cr_assert_str_eq(out, "");
}

/* --- base64 ------------------------------------------------------------- */

static long
b64(const char *in, char *out, size_t outlen, int flags)
{
	long n;

	memset(out, 0, outlen);
	n = base64_decode(in, strlen(in), (unsigned char *)out, outlen, flags);
	return n;
}

Test(base64, decodes_padded_and_unpadded)
{
	char out[32];

	cr_assert_eq(b64("dXNlcjpwYXNz", out, sizeof out, 0), 9);
	cr_assert_str_eq(out, "user:pass");
	cr_assert_eq(b64("aGk=", out, sizeof out, 0), 2);
	cr_assert_str_eq(out, "hi");
	cr_assert_eq(b64("aGk", out, sizeof out, 0), 2);
	cr_assert_eq(b64("aA==", out, sizeof out, BASE64_WHOLE), 1);
	cr_assert_str_eq(out, "h");
	cr_assert_eq(b64("", out, sizeof out, 0), 0);
}

Test(base64, rejects_bad_input)
{
	static const char *const bad[] = {
		"a",		/* a lone sixth bit group */
		"aGk*",		/* outside the alphabet */
		"aG=k",		/* data after padding */
		"aA===",	/* three '=' */
		"aGk =",	/* a space without BASE64_SPACE */
		"-_8=",		/* the URL-safe alphabet is not this one */
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(b64(bad[i], out, sizeof out, 0), -1, "%s",
		    bad[i]);
	/* BASE64_WHOLE: padding must end a group of four */
	cr_assert_eq(b64("aGk", out, sizeof out, BASE64_WHOLE), 2);
	cr_assert_eq(b64("aA=", out, sizeof out, 0), 1);
	cr_assert_eq(b64("aA=", out, sizeof out, BASE64_WHOLE), -1);
	cr_assert_eq(b64("aGk==", out, sizeof out, BASE64_WHOLE), -1);
}

Test(base64, refuses_more_than_fits)
{
	char out[8];

	cr_assert_eq(b64("aGVsbG8=", out, 5, 0), 5);
	cr_assert_eq(b64("aGVsbG8=", out, 4, 0), -1);
}

Test(base64, skips_xml_white_space_when_asked)
{
	char out[32];

	cr_assert_eq(b64(" aG\r\nk=\t", out, sizeof out,
	    BASE64_SPACE | BASE64_WHOLE), 2);
	cr_assert_str_eq(out, "hi");
	cr_assert_eq(b64("aG\vk=", out, sizeof out, BASE64_SPACE), -1,
	    "\\v is not XML white space");
}

Test(base64, encodes_what_it_decodes)
{
	static const char *const in[] = { "", "h", "hi", "hi!", "user:pass" };
	static const char *const want[] = {
		"", "aA==", "aGk=", "aGkh", "dXNlcjpwYXNz"
	};
	struct dbuf b = DBUF_INIT;
	char out[32];
	size_t i;

	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		b.len = 0;
		dbuf_add(&b, "", 0);
		base64_encode(&b, in[i], strlen(in[i]));
		cr_assert_str_eq(b.data, want[i]);
		cr_assert_eq(b64(b.data, out, sizeof out, BASE64_WHOLE),
		    (long)strlen(in[i]));
		cr_assert_str_eq(out, in[i]);
	}
	dbuf_free(&b);
}

/* --- dbuf_room / dbuf_commit ------------------------------------------ */

Test(dbuf, room_then_commit_takes_what_was_written)
{
	struct dbuf b = DBUF_INIT, capped;
	char *w;

	DBUF_LIT(&b, "ab");
	w = dbuf_room(&b, 100);
	cr_assert_not_null(w);
	cr_assert_eq(w, b.data + 2);
	memcpy(w, "cde", 3);
	dbuf_commit(&b, w + 3);
	cr_assert_eq(b.len, 5);
	cr_assert_str_eq(b.data, "abcde");
	dbuf_free(&b);

	dbuf_init(&capped, 4);
	cr_assert_not_null(dbuf_room(&capped, 4));
	cr_assert_null(dbuf_room(&capped, 5), "room past the cap");
	cr_assert_eq(capped.len, 0);
	dbuf_free(&capped);
}

/* --- textcat ------------------------------------------------------------ */

/* The envelope's pieces through textcat and through snprintf, into a
 * buffer of cap bytes: the same bytes, the same length, the same NUL. */
static void
same_as_snprintf(size_t cap, const char *name, long a, unsigned long b)
{
	char want[256], got[256];
	struct textcat t;
	int n;

	memset(want, 'Z', sizeof want);
	memset(got, 'Z', sizeof got);
	n = snprintf(want, cap, "ver:3.0 server:%s serial:%ld len:%lu\n",
	    name, a, b);
	tc_init(&t, got, cap);
	TC_LIT(&t, "ver:3.0 server:");
	tc_str(&t, name);
	TC_LIT(&t, " serial:");
	tc_long(&t, a);
	TC_LIT(&t, " len:");
	tc_ulong(&t, b);
	TC_LIT(&t, "\n");
	cr_assert_eq(tc_end(&t), (size_t)n, "cap %zu, %ld", cap, a);
	cr_assert(memcmp(got, want, sizeof got) == 0, "cap %zu, %ld: "
	    "'%.*s' against '%.*s'", cap, a, (int)cap, got, (int)cap, want);
}

Test(textcat, writes_what_snprintf_writes_and_cuts_where_it_cuts)
{
	static const long nums[] = { 0, 7, -1, 10, 99, 100, -12345,
		2147483647L, LONG_MAX, LONG_MIN };
	size_t i, cap;

	for (i = 0; i < sizeof nums / sizeof nums[0]; i++)
		for (cap = 0; cap <= 80; cap++)
			same_as_snprintf(cap, "supervisor", nums[i],
			    (unsigned long)nums[i]);
	same_as_snprintf(sizeof "ver:3.0 server:", "", 1, ULONG_MAX);
}
