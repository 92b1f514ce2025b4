/*
 * test_xmlrpc_plugin.c — plugins/xmlrpc/plugin.c against a fake host table
 * and a fake "http" service: the handlers it adds, supervisord's HTTP
 * answers on /RPC2 (400 for GET, 411 without Content-Length, 400 and the
 * log line for bad XML), JSON-RPC's (405, 204), deferred answers, a client
 * that goes away, drain and unload.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <stheno/http.h>

#include "xmlrpc_fake.h"

extern const struct sth_plugin_descriptor sth_plugin_descriptor;

/* --- the fake http service ---------------------------------------------- */

struct sth_http_handler {
	const char *prefix;
	sth_http_match_fn match;
	sth_http_handle_fn handle;
	void *arg;
	unsigned flags;
};

struct sth_http_req {
	const char *method;
	const char *path;
	const char *content_length;	/* NULL: no such header */
	const char *content_type;	/* NULL: the endpoint's own */
	const char *origin;		/* NULL: no such header */
	const char *body;
	sth_http_cancel_fn cancel;
	void *cancel_arg;
	int status;			/* 0 until answered */
	char ctype[64];
	char allow[64];
	char *out;
	size_t outlen;
};

static struct sth_http_handler handlers[4];
static int nhandlers;
static int removed_all;
static struct sth_http_req *live;	/* the request a test left pending */

static struct sth_http_handler *
h_add(struct sth_plugin *self, const char *server, const char *prefix,
    sth_http_match_fn match, sth_http_handle_fn handle, void *arg,
    unsigned flags, char **err)
{
	struct sth_http_handler *h = &handlers[nhandlers++];

	cr_assert_null(server, "every control server, not one by name");
	h->prefix = prefix;
	h->match = match;
	h->handle = handle;
	h->arg = arg;
	h->flags = flags;
	return h;
}

static void
h_remove_all(struct sth_plugin *self)
{
	removed_all++;
	/* The http plugin ends live requests of removed handlers. */
	if (live != NULL && live->status == 0 && live->cancel != NULL)
		live->cancel(live, live->cancel_arg);
	nhandlers = 0;
}

static const char *
r_method(struct sth_http_req *r)
{
	return r->method;
}

static const char *
r_path(struct sth_http_req *r)
{
	return r->path;
}

static const char *
r_header(struct sth_http_req *r, const char *name)
{
	if (strcasecmp(name, "Content-Length") == 0)
		return r->content_length;
	if (strcasecmp(name, "Content-Type") == 0)
		return r->content_type != NULL ? r->content_type :
		    strncmp(r->path, "/RPC2", 5) == 0 ? "text/xml" :
		    "application/json";
	if (strcasecmp(name, "Host") == 0)
		return "127.0.0.1:9001";
	if (strcasecmp(name, "Origin") == 0)
		return r->origin;
	return NULL;
}

static const char *
r_body(struct sth_http_req *r, size_t *len)
{
	*len = strlen(r->body);
	return r->body;
}

static const char *
r_peer(struct sth_http_req *r)
{
	return "127.0.0.1:5555";
}

static void
r_on_cancel(struct sth_http_req *r, sth_http_cancel_fn fn, void *arg)
{
	r->cancel = fn;
	r->cancel_arg = arg;
}

static void
r_set_header(struct sth_http_req *r, const char *name, const char *value)
{
	cr_assert_eq(r->status, 0, "header after the response");
	if (strcmp(name, "Content-Type") == 0)
		snprintf(r->ctype, sizeof r->ctype, "%s", value);
	else if (strcmp(name, "Allow") == 0)
		snprintf(r->allow, sizeof r->allow, "%s", value);
}

static void
r_respond(struct sth_http_req *r, int status, const char *reason,
    const void *body, size_t len)
{
	cr_assert_eq(r->status, 0, "answered twice");
	r->status = status;
	r->out = strndup(len ? body : "", len);
	r->outlen = len;
}

static void
r_respond_error(struct sth_http_req *r, int status)
{
	r_respond(r, status, NULL, NULL, 0);
}

static struct sth_http_api fake_http = {
	.size = sizeof(struct sth_http_api),
	.version = STH_HTTP_API_VERSION,
	.handler_add = h_add,
	.handler_remove_all = h_remove_all,
	.req_method = r_method,
	.req_path = r_path,
	.req_header = r_header,
	.req_body = r_body,
	.req_peer = r_peer,
	.req_on_cancel = r_on_cancel,
	.set_header = r_set_header,
	.respond = r_respond,
	.respond_error = r_respond_error,
};

/* --- the fake host -------------------------------------------------------- */

static void *plugin_data;
static int http_available = 1;
static int released;
static char failmsg[256];
static char logged[2048];

static void
f_set_data(struct sth_plugin *self, void *data)
{
	plugin_data = data;
}

static void *
f_get_data(struct sth_plugin *self)
{
	return plugin_data;
}

static int
f_fail(struct sth_plugin *self, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failmsg, sizeof failmsg, fmt, ap);
	va_end(ap);
	return -1;
}

static void
f_log(struct sth_plugin *self, int level, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(logged);

	if (level < STH_LOG_INFO)
		return;
	va_start(ap, fmt);
	vsnprintf(logged + n, sizeof logged - n, fmt, ap);
	va_end(ap);
	n = strlen(logged);
	snprintf(logged + n, sizeof logged - n, "\n");
}

static struct sth_section *
f_config(struct sth_plugin *self)
{
	return NULL;
}

/* Without a section: the defaults, which the plugin's table gives as plain
 * numbers (the host's reader is the daemon's, tested in test_cfgval). */
static int
f_cfg_read(struct sth_plugin *p, struct sth_section *s,
    struct sth_section *fallback, const struct sth_cfg_option *opts,
    void *target)
{
	const struct sth_cfg_option *o;
	long v;
	int iv;

	cr_assert_null(s);
	for (o = opts; o->key != NULL; o++) {
		cr_assert(o->type == STH_CFG_INT || o->type == STH_CFG_BYTES);
		v = strtol(o->def, NULL, 10);
		if (o->size == sizeof iv) {
			iv = (int)v;
			memcpy((char *)target + o->offset, &iv, sizeof iv);
		} else
			memcpy((char *)target + o->offset, &v, sizeof v);
	}
	return 0;
}

static const void *
f_acquire(struct sth_plugin *self, const char *name, unsigned min,
    unsigned *version)
{
	cr_assert_str_eq(name, "http");
	return http_available ? &fake_http : NULL;
}

static void
f_release(struct sth_plugin *self, const char *name)
{
	released++;
}

static struct sth_rpc_call *
f_rpc_call(struct sth_plugin *self, const char *method, json_t *params,
    sth_rpc_done_fn done, void *arg)
{
	return fake_dispatch.call(NULL, method, params, done, arg);
}

static void
f_rpc_cancel(struct sth_rpc_call *c)
{
	fake_dispatch.cancel(NULL, c);
}

static struct sth_host fake_host = {
	.size = sizeof(struct sth_host),
	.abi_major = STHENO_ABI_MAJOR,
	.abi_minor = STHENO_ABI_MINOR,
	.set_data = f_set_data,
	.get_data = f_get_data,
	.fail = f_fail,
	.log = f_log,
	.config = f_config,
	.cfg_read = f_cfg_read,
	.service_acquire = f_acquire,
	.service_release = f_release,
	.rpc_call = f_rpc_call,
	.rpc_cancel = f_rpc_cancel,
};

static struct sth_plugin *self = (struct sth_plugin *)&fake_host;

static void
setup(void)
{
	fake_reset();
	nhandlers = removed_all = released = 0;
	http_available = 1;
	live = NULL;
	failmsg[0] = logged[0] = '\0';
	cr_assert_eq(sth_plugin_descriptor.init(self, &fake_host), 0, "%s",
	    failmsg);
}

static void
teardown(void)
{
	if (plugin_data != NULL)
		sth_plugin_descriptor.fini(self);
	cr_assert_null(plugin_data);
	fake_check_clean();
	fake_reset();
}

TestSuite(xmlrpc_plugin, .init = setup, .fini = teardown);

/* Dispatch req as the http plugin would: first matching handler. */
static void
dispatch(struct sth_http_req *r)
{
	int i;

	for (i = 0; i < nhandlers; i++) {
		struct sth_http_handler *h = &handlers[i];

		if (strncmp(r->path, h->prefix, strlen(h->prefix)) != 0)
			continue;
		if (h->match != NULL && !h->match(r, h->arg))
			continue;
		h->handle(r, h->arg);
		return;
	}
	r->status = 404;
}

static struct sth_http_req *
post(const char *path, const char *body)
{
	static char cl[32];
	struct sth_http_req *r = calloc(1, sizeof *r);

	snprintf(cl, sizeof cl, "%zu", strlen(body));
	r->method = "POST";
	r->path = path;
	r->content_length = cl;
	r->body = body;
	return r;
}

static void
req_free(struct sth_http_req *r)
{
	free(r->out);
	free(r);
}

#define XCALL(m, p) "<?xml version='1.0'?><methodCall><methodName>" m \
	"</methodName><params>" p "</params></methodCall>"

Test(xmlrpc_plugin, descriptor_and_handlers)
{
	cr_assert_str_eq(sth_plugin_descriptor.name, "xmlrpc");
	cr_assert_str_eq(sth_plugin_descriptor.requires[0], "http");
	cr_assert_null(sth_plugin_descriptor.requires[1]);
	cr_assert_eq(nhandlers, 2);
	cr_assert_str_eq(handlers[0].prefix, "/RPC2");
	cr_assert_str_eq(handlers[1].prefix, "/jsonrpc");
	cr_assert(handlers[0].flags & STH_HTTP_CONTROL);
	cr_assert(handlers[1].flags & STH_HTTP_CONTROL);
}

Test(xmlrpc_plugin, rpc2_answers_like_supervisord)
{
	struct sth_http_req *r;

	r = post("/RPC2", XCALL("t.echo", "<param><value><int>8502</int>"
	    "</value></param>"));
	dispatch(r);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->ctype, "text/xml");
	cr_assert_str_eq(r->out, "<?xml version='1.0'?>\n<methodResponse>\n"
	    "<params>\n<param>\n<value><array><data>\n"
	    "<value><int>8502</int></value>\n</data></array></value>\n"
	    "</param>\n</params>\n</methodResponse>\n");
	req_free(r);

	/* Any path that starts with /RPC2, as supervisord. */
	r = post("/RPC2/x", XCALL("no.such", ""));
	dispatch(r);
	cr_assert_eq(r->status, 200);
	cr_assert(strstr(r->out, "<name>faultCode</name>\n"
	    "<value><int>1</int></value>") != NULL, "%s", r->out);
	cr_assert(strstr(r->out, "<string>UNKNOWN_METHOD</string>") != NULL);
	req_free(r);
}

Test(xmlrpc_plugin, rpc2_http_errors)
{
	struct sth_http_req *r;

	r = post("/RPC2", "");
	r->method = "GET";
	dispatch(r);
	cr_assert_eq(r->status, 400, "GET /RPC2 is 400 in supervisord");
	req_free(r);

	r = post("/RPC2", XCALL("t.echo", ""));
	r->content_length = NULL;
	dispatch(r);
	cr_assert_eq(r->status, 411);
	req_free(r);

	r = post("/RPC2", "<x");
	dispatch(r);
	cr_assert_eq(r->status, 400);
	cr_assert(strstr(logged, "XML-RPC request data '<x' is invalid: "
	    "unmarshallable\n") != NULL, "log: %s", logged);
	req_free(r);

	r = post("/RPC2", "<methodCall></methodCall>");
	dispatch(r);
	cr_assert_eq(r->status, 400);
	cr_assert(strstr(logged, "XML-RPC request data '<methodCall>"
	    "</methodCall>' is invalid: no method name\n") != NULL, "log: %s",
	    logged);
	req_free(r);
	cr_assert_eq(fake_ncalls, 0);
}

/* What a page of another site can send: a form's or text/plain body, or
 * the right type with its Origin.  Nothing reaches the registry. */
Test(xmlrpc_plugin, browser_requests_from_other_sites_are_refused)
{
	static const struct {
		const char *path, *ctype, *origin;
		int status;
	} cases[] = {
		{ "/jsonrpc", "text/plain", NULL, 415 },
		{ "/jsonrpc", "application/x-www-form-urlencoded", NULL, 415 },
		{ "/RPC2", "text/plain;charset=UTF-8", NULL, 415 },
		{ "/RPC2", "multipart/form-data; boundary=x", NULL, 415 },
		{ "/RPC2", "", NULL, 415 },
		{ "/jsonrpc", "application/json", "https://evil.example", 403 },
		{ "/jsonrpc", "text/plain", "https://evil.example", 403 },
		{ "/RPC2", "text/xml", "null", 403 },
		{ "/RPC2", "text/xml", "http://127.0.0.1:9002", 403 },
	};
	struct sth_http_req *r;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = post(cases[i].path, strcmp(cases[i].path, "/RPC2") == 0 ?
		    XCALL("t.echo", "") : "{\"jsonrpc\":\"2.0\","
		    "\"method\":\"t.echo\",\"id\":1}");
		r->content_type = cases[i].ctype;
		r->origin = cases[i].origin;
		dispatch(r);
		cr_assert_eq(r->status, cases[i].status, "case %zu: %d", i,
		    r->status);
		req_free(r);
	}
	cr_assert_eq(fake_ncalls, 0);
	/* the same origin, and the types clients send, go through */
	r = post("/RPC2", XCALL("t.echo", ""));
	r->content_type = "text/xml; charset=utf-8";
	r->origin = "http://127.0.0.1:9001";
	dispatch(r);
	cr_assert_eq(r->status, 200);
	req_free(r);
}

Test(xmlrpc_plugin, oversized_body_is_413)
{
	struct sth_http_req *r;
	char *big = malloc(XR_MAX_BODY_DEFAULT + 2);

	memset(big, 'x', XR_MAX_BODY_DEFAULT + 1);
	big[XR_MAX_BODY_DEFAULT + 1] = '\0';
	r = post("/RPC2", big);
	dispatch(r);
	cr_assert_eq(r->status, 413);
	req_free(r);
	r = post("/jsonrpc", big);
	dispatch(r);
	cr_assert_eq(r->status, 413);
	req_free(r);
	free(big);
}

Test(xmlrpc_plugin, rpc2_deferred_answer)
{
	struct sth_http_req *r;

	r = post("/RPC2", XCALL("t.defer", "<param><value>x</value></param>"));
	dispatch(r);
	cr_assert_eq(r->status, 0, "answered before the method did");
	cr_assert_not_null(r->cancel, "no cancel hook for a pending call");
	fake_answer(0);
	cr_assert_eq(r->status, 200);
	cr_assert(strstr(r->out, "<string>x</string>") != NULL);
	req_free(r);
}

Test(xmlrpc_plugin, client_gone_cancels_the_call)
{
	struct sth_http_req *r;

	r = post("/RPC2", XCALL("t.defer", ""));
	dispatch(r);
	r->cancel(r, r->cancel_arg);
	cr_assert_eq(fake_ncancels, 1);
	cr_assert_eq(r->status, 0);
	req_free(r);

	r = post("/jsonrpc", "[{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\","
	    "\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"t.defer\",\"id\":2}]");
	dispatch(r);
	r->cancel(r, r->cancel_arg);
	cr_assert_eq(fake_ncancels, 3);
	req_free(r);
}

Test(xmlrpc_plugin, jsonrpc_endpoint)
{
	struct sth_http_req *r;

	r = post("/jsonrpc", "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\","
	    "\"params\":[1],\"id\":1}");
	dispatch(r);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->ctype, "application/json");
	cr_assert_str_eq(r->out, "{\"jsonrpc\":\"2.0\",\"result\":[1],"
	    "\"id\":1}");
	req_free(r);

	r = post("/jsonrpc", "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"}");
	dispatch(r);
	cr_assert_eq(r->status, 204, "a notification has no body");
	cr_assert_eq(r->outlen, 0);
	req_free(r);

	r = post("/jsonrpc", "");
	r->method = "GET";
	dispatch(r);
	cr_assert_eq(r->status, 405);
	cr_assert_str_eq(r->allow, "POST");
	req_free(r);

	r = post("/jsonrpcx", "{}");
	dispatch(r);
	cr_assert_eq(r->status, 404, "/jsonrpcx is not /jsonrpc");
	req_free(r);

	r = post("/jsonrpc/", "{bad");
	dispatch(r);
	cr_assert_eq(r->status, 200);
	cr_assert(strstr(r->out, "-32700") != NULL);
	req_free(r);
}

Test(xmlrpc_plugin, drain_refuses_new_work)
{
	struct sth_http_req *r;

	sth_plugin_descriptor.drain(self);
	r = post("/RPC2", XCALL("t.echo", ""));
	dispatch(r);
	cr_assert_eq(r->status, 503);
	req_free(r);
	cr_assert_eq(fake_ncalls, 0);
}

/* Unload with a call pending: the handlers go, the request is cancelled,
 * and so is its RPC call, by the plugin (a no-op if the host dropped the
 * call first: the handle stays valid through fini). */
Test(xmlrpc_plugin, fini_with_a_pending_call)
{
	struct sth_http_req *r;

	r = post("/RPC2", XCALL("t.defer", ""));
	dispatch(r);
	live = r;
	sth_plugin_descriptor.fini(self);
	cr_assert_null(plugin_data);
	cr_assert_eq(removed_all, 1);
	cr_assert_eq(released, 1);
	cr_assert_eq(fake_ncancels, 1);
	cr_assert_eq(r->status, 0);
	req_free(r);
}

Test(xmlrpc_plugin, init_fails_without_http)
{
	sth_plugin_descriptor.fini(self);
	http_available = 0;
	cr_assert_eq(sth_plugin_descriptor.init(self, &fake_host), -1);
	cr_assert(strstr(failmsg, "\"http\" service") != NULL, "%s", failmsg);
	cr_assert_null(plugin_data);
}

/* The log line quotes the body as Python's repr() would. */
Test(xmlrpc_plugin, repr_like_python)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<x", "'<x'" },
		{ "a'b", "\"a'b\"" },
		{ "a'b\"c", "'a\\'b\"c'" },
		{ "x\n\t\x01\\\r", "'x\\n\\t\\x01\\\\\\r'" },
		{ "caf\xc3\xa9", "'caf\xc3\xa9'" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = xr_repr(cases[i].in, strlen(cases[i].in), 100);
		cr_assert_str_eq(s, cases[i].want);
		free(s);
	}
	s = xr_repr("abcdef", 6, 3);
	cr_assert_str_eq(s, "'abc'...");
	free(s);
}
