/*
 * xml_decode.c — an XML-RPC <methodCall> to a method name and a JSON array
 * of params, with expat; and, for clients, a <methodResponse> to its value
 * or its fault.
 *
 * Hostile input is refused, never expanded: any DOCTYPE stops the parser
 * (so no entity can be declared: no billion laughs, no external entities),
 * and the body size, the element nesting and the number of values are
 * capped (struct xr_limits).  The grammar is checked by a table of which
 * element may appear inside which; anything else is an error that names
 * the element.  Text is UTF-8 throughout: expat validates its input and
 * hands out UTF-8 whatever the document's declared encoding.
 */
#include <sys/random.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "codec.h"
#include "xmlrpc.h"

enum xr_tag {
	T_ROOT,
	T_METHODCALL,
	T_METHODRESPONSE,
	T_FAULT,
	T_METHODNAME,
	T_PARAMS,
	T_PARAM,
	T_VALUE,
	T_INT,
	T_BOOLEAN,
	T_STRING,
	T_DOUBLE,
	T_DATETIME,
	T_BASE64,
	T_NIL,
	T_ARRAY,
	T_DATA,
	T_STRUCT,
	T_MEMBER,
	T_NAME,
};
#define B(t) (1u << (t))

struct xr_parse;
struct xr_frame;

/* Makes a JSON value from an element's text, or fails with a reason. */
typedef json_t *(*xr_scalar_fn)(struct xr_parse *, const char *, size_t);

struct xr_tag_info {
	const char *name;
	enum xr_tag tag;
	unsigned parents;	/* B() of the elements it may appear in */
	int text;		/* collects character data */
	xr_scalar_fn scalar;	/* a typed value's converter */
};

struct xr_frame {
	const struct xr_tag_info *info;
	json_t *val;	/* value, param, member: the value; array, struct,
			 * data: the container */
	char *key;	/* member: its name */
	int typed;	/* value: a typed child was seen */
};

struct xr_parse {
	XML_Parser p;
	const struct xr_limits *lim;
	struct xr_frame *stack;
	unsigned depth;
	char *text;
	size_t tlen;
	size_t tcap;
	size_t nvalues;
	char *method;
	json_t *params;
	int response;	/* decoding a methodResponse, not a methodCall */
	json_t *fault;	/* its fault struct */
	int failed;
	char *err;
	size_t errlen;
};

static json_t *xr_int(struct xr_parse *, const char *, size_t);
static json_t *xr_boolean(struct xr_parse *, const char *, size_t);
static json_t *xr_string(struct xr_parse *, const char *, size_t);
static json_t *xr_double(struct xr_parse *, const char *, size_t);
static json_t *xr_datetime(struct xr_parse *, const char *, size_t);
static json_t *xr_base64(struct xr_parse *, const char *, size_t);
static json_t *xr_nil(struct xr_parse *, const char *, size_t);

#define SCALAR_IN B(T_VALUE)
static const struct xr_tag_info xr_tags[] = {
	{ "methodCall", T_METHODCALL, B(T_ROOT), 0, NULL },
	{ "methodName", T_METHODNAME, B(T_METHODCALL), 1, NULL },
	{ "methodResponse", T_METHODRESPONSE, B(T_ROOT), 0, NULL },
	{ "params", T_PARAMS, B(T_METHODCALL) | B(T_METHODRESPONSE), 0, NULL },
	{ "fault", T_FAULT, B(T_METHODRESPONSE), 0, NULL },
	{ "param", T_PARAM, B(T_PARAMS), 0, NULL },
	{ "value", T_VALUE, B(T_PARAM) | B(T_DATA) | B(T_MEMBER) | B(T_FAULT),
	  1, NULL },
	{ "int", T_INT, SCALAR_IN, 1, xr_int },
	{ "i4", T_INT, SCALAR_IN, 1, xr_int },
	{ "i8", T_INT, SCALAR_IN, 1, xr_int },
	{ "boolean", T_BOOLEAN, SCALAR_IN, 1, xr_boolean },
	{ "string", T_STRING, SCALAR_IN, 1, xr_string },
	{ "double", T_DOUBLE, SCALAR_IN, 1, xr_double },
	{ "dateTime.iso8601", T_DATETIME, SCALAR_IN, 1, xr_datetime },
	{ "base64", T_BASE64, SCALAR_IN, 1, xr_base64 },
	{ "nil", T_NIL, SCALAR_IN, 1, xr_nil },
	{ "array", T_ARRAY, SCALAR_IN, 0, NULL },
	{ "data", T_DATA, B(T_ARRAY), 0, NULL },
	{ "struct", T_STRUCT, SCALAR_IN, 0, NULL },
	{ "member", T_MEMBER, B(T_STRUCT), 0, NULL },
	{ "name", T_NAME, B(T_MEMBER), 1, NULL },
};
static const struct xr_tag_info xr_root = { "(document)", T_ROOT, 0, 0, NULL };

static void __attribute__((format(printf, 2, 3)))
xr_fail(struct xr_parse *x, const char *fmt, ...)
{
	va_list ap;

	if (x->failed)
		return;
	x->failed = 1;
	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	if (x->p != NULL)
		XML_StopParser(x->p, XML_FALSE);
}

static int
xr_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return 0;
	return 1;
}

/* Trim ASCII white space; returns the new length, *s moved forward. */
static size_t
xr_trim(const char **s, size_t len)
{
	while (len > 0 && xr_blank(*s, 1)) {
		(*s)++;
		len--;
	}
	while (len > 0 && xr_blank(*s + len - 1, 1))
		len--;
	return len;
}

static json_t *
xr_int(struct xr_parse *x, const char *s, size_t len)
{
	char buf[32], *end;
	long long v;
	size_t i;

	len = xr_trim(&s, len);
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(i == 0 && (s[i] == '-' || s[i] == '+')))
			break;
	if (len == 0 || i < len || len >= sizeof buf ||
	    (len == 1 && !isdigit((unsigned char)s[0]))) {
		xr_fail(x, "bad integer value");
		return NULL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0') {
		xr_fail(x, "integer out of range: %s", buf);
		return NULL;
	}
	return json_integer(v);
}

static json_t *
xr_boolean(struct xr_parse *x, const char *s, size_t len)
{
	len = xr_trim(&s, len);
	if (len == 1 && (s[0] == '0' || s[0] == '1'))
		return json_boolean(s[0] == '1');
	xr_fail(x, "bad boolean value");
	return NULL;
}

static json_t *
xr_string(struct xr_parse *x, const char *s, size_t len)
{
	json_t *v;

	/* expat only hands out valid UTF-8; this cannot fail on its text. */
	if ((v = json_stringn(s, len)) == NULL)
		xr_fail(x, "string is not UTF-8");
	return v;
}

static json_t *
xr_double(struct xr_parse *x, const char *s, size_t len)
{
	char buf[64], *end;
	size_t i, digits = 0;
	double v;

	len = xr_trim(&s, len);
	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (strchr("+-.eE", s[i]) == NULL || s[i] == '\0')
			break;
	}
	if (len == 0 || i < len || digits == 0 || len >= sizeof buf) {
		xr_fail(x, "bad double value");
		return NULL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0') {
		xr_fail(x, "bad double value: %s", buf);
		return NULL;
	}
	if (!isfinite(v)) {
		xr_fail(x, "double out of range: %s", buf);
		return NULL;
	}
	return json_real(v);
}

/* ISO 8601 as XML-RPC writes it ("20240131T08:15:00", with or without
 * dashes, a fraction or a zone): kept as the text itself. */
static json_t *
xr_datetime(struct xr_parse *x, const char *s, size_t len)
{
	size_t i;

	len = xr_trim(&s, len);
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    strchr("T:-+.Z", s[i]) == NULL)
			break;
	if (len < 8 || i < len || !isdigit((unsigned char)s[0])) {
		xr_fail(x, "bad dateTime.iso8601 value");
		return NULL;
	}
	return json_stringn(s, len);
}

/* base64 (white space ignored, padding optional) to a JSON string: the
 * decoded bytes must be UTF-8 text without NUL, since JSON strings hold
 * nothing else and the core's handlers read C strings. */
static json_t *
xr_base64(struct xr_parse *x, const char *s, size_t len)
{
	unsigned char *out;
	long n;
	json_t *j;

	out = xmalloc(len / 4 * 3 + 3);
	if ((n = base64_decode(s, len, out, len / 4 * 3 + 3,
	    BASE64_SPACE | BASE64_WHOLE)) < 0) {
		free(out);
		xr_fail(x, "bad base64 value");
		return NULL;
	}
	/* No NUL either: the core's handlers take C strings. */
	if (memchr(out, '\0', (size_t)n) != NULL ||
	    (j = json_stringn((const char *)out, (size_t)n)) == NULL) {
		free(out);
		xr_fail(x, "base64 value is not UTF-8 text");
		return NULL;
	}
	free(out);
	return j;
}

static json_t *
xr_nil(struct xr_parse *x, const char *s, size_t len)
{
	if (!xr_blank(s, len)) {
		xr_fail(x, "text in <nil/>");
		return NULL;
	}
	return json_null();
}

static const struct xr_tag_info *
xr_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof xr_tags / sizeof xr_tags[0]; i++)
		if (strcmp(xr_tags[i].name, name) == 0)
			return &xr_tags[i];
	return NULL;
}

static struct xr_frame *
xr_top(struct xr_parse *x)
{
	return x->depth > 0 ? &x->stack[x->depth - 1] : NULL;
}

static void
xr_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xr_parse *x = arg;
	const struct xr_tag_info *info, *pinfo;
	struct xr_frame *parent, *f;

	if (x->failed)
		return;
	parent = xr_top(x);
	pinfo = parent != NULL ? parent->info : &xr_root;
	if ((info = xr_lookup(name)) == NULL ||
	    (info->tag == T_METHODCALL && x->response) ||
	    (info->tag == T_METHODRESPONSE && !x->response)) {
		xr_fail(x, "unknown element <%.64s>", name);
		return;
	}
	if ((info->parents & B(pinfo->tag)) == 0) {
		xr_fail(x, "<%s> is not allowed in <%s>", info->name,
		    pinfo->name);
		return;
	}
	if (x->depth >= x->lim->max_depth) {
		xr_fail(x, "elements nest deeper than %u", x->lim->max_depth);
		return;
	}
	if (pinfo->tag == T_VALUE) {
		if (parent->typed || !xr_blank(x->text, x->tlen)) {
			xr_fail(x, "<value> holds more than one value");
			return;
		}
		parent->typed = 1;
	}
	if (info->tag == T_PARAMS || info->tag == T_FAULT) {
		if (x->params != NULL || x->fault != NULL) {
			xr_fail(x, "more than one <%s>", info->tag == T_FAULT &&
			    x->fault != NULL ? "fault" : "params");
			return;
		}
		x->params = json_array();
	}
	if (info->tag == T_VALUE && ++x->nvalues > x->lim->max_values) {
		xr_fail(x, "more than %zu values", x->lim->max_values);
		return;
	}
	f = &x->stack[x->depth++];
	memset(f, 0, sizeof *f);
	f->info = info;
	if (info->tag == T_ARRAY)
		f->val = json_array();
	else if (info->tag == T_STRUCT)
		f->val = json_object();
	else if (info->tag == T_DATA)
		f->val = json_incref(parent->val);
	x->tlen = 0;
}

/* Hand a finished value (stolen) to the frame it belongs to. */
static void
xr_deliver(struct xr_parse *x, struct xr_frame *parent, json_t *v)
{
	if (v == NULL)
		return;		/* the converter failed and said why */
	switch (parent->info->tag) {
	case T_DATA:
		json_array_append_new(parent->val, v);
		return;
	case T_PARAM:
	case T_MEMBER:
	case T_VALUE:
	case T_FAULT:
		if (parent->val != NULL) {
			json_decref(v);
			xr_fail(x, "<%s> holds more than one value",
			    parent->info->name);
			return;
		}
		parent->val = v;
		return;
	default:
		json_decref(v);
		xr_fail(x, "value in <%s>", parent->info->name);
	}
}

static void
xr_end_frame(struct xr_parse *x, struct xr_frame *f, struct xr_frame *parent)
{
	json_t *v;

	switch (f->info->tag) {
	case T_METHODNAME:
		if (x->method != NULL) {
			xr_fail(x, "more than one <methodName>");
			return;
		}
		x->method = xstrndup(x->text, x->tlen);
		return;
	case T_VALUE:
		if (f->typed) {
			if (!xr_blank(x->text, x->tlen)) {
				xr_fail(x, "text beside a typed value");
				return;
			}
			v = f->val;
			f->val = NULL;
		} else
			v = xr_string(x, x->text, x->tlen);
		xr_deliver(x, parent, v);
		return;
	case T_ARRAY:
	case T_STRUCT:
		v = f->val;
		f->val = NULL;
		xr_deliver(x, parent, v);
		return;
	case T_NAME:
		if (parent->key != NULL) {
			xr_fail(x, "<member> has more than one <name>");
			return;
		}
		parent->key = xstrndup(x->text, x->tlen);
		return;
	case T_MEMBER:
		if (f->key == NULL || f->val == NULL) {
			xr_fail(x, "<member> without a <%s>",
			    f->key == NULL ? "name" : "value");
			return;
		}
		json_object_set_new(parent->val, f->key, f->val);
		f->val = NULL;
		return;
	case T_FAULT:
		if (!json_is_object(f->val)) {
			xr_fail(x, "<fault> without a <struct>");
			return;
		}
		json_decref(x->params);
		x->params = NULL;
		x->fault = f->val;
		f->val = NULL;
		return;
	case T_PARAM:
		if (f->val == NULL) {
			xr_fail(x, "<param> without a <value>");
			return;
		}
		json_array_append_new(x->params, f->val);
		f->val = NULL;
		return;
	default:
		if (f->info->scalar != NULL)
			xr_deliver(x, parent, f->info->scalar(x, x->text,
			    x->tlen));
		return;
	}
}

static void
xr_frame_free(struct xr_frame *f)
{
	json_decref(f->val);
	free(f->key);
	memset(f, 0, sizeof *f);
}

static void
xr_end(void *arg, const XML_Char *name)
{
	struct xr_parse *x = arg;
	struct xr_frame *f;

	if (x->failed || x->depth == 0)
		return;
	f = &x->stack[x->depth - 1];
	xr_end_frame(x, f, x->depth > 1 ? &x->stack[x->depth - 2] : NULL);
	xr_frame_free(f);
	x->depth--;
	x->tlen = 0;
}

static void
xr_chars(void *arg, const XML_Char *s, int len)
{
	struct xr_parse *x = arg;
	struct xr_frame *f;

	if (x->failed || len <= 0)
		return;
	f = xr_top(x);
	if (f == NULL || !f->info->text) {
		if (!xr_blank(s, (size_t)len))
			xr_fail(x, "text in <%s>",
			    f != NULL ? f->info->name : "(document)");
		return;
	}
	if (x->tlen + (size_t)len + 1 > x->tcap) {
		x->tcap = (x->tlen + (size_t)len + 1) * 2;
		x->text = xrealloc(x->text, x->tcap);
	}
	memcpy(x->text + x->tlen, s, (size_t)len);
	x->tlen += (size_t)len;
}

static void
xr_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	xr_fail(arg, "DOCTYPE is not allowed");
}

static void
xr_entity(void *arg, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	xr_fail(arg, "entity declarations are not allowed");
}

/*
 * One parser serves every request, reset between documents: creating one
 * per request cost its allocations and, for its hash salt, a getrandom(2)
 * each time.  The salt is drawn once here instead (expat would draw a new
 * one at every reset).  The frame stack and the text buffer are kept too.
 * Decoding never calls out, so it cannot be reentered.
 */
static XML_Parser xr_parser;
static unsigned long xr_salt;
static struct xr_frame *xr_stack;
static size_t xr_stack_cap;
static char *xr_text;
static size_t xr_text_cap;
/* A text buffer grown past this by a big request is given back. */
#define XR_TEXT_KEEP (64 * 1024)

static XML_Parser
xr_parser_get(void)
{
	if (xr_parser != NULL && !XML_ParserReset(xr_parser, NULL)) {
		XML_ParserFree(xr_parser);
		xr_parser = NULL;
	}
	if (xr_parser == NULL && (xr_parser = XML_ParserCreate(NULL)) == NULL)
		return NULL;
	if (xr_salt == 0 && getrandom(&xr_salt, sizeof xr_salt,
	    GRND_NONBLOCK) != (ssize_t)sizeof xr_salt)
		xr_salt = 0;	/* expat draws its own, as before */
	if (xr_salt != 0)
		XML_SetHashSalt(xr_parser, xr_salt);
	return xr_parser;
}

void
xr_decode_cleanup(void)
{
	if (xr_parser != NULL)
		XML_ParserFree(xr_parser);
	xr_parser = NULL;
	free(xr_stack);
	xr_stack = NULL;
	xr_stack_cap = 0;
	free(xr_text);
	xr_text = NULL;
	xr_text_cap = 0;
}

/* Parse one document into x (x->response says which kind); 0 or -1. */
static int
xr_decode(struct xr_parse *x, const char *body, size_t len)
{
	enum XML_Status st;

	/* A request's max_body is the plugin's check (plugin.c), made
	 * once before the body reaches a codec; a client has nobody before
	 * it.  Expat takes an int length. */
	if ((x->response && len > x->lim->max_body) || len > INT_MAX) {
		xr_fail(x, "body of %zu bytes is over the limit of %zu", len,
		    x->response ? x->lim->max_body : (size_t)INT_MAX);
		return -1;
	}
	if ((x->p = xr_parser_get()) == NULL) {
		xr_fail(x, "out of memory");
		return -1;
	}
	if (xr_stack_cap < (size_t)x->lim->max_depth + 1) {
		xr_stack_cap = (size_t)x->lim->max_depth + 1;
		free(xr_stack);
		xr_stack = xcalloc(xr_stack_cap, sizeof *xr_stack);
	}
	x->stack = xr_stack;
	x->text = xr_text;
	x->tcap = xr_text_cap;
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, xr_start, xr_end);
	XML_SetCharacterDataHandler(x->p, xr_chars);
	XML_SetStartDoctypeDeclHandler(x->p, xr_doctype);
	XML_SetEntityDeclHandler(x->p, xr_entity);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);

	st = XML_Parse(x->p, body, (int)len, 1);
	if (st != XML_STATUS_OK && !x->failed)
		xr_fail(x, "%s at line %lu, column %lu",
		    XML_ErrorString(XML_GetErrorCode(x->p)),
		    (unsigned long)XML_GetCurrentLineNumber(x->p),
		    (unsigned long)XML_GetCurrentColumnNumber(x->p));

	while (x->depth > 0)
		xr_frame_free(&x->stack[--x->depth]);
	if (x->tcap > XR_TEXT_KEEP) {
		free(x->text);
		x->text = NULL;
		x->tcap = 0;
	}
	xr_text = x->text;
	xr_text_cap = x->tcap;
	return x->failed ? -1 : 0;
}

/*
 * The bytes Python's xmlrpc.client sends for a call without arguments
 * (supervisorctl status, every poll of a fleet tool), exactly: the name
 * is read off them without expat, a fifth of such a call's instructions.
 * A body that differs by one byte, or a name with anything but letters,
 * digits, '_' and '.' (no entity, no markup), goes to the parser.
 */
#define XR_BARE_HEAD "<?xml version='1.0'?>\n<methodCall>\n<methodName>"
#define XR_BARE_TAIL "</methodName>\n<params>\n</params>\n</methodCall>\n"

static char *
xr_bare_call(const char *body, size_t len)
{
	static const size_t hl = sizeof XR_BARE_HEAD - 1;
	static const size_t tl = sizeof XR_BARE_TAIL - 1;
	size_t i;
	char c;

	if (len <= hl + tl || memcmp(body, XR_BARE_HEAD, hl) != 0 ||
	    memcmp(body + len - tl, XR_BARE_TAIL, tl) != 0)
		return NULL;
	for (i = hl; i < len - tl; i++) {
		c = body[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return NULL;
	}
	return xstrndup(body + hl, len - hl - tl);
}

int
xr_decode_call(const char *body, size_t len, const struct xr_limits *lim,
    char **method, json_t **params, char *err, size_t errlen)
{
	struct xr_parse x;

	*params = NULL;
	if ((*method = xr_bare_call(body, len)) != NULL) {
		*params = json_array();
		return 0;
	}
	memset(&x, 0, sizeof x);
	x.lim = lim;
	x.err = err;
	x.errlen = errlen;
	if (xr_decode(&x, body, len) == 0 &&
	    (x.method == NULL || *x.method == '\0'))
		xr_fail(&x, "no method name");
	if (x.failed) {
		free(x.method);
		json_decref(x.params);
		return -1;
	}
	*method = x.method;
	*params = x.params != NULL ? x.params : json_array();
	return 0;
}

int
xr_decode_response(const char *body, size_t len, const struct xr_limits *lim,
    json_t **result, char *err, size_t errlen)
{
	struct xr_parse x;

	*result = NULL;
	memset(&x, 0, sizeof x);
	x.lim = lim;
	x.err = err;
	x.errlen = errlen;
	x.response = 1;
	if (xr_decode(&x, body, len) == 0 && x.fault == NULL &&
	    json_array_size(x.params) != 1)
		xr_fail(&x, "a response without exactly one <param>");
	if (x.failed) {
		json_decref(x.params);
		json_decref(x.fault);
		return -1;
	}
	if (x.fault != NULL) {
		*result = x.fault;
		return 1;
	}
	*result = json_incref(json_array_get(x.params, 0));
	json_decref(x.params);
	return 0;
}
