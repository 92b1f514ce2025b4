/*
 * plugin.c — the http plugin's descriptor, init, drain and fini: read the
 * server sections, start the servers, offer the "http" service.
 *
 * Ownership: the one struct http_ctx H, filled by init and emptied by fini.
 */
#include "config.h"

#include <string.h>

#include "httpd.h"

struct http_ctx H;

/* Section prefixes that make servers, in the order they are opened. */
static const struct {
	const char *prefix;
	int kind;
	int strip;		/* use the part after "prefix:" as the name */
} server_sections[] = {
	{ "unix_http_server", 'u', 0 },
	{ "inet_http_server", 'i', 0 },
	{ "http_server:", 'n', 1 },
};

/* [plugin:http] ping = true: GET/HEAD /stheno/ping answers "pong" on every
 * server, for load balancers and for the tests. */
static void
ping_handle(struct sth_http_req *req, void *arg)
{
	const char *m = H.api.req_method(req);

	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
		H.api.set_header(req, "Allow", "GET, HEAD");
		H.api.respond_error(req, 405);
		return;
	}
	H.api.set_header(req, "Content-Type", "text/plain");
	H.api.set_header(req, "Cache-Control", "no-cache");
	H.api.respond(req, 200, NULL, "pong\n", 5);
}

static int
ping_match(struct sth_http_req *req, void *arg)
{
	return strcmp(H.api.req_path(req), "/stheno/ping") == 0;
}

static int
open_servers(void)
{
	const struct sth_host *host = H.host;
	struct sth_section *sec;
	struct http_server *s;
	const char *name, *p;
	size_t i, n;

	for (i = 0; i < sizeof server_sections / sizeof server_sections[0];
	    i++) {
		p = server_sections[i].prefix;
		n = strlen(p);
		sec = NULL;
		while ((sec = host->section_next(H.self, sec, p)) != NULL) {
			name = host->section_name(sec);
			/* "unix_http_server" or "unix_http_server:x" only */
			if (!server_sections[i].strip && name[n] != '\0' &&
			    name[n] != ':')
				continue;
			if (server_sections[i].strip)
				name += n;
			s = server_new(sec, name, server_sections[i].kind);
			if (s == NULL)
				return -1;
			TAILQ_INSERT_TAIL(&H.servers, s, s_entry);
			if (server_start(s) == -1)
				return -1;
		}
	}
	return 0;
}

static void http_fini(struct sth_plugin *);

/*
 * Once the plugins loaded with us have added their handlers (the next loop
 * turn): a public server that no handler serves answers 404 to everything,
 * which is never what its section meant.
 */
static void
http_check_servers(void *arg)
{
	struct http_server *s;
	struct http_handler *h;

	TAILQ_FOREACH(s, &H.servers, s_entry) {
		if (s->s_control || s->s_probes)
			continue;
		TAILQ_FOREACH(h, &H.handlers, h_entry) {
			if (!h->h_removed && !(h->h_flags & STH_HTTP_CONTROL) &&
			    (h->h_server == NULL ||
			    strcmp(h->h_server, s->s_name) == 0))
				break;
		}
		if (h == NULL)
			H.host->log(H.self, STH_LOG_WARN, "http: server '%s' "
			    "has no extension: it answers 404 to every "
			    "request; add [plugin:files] (with root= in its "
			    "section) or another extension", s->s_name);
	}
}

static int
http_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *cfg;
	int ping = 0;

	memset(&H, 0, sizeof H);
	H.self = self;
	H.host = host;
	TAILQ_INIT(&H.servers);
	TAILQ_INIT(&H.handlers);
	handler_api_fill(&H.api);

	cfg = host->config(self);
	if (cfg != NULL && host->cfg_bool(self, cfg, "ping", 0, &ping) == -1)
		goto err;
	if (open_servers() == -1)
		goto err;
	if (ping)
		H.ping = (struct http_handler *)H.api.handler_add(self, NULL,
		    "/stheno/ping", ping_match, ping_handle, NULL, 0, NULL);
	if (host->service_register(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, &H.api) == -1) {
		host->fail(self, "cannot register the \"%s\" service",
		    STH_HTTP_SERVICE);
		goto err;
	}
	host->defer(self, http_check_servers, NULL);
	return 0;
err:
	http_fini(self);
	return -1;
}

static void
http_drain(struct sth_plugin *self)
{
	struct http_server *s;
	struct http_conn *c, *next;

	H.draining = 1;
	TAILQ_FOREACH(s, &H.servers, s_entry) {
		for (c = LIST_FIRST(&s->s_conns); c != NULL; c = next) {
			next = LIST_NEXT(c, c_entry);
			conn_drain(c);
		}
	}
}

static void
http_fini(struct sth_plugin *self)
{
	struct http_server *s;

	handler_free_all();
	while ((s = TAILQ_FIRST(&H.servers)) != NULL) {
		TAILQ_REMOVE(&H.servers, s, s_entry);
		server_free(s);
	}
	if (H.host != NULL)
		H.host->service_unregister(self, STH_HTTP_SERVICE);
	if (H.host != NULL && H.tls != NULL)
		H.host->service_release(self, STH_TLS_SERVICE);
	memset(&H, 0, sizeof H);
}

STHENO_PLUGIN("http", PACKAGE_VERSION,
    "HTTP/1.1 servers with a live handler chain (the \"http\" service)",
    NULL, http_init, http_drain, http_fini);
