/*
 * form_fuzzer.c — fuzz target for the web UI's form and Location
 * (plugins/http/webui/form.c) and the browser checks they rely on
 * (plugins/common/origin.c).
 *
 * Input: NUL-separated fields: a query, a POST body, a key, a Host
 * header, an Origin, a Sec-Fetch-Site.  The target aborts if:
 *  - a value found is blank, or longer than the query or body it came
 *    from (decoding only shrinks);
 *  - quoting the key's text with wu_quote and reading it back from
 *    "k=QUOTED" does not give the text (urllib's quote/parse_qs round
 *    trip);
 *  - a Location is not "/?message=..." or "http://" + a valid Host
 *    (no userinfo, path, query or space in the authority), or the
 *    message part holds a byte wu_quote should have escaped;
 *  - origin_host_valid accepts a byte outside host[:port];
 *  - a request that Sec-Fetch-Site marks cross-site is let through, or
 *    one whose Origin is exactly "http://" + its valid Host (port
 *    written) is refused when Sec-Fetch-Site is absent or same-origin.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webui.h"
#include "origin.h"
#include "fuzz.h"

#define NFIELDS 6
#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789-._~[]:"
#define QUOTE_SAFE "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789_.-~/%"

static char *
split(const uint8_t *data, size_t size, char **f, size_t n)
{
	char *buf = malloc(size + 1), *p, *end;
	size_t i;

	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	for (i = 0, p = buf; i < n; i++) {
		f[i] = p <= end ? p : NULL;
		if (p <= end)
			p += strlen(p) + 1;
	}
	return buf;
}

static void
check_get(const char *query, const char *body, const char *key)
{
	size_t blen = body != NULL ? strlen(body) : 0;
	size_t qlen = query != NULL ? strlen(query) : 0;
	char *v = wu_form_get(query, body, blen, key);

	if (v != NULL && (*v == '\0' || (strlen(v) > qlen &&
	    strlen(v) > blen)))
		abort();
	free(v);
}

static void
check_quote(const char *text)
{
	struct dbuf b = DBUF_INIT;
	char *v;

	if (*text == '\0')
		return;
	dbuf_puts(&b, "k=");
	wu_quote(&b, text);
	if (strspn(b.data + 2, QUOTE_SAFE) != b.len - 2)
		abort();
	v = wu_form_get(b.data, NULL, 0, "k");
	if (v == NULL || strcmp(v, text) != 0)
		abort();
	free(v);
	dbuf_free(&b);
}

static void
check_location(const char *host, const char *message)
{
	char *loc = wu_location(host, message);
	const char *rest = loc;
	size_t n;

	if (strncmp(loc, "http://", 7) == 0) {
		n = strcspn(loc + 7, "/");
		if (n == 0 || strspn(loc + 7, HOST_CHARS) < n)
			abort();
		rest = loc + 7 + n;
	}
	if (strncmp(rest, "/?message=", 10) != 0 ||
	    strspn(rest + 10, QUOTE_SAFE) != strlen(rest + 10))
		abort();
	free(loc);
}

static void
check_origin(const char *host, const char *origin, const char *site)
{
	char mine[600];
	const char *name;
	size_t len;

	if (host == NULL)
		return;
	if (origin_host_valid(host)) {
		if (strspn(host, HOST_CHARS) != strlen(host))
			abort();
		origin_host_name(host, &name, &len);
		if (len == 0 || len > strlen(host))
			abort();
		(void)origin_name_local(name, len);
		(void)origin_name_match(".example.com", name, len);
		(void)origin_name_match("*", name, len);
		snprintf(mine, sizeof mine, "http://%s", host);
		if (strchr(host, ':') != NULL && host[strlen(host) - 1] != ':' &&
		    (site == NULL || strcmp(site, "same-origin") == 0) &&
		    origin_cross_site(host, mine, site, NULL) != NULL)
			abort();
	}
	if (origin_cross_site(host, origin, "cross-site", NULL) == NULL)
		abort();
	(void)origin_cross_site(host, origin, site, origin);
	(void)origin_cross_site(host, NULL, NULL, origin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NFIELDS], *buf;

	buf = split(data, size, f, NFIELDS);
	if (f[2] != NULL) {
		check_get(f[0], f[1], f[2]);
		check_quote(f[2]);
	}
	check_location(f[3], f[0] != NULL ? f[0] : "");
	check_origin(f[3], f[4], f[5]);
	free(buf);
	return 0;
}
