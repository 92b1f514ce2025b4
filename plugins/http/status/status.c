/*
 * status.c — the status extension (status.so): Medusa's status page
 * (docs/medusa.md §4) at /status, with the same facts as JSON at
 * /status/json: sthenod's version and uptime, the loaded plugins with their
 * versions (plugin.list through host->rpc_call), and every HTTP server with
 * its connection and request counts and bytes in and out (the "http"
 * service's counters).  Read-only: none of Medusa's state-changing GETs,
 * no object ids, no tracebacks (docs/medusa.md §8.3).
 *
 * Ownership: the one struct status_ctx S, filled by init, emptied by fini;
 * each request's page is built and answered within the gather's done
 * function, so nothing else outlives a request.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ext.h"

#define STATUS_PATH "/status"

struct status_ctx {
	struct sth_plugin *self;
	const struct sth_host *host;
	const struct sth_http_api *http;
	time_t started;
};
static struct status_ctx S;

static const char *const status_methods[] = { "plugin.list", NULL };

static const char status_css[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2em}"
    "th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}"
    "th{background:#eee}td.n{text-align:right}";

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static unsigned long long
jnum(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (unsigned long long)v : 0;
}

static void
html_plugins(struct dbuf *b, json_t *plugins)
{
	json_t *p;
	size_t i;

	dbuf_puts(b, "<h2>Plugins</h2>\n<table id=\"plugins\">"
	    "<tr><th>name</th><th>version</th><th>state</th>"
	    "<th>description</th></tr>\n");
	if (!json_is_array(plugins)) {
		dbuf_puts(b, "<tr><td colspan=\"4\">unavailable</td></tr>"
		    "\n");
	}
	json_array_foreach(plugins, i, p) {
		dbuf_puts(b, "<tr><td class=\"name\">");
		ext_buf_html(b, jstr(p, "name"));
		dbuf_puts(b, "</td><td class=\"version\">");
		ext_buf_html(b, jstr(p, "version"));
		dbuf_puts(b, "</td><td class=\"state\">");
		ext_buf_html(b, jstr(p, "state"));
		dbuf_puts(b, "</td><td>");
		ext_buf_html(b, jstr(p, "description"));
		dbuf_puts(b, "</td></tr>\n");
	}
	dbuf_puts(b, "</table>\n");
}

/* A count cell: the exact number, and Medusa's pretty form for bytes. */
static void
html_count(struct dbuf *b, const char *cls, unsigned long long n,
    int bytes)
{
	char pretty[32];

	dbuf_printf(b, "<td class=\"n %s\" data-value=\"%llu\">%llu", cls,
	    n, n);
	if (bytes && n >= 1024) {
		ext_format_bytes(n, pretty, sizeof pretty);
		dbuf_printf(b, " (%s)", pretty);
	}
	dbuf_puts(b, "</td>");
}

static void
html_servers(struct dbuf *b, json_t *servers)
{
	json_t *s;
	size_t i;
	unsigned long long conns, reqs;

	dbuf_puts(b, "<h2>HTTP servers</h2>\n<table id=\"servers\">"
	    "<tr><th>server</th><th>address</th><th>kind</th><th>auth</th>"
	    "<th>open connections</th><th>connections</th>"
	    "<th>requests</th><th>requests per connection</th>"
	    "<th>bytes in</th><th>bytes out</th></tr>\n");
	json_array_foreach(servers, i, s) {
		conns = jnum(s, "total_connections");
		reqs = jnum(s, "requests");
		dbuf_puts(b, "<tr><td class=\"name\">");
		ext_buf_html(b, jstr(s, "name"));
		dbuf_puts(b, "</td><td>");
		ext_buf_html(b, jstr(s, "address"));
		dbuf_printf(b, "</td><td>%s</td><td>%s</td>",
		    json_is_true(json_object_get(s, "control")) ? "control" :
		    "public", json_is_true(json_object_get(s, "auth")) ?
		    "yes" : "no");
		html_count(b, "open", jnum(s, "connections"), 0);
		html_count(b, "connections", conns, 0);
		html_count(b, "requests", reqs, 0);
		dbuf_printf(b, "<td class=\"n\">%.1f</td>",
		    conns > 0 ? (double)reqs / (double)conns : 0.0);
		html_count(b, "bytes_in", jnum(s, "bytes_in"), 1);
		html_count(b, "bytes_out", jnum(s, "bytes_out"), 1);
		dbuf_puts(b, "</tr>\n");
	}
	dbuf_puts(b, "</table>\n");
}

static void
page_html(struct sth_http_req *req, json_t *plugins, json_t *servers,
    time_t now)
{
	struct dbuf b = DBUF_INIT;
	char up[64], since[64];
	struct tm tm;

	ext_format_uptime((long long)(now - S.started), up, sizeof up);
	gmtime_r(&S.started, &tm);
	strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S UTC", &tm);
	dbuf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Stheno Status Reports</title><style>");
	dbuf_puts(&b, status_css);
	dbuf_puts(&b, "</style></head>\n<body>\n"
	    "<h1>Stheno Status Reports</h1>\n<p>sthenod ");
	ext_buf_html(&b, S.host->version());
	dbuf_printf(&b, ", up <span id=\"uptime\" data-seconds=\"%lld\">"
	    "%s</span> (since %s)</p>\n", (long long)(now - S.started), up,
	    since);
	html_plugins(&b, plugins);
	html_servers(&b, servers);
	dbuf_puts(&b, "</body></html>\n");
	S.http->set_header(req, "Content-Type", "text/html; charset=utf-8");
	S.http->set_header(req, "Cache-Control", "no-store");
	S.http->respond(req, 200, NULL, b.data, b.len);
	dbuf_free(&b);
}

static void
page_json(struct sth_http_req *req, json_t *plugins, json_t *servers,
    time_t now)
{
	json_t *o, *list = json_array(), *p;
	size_t i;
	char *text;

	json_array_foreach(plugins, i, p)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}",
		    "name", jstr(p, "name"), "version", jstr(p, "version"),
		    "state", jstr(p, "state")));
	o = json_pack("{s:s, s:I, s:I, s:o, s:O}", "version",
	    S.host->version(), "started", (json_int_t)S.started, "uptime",
	    (json_int_t)(now - S.started), "plugins", list, "servers",
	    servers);
	text = o != NULL ? json_dumps(o, JSON_INDENT(1)) : NULL;
	json_decref(o);
	if (text == NULL) {
		S.http->respond_error(req, 500);
		return;
	}
	S.http->set_header(req, "Content-Type", "application/json");
	S.http->set_header(req, "Cache-Control", "no-store");
	S.http->respond(req, 200, NULL, text, strlen(text));
	free(text);
}

static void
status_render(struct sth_http_req *req, json_t *results, void *arg)
{
	json_t *plugins = json_array_get(results, 0);
	json_t *servers = S.http->servers();

	if (arg != NULL)
		page_json(req, plugins, servers, time(NULL));
	else
		page_html(req, plugins, servers, time(NULL));
	json_decref(servers);
}

static int
status_match(struct sth_http_req *req, void *arg)
{
	const char *p = S.http->req_path(req);

	return strcmp(p, STATUS_PATH) == 0 ||
	    strcmp(p, STATUS_PATH "/") == 0 ||
	    strcmp(p, STATUS_PATH "/json") == 0;
}

static void
status_handle(struct sth_http_req *req, void *arg)
{
	const char *m = S.http->req_method(req);
	int json = strcmp(S.http->req_path(req), STATUS_PATH "/json") == 0;

	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
		S.http->set_header(req, "Allow", "GET, HEAD");
		S.http->respond_error(req, 405);
		return;
	}
	/* The arg only says which form: any non-NULL pointer is JSON. */
	ext_gather(S.host, S.self, S.http, req, status_methods,
	    status_render, json ? (void *)&S : NULL);
}

static void status_fini(struct sth_plugin *);

static int
status_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *own = host->config(self);
	const char *server = NULL;
	char *err = NULL;

	memset(&S, 0, sizeof S);
	S.self = self;
	S.host = host;
	S.started = ext_daemon_started();
	if (own != NULL && (server = host->cfg_str(own, "server", NULL)) !=
	    NULL && *server == '\0')
		server = NULL;
	S.http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (S.http == NULL)
		return host->fail(self, "the \"%s\" service (version %d) is "
		    "not available", STH_HTTP_SERVICE, STH_HTTP_API_VERSION);
	/* Control servers only, unless the config names one server. */
	if (S.http->handler_add(self, server, STATUS_PATH, status_match,
	    status_handle, NULL, server == NULL ? STH_HTTP_CONTROL : 0,
	    &err) == NULL) {
		host->fail(self, "cannot add the /status handler: %s",
		    err != NULL ? err : "failed");
		free(err);
		status_fini(self);
		return -1;
	}
	return 0;
}

static void
status_fini(struct sth_plugin *self)
{
	if (S.http != NULL) {
		S.http->handler_remove_all(self);
		S.host->service_release(self, STH_HTTP_SERVICE);
	}
	memset(&S, 0, sizeof S);
}

static const char *const status_requires[] = { "http", NULL };

STHENO_PLUGIN("status", PACKAGE_VERSION,
    "Medusa's status page at /status: uptime, plugins, HTTP server counters",
    status_requires, status_init, NULL, status_fini);
