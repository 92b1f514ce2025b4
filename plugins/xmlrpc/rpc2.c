/*
 * rpc2.c — one XML-RPC request: decode the body, call the method through
 * the registry, encode its answer (or fault) as supervisord would.  The
 * answer may come later (a deferred method such as startProcess with
 * wait); if the client goes away first, xr_abort cancels the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlrpc.h"

/*
 * Answers are encoded into this one buffer, kept between requests so that
 * a steady load allocates nothing for them.  reply copies the body before
 * it returns; should a reply ever run another request's xr_finish inside
 * it, that one sees the buffer busy and uses a buffer of its own.
 */
static struct dbuf xr_scratch;
static int xr_scratch_busy;
/* A buffer grown past this by a huge answer is given back afterwards. */
#define XR_SCRATCH_KEEP (256 * 1024)

/* Encode and send the answer: the last use of req (reply may free it). */
static void
xr_finish(struct xr_req *req, json_t *result, int code, const char *string)
{
	struct dbuf own = DBUF_INIT, *b;
	int rv;

	b = xr_scratch_busy ? &own : &xr_scratch;
	xr_scratch_busy = 1;
	b->len = 0;
	if (code != 0)
		rv = xr_encode_fault_buf(b, code, string);
	else if ((rv = xr_encode_response_buf(b, result)) == -1)
		rv = xr_encode_fault_buf(b, STH_FAULT_FAILED,
		    "FAILED: result nests too deep for XML-RPC");
	if (rv == 0)
		req->reply(200, b->data, b->len, NULL, req->arg);
	else
		req->reply(500, NULL, 0, "cannot encode the answer", req->arg);
	if (b == &own)
		dbuf_free(&own);
	else {
		if (xr_scratch.cap > XR_SCRATCH_KEEP)
			dbuf_free(&xr_scratch);
		xr_scratch_busy = 0;
	}
}

void
xr_rpc2_cleanup(void)
{
	dbuf_free(&xr_scratch);
	xr_decode_cleanup();
}

static void
xr_done(json_t *result, int code, const char *string, void *arg)
{
	struct xr_req *req = arg;

	req->call = NULL;
	xr_finish(req, result, code, string);
}

int
xr_handle(struct xr_req *req, const char *body, size_t len,
    const struct xr_limits *lim)
{
	struct sth_rpc_call *call;
	char err[256], *method;
	json_t *params;

	req->call = NULL;
	if (xr_decode_call(body, len, lim, &method, &params, err,
	    sizeof err) == -1) {
		req->reply(400, NULL, 0, err, req->arg);
		return 0;
	}
	/* done may run inside call (an immediate answer): reply may then
	 * have freed req, and call returns NULL, so req is not touched. */
	call = req->d->call(req->d->ctx, method, params, xr_done, req);
	free(method);
	json_decref(params);
	if (call == NULL)
		return 0;
	req->call = call;
	return 1;
}

void
xr_abort(struct xr_req *req)
{
	if (req->call != NULL)
		req->d->cancel(req->d->ctx, req->call);
	req->call = NULL;
}
