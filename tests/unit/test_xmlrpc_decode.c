/*
 * test_xmlrpc_decode.c — plugins/xmlrpc/xml_decode.c: every XML-RPC type
 * into JSON, the forms real clients send (Python's xmlrpc.client output is
 * pasted verbatim), and hostile input: billion laughs, external entities,
 * depth and size bombs, invalid UTF-8, malformed values.  Each refusal
 * must be an error with a reason, never a crash or a partial result.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "../../plugins/xmlrpc/xmlrpc.h"

static struct xr_limits lim = { XR_MAX_BODY_DEFAULT, XR_MAX_DEPTH_DEFAULT,
	XR_MAX_VALUES_DEFAULT, XR_MAX_BATCH_DEFAULT };

#define CALL(params) \
	"<?xml version='1.0'?><methodCall><methodName>a.b</methodName>" \
	"<params>" params "</params></methodCall>"
#define PARAM(v) "<param><value>" v "</value></param>"

/* Decode body; assert success and that params equal the JSON text. */
static void
ok(const char *body, size_t len, const char *method, const char *json)
{
	char err[256], *m, *got;
	json_t *params, *want;

	cr_assert_eq(xr_decode_call(body, len, &lim, &m, &params, err,
	    sizeof err), 0, "refused: %s\n%s", err, body);
	want = json_loads(json, 0, NULL);
	cr_assert_not_null(want, "bad expected JSON %s", json);
	got = json_dumps(params, JSON_COMPACT);
	cr_assert(json_equal(params, want), "got %s, want %s", got, json);
	cr_assert_str_eq(m, method);
	free(got);
	free(m);
	json_decref(params);
	json_decref(want);
}

static void
ok_m(const char *body, const char *method, const char *json)
{
	ok(body, strlen(body), method, json);
}

static void
ok_s(const char *body, const char *json)
{
	ok(body, strlen(body), "a.b", json);
}

/* Decode body; assert a refusal whose reason contains why. */
static void
bad_n(const char *body, size_t len, const char *why)
{
	char err[256] = "";
	json_t *params = (json_t *)1;
	char *m = (char *)1;

	cr_assert_eq(xr_decode_call(body, len, &lim, &m, &params, err,
	    sizeof err), -1, "accepted: %.200s", body);
	cr_assert_null(m);
	cr_assert_null(params);
	cr_assert(strstr(err, why) != NULL, "reason '%s' lacks '%s'", err,
	    why);
}

static void
bad(const char *body, const char *why)
{
	bad_n(body, strlen(body), why);
}

Test(xmlrpc_decode, python_request_every_type)
{
	static const char body[] = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m.n</methodName>\n<params>\n<param>\n<value><dateTime.iso8601>20240131T08:15:00</dateTime.iso8601></value>\n</param>\n<param>\n<value><base64>\naGVsbG8gw6k=\n</base64></value>\n</param>\n<param>\n<value><double>1.5</double></value>\n</param>\n<param>\n<value><string>\xc3\xa9&lt;&amp;&gt;</string></value>\n</param>\n<param>\n<value><int>7</int></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n<param>\n<value><boolean>0</boolean></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>two</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</param>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n<param>\n<value><struct>\n</struct></value>\n</param>\n<param>\n<value><string></string></value>\n</param>\n</params>\n</methodCall>\n";

	ok(body, sizeof body - 1, "m.n",
	    "[\"20240131T08:15:00\", \"hello \\u00e9\", 1.5, "
	    "\"\\u00e9<&>\", 7, true, false, {\"k\": [1, \"two\"]}, [], {}, "
	    "\"\"]");
}

Test(xmlrpc_decode, integers)
{
	ok_s(CALL(PARAM("<int>42</int>") PARAM("<i4>-7</i4>")
	    PARAM("<i8>9223372036854775807</i8>") PARAM("<int> +3 </int>")
	    PARAM("<int>-9223372036854775808</int>")),
	    "[42, -7, 9223372036854775807, 3, -9223372036854775808]");
	bad(CALL(PARAM("<int>9223372036854775808</int>")), "out of range");
	bad(CALL(PARAM("<int>abc</int>")), "bad integer");
	bad(CALL(PARAM("<int></int>")), "bad integer");
	bad(CALL(PARAM("<int>1.5</int>")), "bad integer");
	bad(CALL(PARAM("<int>-</int>")), "bad integer");
	bad(CALL(PARAM("<i4>1 2</i4>")), "bad integer");
}

Test(xmlrpc_decode, booleans)
{
	ok_s(CALL(PARAM("<boolean>1</boolean>") PARAM("<boolean>0</boolean>")),
	    "[true, false]");
	bad(CALL(PARAM("<boolean>2</boolean>")), "bad boolean");
	bad(CALL(PARAM("<boolean>true</boolean>")), "bad boolean");
	bad(CALL(PARAM("<boolean/>")), "bad boolean");
}

Test(xmlrpc_decode, doubles)
{
	ok_s(CALL(PARAM("<double>1.5</double>") PARAM("<double>-0.25</double>")
	    PARAM("<double>1e3</double>") PARAM("<double> 2 </double>")),
	    "[1.5, -0.25, 1000.0, 2.0]");
	bad(CALL(PARAM("<double>inf</double>")), "bad double");
	bad(CALL(PARAM("<double>nan</double>")), "bad double");
	bad(CALL(PARAM("<double>1e999</double>")), "out of range");
	bad(CALL(PARAM("<double>0x10</double>")), "bad double");
	bad(CALL(PARAM("<double></double>")), "bad double");
	bad(CALL(PARAM("<double>1..2</double>")), "bad double");
}

Test(xmlrpc_decode, strings_and_untyped_default)
{
	ok_s(CALL(PARAM("plain") PARAM("") PARAM("<string> sp </string>")
	    "<param><value/></param>" PARAM("<string/>")
	    PARAM("a&amp;b&#x4e2d;&#233;&lt;") PARAM("<![CDATA[<x>&]]>")),
	    "[\"plain\", \"\", \" sp \", \"\", \"\", \"a&b\\u4e2d\\u00e9<\", "
	    "\"<x>&\"]");
	/* White space around a typed value is not part of it. */
	ok_s(CALL("<param><value>\n  <int>5</int>\n</value></param>"), "[5]");
	bad(CALL(PARAM("x<int>5</int>")), "more than one value");
	bad(CALL(PARAM("<int>5</int>x")), "text beside");
	bad(CALL(PARAM("<int>5</int><int>6</int>")), "more than one value");
}

/* A body in another declared encoding still comes out as UTF-8. */
Test(xmlrpc_decode, latin1_declared_encoding)
{
	ok_s("<?xml version='1.0' encoding='ISO-8859-1'?><methodCall>"
	    "<methodName>a.b</methodName><params>"
	    PARAM("<string>caf\xe9</string>") "</params></methodCall>",
	    "[\"caf\\u00e9\"]");
}

Test(xmlrpc_decode, datetime_base64_nil)
{
	ok_s(CALL(PARAM("<dateTime.iso8601>20240131T08:15:00</dateTime.iso8601>")
	    PARAM("<dateTime.iso8601>2024-01-31T08:15:00+01:00</dateTime.iso8601>")
	    PARAM("<base64>aGk=</base64>") PARAM("<base64>aGk</base64>")
	    PARAM("<base64></base64>") PARAM("<nil/>")),
	    "[\"20240131T08:15:00\", \"2024-01-31T08:15:00+01:00\", \"hi\", "
	    "\"hi\", \"\", null]");
	bad(CALL(PARAM("<dateTime.iso8601>tomorrow</dateTime.iso8601>")),
	    "bad dateTime");
	bad(CALL(PARAM("<base64>a!b=</base64>")), "bad base64");
	bad(CALL(PARAM("<base64>a</base64>")), "bad base64");
	bad(CALL(PARAM("<base64>aG=k</base64>")), "bad base64");
	/* 0xff 0xfe is not UTF-8: a JSON string cannot carry it. */
	bad(CALL(PARAM("<base64>//4=</base64>")), "not UTF-8");
	/* "hello\0": a NUL would cut the string short in a C handler. */
	bad(CALL(PARAM("<base64>aGVsbG8A</base64>")), "not UTF-8");
	bad(CALL(PARAM("<nil>x</nil>")), "text in <nil/>");
}

Test(xmlrpc_decode, arrays_and_structs)
{
	ok_s(CALL(PARAM("<array><data><value><int>1</int></value>"
	    "<value>s</value><value><array><data/></array></value>"
	    "</data></array>")
	    PARAM("<struct><member><name>a</name><value><i4>1</i4></value>"
	    "</member><member><value>v</value><name>b</name></member>"
	    "<member><name>a</name><value>last</value></member></struct>")
	    PARAM("<array></array>")),
	    "[[1, \"s\", []], {\"a\": \"last\", \"b\": \"v\"}, []]");
	bad(CALL(PARAM("<struct><member><name>a</name></member></struct>")),
	    "without a <value>");
	bad(CALL(PARAM("<struct><member><value>1</value></member></struct>")),
	    "without a <name>");
	bad(CALL(PARAM("<struct><member><name>a</name><name>b</name>"
	    "<value>1</value></member></struct>")), "more than one <name>");
	bad(CALL(PARAM("<struct><value>1</value></struct>")),
	    "<value> is not allowed in <struct>");
	bad(CALL(PARAM("<array><value>1</value></array>")),
	    "<value> is not allowed in <array>");
	bad(CALL(PARAM("<array><data>junk</data></array>")), "text in <data>");
}

Test(xmlrpc_decode, envelope)
{
	ok("<methodCall><methodName>x.y</methodName></methodCall>", 53,
	    "x.y", "[]");
	ok_s("<methodCall><methodName>a.b</methodName><params/></methodCall>",
	    "[]");
	bad("<methodCall></methodCall>", "no method name");
	bad("<methodCall><methodName></methodName></methodCall>",
	    "no method name");
	bad("<methodCall><methodName>a</methodName><methodName>b"
	    "</methodName></methodCall>", "more than one <methodName>");
	bad("<methodResponse><params/></methodResponse>", "unknown element");
	bad("<params/>", "<params> is not allowed in <(document)>");
	bad("<methodCall><methodName>a.b</methodName><params><param>"
	    "</param></params></methodCall>", "without a <value>");
	bad("<methodCall><methodName>a.b</methodName><params><param>"
	    "<value>1</value><value>2</value></param></params></methodCall>",
	    "more than one value");
	bad("<methodCall><methodName>a.b</methodName><params/><params/>"
	    "</methodCall>", "more than one <params>");
	bad("<methodCall><methodName>a.b</methodName><params>x</params>"
	    "</methodCall>", "text in <params>");
	bad(CALL(PARAM("<foo>1</foo>")), "unknown element <foo>");
	bad(CALL(PARAM("<int><int>1</int></int>")), "not allowed in <int>");
}

/* What xmlrpc.client sends for a call without arguments is read without
 * the parser; a byte off it, it is the parser's, with its answers. */
Test(xmlrpc_decode, bare_python_call_and_its_near_misses)
{
#define BARE_HEAD "<?xml version='1.0'?>\n<methodCall>\n<methodName>"
#define BARE_TAIL "</methodName>\n<params>\n</params>\n</methodCall>\n"
	ok_m(BARE_HEAD "supervisor.getAllProcessInfo" BARE_TAIL,
	    "supervisor.getAllProcessInfo", "[]");
	ok_m(BARE_HEAD "system.listMethods" BARE_TAIL, "system.listMethods",
	    "[]");
	ok_m(BARE_HEAD "a&amp;b" BARE_TAIL, "a&b", "[]");
	ok_m(BARE_HEAD "a<![CDATA[.x]]>" BARE_TAIL, "a.x", "[]");
	ok_m("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>n"
	    BARE_TAIL, "n", "[]");
	ok_m(BARE_HEAD "x.y</methodName>\n<params>\n<param>\n<value><int>7"
	    "</int></value>\n</param>\n</params>\n</methodCall>\n", "x.y",
	    "[7]");
	bad(BARE_HEAD BARE_TAIL, "no method name");
	bad(BARE_HEAD "a<b/>" BARE_TAIL, "unknown element <b>");
	bad(BARE_HEAD "a" BARE_TAIL "<x/>", "junk after document element");
	bad(BARE_HEAD "a</methodName>\n<params>\n</params>\n",
	    "no element found");
#undef BARE_HEAD
#undef BARE_TAIL
}

Test(xmlrpc_decode, not_xml)
{
	bad("", "no element found");
	bad("<x", "line 1");
	bad("hello", "syntax error");
	bad("<methodCall><methodName>a.b</methodName></methodCall><x/>",
	    "junk after document element");
	bad("<methodCall><methodName>a.b</methodName></methodcall>",
	    "mismatched tag");
}

Test(xmlrpc_decode, billion_laughs_refused)
{
	bad("<?xml version='1.0'?>\n<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n<methodCall><methodName>&lol9;</methodName></methodCall>",
	    "DOCTYPE is not allowed");
}

Test(xmlrpc_decode, external_entities_refused)
{
	bad("<?xml version='1.0'?><!DOCTYPE m [<!ENTITY x SYSTEM "
	    "\"file:///etc/passwd\">]><methodCall><methodName>a.b"
	    "</methodName><params>" PARAM("&x;") "</params></methodCall>",
	    "DOCTYPE is not allowed");
	bad("<?xml version='1.0'?><!DOCTYPE methodCall SYSTEM "
	    "\"http://127.0.0.1:1/evil.dtd\"><methodCall><methodName>a.b"
	    "</methodName></methodCall>", "DOCTYPE is not allowed");
	bad("<?xml version='1.0'?><!DOCTYPE m [<!ENTITY % p SYSTEM "
	    "\"file:///etc/passwd\"> %p;]><methodCall/>",
	    "DOCTYPE is not allowed");
	/* Without a DOCTYPE no entity but the five predefined exists. */
	bad(CALL(PARAM("&x;")), "undefined entity");
}

Test(xmlrpc_decode, depth_bomb_refused)
{
	char *body, *p;
	int i, n = 5000;

	body = malloc((size_t)n * 40 + 200);
	p = body;
	p += snprintf(p, 200, "<methodCall><methodName>a.b</methodName>"
	    "<params><param><value>");
	for (i = 0; i < n; i++)
		p += snprintf(p, 40, "<array><data><value>");
	*p = '\0';
	bad(body, "nest deeper than 64");
	free(body);
}

/* Nesting just under the cap is fine. */
Test(xmlrpc_decode, depth_under_the_cap)
{
	char body[4096], *p = body, err[256], *m;
	int i, n = 19;	/* 4 + 3 per level + 1 < 64 */
	json_t *params;

	p += snprintf(p, 200, "<methodCall><methodName>a.b</methodName>"
	    "<params><param><value>");
	for (i = 0; i < n; i++)
		p += snprintf(p, 40, "<array><data><value>");
	p += snprintf(p, 40, "<int>1</int>");
	for (i = 0; i < n; i++)
		p += snprintf(p, 40, "</value></data></array>");
	snprintf(p, 100, "</value></param></params></methodCall>");

	cr_assert_eq(xr_decode_call(body, strlen(body), &lim, &m, &params,
	    err, sizeof err), 0, "%s", err);
	free(m);
	json_decref(params);
}

/* max_body is the plugin's check, made once before a request reaches the
 * codec (test_xmlrpc_plugin.c, oversized_body_is_413); a client's answer
 * has nobody before the decoder, which checks it there. */
Test(xmlrpc_decode, huge_response_refused_call_left_to_the_plugin)
{
	struct xr_limits small = lim;
	static const char body[] = CALL(PARAM("0123456789"));
	static const char resp[] = "<?xml version='1.0'?><methodResponse>"
	    "<params>" PARAM("0123456789") "</params></methodResponse>";
	char err[256], *m;
	json_t *params, *result;

	small.max_body = 10;
	cr_assert_eq(xr_decode_call(body, sizeof body - 1, &small, &m,
	    &params, err, sizeof err), 0, "%s", err);
	free(m);
	json_decref(params);

	small.max_body = sizeof resp - 1;
	cr_assert_eq(xr_decode_response(resp, sizeof resp - 1, &small,
	    &result, err, sizeof err), 0, "%s", err);
	json_decref(result);
	small.max_body = sizeof resp - 2;
	cr_assert_eq(xr_decode_response(resp, sizeof resp - 1, &small,
	    &result, err, sizeof err), -1);
	cr_assert(strstr(err, "over the limit") != NULL, "%s", err);
}

Test(xmlrpc_decode, too_many_values_refused)
{
	struct xr_limits few = lim;
	char err[256], *m;
	json_t *params;
	static const char body[] = CALL(PARAM("<array><data><value>1</value>"
	    "<value>2</value><value>3</value></data></array>"));

	few.max_values = 3;
	cr_assert_eq(xr_decode_call(body, sizeof body - 1, &few, &m, &params,
	    err, sizeof err), -1);
	cr_assert(strstr(err, "more than 3 values") != NULL, "%s", err);
	few.max_values = 4;
	cr_assert_eq(xr_decode_call(body, sizeof body - 1, &few, &m, &params,
	    err, sizeof err), 0, "%s", err);
	free(m);
	json_decref(params);
}

Test(xmlrpc_decode, invalid_utf8_refused)
{
	/* A lone continuation byte, a truncated sequence, an overlong '/',
	 * a UTF-16 surrogate, and a byte never valid in UTF-8. */
	static const char *const seqs[] = { "\x80", "\xc3", "\xc0\xaf",
		"\xed\xa0\x80", "\xff" };
	static const char nul[] =
	    "<methodCall><methodName>a\0b</methodName></methodCall>";
	char body[256];
	size_t i;

	for (i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		snprintf(body, sizeof body, CALL(PARAM("<string>a%sb</string>")),
		    seqs[i]);
		bad(body, "line 1");
		snprintf(body, sizeof body, "<methodCall><methodName>a%s"
		    "</methodName></methodCall>", seqs[i]);
		bad(body, "line 1");
	}
	/* NUL bytes are not XML either. */
	bad_n(nul, sizeof nul - 1, "line 1");
	bad(CALL(PARAM("&#0;")), "reference to invalid character");
}

/* sthenoctl's side: a methodResponse to its value or its fault. */
static int
response(const char *body, json_t **v, char *err)
{
	return xr_decode_response(body, strlen(body), &lim, v, err, 256);
}

Test(xmlrpc_decode, responses)
{
	char err[256];
	json_t *v;

	cr_assert_eq(response("<?xml version='1.0'?>\n<methodResponse>\n"
	    "<params>\n<param>\n<value><array><data>\n<value><struct>\n"
	    "<member>\n<name>name</name>\n<value><string>a</string></value>\n"
	    "</member>\n</struct></value>\n</data></array></value>\n"
	    "</param>\n</params>\n</methodResponse>\n", &v, err), 0, "%s",
	    err);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(v,
	    0), "name")), "a");
	json_decref(v);
	cr_assert_eq(response("<methodResponse><fault><value><struct>"
	    "<member><name>faultCode</name><value><int>10</int></value>"
	    "</member><member><name>faultString</name><value><string>"
	    "BAD_NAME: x</string></value></member></struct></value></fault>"
	    "</methodResponse>", &v, err), 1, "%s", err);
	cr_assert_eq(json_integer_value(json_object_get(v, "faultCode")), 10);
	json_decref(v);
	cr_assert_eq(response("<methodResponse><params/></methodResponse>",
	    &v, err), -1);
	cr_assert_not_null(strstr(err, "exactly one <param>"), "%s", err);
	cr_assert_null(v);
	cr_assert_eq(response("<methodResponse><params><param><value>1"
	    "</value></param><param><value>2</value></param></params>"
	    "</methodResponse>", &v, err), -1);
	cr_assert_eq(response("<methodResponse><fault><value><int>1</int>"
	    "</value></fault></methodResponse>", &v, err), -1);
	cr_assert_not_null(strstr(err, "without a <struct>"), "%s", err);
	cr_assert_eq(response("<methodResponse><fault><value><struct/>"
	    "</value></fault><fault><value><struct/></value></fault>"
	    "</methodResponse>", &v, err), -1);
	cr_assert_not_null(strstr(err, "more than one <fault>"), "%s", err);
	cr_assert_eq(response("<methodCall><methodName>a</methodName>"
	    "</methodCall>", &v, err), -1);
	cr_assert_not_null(strstr(err, "unknown element <methodCall>"), "%s",
	    err);
	cr_assert_eq(response("<!DOCTYPE x [<!ENTITY a \"b\">]>"
	    "<methodResponse/>", &v, err), -1);
	xr_decode_cleanup();
}

/* What the encoders write, the decoders read back: the call sthenoctl
 * sends, the answers it reads. */
Test(xmlrpc_decode, round_trips)
{
	struct dbuf b = DBUF_INIT;
	json_t *params = json_pack("[s,i,{s:b}]", "a<&>b", -5, "k", 1), *v;
	char err[256], *m;

	cr_assert_eq(xr_encode_call_buf(&b, "supervisor.x", params), 0);
	cr_assert_eq(xr_decode_call(b.data, b.len, &lim, &m, &v, err,
	    sizeof err), 0, "%s", err);
	cr_assert_str_eq(m, "supervisor.x");
	cr_assert(json_equal(v, params));
	free(m);
	json_decref(v);
	b.len = 0;
	cr_assert_eq(xr_encode_response_buf(&b, params), 0);
	cr_assert_eq(xr_decode_response(b.data, b.len, &lim, &v, err,
	    sizeof err), 0, "%s", err);
	cr_assert(json_equal(v, params));
	json_decref(v);
	b.len = 0;
	cr_assert_eq(xr_encode_fault_buf(&b, 70, "NOT_RUNNING"), 0);
	cr_assert_eq(xr_decode_response(b.data, b.len, &lim, &v, err,
	    sizeof err), 1, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(v, "faultString")),
	    "NOT_RUNNING");
	json_decref(v);
	json_decref(params);
	dbuf_free(&b);
	xr_decode_cleanup();
}
