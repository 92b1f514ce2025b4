/*
 * metrics.c — the metrics extension (metrics.so): /metrics in Prometheus'
 * text format 0.0.4 for a fleet's scrapers.  Process states, pids, start
 * times, uptimes and exit statuses come from supervisor.getAllProcessInfo,
 * plugins from plugin.list (both through host->rpc_call, answered later if
 * the core defers), server counters from the "http" service; process starts
 * are counted from PROCESS_STATE_STARTING events on the bus, since
 * supervisord keeps no restart counter.
 *
 * [plugin:metrics] exporter_names adds, beside stheno_*, the names other
 * exporters give the same facts (node_exporter's supervisord collector,
 * the supervisord exporters), so that dashboards written for them work
 * unchanged: compat_families below, mapping in plugins/http/README.md.
 *
 * Ownership: the one struct metrics_ctx M and its list of start counters,
 * made in init and freed in fini; each scrape's text is built and answered
 * inside the gather's done function.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prom.h"
#include "xmalloc.h"

#define METRICS_PATH "/metrics"
#define MAX_COUNTERS 65536	/* start counters kept, at most */

struct start_count {
	struct start_count *next;
	char *group;
	char *name;
	unsigned long long starts;
};

struct metrics_ctx {
	struct sth_plugin *self;
	const struct sth_host *host;
	const struct sth_http_api *http;
	struct sth_sub *sub;
	time_t started;
	struct start_count *counts;
	size_t ncounts;
	unsigned compat;	/* COMPAT_* bits from exporter_names */
};
static struct metrics_ctx M;

static const char *const metrics_methods[] = {
	"supervisor.getAllProcessInfo", "plugin.list", NULL
};

/* supervisor's process states (docs/supervisord.md §2.1), in its numeric
 * order. */
static const char *const state_names[] = {
	"STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED",
	"FATAL", "UNKNOWN"
};

/* exporter_names: whose metric names to add. */
#define COMPAT_NODE		0x1 /* node_exporter's supervisord collector */
#define COMPAT_SUPERVISOR	0x2 /* supervisord_up, supervisor_process_* */
static const struct {
	const char *name;
	unsigned bit;
} compat_names[] = {
	{ "node_exporter", COMPAT_NODE },
	{ "supervisor_exporter", COMPAT_SUPERVISOR },
	{ "all", COMPAT_NODE | COMPAT_SUPERVISOR },
};

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static double
jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* ------------------------------------------------- starts, from the bus */

static struct start_count *
count_find(const char *group, const char *name, int create)
{
	struct start_count *c;

	for (c = M.counts; c != NULL; c = c->next)
		if (strcmp(c->group, group) == 0 && strcmp(c->name, name) == 0)
			return c;
	if (!create || M.ncounts >= MAX_COUNTERS)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->group = xstrdup(group);
	c->name = xstrdup(name);
	c->next = M.counts;
	M.counts = c;
	M.ncounts++;
	return c;
}

/* The value of "key:" in a "k:v k:v" event header, into out. */
static int
header_value(const char *p, size_t plen, const char *key, char *out,
    size_t outlen)
{
	size_t klen = strlen(key), n;
	const char *end = p + plen, *v;

	while (p < end) {
		n = strcspn(p, " \n");
		if (p + n > end)
			n = (size_t)(end - p);
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == ':') {
			v = p + klen + 1;
			if ((size_t)(p + n - v) >= outlen)
				return -1;
			memcpy(out, v, (size_t)(p + n - v));
			out[p + n - v] = '\0';
			return 0;
		}
		if (p[n] == '\n')
			break;	/* the header line is over */
		p += n + 1;
	}
	return -1;
}

static void
on_starting(const struct sth_event *ev, void *arg)
{
	char name[256], group[256];
	const char *p;
	size_t len;
	struct start_count *c;

	p = M.host->event_payload(ev, &len);
	if (p == NULL || header_value(p, len, "processname", name,
	    sizeof name) == -1 || header_value(p, len, "groupname", group,
	    sizeof group) == -1)
		return;
	if ((c = count_find(group, name, 1)) != NULL)
		c->starts++;
}

/* ------------------------------------------------------------ rendering */

typedef double (*proc_value_fn)(json_t *info, double now);

static double
v_state(json_t *i, double now)
{
	return jnum(i, "state");
}

static double
v_pid(json_t *i, double now)
{
	return jnum(i, "pid");
}

static double
v_start(json_t *i, double now)
{
	return jnum(i, "start");
}

/* supervisor's description shows an uptime only while RUNNING. */
static double
v_uptime(json_t *i, double now)
{
	double start = jnum(i, "start");

	if (strcmp(jstr(i, "statename"), "RUNNING") != 0 || start <= 0)
		return 0;
	return now > start ? now - start : 0;
}

static double
v_exit(json_t *i, double now)
{
	return jnum(i, "exitstatus");
}

static double
v_starts(json_t *i, double now)
{
	struct start_count *c = count_find(jstr(i, "group"), jstr(i, "name"),
	    0);

	return c != NULL ? (double)c->starts : 0;
}

/*
 * What the kernel says of the running process itself (not its children),
 * read at each scrape: supervisor#983/#1136 ask to see memory.  0 when
 * the process is not running or /proc cannot tell (it may have just
 * exited).
 */
static int
proc_read(double pidv, const char *what, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	if (pidv <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pidv, what);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

static double
v_rss(json_t *i, double now)
{
	char buf[128];
	unsigned long size, resident;

	if (proc_read(jnum(i, "pid"), "statm", buf, sizeof buf) == -1 ||
	    sscanf(buf, "%lu %lu", &size, &resident) != 2)
		return 0;
	return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static double
v_cpu(json_t *i, double now)
{
	char buf[1024], *p;
	unsigned long long ut, st;

	/* utime and stime are fields 14 and 15; the name (field 2) is in
	 * parentheses and may hold anything, so count from its last ')' */
	if (proc_read(jnum(i, "pid"), "stat", buf, sizeof buf) == -1 ||
	    (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
	    "%llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static const struct proc_family {
	const char *name;
	const char *type;
	const char *help;
	proc_value_fn value;
} proc_families[] = {
	{ "stheno_process_state_code", "gauge",
	  "The process state as supervisor's number (0 STOPPED, 10 STARTING, "
	  "20 RUNNING, 30 BACKOFF, 40 STOPPING, 100 EXITED, 200 FATAL, "
	  "1000 UNKNOWN).", v_state },
	{ "stheno_process_pid", "gauge",
	  "The process id, 0 when not running.", v_pid },
	{ "stheno_process_start_time_seconds", "gauge",
	  "Unix time the process was last started, 0 if never.", v_start },
	{ "stheno_process_uptime_seconds", "gauge",
	  "Seconds the process has been RUNNING, 0 in any other state.",
	  v_uptime },
	{ "stheno_process_exit_status", "gauge",
	  "The exit status of the process's last exit.", v_exit },
	{ "stheno_process_starts_total", "counter",
	  "Times the process entered STARTING (its starts and restarts) "
	  "since the metrics plugin was loaded.", v_starts },
	{ "stheno_process_resident_memory_bytes", "gauge",
	  "Resident memory of the process itself (not its children), 0 when "
	  "not running.", v_rss },
	{ "stheno_process_cpu_seconds_total", "counter",
	  "User and system CPU time of the process itself since it started "
	  "(not its children), 0 when not running.", v_cpu },
};

/* healthcheck= (docs/stheno.conf.5.md): from the health keys of
 * getProcessInfo, for the processes that have a check only. */
static double
v_healthy(json_t *i, double now)
{
	return strcmp(jstr(i, "health"), "healthy") == 0;
}

static double
v_hfail(json_t *i, double now)
{
	return jnum(i, "health_failures");
}

static double
v_hchecks(json_t *i, double now)
{
	return jnum(i, "health_checks");
}

static double
v_hrestarts(json_t *i, double now)
{
	return jnum(i, "health_restarts");
}

static double
v_hlatency(json_t *i, double now)
{
	return jnum(i, "health_latency_ms") / 1000.0;
}

static const struct proc_family health_families[] = {
	{ "stheno_process_healthy", "gauge",
	  "1 if the process's health check passes (healthcheck=), else 0.",
	  v_healthy },
	{ "stheno_process_health_failures", "gauge",
	  "Health checks failed in a row.", v_hfail },
	{ "stheno_process_health_checks_total", "counter",
	  "Health checks run since the process was added.", v_hchecks },
	{ "stheno_process_health_restarts_total", "counter",
	  "Restarts for failed health checks since the process was added.",
	  v_hrestarts },
	{ "stheno_process_health_check_seconds", "gauge",
	  "How long the last health check took.", v_hlatency },
};

/* The families of fams for the processes that have key. */
static void
render_filtered(struct dbuf *b, json_t *procs, double now,
    const struct proc_family *fams, size_t nfams, const char *key)
{
	const char *labels[5] = { "group", NULL, "name", NULL, NULL };
	json_t *p;
	size_t i, k;
	int any = 0;

	json_array_foreach(procs, i, p)
		any |= json_object_get(p, key) != NULL;
	if (!any)
		return;
	for (k = 0; k < nfams; k++) {
		prom_family(b, fams[k].name, fams[k].type, fams[k].help);
		json_array_foreach(procs, i, p) {
			if (json_object_get(p, key) == NULL)
				continue;
			labels[1] = jstr(p, "group");
			labels[3] = jstr(p, "name");
			prom_sample(b, fams[k].name, labels,
			    fams[k].value(p, now));
		}
	}
}

static void
render_processes(struct dbuf *b, json_t *procs, double now)
{
	const char *labels[7] = { "group", NULL, "name", NULL, "state", NULL,
	    NULL };
	const struct proc_family *f;
	json_t *p;
	size_t i, k, s;

	prom_family(b, "stheno_process_state", "gauge",
	    "1 for the state the process is in, 0 for the others.");
	json_array_foreach(procs, i, p) {
		labels[1] = jstr(p, "group");
		labels[3] = jstr(p, "name");
		for (s = 0; s < sizeof state_names / sizeof state_names[0];
		    s++) {
			labels[5] = state_names[s];
			prom_sample(b, "stheno_process_state", labels,
			    strcmp(jstr(p, "statename"), state_names[s]) == 0);
		}
	}
	labels[4] = NULL;
	for (k = 0; k < sizeof proc_families / sizeof proc_families[0]; k++) {
		f = &proc_families[k];
		prom_family(b, f->name, f->type, f->help);
		json_array_foreach(procs, i, p) {
			labels[1] = jstr(p, "group");
			labels[3] = jstr(p, "name");
			prom_sample(b, f->name, labels, f->value(p, now));
		}
	}
	render_filtered(b, procs, now, health_families,
	    sizeof health_families / sizeof health_families[0], "health");
}

static const struct server_family {
	const char *name;
	const char *type;
	const char *key;
	const char *help;
} server_families[] = {
	{ "stheno_http_connections", "gauge", "connections",
	  "Connections open now." },
	{ "stheno_http_connections_total", "counter", "total_connections",
	  "Connections accepted." },
	{ "stheno_http_refused_connections_total", "counter",
	  "refused_connections",
	  "Connections closed at accept (over max_connections or "
	  "max_connections_per_address)." },
	{ "stheno_http_requests_total", "counter", "requests",
	  "Requests dispatched." },
	{ "stheno_http_received_bytes_total", "counter", "bytes_in",
	  "Bytes read from clients." },
	{ "stheno_http_sent_bytes_total", "counter", "bytes_out",
	  "Bytes queued to clients." },
	{ "stheno_http_server_start_time_seconds", "gauge", "started",
	  "Unix time the server started listening." },
	{ "stheno_http_auth_failures_total", "counter", "auth_failures",
	  "Requests with wrong Basic auth credentials." },
	{ "stheno_http_penalty_refused_total", "counter", "penalty_refused",
	  "Requests refused (429) by a failed-auth penalty." },
};

static void
render_servers(struct dbuf *b, json_t *servers)
{
	const char *labels[3] = { "server", NULL, NULL };
	const struct server_family *f;
	json_t *s;
	size_t i, k;

	for (k = 0; k < sizeof server_families / sizeof server_families[0];
	    k++) {
		f = &server_families[k];
		prom_family(b, f->name, f->type, f->help);
		json_array_foreach(servers, i, s) {
			if (json_object_get(s, f->key) == NULL)
				continue;
			labels[1] = jstr(s, "name");
			prom_sample(b, f->name, labels, jnum(s, f->key));
		}
	}
}

static void
render_plugins(struct dbuf *b, json_t *plugins)
{
	const char *labels[7] = { "name", NULL, "version", NULL, "state",
	    NULL, NULL };
	json_t *p;
	size_t i;

	prom_family(b, "stheno_plugin_info", "gauge",
	    "1 for each loaded plugin, with its version and state.");
	json_array_foreach(plugins, i, p) {
		labels[1] = jstr(p, "name");
		labels[3] = jstr(p, "version");
		labels[5] = jstr(p, "state");
		prom_sample(b, "stheno_plugin_info", labels, 1);
	}
}

/* ------------------------------------------- other exporters' names */

/* node_exporter's "up": STARTING, RUNNING or STOPPING. */
static int
node_running(json_t *i)
{
	int st = (int)jnum(i, "state");

	return st == 10 || st == 20 || st == 40;
}

static int
is_running(json_t *i)
{
	return strcmp(jstr(i, "statename"), "RUNNING") == 0;
}

static double
v_node_up(json_t *i, double now)
{
	return node_running(i);
}

static double
v_info(json_t *i, double now)
{
	return is_running(i);
}

/*
 * One family per row: its samples are labelled name and group (plus
 * state and exit_status with extra), and only processes for which only()
 * is true (all when NULL) have one.
 */
static const struct compat_family {
	unsigned bit;
	const char *name;
	const char *type;
	const char *help;
	proc_value_fn value;
	int (*only)(json_t *);
	int extra;
} compat_families[] = {
	{ COMPAT_NODE, "node_supervisord_up", "gauge",
	  "Process Up (STARTING, RUNNING or STOPPING).", v_node_up, NULL, 0 },
	{ COMPAT_NODE, "node_supervisord_state", "gauge",
	  "Process State (supervisor's number).", v_state, NULL, 0 },
	{ COMPAT_NODE, "node_supervisord_exit_status", "gauge",
	  "Process Exit Status.", v_exit, NULL, 0 },
	{ COMPAT_NODE, "node_supervisord_start_time_seconds", "counter",
	  "Process start time (processes that are up).", v_start,
	  node_running, 0 },
	{ COMPAT_SUPERVISOR, "supervisor_process_info", "gauge",
	  "Supervisor process information: 1 when RUNNING, 0 otherwise.",
	  v_info, NULL, 1 },
	{ COMPAT_SUPERVISOR, "supervisor_process_uptime", "gauge",
	  "Uptime of Supervisor processes (RUNNING ones).", v_uptime,
	  is_running, 0 },
};

static void
render_compat(struct dbuf *b, json_t *procs, double now)
{
	const char *labels[9];
	const struct compat_family *f;
	char exitstatus[32];
	json_t *p;
	size_t i, k;

	if (M.compat & COMPAT_SUPERVISOR) {
		prom_family(b, "supervisord_up", "gauge",
		    "Supervisord XML-RPC connection status (1 if up, 0 if "
		    "down): whether the process table answered.");
		prom_sample(b, "supervisord_up", NULL, json_is_array(procs));
	}
	if (!json_is_array(procs))
		return;
	for (k = 0; k < sizeof compat_families / sizeof compat_families[0];
	    k++) {
		f = &compat_families[k];
		if ((M.compat & f->bit) == 0)
			continue;
		prom_family(b, f->name, f->type, f->help);
		json_array_foreach(procs, i, p) {
			if (f->only != NULL && !f->only(p))
				continue;
			snprintf(exitstatus, sizeof exitstatus, "%ld",
			    (long)jnum(p, "exitstatus"));
			labels[0] = "name";
			labels[1] = jstr(p, "name");
			labels[2] = "group";
			labels[3] = jstr(p, "group");
			labels[4] = f->extra ? "state" : NULL;
			labels[5] = jstr(p, "statename");
			labels[6] = "exit_status";
			labels[7] = exitstatus;
			labels[8] = NULL;
			prom_sample(b, f->name, labels, f->value(p, now));
		}
	}
}

/* "node_exporter, supervisor_exporter" into M.compat; -1 on a name not
 * in compat_names, which *bad then points at (its length in *badlen). */
static int
compat_parse(const char *s, const char **bad, size_t *badlen)
{
	size_t n, k;

	M.compat = 0;
	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			return 0;
		n = strcspn(s, ", \t");
		for (k = 0; k < sizeof compat_names / sizeof compat_names[0];
		    k++)
			if (strlen(compat_names[k].name) == n &&
			    strncmp(compat_names[k].name, s, n) == 0)
				break;
		if (k == sizeof compat_names / sizeof compat_names[0]) {
			*bad = s;
			*badlen = n;
			return -1;
		}
		M.compat |= compat_names[k].bit;
		s += n;
	}
}

static void
metrics_render(struct sth_http_req *req, json_t *results, void *arg)
{
	struct dbuf b = DBUF_INIT;
	const char *ver[3] = { "version", NULL, NULL };
	json_t *procs = json_array_get(results, 0);
	json_t *servers = M.http->servers();
	struct timespec ts;
	double now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	ver[1] = M.host->version();
	prom_family(&b, "stheno_build_info", "gauge",
	    "1, labelled with sthenod's version.");
	prom_sample(&b, "stheno_build_info", ver, 1);
	prom_family(&b, "stheno_start_time_seconds", "gauge",
	    "Unix time sthenod started.");
	prom_sample(&b, "stheno_start_time_seconds", NULL, (double)M.started);
	prom_family(&b, "stheno_uptime_seconds", "gauge",
	    "Seconds since sthenod started.");
	prom_sample(&b, "stheno_uptime_seconds", NULL,
	    (double)((time_t)now - M.started));
	prom_family(&b, "stheno_process_info_up", "gauge",
	    "1 if the process table answered this scrape, 0 if not.");
	prom_sample(&b, "stheno_process_info_up", NULL, json_is_array(procs));
	if (json_is_array(procs))
		render_processes(&b, procs, now);
	if (M.compat != 0)
		render_compat(&b, procs, now);
	render_plugins(&b, json_array_get(results, 1));
	render_servers(&b, servers);
	json_decref(servers);
	M.http->set_header(req, "Content-Type", PROM_CONTENT_TYPE);
	M.http->set_header(req, "Cache-Control", "no-store");
	M.http->respond(req, 200, NULL, b.data, b.len);
	dbuf_free(&b);
}

static void
metrics_handle(struct sth_http_req *req, void *arg)
{
	const char *m = M.http->req_method(req);

	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
		M.http->set_header(req, "Allow", "GET, HEAD");
		M.http->respond_error(req, 405);
		return;
	}
	ext_gather(M.host, M.self, M.http, req, metrics_methods,
	    metrics_render, NULL);
}

static int
metrics_match(struct sth_http_req *req, void *arg)
{
	return strcmp(M.http->req_path(req), METRICS_PATH) == 0;
}

static void metrics_fini(struct sth_plugin *);

static int
metrics_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *own = host->config(self);
	const char *server = NULL, *names, *bad;
	char *err = NULL;
	size_t badlen;

	memset(&M, 0, sizeof M);
	M.self = self;
	M.host = host;
	M.started = ext_daemon_started();
	if (own != NULL && (server = host->cfg_str(own, "server", NULL)) !=
	    NULL && *server == '\0')
		server = NULL;
	names = own != NULL ? host->cfg_str(own, "exporter_names", "") : "";
	if (compat_parse(names, &bad, &badlen) == -1)
		return host->fail(self, "exporter_names: unknown name '%.*s' "
		    "(node_exporter, supervisor_exporter or all)", (int)badlen,
		    bad);
	M.http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (M.http == NULL)
		return host->fail(self, "the \"%s\" service (version %d) is "
		    "not available", STH_HTTP_SERVICE, STH_HTTP_API_VERSION);
	M.sub = host->bus_subscribe(self, "PROCESS_STATE_STARTING",
	    on_starting, NULL);
	if (M.sub == NULL) {
		host->fail(self, "cannot subscribe to PROCESS_STATE_STARTING");
		goto err;
	}
	/* Control servers only, unless the config names one server. */
	if (M.http->handler_add(self, server, METRICS_PATH, metrics_match,
	    metrics_handle, NULL, server == NULL ? STH_HTTP_CONTROL : 0,
	    &err) == NULL) {
		host->fail(self, "cannot add the /metrics handler: %s",
		    err != NULL ? err : "failed");
		free(err);
		goto err;
	}
	return 0;
err:
	metrics_fini(self);
	return -1;
}

static void
metrics_fini(struct sth_plugin *self)
{
	struct start_count *c;

	if (M.sub != NULL)
		M.host->bus_unsubscribe(M.sub);
	if (M.http != NULL) {
		M.http->handler_remove_all(self);
		M.host->service_release(self, STH_HTTP_SERVICE);
	}
	while ((c = M.counts) != NULL) {
		M.counts = c->next;
		free(c->group);
		free(c->name);
		free(c);
	}
	memset(&M, 0, sizeof M);
}

static const char *const metrics_requires[] = { "http", NULL };

STHENO_PLUGIN("metrics", PACKAGE_VERSION,
    "/metrics in Prometheus text format: processes, plugins, HTTP servers",
    metrics_requires, metrics_init, NULL, metrics_fini);
