/*
 * origin.c — Host syntax, rebinding-proof names and cross-site requests
 * (origin.h).
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "origin.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789-._~"
#define V6_CHARS "0123456789abcdefABCDEF:."
#define PORT_DIGITS 5
#define NAME_MAX_LEN 255	/* a DNS name; longer is no name of ours */

/* An authority split: name (no brackets) and port (no colon; len 0 if
 * absent). */
struct authority {
	const char *name;
	size_t namelen;
	const char *port;
	size_t portlen;
};

/* Split s[0..len) as host[:port]; -1 if it is not valid Host syntax. */
static int
split(const char *s, size_t len, struct authority *a)
{
	const char *end = s + len, *p;
	size_t n;

	if (len == 0)
		return -1;
	if (*s == '[') {
		if ((p = memchr(s, ']', len)) == NULL || p == s + 1)
			return -1;
		a->name = s + 1;
		a->namelen = (size_t)(p - s - 1);
		for (n = 0; n < a->namelen; n++)
			if (strchr(V6_CHARS, a->name[n]) == NULL ||
			    a->name[n] == '\0')
				return -1;
		p++;
	} else {
		for (p = s; p < end && *p != '\0' && strchr(NAME_CHARS, *p) !=
		    NULL; p++)
			;
		if (p == s || (size_t)(p - s) > NAME_MAX_LEN)
			return -1;
		a->name = s;
		a->namelen = (size_t)(p - s);
	}
	a->port = p;
	a->portlen = 0;
	if (p == end)
		return 0;
	if (*p != ':')
		return -1;
	a->port = ++p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	a->portlen = (size_t)(p - a->port);
	return p == end && a->portlen <= PORT_DIGITS ? 0 : -1;
}

int
origin_host_valid(const char *host)
{
	struct authority a;

	return host != NULL && split(host, strlen(host), &a) == 0;
}

void
origin_host_name(const char *host, const char **name, size_t *len)
{
	struct authority a;

	if (split(host, strlen(host), &a) == -1) {
		*name = host;
		*len = 0;
		return;
	}
	*name = a.name;
	*len = a.namelen;
}

/* name without one trailing dot ("localhost." is "localhost"). */
static size_t
trim_dot(const char *name, size_t len)
{
	return len > 1 && name[len - 1] == '.' ? len - 1 : len;
}

static int
ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

int
origin_name_local(const char *name, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];

	if (len < sizeof buf) {
		memcpy(buf, name, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET, buf, addr) == 1 ||
		    inet_pton(AF_INET6, buf, addr) == 1)
			return 1;
	}
	len = trim_dot(name, len);
	return len > 0 && (memchr(name, '.', len) == NULL ||
	    ends_with(name, len, ".localhost"));
}

int
origin_name_match(const char *pattern, const char *name, size_t len)
{
	size_t plen = strlen(pattern);

	len = trim_dot(name, len);
	if (strcmp(pattern, "*") == 0)
		return 1;
	if (pattern[0] == '.')
		return (len == plen - 1 &&
		    strncasecmp(name, pattern + 1, len) == 0) ||
		    (len > plen && ends_with(name, len, pattern));
	return len == plen && strncasecmp(name, pattern, len) == 0;
}

/* The port of a, or the scheme's default when a has none. */
static void
port_or_default(const struct authority *a, int https, const char **p,
    size_t *n)
{
	*p = a->port;
	*n = a->portlen;
	while (*n > 1 && **p == '0') {
		(*p)++;
		(*n)--;
	}
	if (*n == 0) {
		*p = https ? "443" : "80";
		*n = strlen(*p);
	}
}

/* Does url ("scheme://authority[/...]", an Origin or a Referer) name the
 * server that Host names? */
static int
same_authority(const char *url, const char *host)
{
	struct authority u, h;
	const char *auth, *pu, *ph;
	size_t len, nu, nh;
	int https;

	if (strncasecmp(url, "http://", 7) == 0)
		https = 0;
	else if (strncasecmp(url, "https://", 8) == 0)
		https = 1;
	else
		return 0;	/* "null", file:, another scheme */
	auth = url + (https ? 8 : 7);
	len = strcspn(auth, "/?#");
	if (host == NULL || split(auth, len, &u) == -1 ||
	    split(host, strlen(host), &h) == -1)
		return 0;	/* userinfo, a bad name, no Host */
	if (u.namelen != h.namelen ||
	    strncasecmp(u.name, h.name, u.namelen) != 0)
		return 0;
	port_or_default(&u, https, &pu, &nu);
	port_or_default(&h, https, &ph, &nh);
	return nu == nh && memcmp(pu, ph, nu) == 0;
}

const char *
origin_cross_site(const char *host, const char *origin,
    const char *fetch_site, const char *referer)
{
	if (fetch_site != NULL && (strcasecmp(fetch_site, "cross-site") == 0 ||
	    strcasecmp(fetch_site, "same-site") == 0))
		return "Sec-Fetch-Site says another site sent it";
	if (origin != NULL)
		return same_authority(origin, host) ? NULL :
		    "its Origin is not this server";
	if (fetch_site == NULL && referer != NULL &&
	    !same_authority(referer, host))
		return "its Referer is another site";
	return NULL;
}
