/*
 * probes.c — GET /healthz and GET /readyz, the probes an orchestrator or a
 * load balancer asks (README.md, "Probes"), on every control server and on
 * a [http_server:x] with probes = true, without credentials.
 *
 * They live here and not in an extension because they are answered before
 * authentication: guard.c lets exactly these two paths (GET or HEAD)
 * through without Basic auth, and conn.c hands such a request to
 * probes_handle() directly, never to the handler chain, so that no
 * extension's handler (a catch-all, a file named readyz) is ever reached
 * without credentials.  What they reveal is program names and states.
 *
 * /healthz: 200 "ok" whenever the loop answers.  /readyz: 200 when the
 * daemon is RUNNING and every autostart=true process is ready (its health
 * check has passed, or without a check it is RUNNING) or has completed
 * (EXITED with one of its exitcodes), else 503; a JSON body either way,
 * read from the core's getState, getAllConfigInfo and getAllProcessInfo
 * through host->rpc_call.
 *
 * Ownership: nothing outlives a call.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "httpd.h"

static const char *const probe_paths[] = { "/healthz", "/readyz" };

int
probes_wanted(const struct http_conn *c)
{
	const struct http_msg *m = &c->c_parser.msg;
	size_t i;

	if (!c->c_srv->s_probes || m->path == NULL || m->method == NULL ||
	    (strcmp(m->method, "GET") != 0 && strcmp(m->method, "HEAD") != 0))
		return 0;
	for (i = 0; i < sizeof probe_paths / sizeof probe_paths[0]; i++)
		if (strcmp(m->path, probe_paths[i]) == 0)
			return 1;
	return 0;
}

/* The answer of a core method, which the core gives at once; a new
 * reference, or NULL with *why. */
struct probe_answer {
	json_t *result;
	const char *fault;
};

static void
probe_done(json_t *result, int fault, const char *fault_string, void *arg)
{
	struct probe_answer *a = arg;

	if (fault == 0 && result != NULL)
		a->result = json_incref(result);
	else
		a->fault = "a fault";
}

static json_t *
probe_call(const char *method, const char **why)
{
	struct probe_answer a = { NULL, NULL };
	struct sth_rpc_call *call;
	json_t *params = json_array();

	call = H.host->rpc_call(H.self, method, params, probe_done, &a);
	json_decref(params);
	if (call != NULL) {
		/* a core method never defers: refuse rather than wait */
		H.host->rpc_cancel(call);
		*why = "deferred";
		return NULL;
	}
	if (a.result == NULL)
		*why = a.fault != NULL ? a.fault : "no answer";
	return a.result;
}

static int
probe_int_in(json_t *v, json_t *list)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x)
		if (json_is_integer(x) && json_is_integer(v) &&
		    json_integer_value(x) == json_integer_value(v))
			return 1;
	return 0;
}

static const char *
probe_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* The process info of group:name in infos, or NULL. */
static json_t *
probe_info(json_t *infos, const char *group, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(infos, i, o)
		if (strcmp(probe_str(o, "group"), group) == 0 &&
		    strcmp(probe_str(o, "name"), name) == 0)
			return o;
	return NULL;
}

/* 1 if the process of config c (info o) counts as ready. */
static int
probe_ready(json_t *c, json_t *o)
{
	const char *state = json_string_value(json_object_get(o, "statename"));
	json_t *hr = json_object_get(o, "health_ready");

	if (state == NULL)
		return 0;
	if (strcmp(state, "EXITED") == 0)
		return probe_int_in(json_object_get(o, "exitstatus"),
		    json_object_get(c, "exitcodes"));
	if (hr != NULL)
		return json_is_true(hr);
	return strcmp(state, "RUNNING") == 0;
}

/* Fill not_ready from the autostart processes; -1 with *why. */
static int
probe_not_ready(json_t *not_ready, const char **why)
{
	json_t *configs, *infos, *c, *o, *e, *h;
	const char *group, *name;
	size_t i;

	if ((configs = probe_call("supervisor.getAllConfigInfo", why)) == NULL)
		return -1;
	if ((infos = probe_call("supervisor.getAllProcessInfo", why)) ==
	    NULL) {
		json_decref(configs);
		return -1;
	}
	json_array_foreach(configs, i, c) {
		if (!json_is_true(json_object_get(c, "autostart")))
			continue;
		group = json_string_value(json_object_get(c, "group"));
		name = json_string_value(json_object_get(c, "name"));
		if (group == NULL || name == NULL ||
		    (o = probe_info(infos, group, name)) == NULL ||
		    probe_ready(c, o))
			continue;
		e = json_pack("{s:s, s:s, s:O}", "name", name, "group", group,
		    "state", json_object_get(o, "statename"));
		if (e != NULL && (h = json_object_get(o, "health")) != NULL)
			json_object_set(e, "health", h);
		if (e != NULL)
			json_array_append_new(not_ready, e);
	}
	json_decref(configs);
	json_decref(infos);
	return 0;
}

static void
probe_respond_json(struct sth_http_req *r, int status, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	size_t len;

	json_decref(doc);
	if (text == NULL) {
		req_respond_error(r, 500);
		return;
	}
	len = strlen(text);
	req_set_header(r, "Content-Type", "application/json");
	req_set_header(r, "Cache-Control", "no-store");
	req_respond(r, status, NULL, text, len);
	free(text);
}

static void
probe_readyz(struct sth_http_req *r)
{
	json_t *state, *not_ready = json_array(), *doc;
	const char *why = NULL, *statename;
	int running;

	if ((state = probe_call("supervisor.getState", &why)) == NULL) {
		json_decref(not_ready);
		probe_respond_json(r, 503, json_pack("{s:b, s:s}", "ready", 0,
		    "error", why));
		return;
	}
	statename = json_string_value(json_object_get(state, "statename"));
	running = json_integer_value(json_object_get(state, "statecode")) ==
	    1;
	if (running && probe_not_ready(not_ready, &why) == -1) {
		json_decref(state);
		json_decref(not_ready);
		probe_respond_json(r, 503, json_pack("{s:b, s:s}", "ready", 0,
		    "error", why));
		return;
	}
	if (!running)
		doc = json_pack("{s:b, s:s, s:o}", "ready", 0, "state",
		    statename != NULL ? statename : "", "not_ready", not_ready);
	else
		doc = json_pack("{s:b, s:o}", "ready",
		    json_array_size(not_ready) == 0, "not_ready", not_ready);
	json_decref(state);
	probe_respond_json(r, running && json_array_size(json_object_get(doc,
	    "not_ready")) == 0 ? 200 : 503, doc);
}

void
probes_handle(struct sth_http_req *r)
{
	if (strcmp(r->r_msg->path, "/healthz") == 0) {
		req_set_header(r, "Content-Type", "text/plain");
		req_set_header(r, "Cache-Control", "no-store");
		req_respond(r, 200, NULL, "ok\n", 3);
		return;
	}
	probe_readyz(r);
}
