/*
 * guard.c — who may use a server, checked once a request's head is in
 * and before any handler sees it (docs/stheno.conf.5.md, "Authentication,
 * browsers and Host names"):
 *
 *  - Host: a Host value that is not host[:port] or empty is a 400 (RFC
 *    9112), two are a 400; a name the server does not answer to is a 421
 *    (allowed_hosts; a loopback control server answers only to local names,
 *    as Jupyter's does, so DNS rebinding cannot reach it);
 *  - penalties: on a server with Basic auth, a peer (an address, or the
 *    uid of a unix peer) with max_auth_failures failures is refused with
 *    a 429 for auth_penalty seconds, doubling; the monitor's policy and
 *    code (plugins/common/penalty.c);
 *  - Basic auth (auth.c): each failure is logged with the peer and the
 *    user name offered, as nginx and OpenSSH do.  A request without
 *    credentials (a browser's first) is a 401 that counts for nothing.
 *
 * Ownership: the server owns its penalty table and allowed_hosts list;
 * nothing here outlives a call.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>

#include "httpd.h"
#include "../common/origin.h"

#define WHO_MAX 64		/* "unix (pid 4294967295, uid 4294967295)" */

time_t
guard_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* --- configuration ------------------------------------------------------ */

/* One allowed_hosts entry: "*", a name, ".name" or an IP address. */
static int
host_pattern_ok(const char *p)
{
	const char *name;
	size_t len;

	if (strcmp(p, "*") == 0)
		return 1;
	if (p[0] == '.')
		p++;
	if (!origin_host_valid(p))
		return 0;
	origin_host_name(p, &name, &len);
	return name[len] == '\0';	/* no port */
}

static int
hosts_key(struct http_server *s, struct sth_section *own,
    struct sth_section *global)
{
	const struct sth_host *host = H.host;
	const char *v = host->cfg_str(own, "allowed_hosts", NULL);
	struct sth_section *sec = own;
	char *copy, *w, *save = NULL;
	size_t n = 0;

	if (v == NULL && global != NULL) {
		v = host->cfg_str(global, "allowed_hosts", NULL);
		sec = global;
	}
	if (v == NULL || v[strspn(v, " \t,")] == '\0')
		return 0;
	copy = xstrdup(v);
	s->s_allowed_hosts = xcalloc(strlen(v) / 2 + 2, sizeof(char *));
	for (w = strtok_r(copy, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if (!host_pattern_ok(w)) {
			free(copy);
			return host->fail(H.self, "[%s] allowed_hosts: '%s' "
			    "is not a host name, .domain, IP address or *",
			    host->section_name(sec), w);
		}
		s->s_allowed_hosts[n++] = xstrdup(w);
	}
	free(copy);
	return 0;
}

int
guard_config(struct http_server *s, struct sth_section *own,
    struct sth_section *global)
{
	return hosts_key(s, own, global);
}

/* "127.0.0.1:9001", "[::1]:9001": is the address a loopback one? */
static int
addr_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n;

	if (addr[0] == '[') {
		n = strcspn(addr + 1, "]");
		if (n >= sizeof buf)
			return 0;
		memcpy(buf, addr + 1, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return 0;
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			return a6.s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(&a6);
	}
	n = strcspn(addr, ":");
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, addr, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, &a4) == 1 &&
	    (ntohl(a4.s_addr) >> 24) == 127;
}

void
guard_started(struct http_server *s)
{
	s->s_local_only = s->s_control && !s->s_unix &&
	    s->s_allowed_hosts == NULL && s->s_addr != NULL &&
	    addr_loopback(s->s_addr);
}

void
guard_free(struct http_server *s)
{
	size_t i;

	mon_penalty_free(&s->s_pen);
	if (s->s_allowed_hosts == NULL)
		return;
	for (i = 0; s->s_allowed_hosts[i] != NULL; i++)
		free(s->s_allowed_hosts[i]);
	free(s->s_allowed_hosts);
	s->s_allowed_hosts = NULL;
}

/* --- Host ------------------------------------------------------------- */

static int
host_allowed(const struct http_server *s, const char *host)
{
	const char *name;
	size_t len, i;

	origin_host_name(host, &name, &len);
	if (origin_name_local(name, len))
		return 1;
	if (s->s_allowed_hosts != NULL) {
		for (i = 0; s->s_allowed_hosts[i] != NULL; i++)
			if (origin_name_match(s->s_allowed_hosts[i], name,
			    len))
				return 1;
		return 0;
	}
	return !s->s_local_only;
}

static int
check_host(struct http_conn *c)
{
	const struct http_msg *m = &c->c_parser.msg;
	const char *host = NULL;
	size_t i, n = 0;

	for (i = 0; i < m->nhdrs; i++)
		if (strcasecmp(m->hdrs[i].name, "Host") == 0) {
			host = m->hdrs[i].value;
			n++;
		}
	/* None (HTTP/1.0), or empty: RFC 9112's Host for a URI without an
	 * authority, which supervisorctl sends over a unix socket. */
	if (n == 0 || (n == 1 && host[strspn(host, " \t")] == '\0'))
		return 0;
	if (n > 1 || !origin_host_valid(host)) {
		H.host->log(H.self, STH_LOG_INFO, "http: server '%s': bad "
		    "Host header from %s", c->c_srv->s_name, c->c_peer);
		return 400;
	}
	if (!host_allowed(c->c_srv, host)) {
		H.host->log(H.self, STH_LOG_WARN, "http: server '%s' does "
		    "not answer to Host '%s' (from %s; see allowed_hosts)",
		    c->c_srv->s_name, host, c->c_peer);
		return 421;
	}
	return 0;
}

/* --- penalties and Basic auth ----------------------------------------- */

/* The peer as the log names it and its penalty key: the address without
 * the port (a client picks a new port for each try), or the uid. */
static void
peer_key(struct http_conn *c, char *who, size_t wholen,
    char key[MON_PENALTY_KEY])
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	const char *p = c->c_peer;
	size_t n;

	snprintf(who, wholen, "%s", p);
	if (c->c_srv->s_unix) {
		if (getsockopt(bufferevent_getfd(H.host->conn_bev(c->c_conn)),
		    SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
			snprintf(key, MON_PENALTY_KEY, "unix");
			return;
		}
		snprintf(who, wholen, "unix (pid %ld, uid %ld)",
		    (long)cred.pid, (long)cred.uid);
		snprintf(key, MON_PENALTY_KEY, "uid %ld", (long)cred.uid);
		return;
	}
	if (*p == '[') {
		p++;
		n = strcspn(p, "]");
	} else
		n = strcspn(p, ":");
	snprintf(key, MON_PENALTY_KEY, "%.*s", (int)n, p);
}

/* tls_client_auth = cert: the CN of a client certificate verified against
 * the context's client_ca (the tls service checks) is the user. */
static int
cert_user(struct http_conn *c)
{
	struct http_server *s = c->c_srv;

	c->c_cert_user[0] = '\0';
	if (!s->s_cert_auth || c->c_conn == NULL || H.tls == NULL ||
	    !STH_TLS_HAS(H.tls, peer_name))
		return 0;
	return H.tls->peer_name(c->c_conn, c->c_cert_user,
	    sizeof c->c_cert_user);
}

static int
check_auth(struct http_conn *c)
{
	struct http_server *s = c->c_srv;
	const char *hdr;
	char who[WHO_MAX], key[MON_PENALTY_KEY], given[HTTP_AUTH_GIVEN];
	time_t now;
	long secs;

	if (cert_user(c))
		return 0;
	if (s->s_username == NULL)
		return s->s_cert_auth ? 401 : 0;
	peer_key(c, who, sizeof who, key);
	now = guard_now();
	if ((c->c_retry = mon_penalty_left(&s->s_pen, key, now)) > 0) {
		s->s_penalty_refused++;
		H.host->log(H.self, STH_LOG_DEBG, "http: server '%s': %s is "
		    "penalised for %ld s more", s->s_name, who, c->c_retry);
		return 429;
	}
	hdr = http_msg_header(&c->c_parser.msg, "Authorization");
	if (http_auth_check(s, hdr, given, sizeof given) != NULL) {
		mon_penalty_clear(&s->s_pen, key);
		return 0;
	}
	if (hdr == NULL)
		return 401;
	s->s_auth_failures++;
	H.host->log(H.self, STH_LOG_WARN, "http: server '%s': failed "
	    "authentication %s%s%s from %s", s->s_name,
	    *given != '\0' ? "for user '" : "(malformed credentials)",
	    given, *given != '\0' ? "'" : "", who);
	if ((secs = mon_penalty_fail(&s->s_pen, key, now)) > 0)
		H.host->log(H.self, STH_LOG_WARN, "http: server '%s': "
		    "refusing %s for %ld s: too many failed authentications",
		    s->s_name, key, secs);
	return 401;
}

int
guard_head(struct http_conn *c)
{
	int status;

	c->c_probe = 0;
	if ((status = check_host(c)) != 0)
		return status;
	/* a probe needs no credentials and reaches nothing else */
	if ((c->c_probe = probes_wanted(c)) != 0)
		return 0;
	return check_auth(c);
}

void
guard_respond_429(struct sth_http_req *r)
{
	struct dbuf body = DBUF_INIT;
	char secs[24];

	snprintf(secs, sizeof secs, "%ld", r->r_conn->c_retry);
	req_set_header(r, "Retry-After", secs);
	req_set_header(r, "Content-Type", "text/plain");
	dbuf_printf(&body, "Too many failed authentications from your "
	    "address: try again in %ld s.\n", r->r_conn->c_retry);
	req_respond(r, 429, "Too Many Requests", body.data, body.len);
	dbuf_free(&body);
}
