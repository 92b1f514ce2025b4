/*
 * logtail.c — /logtail/<namespec>[/stdout|/stderr] and /mainlogtail
 * (docs/supervisord.md §7.3, §A.6): a chunked stream that starts with the last
 * 1024 bytes of the log and then follows it, through rotation and
 * truncation (follow.c), and never ends on its own.
 *
 * One repeating timer (every 0.1 s, supervisord's delay) serves every
 * stream; it runs only while at least one stream is open, so nothing
 * wakes when nobody tails.  A client that reads slower than the log grows
 * is not read for until its backlog falls under WU_FOLLOW_BACKLOG.
 * Log paths come from supervisor.getProcessInfo (stdout_logfile,
 * stderr_logfile); the main log's from stheno.getMainLogPath.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

#include "webui.h"

struct wu_tail {
	struct wu_tail *next;
	struct wu_state *st;
	struct sth_http_req *req;
	struct sth_rpc_call *call;	/* getProcessInfo, pending */
	char *channel;			/* "stdout" or "stderr" */
	int streaming;			/* on st->tails, f open */
	struct wu_follow f;
};

static void
tail_unlink(struct wu_tail *t)
{
	struct wu_state *st = t->st;
	struct wu_tail **pp;

	for (pp = &st->tails; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (st->tails == NULL && st->timer != NULL)
		st->host->timer_stop(st->timer);
}

static void
tail_free(struct wu_tail *t)
{
	if (t->streaming) {
		tail_unlink(t);
		wu_follow_close(&t->f);
	}
	free(t->channel);
	free(t);
}

static void
tail_cancelled(struct sth_http_req *req, void *arg)
{
	struct wu_tail *t = arg;

	if (t->call != NULL && !t->st->closing)
		t->st->host->rpc_cancel(t->call);
	tail_free(t);
}

/* Send what the log gained; 0, or -1 when the stream has ended. */
static int
tail_pump(struct wu_tail *t)
{
	const struct sth_http_api *http = t->st->http;
	struct dbuf b = DBUF_INIT;
	ssize_t n;

	if (http->pending(t->req) > WU_FOLLOW_BACKLOG)
		return 0;
	n = wu_follow_read(&t->f, &b, WU_FOLLOW_READ);
	if (n == -1) {
		t->st->host->log(t->st->self, STH_LOG_WARN, "webui: cannot "
		    "read %s: %s", t->f.path, strerror(errno));
		dbuf_free(&b);
		http->stream_end(t->req);
		return -1;
	}
	if (n > 0 && http->stream_write(t->req, b.data, b.len) == -1) {
		dbuf_free(&b);
		return -1;
	}
	dbuf_free(&b);
	return 0;
}

static void
tails_tick(struct sth_timer *timer, void *arg)
{
	struct wu_state *st = arg;
	struct wu_tail *t, *next;

	for (t = st->tails; t != NULL; t = next) {
		next = t->next;
		/* An ended stream's request is dead: no cancel will come. */
		if (tail_pump(t) == -1)
			tail_free(t);
	}
}

/* Open path and start the stream, or answer 404. */
static void
tail_begin(struct wu_tail *t, const char *path, int accel)
{
	struct wu_state *st = t->st;
	const struct sth_http_api *http = st->http;
	struct stat sb;
	char date[64];

	if (path == NULL || *path == '\0' ||
	    wu_follow_open(&t->f, path, WU_TAIL_HEAD) == -1) {
		http->respond_error(t->req, 404);
		tail_free(t);
		return;
	}
	if (fstat(t->f.fd, &sb) == 0) {
		wu_http_date(sb.st_mtime, date, sizeof date);
		http->set_header(t->req, "Last-Modified", date);
	}
	http->set_header(t->req, "Content-Type", "text/plain;charset=utf-8");
	if (accel)
		http->set_header(t->req, "X-Accel-Buffering", "no");
	http->stream_start(t->req, 200, NULL);
	t->streaming = 1;
	t->next = st->tails;
	st->tails = t;
	if (tail_pump(t) == -1) {
		tail_free(t);
		return;
	}
	if (st->timer == NULL)
		st->timer = st->host->timer_new(st->self, tails_tick, st);
	if (t->next == NULL)
		st->host->timer_start(st->timer, WU_FOLLOW_PERIOD, 1);
}

static void
tail_info(json_t *info, int code, const char *fstr, void *arg)
{
	struct wu_tail *t = arg;
	char key[32];

	t->call = NULL;
	if (code != 0) {
		t->st->http->respond_error(t->req, 404);
		tail_free(t);
		return;
	}
	snprintf(key, sizeof key, "%s_logfile", t->channel);
	tail_begin(t, json_string_value(json_object_get(info, key)), 1);
}

static struct wu_tail *
tail_new(struct wu_state *st, struct sth_http_req *req)
{
	struct wu_tail *t;

	if (strcmp(st->http->req_method(req), "GET") != 0) {
		st->http->respond_error(req, 400);
		return NULL;
	}
	t = xmalloc(sizeof *t);
	memset(t, 0, sizeof *t);
	t->st = st;
	t->req = req;
	t->f.fd = -1;
	st->http->req_on_cancel(req, tail_cancelled, t);
	return t;
}

/* /logtail/NAMESPEC[/stdout|/stderr] */
void
wu_logtail(struct wu_state *st, struct sth_http_req *req)
{
	struct sth_rpc_call *call;
	struct wu_tail *t;
	const char *p = st->http->req_path(req), *slash;
	json_t *params;
	char *name;

	if ((t = tail_new(st, req)) == NULL)
		return;
	while (*p == '/')
		p++;
	p += strlen("logtail");
	while (*p == '/')
		p++;
	if ((slash = strchr(p, '/')) == NULL) {
		name = xstrdup(p);
		t->channel = xstrdup("stdout");
	} else {
		name = xmalloc((size_t)(slash - p) + 1);
		memcpy(name, p, (size_t)(slash - p));
		name[slash - p] = '\0';
		t->channel = xstrdup(slash + 1);
	}
	if (*name == '\0' || (strcmp(t->channel, "stdout") != 0 &&
	    strcmp(t->channel, "stderr") != 0)) {
		free(name);
		st->http->respond_error(req, 404);
		tail_free(t);
		return;
	}
	params = json_pack("[s]", name);
	free(name);
	/* tail_info may run (and free t) before rpc_call returns. */
	call = st->host->rpc_call(st->self, "supervisor.getProcessInfo",
	    params, tail_info, t);
	json_decref(params);
	if (call != NULL)
		t->call = call;
}

/* The main log in force: a file by its absolute path, or "syslog" (no
 * file to tail: 404, as supervisord answers when its logfile does not
 * exist). */
static void
mainlog_info(json_t *path, int code, const char *fstr, void *arg)
{
	struct wu_tail *t = arg;
	const char *p = json_string_value(path);

	t->call = NULL;
	if (code != 0 || p == NULL || p[0] != '/') {
		t->st->http->respond_error(t->req, 404);
		tail_free(t);
		return;
	}
	tail_begin(t, p, 0);
}

/* /mainlogtail: the path comes from the core (stheno.getMainLogPath), so
 * that -l and a changed logfile after SIGHUP are followed. */
void
wu_mainlogtail(struct wu_state *st, struct sth_http_req *req)
{
	struct sth_rpc_call *call;
	struct wu_tail *t;
	json_t *params;

	if ((t = tail_new(st, req)) == NULL)
		return;
	params = json_array();
	/* mainlog_info may run (and free t) before rpc_call returns. */
	call = st->host->rpc_call(st->self, "stheno.getMainLogPath", params,
	    mainlog_info, t);
	json_decref(params);
	if (call != NULL)
		t->call = call;
}

/* Unload has begun: end every stream (none ends on its own) and
 * forget it (a lookup still in flight answers as usual). */
void
wu_tails_end(struct wu_state *st)
{
	struct wu_tail *t;

	while ((t = st->tails) != NULL) {
		st->http->stream_end(t->req);
		tail_free(t);
	}
}

/* fini: whatever is left (nothing, once the handlers are removed). */
void
wu_tails_free(struct wu_state *st)
{
	while (st->tails != NULL)
		tail_free(st->tails);
	if (st->timer != NULL)
		st->host->timer_free(st->timer);
	st->timer = NULL;
}
