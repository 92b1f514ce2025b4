/*
 * origin.h — what a browser's request says about where it comes from, and
 * the checks a control server makes with it (docs/stheno.conf.5.md,
 * "Authentication, browsers and Host names"): the Host header's syntax,
 * whether a Host name is one that
 * DNS rebinding cannot forge, and whether a request that changes state
 * comes from another site (Origin, Sec-Fetch-Site, Referer), as Django's
 * and Jupyter's checks do.  Compiled into http.so (Host), xmlrpc.so (RPC)
 * and webui.so (the UI's actions).
 *
 * Ownership: pure functions on borrowed strings; nothing is kept.
 */
#ifndef STHENO_ORIGIN_H
#define STHENO_ORIGIN_H

#include <stddef.h>

/* 1 if host is a valid Host value: a name (letters, digits, '-', '.',
 * '_', '~'), an IPv4 address or a bracketed IPv6 one, then an optional
 * ":" and at most 5 digits (RFC 9112 3.2: anything else is a 400). */
int origin_host_valid(const char *host);
/* The name part of a valid Host value: its start and length, brackets
 * and port left out. */
void origin_host_name(const char *host, const char **name, size_t *len);
/* 1 if name (no port) is one DNS rebinding cannot produce: an IP
 * address, a name without a dot ("localhost", the machine's short name:
 * /etc/hosts or the local search domain resolve it, not a DNS zone an
 * attacker holds) or a name under ".localhost" (which browsers resolve
 * to loopback themselves). */
int origin_name_local(const char *name, size_t len);
/* 1 if name matches pattern: the same name (any case), "*", or
 * ".example.com" for example.com and every name under it (Django's
 * ALLOWED_HOSTS). */
int origin_name_match(const char *pattern, const char *name, size_t len);

/*
 * Why a request that changes state must be refused as coming from another
 * site, or NULL to go on: Sec-Fetch-Site is "cross-site" or "same-site"
 * (another port of the same host is a same-site page), or Origin (or,
 * from a browser that sends neither, Referer) names another
 * scheme://host:port than Host.  Any argument may be NULL (header
 * absent); a client that sends none of the three (curl, supervisorctl,
 * Python) is no browser and goes on.
 */
const char *origin_cross_site(const char *host, const char *origin,
    const char *fetch_site, const char *referer);

#endif
