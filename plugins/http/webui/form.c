/*
 * form.c — the request's form as supervisor's web UI reads it (Python's
 * parse_qs: '+' is a space, %XX decoded, blank values dropped; the query's
 * first value wins, then a POST body's last value wins over it), URL
 * quoting as urllib.quote does it, and the Location of the 301 that
 * follows an action (docs/supervisord.md §7.1, §A.6): absolute from a Host
 * header that is a valid host[:port], as supervisord's, and relative
 * from any other, so that no Host can point it elsewhere ("a@evil/x?").
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "webui.h"
#include "../../common/origin.h"

/* Decode s[0..len) into b: '+' is a space, a bad %-escape stays as is.
 * Returns -1 if the text holds a %00, which a C string cannot carry (it
 * would cut "a%00b" to "a"). */
static int
unquote_plus(struct dbuf *b, const char *s, size_t len)
{
	size_t i;
	int hi, lo, nul = 0;
	char c;

	b->len = 0;
	dbuf_add(b, "", 0);	/* "" for an empty name, not the last one */
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < len &&
		    (hi = hex_digit((unsigned char)s[i + 1])) != -1 &&
		    (lo = hex_digit((unsigned char)s[i + 2])) != -1) {
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		nul |= c == '\0';
		dbuf_add(b, &c, 1);
	}
	return nul ? -1 : 0;
}

/*
 * The value of key in s[0..len): the first (last if want_last) pair whose
 * decoded name is key and whose value is not blank, decoded, or NULL.  A
 * pair with %00 in its name or value is skipped.
 */
static char *
form_find(const char *s, size_t len, const char *key, int want_last)
{
	struct dbuf name = DBUF_INIT, val = DBUF_INIT;
	const char *p = s, *end = s + len, *amp, *eq;
	char *found = NULL;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq != NULL && eq + 1 < amp &&
		    unquote_plus(&name, p, (size_t)(eq - p)) == 0 &&
		    strcmp(name.data, key) == 0 &&
		    unquote_plus(&val, eq + 1, (size_t)(amp - eq - 1)) == 0) {
			free(found);
			found = dbuf_take(&val);
			if (!want_last)
				break;
		}
		p = amp + 1;
	}
	dbuf_free(&name);
	dbuf_free(&val);
	return found;
}

/* The form value of key (a malloc'd string), or NULL if absent/blank. */
char *
wu_form_get(const char *query, const char *body, size_t bodylen,
    const char *key)
{
	char *v = NULL;

	if (body != NULL && bodylen > 0)
		v = form_find(body, bodylen, key, 1);
	if (v == NULL && query != NULL)
		v = form_find(query, strlen(query), key, 0);
	return v;
}

/* urllib.parse.quote(s) with safe='/': letters, digits, "_.-~/" stay. */
void
wu_quote(struct dbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[3];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) && *p < 0x80)
			dbuf_add(b, p, 1);
		else if (strchr("_.-~/", *p) != NULL)
			dbuf_add(b, p, 1);
		else {
			esc[0] = '%';
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 15];
			dbuf_add(b, esc, 3);
		}
	}
}

/*
 * supervisor's get_server_url: "http://" and the Host header with a port
 * of 80 (or an empty one) dropped; "localhost" without a Host header.
 */
char *
wu_server_url(const char *host)
{
	struct dbuf b = DBUF_INIT;
	const char *colon, *q;
	size_t n;

	if (host == NULL)
		host = "";
	while (*host == ' ' || *host == '\t')
		host++;
	n = strlen(host);
	while (n > 0 && (host[n - 1] == ' ' || host[n - 1] == '\t'))
		n--;
	if (n == 0) {
		host = "localhost";
		n = strlen(host);
	}
	/* Python's splitport: a trailing ":digits" is the port. */
	colon = NULL;
	for (q = host + n; q > host; q--) {
		if (q[-1] == ':') {
			colon = q - 1;
			break;
		}
		if (!isdigit((unsigned char)q[-1]))
			break;
	}
	if (colon != NULL && (host + n == colon + 1 ||
	    (host + n - colon - 1 == 2 && strncmp(colon + 1, "80", 2) == 0)))
		n = (size_t)(colon - host);
	dbuf_puts(&b, "http://");
	dbuf_add(&b, host, n);
	if (b.len > 7 && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	return dbuf_take(&b);
}

/* http://HOST/?message=QUOTED (docs/supervisord.md §A.6), or /?message=QUOTED
 * if host is not a valid Host value (http.so answers 400 to those
 * before the web UI sees them; this holds without it). */
char *
wu_location(const char *host, const char *message)
{
	struct dbuf b = DBUF_INIT, h = DBUF_INIT;
	char *url;
	size_t n;

	if (host != NULL) {
		host += strspn(host, " \t");
		n = strlen(host);
		while (n > 0 && (host[n - 1] == ' ' || host[n - 1] == '\t'))
			n--;
		dbuf_add(&h, host, n);
	}
	if (h.len == 0 || origin_host_valid(h.data)) {
		url = wu_server_url(host);
		dbuf_puts(&b, url);
		free(url);
	}
	dbuf_free(&h);
	dbuf_puts(&b, "/?message=");
	wu_quote(&b, message);
	return dbuf_take(&b);
}

/* time.ctime(): "Wed Nov  5 17:38:06 2026", local time. */
char *
wu_ctime(time_t t)
{
	char buf[64];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
	return xstrdup(buf);
}

/* An RFC 1123 date for Last-Modified. */
void
wu_http_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}
