/*
 * views.c — the UI views: the status page with its actions, tail.html and
 * ok.html (docs/supervisord.md §7.1, §7.2, §7.4).
 *
 * Every process fact comes from the RPC registry (host->rpc_call).  An
 * answer may come later (startProcess waits for RUNNING, stopProcess for
 * STOPPED): the request then simply stays open while the loop serves
 * others, and if its client leaves, the pending call is cancelled.  An
 * action ends in a 301 to /?message=..., as supervisord's does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

#include "webui.h"
#include "../../common/origin.h"

/* One view request in flight. */
struct wu_ctx {
	struct wu_state *st;
	struct sth_http_req *req;
	struct sth_rpc_call *call;	/* pending, or NULL */
	int act;			/* WU_ACT_*, or -1: render */
	char *ns;			/* ?processname= */
	char *message;			/* ?message= */
	long limit;			/* tail.html */
};

typedef void (*wu_done_fn)(json_t *, int, const char *, void *);

static void
ctx_free(struct wu_ctx *c)
{
	free(c->ns);
	free(c->message);
	free(c);
}

static void
ctx_cancelled(struct sth_http_req *req, void *arg)
{
	struct wu_ctx *c = arg;

	/* From fini on, the host drops our pending calls itself. */
	if (c->call != NULL && !c->st->closing)
		c->st->host->rpc_cancel(c->call);
	ctx_free(c);
}

/*
 * Call method with params (stolen).  done may run before this returns
 * and free c: c is only touched again when the answer is pending.
 */
static void
ctx_call(struct wu_ctx *c, const char *method, json_t *params,
    wu_done_fn done)
{
	struct sth_rpc_call *call;

	c->call = NULL;
	call = c->st->host->rpc_call(c->st->self, method, params, done, c);
	json_decref(params);
	if (call != NULL)
		c->call = call;
}

static void
no_cache(struct wu_state *st, struct sth_http_req *req)
{
	st->http->set_header(req, "Pragma", "no-cache");
	st->http->set_header(req, "Cache-Control", "no-cache");
	st->http->set_header(req, "Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void
respond_html(struct wu_ctx *c, struct dbuf *b)
{
	const struct sth_http_api *http = c->st->http;

	http->set_header(c->req, "Content-Type", "text/html;charset=utf-8");
	no_cache(c->st, c->req);
	http->respond(c->req, 200, NULL, b->data, b->len);
	dbuf_free(b);
	ctx_free(c);
}

/* --- the status page ---------------------------------------------------- */

static void
status_rendered(json_t *result, int code, const char *fstr, void *arg)
{
	struct wu_ctx *c = arg;
	struct dbuf b = DBUF_INIT;

	c->call = NULL;
	if (code != 0) {
		c->st->host->log(c->st->self, STH_LOG_WARN, "webui: "
		    "getAllProcessInfo failed: [%d] %s", code, fstr);
		c->st->http->respond_error(c->req, 500);
		ctx_free(c);
		return;
	}
	wu_render_status(&b, result, c->message, c->st->host->version());
	respond_html(c, &b);
}

/* The action is over: 301 to /?message=... */
static void
action_finish(struct wu_ctx *c, int code, const char *fstr)
{
	const struct sth_http_api *http = c->st->http;
	char *msg, *loc;

	msg = wu_act_message(c->act, c->ns, code, fstr, time(NULL));
	loc = wu_location(http->req_header(c->req, "Host"), msg);
	http->set_header(c->req, "Location", loc);
	no_cache(c->st, c->req);
	http->respond_error(c->req, 301);
	free(loc);
	free(msg);
	ctx_free(c);
}

static void
action_done(json_t *result, int code, const char *fstr, void *arg)
{
	struct wu_ctx *c = arg;

	c->call = NULL;
	action_finish(c, code, fstr);
}

static json_t *
multicall(const char *m1, const char *m2, const char *ns)
{
	json_t *calls = json_array(), *one;
	const char *m[2] = { m1, m2 };
	size_t i;

	for (i = 0; i < 2; i++) {
		one = json_pack("{s:s}", "methodName", m[i]);
		if (ns != NULL)
			json_object_set_new(one, "params",
			    json_pack("[s]", ns));
		json_array_append_new(calls, one);
	}
	return json_pack("[o]", calls);
}

static json_t *
p_none(const char *ns)
{
	return json_array();
}

static json_t *
p_name(const char *ns)
{
	return json_pack("[s]", ns);
}

static json_t *
p_wait(const char *ns)
{
	return json_pack("[sb]", ns, 1);
}

static json_t *
p_restart(const char *ns)
{
	return multicall("supervisor.stopProcess", "supervisor.startProcess",
	    ns);
}

static json_t *
p_restartall(const char *ns)
{
	return multicall("supervisor.stopAllProcesses",
	    "supervisor.startAllProcesses", NULL);
}

/* The RPC each action makes (web.py's make_callback); refresh makes
 * none. */
static const struct {
	const char *method;
	json_t *(*params)(const char *ns);
} act_calls[WU_ACT_MAX] = {
	[WU_ACT_REFRESH] = { NULL, NULL },
	[WU_ACT_STOPALL] = { "supervisor.stopAllProcesses", p_none },
	[WU_ACT_RESTARTALL] = { "system.multicall", p_restartall },
	[WU_ACT_START] = { "supervisor.startProcess", p_wait },
	[WU_ACT_STOP] = { "supervisor.stopProcess", p_wait },
	[WU_ACT_RESTART] = { "system.multicall", p_restart },
	[WU_ACT_CLEARLOG] = { "supervisor.clearProcessLogs", p_name },
};

static void
action_call(struct wu_ctx *c)
{
	if (act_calls[c->act].method == NULL)
		action_finish(c, 0, NULL);
	else
		ctx_call(c, act_calls[c->act].method,
		    act_calls[c->act].params(c->ns), action_done);
}

/* The process exists (getProcessInfo answered): run the action. */
static void
action_checked(json_t *result, int code, const char *fstr, void *arg)
{
	struct wu_ctx *c = arg;

	c->call = NULL;
	if (code != 0)
		action_finish(c, STH_FAULT_BAD_NAME, fstr);
	else
		action_call(c);
}

static void
action_start(struct wu_ctx *c)
{
	/* supervisord checks the name first ("No such process named"), so
	 * that "group:*" does not act on a whole group. */
	if (wu_act_needs_process(c->act))
		ctx_call(c, "supervisor.getProcessInfo",
		    json_pack("[s]", c->ns), action_checked);
	else
		action_call(c);
}

static struct wu_ctx *
ctx_new(struct wu_state *st, struct sth_http_req *req)
{
	struct wu_ctx *c = xmalloc(sizeof *c);

	memset(c, 0, sizeof *c);
	c->st = st;
	c->req = req;
	c->act = -1;
	st->http->req_on_cancel(req, ctx_cancelled, c);
	return c;
}

static char *
form(struct wu_state *st, struct sth_http_req *req, const char *key)
{
	const struct sth_http_api *http = st->http;
	const char *body = NULL;
	size_t len = 0;

	if (strcmp(http->req_method(req), "POST") == 0)
		body = http->req_body(req, &len);
	return wu_form_get(http->req_query(req), body, len, key);
}

/*
 * An action is a link (GET) in supervisor's page, so a page of any site
 * could fire it with an <img> and the browser's saved password: refuse
 * one that the browser says another site sent (origin.h).
 */
static int
cross_site(struct wu_state *st, struct sth_http_req *req)
{
	const struct sth_http_api *http = st->http;
	const char *why, *origin = http->req_header(req, "Origin");

	why = origin_cross_site(http->req_header(req, "Host"), origin,
	    http->req_header(req, "Sec-Fetch-Site"),
	    http->req_header(req, "Referer"));
	if (why == NULL)
		return 0;
	st->host->log(st->self, STH_LOG_WARN, "webui: action from %s "
	    "refused: %s (Origin: %s)", http->req_peer(req), why,
	    origin != NULL ? origin : "none");
	return 1;
}

/* / and /index.html: the status table, or an action and its 301. */
void
wu_index(struct wu_state *st, struct sth_http_req *req)
{
	struct wu_ctx *c;
	char *action;

	c = ctx_new(st, req);
	c->ns = form(st, req, "processname");
	c->message = form(st, req, "message");
	action = form(st, req, "action");
	/* A HEAD shows the page and never acts. */
	if (action != NULL && strcmp(st->http->req_method(req), "HEAD") != 0) {
		if (cross_site(st, req)) {
			free(action);
			st->http->respond_error(req, 403);
			ctx_free(c);
			return;
		}
		c->act = wu_act_parse(action);
		free(action);
		if (c->act == -1 ||
		    (wu_act_needs_process(c->act) && c->ns == NULL)) {
			st->http->respond_error(req, 400);
			ctx_free(c);
			return;
		}
		action_start(c);
		return;
	}
	free(action);
	ctx_call(c, "supervisor.getAllProcessInfo", json_array(),
	    status_rendered);
}

/* --- tail.html ------------------------------------------------------------ */

/* The last limit bytes of path into b; -1 if it cannot be opened. */
static int
read_last(const char *path, long limit, struct dbuf *b)
{
	struct wu_follow f;
	ssize_t n;

	if (wu_follow_open(&f, path, (off_t)limit) == -1)
		return -1;
	n = wu_follow_read(&f, b, (size_t)limit);
	wu_follow_close(&f);
	return n == -1 ? -1 : 0;
}

static void
tail_info(json_t *info, int code, const char *fstr, void *arg)
{
	struct wu_ctx *c = arg;
	struct dbuf text = DBUF_INIT, page = DBUF_INIT;
	const char *path;

	c->call = NULL;
	path = code == 0 ?
	    json_string_value(json_object_get(info, "stdout_logfile")) : NULL;
	if (code != 0)
		dbuf_printf(&text, "ERROR: unexpected rpc fault [%d] %s",
		    code, fstr);
	else if (path == NULL || *path == '\0' ||
	    read_last(path, c->limit, &text) == -1) {
		dbuf_free(&text);
		dbuf_printf(&text, "No file for %s", c->ns);
	}
	wu_render_tail(&page, c->ns, text.data != NULL ? text.data : "",
	    text.len, c->limit);
	dbuf_free(&text);
	respond_html(c, &page);
}

/* /tail.html?processname=X[&limit=N]: the last max(1024, N) bytes. */
void
wu_tailpage(struct wu_state *st, struct sth_http_req *req)
{
	struct wu_ctx *c;
	struct dbuf page = DBUF_INIT;
	const char *msg = "No process name found";
	char *limit, *end;
	long n;

	c = ctx_new(st, req);
	c->ns = form(st, req, "processname");
	c->limit = WU_TAIL_HEAD;
	if ((limit = form(st, req, "limit")) != NULL) {
		errno = 0;
		n = strtol(limit, &end, 10);
		if (limit[0] >= '0' && limit[0] <= '9' && *end == '\0')
			c->limit = errno == ERANGE || n > WU_TAIL_MAX ?
			    WU_TAIL_MAX : n < WU_TAIL_HEAD ? WU_TAIL_HEAD : n;
		free(limit);
	}
	if (c->ns == NULL) {
		wu_render_tail(&page, NULL, msg, strlen(msg), c->limit);
		respond_html(c, &page);
		return;
	}
	ctx_call(c, "supervisor.getProcessInfo", json_pack("[s]", c->ns),
	    tail_info);
}
