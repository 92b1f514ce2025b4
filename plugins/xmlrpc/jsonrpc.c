/*
 * jsonrpc.c — JSON-RPC 2.0 onto the RPC registry: single calls, batches and
 * notifications, with the standard errors.
 *
 * Decisions (plugins/xmlrpc/README.md):
 *  - params by position (an array) are the method's params; params by name
 *    (an object) reach the method as one struct param; no params is [];
 *  - a supervisor fault is {"code": faultCode, "message": faultString},
 *    except UNKNOWN_METHOD (1) and INCORRECT_PARAMETERS (2), which are what
 *    -32601 and -32602 mean: those carry the standard message and the
 *    supervisor fault in "data": {"faultCode", "faultString"};
 *  - the calls of a batch all start at once (JSON-RPC 2.0 allows any order);
 *    the replies come back in request order, once the last call answered;
 *  - a body with only notifications gets no reply body at all;
 *  - once the results of a batch pass JR_MAX_ANSWER bytes (as JSON,
 *    estimated), its calls not yet started are not run: each answers
 *    the FAILED fault that names the limit (a notification is dropped),
 *    as system.multicall does in the core; after a large answer the
 *    freed heap goes back to the system (malloc_trim).
 */
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "xmlrpc.h"

struct jr_slot {
	struct jr_req *req;
	struct sth_rpc_call *call;	/* pending, or NULL */
	json_t *id;			/* NULL for a notification */
	json_t *reply;			/* the response object, once known */
};

static const struct {
	int code;
	const char *message;
} jr_errors[] = {
	{ JR_PARSE_ERROR, "Parse error" },
	{ JR_INVALID_REQUEST, "Invalid Request" },
	{ JR_METHOD_NOT_FOUND, "Method not found" },
	{ JR_INVALID_PARAMS, "Invalid params" },
	{ JR_INTERNAL_ERROR, "Internal error" },
};

/* Supervisor faults that are a JSON-RPC standard error. */
static const struct {
	int fault;
	int code;
} jr_fault_map[] = {
	{ STH_FAULT_UNKNOWN_METHOD, JR_METHOD_NOT_FOUND },
	{ STH_FAULT_INCORRECT_PARAMETERS, JR_INVALID_PARAMS },
};

const char *
jr_error_message(int code)
{
	size_t i;

	for (i = 0; i < sizeof jr_errors / sizeof jr_errors[0]; i++)
		if (jr_errors[i].code == code)
			return jr_errors[i].message;
	return NULL;
}

/* {"code", "message"[, "data"]}: data is stolen. */
static json_t *
jr_error(int code, const char *message, json_t *data)
{
	json_t *e;

	e = json_object();
	json_object_set_new(e, "code", json_integer(code));
	json_object_set_new(e, "message", json_string(message));
	if (data != NULL)
		json_object_set_new(e, "data", data);
	return e;
}

json_t *
jr_fault_error(int fault_code, const char *fault_string)
{
	json_t *s, *e;
	size_t i;

	if (fault_string == NULL ||
	    (s = json_string(fault_string)) == NULL)
		s = json_string("");
	for (i = 0; i < sizeof jr_fault_map / sizeof jr_fault_map[0]; i++) {
		if (jr_fault_map[i].fault != fault_code)
			continue;
		return jr_error(jr_fault_map[i].code,
		    jr_error_message(jr_fault_map[i].code),
		    json_pack("{s:i,s:o}", "faultCode", fault_code,
		    "faultString", s));
	}
	e = json_object();
	json_object_set_new(e, "code", json_integer(fault_code));
	json_object_set_new(e, "message", s);
	return e;
}

/* A response object: exactly one of result and error (both stolen); id is
 * borrowed (NULL means null). */
static json_t *
jr_response(json_t *id, json_t *result, json_t *error)
{
	json_t *r;

	r = json_object();
	json_object_set_new(r, "jsonrpc", json_string("2.0"));
	if (error != NULL)
		json_object_set_new(r, "error", error);
	else
		json_object_set_new(r, "result", result);
	json_object_set(r, "id", id != NULL ? id : json_null());
	return r;
}

static json_t *
jr_std_response(json_t *id, int code, const char *data)
{
	return jr_response(id, NULL, jr_error(code, jr_error_message(code),
	    data != NULL ? json_string(data) : NULL));
}

#define JR_MAX_ANSWER 4194304	/* 4 MiB, as system.multicall's */
#define JR_STR(x) JR_STR2(x)
#define JR_STR2(x) #x
#define JR_NOT_RUN "FAILED: not run: this batch's answer passed its limit " \
	"of " JR_STR(JR_MAX_ANSWER) " bytes"
/* an answer this large is followed by a malloc_trim */
#define JR_TRIM_AFTER (1024 * 1024)

/* About the bytes of v as JSON. */
static size_t
jr_size(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i, n = 8;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return n + json_string_length(v);
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++)
			n += jr_size(json_array_get(v, i));
		return n;
	case JSON_OBJECT:
		json_object_foreach(v, key, m)
			n += 4 + strlen(key) + jr_size(m);
		return n;
	default:
		return n + 16;
	}
}

/* Answers are written here, kept between requests; see rpc2.c's
 * xr_scratch for why a busy flag. */
static struct dbuf jr_scratch;
static int jr_scratch_busy;
#define JR_SCRATCH_KEEP (256 * 1024)

/* out as json_dumps(out, JSON_COMPACT) into b; its own fallback when
 * json_dumps cannot either (the internal error any client can read). */
static void
jr_write(struct dbuf *b, json_t *out)
{
	char *text;

	if (jr_encode(b, out) == 0)
		return;
	if ((text = json_dumps(out, JSON_COMPACT)) == NULL) {
		out = jr_std_response(NULL, JR_INTERNAL_ERROR,
		    "the answer cannot be written as JSON");
		text = json_dumps(out, JSON_COMPACT);
		json_decref(out);
	}
	if (text != NULL)
		dbuf_add(b, text, strlen(text));
	free(text);
}

/* Send one JSON value (stolen; NULL = no reply): the last use of req
 * (its fn may free it).  Returns the bytes sent. */
static size_t
jr_send(struct jr_req *req, json_t *out)
{
	struct dbuf own = DBUF_INIT, *b;
	size_t sent;

	if (out == NULL) {
		req->fn(NULL, 0, req->arg);
		return 0;
	}
	b = jr_scratch_busy ? &own : &jr_scratch;
	jr_scratch_busy = 1;
	b->len = 0;
	jr_write(b, out);
	json_decref(out);
	sent = b->len;
	req->fn(b->len > 0 ? b->data : NULL, b->len, req->arg);
	if (b == &own)
		dbuf_free(&own);
	else {
		if (jr_scratch.cap > JR_SCRATCH_KEEP)
			dbuf_free(&jr_scratch);
		jr_scratch_busy = 0;
	}
	return sent;
}

void
jr_cleanup(void)
{
	dbuf_free(&jr_scratch);
}

/* What req holds (its slots); req itself is the caller's. */
static void
jr_free(struct jr_req *req)
{
	size_t i;

	for (i = 0; i < req->n; i++) {
		json_decref(req->slots[i].id);
		json_decref(req->slots[i].reply);
	}
	free(req->slots);
	req->slots = NULL;
	req->n = 0;
}

static void
jr_finish(struct jr_req *req)
{
	json_t *out = NULL;
	size_t i;

	if (req->batch) {
		out = json_array();
		for (i = 0; i < req->n; i++)
			if (req->slots[i].reply != NULL)
				json_array_append(out, req->slots[i].reply);
		if (json_array_size(out) == 0) {
			json_decref(out);
			out = NULL;
		}
	} else if (req->n == 1 && req->slots[0].reply != NULL)
		out = json_incref(req->slots[0].reply);
	jr_free(req);
#ifdef __GLIBC__
	if (jr_send(req, out) > JR_TRIM_AFTER)
		malloc_trim(0);
#else
	jr_send(req, out);
#endif
}

static void
jr_done(json_t *result, int code, const char *string, void *arg)
{
	struct jr_slot *s = arg;
	struct jr_req *req = s->req;

	s->call = NULL;
	if (s->id != NULL) {
		if (code != 0)
			s->reply = jr_response(s->id, NULL,
			    jr_fault_error(code, string));
		else {
			s->reply = jr_response(s->id, json_incref(result),
			    NULL);
			/* Only a batch has later calls its size can stop
			 * (a walk of the result, a fifth of a single
			 * getAllProcessInfo's cost). */
			if (req->batch)
				req->size += jr_size(result);
		}
	}
	if (--req->pending == 0 && !req->dispatching)
		jr_finish(req);
}

/* Check one request object; on success start its call, else record the
 * error reply. */
static void
jr_start(struct jr_req *req, struct jr_slot *s, json_t *r)
{
	json_t *id, *method, *params, *version, *args;
	struct sth_rpc_call *call;

	id = json_is_object(r) ? json_object_get(r, "id") : NULL;
	if (id != NULL && !json_is_string(id) && !json_is_number(id) &&
	    !json_is_null(id))
		id = NULL;	/* unusable: answer with a null id */
	if (!json_is_object(r)) {
		s->reply = jr_std_response(NULL, JR_INVALID_REQUEST,
		    "a request must be an object");
		return;
	}
	version = json_object_get(r, "jsonrpc");
	method = json_object_get(r, "method");
	params = json_object_get(r, "params");
	if (!json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0 ||
	    !json_is_string(method) ||
	    (params != NULL && !json_is_array(params) &&
	    !json_is_object(params)) ||
	    (json_object_get(r, "id") != NULL && id == NULL)) {
		s->reply = jr_std_response(id, JR_INVALID_REQUEST, NULL);
		return;
	}
	if (req->size > JR_MAX_ANSWER) {
		if (json_object_get(r, "id") != NULL)
			s->reply = jr_response(id, NULL, jr_fault_error(
			    STH_FAULT_FAILED, JR_NOT_RUN));
		return;
	}
	if (params == NULL)
		args = json_array();
	else if (json_is_object(params))
		args = json_pack("[O]", params);
	else
		args = json_incref(params);
	s->id = json_incref(id);
	req->pending++;
	call = req->d->call(req->d->ctx, json_string_value(method), args,
	    jr_done, s);
	json_decref(args);
	if (call != NULL)
		s->call = call;
}

int
jr_handle(struct jr_req *req, const char *body, size_t len,
    const struct xr_limits *lim)
{
	json_error_t jerr;
	json_t *doc, *r;
	size_t i;

	req->batch = req->dispatching = 0;
	req->size = req->n = req->pending = 0;
	req->slots = NULL;
	if ((doc = jr_flat_request(body, len)) == NULL)
		doc = json_loadb(body, len, JSON_DECODE_ANY |
		    JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		jr_send(req, jr_std_response(NULL, JR_PARSE_ERROR, jerr.text));
		return 0;
	}
	if (json_is_array(doc) && (json_array_size(doc) == 0 ||
	    json_array_size(doc) > lim->max_batch)) {
		json_t *out = jr_std_response(NULL, JR_INVALID_REQUEST,
		    json_array_size(doc) == 0 ? "an empty batch" :
		    "too many calls in one batch");

		json_decref(doc);
		jr_send(req, out);
		return 0;
	}
	req->batch = json_is_array(doc);
	req->n = req->batch ? json_array_size(doc) : 1;
	req->slots = xcalloc(req->n, sizeof *req->slots);
	req->dispatching = 1;
	for (i = 0; i < req->n; i++) {
		r = req->batch ? json_array_get(doc, i) : doc;
		req->slots[i].req = req;
		jr_start(req, &req->slots[i], r);
	}
	req->dispatching = 0;
	json_decref(doc);
	if (req->pending == 0) {
		jr_finish(req);
		return 0;
	}
	return 1;
}

void
jr_abort(struct jr_req *req)
{
	size_t i;

	for (i = 0; i < req->n; i++)
		if (req->slots[i].call != NULL)
			req->d->cancel(req->d->ctx, req->slots[i].call);
	jr_free(req);
}
