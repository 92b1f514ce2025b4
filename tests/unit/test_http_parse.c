/*
 * test_http_parse.c — plugins/http/parse.c (and response.c's error page):
 * requests in, parsed messages or the right error status out, whatever way
 * the bytes are split.
 *
 * Ownership: each test owns its parser and frees it.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "httpd.h"

static struct http_parser P;

static void
setup(void)
{
	http_parser_init(&P, NULL);
}

static void
teardown(void)
{
	http_parser_free(&P);
}

TestSuite(http_parse, .init = setup, .fini = teardown);

/* Feed all of s; return the last result and how much was used. */
static int
feed_all(struct http_parser *p, const char *s, size_t len, size_t *total)
{
	size_t used, off = 0;
	int r;

	for (;;) {
		r = http_parser_feed(p, s + off, len - off, &used);
		off += used;
		if (r == HTTP_P_DONE || r == HTTP_P_ERROR)
			break;
		if (r == HTTP_P_MORE && off == len)
			break;
	}
	if (total != NULL)
		*total = off;
	return r;
}

static int
feed_str(const char *s)
{
	return feed_all(&P, s, strlen(s), NULL);
}

/* Feed one byte at a time, as a slow client would. */
static int
feed_bytewise(struct http_parser *p, const char *s)
{
	size_t i, used, n = strlen(s);
	int r = HTTP_P_MORE;

	for (i = 0; i < n; i++) {
		do {
			r = http_parser_feed(p, s + i, 1, &used);
		} while (r == HTTP_P_HEAD && used == 0);
		if (r == HTTP_P_ERROR || r == HTTP_P_DONE)
			return r;
		cr_assert_eq(used, 1);
	}
	/* a body-less request completes on the next (empty) feed */
	while (r == HTTP_P_HEAD || (r == HTTP_P_MORE &&
	    p->st == HP_COMPLETE))
		r = http_parser_feed(p, "", 0, &used);
	return r;
}

static void
expect_error(const char *req, int status)
{
	struct http_parser p;
	int r;

	http_parser_init(&p, NULL);
	r = feed_all(&p, req, strlen(req), NULL);
	cr_assert_eq(r, HTTP_P_ERROR, "request %s: result %d", req, r);
	cr_assert_eq(p.error, status, "request %s: status %d, want %d", req,
	    p.error, status);
	http_parser_free(&p);
}

Test(http_parse, simple_get)
{
	cr_assert_eq(feed_str("GET /a%20b/c?x=1&y=%41 HTTP/1.1\r\n"
	    "Host: example\r\nUser-Agent:  curl/7  \r\n\r\n"), HTTP_P_DONE);
	cr_assert_str_eq(P.msg.method, "GET");
	cr_assert_str_eq(P.msg.target, "/a%20b/c?x=1&y=%41");
	cr_assert_str_eq(P.msg.path, "/a b/c");
	cr_assert_str_eq(P.msg.query, "x=1&y=%41");
	cr_assert_eq(P.msg.version, 11);
	cr_assert_str_eq(http_msg_header(&P.msg, "user-agent"), "curl/7");
	cr_assert_str_eq(http_msg_header(&P.msg, "HOST"), "example");
	cr_assert_null(http_msg_header(&P.msg, "Cookie"));
	cr_assert(P.msg.keepalive);
	cr_assert_eq(P.msg.bodylen, 0);
	cr_assert_str_eq(P.msg.body, "");
}

Test(http_parse, bytewise_same_result)
{
	struct http_parser p;

	http_parser_init(&p, NULL);
	cr_assert_eq(feed_bytewise(&p, "\r\nPOST /RPC2 HTTP/1.0\r\n"
	    "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello"),
	    HTTP_P_DONE);
	cr_assert_str_eq(p.msg.path, "/RPC2");
	cr_assert_eq(p.msg.version, 10);
	cr_assert(p.msg.keepalive);
	cr_assert_eq(p.msg.bodylen, 5);
	cr_assert_str_eq(p.msg.body, "hello");
	http_parser_free(&p);
}

Test(http_parse, keepalive_rules)
{
	static const struct {
		const char *req;
		int keep;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		http_parser_reset(&P);
		cr_assert_eq(feed_str(cases[i].req), HTTP_P_DONE);
		cr_assert_eq(P.msg.keepalive, cases[i].keep, "%s",
		    cases[i].req);
	}
}

Test(http_parse, pipelined_requests_one_at_a_time)
{
	const char *two = "GET /one HTTP/1.1\r\n\r\n"
	    "POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
	    "HEAD /three HTTP/1.1\r\n\r\n";
	size_t used, off = 0, len = strlen(two);

	cr_assert_eq(feed_all(&P, two, len, &used), HTTP_P_DONE);
	cr_assert_str_eq(P.msg.path, "/one");
	cr_assert_eq(used, strlen("GET /one HTTP/1.1\r\n\r\n"));
	off += used;
	http_parser_reset(&P);
	cr_assert_eq(feed_all(&P, two + off, len - off, &used), HTTP_P_DONE);
	cr_assert_str_eq(P.msg.path, "/two");
	cr_assert_str_eq(P.msg.body, "abc");
	off += used;
	http_parser_reset(&P);
	cr_assert_eq(feed_all(&P, two + off, len - off, &used), HTTP_P_DONE);
	cr_assert_str_eq(P.msg.path, "/three");
	cr_assert(P.msg.head_method);
	cr_assert_eq(off + used, len);
}

Test(http_parse, chunked_body_with_ext_and_trailer)
{
	const char *req = "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
	    "GET /next HTTP/1.1\r\n\r\n";
	size_t used;
	struct http_parser p;

	cr_assert_eq(feed_all(&P, req, strlen(req), &used), HTTP_P_DONE);
	cr_assert(P.msg.chunked);
	cr_assert_eq(P.msg.bodylen, 11);
	cr_assert_str_eq(P.msg.body, "hello world");
	cr_assert_str_eq(req + used, "GET /next HTTP/1.1\r\n\r\n");

	http_parser_init(&p, NULL);
	cr_assert_eq(feed_bytewise(&p, "POST /up HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n"),
	    HTTP_P_DONE);
	cr_assert_str_eq(p.msg.body, "0123456789");
	http_parser_free(&p);
}

Test(http_parse, head_is_reported_before_body)
{
	size_t used;
	const char *req = "PUT /x HTTP/1.1\r\nContent-Length: 4\r\n"
	    "Expect: 100-continue\r\n\r\n";

	cr_assert_eq(http_parser_feed(&P, req, strlen(req), &used),
	    HTTP_P_HEAD);
	cr_assert_eq(used, strlen(req));
	cr_assert(P.msg.expect_continue);
	cr_assert_eq(http_parser_feed(&P, "ab", 2, &used), HTTP_P_MORE);
	cr_assert_eq(http_parser_feed(&P, "cd", 2, &used), HTTP_P_DONE);
	cr_assert_eq(used, 2);
	cr_assert_str_eq(P.msg.body, "abcd");
}

Test(http_parse, folded_header_and_absolute_form)
{
	cr_assert_eq(feed_str("GET http://h:80/p/q?z HTTP/1.1\r\n"
	    "X-Long: one\r\n\ttwo\r\n  three\r\n\r\n"), HTTP_P_DONE);
	cr_assert_str_eq(P.msg.path, "/p/q");
	cr_assert_str_eq(P.msg.query, "z");
	cr_assert_str_eq(http_msg_header(&P.msg, "x-long"), "one two three");
}

Test(http_parse, bad_requests_get_their_status)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "GET /\r\n\r\n", 400 },				/* 0.9 */
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
		{ "GET / FOO/1.1\r\n\r\n", 400 },
		{ "BREW /pot HTTP/1.1\r\n\r\n", 501 },
		{ "G(T / HTTP/1.1\r\n\r\n", 400 },
		{ "GET nopath HTTP/1.1\r\n\r\n", 400 },
		{ "GET /%00 HTTP/1.1\r\n\r\n", 400 },
		{ "GET /%zz HTTP/1.1\r\n\r\n", 400 },
		{ "GET /%4 HTTP/1.1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n folded-first\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\n\r\n", 411 },
		{ "POST / HTTP/1.1\r\nContent-Length: x1\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\n"
		  "Content-Length: 4\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
		{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		  400 },
		{ "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
		  413 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "zz\r\n", 400 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "2\r\nabX\r\n", 400 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "300000\r\n", 413 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_error(cases[i].req, cases[i].status);
}

/* Another protocol's bytes are refused before any line end arrives. */
Test(http_parse, junk_method_fails_without_a_line_end)
{
	static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01";
	size_t used;

	cr_assert_eq(http_parser_feed(&P, tls, sizeof tls - 1, &used),
	    HTTP_P_ERROR);
	cr_assert_eq(P.error, 400);
	http_parser_reset(&P);
	/* a method arriving byte by byte is still fine */
	cr_assert_eq(http_parser_feed(&P, "GE", 2, &used), HTTP_P_MORE);
	cr_assert_eq(http_parser_feed(&P, "T /a", 4, &used), HTTP_P_MORE);
	cr_assert_eq(http_parser_feed(&P, "(b HTTP/1.1\r\n\r\n", 15,
	    &used), HTTP_P_HEAD);
	http_parser_reset(&P);
	cr_assert_eq(http_parser_feed(&P, "GE\x01", 3, &used), HTTP_P_ERROR);
}

Test(http_parse, same_content_length_twice_is_fine)
{
	cr_assert_eq(feed_str("POST / HTTP/1.1\r\nContent-Length: 2\r\n"
	    "Content-Length: 2\r\n\r\nok"), HTTP_P_DONE);
	cr_assert_str_eq(P.msg.body, "ok");
}

static char *
repeat(const char *pre, char c, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *s = malloc(a + n + b + 1);

	memcpy(s, pre, a);
	memset(s + a, c, n);
	memcpy(s + a + n, post, b + 1);
	return s;
}

Test(http_parse, limits)
{
	struct http_limits lim = { 64, 256, 4, 10 };
	struct http_parser p;
	char *s;
	int r;

	/* A request line over max_line is 414. */
	http_parser_init(&p, &lim);
	s = repeat("GET /", 'a', 100, " HTTP/1.1\r\n\r\n");
	cr_assert_eq(feed_all(&p, s, strlen(s), NULL), HTTP_P_ERROR);
	cr_assert_eq(p.error, 414);
	free(s);
	http_parser_free(&p);

	/* A header line over max_line is 431, even before its LF. */
	http_parser_init(&p, &lim);
	s = repeat("GET / HTTP/1.1\r\nX: ", 'a', 100, "");
	cr_assert_eq(feed_all(&p, s, strlen(s), NULL), HTTP_P_ERROR);
	cr_assert_eq(p.error, 431);
	free(s);
	http_parser_free(&p);

	/* Many short lines over max_head: 431. */
	http_parser_init(&p, &lim);
	r = feed_all(&p, "GET / HTTP/1.1\r\n", 16, NULL);
	for (int i = 0; i < 40 && r != HTTP_P_ERROR; i++)
		r = feed_all(&p, "X-Y: abcdefgh\r\n", 15, NULL);
	cr_assert_eq(r, HTTP_P_ERROR);
	cr_assert_eq(p.error, 431);
	http_parser_free(&p);

	/* More than max_headers headers: 431. */
	http_parser_init(&p, &lim);
	s = "GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5\r\n\r\n";
	cr_assert_eq(feed_all(&p, s, strlen(s), NULL), HTTP_P_ERROR);
	cr_assert_eq(p.error, 431);
	http_parser_free(&p);

	/* A body over max_body: 413 from Content-Length, and from chunks
	 * that add up. */
	http_parser_init(&p, &lim);
	s = "PUT / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
	cr_assert_eq(feed_all(&p, s, strlen(s), NULL), HTTP_P_ERROR);
	cr_assert_eq(p.error, 413);
	http_parser_free(&p);
	http_parser_init(&p, &lim);
	s = "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n";
	cr_assert_eq(feed_all(&p, s, strlen(s), NULL), HTTP_P_ERROR);
	cr_assert_eq(p.error, 413);
	http_parser_free(&p);

	/* Endless empty lines before a request are not free either. */
	http_parser_init(&p, &lim);
	s = repeat("", '\n', 200, "");
	cr_assert_eq(feed_all(&p, s, strlen(s), NULL), HTTP_P_ERROR);
	cr_assert_eq(p.error, 400);
	free(s);
	http_parser_free(&p);
}

Test(http_parse, default_limits_accept_8k_header)
{
	char *s = repeat("GET / HTTP/1.1\r\nCookie: ", 'c', 8000, "\r\n\r\n");

	cr_assert_eq(feed_str(s), HTTP_P_DONE);
	cr_assert_eq(strlen(http_msg_header(&P.msg, "cookie")), 8000);
	free(s);
}

Test(http_parse, started_flag)
{
	size_t used;

	cr_assert_not(http_parser_started(&P));
	http_parser_feed(&P, "GE", 2, &used);
	cr_assert(http_parser_started(&P));
	http_parser_reset(&P);
	cr_assert_not(http_parser_started(&P));
}

Test(http_parse, tokens)
{
	cr_assert(http_has_token("keep-alive, Upgrade", "upgrade"));
	cr_assert(http_has_token(" close ", "close"));
	cr_assert_not(http_has_token("closed", "close"));
	cr_assert_not(http_has_token(NULL, "close"));
}

Test(http_response, medusa_error_page)
{
	size_t len;
	const char *page = http_error_page(401, &len);

	/* supervisord's 401 carries Content-Length: 137
	 * (docs/supervisord.md §A.6). */
	cr_assert_eq(len, 137);
	cr_assert(strstr(page, "<p>Error code 401.\r\n") != NULL);
	cr_assert(strstr(page, "<p>Message: Unauthorized.\r\n") != NULL);
	page = http_error_page(404, &len);
	cr_assert(strstr(page, "Message: Not Found.") != NULL);
	cr_assert_str_eq(http_reason(413), "Request Entity Too Large");
}

Test(http_response, date_format)
{
	char buf[64];

	http_format_date(784111777, buf, sizeof buf);
	cr_assert_str_eq(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
}
