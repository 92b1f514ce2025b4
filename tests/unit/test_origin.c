/*
 * test_origin.c — plugins/common/origin.c: Host syntax, the names DNS
 * rebinding cannot forge, allowed_hosts patterns, and the cross-site
 * verdict from Origin, Sec-Fetch-Site and Referer.
 *
 * Ownership: nothing; every string is a literal.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "origin.h"

static int
local(const char *host)
{
	const char *name;
	size_t len;

	origin_host_name(host, &name, &len);
	return origin_name_local(name, len);
}

Test(origin, host_syntax)
{
	static const char *const good[] = { "localhost", "127.0.0.1:9001",
	    "[::1]:9001", "[::1]", "a-b.example_x~:", "example.com:80" };
	static const char *const bad[] = { "", "a@evil.com/x?", "evil.com/",
	    "x y", "a\\b", "[]:1", "[::1", "h:123456", "h:1a", ":80",
	    "[fe80::1%eth0]" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_assert(origin_host_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert(!origin_host_valid(bad[i]), "%s", bad[i]);
}

Test(origin, local_names_and_patterns)
{
	cr_assert(local("127.0.0.1:9001") && local("[::1]:1") &&
	    local("10.1.2.3") && local("localhost") && local("LOCALHOST.") &&
	    local("myhost:9001") && local("app.localhost"));
	cr_assert(!local("evil.example") && !local("localhost.evil.com") &&
	    !local("127.0.0.1.nip.io"));
	cr_assert(origin_name_match("*", "x.y", 3));
	cr_assert(origin_name_match(".corp.example", "corp.example", 12));
	cr_assert(origin_name_match(".corp.example", "a.CORP.example", 14));
	cr_assert(!origin_name_match(".corp.example", "evilcorp.example",
	    16));
	cr_assert(origin_name_match("ctl.example", "ctl.example.", 12));
	cr_assert(!origin_name_match("ctl.example", "ctl.example.com", 15));
}

Test(origin, cross_site)
{
	const char *h = "127.0.0.1:9001";

	/* non-browsers send none of the three */
	cr_assert_null(origin_cross_site(h, NULL, NULL, NULL));
	cr_assert_null(origin_cross_site(NULL, NULL, NULL, NULL));
	cr_assert_null(origin_cross_site(h, "http://127.0.0.1:9001",
	    "same-origin", NULL));
	cr_assert_null(origin_cross_site(h, NULL, "none", NULL));
	/* default ports: Host without one is the Origin scheme's */
	cr_assert_null(origin_cross_site("sup.example",
	    "https://sup.example", NULL, NULL));
	cr_assert_null(origin_cross_site("sup.example:80",
	    "http://SUP.example", NULL, NULL));
	cr_assert_not_null(origin_cross_site("sup.example:80",
	    "https://sup.example", NULL, NULL));
	/* another site, another port, null, userinfo, no Host */
	cr_assert_not_null(origin_cross_site(h, "https://evil.example",
	    NULL, NULL));
	cr_assert_not_null(origin_cross_site(h, "http://127.0.0.1:9002",
	    NULL, NULL));
	cr_assert_not_null(origin_cross_site(h, "null", NULL, NULL));
	cr_assert_not_null(origin_cross_site(h, "http://x@127.0.0.1:9001",
	    NULL, NULL));
	cr_assert_not_null(origin_cross_site(NULL, "http://127.0.0.1:9001",
	    NULL, NULL));
	cr_assert_not_null(origin_cross_site(h, NULL, "cross-site", NULL));
	cr_assert_not_null(origin_cross_site(h, NULL, "same-site", NULL));
	/* Referer only counts from a browser that sends neither other */
	cr_assert_not_null(origin_cross_site(h, NULL, NULL,
	    "https://evil.example/page"));
	cr_assert_null(origin_cross_site(h, NULL, NULL,
	    "http://127.0.0.1:9001/index.html?x"));
	cr_assert_null(origin_cross_site(h, NULL, "same-origin",
	    "https://evil.example/"));
}
