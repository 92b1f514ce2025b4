/*
 * test_lib.c — lib/: the growable buffer and its cap (dbuf.c), Python's
 * repr (pyrepr.c): what their callers in the core and the plugins rely on.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dbuf.h"
#include "pyrepr.h"
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
	cr_assert_eq(dbuf_add(&b, big, SIZE_MAX), -1, "no overflow");
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
