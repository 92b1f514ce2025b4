/*
 * rpc2.c — one XML-RPC request: decode the body, call the method through
 * the registry, encode its answer (or fault) as supervisord would.  The
 * answer may come later (a deferred method such as startProcess with
 * wait); if the client goes away first, xr_abort cancels the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "xmlrpc.h"

struct xr_req {
	const struct xr_dispatch *d;
	struct sth_rpc_call *call;	/* pending, or NULL */
	xr_reply_fn reply;
	void *arg;
};

/* Encode and send the answer, then free req. */
static void
xr_finish(struct xr_req *req, json_t *result, int code, const char *string)
{
	struct evbuffer *out;
	size_t len;
	int rv;

	if ((out = evbuffer_new()) == NULL) {
		req->reply(500, NULL, 0, "out of memory", req->arg);
		free(req);
		return;
	}
	if (code != 0)
		rv = xr_encode_fault(out, code, string);
	else if ((rv = xr_encode_response(out, result)) == -1)
		rv = xr_encode_fault(out, STH_FAULT_FAILED,
		    "FAILED: result nests too deep for XML-RPC");
	len = evbuffer_get_length(out);
	if (rv == 0)
		req->reply(200, (const char *)evbuffer_pullup(out, -1), len,
		    NULL, req->arg);
	else
		req->reply(500, NULL, 0, "cannot encode the answer", req->arg);
	evbuffer_free(out);
	free(req);
}

static void
xr_done(json_t *result, int code, const char *string, void *arg)
{
	struct xr_req *req = arg;

	req->call = NULL;
	xr_finish(req, result, code, string);
}

struct xr_req *
xr_handle(const char *body, size_t len, const struct xr_limits *lim,
    const struct xr_dispatch *d, xr_reply_fn reply, void *arg)
{
	struct xr_req *req;
	struct sth_rpc_call *call;
	char err[256], *method;
	json_t *params;

	if (len > lim->max_body) {
		snprintf(err, sizeof err, "body of %zu bytes is over the "
		    "limit of %zu", len, lim->max_body);
		reply(413, NULL, 0, err, arg);
		return NULL;
	}
	if (xr_decode_call(body, len, lim, &method, &params, err,
	    sizeof err) == -1) {
		reply(400, NULL, 0, err, arg);
		return NULL;
	}
	req = xr_calloc(1, sizeof *req);
	req->d = d;
	req->reply = reply;
	req->arg = arg;
	/* done may run inside call (an immediate answer): it then frees req
	 * and call returns NULL, so req is not touched again. */
	call = d->call(d->ctx, method, params, xr_done, req);
	free(method);
	json_decref(params);
	if (call == NULL)
		return NULL;
	req->call = call;
	return req;
}

void
xr_abort(struct xr_req *req)
{
	if (req == NULL)
		return;
	if (req->call != NULL)
		req->d->cancel(req->d->ctx, req->call);
	free(req);
}
