/*
 * util.c — the pieces the status and metrics extensions share: uptime and
 * byte formatting, the daemon's start time, and the RPC gather that waits
 * for deferred answers (ext.h).  Their text buffer is lib/dbuf.c.
 *
 * Ownership: see ext.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ext.h"
#include "xmalloc.h"

/* starttime (field 22 of /proc/self/stat, clock ticks after boot) plus
 * btime (/proc/stat). */
time_t
ext_daemon_started(void)
{
	char buf[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	int i;

	if ((f = fopen("/proc/self/stat", "r")) == NULL)
		return time(NULL);
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return time(NULL);
	/* After ")": the space before field i, for i = 3 (state) .. 22. */
	for (i = 3; i <= 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &ticks) != 1)
		return time(NULL);
	if ((f = fopen("/proc/stat", "r")) == NULL)
		return time(NULL);
	while (fgets(buf, sizeof buf, f) != NULL)
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (btime == 0 || hz <= 0)
		return time(NULL);
	return (time_t)(btime + ticks / (unsigned long long)hz);
}

void
ext_format_uptime(long long secs, char *buf, size_t len)
{
	long long d;

	if (secs < 0)
		secs = 0;
	d = secs / 86400;
	secs %= 86400;
	if (d > 0)
		snprintf(buf, len, "%lld day%s, %lld:%02lld:%02lld", d,
		    d == 1 ? "" : "s", secs / 3600, secs / 60 % 60, secs % 60);
	else
		snprintf(buf, len, "%lld:%02lld:%02lld", secs / 3600,
		    secs / 60 % 60, secs % 60);
}

void
ext_format_bytes(unsigned long long n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB",
	    "PB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* ------------------------------------------------------------- gather */

struct gather {
	const struct sth_host *host;
	struct sth_plugin *self;
	const struct sth_http_api *http;
	struct sth_http_req *req;
	const char *const *methods;
	size_t next;
	json_t *results;
	struct sth_rpc_call *call;	/* pending, or NULL */
	ext_gather_fn done;
	void *arg;
};

static void gather_step(struct gather *);

static void
gather_free(struct gather *g)
{
	json_decref(g->results);
	free(g);
}

static void
gather_answer(json_t *result, int fault, const char *fault_string,
    void *arg)
{
	struct gather *g = arg;
	int deferred = g->call != NULL;

	json_array_append(g->results, fault == 0 && result != NULL ? result :
	    json_null());
	g->next++;
	g->call = NULL;
	/* An immediate answer runs inside rpc_call: gather_step's loop goes
	 * on from there.  A deferred one resumes the loop itself. */
	if (deferred)
		gather_step(g);
}

static void
gather_cancelled(struct sth_http_req *req, void *arg)
{
	struct gather *g = arg;

	if (g->call != NULL)
		g->host->rpc_cancel(g->call);
	gather_free(g);
}

static void
gather_step(struct gather *g)
{
	struct sth_rpc_call *call;
	json_t *params = json_array();

	while (g->methods[g->next] != NULL) {
		call = g->host->rpc_call(g->self, g->methods[g->next], params,
		    gather_answer, g);
		if (call != NULL) {
			g->call = call;
			g->http->req_on_cancel(g->req, gather_cancelled, g);
			json_decref(params);
			return;
		}
	}
	json_decref(params);
	g->http->req_on_cancel(g->req, NULL, NULL);
	g->done(g->req, g->results, g->arg);
	gather_free(g);
}

void
ext_gather(const struct sth_host *host, struct sth_plugin *self,
    const struct sth_http_api *http, struct sth_http_req *req,
    const char *const *methods, ext_gather_fn done, void *arg)
{
	struct gather *g;

	g = xcalloc(1, sizeof *g);
	g->host = host;
	g->self = self;
	g->http = http;
	g->req = req;
	g->methods = methods;
	g->results = json_array();
	g->done = done;
	g->arg = arg;
	gather_step(g);
}
