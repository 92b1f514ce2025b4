/*
 * proc_state.c — supervisord's process state machine (docs/supervisord.md
 * §2.3), every transition and its exact main-log line (§B).
 * Time-based transitions run from one per-process timer, armed only while the
 * process waits for startsecs, a backoff delay or stopwaitsecs.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"
#include "sthenod.h"
#include "xmalloc.h"

void (*proc_state_hook)(struct proc *p, enum proc_state from);

static const struct {
	enum proc_state state;
	const char *name;
} state_names[] = {
	{ PROC_STOPPED, "STOPPED" },
	{ PROC_STARTING, "STARTING" },
	{ PROC_RUNNING, "RUNNING" },
	{ PROC_BACKOFF, "BACKOFF" },
	{ PROC_STOPPING, "STOPPING" },
	{ PROC_EXITED, "EXITED" },
	{ PROC_FATAL, "FATAL" },
	{ PROC_UNKNOWN, "UNKNOWN" },
};

const char *
proc_state_name(enum proc_state s)
{
	size_t i;

	for (i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
		if (state_names[i].state == s)
			return state_names[i].name;
	fatalx("bad process state %d", (int)s);
}

int
proc_state_stopped(enum proc_state s)
{
	return s == PROC_STOPPED || s == PROC_EXITED || s == PROC_FATAL ||
	    s == PROC_UNKNOWN;
}

int
proc_state_running(enum proc_state s)
{
	return s == PROC_RUNNING || s == PROC_BACKOFF || s == PROC_STARTING;
}

/* --- the real system ---------------------------------------------------- */

static double
real_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static time_t
real_wall(void)
{
	return time(NULL);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;

	p->timer_armed = 0;
	proc_timer_fire(p);
}

static void
real_arm(struct proc *p, double secs)
{
	struct timeval tv;

	if (p->timer == NULL) {
		if (sth.base == NULL)
			fatalx("process timer without an event base");
		p->timer = evtimer_new(sth.base, timer_cb, p);
	}
	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	evtimer_add(p->timer, &tv);
	p->timer_armed = 1;
}

static void
real_disarm(struct proc *p)
{
	if (p->timer != NULL)
		evtimer_del(p->timer);
	p->timer_armed = 0;
}

const struct proc_sys proc_sys_real = {
	real_mono, real_wall, proc_spawn_real, kill, real_arm, real_disarm,
};
const struct proc_sys *proc_sys = &proc_sys_real;

static void
arm(struct proc *p, double secs)
{
	p->deadline = proc_sys->mono() + secs;
	proc_sys->arm(p, secs);
	p->timer_armed = 1;
}

static void
disarm(struct proc *p)
{
	if (p->timer_armed)
		proc_sys->disarm(p);
	p->timer_armed = 0;
}

/* --- state changes ------------------------------------------------------ */

/*
 * Hooks (shutdown, RPC waiters) run once the outermost operation on a
 * process has finished and logged, never in the middle of one.
 */
static int depth;

struct pending {
	struct proc *p;
	enum proc_state from;
};
static struct pending *pend;
static size_t npend, pendcap;

static void
op_begin(void)
{
	depth++;
}

static void
op_end(void)
{
	struct pending *list;
	size_t n, i;

	if (--depth > 0 || npend == 0)
		return;
	list = pend;
	n = npend;
	pend = NULL;
	npend = pendcap = 0;
	for (i = 0; i < n; i++)
		proctable_state_changed(list[i].p, list[i].from);
	free(list);
}

static void
change_state(struct proc *p, enum proc_state to, int expected)
{
	enum proc_state from = p->state;
	size_t i;

	if (to == from)
		return;
	p->state = to;
	if (to == PROC_BACKOFF)
		p->backoff++;
	proc_event_state(p, from, expected);
	for (i = 0; i < npend; i++)
		if (pend[i].p == p)
			return;
	if (npend == pendcap) {
		pendcap = pendcap ? pendcap * 2 : 8;
		pend = xreallocarray(pend, pendcap, sizeof *pend);
	}
	pend[npend].p = p;
	pend[npend].from = from;
	npend++;
}

/* Forget a process that is being freed. */
static void
forget(struct proc *p)
{
	size_t i;

	for (i = 0; i < npend; i++)
		if (pend[i].p == p) {
			memmove(pend + i, pend + i + 1,
			    (npend - i - 1) * sizeof *pend);
			npend--;
			return;
		}
}

static void
set_spawnerr(struct proc *p, const char *msg)
{
	free(p->spawnerr);
	p->spawnerr = msg != NULL ? xstrdup(msg) : NULL;
}

/* After entering BACKOFF: give up, or wait for the next try. */
static void
backoff_settle(struct proc *p)
{
	if (p->state != PROC_BACKOFF)
		return;
	if (p->backoff > p->cfg->startretries) {
		proc_give_up(p);
		log_info("gave up: %s entered FATAL state, too many start "
		    "retries too quickly", p->cfg->name);
		return;
	}
	/* "now > delay": strictly after backoff seconds (maxbackoff=, of
	 * supervisor PR #1529, caps the ladder: with a large startretries
	 * a program is retried every maxbackoff seconds, never given up) */
	arm(p, (p->cfg->maxbackoff > 0 && p->backoff > p->cfg->maxbackoff ?
	    p->cfg->maxbackoff : p->backoff) + 0.001);
}

static void
to_running(struct proc *p)
{
	disarm(p);
	p->backoff = 0;
	change_state(p, PROC_RUNNING, 1);
	log_info("success: %s entered RUNNING state, process has stayed up "
	    "for > than %ld seconds (startsecs)", p->cfg->name,
	    p->cfg->startsecs);
}

struct proc *
proc_new(struct proc_config *cfg, struct proc_group *g)
{
	struct proc *p;

	p = xcalloc(1, sizeof *p);
	p->cfg = cfg;
	p->group = g;
	p->state = PROC_STOPPED;
	p->stdin_fd = -1;
	TAILQ_INIT(&p->rpc_waiters);
	return p;
}

void
proc_free(struct proc *p)
{
	if (p == NULL)
		return;
	disarm(p);
	forget(p);
	proc_rpc_forget(p);
	proc_fcgi_release(p);
	proc_health_free(p);
	if (p->timer != NULL)
		event_free(p->timer);
	proc_io_drain_close(p);
	proc_io_close_logs(p);
	proc_command_drop(p);
	free(p->spawnerr);
	free(p->inbuf);
	free(p);
}

void
proc_spawn(struct proc *p)
{
	char *err = NULL;

	if (p->pid != 0) {
		log_warn("process '%s' already running", p->cfg->name);
		return;
	}
	if (p->state != PROC_STOPPED && p->state != PROC_EXITED &&
	    p->state != PROC_FATAL && p->state != PROC_BACKOFF)
		fatalx("spawn of %s in state %s", p->cfg->name,
		    proc_state_name(p->state));
	op_begin();
	disarm(p);
	p->dep_wait = 0;	/* a start asked for is not held */
	p->killing = 0;
	p->admin_stop = 0;
	p->exitstatus = 0;
	set_spawnerr(p, NULL);
	p->start = proc_sys->wall();
	p->start_mono = proc_sys->mono();
	change_state(p, PROC_STARTING, 1);

	if (proc_sys->spawn(p, &err) == -1) {
		set_spawnerr(p, err);
		log_info("spawnerr: %s", err);
		free(err);
		change_state(p, PROC_BACKOFF, 1);
		backoff_settle(p);
		op_end();
		return;
	}
	log_info("spawned: '%s' with pid %ld", p->cfg->name, (long)p->pid);
	if (p->cfg->startsecs <= 0)
		to_running(p);
	else
		arm(p, p->cfg->startsecs + 0.001);
	op_end();
}

void
proc_give_up(struct proc *p)
{
	if (p->state != PROC_BACKOFF)
		fatalx("give_up of %s in state %s", p->cfg->name,
		    proc_state_name(p->state));
	op_begin();
	disarm(p);
	p->backoff = 0;
	change_state(p, PROC_FATAL, 1);
	op_end();
}

/* kill() of process.py: a signal meant to make the process exit. */
static int
proc_kill(struct proc *p, int sig)
{
	int asgroup;
	pid_t target;

	if (p->state == PROC_BACKOFF) {
		log_debug("Attempted to kill %s, which is in BACKOFF state.",
		    p->cfg->name);
		disarm(p);
		change_state(p, PROC_STOPPED, 1);
		return 0;
	}
	if (p->pid == 0) {
		log_debug("attempted to kill %s with sig %s but it wasn't "
		    "running", p->cfg->name, proc_signame(sig));
		return -1;
	}
	asgroup = p->state == PROC_STOPPING ? p->cfg->killasgroup :
	    p->cfg->stopasgroup;
	log_debug("killing %s (pid %ld) %swith signal %s", p->cfg->name,
	    (long)p->pid, asgroup ? "process group " : "", proc_signame(sig));
	if (p->state != PROC_RUNNING && p->state != PROC_STARTING &&
	    p->state != PROC_STOPPING)
		fatalx("kill of %s in state %s", p->cfg->name,
		    proc_state_name(p->state));
	p->killing = 1;
	arm(p, p->cfg->stopwaitsecs);
	change_state(p, PROC_STOPPING, 1);
	target = asgroup ? -p->pid : p->pid;
	if (proc_sys->kill(target, sig) == -1) {
		if (errno == ESRCH) {
			log_debug("unable to signal %s (pid %ld), it probably "
			    "just exited on its own: %s", p->cfg->name,
			    (long)p->pid, strerror(errno));
			return 0;
		}
		log_crit("unknown problem killing %s (%ld):%s", p->cfg->name,
		    (long)p->pid, strerror(errno));
		disarm(p);
		change_state(p, PROC_UNKNOWN, 1);
		p->killing = 0;
		return -1;
	}
	return 0;
}

int
proc_stop(struct proc *p)
{
	int rc;

	op_begin();
	p->admin_stop = 1;
	rc = proc_kill(p, p->cfg->stopsignal);
	op_end();
	return rc;
}

int
proc_signal(struct proc *p, int sig)
{
	int rc = 0;

	if (p->pid == 0) {
		log_debug("attempted to send %s sig %s but it wasn't running",
		    p->cfg->name, proc_signame(sig));
		return -1;
	}
	log_debug("sending %s (pid %ld) sig %s", p->cfg->name, (long)p->pid,
	    proc_signame(sig));
	op_begin();
	if (proc_sys->kill(p->pid, sig) == -1) {
		if (errno == ESRCH)
			log_debug("unable to signal %s (pid %ld), it probably "
			    "just now exited on its own: %s", p->cfg->name,
			    (long)p->pid, strerror(errno));
		else {
			log_crit("unknown problem sending sig %s (%ld):%s",
			    p->cfg->name, (long)p->pid, strerror(errno));
			disarm(p);
			change_state(p, PROC_UNKNOWN, 1);
			rc = -1;
		}
	}
	op_end();
	return rc;
}

int
proc_exit_expected(const struct proc_config *pc, int es)
{
	size_t i;

	for (i = 0; i < pc->exitcodes.n; i++)
		if (pc->exitcodes.codes[i] == es)
			return 1;
	return 0;
}

void
proc_finish(struct proc *p, int st)
{
	char msg[128];
	char buf[64];
	int es, expected, quick;

	op_begin();
	/* every byte the child wrote reaches its logs, then they close */
	proc_io_drain_close(p);
	proc_io_close_logs(p);
	disarm(p);
	proc_decode_status(st, &es, msg, sizeof msg);
	p->stop = proc_sys->wall();
	quick = proc_sys->mono() - p->start_mono < p->cfg->startsecs;
	expected = proc_exit_expected(p->cfg, es);

	if (p->killing) {
		p->killing = 0;
		p->exitstatus = es;
		change_state(p, PROC_STOPPED, 1);
		if (expected)
			log_info("stopped: %s (%s)", p->cfg->name, msg);
		else
			log_warn("stopped: %s (%s)", p->cfg->name, msg);
	} else if (quick && p->state == PROC_STARTING) {
		p->exitstatus = 0;
		set_spawnerr(p, "Exited too quickly (process log may have "
		    "details)");
		change_state(p, PROC_BACKOFF, 1);
		log_warn("exited: %s (%s; not expected)", p->cfg->name, msg);
	} else {
		p->backoff = 0;
		p->exitstatus = es;
		if (p->state == PROC_STARTING)
			change_state(p, PROC_RUNNING, 1);
		if (expected) {
			change_state(p, PROC_EXITED, 1);
			log_info("exited: %s (%s; expected)", p->cfg->name,
			    msg);
		} else {
			snprintf(buf, sizeof buf, "Bad exit code %d", es);
			set_spawnerr(p, buf);
			change_state(p, PROC_EXITED, 0);
			log_warn("exited: %s (%s; not expected)", p->cfg->name,
			    msg);
		}
	}
	p->pid = 0;
	proc_fcgi_release(p);

	if (p->state == PROC_BACKOFF)
		backoff_settle(p);
	else if (p->state == PROC_EXITED && !proctable_stopping()) {
		if (p->cfg->autorestart == PROC_AUTORESTART_ALWAYS ||
		    (p->cfg->autorestart == PROC_AUTORESTART_UNEXPECTED &&
		    !proc_exit_expected(p->cfg, p->exitstatus)))
			proc_spawn(p);
	}
	op_end();
}

void
proc_timer_fire(struct proc *p)
{
	op_begin();
	p->timer_armed = 0;
	switch (p->state) {
	case PROC_STARTING:
		to_running(p);
		break;
	case PROC_BACKOFF:
		if (!proctable_stopping() &&
		    p->backoff <= p->cfg->startretries)
			proc_spawn(p);
		break;
	case PROC_STOPPING:
		log_warn("killing '%s' (%ld) with SIGKILL", p->cfg->name,
		    (long)p->pid);
		proc_kill(p, SIGKILL);
		break;
	default:
		break;
	}
	op_end();
}

const char *
proc_signame(int sig)
{
	static char buf[32];
	const char *n;

	if ((n = sigabbrev_np(sig)) != NULL) {
		snprintf(buf, sizeof buf, "SIG%s", n);
		return buf;
	}
	snprintf(buf, sizeof buf, "signal %d", sig);
	return buf;
}

void
proc_decode_status(int st, int *es, char *buf, size_t len)
{
	if (WIFEXITED(st)) {
		*es = WEXITSTATUS(st);
		snprintf(buf, len, "exit status %d", *es);
	} else if (WIFSIGNALED(st)) {
		*es = -1;
		snprintf(buf, len, "terminated by %s%s",
		    proc_signame(WTERMSIG(st)),
		    WCOREDUMP(st) ? " (core dumped)" : "");
	} else {
		*es = -1;
		snprintf(buf, len, "unknown termination cause 0x%04x", st);
	}
}
