/*
 * xml_encode.c — json_t to XML-RPC, byte for byte as Python's
 * xmlrpc.client.dumps writes it (supervisord's wire format), so that a
 * client cannot tell sthenod from supervisord by its bytes.
 *
 * Speed: everything is written into one flat struct dbuf with memcpy
 * (tags as literals of known length, an integer and its tags in one add,
 * short text and its tags under one check of room, copied in the pass
 * that looks for the three bytes XML escapes), and
 * the answer leaves as one (pointer, length).  The evbuffer functions are
 * thin fronts over the same code.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "plain.h"
#include "xmlrpc.h"

#define XR_HEADER "<?xml version='1.0'?>\n"
#define XR_RESPONSE_HEAD XR_HEADER "<methodResponse>\n<params>\n<param>\n"
#define XR_RESPONSE_TAIL "</param>\n</params>\n</methodResponse>\n"
#define XR_FAULT_HEAD XR_HEADER "<methodResponse>\n<fault>\n"
#define XR_FAULT_TAIL "</fault>\n</methodResponse>\n"

static int xr_encode(struct dbuf *, json_t *, int);

/* Python's xml escape: only &, < and > (quotes stay as they are). */
static const unsigned char xr_special[256] = {
	['&'] = 1,
	['<'] = 2,
	['>'] = 3,
};
static const struct {
	const char *text;
	size_t len;
} xr_entities[] = {
	{ "", 0 },
	{ "&amp;", 5 },
	{ "&lt;", 4 },
	{ "&gt;", 4 },
};

/*
 * Whether the 8 bytes of w hold one of the three specials: nonzero if so.
 * '&' is a zero byte of w ^ 0x26..; '<' and '>' (0x3c, 0x3e) are one of
 * (w | 0x02..) ^ 0x3e...
 */
static inline uint64_t
xr_word_special(uint64_t w)
{
	return plain_has_byte(w, '&') |
	    plain_has_byte(w | (PLAIN_ONES * 0x02), '>');
}

/*
 * How many bytes at the start of s hold none of the three specials.  Short
 * text is looked at 8 bytes a step; long text (log tails) is found plain
 * by three memchr (vectorised in libc), whose call costs more than a short
 * string's scan.
 */
static size_t
xr_plain_prefix(const unsigned char *p, size_t len)
{
	uint64_t w;
	size_t i = 0;

	if (len > PLAIN_SHORT) {
		if (memchr(p, '&', len) == NULL &&
		    memchr(p, '<', len) == NULL &&
		    memchr(p, '>', len) == NULL)
			return len;
	} else {
		for (; len - i >= sizeof w; i += sizeof w) {
			memcpy(&w, p + i, sizeof w);
			if (xr_word_special(w) != 0)
				break;
		}
	}
	while (i < len && xr_special[p[i]] == 0)
		i++;
	return i;
}

/* Copy s, plain runs at a time, replacing the three specials. */
static void
xr_escape(struct dbuf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len, *run;
	size_t plain;
	unsigned k;

	plain = xr_plain_prefix(p, len);
	if (plain == len) {
		dbuf_add(b, s, len);
		return;
	}
	for (run = p, p += plain; p < end; p++) {
		if ((k = xr_special[*p]) == 0)
			continue;
		dbuf_add(b, run, (size_t)(p - run));
		dbuf_add(b, xr_entities[k].text, xr_entities[k].len);
		run = p + 1;
	}
	dbuf_add(b, run, (size_t)(end - run));
}

/* head, s escaped, then tail into b: plain.h's fast path, or xr_escape. */
static inline __attribute__((always_inline)) void
xr_text(struct dbuf *b, const char *head, size_t hlen, const char *s,
    size_t len, const char *tail, size_t tlen)
{
	if (plain_add(b, head, hlen, s, len, tail, tlen, xr_special,
	    xr_word_special))
		return;
	dbuf_add(b, head, hlen);
	xr_escape(b, s, len);
	dbuf_add(b, tail, tlen);
}

/* The same, head and tail string literals. */
#define XR_ADD_TEXT(b, head, s, len, tail) \
	xr_text((b), (head), sizeof(head) - 1, (s), (len), (tail), \
	    sizeof(tail) - 1)

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
xr_encode_array(struct dbuf *b, json_t *v, int depth)
{
	size_t i, n = json_array_size(v);

	DBUF_LIT(b, "<value><array><data>\n");
	for (i = 0; i < n; i++)
		if (xr_encode(b, json_array_get(v, i), depth + 1) == -1)
			return -1;
	DBUF_LIT(b, "</data></array></value>\n");
	return 0;
}

static int
xr_encode_struct(struct dbuf *b, json_t *v, int depth)
{
	void *it;

	DBUF_LIT(b, "<value><struct>\n");
	for (it = json_object_iter(v); it != NULL;
	    it = json_object_iter_next(v, it)) {
		XR_ADD_TEXT(b, "<member>\n<name>", json_object_iter_key(it),
		    json_object_iter_key_len(it), "</name>\n");
		if (xr_encode(b, json_object_iter_value(it), depth + 1) == -1)
			return -1;
		DBUF_LIT(b, "</member>\n");
	}
	DBUF_LIT(b, "</struct></value>\n");
	return 0;
}

static int
xr_encode(struct dbuf *b, json_t *v, int depth)
{
	static const char int_tail[] = "</int></value>\n";
	char num[64 + sizeof int_tail], *p;

	if (depth > XR_ENCODE_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return xr_encode_struct(b, v, depth);
	case JSON_ARRAY:
		return xr_encode_array(b, v, depth);
	case JSON_STRING:
		XR_ADD_TEXT(b, "<value><string>", json_string_value(v),
		    json_string_length(v), "</string></value>\n");
		return 0;
	case JSON_INTEGER:
		/* "<value><int>" digits "</int></value>\n" in one add. */
		memcpy(num + 64, int_tail, sizeof int_tail - 1);
		p = xr_itoa(json_integer_value(v), num + 64);
		p -= sizeof "<value><int>" - 1;
		memcpy(p, "<value><int>", sizeof "<value><int>" - 1);
		dbuf_add(b, p, (size_t)(num + sizeof num - 1 - p));
		return 0;
	case JSON_REAL:
		xr_format_double(json_real_value(v), num, sizeof num);
		DBUF_LIT(b, "<value><double>");
		dbuf_add(b, num, strlen(num));
		DBUF_LIT(b, "</double></value>\n");
		return 0;
	case JSON_TRUE:
		DBUF_LIT(b, "<value><boolean>1</boolean></value>\n");
		return 0;
	case JSON_FALSE:
		DBUF_LIT(b, "<value><boolean>0</boolean></value>\n");
		return 0;
	case JSON_NULL:
		/* Python's dump_nil writes no newline after it. */
		DBUF_LIT(b, "<value><nil/></value>");
		return 0;
	}
	return -1;
}

/* head, v, tail into b; on failure b is left as it was. */
static int
xr_wrap(struct dbuf *b, const char *head, size_t hlen, json_t *v,
    const char *tail, size_t tlen)
{
	size_t mark = b->len;

	dbuf_add(b, head, hlen);
	if (xr_encode(b, v, 0) == -1) {
		b->len = mark;
		return -1;
	}
	dbuf_add(b, tail, tlen);
	return 0;
}

/* An evbuffer front for the flat encoders: one add, or none on failure. */
static int
xr_to_evbuffer(struct evbuffer *out, struct dbuf *b, int rv)
{
	if (rv == 0 && b->len > 0 && evbuffer_add(out, b->data, b->len) == -1)
		rv = -1;
	dbuf_free(b);
	return rv;
}

int
xr_encode_value(struct evbuffer *out, json_t *v)
{
	struct dbuf b = DBUF_INIT;
	int rv;

	/* Documented as partly written on failure: keep what was made. */
	rv = xr_encode(&b, v, 0);
	if (b.len > 0)
		evbuffer_add(out, b.data, b.len);
	dbuf_free(&b);
	return rv;
}

int
xr_encode_response_buf(struct dbuf *b, json_t *result)
{
	return xr_wrap(b, XR_RESPONSE_HEAD, sizeof XR_RESPONSE_HEAD - 1,
	    result, XR_RESPONSE_TAIL, sizeof XR_RESPONSE_TAIL - 1);
}

int
xr_encode_fault_buf(struct dbuf *b, int code, const char *string)
{
	json_t *f;
	int rv;

	f = json_pack("{s:i,s:s}", "faultCode", code, "faultString",
	    string != NULL ? string : "");
	if (f == NULL)
		/* faultString was not UTF-8: keep the code, drop the text. */
		f = json_pack("{s:i,s:s}", "faultCode", code, "faultString",
		    "");
	rv = xr_wrap(b, XR_FAULT_HEAD, sizeof XR_FAULT_HEAD - 1, f,
	    XR_FAULT_TAIL, sizeof XR_FAULT_TAIL - 1);
	json_decref(f);
	return rv;
}

int
xr_encode_response(struct evbuffer *out, json_t *result)
{
	struct dbuf b = DBUF_INIT;

	return xr_to_evbuffer(out, &b, xr_encode_response_buf(&b, result));
}

int
xr_encode_fault(struct evbuffer *out, int code, const char *string)
{
	struct dbuf b = DBUF_INIT;

	return xr_to_evbuffer(out, &b, xr_encode_fault_buf(&b, code, string));
}

int
xr_encode_call_buf(struct dbuf *b, const char *method, json_t *params)
{
	size_t i, n, mark = b->len;

	if (!json_is_array(params))
		return -1;
	XR_ADD_TEXT(b, XR_HEADER "<methodCall>\n<methodName>", method,
	    strlen(method), "</methodName>\n<params>\n");
	n = json_array_size(params);
	for (i = 0; i < n; i++) {
		DBUF_LIT(b, "<param>\n");
		if (xr_encode(b, json_array_get(params, i), 0) == -1) {
			b->len = mark;
			return -1;
		}
		DBUF_LIT(b, "</param>\n");
	}
	DBUF_LIT(b, "</params>\n</methodCall>\n");
	return 0;
}

int
xr_encode_call(struct evbuffer *out, const char *method, json_t *params)
{
	struct dbuf b = DBUF_INIT;

	return xr_to_evbuffer(out, &b, xr_encode_call_buf(&b, method, params));
}
