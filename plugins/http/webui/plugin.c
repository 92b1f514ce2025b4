/*
 * plugin.c — the webui plugin: supervisor's web interface on every control
 * HTTP server (docs/supervisord.md §7): /, /index.html, /tail.html, /ok.html,
 * /logtail/... and /mainlogtail, and the stylesheet and icon supervisor's
 * page links to (assets.c).  It requires "http"; sthenod loads it by
 * itself beside http and xmlrpc when [unix_http_server] or
 * [inet_http_server] exists.
 *
 * Views answer GET, POST and HEAD (others fall through to the next
 * handler, as supervisord's match does); the tails answer GET only (400
 * otherwise).  Basic auth is the http server's, before any of this runs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

#include "webui.h"

/* drain and fini get no host table: init keeps it (one per loaded copy of
 * the .so). */
static const struct sth_host *wu_host;

static void
wu_ok(struct wu_state *st, struct sth_http_req *req)
{
	st->http->set_header(req, "Content-Type", "text/plain");
	st->http->respond(req, 200, NULL, "OK", 2);
}

/* supervisord's VIEWS, by the path without its leading slashes. */
static const struct {
	const char *name;
	void (*fn)(struct wu_state *, struct sth_http_req *);
} views[] = {
	{ "", wu_index },
	{ "index.html", wu_index },
	{ "tail.html", wu_tailpage },
	{ "ok.html", wu_ok },
	{ "stylesheets/supervisor.css", wu_stylesheet },
	{ "images/icon.png", wu_icon },
};

static int
view_find(struct wu_state *st, struct sth_http_req *req)
{
	const char *m = st->http->req_method(req);
	const char *p = st->http->req_path(req);
	size_t i;

	if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0 &&
	    strcmp(m, "HEAD") != 0)
		return -1;
	while (*p == '/')
		p++;
	for (i = 0; i < sizeof views / sizeof views[0]; i++)
		if (strcmp(views[i].name, p) == 0)
			return (int)i;
	return -1;
}

static int
view_match(struct sth_http_req *req, void *arg)
{
	return view_find(arg, req) != -1;
}

static void
view_handle(struct sth_http_req *req, void *arg)
{
	struct wu_state *st = arg;
	int i = view_find(st, req);

	if (st->draining || i == -1) {
		st->http->respond_error(req, st->draining ? 503 : 404);
		return;
	}
	views[i].fn(st, req);
}

/* "/logtail/..." (not "/logtailfoo"). */
static int
logtail_match(struct sth_http_req *req, void *arg)
{
	struct wu_state *st = arg;
	const char *p = st->http->req_path(req);

	return strncmp(p, "/logtail/", 9) == 0;
}

static void
logtail_handle(struct sth_http_req *req, void *arg)
{
	struct wu_state *st = arg;

	if (st->draining)
		st->http->respond_error(req, 503);
	else
		wu_logtail(st, req);
}

static int
mainlogtail_match(struct sth_http_req *req, void *arg)
{
	struct wu_state *st = arg;
	const char *p = st->http->req_path(req);

	return strcmp(p, "/mainlogtail") == 0 ||
	    strncmp(p, "/mainlogtail/", 13) == 0;
}

static void
mainlogtail_handle(struct sth_http_req *req, void *arg)
{
	struct wu_state *st = arg;

	if (st->draining)
		st->http->respond_error(req, 503);
	else
		wu_mainlogtail(st, req);
}

static const struct {
	const char *prefix;
	sth_http_match_fn match;
	sth_http_handle_fn handle;
} handlers[] = {
	{ "/logtail/", logtail_match, logtail_handle },
	{ "/mainlogtail", mainlogtail_match, mainlogtail_handle },
	{ NULL, view_match, view_handle },
};

static int
wu_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct wu_state *st;
	char *err = NULL;
	size_t i;

	wu_host = host;
	st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	st->self = self;
	st->host = host;
	host->set_data(self, st);
	st->http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (st->http == NULL) {
		host->fail(self, "the \"%s\" service (version %d) is not "
		    "available", STH_HTTP_SERVICE, STH_HTTP_API_VERSION);
		goto fail;
	}
	for (i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
		if (st->http->handler_add(self, NULL, handlers[i].prefix,
		    handlers[i].match, handlers[i].handle, st,
		    STH_HTTP_CONTROL, &err) != NULL)
			continue;
		host->fail(self, "cannot add an HTTP handler: %s",
		    err != NULL ? err : "unknown error");
		free(err);
		st->http->handler_remove_all(self);
		goto fail;
	}
	return 0;
fail:
	host->set_data(self, NULL);
	free(st);
	return -1;
}

static void
wu_drain(struct sth_plugin *self)
{
	struct wu_state *st;

	if ((st = wu_host->get_data(self)) == NULL)
		return;
	/* New requests get 503; log tails, which never end by themselves,
	 * end now; actions in flight finish. */
	st->draining = 1;
	wu_tails_end(st);
}

static void
wu_fini(struct sth_plugin *self)
{
	struct wu_state *st;

	if ((st = wu_host->get_data(self)) == NULL)
		return;
	/* Removing the handlers cancels what is still pending (each cancel
	 * frees its context); the RPC calls are the host's to drop. */
	st->closing = 1;
	st->http->handler_remove_all(self);
	wu_tails_free(st);
	st->host->service_release(self, STH_HTTP_SERVICE);
	st->host->set_data(self, NULL);
	free(st);
}

static const char *const wu_requires[] = { "http", NULL };

STHENO_PLUGIN("webui", PACKAGE_VERSION,
    "supervisor's web interface, /logtail and /mainlogtail",
    wu_requires, wu_init, wu_drain, wu_fini);
