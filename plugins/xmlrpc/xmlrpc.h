/*
 * xmlrpc.h — the xmlrpc plugin's internal header: the XML-RPC codec
 * (xml_decode.c, xml_encode.c), the JSON-RPC 2.0 codec (jsonrpc.c) and the
 * plugin that serves them over the "http" service (plugin.c).
 *
 * Ownership: the plugin owns everything declared here.  The codecs never
 * touch the host table: they reach the RPC registry only through a struct
 * xr_dispatch (host->rpc_call and rpc_cancel in the plugin, a fake in the
 * unit tests), so they can be tested and fuzzed without a daemon.  json_t
 * rules are those of stheno/host.h: arguments are borrowed, results are new
 * references the caller must json_decref().
 *
 * Value model decisions (documented in plugins/xmlrpc/README.md):
 *  - dateTime.iso8601 decodes to a plain JSON string of its text;
 *  - base64 decodes to a JSON string of the decoded bytes, which must be
 *    UTF-8 (JSON strings cannot hold anything else), else the request is
 *    refused;
 *  - JSON null encodes as <nil/>, byte for byte as Python's marshaller
 *    does with allow_none=True, and <nil/> decodes to null;
 *  - an integer outside the int32 range still encodes as <int>;
 *  - JSON-RPC params given by name (an object) reach the method as a
 *    single struct parameter.
 */
#ifndef STHENO_XMLRPC_H
#define STHENO_XMLRPC_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include <stheno/stheno.h>

#include "dbuf.h"
#include "xmalloc.h"

struct evbuffer;

/* Caps on one request body (docs/design.md, decision 7).  max_body is
 * checked once, by the plugin before it hands a body to a codec (413);
 * of the codecs only xr_decode_response checks it (a client's answer). */
struct xr_limits {
	size_t max_body;	/* bytes of the body */
	unsigned max_depth;	/* XML element nesting */
	size_t max_values;	/* <value> elements in one request */
	size_t max_batch;	/* calls in one JSON-RPC batch */
};
/* The defaults of [plugin:xmlrpc] (plain numbers: plugin.c's option table
 * has them as text too, XR_TEXT). */
#define XR_MAX_BODY_DEFAULT 2097152	/* 2MB */
#define XR_MAX_DEPTH_DEFAULT 64
#define XR_MAX_VALUES_DEFAULT 65536
#define XR_MAX_BATCH_DEFAULT 1024
#define XR_TEXT_(n) #n
#define XR_TEXT(n) XR_TEXT_(n)
/* Nesting of a json_t the encoders accept (results are made by the core). */
#define XR_ENCODE_MAX_DEPTH 256

/* How the codecs reach the RPC registry; see host->rpc_call/rpc_cancel. */
struct xr_dispatch {
	struct sth_rpc_call *(*call)(void *ctx, const char *method,
				     json_t *params, sth_rpc_done_fn done,
				     void *arg);
	void (*cancel)(void *ctx, struct sth_rpc_call *call);
	void *ctx;
};

/*
 * The encoders write a whole answer into one struct dbuf (lib/dbuf.h) with
 * plain memcpy, and it reaches the HTTP layer as one (pointer, length)
 * without an evbuffer in between.
 */

/* util.c */
/* Python's repr of the first max bytes of buf, quoted ('...'), then
 * "..." if it was cut, for log lines that mirror supervisord's; a malloc'd
 * string. */
char *xr_repr(const char *buf, size_t len, size_t max);
/* The decimal text of v written backwards ending just before end (room
 * for XR_INT_DIGITS bytes); returns where it starts. */
#define XR_INT_DIGITS 24
char *xr_itoa(json_int_t v, char *end);

/* xml_decode.c */
/*
 * Decode an XML-RPC <methodCall>.  On success returns 0 with *method a
 * malloc'd, non-empty method name and *params a new JSON array.  On any
 * failure (not XML, DOCTYPE, not a methodCall, a bad value, caps)
 * returns -1 with a one-line reason in err, and *method and *params NULL.
 */
int xr_decode_call(const char *body, size_t len, const struct xr_limits *lim,
		   char **method, json_t **params, char *err, size_t errlen);
/*
 * Decode a <methodResponse>, for clients (sthenoctl): 0 with *result the
 * new value of its one param, 1 with *result the fault struct (faultCode,
 * faultString), -1 with a reason in err as above.
 */
int xr_decode_response(const char *body, size_t len,
		       const struct xr_limits *lim, json_t **result,
		       char *err, size_t errlen);
/* Free the parser and buffers xr_decode_call keeps between calls. */
void xr_decode_cleanup(void);

/* xml_encode.c */
/* The text of v as Python's repr(float) writes it ("1.5", "1e+16"). */
void xr_format_double(double v, char *buf, size_t len);
/* Append one <value>...</value> for v exactly as xmlrpc.client.dumps
 * does; -1 if v nests deeper than XR_ENCODE_MAX_DEPTH (out is then
 * partly written). */
int xr_encode_value(struct evbuffer *out, json_t *v);
/* A whole methodResponse carrying result; -1 as above (out unchanged). */
int xr_encode_response(struct evbuffer *out, json_t *result);
/* A whole methodResponse carrying a fault (docs/supervisord.md §A.3). */
int xr_encode_fault(struct evbuffer *out, int code, const char *string);
/* The same two appended to a flat buffer (b->len unchanged on failure). */
int xr_encode_response_buf(struct dbuf *b, json_t *result);
int xr_encode_fault_buf(struct dbuf *b, int code, const char *string);
/* A whole methodCall, for clients and tests (b->len unchanged on
 * failure). */
int xr_encode_call(struct evbuffer *out, const char *method, json_t *params);
int xr_encode_call_buf(struct dbuf *b, const char *method, json_t *params);

/* json_encode.c */
/* Append v as json_dumps(v, JSON_COMPACT) would write it (any type at the
 * top).  -1 with b->len unchanged where this writer gives up (a string
 * that is not UTF-8, absurd nesting): json_dumps is then the judge. */
int jr_encode(struct dbuf *b, json_t *v);

/* json_flat.c */
/* The request object of body when it is flat and plain (json_flat.c says
 * exactly which), as json_loadb would read it; NULL for anything else:
 * then json_loadb must read it. */
json_t *jr_flat_request(const char *body, size_t len);

/* rpc2.c: one XML-RPC request body onto the registry */
/*
 * The answer to an XML-RPC body: status is 200 (body is a methodResponse,
 * text/xml), 400 (not a methodCall: why says what was wrong; no body) or
 * 500 (the answer cannot be encoded).  body and why are borrowed for the
 * duration of the call.  It is the request's last event: reply may free
 * the struct xr_req (the caller's record holds it).
 */
typedef void (*xr_reply_fn)(int status, const char *body, size_t len,
			    const char *why, void *arg);
/* One XML-RPC request, inside the caller's record of it (no record of
 * its own): the caller sets d, reply and arg; call is the codec's. */
struct xr_req {
	const struct xr_dispatch *d;
	xr_reply_fn reply;
	void *arg;
	struct sth_rpc_call *call;	/* pending, or NULL */
};
/* Decode, call through req->d, encode.  0 if reply already ran; 1 if
 * the call is pending, answered through reply when it answers. */
int xr_handle(struct xr_req *req, const char *body, size_t len,
	      const struct xr_limits *lim);
/* The client went away: cancel the pending call (reply never runs). */
void xr_abort(struct xr_req *req);
/* Free what rpc2.c and xml_decode.c keep between requests (plugin fini). */
void xr_rpc2_cleanup(void);

/* jsonrpc.c */
/* Standard JSON-RPC 2.0 error codes. */
#define JR_PARSE_ERROR -32700
#define JR_INVALID_REQUEST -32600
#define JR_METHOD_NOT_FOUND -32601
#define JR_INVALID_PARAMS -32602
#define JR_INTERNAL_ERROR -32603

/*
 * The answer to a whole JSON-RPC body: body/len is the JSON text to send
 * (application/json), or NULL/0 when nothing is to be sent (only
 * notifications).  body is borrowed for the duration of the call.  It is
 * the request's last event: it may free the struct jr_req.
 */
typedef void (*jr_reply_fn)(const char *body, size_t len, void *arg);
struct jr_slot;
/* One JSON-RPC body, inside the caller's record of it: the caller sets
 * d, fn and arg; the rest is the codec's. */
struct jr_req {
	const struct xr_dispatch *d;
	jr_reply_fn fn;
	void *arg;
	int batch;
	int dispatching;
	size_t size;			/* of a batch's results so far,
					 * estimated */
	size_t n;
	size_t pending;
	struct jr_slot *slots;
};
/*
 * Handle one JSON-RPC body: a single call, a notification or a batch.
 * Calls go through req->d.  If every call answers at once, fn runs
 * before this returns 0; otherwise 1: calls are pending and fn runs when
 * the last one answers.
 */
int jr_handle(struct jr_req *req, const char *body, size_t len,
	      const struct xr_limits *lim);
/* The client went away: cancel every call still pending and free what
 * req holds (fn never runs). */
void jr_abort(struct jr_req *req);
/* The standard message of a JSON-RPC error code, or NULL. */
const char *jr_error_message(int code);
/* The JSON-RPC error object for a supervisor fault (a new reference). */
json_t *jr_fault_error(int fault_code, const char *fault_string);
/* Free the answer buffer kept between requests (plugin fini). */
void jr_cleanup(void);

#endif /* STHENO_XMLRPC_H */
