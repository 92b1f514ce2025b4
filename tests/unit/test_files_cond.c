/*
 * test_files_cond.c — the files extension's pure parts: request paths and
 * their escapes, HTTP dates, validators, conditional requests, Range, the
 * Content-Type table and the small-file cache.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vfs.h"
#include "../../plugins/http/files/files.h"

static int
target(const char *t, char *out, int *slash)
{
	return files_target_path(t, vfs_url_decode, out, FILES_PATH_MAX,
	    slash);
}

Test(files_path, decodes_once_and_keeps_the_slash)
{
	char out[FILES_PATH_MAX];
	int slash;

	cr_assert_eq(target("/a%20b/c.txt?x=%2e%2e#f", out, &slash), 0);
	cr_assert_str_eq(out, "/a b/c.txt");
	cr_assert_eq(slash, 0);
	cr_assert_eq(target("/dir/", out, &slash), 0);
	cr_assert_eq(slash, 1);
	/* %25 decodes to a literal '%': never decoded a second time. */
	cr_assert_eq(target("/%252e%252e/x", out, &slash), 0);
	cr_assert_str_eq(out, "/%2e%2e/x");
	cr_assert_eq(target("http://example.org/a/b", out, &slash), 0);
	cr_assert_str_eq(out, "/a/b");
	/* dot-segments that stay inside are fine */
	cr_assert_eq(target("/a/../b", out, &slash), 0);
}

Test(files_path, refuses_every_escape)
{
	static const char *const bad[] = {
		"/..", "/../etc/passwd", "/%2e%2e/etc/passwd",
		"/%2E%2E/etc/passwd", "/a/../../etc", "/./../x",
		"/a%2f..%2f..%2fetc", "/a%2F..", "/%00", "/a%00.html",
		"/%", "/%zz", "/%2", "/..%2fetc", "/a\\..\\..\\x",
		"/a/%2e%2e/%2e%2e/x", "/.%2e/x", "/%2e./x", "x", "",
		"*", "/..//..//etc",
	};
	char out[FILES_PATH_MAX];
	size_t i;
	int slash;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(target(bad[i], out, &slash), 400, "%s", bad[i]);
}

Test(files_path, too_long_is_414)
{
	char big[FILES_PATH_MAX + 10], out[FILES_PATH_MAX];
	int slash;

	memset(big, 'a', sizeof big - 1);
	big[0] = '/';
	big[sizeof big - 1] = '\0';
	cr_assert_eq(target(big, out, &slash), 414);
}

Test(files_path, location_encoding)
{
	char out[64];

	cr_assert_eq(files_encode_path("/a b/ü?#%", out, sizeof out), 0);
	cr_assert_str_eq(out, "/a%20b/%C3%BC%3F%23%25");
	cr_assert_eq(files_encode_path("/abcdef", out, 4), -1);
}

Test(files_date, three_formats_and_garbage)
{
	cr_assert_eq(files_parse_date("Sun, 06 Nov 1994 08:49:37 GMT"),
	    784111777);
	cr_assert_eq(files_parse_date("Sunday, 06-Nov-94 08:49:37 GMT"),
	    784111777);
	cr_assert_eq(files_parse_date("Sun Nov  6 08:49:37 1994"), 784111777);
	cr_assert_eq(files_parse_date("yesterday"), -1);
	cr_assert_eq(files_parse_date("Sun, 06 Foo 1994 08:49:37 GMT"), -1);
	cr_assert_eq(files_parse_date("Sun, 06 Nov 1994 25:49:37 GMT"), -1);
	cr_assert_eq(files_parse_date(""), -1);
}

Test(files_date, format_round_trips)
{
	char buf[40];

	files_format_date(784111777, buf, sizeof buf);
	cr_assert_str_eq(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	cr_assert_eq(files_parse_date(buf), 784111777);
}

Test(files_cond, if_none_match_wins_over_if_modified_since)
{
	const char *etag = "\"1-2-3\"";
	const char *old = "Sun, 06 Nov 1994 08:49:37 GMT";
	time_t now = 2000000000;

	cr_assert(files_not_modified("\"1-2-3\"", NULL, etag, 5, 10, now));
	cr_assert(files_not_modified("\"x\", W/\"1-2-3\"", NULL, etag, 5, 10,
	    now));
	cr_assert(files_not_modified("*", NULL, etag, 5, 10, now));
	cr_assert_not(files_not_modified("\"1-2-4\"", NULL, etag, 5, 10,
	    now));
	/* A non-matching If-None-Match voids a matching IMS. */
	cr_assert_not(files_not_modified("\"nope\"", old, etag, 5, 10, now));
	/* IMS: mtime <= date */
	cr_assert(files_not_modified(NULL, old, etag, 784111777, 10, now));
	cr_assert_not(files_not_modified(NULL, old, etag, 784111778, 10,
	    now));
	/* A date in the future is invalid (ignored). */
	cr_assert_not(files_not_modified(NULL,
	    "Thu, 01 Jan 2099 00:00:00 GMT", etag, 5, 10, now));
	/* Netscape's length: a mismatch voids the test. */
	cr_assert(files_not_modified(NULL, "Sun, 06 Nov 1994 08:49:37 GMT; "
	    "length=10", etag, 5, 10, now));
	cr_assert_not(files_not_modified(NULL, "Sun, 06 Nov 1994 08:49:37 "
	    "GMT; length=11", etag, 5, 10, now));
	cr_assert_not(files_not_modified(NULL, "garbage", etag, 5, 10, now));
}

Test(files_cond, if_range)
{
	cr_assert(files_if_range_ok("\"1-2-3\"", "\"1-2-3\"", 5));
	cr_assert_not(files_if_range_ok("W/\"1-2-3\"", "\"1-2-3\"", 5));
	cr_assert(files_if_range_ok("Sun, 06 Nov 1994 08:49:37 GMT",
	    "\"x\"", 784111777));
	cr_assert_not(files_if_range_ok("Sun, 06 Nov 1994 08:49:37 GMT",
	    "\"x\"", 784111778));
}

Test(files_range, single_ranges)
{
	off_t off, len;

	cr_assert_eq(files_parse_range("bytes=0-9", 100, &off, &len),
	    FILES_RANGE_OK);
	cr_assert(off == 0 && len == 10);
	cr_assert_eq(files_parse_range("bytes=90-", 100, &off, &len),
	    FILES_RANGE_OK);
	cr_assert(off == 90 && len == 10);
	cr_assert_eq(files_parse_range("bytes=-5", 100, &off, &len),
	    FILES_RANGE_OK);
	cr_assert(off == 95 && len == 5);
	cr_assert_eq(files_parse_range("bytes=-500", 100, &off, &len),
	    FILES_RANGE_OK);
	cr_assert(off == 0 && len == 100);
	cr_assert_eq(files_parse_range("bytes=50-5000", 100, &off, &len),
	    FILES_RANGE_OK);
	cr_assert(off == 50 && len == 50);
	cr_assert_eq(files_parse_range("bytes=99-99", 100, &off, &len),
	    FILES_RANGE_OK);
	cr_assert(off == 99 && len == 1);
	cr_assert_eq(files_parse_range("bytes=0-99999999999999999999999",
	    100, &off, &len), FILES_RANGE_OK);
	cr_assert(off == 0 && len == 100);
}

Test(files_range, unsatisfiable_and_ignored)
{
	off_t off, len;

	cr_assert_eq(files_parse_range("bytes=100-", 100, &off, &len),
	    FILES_RANGE_UNSAT);
	cr_assert_eq(files_parse_range("bytes=200-300", 100, &off, &len),
	    FILES_RANGE_UNSAT);
	cr_assert_eq(files_parse_range("bytes=-0", 100, &off, &len),
	    FILES_RANGE_UNSAT);
	cr_assert_eq(files_parse_range("bytes=0-", 0, &off, &len),
	    FILES_RANGE_UNSAT);
	cr_assert_eq(files_parse_range("bytes=99999999999999999999999-",
	    100, &off, &len), FILES_RANGE_UNSAT);
	/* ignored: several ranges, other units, nonsense, b < a */
	cr_assert_eq(files_parse_range("bytes=0-1,5-6", 100, &off, &len),
	    FILES_RANGE_NONE);
	cr_assert_eq(files_parse_range("items=0-1", 100, &off, &len),
	    FILES_RANGE_NONE);
	cr_assert_eq(files_parse_range("bytes=abc", 100, &off, &len),
	    FILES_RANGE_NONE);
	cr_assert_eq(files_parse_range("bytes=9-3", 100, &off, &len),
	    FILES_RANGE_NONE);
	cr_assert_eq(files_parse_range("bytes=1-2x", 100, &off, &len),
	    FILES_RANGE_NONE);
	cr_assert_eq(files_parse_range("bytes=-", 100, &off, &len),
	    FILES_RANGE_NONE);
}

Test(files_etag, changes_with_the_file)
{
	struct stat a, b;
	char ea[64], eb[64];

	memset(&a, 0, sizeof a);
	a.st_ino = 42;
	a.st_size = 1024;
	a.st_mtim.tv_sec = 1000;
	b = a;
	files_etag(&a, ea, sizeof ea);
	cr_assert_eq(ea[0], '"');
	cr_assert_eq(ea[strlen(ea) - 1], '"');
	b.st_mtim.tv_nsec = 5000;
	files_etag(&b, eb, sizeof eb);
	cr_assert_str_neq(ea, eb);
	b = a;
	b.st_size = 1025;
	files_etag(&b, eb, sizeof eb);
	cr_assert_str_neq(ea, eb);
}

Test(files_mime, by_extension)
{
	cr_assert(files_mime_table_sorted());
	cr_assert_str_eq(files_mime_type("/a/index.html"),
	    "text/html; charset=utf-8");
	cr_assert_str_eq(files_mime_type("/x.CSS"), "text/css; charset=utf-8");
	cr_assert_str_eq(files_mime_type("/img.png"), "image/png");
	cr_assert_str_eq(files_mime_type("/a.tar.gz"), "application/gzip");
	cr_assert_str_eq(files_mime_type("/noext"),
	    "application/octet-stream");
	cr_assert_str_eq(files_mime_type("/dir.d/noext"),
	    "application/octet-stream");
	cr_assert_str_eq(files_mime_type("/x.unknownext"),
	    "application/octet-stream");
	cr_assert_str_eq(files_mime_type("/trailing."),
	    "application/octet-stream");
}

Test(files_cache, keeps_expires_and_caps)
{
	struct files_cache c;
	struct files_meta m;
	const struct files_entry *e;
	char big[FILES_SMALL_MAX + 1];

	memset(&m, 0, sizeof m);
	m.size = 5;
	files_cache_init(&c, 100, 2);
	cr_assert_null(files_cache_get(&c, "/a", 1000));
	cr_assert_not_null(files_cache_put(&c, "/a", &m, "hello", 5, 1000));
	e = files_cache_get(&c, "/a", 1001);
	cr_assert_not_null(e);
	cr_assert_eq(e->e_len, 5);
	cr_assert_eq(memcmp(e->e_data, "hello", 5), 0);
	/* expired after cache_valid seconds: read again */
	cr_assert_null(files_cache_get(&c, "/a", 1002));
	cr_assert_eq(c.c_count, 0);
	/* over the byte cap: not kept */
	memset(big, 'x', sizeof big);
	cr_assert_null(files_cache_put(&c, "/big", &m, big, 200, 1000));
	cr_assert_null(files_cache_put(&c, "/huge", &m, big, sizeof big,
	    1000));
	/* full: expired entries make room, live ones do not */
	cr_assert_not_null(files_cache_put(&c, "/b", &m, big, 90, 1000));
	cr_assert_null(files_cache_put(&c, "/c", &m, big, 50, 1001));
	cr_assert_not_null(files_cache_put(&c, "/c", &m, big, 50, 1003));
	cr_assert_null(files_cache_get(&c, "/b", 1003));
	files_cache_clear(&c);
	/* off */
	files_cache_init(&c, 0, 1);
	cr_assert_null(files_cache_put(&c, "/a", &m, "hello", 5, 1000));
	files_cache_clear(&c);
}
