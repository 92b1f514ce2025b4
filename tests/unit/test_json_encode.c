/*
 * test_json_encode.c — plugins/xmlrpc/json_encode.c writes what jansson's
 * json_dumps(v, JSON_COMPACT) writes, byte for byte: fixed cases for every
 * escape, UTF-8 edge and type, then thousands of random trees of random
 * bytes (seeded, so a failure repeats).  Where json_dumps refuses (a string
 * that is not UTF-8), jr_encode must refuse too and leave the buffer as it
 * was.  Also the integers both encoders share (xr_itoa) at their limits.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>

#include "../../plugins/xmlrpc/xmlrpc.h"

/* jr_encode of v equals json_dumps of v, or both refuse. */
static void
same_as_jansson(json_t *v, const char *what)
{
	struct dbuf b = DBUF_INIT;
	char *want;
	int rv;

	DBUF_LIT(&b, "prefix");
	want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	rv = jr_encode(&b, v);
	if (want == NULL) {
		cr_assert_eq(rv, -1, "%s: json_dumps refused, jr_encode did "
		    "not", what);
		cr_assert_eq(b.len, 6, "%s: buffer changed on failure", what);
	} else {
		cr_assert_eq(rv, 0, "%s: jr_encode refused %s", what, want);
		cr_assert_eq(b.len, 6 + strlen(want), "%s: length %zu, want "
		    "%zu (%s)", what, b.len - 6, strlen(want), want);
		cr_assert(memcmp(b.data + 6, want, strlen(want)) == 0,
		    "%s:\n  got  %.*s\n  want %s", what, (int)(b.len - 6),
		    b.data + 6, want);
	}
	free(want);
	dbuf_free(&b);
}

static const char *const json_cases[] = {
	("{\"jsonrpc\":\"2.0\",\"result\":[{\"name\":\"sleeper_00\","
	    "\"start\":1795630538,\"stop\":0,\"spawnerr\":\"\"}],\"id\":1}"),
	"{}", "[]", "[{}]", "[[],{},[[]]]", "\"\"", "0", "-1", "true",
	"false", "null",
	"[9223372036854775807,-9223372036854775808,2147483648,-0]",
	"[0.0,-0.0,0.1,1.5,1e300,5e-324,-2.5e-7,100.0,1e16,123456789.125]",
	"\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r\"",
	"\"\\b\\f\\u0001\\u001f\\u007f\\u0000 NUL inside\"",
	"\"\\u00e9 \\u4e2d \\ud83d\\ude00 \\u0800 \\uffff \\ud7ff \\ue000\"",
	"{\"k\\\"ey\\n\":1,\"\\u00e9\":[\"\\u0002\"],\"\":null}",
	"{\"a\":{\"b\":{\"c\":[1,[2,[3,{\"d\":\"e\"}]]]}}}",
};

Test(json_encode, fixed_cases)
{
	json_error_t err;
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
		v = json_loads(json_cases[i], JSON_DECODE_ANY |
		    JSON_ALLOW_NUL, &err);
		cr_assert_not_null(v, "%s: %s", json_cases[i], err.text);
		same_as_jansson(v, json_cases[i]);
		json_decref(v);
	}
}

/* Strings jansson was told not to check: json_dumps refuses the bad ones
 * and so must jr_encode; the good ones must come out the same. */
Test(json_encode, unchecked_utf8)
{
	static const char *const raw[] = {
		"\x80", "a\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x41",
		"\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\xe4\xb8", "ok \xe4\xb8\xad",
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xee\x80\x80",
	};
	json_t *v, *o;
	size_t i;

	for (i = 0; i < sizeof raw / sizeof raw[0]; i++) {
		v = json_string_nocheck(raw[i]);
		same_as_jansson(v, raw[i]);
		o = json_object();
		json_object_set_new_nocheck(o, raw[i], json_integer(1));
		same_as_jansson(o, raw[i]);
		json_object_set_new(o, "a", v);
		same_as_jansson(o, raw[i]);
		json_decref(o);
	}
}

static unsigned long rng = 20261125;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

/* A random string of bytes that are mostly special to one encoder or
 * the other: controls, quotes, &<>, and valid multi-byte UTF-8. */
static json_t *
rnd_string(void)
{
	static const char *const atoms[] = {
		"a", "Z", " ", "\"", "\\", "/", "&", "<", ">", "'", "\n",
		"\t", "\r", "\b", "\f", "\x01", "\x1f", "\x7f", "\xc3\xa9",
		"\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "abc",
		"sleeper_00", "/tmp/x.log",
	};
	char buf[256];
	size_t n = 0, k, i, len = rnd(12);

	for (i = 0; i < len; i++) {
		const char *a = atoms[rnd(sizeof atoms / sizeof atoms[0])];

		k = strlen(a);
		memcpy(buf + n, a, k);
		n += k;
	}
	if (rnd(8) == 0)
		buf[n++] = '\0';	/* an embedded NUL */
	return json_stringn(buf, n);
}

static json_t *
rnd_value(int depth)
{
	json_t *v, *s;
	unsigned i, n;

	switch (rnd(depth > 4 ? 6 : 8)) {
	case 0:
		return rnd_string();
	case 1:
		return json_integer((json_int_t)(rng >> 1) *
		    (rnd(2) ? 1 : -1) >> rnd(64));
	case 2:
		return json_real((double)(int)rnd(100000) / (rnd(1000) + 1) *
		    (rnd(2) ? 1e-10 : 1e10));
	case 3:
		return json_boolean(rnd(2));
	case 4:
		return json_null();
	case 5:
		return json_integer(rnd(3) - 1);
	case 6:
		v = json_array();
		n = rnd(5);
		for (i = 0; i < n; i++)
			json_array_append_new(v, rnd_value(depth + 1));
		return v;
	default:
		v = json_object();
		n = rnd(5);
		for (i = 0; i < n; i++) {
			s = rnd_string();
			json_object_setn_new(v, json_string_value(s),
			    json_string_length(s), rnd_value(depth + 1));
			json_decref(s);
		}
		return v;
	}
}

Test(json_encode, random_trees)
{
	char what[64];
	json_t *v;
	int i;

	for (i = 0; i < 5000; i++) {
		v = rnd_value(0);
		snprintf(what, sizeof what, "random tree %d", i);
		same_as_jansson(v, what);
		json_decref(v);
	}
}

/* Far deeper than an answer ever is: jr_encode gives up, b unchanged. */
Test(json_encode, deep_nesting_refused)
{
	struct dbuf b = DBUF_INIT;
	json_t *v = json_array(), *inner;
	int i;

	for (i = 0; i < 3000; i++) {
		inner = json_array();
		json_array_append_new(inner, v);
		v = inner;
	}
	cr_assert_eq(jr_encode(&b, v), -1);
	cr_assert_eq(b.len, 0);
	json_decref(v);
	dbuf_free(&b);
}

Test(json_encode, itoa_limits)
{
	static const json_int_t ints[] = {
		0, 1, -1, 9, 10, -10, 2147483647, -2147483648LL, 1795630538,
		LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
	};
	char buf[XR_INT_DIGITS], want[32], *p;
	struct evbuffer *e;
	char xml[96];
	size_t i, n;

	for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		p = xr_itoa(ints[i], buf + sizeof buf);
		snprintf(want, sizeof want, "%lld", (long long)ints[i]);
		cr_assert_eq((size_t)(buf + sizeof buf - p), strlen(want));
		cr_assert(memcmp(p, want, strlen(want)) == 0, "%s", want);

		e = evbuffer_new();
		json_t *v = json_integer(ints[i]);
		cr_assert_eq(xr_encode_value(e, v), 0);
		n = evbuffer_get_length(e);
		snprintf(xml, sizeof xml, "<value><int>%s</int></value>\n",
		    want);
		cr_assert_eq(n, strlen(xml));
		cr_assert(memcmp(evbuffer_pullup(e, -1), xml, n) == 0);
		json_decref(v);
		evbuffer_free(e);
	}
}

/*
 * Short plain text is copied 8 bytes at a time, the last 8 overlapping:
 * every length around those edges, with each byte that needs more than a
 * copy (and a few that do not) at every place, as a string value and as
 * a key, comes out as json_dumps writes it.
 */
Test(json_encode, every_place_and_length)
{
	static const size_t lens[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 24,
		25, 255, 256, 257 };
	static const char *const marks[] = { "\"", "\\", "\n", "\x1f",
		"\x7f", "\xc3\xa9", "\xff", "~", " ", NULL };
	char s[260], what[64];
	size_t li, mi, at, len, i, ml;
	json_t *v, *o;

	for (li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		len = lens[li];
		for (mi = 0; mi < sizeof marks / sizeof marks[0]; mi++) {
			ml = marks[mi] != NULL ? strlen(marks[mi]) : 0;
			for (at = 0; at + ml <= len; at++) {
				for (i = 0; i < len; i++)
					s[i] = (char)('a' + i % 26);
				if (ml > 0)
					memcpy(s + at, marks[mi], ml);
				snprintf(what, sizeof what, "len %zu, mark %zu "
				    "at %zu", len, mi, at);
				v = json_stringn_nocheck(s, len);
				same_as_jansson(v, what);
				o = json_object();
				json_object_setn_new_nocheck(o, s, len,
				    json_integer(1));
				json_object_set_new(o, "b", v);
				same_as_jansson(o, what);
				json_decref(o);
				if (ml == 0)
					break;
			}
		}
	}
}
