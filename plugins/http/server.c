/*
 * server.c — one HTTP server per config section: supervisord's
 * [unix_http_server] / [inet_http_server] (and their ":suffix" variants),
 * which are control servers, and our [http_server:NAME] public servers.
 *
 * Ownership: a server owns its name, settings, access log fd and listener;
 * its connections are listed here but owned by conn.c.  Every key has a
 * default in [plugin:http] (README.md, "Configuration").
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

#include "httpd.h"

#define SERVER_HDR_CONTROL "Medusa/1.12"	/* what supervisorctl sees */

/*
 * Settings every server reads, from its own section first and then from
 * [plugin:http] (host->cfg_read with a fallback): the table keeps the list
 * and the defaults in one place.  max_connections and
 * max_connections_per_address default to a share of RLIMIT_NOFILE (N):
 * unset (0) here, then conns_default (README.md, "Configuration").
 */
#define TEXT_(n) #n
#define TEXT(n) TEXT_(n)
#define SO(k, m, t, d, lo)                                                     \
	STH_CFG_OPTION(k, STH_CFG_##t, 0, struct http_server, m, d, lo,       \
	    LONG_MAX)
static const struct sth_cfg_option server_opts[] = {
	SO("max_body", s_lim.max_body, BYTES, TEXT(HTTP_MAX_BODY), 1),
	SO("max_head", s_lim.max_head, BYTES, TEXT(HTTP_MAX_HEAD), 1),
	SO("max_line", s_lim.max_line, BYTES, TEXT(HTTP_MAX_LINE), 1),
	SO("max_headers", s_lim.max_headers, INT, TEXT(HTTP_MAX_HEADERS), 1),
	SO("max_connections", s_max_conns, INT, NULL, 1),
	SO("max_connections_per_address", s_max_per_addr, INT, NULL, 1),
	SO("idle_timeout", s_idle_timeout, INT, "300", 1),
	SO("header_timeout", s_header_timeout, INT, "10", 1),
	/* Basic auth failures per peer before a penalty, and its seconds
	 * (0: off; the monitor's defaults) */
	SO("max_auth_failures", s_pen.max_failures, INT, "3", 0),
	SO("auth_penalty", s_pen.base, INT, "5", 0),
	STH_CFG_END
};

/* [http_server:NAME] only: the others are control servers. */
static const struct sth_cfg_option named_opts[] = {
	SO("control", s_control, BOOL, "false", 0),
	SO("probes", s_probes, BOOL, "false", 0),
	STH_CFG_END
};

/* A server on a unix socket. */
static const struct sth_cfg_option unix_opts[] = {
	SO("chmod", s_chmod, OCTAL, "0700", 0),
	STH_CFG_OPTION("chown", STH_CFG_STR, STH_CFG_EMPTY_NULL,
	    struct http_server, s_chown, NULL, 0, 0),
	STH_CFG_END
};
#undef SO

#define CONNS_MIN 8

/* The default of a connection count: N / div, at least CONNS_MIN. */
static long
conns_default(long div)
{
	struct rlimit rl;
	long n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX ?
		    LONG_MAX : (long)rl.rlim_cur;
	return n / div > CONNS_MIN ? n / div : CONNS_MIN;
}

static int
server_opts_read(struct http_server *s, struct sth_section *sec,
    struct sth_section *global, int kind)
{
	const struct sth_host *host = H.host;

	if (host->cfg_read(H.self, sec, global, server_opts, s) == -1)
		return -1;
	if (s->s_max_conns == 0)
		s->s_max_conns = conns_default(2);
	if (s->s_max_per_addr == 0)
		s->s_max_per_addr = conns_default(16);
	s->s_control = 1;
	if (kind == 'n' && host->cfg_read(H.self, sec, NULL, named_opts,
	    s) == -1)
		return -1;
	/* every control server answers the probes */
	s->s_probes |= s->s_control;
	if (s->s_unix && host->cfg_read(H.self, sec, NULL, unix_opts, s) == -1)
		return -1;
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* A key from the server's section, else [plugin:http], else def. */
static const char *
str_opt(struct sth_section *own, struct sth_section *global, const char *key,
    const char *def)
{
	const char *v = H.host->cfg_str(own, key, NULL);

	if (v == NULL && global != NULL)
		v = H.host->cfg_str(global, key, NULL);
	return v != NULL ? v : def;
}

/*
 * tls_client_auth = cert: a client certificate verified against the
 * context's client_ca stands for Basic auth ("off", the default: only
 * Basic auth).  Only on a server with tls = NAME whose [tls:NAME] has a
 * client_ca: a certificate nobody verifies must never authenticate.
 */
static int
server_cert_auth(struct http_server *s, struct sth_section *sec)
{
	const struct sth_host *host = H.host;
	const char *sect = host->section_name(sec);
	const char *v = host->cfg_str(sec, "tls_client_auth", "off");

	if (v != NULL && strcmp(v, "off") == 0)
		return 0;
	if (v == NULL || strcmp(v, "cert") != 0)
		return host->fail(H.self, "[%s] tls_client_auth: '%s' is "
		    "neither off nor cert", sect, v != NULL ? v : "");
	if (s->s_tls == NULL)
		return host->fail(H.self, "[%s] tls_client_auth: needs tls = "
		    "NAME (a [tls:NAME] with client_ca)", sect);
	if (!STH_TLS_HAS(H.tls, verifies_clients) ||
	    !H.tls->verifies_clients(s->s_tls))
		return host->fail(H.self, "[%s] tls_client_auth: [tls:%s] has "
		    "no client_ca to verify certificates with", sect,
		    s->s_tls_name);
	s->s_cert_auth = 1;
	return 0;
}

/*
 * tls = NAME: the context of [tls:NAME], from the tls plugin's service,
 * which such a section loads before http (the service is held from the
 * first server that uses it to fini).
 */
static int
server_tls(struct http_server *s, struct sth_section *sec)
{
	const struct sth_host *host = H.host;
	const char *sect = host->section_name(sec);

	s->s_tls_name = dup_or_null(host->cfg_str(sec, "tls", NULL));
	if (s->s_tls_name == NULL)
		return server_cert_auth(s, sec);
	if (H.tls == NULL)
		H.tls = host->service_acquire(H.self, STH_TLS_SERVICE,
		    STH_TLS_API_VERSION, NULL);
	if (H.tls == NULL || (s->s_tls = H.tls->context(s->s_tls_name)) ==
	    NULL)
		return host->fail(H.self, "[%s] tls: there is no [tls:%s] "
		    "section (its cert and key make the context)", sect,
		    s->s_tls_name);
	return server_cert_auth(s, sec);
}

/*
 * kind: 'u' [unix_http_server*], 'i' [inet_http_server*], 'n'
 * [http_server:NAME] (name is NAME).
 */
struct http_server *
server_new(struct sth_section *sec, const char *name, int kind)
{
	const struct sth_host *host = H.host;
	struct sth_section *global = host->config(H.self);
	struct http_server *s;
	const char *v, *sect = host->section_name(sec), *user, *pass;

	s = xcalloc(1, sizeof *s);
	s->s_name = xstrdup(name);
	s->s_access_fd = -1;
	LIST_INIT(&s->s_conns);

	switch (kind) {
	case 'u':
		v = host->cfg_str(sec, "file", NULL);
		s->s_unix = 1;
		break;
	case 'i':
		v = host->cfg_str(sec, "port", NULL);
		break;
	default:
		v = host->cfg_str(sec, "listen", NULL);
		if (v != NULL && v[0] == '/')
			s->s_unix = 1;
		break;
	}
	if (v == NULL || *v == '\0') {
		host->fail(H.self, "[%s] needs %s", sect,
		    kind == 'u' ? "file" : kind == 'i' ? "port" : "listen");
		goto err;
	}
	s->s_listen = xstrdup(v);
	if (server_opts_read(s, sec, global, kind) == -1)
		goto err;

	/* supervisord: auth only when username is non-empty; one of the
	 * two without the other is an error. */
	user = host->cfg_str(sec, "username", NULL);
	pass = host->cfg_str(sec, "password", NULL);
	if ((user == NULL || *user == '\0') != (pass == NULL ||
	    *pass == '\0')) {
		host->fail(H.self, "Section [%s] contains incomplete "
		    "authentication: If a username or a password is "
		    "specified, both the username and password must be "
		    "specified", sect);
		goto err;
	}
	if (user != NULL && *user != '\0') {
		if (http_auth_valid_password(pass) == -1) {
			host->fail(H.self, "[%s] password: {SHA} must be "
			    "followed by 40 hex digits", sect);
			goto err;
		}
		s->s_username = xstrdup(user);
		s->s_password = xstrdup(pass);
	}

	if (guard_config(s, sec, global) == -1)
		goto err;
	if (server_tls(s, sec) == -1)
		goto err;
	s->s_server_hdr = xstrdup(str_opt(sec, NULL, "server_header",
	    s->s_control ? SERVER_HDR_CONTROL : "Stheno"));
	s->s_access_log = dup_or_null(str_opt(sec, kind == 'n' ? global :
	    NULL, "access_log", NULL));
	if (s->s_access_log == NULL && s->s_control && global != NULL)
		s->s_access_log = dup_or_null(host->cfg_str(global,
		    "control_access_log", NULL));
	return s;
err:
	server_free(s);
	return NULL;
}

int
server_start(struct http_server *s)
{
	const struct sth_host *host = H.host;
	char *err = NULL;

	if (s->s_access_log != NULL) {
		s->s_access_fd = open(s->s_access_log,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (s->s_access_fd == -1)
			return host->fail(H.self, "server '%s': access_log "
			    "%s: %s", s->s_name, s->s_access_log,
			    strerror(errno));
	}
	if (s->s_unix)
		s->s_listener = host->listen_unix(H.self, s->s_listen,
		    (int)s->s_chmod, s->s_chown, conn_accept, s, &err);
	else
		s->s_listener = host->listen_tcp(H.self, s->s_listen,
		    conn_accept, s, &err);
	if (s->s_listener == NULL) {
		host->fail(H.self, "server '%s' cannot listen on %s: %s",
		    s->s_name, s->s_listen, err != NULL ? err : "failed");
		free(err);
		return -1;
	}
	s->s_addr = xstrdup(host->listener_addr(s->s_listener));
	if (s->s_control && STH_HOST_HAS(host, listener_set_control))
		host->listener_set_control(s->s_listener, 1);
	s->s_started = time(NULL);
	guard_started(s);
	if (s->s_username == NULL && !s->s_cert_auth)
		host->log(H.self, STH_LOG_CRIT, "Server '%s' running without "
		    "any HTTP authentication checking", s->s_name);
	host->log(H.self, STH_LOG_INFO, "http: server '%s' listening on %s%s%s",
	    s->s_name, s->s_addr, s->s_tls != NULL ? " with TLS context " :
	    "", s->s_tls != NULL ? s->s_tls_name : "");
	return 0;
}

void
server_free(struct http_server *s)
{
	struct http_conn *c;

	while ((c = LIST_FIRST(&s->s_conns)) != NULL)
		conn_close(c, 1);
	if (s->s_listener != NULL)
		H.host->listener_free(s->s_listener);
	peer_free_all(s);
	if (s->s_access_fd != -1)
		close(s->s_access_fd);
	free(s->s_name);
	free(s->s_listen);
	free(s->s_chown);
	free(s->s_username);
	free(s->s_password);
	guard_free(s);
	free(s->s_addr);
	free(s->s_server_hdr);
	free(s->s_access_log);
	free(s->s_tls_name);
	free(s);
}

json_t *
server_list_json(void)
{
	struct http_server *s;
	json_t *a = json_array(), *o;

	TAILQ_FOREACH(s, &H.servers, s_entry) {
		o = json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I}",
		    "name", s->s_name,
		    "address", s->s_addr != NULL ? s->s_addr : s->s_listen,
		    "control", s->s_control,
		    "auth", s->s_username != NULL,
		    "connections", (json_int_t)s->s_nconns,
		    "total_connections", (json_int_t)s->s_total_conns,
		    "refused_connections", (json_int_t)s->s_refused,
		    "requests", (json_int_t)s->s_requests,
		    "bytes_in", (json_int_t)s->s_bytes_in,
		    "bytes_out", (json_int_t)s->s_bytes_out,
		    "started", (json_int_t)s->s_started,
		    "auth_failures", (json_int_t)s->s_auth_failures,
		    "penalty_refused", (json_int_t)s->s_penalty_refused);
		if (o != NULL)
			json_array_append_new(a, o);
	}
	return a;
}

/* Combined log format: host - user [date] "request" status bytes
 * "referer" "user-agent". */
void
server_access_log(struct http_server *s, struct sth_http_req *r)
{
	struct dbuf b = DBUF_INIT;
	const struct http_msg *m = r->r_msg;
	const char *ref, *ua;
	char date[64], host[64];
	struct tm tm;
	size_t n;

	if (s->s_access_fd == -1)
		return;
	localtime_r(&r->r_started, &tm);
	strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S %z", &tm);
	n = strcspn(r->r_conn->c_peer, "]");
	if (r->r_conn->c_peer[0] == '[')
		snprintf(host, sizeof host, "%.*s", (int)n - 1,
		    r->r_conn->c_peer + 1);
	else
		snprintf(host, sizeof host, "%.*s",
		    (int)strcspn(r->r_conn->c_peer, ":"), r->r_conn->c_peer);
	ref = http_msg_header(m, "Referer");
	ua = http_msg_header(m, "User-Agent");
	dbuf_printf(&b, "%s - %s [%s] \"%s %s HTTP/1.%d\" %d %llu "
	    "\"%s\" \"%s\"\n", host, r->r_user != NULL ? r->r_user : "-",
	    date, m->method, m->target, m->version == 10 ? 0 : 1,
	    r->r_status != 0 ? r->r_status : 499, r->r_sent,
	    ref != NULL ? ref : "-", ua != NULL ? ua : "-");
	if (write(s->s_access_fd, b.data, b.len) == -1)
		H.host->log(H.self, STH_LOG_WARN, "http: access_log %s: %s",
		    s->s_access_log, strerror(errno));
	dbuf_free(&b);
}
