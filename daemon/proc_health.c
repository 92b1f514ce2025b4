/*
 * proc_health.c — healthcheck= (docs/stheno.conf.5.md): a program's health
 * as a state of its own, checked on the loop.
 *
 * A check is exec:COMMAND (a child run as the program is; exit 0 is
 * healthy), http://HOST:PORT/PATH (a GET; 2xx or 3xx is healthy),
 * tcp:HOST:PORT (a connect) or log:REGEX (a line of the program's output
 * matches: readiness only).  Sockets are non-blocking and every check has
 * healthcheck_timeout seconds; an exec check past it is killed.
 *
 * Timers exist only while a checked program is STARTING or RUNNING: one
 * per process, which waits healthcheck_interval seconds between checks and
 * the timeout while one is in flight (never more than one).  After
 * healthcheck_retries failures in a row (those inside
 * healthcheck_start_period after the spawn not counted) the process is
 * unhealthy, and if healthcheck_restart and RUNNING, restarted.  Changes
 * of health are logged, published as PROCESS_HEALTH_* events and wake the
 * processes that depend on it (proc_deps.c).
 *
 * Ownership: a config owns its parsed struct proc_hc; a process owns its
 * struct proc_health (made at the first spawn, freed with the process)
 * and everything a check in flight holds (a child, an fd, its event).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bus.h"
#include "log.h"
#include "proc.h"
#include "sthenod.h"
#include "xmalloc.h"

enum hc_kind { HC_EXEC, HC_HTTP, HC_TCP, HC_LOG };

struct proc_hc {
	enum hc_kind kind;
	char *command;		/* exec */
	char *host;		/* http, tcp */
	char *port;
	char *path;		/* http: "/..." */
	regex_t re;		/* log */
};

enum health { H_NONE, H_STARTING, H_HEALTHY, H_UNHEALTHY };
static const char *const health_names[] = {
	"none", "starting", "healthy", "unhealthy"
};

#define HC_LINE_MAX 4096	/* a longer line is matched on its start */
#define HC_READ_MAX 1024	/* an HTTP answer's head looked at */

struct proc_health {
	struct proc *p;
	enum health status;
	int ready;		/* passed (a log check: matched) since spawn */
	long failures;		/* in a row, counted ones */
	long checks, failed, restarts;	/* totals */
	double latency;		/* seconds the last check took */
	char last[200];		/* the last result, for the log */
	int restarting;		/* stopped by us: spawn again once stopped */
	int respawn;		/* the timer is for that spawn (the ladder) */
	long streak;		/* such restarts since it was last healthy */
	double spawned;		/* monotonic time of the spawn */
	/* the check in flight */
	struct event *timer;	/* interval, or the timeout in flight */
	int inflight;
	double begun;
	int fd;			/* socket, or the exec check's pipe */
	struct event *io;
	pid_t pid;		/* exec: the child, 0 when reaped */
	pid_t killed;		/* exec: killed at the timeout, not reaped */
	char buf[HC_READ_MAX + 1];
	size_t len;
	char addr[160];		/* "host:port" or "host:port/path" */
	/* log: a line per channel under way */
	char *line[2];
	size_t linelen[2];
};

/* --- the config ----------------------------------------------------------- */

void
proc_hc_free(struct proc_hc *hc)
{
	if (hc == NULL)
		return;
	if (hc->kind == HC_LOG)
		regfree(&hc->re);
	free(hc->command);
	free(hc->host);
	free(hc->port);
	free(hc->path);
	free(hc);
}

/* "HOST:PORT" ("[v6]:PORT") into hc: 0, or -1 with *err. */
static int
hc_hostport(struct proc_hc *hc, const char *s, size_t n, int need_port,
    char **err)
{
	const char *colon, *end = s + n, *h = s, *hend;
	char *ep;
	long port;

	if (n > 0 && *s == '[') {
		if ((hend = memchr(s, ']', n)) == NULL)
			goto bad;
		h = s + 1;
		colon = hend + 1 < end && hend[1] == ':' ? hend + 1 : NULL;
		if (colon == NULL && hend + 1 != end)
			goto bad;
	} else {
		colon = memchr(s, ':', n);
		hend = colon != NULL ? colon : end;
	}
	if (hend == h)
		goto bad;
	hc->host = xstrndup(h, (size_t)(hend - h));
	if (colon == NULL) {
		if (need_port)
			goto bad;
		hc->port = xstrdup("80");
		return 0;
	}
	hc->port = xstrndup(colon + 1, (size_t)(end - colon - 1));
	port = strtol(hc->port, &ep, 10);
	if (*hc->port == '\0' || *ep != '\0' || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	xasprintf(err, "not a valid host:port in healthcheck: '%.*s'",
	    (int)n, s);
	return -1;
}

int
proc_hc_parse(const char *spec, struct proc_hc **out, char **err)
{
	struct proc_hc *hc = xcalloc(1, sizeof *hc);
	const char *rest, *slash;
	char ebuf[128];
	int rc;

	if (strncmp(spec, "exec:", 5) == 0) {
		hc->kind = HC_EXEC;
		rest = spec + 5;
		rest += strspn(rest, " \t");
		if (*rest == '\0') {
			xasprintf(err, "healthcheck exec: names no command");
			goto fail;
		}
		hc->command = xstrdup(rest);
	} else if (strncmp(spec, "http://", 7) == 0) {
		hc->kind = HC_HTTP;
		rest = spec + 7;
		slash = strchr(rest, '/');
		if (hc_hostport(hc, rest, slash != NULL ? (size_t)(slash -
		    rest) : strlen(rest), 0, err) == -1)
			goto fail;
		hc->path = xstrdup(slash != NULL ? slash : "/");
		if (strpbrk(hc->path, " \r\n\t") != NULL) {
			xasprintf(err, "not a valid path in healthcheck: "
			    "'%s'", hc->path);
			goto fail;
		}
	} else if (strncmp(spec, "tcp:", 4) == 0) {
		hc->kind = HC_TCP;
		rest = spec + 4;
		if (hc_hostport(hc, rest, strlen(rest), 1, err) == -1)
			goto fail;
	} else if (strncmp(spec, "log:", 4) == 0) {
		hc->kind = HC_LOG;
		if ((rc = regcomp(&hc->re, spec + 4, REG_EXTENDED |
		    REG_NOSUB)) != 0) {
			regerror(rc, &hc->re, ebuf, sizeof ebuf);
			xasprintf(err, "not a valid regular expression in "
			    "healthcheck: '%s' (%s)", spec + 4, ebuf);
			hc->kind = HC_EXEC;	/* nothing to regfree */
			goto fail;
		}
	} else {
		xasprintf(err, "not a valid healthcheck: '%s' (exec:COMMAND, "
		    "http://HOST:PORT/PATH, tcp:HOST:PORT or log:REGEX)",
		    spec);
		goto fail;
	}
	*out = hc;
	return 0;
fail:
	proc_hc_free(hc);
	return -1;
}

/* --- results ------------------------------------------------------------- */

static void arm(struct proc_health *h, double secs);
static void check_begin(struct proc_health *h);

static void
publish(struct proc_health *h, const char *type)
{
	struct proc *p = h->p;
	char *payload;

	xasprintf(&payload, "processname:%s groupname:%s pid:%ld "
	    "failures:%ld", p->cfg->name, p->group->cfg->name, (long)p->pid,
	    h->failures);
	bus_publish(type, payload, strlen(payload));
	free(payload);
}

/* Whatever the check in flight holds is let go (an exec child is killed;
 * it is reaped later, quietly). */
static void
check_abort(struct proc_health *h)
{
	if (h->io != NULL) {
		event_free(h->io);
		h->io = NULL;
	}
	if (h->fd != -1) {
		close(h->fd);
		h->fd = -1;
	}
	if (h->pid > 0) {
		if (kill(-h->pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("health check of %s: kill %ld: %s",
			    h->p->cfg->name, (long)h->pid, strerror(errno));
		h->killed = h->pid;
		h->pid = 0;
	}
	h->inflight = 0;
	h->len = 0;
}

static void
set_status(struct proc_health *h, enum health to)
{
	if (h->status == to)
		return;
	h->status = to;
	if (to == H_HEALTHY) {
		h->streak = 0;
		log_info("%s is healthy (%s)", h->p->cfg->name, h->last);
		publish(h, "PROCESS_HEALTH_HEALTHY");
	} else if (to == H_UNHEALTHY) {
		log_warn("%s is unhealthy: %ld failed health checks (%s)",
		    h->p->cfg->name, h->failures, h->last);
		publish(h, "PROCESS_HEALTH_UNHEALTHY");
	}
}

/* The check in flight is over: ok or not, why in text. */
static void
check_done(struct proc_health *h, int ok, const char *why)
{
	struct proc *p = h->p;
	const struct proc_config *pc = p->cfg;
	int was_ready = h->ready;

	check_abort(h);
	h->latency = proc_sys->mono() - h->begun;
	h->checks++;
	snprintf(h->last, sizeof h->last, "%s", why);
	if (ok) {
		h->failures = 0;
		h->ready = 1;
		log_debug("health check of %s passed: %s", pc->name, why);
		set_status(h, H_HEALTHY);
	} else {
		h->failed++;
		log_debug("health check of %s failed: %s", pc->name, why);
		if (h->status != H_HEALTHY && proc_sys->mono() - h->spawned <
		    (double)pc->hc_start_period)
			goto next;	/* inside the start period */
		h->failures++;
		if (h->failures >= pc->hc_retries) {
			h->ready = 0;
			set_status(h, H_UNHEALTHY);
			if (pc->hc_restart && p->state == PROC_RUNNING &&
			    !proctable_stopping()) {
				log_warn("%s failed its health check %ld times "
				    "(%s): restarting", pc->name, h->failures,
				    why);
				h->restarts++;
				h->streak++;
				h->restarting = 1;
				proc_stop(p);
				return;
			}
		}
	}
next:
	if (h->ready != was_ready)
		proc_deps_sweep();
	if (pc->hc->kind != HC_LOG && (p->state == PROC_STARTING ||
	    p->state == PROC_RUNNING))
		arm(h, (double)pc->hc_interval);
}

/* --- exec ---------------------------------------------------------------- */

/* Log the complete lines of the child's output at debug. */
static void
exec_lines(struct proc_health *h, int flush)
{
	char *nl, *s = h->buf;

	while ((nl = memchr(s, '\n', h->len - (size_t)(s - h->buf))) !=
	    NULL) {
		log_debug("health check of %s: %.*s", h->p->cfg->name,
		    (int)(nl - s), s);
		s = nl + 1;
	}
	h->len -= (size_t)(s - h->buf);
	memmove(h->buf, s, h->len);
	if (h->len > 0 && (flush || h->len == HC_READ_MAX)) {
		log_debug("health check of %s: %.*s", h->p->cfg->name,
		    (int)h->len, h->buf);
		h->len = 0;
	}
}

/* Read what the child wrote: 0 at its end (or an error), else 1. */
static int
exec_read(struct proc_health *h)
{
	ssize_t n;

	for (;;) {
		n = read(h->fd, h->buf + h->len, HC_READ_MAX - h->len);
		if (n > 0) {
			h->len += (size_t)n;
			exec_lines(h, 0);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 1;
		exec_lines(h, 1);
		return 0;
	}
}

static void
exec_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_health *h = arg;

	if (exec_read(h) == 0) {
		event_free(h->io);
		h->io = NULL;
		close(h->fd);
		h->fd = -1;
	}
}

static void
exec_begin(struct proc_health *h)
{
	int fds[2];
	char *err = NULL;

	/* only our end is non-blocking: the check writes as to any pipe */
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(h->buf, sizeof h->buf, "pipe: %s", strerror(errno));
		check_done(h, 0, h->buf);
		return;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1)
		fatalx("%s: fcntl on a new pipe: %s", __func__,
		    strerror(errno));
	if (proc_spawn_check(h->p, h->p->cfg->hc->command, fds[1], &h->pid,
	    &err) == -1) {
		close(fds[0]);
		close(fds[1]);
		h->pid = 0;
		snprintf(h->addr, sizeof h->addr, "%s", err);
		free(err);
		check_done(h, 0, h->addr);
		return;
	}
	close(fds[1]);
	h->fd = fds[0];
	h->io = event_new(sth.base, h->fd, EV_READ | EV_PERSIST, exec_cb, h);
	event_add(h->io, NULL);
}

/* The check in flight of p, whose child was reaped with st. */
static void
exec_reaped(struct proc_health *h, int st)
{
	char msg[128];
	int es;

	h->pid = 0;
	if (h->fd != -1)
		exec_read(h);
	exec_lines(h, 1);
	proc_decode_status(st, &es, msg, sizeof msg);
	check_done(h, es == 0, msg);
}

/* --- http and tcp -------------------------------------------------------- */

static void
net_fail(struct proc_health *h, const char *what, int e)
{
	char why[300];

	snprintf(why, sizeof why, "%s %s: %s", what, h->addr, strerror(e));
	check_done(h, 0, why);
}

/* The head of an HTTP answer in h->buf: decided (1), or more to read. */
static int
http_answer(struct proc_health *h, int eof)
{
	char why[300];
	char *nl;
	int code;

	h->buf[h->len] = '\0';
	nl = strchr(h->buf, '\n');
	if (nl == NULL && !eof && h->len < HC_READ_MAX)
		return 0;
	if (sscanf(h->buf, "HTTP/%*d.%*d %3d", &code) != 1) {
		snprintf(why, sizeof why, "no HTTP answer from %s", h->addr);
		check_done(h, 0, why);
		return 1;
	}
	snprintf(why, sizeof why, "HTTP %d from %s", code, h->addr);
	check_done(h, code >= 200 && code < 400, why);
	return 1;
}

static void
http_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_health *h = arg;
	ssize_t n;

	n = read(h->fd, h->buf + h->len, HC_READ_MAX - h->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		net_fail(h, "reading from", errno);
		return;
	}
	h->len += (size_t)n;
	http_answer(h, n == 0);
}

static void
connected_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_health *h = arg;
	const struct proc_hc *hc = h->p->cfg->hc;
	socklen_t sl = sizeof(int);
	char req[600], why[200];
	int e = 0, n;

	if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
		e = errno;
	if (e != 0) {
		net_fail(h, "connecting to", e);
		return;
	}
	if (hc->kind == HC_TCP) {
		snprintf(why, sizeof why, "connected to %s", h->addr);
		check_done(h, 1, why);
		return;
	}
	n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s:%s\r\n"
	    "User-Agent: sthenod\r\nConnection: close\r\n\r\n", hc->path,
	    hc->host, hc->port);
	if (n < 0 || (size_t)n >= sizeof req) {
		check_done(h, 0, "path too long");
		return;
	}
	/* a fresh socket's buffer takes a request this small at once */
	if (send(h->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		net_fail(h, "writing to", errno);
		return;
	}
	event_free(h->io);
	h->io = event_new(sth.base, h->fd, EV_READ | EV_PERSIST,
	    http_read_cb, h);
	event_add(h->io, NULL);
}

static void
net_begin(struct proc_health *h)
{
	const struct proc_hc *hc = h->p->cfg->hc;
	struct addrinfo hints, *ai = NULL;
	char why[300];
	int rc;

	if (hc->kind == HC_HTTP)
		snprintf(h->addr, sizeof h->addr, "%s:%s%s", hc->host,
		    hc->port, hc->path);
	else
		snprintf(h->addr, sizeof h->addr, "%s:%s", hc->host, hc->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	if ((rc = getaddrinfo(hc->host, hc->port, &hints, &ai)) ==
	    EAI_NONAME) {
		/* a name: /etc/hosts or DNS (blocking; prefer an address) */
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(hc->host, hc->port, &hints, &ai);
	}
	if (rc != 0) {
		snprintf(why, sizeof why, "can't resolve %s: %s", hc->host,
		    gai_strerror(rc));
		check_done(h, 0, why);
		return;
	}
	h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (h->fd == -1) {
		freeaddrinfo(ai);
		net_fail(h, "socket for", errno);
		return;
	}
	if (connect(h->fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		freeaddrinfo(ai);
		net_fail(h, "connecting to", errno);
		return;
	}
	freeaddrinfo(ai);
	h->io = event_new(sth.base, h->fd, EV_WRITE, connected_cb, h);
	event_add(h->io, NULL);
}

/* --- the timer ----------------------------------------------------------- */

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_health *h = arg;
	char why[300];

	if (h->respawn) {
		h->respawn = 0;
		if (h->p->state == PROC_STOPPED && !proctable_stopping())
			proc_spawn(h->p);
		return;
	}
	if (!h->inflight) {
		check_begin(h);
		return;
	}
	snprintf(why, sizeof why, "timed out after %lds%s%s",
	    h->p->cfg->hc_timeout, h->addr[0] != '\0' &&
	    h->p->cfg->hc->kind != HC_EXEC ? " on " : "",
	    h->p->cfg->hc->kind != HC_EXEC ? h->addr : "");
	check_done(h, 0, why);
}

static void
arm(struct proc_health *h, double secs)
{
	struct timeval tv;

	if (h->timer == NULL)
		h->timer = evtimer_new(sth.base, timer_cb, h);
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	evtimer_add(h->timer, &tv);
}

static void
check_begin(struct proc_health *h)
{
	h->inflight = 1;
	h->begun = proc_sys->mono();
	h->addr[0] = '\0';
	h->len = 0;
	arm(h, (double)h->p->cfg->hc_timeout);
	if (h->p->cfg->hc->kind == HC_EXEC)
		exec_begin(h);
	else
		net_begin(h);
}

/* --- the table's hooks --------------------------------------------------- */

static void
health_stop(struct proc_health *h)
{
	check_abort(h);
	if (h->timer != NULL)
		evtimer_del(h->timer);
	h->ready = 0;
	h->status = H_NONE;
	h->linelen[0] = h->linelen[1] = 0;
}

/*
 * After a restart for failed checks: spawn again, at once the first time;
 * while it never turns healthy, each next one waits a second more
 * (supervisord's backoff ladder, capped by maxbackoff when set).
 */
static void
health_respawn(struct proc_health *h)
{
	struct proc *p = h->p;
	long wait = h->streak - 1;

	if (proctable_stopping() || p->state != PROC_STOPPED)
		return;
	if (p->cfg->maxbackoff > 0 && wait > p->cfg->maxbackoff)
		wait = p->cfg->maxbackoff;
	if (wait <= 0) {
		proc_spawn(p);
		return;
	}
	log_info("waiting %lds before restarting %s (%ld restarts for failed "
	    "health checks in a row)", wait, p->cfg->name, h->streak);
	h->respawn = 1;
	arm(h, (double)wait);
}

void
proc_health_state_changed(struct proc *p, enum proc_state from)
{
	struct proc_health *h = p->health;

	if (p->cfg->hc == NULL || sth.base == NULL)
		return;
	if (h == NULL) {
		if (p->state != PROC_STARTING && p->state != PROC_RUNNING)
			return;
		h = p->health = xcalloc(1, sizeof *h);
		h->p = p;
		h->fd = -1;
	}
	switch (p->state) {
	case PROC_STARTING:
	case PROC_RUNNING:
		/* the table reports a spawn's STARTING and RUNNING at once
		 * when startsecs=0: a new spawn is a new start time */
		if (h->status != H_NONE && h->spawned == p->start_mono)
			break;
		health_stop(h);
		h->respawn = 0;	/* a start asked for ends the wait */
		h->status = H_STARTING;
		h->failures = 0;
		h->spawned = p->start_mono;
		if (p->cfg->hc->kind != HC_LOG)
			arm(h, (double)p->cfg->hc_interval);
		break;
	default:
		health_stop(h);
		if (h->restarting && proc_state_stopped(p->state)) {
			h->restarting = 0;
			health_respawn(h);
		}
		break;
	}
}

/* One line of channel ch of a log check. */
static void
log_line(struct proc_health *h, const char *s, size_t n)
{
	char why[200];
	char *line = xstrndup(s, n);
	int m = regexec(&h->p->cfg->hc->re, line, 0, NULL, 0) == 0;

	free(line);
	if (!m || h->ready)
		return;
	h->begun = proc_sys->mono();
	snprintf(why, sizeof why, "log line: %.*s", (int)(n < 120 ? n : 120),
	    s);
	check_done(h, 1, why);
}

void
proc_health_output(struct proc *p, int ch, const char *buf, size_t len)
{
	struct proc_health *h = p->health;
	const char *nl;
	size_t n;

	if (h == NULL || p->cfg->hc == NULL || p->cfg->hc->kind != HC_LOG ||
	    h->ready || h->status == H_NONE)
		return;
	while (len > 0 && !h->ready) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		if (h->linelen[ch] == 0 && nl != NULL) {
			log_line(h, buf, n);	/* the usual case: no copy */
		} else {
			size_t room = HC_LINE_MAX - h->linelen[ch];

			if (h->line[ch] == NULL)
				h->line[ch] = xmalloc(HC_LINE_MAX);
			memcpy(h->line[ch] + h->linelen[ch], buf,
			    n < room ? n : room);
			h->linelen[ch] += n < room ? n : room;
			if (nl != NULL) {
				log_line(h, h->line[ch], h->linelen[ch]);
				h->linelen[ch] = 0;
			}
		}
		if (nl == NULL)
			break;
		len -= n + 1;
		buf = nl + 1;
	}
}

int
proc_health_reaped(pid_t pid, int st)
{
	struct proc_group *g;
	struct proc_health *h;
	size_t i, j;

	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		for (j = 0; j < g->nprocs; j++) {
			if ((h = g->procs[j]->health) == NULL)
				continue;
			if (h->pid == pid) {
				exec_reaped(h, st);
				return 1;
			}
			if (h->killed == pid) {
				h->killed = 0;
				return 1;
			}
		}
	return 0;
}

void
proc_health_free(struct proc *p)
{
	struct proc_health *h = p->health;

	if (h == NULL)
		return;
	check_abort(h);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h->line[0]);
	free(h->line[1]);
	free(h);
	p->health = NULL;
}

int
proc_health_ready(const struct proc *p)
{
	if (p->cfg->hc == NULL)
		return p->state == PROC_RUNNING;
	return p->health != NULL && p->health->ready &&
	    (p->state == PROC_STARTING || p->state == PROC_RUNNING);
}

const char *
proc_health_name(const struct proc *p)
{
	if (p->cfg->hc == NULL)
		return NULL;
	if (p->health == NULL)
		return health_names[H_NONE];
	return health_names[p->health->status];
}

void
proc_health_info(const struct proc *p, json_t *o)
{
	const struct proc_health *h = p->health;

	if (p->cfg->hc == NULL) {
		/* "health" comes and goes with the rest: when it is absent
		 * (nearly always: the struct getAllProcessInfo reuses),
		 * one look-up instead of seven deletions of nothing. */
		if (json_object_get(o, "health") == NULL)
			return;
		json_object_del(o, "health");
		json_object_del(o, "health_ready");
		json_object_del(o, "health_failures");
		json_object_del(o, "health_checks");
		json_object_del(o, "health_restarts");
		json_object_del(o, "health_last");
		json_object_del(o, "health_latency_ms");
		return;
	}
	json_object_set_new(o, "health", json_string(proc_health_name(p)));
	json_object_set_new(o, "health_ready",
	    json_boolean(proc_health_ready(p)));
	json_object_set_new(o, "health_failures",
	    json_integer(h != NULL ? h->failures : 0));
	json_object_set_new(o, "health_checks",
	    json_integer(h != NULL ? h->checks : 0));
	json_object_set_new(o, "health_restarts",
	    json_integer(h != NULL ? h->restarts : 0));
	/* json_string() refuses bytes that are not UTF-8 (a log line) */
	if (json_object_set_new(o, "health_last",
	    json_string(h != NULL ? h->last : "")) == -1)
		json_object_del(o, "health_last");
	json_object_set_new(o, "health_latency_ms",
	    json_integer(h != NULL ? (json_int_t)(h->latency * 1000) : 0));
}
