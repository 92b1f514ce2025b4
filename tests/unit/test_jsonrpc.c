/*
 * test_jsonrpc.c — plugins/xmlrpc/jsonrpc.c against a fake registry:
 * single calls, params by position and by name, notifications, batches,
 * every standard error, supervisor faults, deferred answers in and out of
 * order, and a client that goes away with calls pending.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "xmlrpc_fake.h"

static struct xr_limits lim = { 4096, XR_MAX_DEPTH_DEFAULT,
	XR_MAX_VALUES_DEFAULT, 8 };

static int nreplies;
static char *reply;		/* the last reply body, or NULL */

static void
on_reply(const char *body, size_t len, void *arg)
{
	nreplies++;
	free(reply);
	reply = body != NULL ? strndup(body, len) : NULL;
	if (body != NULL)
		cr_assert_eq(strlen(reply), len);
}

static void
setup(void)
{
	fake_reset();
	nreplies = 0;
	free(reply);
	reply = NULL;
}

static void
teardown(void)
{
	fake_check_clean();
	fake_reset();
	free(reply);
	reply = NULL;
}

TestSuite(jsonrpc, .init = setup, .fini = teardown);

/* The caller's record of one body (the plugin's xr_ctx holds one). */
static struct jr_req jr_rec;

/* jr_handle into jr_rec: jr_rec if calls are pending, else NULL. */
static struct jr_req *
handle(const char *body, size_t len)
{
	jr_rec.d = &fake_dispatch;
	jr_rec.fn = on_reply;
	jr_rec.arg = NULL;
	return jr_handle(&jr_rec, body, len, &lim) == 1 ? &jr_rec : NULL;
}

/* Run body; it must answer at once with JSON equal to want (NULL: no
 * reply body). */
static void
expect(const char *body, const char *want)
{
	struct jr_req *req;
	json_t *w, *g;

	nreplies = 0;
	req = handle(body, strlen(body));
	cr_assert_null(req, "%s: should answer at once", body);
	cr_assert_eq(nreplies, 1, "%s: %d replies", body, nreplies);
	if (want == NULL) {
		cr_assert_null(reply, "%s: no reply expected, got %s", body,
		    reply);
		return;
	}
	cr_assert_not_null(reply, "%s: no reply", body);
	w = json_loads(want, 0, NULL);
	cr_assert_not_null(w, "bad expectation %s", want);
	g = json_loads(reply, 0, NULL);
	cr_assert_not_null(g, "reply is not JSON: %s", reply);
	cr_assert(json_equal(w, g), "%s\n  got  %s\n  want %s", body, reply,
	    want);
	json_decref(w);
	json_decref(g);
}

/* Run body; it must answer at once with a reply; returns it parsed. */
static json_t *
run(const char *body)
{
	struct jr_req *req;
	json_t *g;

	nreplies = 0;
	req = handle(body, strlen(body));
	cr_assert_null(req, "%s: should answer at once", body);
	cr_assert_eq(nreplies, 1, "%s: %d replies", body, nreplies);
	cr_assert_not_null(reply, "%s: no reply", body);
	g = json_loads(reply, 0, NULL);
	cr_assert_not_null(g, "reply is not JSON: %s", reply);
	return g;
}

/* Assert g is a single error response with code and id null. */
static void
is_error(json_t *g, int code, const char *body)
{
	json_t *e = json_object_get(g, "error");

	cr_assert_str_eq(json_string_value(json_object_get(g, "jsonrpc")),
	    "2.0");
	cr_assert_eq(json_integer_value(json_object_get(e, "code")), code,
	    "%s -> %s", body, reply);
	cr_assert_str_eq(json_string_value(json_object_get(e, "message")),
	    jr_error_message(code));
	cr_assert_null(json_object_get(g, "result"));
	cr_assert(json_is_null(json_object_get(g, "id")), "%s", reply);
}

Test(jsonrpc, single_call_by_position)
{
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[1,\"a\"],"
	    "\"id\":1}",
	    "{\"jsonrpc\":\"2.0\",\"result\":[1,\"a\"],\"id\":1}");
	/* Exactly these keys, in this order. */
	cr_assert_str_eq(reply, "{\"jsonrpc\":\"2.0\",\"result\":[1,\"a\"],"
	    "\"id\":1}");
}

Test(jsonrpc, params_by_name_are_one_struct)
{
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\","
	    "\"params\":{\"name\":\"x\",\"wait\":true},\"id\":\"s\"}",
	    "{\"jsonrpc\":\"2.0\",\"result\":[{\"name\":\"x\",\"wait\":true}],"
	    "\"id\":\"s\"}");
}

Test(jsonrpc, no_params_is_empty)
{
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":null}",
	    "{\"jsonrpc\":\"2.0\",\"result\":[],\"id\":null}");
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.null\",\"id\":2.5}",
	    "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":2.5}");
}

Test(jsonrpc, notification_runs_without_reply)
{
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[1]}",
	    NULL);
	cr_assert_eq(fake_ncalls, 1, "the notification must still run");
	/* Even a failing notification gets no reply. */
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"nope.nope\"}", NULL);
}

Test(jsonrpc, parse_error)
{
	static const char *const bodies[] = { "{\"jsonrpc\":\"2.0\",\"method\"",
		"", "[1,", "{'a':1}", "\xff", "{\"a\":\"\\u0000\"}",
		/* a repeated key is refused, not "the last one wins" */
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\","
		    "\"method\":\"t.null\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\","
		    "\"params\":{\"a\":1,\"a\":2},\"id\":1}",
		"[{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1},"
		    "{\"jsonrpc\":\"2.0\",\"id\":2,\"id\":3,"
		    "\"method\":\"t.echo\"}]" };
	size_t i;
	json_t *g;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		g = run(bodies[i]);
		is_error(g, JR_PARSE_ERROR, bodies[i]);
		/* jansson's reason rides along in data. */
		cr_assert(json_is_string(json_object_get(json_object_get(g,
		    "error"), "data")));
		json_decref(g);
	}
	cr_assert_eq(fake_ncalls, 0);
}

Test(jsonrpc, invalid_requests)
{
	static const char *const bodies[] = {
		"1",
		"\"x\"",
		"{\"method\":\"t.echo\",\"id\":1}",
		"{\"jsonrpc\":\"1.0\",\"method\":\"t.echo\",\"id\":1}",
		"{\"jsonrpc\":2.0,\"method\":\"t.echo\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":\"x\","
		"\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":3,"
		"\"id\":1}",
	};
	size_t i;
	json_t *g;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		g = run(bodies[i]);
		cr_assert_eq(json_integer_value(json_object_get(json_object_get(
		    g, "error"), "code")), JR_INVALID_REQUEST, "%s -> %s",
		    bodies[i], reply);
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_object_get(g, "error"), "message")), "Invalid Request");
		json_decref(g);
	}
	/* An id of the wrong type cannot be echoed: it becomes null. */
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":{}}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"},\"id\":null}");
	/* A usable id is echoed. */
	expect("{\"jsonrpc\":\"1.0\",\"method\":\"t.echo\",\"id\":7}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"},\"id\":7}");
	cr_assert_eq(fake_ncalls, 0, "no invalid request may reach a method");
}

Test(jsonrpc, unknown_method_and_bad_params)
{
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"no.such\",\"id\":1}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":{\"faultCode\":1,"
	    "\"faultString\":\"UNKNOWN_METHOD\"}},\"id\":1}");
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.args\",\"params\":[1,2],"
	    "\"id\":1}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\",\"data\":{\"faultCode\":2,"
	    "\"faultString\":\"INCORRECT_PARAMETERS\"}},\"id\":1}");
}

Test(jsonrpc, supervisor_fault_keeps_code_and_string)
{
	expect("{\"jsonrpc\":\"2.0\",\"method\":\"t.fault\","
	    "\"params\":[10,\"BAD_NAME: nope\"],\"id\":3}",
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":10,"
	    "\"message\":\"BAD_NAME: nope\"},\"id\":3}");
}

Test(jsonrpc, batch_mixed)
{
	expect("[{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[1],"
	    "\"id\":\"a\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[2]},"
	    "1,"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"x.y\",\"id\":\"b\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.fault\","
	    "\"params\":[70,\"NOT_RUNNING: quick\"],\"id\":\"c\"}]",
	    "[{\"jsonrpc\":\"2.0\",\"result\":[1],\"id\":\"a\"},"
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\","
	    "\"data\":\"a request must be an object\"},\"id\":null},"
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":{\"faultCode\":1,"
	    "\"faultString\":\"UNKNOWN_METHOD\"}},\"id\":\"b\"},"
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":70,"
	    "\"message\":\"NOT_RUNNING: quick\"},\"id\":\"c\"}]");
	cr_assert_eq(fake_ncalls, 4);
}

Test(jsonrpc, batch_of_notifications_has_no_reply)
{
	expect("[{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"}]", NULL);
	cr_assert_eq(fake_ncalls, 2);
}

Test(jsonrpc, empty_and_oversized_batches)
{
	expect("[]", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\",\"data\":\"an empty batch\"},"
	    "\"id\":null}");
	expect("[1,2,3,4,5,6,7,8,9]", "{\"jsonrpc\":\"2.0\",\"error\":{"
	    "\"code\":-32600,\"message\":\"Invalid Request\","
	    "\"data\":\"too many calls in one batch\"},\"id\":null}");
	expect("[1]", "[{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\","
	    "\"data\":\"a request must be an object\"},\"id\":null}]");
}

/* One batch cannot make an unbounded answer (issue 12): past 4 MiB of
 * results the calls left are not run. */
Test(jsonrpc, batch_answer_is_capped)
{
	char body[4096];
	json_t *g, *e;
	size_t i, n = 0;

	n += (size_t)snprintf(body + n, sizeof body - n, "[");
	for (i = 0; i < 7; i++) {
		/* a notification past the limit is not run either */
		if (i == 6)
			n += (size_t)snprintf(body + n, sizeof body - n,
			    ",{\"jsonrpc\":\"2.0\",\"method\":\"t.big\"}");
		n += (size_t)snprintf(body + n, sizeof body - n, "%s{\"jsonrpc\":"
		    "\"2.0\",\"method\":\"t.big\",\"id\":%zu}", i ? "," : "",
		    i);
	}
	snprintf(body + n, sizeof body - n, "]");
	g = run(body);
	cr_assert_eq(fake_ncalls, 5, "%d calls ran, 5 fit in 4 MiB",
	    fake_ncalls);
	cr_assert_eq(json_array_size(g), 7);
	for (i = 0; i < 7; i++) {
		e = json_array_get(g, i);
		cr_assert_eq(json_integer_value(json_object_get(e, "id")),
		    (json_int_t)i);
		if (i < 5) {
			cr_assert(json_is_string(json_object_get(e, "result")));
			continue;
		}
		e = json_object_get(e, "error");
		cr_assert_eq(json_integer_value(json_object_get(e, "code")),
		    STH_FAULT_FAILED);
		cr_assert_str_eq(json_string_value(json_object_get(e,
		    "message")), "FAILED: not run: this batch's answer passed "
		    "its limit of 4194304 bytes");
	}
	json_decref(g);
}

Test(jsonrpc, deferred_single)
{
	static const char body[] = "{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\","
	    "\"params\":[\"x\",true],\"id\":9}";
	struct jr_req *req;

	req = handle(body, sizeof body - 1);
	cr_assert_not_null(req);
	cr_assert_eq(nreplies, 0);
	fake_answer(0);
	cr_assert_eq(nreplies, 1);
	cr_assert_str_eq(reply,
	    "{\"jsonrpc\":\"2.0\",\"result\":[\"x\",true],\"id\":9}");
}

/* Answers arriving out of order still come back in request order, and
 * only once the last one is in. */
Test(jsonrpc, deferred_batch_keeps_order)
{
	static const char body[] =
	    "[{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"params\":[1],\"id\":1},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[2],\"id\":2},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"params\":[3],\"id\":3},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"params\":[4]}]";
	struct jr_req *req;

	req = handle(body, sizeof body - 1);
	cr_assert_not_null(req);
	fake_answer(2);
	fake_answer(1);
	cr_assert_eq(nreplies, 0);
	fake_answer(0);
	cr_assert_eq(nreplies, 1);
	cr_assert_str_eq(reply,
	    "[{\"jsonrpc\":\"2.0\",\"result\":[1],\"id\":1},"
	    "{\"jsonrpc\":\"2.0\",\"result\":[2],\"id\":2},"
	    "{\"jsonrpc\":\"2.0\",\"result\":[3],\"id\":3}]");
}

/* The client went away: every pending call is cancelled, nothing is sent. */
Test(jsonrpc, abort_cancels_pending_calls)
{
	static const char body[] =
	    "[{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"id\":1},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"id\":2},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"id\":3}]";
	struct jr_req *req;

	req = handle(body, sizeof body - 1);
	cr_assert_not_null(req);
	fake_answer(1);
	jr_abort(req);
	cr_assert_eq(fake_ncancels, 2, "the two still pending are cancelled");
	cr_assert_eq(nreplies, 0);
}

Test(jsonrpc, error_messages)
{
	cr_assert_str_eq(jr_error_message(-32700), "Parse error");
	cr_assert_str_eq(jr_error_message(-32600), "Invalid Request");
	cr_assert_str_eq(jr_error_message(-32601), "Method not found");
	cr_assert_str_eq(jr_error_message(-32602), "Invalid params");
	cr_assert_str_eq(jr_error_message(-32603), "Internal error");
	cr_assert_null(jr_error_message(10));
}

/*
 * The flat-request reader (json_flat.c): what it reads is what json_loadb
 * reads, member for member; what it cannot be sure of it leaves to
 * json_loadb (NULL), with the same outcome for the client either way.
 */
static json_t *
loadb(const char *body)
{
	return json_loadb(body, strlen(body), JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, NULL);
}

Test(jsonrpc, flat_requests_read_as_json_loadb_reads_them)
{
	static const char *const flat[] = {
		("{\"jsonrpc\":\"2.0\",\"method\":\"supervisor.getAllProcessInfo\","
		    "\"id\":1}"),
		("{\"jsonrpc\": \"2.0\", \"method\": \"supervisor.getState\", "
		    "\"params\": [], \"id\": 7}"),
		(" \r\n\t{ \"id\" : \"req-1 x\" , \"method\":\"t.echo\" ,"
		    "\"jsonrpc\":\"2.0\"\n} \n"),
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":null}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":-123456789012345678}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":0}",
		("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"x\":true,"
		    "\"y\":false,\"z\":[ ]}"),
		"{\"jsonrpc\":\"2.0\",\"method\":\"\"}",
		"{}",
		"{\"a\":\"~ !#$%&'()*+,-./:;<=>?@[]^_`{|}\"}",
	};
	static const char *const slow[] = {
		"", " ", "[]", "1", "\"s\"", "null",
		"[{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1}]",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.e\\u0063ho\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.\xc3\xa9\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.\x01\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1.5}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1e3}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1E3}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":01}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":-0}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":-}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1234567890123456789}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[1]}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":{}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1,\"id\":2}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"} x",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"}}",
		"{\"jsonrpc\":\"2.0\" \"method\":\"t.echo\"}",
		"{\"jsonrpc\" \"2.0\"}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"",
		"{\"jsonrpc\":\"2.0\",\"method\":\"t.echo",
		"{\"jsonrpc\":\"2.0\",\"method\":nul}",
		"{\"jsonrpc\":\"2.0\",\"method\":truex}",
		"{'jsonrpc':'2.0'}",
		("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,"
		    "\"h\":8,\"i\":9}"),
	};
	json_t *f, *r;
	size_t i;

	for (i = 0; i < sizeof flat / sizeof flat[0]; i++) {
		f = jr_flat_request(flat[i], strlen(flat[i]));
		cr_assert_not_null(f, "not read: %s", flat[i]);
		r = loadb(flat[i]);
		cr_assert_not_null(r, "json_loadb refuses %s", flat[i]);
		cr_assert(json_equal(f, r), "read otherwise: %s", flat[i]);
		json_decref(f);
		json_decref(r);
	}
	for (i = 0; i < sizeof slow / sizeof slow[0]; i++)
		cr_assert_null(jr_flat_request(slow[i], strlen(slow[i])),
		    "read, not left to json_loadb: %s", slow[i]);
	/* a NUL byte inside is json_loadb's to refuse */
	cr_assert_null(jr_flat_request("{\"a\":\"b\0c\"}", 11));
	cr_assert_null(jr_flat_request("{\"a\":1}\0", 8));
}

/* Through the whole handler, a flat request and the same request written
 * so that json_loadb must read it get the same answer. */
Test(jsonrpc, flat_and_parsed_requests_answer_alike)
{
	json_t *a, *b;

	a = run("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[],"
	    "\"id\":5}");
	b = run("{\"jsonrpc\":\"2.0\",\"method\":\"t.e\\u0063ho\","
	    "\"params\":[],\"id\":5.0}");
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert(json_equal(json_object_get(a, "result"),
	    json_object_get(b, "result")));
	json_decref(a);
	json_decref(b);
	/* a flat request that is not a valid call is still refused */
	a = run("{\"jsonrpc\":\"1.0\",\"method\":\"t.echo\",\"id\":5}");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(a,
	    "error"), "code")), JR_INVALID_REQUEST, "%s", reply);
	cr_assert_eq(json_integer_value(json_object_get(a, "id")), 5);
	json_decref(a);
}
