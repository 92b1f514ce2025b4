/*
 * plugin.c — the xmlrpc plugin: XML-RPC at /RPC2 and JSON-RPC 2.0 at
 * /jsonrpc on every control HTTP server, onto the core's RPC registry.
 *
 * HTTP behaviour is supervisord's for /RPC2 (docs/supervisord.md §4.1): POST
 * only (any other method is 400), Content-Length required (411), a body that
 * is not a methodCall is 400 and logged as supervisord logs it.  /jsonrpc
 * answers 405 to anything but POST, 204 to a body of notifications only.  A
 * body over max_body is 413 on both.  Answers may be deferred (startProcess
 * with wait); when the client goes away first, the pending calls are
 * cancelled.
 *
 * Browsers (docs/stheno.conf.5.md, "Authentication, browsers and Host
 * names"): a body must come with its endpoint's media type (415
 * otherwise), which a page of another site cannot send without a CORS
 * preflight that is never granted, and a request whose Origin,
 * Sec-Fetch-Site or Referer says another site sent it is a 403;
 * supervisorctl, xmlrpc.client and curl send none of these.
 *
 * [plugin:xmlrpc] options: max_body (bytes, default 2MB), max_depth (XML
 * nesting, default 64), max_values (default 65536), max_batch (JSON-RPC
 * calls per batch, default 1024).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

#include "xmlrpc.h"
#include "../common/origin.h"

enum xr_kind {
	XR_KIND_XML,
	XR_KIND_JSON,
};

struct xr_state {
	struct sth_plugin *self;
	const struct sth_host *host;
	const struct sth_http_api *http;
	struct xr_limits lim;
	struct xr_dispatch d;
	int draining;
};

/* One request in flight, from handle until its answer or cancel: the
 * plugin's one record of it (XML-RPC's call state is inside). */
struct xr_ctx {
	struct xr_state *st;
	struct sth_http_req *req;
	enum xr_kind kind;
	union {
		struct xr_req xr;	/* XML-RPC: the pending call */
		struct jr_req jr;	/* JSON-RPC: the pending calls */
	} u;
};

/* drain and fini get no host table: init keeps it here (each load maps
 * its own copy of the .so, so this is one per loaded instance). */
static const struct sth_host *xr_host;

static struct sth_rpc_call *
xr_host_call(void *ctx, const char *method, json_t *params,
    sth_rpc_done_fn done, void *arg)
{
	struct xr_state *st = ctx;

	return st->host->rpc_call(st->self, method, params, done, arg);
}

static void
xr_host_cancel(void *ctx, struct sth_rpc_call *call)
{
	struct xr_state *st = ctx;

	/* In fini too: a call the host dropped first is still a handle,
	 * whose cancel does nothing (stheno/host.h). */
	st->host->rpc_cancel(call);
}

static void
xr_cancelled(struct sth_http_req *req, void *arg)
{
	struct xr_ctx *c = arg;

	if (c->kind == XR_KIND_XML)
		xr_abort(&c->u.xr);
	else
		jr_abort(&c->u.jr);
	free(c);
}

static void
xr_rpc2_reply(int status, const char *body, size_t len, const char *why,
    void *arg)
{
	struct xr_ctx *c = arg;
	struct xr_state *st = c->st;
	const struct sth_http_api *http = st->http;
	const char *data;
	size_t dlen;
	char *repr;

	if (status == 200) {
		http->set_header(c->req, "Content-Type", "text/xml");
		http->respond(c->req, 200, NULL, body, len);
	} else {
		if (status == 400) {
			/* supervisord's words, for people who grep them. */
			data = http->req_body(c->req, &dlen);
			repr = xr_repr(data, dlen, 1024);
			st->host->log(st->self, STH_LOG_ERRO,
			    "XML-RPC request data %s is invalid: %s", repr,
			    strcmp(why, "no method name") == 0 ?
			    "no method name" : "unmarshallable");
			free(repr);
		}
		if (why != NULL)
			st->host->log(st->self, STH_LOG_DEBG,
			    "XML-RPC request from %s refused: %s",
			    http->req_peer(c->req), why);
		http->respond_error(c->req, status);
	}
	free(c);
}

static void
xr_json_reply(const char *body, size_t len, void *arg)
{
	struct xr_ctx *c = arg;
	const struct sth_http_api *http = c->st->http;

	if (body == NULL)
		http->respond(c->req, 204, NULL, NULL, 0);
	else {
		http->set_header(c->req, "Content-Type", "application/json");
		http->respond(c->req, 200, NULL, body, len);
	}
	free(c);
}

/*
 * The media types each endpoint takes: what supervisorctl, Python's
 * xmlrpc.client and XML-RPC libraries send, and JSON's.  The types a
 * form or a no-cors fetch of any page may post (text/plain, forms) are
 * not among them.
 */
static const char *const xr_types[][4] = {
	[XR_KIND_XML] = { "text/xml", "application/xml", NULL },
	[XR_KIND_JSON] = { "application/json", "application/json-rpc",
	    "application/jsonrequest", NULL },
};

static int
xr_ctype_ok(const char *ct, enum xr_kind kind)
{
	const char *const *t;
	size_t n;

	if (ct == NULL)
		return 0;
	ct += strspn(ct, " \t");
	n = strcspn(ct, "; \t");
	for (t = xr_types[kind]; *t != NULL; t++)
		if (strlen(*t) == n && strncasecmp(ct, *t, n) == 0)
			return 1;
	return 0;
}

/* A browser's request from another site, or a body of the wrong type:
 * answered (403, 415) and -1; 0 to go on. */
static int
xr_browser_check(struct xr_state *st, struct sth_http_req *req,
    enum xr_kind kind)
{
	const struct sth_http_api *http = st->http;
	const char *why, *ct, *origin = http->req_header(req, "Origin");
	char msg[80];

	why = origin_cross_site(http->req_header(req, "Host"), origin,
	    http->req_header(req, "Sec-Fetch-Site"),
	    http->req_header(req, "Referer"));
	if (why != NULL) {
		st->host->log(st->self, STH_LOG_WARN, "RPC request from %s "
		    "refused: %s (Origin: %s)", http->req_peer(req), why,
		    origin != NULL ? origin : "none");
		http->respond_error(req, 403);
		return -1;
	}
	ct = http->req_header(req, "Content-Type");
	if (!xr_ctype_ok(ct, kind)) {
		st->host->log(st->self, STH_LOG_INFO, "RPC request from %s "
		    "refused: Content-Type %s, not %s", http->req_peer(req),
		    ct != NULL ? ct : "missing", xr_types[kind][0]);
		/* Say what to send: curl -d sends a form's type. */
		snprintf(msg, sizeof msg, "Unsupported Media Type: send "
		    "Content-Type: %s\n", xr_types[kind][0]);
		http->set_header(req, "Content-Type", "text/plain");
		http->respond(req, 415, NULL, msg, strlen(msg));
		return -1;
	}
	return 0;
}

/* The checks both endpoints make before reading the body; 0 to go on. */
static int
xr_precheck(struct xr_state *st, struct sth_http_req *req, int bad_method,
    enum xr_kind kind)
{
	const struct sth_http_api *http = st->http;
	size_t len;

	if (st->draining) {
		http->respond_error(req, 503);
		return -1;
	}
	if (strcmp(http->req_method(req), "POST") != 0) {
		if (bad_method == 405)
			http->set_header(req, "Allow", "POST");
		http->respond_error(req, bad_method);
		return -1;
	}
	if (http->req_header(req, "Content-Length") == NULL) {
		http->respond_error(req, 411);
		return -1;
	}
	http->req_body(req, &len);
	if (len > st->lim.max_body) {
		st->host->log(st->self, STH_LOG_WARN,
		    "RPC request from %s refused: body of %zu bytes is over "
		    "max_body (%zu)", http->req_peer(req), len,
		    st->lim.max_body);
		http->respond_error(req, 413);
		return -1;
	}
	return xr_browser_check(st, req, kind);
}

static void
xr_rpc2_handle(struct sth_http_req *req, void *arg)
{
	struct xr_state *st = arg;
	const struct sth_http_api *http = st->http;
	struct xr_ctx *c;
	const char *body;
	size_t len;

	if (xr_precheck(st, req, 400, XR_KIND_XML) == -1)
		return;
	body = http->req_body(req, &len);
	c = xcalloc(1, sizeof *c);
	c->st = st;
	c->req = req;
	c->kind = XR_KIND_XML;
	c->u.xr.d = &st->d;
	c->u.xr.reply = xr_rpc2_reply;
	c->u.xr.arg = c;
	/* An immediate answer runs xr_rpc2_reply (which frees c) before
	 * xr_handle returns 0: c is not touched after that. */
	if (xr_handle(&c->u.xr, body, len, &st->lim) == 1)
		http->req_on_cancel(req, xr_cancelled, c);
}

static void
xr_json_handle(struct sth_http_req *req, void *arg)
{
	struct xr_state *st = arg;
	const struct sth_http_api *http = st->http;
	struct xr_ctx *c;
	const char *body;
	size_t len;

	if (xr_precheck(st, req, 405, XR_KIND_JSON) == -1)
		return;
	body = http->req_body(req, &len);
	c = xcalloc(1, sizeof *c);
	c->st = st;
	c->req = req;
	c->kind = XR_KIND_JSON;
	c->u.jr.d = &st->d;
	c->u.jr.fn = xr_json_reply;
	c->u.jr.arg = c;
	if (jr_handle(&c->u.jr, body, len, &st->lim) == 1)
		http->req_on_cancel(req, xr_cancelled, c);
}

/* /jsonrpc and /jsonrpc/..., not /jsonrpcfoo. */
static int
xr_json_match(struct sth_http_req *req, void *arg)
{
	struct xr_state *st = arg;
	const char *p = st->http->req_path(req);

	return strcmp(p, "/jsonrpc") == 0 || strncmp(p, "/jsonrpc/", 9) == 0;
}

/* [plugin:xmlrpc], read by the host into st->lim (host->cfg_read). */
#define XR_OPT(k, t, d, lo, hi)                                                \
	STH_CFG_OPTION(#k, STH_CFG_##t, 0, struct xr_limits, k, d, lo, hi)
static const struct sth_cfg_option xr_opts[] = {
	XR_OPT(max_body, BYTES, XR_TEXT(XR_MAX_BODY_DEFAULT), 1,
	    1024L * 1024 * 1024),
	XR_OPT(max_depth, INT, XR_TEXT(XR_MAX_DEPTH_DEFAULT), 4, 1024),
	XR_OPT(max_values, INT, XR_TEXT(XR_MAX_VALUES_DEFAULT), 1, LONG_MAX),
	XR_OPT(max_batch, INT, XR_TEXT(XR_MAX_BATCH_DEFAULT), 1, LONG_MAX),
	STH_CFG_END
};
#undef XR_OPT

static int
xr_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct xr_state *st;
	char *err = NULL;

	xr_host = host;
	st = xcalloc(1, sizeof *st);
	st->self = self;
	st->host = host;
	st->d.call = xr_host_call;
	st->d.cancel = xr_host_cancel;
	st->d.ctx = st;
	host->set_data(self, st);
	if (host->cfg_read(self, host->config(self), NULL, xr_opts,
	    &st->lim) == -1)
		goto fail;
	st->http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (st->http == NULL) {
		host->fail(self, "the \"%s\" service (version %d) is not "
		    "available", STH_HTTP_SERVICE, STH_HTTP_API_VERSION);
		goto fail;
	}
	if (st->http->handler_add(self, NULL, "/RPC2", NULL, xr_rpc2_handle,
	    st, STH_HTTP_CONTROL, &err) == NULL ||
	    st->http->handler_add(self, NULL, "/jsonrpc", xr_json_match,
	    xr_json_handle, st, STH_HTTP_CONTROL, &err) == NULL) {
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
xr_drain(struct sth_plugin *self)
{
	struct xr_state *st;

	/* New requests get 503; those in flight finish. */
	if ((st = xr_host->get_data(self)) != NULL)
		st->draining = 1;
}

static void
xr_fini(struct sth_plugin *self)
{
	struct xr_state *st;

	if ((st = xr_host->get_data(self)) == NULL)
		return;
	/* Removing our handlers cancels the requests still pending on them
	 * (xr_cancelled cancels their calls and frees each). */
	st->http->handler_remove_all(self);
	st->host->service_release(self, STH_HTTP_SERVICE);
	st->host->set_data(self, NULL);
	free(st);
	xr_rpc2_cleanup();
	jr_cleanup();
}

static const char *const xr_requires[] = { "http", NULL };

STHENO_PLUGIN("xmlrpc", PACKAGE_VERSION,
    "XML-RPC at /RPC2 and JSON-RPC 2.0 at /jsonrpc",
    xr_requires, xr_init, xr_drain, xr_fini);
