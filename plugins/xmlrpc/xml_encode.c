/*
 * xml_encode.c — json_t to XML-RPC, byte for byte as Python's
 * xmlrpc.client.dumps writes it (supervisord's wire format), so that a
 * client cannot tell sthenod from supervisord by its bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "xmlrpc.h"

#define XR_HEADER "<?xml version='1.0'?>\n"

static int xr_encode(struct evbuffer *, json_t *, int);

/* Python's xml escape: only &, < and > (quotes stay as they are). */
static void
xr_escape(struct evbuffer *out, const char *s, size_t len)
{
	size_t i, start;
	const char *rep;

	for (i = start = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		default:
			continue;
		}
		evbuffer_add(out, s + start, i - start);
		evbuffer_add(out, rep, strlen(rep));
		start = i + 1;
	}
	evbuffer_add(out, s + start, len - start);
}

/*
 * repr(float): the shortest digit string that reads back as the same
 * double, written in fixed notation when the decimal exponent is in
 * [-4, 16), else as d.ddde+XX (Python's float_repr_style 'short', with
 * Py_DTSF_ADD_DOT_0).
 */
void
xr_format_double(double v, char *buf, size_t len)
{
	char tmp[40], digits[24];
	int prec, exp, decpt, nd, i;
	size_t n;
	char *e;
	const char *sign;

	if (isnan(v)) {
		snprintf(buf, len, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v < 0 ? "-inf" : "inf");
		return;
	}
	sign = signbit(v) ? "-" : "";
	v = fabs(v);
	if (v == 0) {
		snprintf(buf, len, "%s0.0", sign);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is d[.ddd]e[+-]XX: collect the digits and the exponent. */
	nd = 0;
	for (i = 0; tmp[i] != 'e'; i++)
		if (tmp[i] != '.')
			digits[nd++] = tmp[i];
	exp = (int)strtol(tmp + i + 1, &e, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	decpt = exp + 1;	/* value = 0.DIGITS x 10^decpt */

	if (decpt > -4 && decpt <= 16) {
		n = (size_t)snprintf(buf, len, "%s", sign);
		if (decpt <= 0) {
			n += (size_t)snprintf(buf + n, len - n, "0.%.*s%s",
			    -decpt, "0000", digits);
		} else if (decpt >= nd) {
			n += (size_t)snprintf(buf + n, len - n, "%s%.*s.0",
			    digits, decpt - nd, "0000000000000000");
		} else {
			n += (size_t)snprintf(buf + n, len - n, "%.*s.%s",
			    decpt, digits, digits + decpt);
		}
		return;
	}
	if (nd == 1)
		snprintf(buf, len, "%s%ce%c%02d", sign, digits[0],
		    exp < 0 ? '-' : '+', abs(exp));
	else
		snprintf(buf, len, "%s%c.%se%c%02d", sign, digits[0],
		    digits + 1, exp < 0 ? '-' : '+', abs(exp));
}

static int
xr_encode_array(struct evbuffer *out, json_t *v, int depth)
{
	size_t i;
	json_t *e;

	evbuffer_add(out, "<value><array><data>\n", 21);
	json_array_foreach(v, i, e) {
		if (xr_encode(out, e, depth + 1) == -1)
			return -1;
	}
	evbuffer_add(out, "</data></array></value>\n", 24);
	return 0;
}

static int
xr_encode_struct(struct evbuffer *out, json_t *v, int depth)
{
	const char *k;
	json_t *e;

	evbuffer_add(out, "<value><struct>\n", 16);
	json_object_foreach(v, k, e) {
		evbuffer_add(out, "<member>\n<name>", 15);
		xr_escape(out, k, strlen(k));
		evbuffer_add(out, "</name>\n", 8);
		if (xr_encode(out, e, depth + 1) == -1)
			return -1;
		evbuffer_add(out, "</member>\n", 10);
	}
	evbuffer_add(out, "</struct></value>\n", 18);
	return 0;
}

static int
xr_encode(struct evbuffer *out, json_t *v, int depth)
{
	char num[64];

	if (depth > XR_ENCODE_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return xr_encode_struct(out, v, depth);
	case JSON_ARRAY:
		return xr_encode_array(out, v, depth);
	case JSON_STRING:
		evbuffer_add(out, "<value><string>", 15);
		xr_escape(out, json_string_value(v), json_string_length(v));
		evbuffer_add(out, "</string></value>\n", 18);
		return 0;
	case JSON_INTEGER:
		evbuffer_add_printf(out, "<value><int>%" JSON_INTEGER_FORMAT
		    "</int></value>\n", json_integer_value(v));
		return 0;
	case JSON_REAL:
		xr_format_double(json_real_value(v), num, sizeof num);
		evbuffer_add_printf(out, "<value><double>%s</double></value>\n",
		    num);
		return 0;
	case JSON_TRUE:
		evbuffer_add(out, "<value><boolean>1</boolean></value>\n", 36);
		return 0;
	case JSON_FALSE:
		evbuffer_add(out, "<value><boolean>0</boolean></value>\n", 36);
		return 0;
	case JSON_NULL:
		/* Python's dump_nil writes no newline after it. */
		evbuffer_add(out, "<value><nil/></value>", 21);
		return 0;
	}
	return -1;
}

int
xr_encode_value(struct evbuffer *out, json_t *v)
{
	return xr_encode(out, v, 0);
}

/* Encode into a scratch buffer first so that a failure leaves out as it
 * was. */
static int
xr_wrap(struct evbuffer *out, const char *head, json_t *v, const char *tail)
{
	struct evbuffer *tmp;
	int rv;

	if ((tmp = evbuffer_new()) == NULL)
		return -1;
	evbuffer_add(tmp, head, strlen(head));
	if ((rv = xr_encode(tmp, v, 0)) == 0) {
		evbuffer_add(tmp, tail, strlen(tail));
		evbuffer_add_buffer(out, tmp);
	}
	evbuffer_free(tmp);
	return rv;
}

int
xr_encode_response(struct evbuffer *out, json_t *result)
{
	return xr_wrap(out, XR_HEADER "<methodResponse>\n<params>\n<param>\n",
	    result, "</param>\n</params>\n</methodResponse>\n");
}

int
xr_encode_fault(struct evbuffer *out, int code, const char *string)
{
	json_t *f;
	int rv;

	f = json_pack("{s:i,s:s}", "faultCode", code, "faultString",
	    string != NULL ? string : "");
	if (f == NULL)
		/* faultString was not UTF-8: keep the code, drop the text. */
		f = json_pack("{s:i,s:s}", "faultCode", code, "faultString",
		    "");
	rv = xr_wrap(out, XR_HEADER "<methodResponse>\n<fault>\n", f,
	    "</fault>\n</methodResponse>\n");
	json_decref(f);
	return rv;
}

int
xr_encode_call(struct evbuffer *out, const char *method, json_t *params)
{
	struct evbuffer *tmp;
	size_t i;
	json_t *e;
	int rv = 0;

	if (!json_is_array(params) || (tmp = evbuffer_new()) == NULL)
		return -1;
	evbuffer_add_printf(tmp, XR_HEADER "<methodCall>\n<methodName>");
	xr_escape(tmp, method, strlen(method));
	evbuffer_add_printf(tmp, "</methodName>\n<params>\n");
	json_array_foreach(params, i, e) {
		evbuffer_add(tmp, "<param>\n", 8);
		if ((rv = xr_encode(tmp, e, 0)) == -1)
			break;
		evbuffer_add(tmp, "</param>\n", 9);
	}
	if (rv == 0) {
		evbuffer_add_printf(tmp, "</params>\n</methodCall>\n");
		evbuffer_add_buffer(out, tmp);
	}
	evbuffer_free(tmp);
	return rv;
}
