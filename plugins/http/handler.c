/*
 * handler.c — the "http" service: Medusa's ordered handler list, dispatch,
 * and the request accessors of struct sth_http_api (stheno/http.h).
 *
 * Ownership: the registry (H.handlers) owns every struct http_handler; a
 * removed handler is unlinked at once unless a dispatch loop is walking the
 * list, in which case it is swept when the walk ends.  Its live requests are
 * ended before handler_remove returns, so no request outlives its handler.
 * Each handler a consumer adds is also bound to it through the host
 * (host->bind): if the consumer unloads without removing it, the host has
 * us drop it (handler_drop) before the consumer's code is unmapped.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "httpd.h"

static void api_handler_remove(struct sth_http_handler *);

/*
 * The host drops a handler whose owner unloaded and left it behind: its
 * owner's code must not run any more, so its requests end (503, or the
 * last chunk of a stream) without their cancel functions.
 */
static void
handler_drop(void *obj)
{
	struct http_handler *h = obj;
	struct sth_http_req *r;

	h->h_binding = NULL;
	LIST_FOREACH(r, &h->h_reqs, r_hentry)
		r->r_cancel = NULL;
	H.host->log(H.self, STH_LOG_WARN, "a handler of plugin '%s' (%s) "
	    "was left behind at its unload; removed", H.host->name(h->h_owner),
	    h->h_prefix != NULL ? h->h_prefix : "any path");
	api_handler_remove((struct sth_http_handler *)h);
}

static struct sth_http_handler *
api_handler_add(struct sth_plugin *self, const char *server,
    const char *prefix, sth_http_match_fn match, sth_http_handle_fn handle,
    void *arg, unsigned flags, char **err)
{
	struct http_handler *h;
	struct http_server *s;

	if (handle == NULL) {
		if (err != NULL)
			*err = xstrdup("http: handler_add without a "
			    "handle function");
		return NULL;
	}
	if ((flags & STH_HTTP_CONTROL) && server != NULL) {
		TAILQ_FOREACH(s, &H.servers, s_entry) {
			if (strcmp(s->s_name, server) == 0 && !s->s_control) {
				if (err != NULL &&
				    asprintf(err, "http: server '%s' is not a "
				    "control server", server) == -1)
					*err = NULL;
				return NULL;
			}
		}
	}
	h = xcalloc(1, sizeof *h);
	h->h_owner = self;
	h->h_server = server != NULL ? xstrdup(server) : NULL;
	if (prefix != NULL) {
		h->h_prefix = xstrdup(prefix);
		h->h_prefixlen = strlen(prefix);
	}
	h->h_match = match;
	h->h_handle = handle;
	h->h_arg = arg;
	h->h_flags = flags;
	LIST_INIT(&h->h_reqs);
	if (STH_HOST_HAS(H.host, bind))
		h->h_binding = H.host->bind(H.self, self, handler_drop, h);
	if (flags & STH_HTTP_BACK)
		TAILQ_INSERT_TAIL(&H.handlers, h, h_entry);
	else
		TAILQ_INSERT_HEAD(&H.handlers, h, h_entry);
	return (struct sth_http_handler *)h;
}

static void
handler_free(struct http_handler *h)
{
	if (h->h_binding != NULL)
		H.host->unbind(h->h_binding);
	TAILQ_REMOVE(&H.handlers, h, h_entry);
	free(h->h_server);
	free(h->h_prefix);
	free(h);
}

static void
sweep(void)
{
	struct http_handler *h, *next;

	if (H.walking > 0 || !H.sweep)
		return;
	H.sweep = 0;
	for (h = TAILQ_FIRST(&H.handlers); h != NULL; h = next) {
		next = TAILQ_NEXT(h, h_entry);
		if (h->h_removed)
			handler_free(h);
	}
}

static void
api_handler_remove(struct sth_http_handler *hh)
{
	struct http_handler *h = (struct http_handler *)hh;

	if (h == NULL || h->h_removed)
		return;
	h->h_removed = 1;
	/* A streaming response gets its last chunk, a pending one a 503;
	 * either way the handler's cancel function runs first. */
	while (!LIST_EMPTY(&h->h_reqs))
		req_abort(LIST_FIRST(&h->h_reqs));
	H.sweep = 1;
	sweep();
}

static void
api_handler_remove_all(struct sth_plugin *self)
{
	struct http_handler *h;

	H.walking++;
	TAILQ_FOREACH(h, &H.handlers, h_entry)
		if (h->h_owner == self && !h->h_removed)
			api_handler_remove((struct sth_http_handler *)h);
	H.walking--;
	sweep();
}

void
handler_free_all(void)
{
	struct http_handler *h;

	while ((h = TAILQ_FIRST(&H.handlers)) != NULL) {
		while (!LIST_EMPTY(&h->h_reqs))
			req_abort(LIST_FIRST(&h->h_reqs));
		handler_free(h);
	}
}

static int
handler_takes(struct http_handler *h, struct sth_http_req *r)
{
	struct http_server *s = r->r_conn->c_srv;
	int ok;

	if (h->h_removed)
		return 0;
	if ((h->h_flags & STH_HTTP_CONTROL) && !s->s_control)
		return 0;
	if (h->h_server != NULL && strcmp(h->h_server, s->s_name) != 0)
		return 0;
	if (h->h_prefix != NULL &&
	    strncmp(r->r_msg->path, h->h_prefix, h->h_prefixlen) != 0)
		return 0;
	if (h->h_match == NULL)
		return 1;
	H.walking++;
	ok = h->h_match(r, h->h_arg);
	H.walking--;
	return ok;
}

void
handler_dispatch(struct sth_http_req *r)
{
	struct http_handler *h;

	H.walking++;
	TAILQ_FOREACH(h, &H.handlers, h_entry)
		if (handler_takes(h, r))
			break;
	if (h == NULL) {
		H.walking--;
		sweep();
		req_respond_error(r, 404);
		return;
	}
	r->r_handler = h;
	LIST_INSERT_HEAD(&h->h_reqs, r, r_hentry);
	h->h_handle(r, h->h_arg);
	H.walking--;
	sweep();
}

/* ------------------------------------------------------------ accessors */

static const char *
req_method(struct sth_http_req *r)
{
	return r->r_msg->method;
}

static const char *
req_uri(struct sth_http_req *r)
{
	return r->r_msg->target;
}

static const char *
req_path(struct sth_http_req *r)
{
	return r->r_msg->path;
}

static const char *
req_query(struct sth_http_req *r)
{
	return r->r_msg->query;
}

static int
req_version(struct sth_http_req *r)
{
	return r->r_msg->version;
}

static const char *
req_header(struct sth_http_req *r, const char *name)
{
	return http_msg_header(r->r_msg, name);
}

static int
req_header_at(struct sth_http_req *r, size_t i, const char **name,
    const char **value)
{
	if (i >= r->r_msg->nhdrs)
		return -1;
	*name = r->r_msg->hdrs[i].name;
	*value = r->r_msg->hdrs[i].value;
	return 0;
}

static const char *
req_body(struct sth_http_req *r, size_t *len)
{
	*len = r->r_msg->bodylen;
	return r->r_msg->body != NULL ? r->r_msg->body : "";
}

static const char *
req_peer(struct sth_http_req *r)
{
	return r->r_conn->c_peer;
}

static const char *
req_server(struct sth_http_req *r)
{
	return r->r_conn->c_srv->s_name;
}

static int
req_server_flags(struct sth_http_req *r)
{
	return r->r_conn->c_srv->s_control ? STH_HTTP_SERVER_CONTROL : 0;
}

static const char *
req_user(struct sth_http_req *r)
{
	return r->r_user;
}

static void
req_on_cancel(struct sth_http_req *r, sth_http_cancel_fn fn, void *arg)
{
	r->r_cancel = fn;
	r->r_cancel_arg = arg;
}

void
handler_api_fill(struct sth_http_api *api)
{
	memset(api, 0, sizeof *api);
	api->size = sizeof *api;
	api->version = STH_HTTP_API_VERSION;
	api->handler_add = api_handler_add;
	api->handler_remove = api_handler_remove;
	api->handler_remove_all = api_handler_remove_all;
	api->req_method = req_method;
	api->req_uri = req_uri;
	api->req_path = req_path;
	api->req_query = req_query;
	api->req_version = req_version;
	api->req_header = req_header;
	api->req_header_at = req_header_at;
	api->req_body = req_body;
	api->req_peer = req_peer;
	api->req_server = req_server;
	api->req_server_flags = req_server_flags;
	api->req_user = req_user;
	api->req_on_cancel = req_on_cancel;
	api->set_header = req_set_header;
	api->respond = req_respond;
	api->respond_error = req_respond_error;
	api->respond_file = req_respond_file;
	api->stream_start = req_stream_start;
	api->stream_write = req_stream_write;
	api->stream_end = req_stream_end;
	api->pending = req_pending;
	api->servers = server_list_json;
}
