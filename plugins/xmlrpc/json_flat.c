/*
 * json_flat.c — the JSON-RPC request most clients send, read without
 * jansson's parser: one flat object, each value a string of printable
 * ASCII without escapes, an integer, true, false, null or an empty array
 * ({"jsonrpc": "2.0", "method": "supervisor.getAllProcessInfo",
 * "params": [], "id": 1}).  json_loadb cost 15,000 instructions of such a
 * request's 104,000 (a getAllProcessInfo of ten programs, callgrind); the
 * whole JSON-RPC excess over the same call in XML-RPC.
 *
 * Anything else returns NULL and goes to json_loadb, which is then the
 * judge of what the body means and of its error's words: an escape, a byte
 * over 0x7e or under 0x20 in a string, a number with a fraction or an
 * exponent or a leading zero or over 18 digits, params with something in
 * them, a batch, a key twice, more than JF_MAX_MEMBERS members, anything
 * after the object.  What it does return is what json_loadb(body,
 * JSON_DECODE_ANY | JSON_REJECT_DUPLICATES) returns (json_equal), which
 * the unit tests and the jsonrpc fuzz target check.
 *
 * Ownership: the object returned is the caller's (json_decref).
 */
#include <string.h>

#include "xmlrpc.h"

#define JF_MAX_MEMBERS 8
#define JF_MAX_DIGITS 18	/* always within a long long */

struct jf {
	const char *p, *end;
};

static void
jf_space(struct jf *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' ||
	    *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

/* The next byte past white space is c: step over it. */
static int
jf_eat(struct jf *f, char c)
{
	jf_space(f);
	if (f->p == f->end || *f->p != c)
		return 0;
	f->p++;
	return 1;
}

/* A string of bytes 0x20-0x7e but '"' and '\\': *s and *n, or -1. */
static int
jf_string(struct jf *f, const char **s, size_t *n)
{
	const char *q;

	if (!jf_eat(f, '"'))
		return -1;
	for (q = f->p; q < f->end && *q != '"'; q++)
		if (*q < 0x20 || *q > 0x7e || *q == '\\')
			return -1;
	if (q == f->end)
		return -1;
	*s = f->p;
	*n = (size_t)(q - f->p);
	f->p = q + 1;
	return 0;
}

static json_t *
jf_integer(struct jf *f)
{
	long long v = 0;
	int neg = 0, digits = 0;

	if (*f->p == '-') {
		neg = 1;
		f->p++;
	}
	for (; f->p < f->end && *f->p >= '0' && *f->p <= '9'; f->p++) {
		if (digits++ == JF_MAX_DIGITS || (digits == 2 && v == 0))
			return NULL;	/* too long, or a leading zero */
		v = v * 10 + (*f->p - '0');
	}
	if (digits == 0 || (neg && v == 0) || (f->p < f->end &&
	    (*f->p == '.' || *f->p == 'e' || *f->p == 'E')))
		return NULL;	/* "-0" too: json_loadb says what it is */
	return json_integer(neg ? -v : v);
}

static const struct {
	const char *word;
	size_t len;
	json_t *(*make)(void);
} jf_words[] = {
	{ "true", 4, json_true },
	{ "false", 5, json_false },
	{ "null", 4, json_null },
};

static json_t *
jf_value(struct jf *f)
{
	const char *s;
	size_t n, i;

	jf_space(f);
	if (f->p == f->end)
		return NULL;
	if (*f->p == '"')
		return jf_string(f, &s, &n) == 0 ?
		    json_stringn_nocheck(s, n) : NULL;
	if (*f->p == '[') {
		f->p++;
		return jf_eat(f, ']') ? json_array() : NULL;
	}
	if (*f->p == '-' || (*f->p >= '0' && *f->p <= '9'))
		return jf_integer(f);
	for (i = 0; i < sizeof jf_words / sizeof jf_words[0]; i++)
		if ((size_t)(f->end - f->p) >= jf_words[i].len &&
		    memcmp(f->p, jf_words[i].word, jf_words[i].len) == 0) {
			f->p += jf_words[i].len;
			return jf_words[i].make();
		}
	return NULL;
}

json_t *
jr_flat_request(const char *body, size_t len)
{
	struct jf f = { body, body + len };
	json_t *o, *v;
	const char *k;
	size_t kn, n = 0;
	char key[64];

	if (!jf_eat(&f, '{'))
		return NULL;
	o = json_object();
	if (jf_eat(&f, '}'))
		goto end;
	do {
		if (++n > JF_MAX_MEMBERS || jf_string(&f, &k, &kn) == -1 ||
		    kn >= sizeof key || !jf_eat(&f, ':') ||
		    (v = jf_value(&f)) == NULL)
			goto slow;
		memcpy(key, k, kn);
		key[kn] = '\0';
		if (json_object_get(o, key) != NULL) {
			json_decref(v);
			goto slow;	/* json_loadb names the duplicate */
		}
		json_object_set_new_nocheck(o, key, v);
	} while (jf_eat(&f, ','));
	if (!jf_eat(&f, '}'))
		goto slow;
end:
	jf_space(&f);
	if (f.p == f.end)
		return o;
slow:
	json_decref(o);
	return NULL;
}
