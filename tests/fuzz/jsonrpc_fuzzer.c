/*
 * jsonrpc_fuzzer.c — fuzz target for the JSON-RPC 2.0 handler
 * (plugins/xmlrpc/jsonrpc.c) against a small fake registry.
 *
 * The first input byte picks the ending: bit 0 answers the deferred calls
 * in reverse order instead of in order, bit 1 aborts the request (the
 * client went away) once half of them are answered.  The rest is the body.
 * Methods: t.echo answers its params at once, t.defer answers later,
 * t.fault faults (code 10), anything else is UNKNOWN_METHOD.  The target
 * aborts if:
 *  - the reply runs twice, or never runs although nothing was aborted;
 *  - a reply body is not JSON, or is neither an object nor a non-empty
 *    array of objects each with "jsonrpc": "2.0" and an "id";
 *  - a pending call is answered after a cancel, or left neither answered
 *    nor cancelled;
 *  - the flat-request reader (json_flat.c) reads the body, and json_loadb
 *    does not or reads something else.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/xmlrpc/xmlrpc.h"

#define FZ_MAX 2048

struct sth_rpc_call {
	sth_rpc_done_fn done;
	void *arg;
	json_t *params;
	int live;
};

static struct sth_rpc_call fz_calls[FZ_MAX];
static int fz_ncalls;
static int fz_replies;

static const struct xr_limits fz_lim = { 64 * 1024, 32, 4096, 64 };

static struct sth_rpc_call *
fz_call(void *ctx, const char *method, json_t *params, sth_rpc_done_fn done,
    void *arg)
{
	struct sth_rpc_call *c;

	if (!json_is_array(params))
		abort();
	if (strcmp(method, "t.echo") == 0) {
		done(params, 0, NULL, arg);
		return NULL;
	}
	if (strcmp(method, "t.fault") == 0) {
		done(NULL, 10, "BAD_NAME: x", arg);
		return NULL;
	}
	if (strcmp(method, "t.defer") == 0) {
		if (fz_ncalls == FZ_MAX)
			abort();
		c = &fz_calls[fz_ncalls++];
		c->done = done;
		c->arg = arg;
		c->params = json_incref(params);
		c->live = 1;
		return c;
	}
	done(NULL, 1, "UNKNOWN_METHOD", arg);
	return NULL;
}

static void
fz_cancel(void *ctx, struct sth_rpc_call *c)
{
	if (!c->live)
		abort();
	c->live = 0;
}

static const struct xr_dispatch fz_d = { fz_call, fz_cancel, NULL };

static void
fz_check_one(json_t *r)
{
	json_t *v = json_object_get(r, "jsonrpc");

	if (!json_is_object(r) || !json_is_string(v) ||
	    strcmp(json_string_value(v), "2.0") != 0 ||
	    json_object_get(r, "id") == NULL ||
	    (json_object_get(r, "result") == NULL) ==
	    (json_object_get(r, "error") == NULL))
		abort();
}

static void
fz_reply(const char *body, size_t len, void *arg)
{
	json_t *doc, *e;
	size_t i;

	if (fz_replies++ != 0)
		abort();
	if (body == NULL)
		return;
	if ((doc = json_loadb(body, len, 0, NULL)) == NULL)
		abort();
	if (json_is_array(doc)) {
		if (json_array_size(doc) == 0)
			abort();
		json_array_foreach(doc, i, e)
			fz_check_one(e);
	} else
		fz_check_one(doc);
	json_decref(doc);
}

static void
fz_answer(struct sth_rpc_call *c)
{
	if (c->live) {
		c->live = 0;
		c->done(c->params, 0, NULL, c->arg);
	}
}

/* What jr_flat_request reads, json_loadb reads the same. */
static void
fz_check_flat(const char *body, size_t len)
{
	json_t *flat = jr_flat_request(body, len), *ref;

	if (flat == NULL)
		return;
	ref = json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL);
	if (ref == NULL || !json_equal(flat, ref))
		abort();
	json_decref(ref);
	json_decref(flat);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jr_req fz_rec;
	struct jr_req *req;
	unsigned mode;
	int i, half;

	if (size == 0)
		return 0;
	mode = data[0];
	fz_check_flat((const char *)data + 1, size - 1);
	fz_ncalls = fz_replies = 0;
	fz_rec.d = &fz_d;
	fz_rec.fn = fz_reply;
	fz_rec.arg = NULL;
	req = jr_handle(&fz_rec, (const char *)data + 1, size - 1,
	    &fz_lim) == 1 ? &fz_rec : NULL;
	if (req == NULL && fz_ncalls != 0)
		abort();	/* pending calls but the request is gone */
	half = fz_ncalls / 2;
	for (i = 0; i < fz_ncalls; i++) {
		if ((mode & 2) && i == half && req != NULL) {
			jr_abort(req);
			req = NULL;
			break;
		}
		fz_answer(&fz_calls[mode & 1 ? fz_ncalls - 1 - i : i]);
	}
	for (i = 0; i < fz_ncalls; i++) {
		if (fz_calls[i].live)
			abort();
		json_decref(fz_calls[i].params);
	}
	if (!(mode & 2) && fz_replies != 1)
		abort();
	return 0;
}
