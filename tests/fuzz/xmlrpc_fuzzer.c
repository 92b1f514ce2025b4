/*
 * xmlrpc_fuzzer.c — fuzz target for the XML-RPC request decoder
 * (plugins/xmlrpc/xml_decode.c) and, on what it accepts, the encoder.
 *
 * The input is a request body.  The target aborts if:
 *  - a refusal comes without a reason, or a success without a method name
 *    or a params array;
 *  - what was accepted cannot be encoded again (as a call, a response and
 *    a fault);
 *  - a string holds a NUL;
 *  - encoding the params as a methodCall and decoding that does not give
 *    the same method and params back (unless a string holds a carriage
 *    return, which XML itself turns into a newline, or another control
 *    character XML cannot carry).
 * The same input is decoded as a response too (sthenoctl's side): a
 * refusal must say why and give nothing, a fault must be a struct, and a
 * value encoded as a response must decode to itself (same exception).
 * Small caps (64 KB, depth 32) keep each run fast; the caps themselves are
 * exercised too.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "../../plugins/xmlrpc/xmlrpc.h"

static const struct xr_limits fz_lim = { 64 * 1024, 32, 4096, 64 };

/* A carriage return (XML reads it back as a newline) or a control
 * character XML 1.0 cannot carry at all (a base64 value may decode to
 * one; Python's encoder writes it raw too). */
static int
fz_unxml(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n')
			return 1;
	return 0;
}

static int
fz_has_cr(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL)
			abort();	/* the decoder lets no NUL through */
		return fz_unxml(json_string_value(v), json_string_length(v));
	case JSON_ARRAY:
		json_array_foreach(v, i, e)
			if (fz_has_cr(e))
				return 1;
		return 0;
	case JSON_OBJECT:
		json_object_foreach(v, k, e)
			if (fz_unxml(k, strlen(k)) || fz_has_cr(e))
				return 1;
		return 0;
	default:
		return 0;
	}
}

static void
fz_response(const uint8_t *data, size_t size)
{
	struct dbuf b = DBUF_INIT;
	struct xr_limits big = fz_lim;
	json_t *v, *v2;
	char err[256];
	int rc;

	err[0] = '\0';
	rc = xr_decode_response((const char *)data, size, &fz_lim, &v, err,
	    sizeof err);
	if (rc == -1) {
		if (err[0] == '\0' || v != NULL)
			abort();
		return;
	}
	if (v == NULL || (rc == 1 && !json_is_object(v)))
		abort();
	if (xr_encode_response_buf(&b, v) == -1)
		abort();
	big.max_body = b.len;
	if (!fz_has_cr(v)) {
		if (xr_decode_response(b.data, b.len, &big, &v2, err,
		    sizeof err) != 0 || !json_equal(v, v2))
			abort();
		json_decref(v2);
	}
	dbuf_free(&b);
	json_decref(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], err2[256], *method, *method2, *xml;
	json_t *params, *params2;
	struct evbuffer *b;
	size_t len;

	fz_response(data, size);
	err[0] = '\0';
	if (xr_decode_call((const char *)data, size, &fz_lim, &method,
	    &params, err, sizeof err) == -1) {
		if (err[0] == '\0' || method != NULL || params != NULL)
			abort();
		return 0;
	}
	if (method == NULL || *method == '\0' || !json_is_array(params))
		abort();

	b = evbuffer_new();
	if (xr_encode_response(b, params) == -1 ||
	    xr_encode_fault(b, 10, method) == -1)
		abort();
	evbuffer_drain(b, evbuffer_get_length(b));
	if (xr_encode_call(b, method, params) == -1)
		abort();
	len = evbuffer_get_length(b);
	xml = (char *)evbuffer_pullup(b, -1);
	if (!fz_has_cr(params) && !fz_unxml(method, strlen(method))) {
		/* A re-encoded call is bigger; lift the size cap only. */
		struct xr_limits big = fz_lim;

		big.max_body = len;
		if (xr_decode_call(xml, len, &big, &method2, &params2, err2,
		    sizeof err2) == -1) {
			fprintf(stderr, "re-decode failed: %s\n%.*s\n", err2,
			    (int)len, xml);
			abort();
		}
		if (strcmp(method, method2) != 0 ||
		    !json_equal(params, params2))
			abort();
		free(method2);
		json_decref(params2);
	}
	evbuffer_free(b);
	free(method);
	json_decref(params);
	return 0;
}
