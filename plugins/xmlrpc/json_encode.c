/*
 * json_encode.c — json_t to JSON text byte for byte as jansson's
 * json_dumps(v, JSON_COMPACT) writes it, straight into a struct dbuf:
 * no intermediate string, no second copy.  Compact separators, keys in
 * insertion order, strings copied a run at a time with only '"', '\\' and
 * control bytes escaped (\b \f \n \r \t, else \u00XX in capitals), other
 * UTF-8 kept as it is and checked by jansson's rules (a string value that
 * is not UTF-8 fails, as it fails json_dumps; a key that is not is cut
 * short where json_dumps cuts it, since json_dumps ignores that failure).
 * A real is rare in answers and its
 * text is jansson's own (%.17g and its fix-ups), so it is asked of
 * json_dumps.  Anything this cannot write (nesting past its cap, a bad
 * string) fails with b unchanged; the caller then falls back to
 * json_dumps, so the bytes on the wire never depend on which one ran.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plain.h"
#include "xmlrpc.h"

/* Deeper than any answer the core makes; past it, json_dumps decides. */
#define JR_ENCODE_MAX_DEPTH 2048

/* 1: escaped ('"', '\\', control bytes); 2: starts a UTF-8 sequence. */
static const unsigned char jr_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
	[0x80] = 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* The short escapes jansson writes; other control bytes are \u00XX. */
static const char jr_short[0x20] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
};

/*
 * The length of the UTF-8 sequence at p (at most left bytes), or 0 if it
 * is not one jansson accepts: no stray continuation byte, no overlong
 * form, no surrogate, nothing past U+10FFFF.
 */
static size_t
jr_utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n, i;
	unsigned long v;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	return n;
}

/* Nonzero if any of the eight bytes of w needs more than a copy: not
 * ASCII, a control byte (below 0x20: w - 0x20.. borrows into its high
 * bit), '"' or '\\'. */
static inline uint64_t
jr_word_special(uint64_t w)
{
	return ((w | (w - PLAIN_ONES * 0x20)) & PLAIN_HIGHS) |
	    plain_has_byte(w, '"') | plain_has_byte(w, '\\');
}

/* The text of s between its quotes: -1 (cut short there) if s is not
 * UTF-8 as jansson has it. */
static int
jr_body(struct dbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len, *run;
	char esc[6] = { '\\', 'u', '0', '0' };
	uint64_t w;
	size_t n;

	for (run = p; p < end;) {
		/* Eight plain ASCII bytes at a time. */
		while (end - p >= 8) {
			memcpy(&w, p, 8);
			if (jr_word_special(w) != 0)
				break;
			p += 8;
		}
		if (p == end)
			break;
		switch (jr_class[*p]) {
		case 0:
			p++;
			continue;
		case 2:
			if ((n = jr_utf8_len(p, (size_t)(end - p))) == 0)
				return -1;
			p += n;
			continue;
		}
		dbuf_add(b, run, (size_t)(p - run));
		if (*p == '"' || *p == '\\') {
			esc[1] = (char)*p;
			dbuf_add(b, esc, 2);
		} else if (jr_short[*p] != '\0') {
			esc[1] = jr_short[*p];
			dbuf_add(b, esc, 2);
		} else {
			esc[1] = 'u';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			dbuf_add(b, esc, 6);
		}
		run = ++p;
	}
	dbuf_add(b, run, (size_t)(end - run));
	return 0;
}

/*
 * head (ending in the opening quote), s, then tail (starting with the
 * closing one) into b: plain.h's fast path, or jr_body.  -1 if s is not
 * UTF-8: then what json_dumps would have written of it is in b, and tail
 * is not.
 */
static inline __attribute__((always_inline)) int
jr_text(struct dbuf *b, const char *head, size_t hlen, const char *s,
    size_t len, const char *tail, size_t tlen)
{
	if (plain_add(b, head, hlen, s, len, tail, tlen, jr_class,
	    jr_word_special))
		return 0;
	dbuf_add(b, head, hlen);
	if (jr_body(b, s, len) == -1)
		return -1;
	dbuf_add(b, tail, tlen);
	return 0;
}

/* The same, head and tail string literals. */
#define JR_TEXT(b, head, s, len, tail) \
	jr_text((b), (head), sizeof(head) - 1, (s), (len), (tail), \
	    sizeof(tail) - 1)

/* A real as json_dumps writes it. */
static int
jr_real(struct dbuf *b, json_t *v)
{
	char *text;

	if ((text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return -1;
	dbuf_add(b, text, strlen(text));
	free(text);
	return 0;
}

static int
jr_value(struct dbuf *b, json_t *v, int depth)
{
	char num[XR_INT_DIGITS], *p;
	const char *k;
	size_t klen;
	void *it;
	int first;
	size_t i, n;

	if (depth > JR_ENCODE_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		first = 1;
		for (it = json_object_iter(v); it != NULL;
		    it = json_object_iter_next(v, it)) {
			k = json_object_iter_key(it);
			klen = json_object_iter_key_len(it);
			/* json_dumps ignores a bad key: what it wrote of
			 * it stays, and so does what jr_body wrote. */
			if ((first ? JR_TEXT(b, "{\"", k, klen, "\":") :
			    JR_TEXT(b, ",\"", k, klen, "\":")) == -1)
				DBUF_LIT(b, ":");
			first = 0;
			if (jr_value(b, json_object_iter_value(it),
			    depth + 1) == -1)
				return -1;
		}
		if (first)
			DBUF_LIT(b, "{");
		DBUF_LIT(b, "}");
		return 0;
	case JSON_ARRAY:
		DBUF_LIT(b, "[");
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				DBUF_LIT(b, ",");
			if (jr_value(b, json_array_get(v, i), depth + 1) == -1)
				return -1;
		}
		DBUF_LIT(b, "]");
		return 0;
	case JSON_STRING:
		return JR_TEXT(b, "\"", json_string_value(v),
		    json_string_length(v), "\"");
	case JSON_INTEGER:
		p = xr_itoa(json_integer_value(v), num + sizeof num);
		dbuf_add(b, p, (size_t)(num + sizeof num - p));
		return 0;
	case JSON_REAL:
		return jr_real(b, v);
	case JSON_TRUE:
		DBUF_LIT(b, "true");
		return 0;
	case JSON_FALSE:
		DBUF_LIT(b, "false");
		return 0;
	case JSON_NULL:
		DBUF_LIT(b, "null");
		return 0;
	}
	return -1;
}

int
jr_encode(struct dbuf *b, json_t *v)
{
	size_t mark = b->len;

	if (v == NULL || jr_value(b, v, 0) == -1) {
		b->len = mark;
		return -1;
	}
	return 0;
}
