/*
 * test_proc_state.c — the state machine of daemon/proc_state.c, driven by
 * a fake clock and fake children: every transition of docs/supervisord.md
 * §2.3, the bus events it publishes and the main-log lines it writes.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bus.h"
#include "log.h"
#include "proc.h"
#include "sthenod.h"
#include "xmalloc.h"

/* --- the fake system ---------------------------------------------------- */
static double now;
static pid_t next_pid;
static const char *spawn_fails;		/* spawnerr to return, or NULL */
static int kill_errno;			/* errno for kill(), or 0 */
static pid_t kills_pid[16];
static int kills_sig[16];
static int nkills;
static double armed = -1;		/* seconds of the last arm, -1 none */

static double fake_mono(void) { return now; }
static time_t fake_wall(void) { return 1700000000 + (time_t)now; }

static int
fake_spawn(struct proc *p, char **err)
{
	if (spawn_fails != NULL) {
		*err = xstrdup(spawn_fails);
		return -1;
	}
	p->pid = ++next_pid;
	return 0;
}

static int
fake_kill(pid_t pid, int sig)
{
	if (nkills < 16) {
		kills_pid[nkills] = pid;
		kills_sig[nkills] = sig;
		nkills++;
	}
	if (kill_errno != 0) {
		errno = kill_errno;
		return -1;
	}
	return 0;
}

static void fake_arm(struct proc *p, double secs) { armed = secs; }
static void fake_disarm(struct proc *p) { armed = -1; }

static const struct proc_sys fake_sys = {
	fake_mono, fake_wall, fake_spawn, fake_kill, fake_arm, fake_disarm,
};

/* --- recorded events ----------------------------------------------------- */
static char events[64][160];
static int nevents;

static void
on_event(const struct sth_event *ev, void *arg)
{
	size_t len;
	const char *pl = bus_event_payload(ev, &len);

	if (nevents < 64)
		snprintf(events[nevents++], sizeof events[0], "%s %.*s",
		    bus_event_name(ev), (int)len, pl);
}

static struct sth_sub *sub;
static char logpath[] = "/tmp/test_proc_state.XXXXXX";

static void
setup(void)
{
	int fd;
	char *err = NULL;

	proc_sys = &fake_sys;
	now = 100;
	next_pid = 1000;
	spawn_fails = NULL;
	kill_errno = 0;
	nkills = 0;
	nevents = 0;
	armed = -1;
	sth.state = STH_STATE_RUNNING;
	sub = bus_subscribe(NULL, "PROCESS_STATE", on_event, NULL);
	memcpy(logpath, "/tmp/test_proc_state.XXXXXX", sizeof logpath);
	fd = mkstemp(logpath);
	cr_assert(fd != -1);
	close(fd);
	cr_assert(log_open(logpath, 0, 0, STH_LOG_INFO, 0, &err) == 0,
	    "log_open: %s", err);
}

static void
teardown(void)
{
	bus_unsubscribe(sub);
	log_close();
	unlink(logpath);
	proc_sys = &proc_sys_real;
}

static struct proc_config *
mkcfg(const char *name)
{
	struct proc_config *pc = xcalloc(1, sizeof *pc);
	static int zero = 0;

	pc->name = xstrdup(name);
	pc->program = xstrdup(name);
	pc->command = xstrdup("/bin/true");
	pc->priority = 999;
	pc->autostart = 1;
	pc->startsecs = 1;
	pc->startretries = 3;
	pc->autorestart = PROC_AUTORESTART_UNEXPECTED;
	pc->exitcodes.codes = xmalloc(sizeof(int));
	pc->exitcodes.codes[0] = zero;
	pc->exitcodes.n = 1;
	pc->stopsignal = SIGTERM;
	pc->stopwaitsecs = 10;
	pc->umask = -1;
	return pc;
}

static void
freeproc(struct proc *p)
{
	struct proc_config *pc = p->cfg;

	proc_free(p);
	free(pc->exitcodes.codes);
	pc->exitcodes.codes = NULL;
	proc_config_free(pc);
}

static char *
readlog(void)
{
	FILE *f = fopen(logpath, "r");
	static char buf[16384];
	size_t n;

	cr_assert(f != NULL);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
assert_logged(const char *line)
{
	char *log = readlog();

	cr_assert(strstr(log, line) != NULL, "log lacks [%s]; log:\n%s",
	    line, log);
}

/* The timer ran out: it is no longer armed, then the machine runs. */
static void
fire(struct proc *p)
{
	armed = -1;
	proc_timer_fire(p);
}

static int
exited(int code)
{
	return code << 8;
}

static int
killed(int sig)
{
	return sig;
}

TestSuite(proc_state, .init = setup, .fini = teardown);

Test(proc_state, start_then_running_after_startsecs)
{
	struct proc *p = proc_new(mkcfg("web"), NULL);

	proc_spawn(p);
	cr_assert_eq(p->state, PROC_STARTING);
	cr_assert_eq(p->pid, 1001);
	cr_assert_float_eq(armed, 1.0, 0.01, "startsecs timer armed: %f",
	    armed);
	cr_assert_str_eq(events[0], "PROCESS_STATE_STARTING processname:web "
	    "groupname:web from_state:STOPPED tries:0");
	now += 1.01;
	fire(p);
	cr_assert_eq(p->state, PROC_RUNNING);
	cr_assert_str_eq(events[1], "PROCESS_STATE_RUNNING processname:web "
	    "groupname:web from_state:STARTING pid:1001");
	cr_assert_eq(armed, -1, "no timer while RUNNING");
	assert_logged("INFO spawned: 'web' with pid 1001\n");
	assert_logged("INFO success: web entered RUNNING state, process has "
	    "stayed up for > than 1 seconds (startsecs)\n");
	freeproc(p);
}

Test(proc_state, startsecs_zero_is_running_at_once)
{
	struct proc *p = proc_new(mkcfg("z"), NULL);

	p->cfg->startsecs = 0;
	proc_spawn(p);
	cr_assert_eq(p->state, PROC_RUNNING);
	cr_assert_eq(nevents, 2);
	freeproc(p);
}

Test(proc_state, spawn_error_backs_off_then_fatal)
{
	struct proc *p = proc_new(mkcfg("bad"), NULL);
	double waits[3];
	int i;

	p->cfg->startretries = 2;
	spawn_fails = "can't find command '/nope'";
	proc_spawn(p);
	cr_assert_eq(p->state, PROC_BACKOFF);
	cr_assert_str_eq(p->spawnerr, "can't find command '/nope'");
	for (i = 0; i < 2; i++) {
		waits[i] = armed;
		now += armed;
		fire(p);
	}
	waits[2] = armed;
	cr_assert_eq(p->state, PROC_FATAL);
	cr_assert_float_eq(waits[0], 1.0, 0.01);
	cr_assert_float_eq(waits[1], 2.0, 0.01);
	cr_assert_eq(waits[2], -1, "no timer once FATAL");
	cr_assert_eq(nevents, 7);
	cr_assert_str_eq(events[0], "PROCESS_STATE_STARTING processname:bad "
	    "groupname:bad from_state:STOPPED tries:0");
	cr_assert_str_eq(events[1], "PROCESS_STATE_BACKOFF processname:bad "
	    "groupname:bad from_state:STARTING tries:1");
	cr_assert_str_eq(events[2], "PROCESS_STATE_STARTING processname:bad "
	    "groupname:bad from_state:BACKOFF tries:1");
	cr_assert_str_eq(events[5], "PROCESS_STATE_BACKOFF processname:bad "
	    "groupname:bad from_state:STARTING tries:3");
	cr_assert_str_eq(events[6], "PROCESS_STATE_FATAL processname:bad "
	    "groupname:bad from_state:BACKOFF");
	cr_assert_eq(p->backoff, 0);
	assert_logged("INFO spawnerr: can't find command '/nope'\n");
	assert_logged("INFO gave up: bad entered FATAL state, too many start "
	    "retries too quickly\n");
	freeproc(p);
}

Test(proc_state, exit_too_quickly_is_backoff)
{
	struct proc *p = proc_new(mkcfg("quick"), NULL);

	p->cfg->startsecs = 5;
	proc_spawn(p);
	now += 0.5;
	proc_finish(p, exited(0));
	cr_assert_eq(p->state, PROC_BACKOFF);
	cr_assert_eq(p->pid, 0);
	cr_assert_eq(p->exitstatus, 0);
	cr_assert_str_eq(p->spawnerr, "Exited too quickly (process log may "
	    "have details)");
	cr_assert_float_eq(armed, 1.0, 0.01);
	assert_logged("WARN exited: quick (exit status 0; not expected)\n");
	freeproc(p);
}

Test(proc_state, expected_exit_is_exited_and_not_restarted)
{
	struct proc *p = proc_new(mkcfg("job"), NULL);

	proc_spawn(p);
	now += 2;
	fire(p);
	now += 3;
	proc_finish(p, exited(0));
	cr_assert_eq(p->state, PROC_EXITED);
	cr_assert_eq(p->exitstatus, 0);
	cr_assert_str_eq(events[nevents - 1], "PROCESS_STATE_EXITED "
	    "processname:job groupname:job from_state:RUNNING expected:1 "
	    "pid:1001");
	assert_logged("INFO exited: job (exit status 0; expected)\n");
	cr_assert_eq(p->stop, 1700000000 + 105);
	freeproc(p);
}

Test(proc_state, unexpected_exit_restarts_with_unexpected)
{
	struct proc *p = proc_new(mkcfg("job"), NULL);

	proc_spawn(p);
	now += 2;
	fire(p);
	proc_finish(p, exited(3));
	cr_assert_eq(p->state, PROC_STARTING, "restarted at once");
	cr_assert_eq(p->pid, 1002);
	cr_assert_str_eq(events[2], "PROCESS_STATE_EXITED processname:job "
	    "groupname:job from_state:RUNNING expected:0 pid:1001");
	assert_logged("WARN exited: job (exit status 3; not expected)\n");
	freeproc(p);
}

Test(proc_state, bad_exit_code_spawnerr_when_not_restarted)
{
	struct proc *p = proc_new(mkcfg("job"), NULL);

	p->cfg->autorestart = PROC_AUTORESTART_NEVER;
	proc_spawn(p);
	now += 2;
	fire(p);
	proc_finish(p, exited(3));
	cr_assert_eq(p->state, PROC_EXITED);
	cr_assert_eq(p->exitstatus, 3);
	cr_assert_str_eq(p->spawnerr, "Bad exit code 3");
	freeproc(p);
}

Test(proc_state, autorestart_true_restarts_expected_exit)
{
	struct proc *p = proc_new(mkcfg("loop"), NULL);

	p->cfg->autorestart = PROC_AUTORESTART_ALWAYS;
	proc_spawn(p);
	now += 2;
	fire(p);
	proc_finish(p, exited(0));
	cr_assert_eq(p->state, PROC_STARTING);
	freeproc(p);
}

Test(proc_state, no_restart_while_shutting_down)
{
	struct proc *p = proc_new(mkcfg("loop"), NULL);

	p->cfg->autorestart = PROC_AUTORESTART_ALWAYS;
	proc_spawn(p);
	now += 2;
	fire(p);
	sth.state = STH_STATE_SHUTDOWN;
	proc_finish(p, exited(0));
	cr_assert_eq(p->state, PROC_EXITED);
	freeproc(p);
}

Test(proc_state, exit_after_startsecs_before_timer_runs_is_exited)
{
	struct proc *p = proc_new(mkcfg("edge"), NULL);

	p->cfg->autorestart = PROC_AUTORESTART_NEVER;
	proc_spawn(p);
	now += 1.5;		/* the timer has not run yet */
	proc_finish(p, exited(0));
	cr_assert_eq(p->state, PROC_EXITED);
	cr_assert(strstr(events[1], "PROCESS_STATE_RUNNING") == events[1]);
	cr_assert(strstr(events[2], "PROCESS_STATE_EXITED") == events[2]);
	freeproc(p);
}

Test(proc_state, stop_sends_stopsignal_then_stopped)
{
	struct proc *p = proc_new(mkcfg("srv"), NULL);

	proc_spawn(p);
	now += 2;
	fire(p);
	cr_assert_eq(proc_stop(p), 0);
	cr_assert_eq(p->state, PROC_STOPPING);
	cr_assert_eq(nkills, 1);
	cr_assert_eq(kills_pid[0], 1001);
	cr_assert_eq(kills_sig[0], SIGTERM);
	cr_assert_float_eq(armed, 10.0, 0.01, "stopwaitsecs armed");
	cr_assert_str_eq(events[2], "PROCESS_STATE_STOPPING processname:srv "
	    "groupname:srv from_state:RUNNING pid:1001");
	proc_finish(p, killed(SIGTERM));
	cr_assert_eq(p->state, PROC_STOPPED);
	cr_assert_eq(p->exitstatus, -1);
	cr_assert_eq(armed, -1);
	cr_assert_str_eq(events[3], "PROCESS_STATE_STOPPED processname:srv "
	    "groupname:srv from_state:STOPPING pid:1001");
	/* -1 is not in exitcodes: WARN, as supervisord */
	assert_logged("WARN stopped: srv (terminated by SIGTERM)\n");
	freeproc(p);
}

Test(proc_state, stop_expected_exit_logs_info)
{
	struct proc *p = proc_new(mkcfg("srv"), NULL);

	proc_spawn(p);
	proc_stop(p);
	proc_finish(p, exited(0));
	assert_logged("INFO stopped: srv (exit status 0)\n");
	freeproc(p);
}

Test(proc_state, stopwaitsecs_then_sigkill_repeated)
{
	struct proc *p = proc_new(mkcfg("stubborn"), NULL);

	p->cfg->stopwaitsecs = 2;
	proc_spawn(p);
	proc_stop(p);
	now += 2;
	fire(p);
	cr_assert_eq(nkills, 2);
	cr_assert_eq(kills_sig[1], SIGKILL);
	cr_assert_eq(kills_pid[1], 1001, "not the group by default");
	cr_assert_float_eq(armed, 2.0, 0.01, "re-armed");
	now += 2;
	fire(p);
	cr_assert_eq(nkills, 3);
	cr_assert_eq(kills_sig[2], SIGKILL);
	cr_assert_eq(p->state, PROC_STOPPING);
	assert_logged("WARN killing 'stubborn' (1001) with SIGKILL\n");
	proc_finish(p, killed(SIGKILL));
	cr_assert_eq(p->state, PROC_STOPPED);
	freeproc(p);
}

Test(proc_state, stopasgroup_and_killasgroup_signal_the_group)
{
	struct proc *p = proc_new(mkcfg("grp"), NULL);

	p->cfg->stopasgroup = 1;
	p->cfg->killasgroup = 1;
	proc_spawn(p);
	proc_stop(p);
	now += 10;
	fire(p);
	cr_assert_eq(kills_pid[0], -1001);
	cr_assert_eq(kills_pid[1], -1001);
	freeproc(p);
}

Test(proc_state, killasgroup_only_for_sigkill)
{
	struct proc *p = proc_new(mkcfg("grp"), NULL);

	p->cfg->killasgroup = 1;
	proc_spawn(p);
	proc_stop(p);
	now += 10;
	fire(p);
	cr_assert_eq(kills_pid[0], 1001);
	cr_assert_eq(kills_pid[1], -1001);
	freeproc(p);
}

Test(proc_state, stop_in_backoff_is_stopped_without_signal)
{
	struct proc *p = proc_new(mkcfg("b"), NULL);

	spawn_fails = "can't find command 'b'";
	proc_spawn(p);
	cr_assert_eq(p->state, PROC_BACKOFF);
	cr_assert_eq(proc_stop(p), 0);
	cr_assert_eq(p->state, PROC_STOPPED);
	cr_assert_eq(nkills, 0);
	cr_assert_eq(armed, -1, "the retry timer is gone");
	/* the backoff count carries over to the next start */
	spawn_fails = NULL;
	proc_spawn(p);
	cr_assert_str_eq(events[nevents - 1], "PROCESS_STATE_STARTING "
	    "processname:b groupname:b from_state:STOPPED tries:1");
	freeproc(p);
}

Test(proc_state, stop_when_not_running_fails)
{
	struct proc *p = proc_new(mkcfg("idle"), NULL);

	cr_assert_eq(proc_stop(p), -1);
	cr_assert_eq(p->state, PROC_STOPPED);
	cr_assert_eq(nevents, 0);
	freeproc(p);
}

Test(proc_state, kill_esrch_waits_for_reap)
{
	struct proc *p = proc_new(mkcfg("gone"), NULL);

	proc_spawn(p);
	kill_errno = ESRCH;
	cr_assert_eq(proc_stop(p), 0);
	cr_assert_eq(p->state, PROC_STOPPING);
	freeproc(p);
}

Test(proc_state, kill_other_error_is_unknown)
{
	struct proc *p = proc_new(mkcfg("odd"), NULL);

	proc_spawn(p);
	kill_errno = EPERM;
	cr_assert_eq(proc_stop(p), -1);
	cr_assert_eq(p->state, PROC_UNKNOWN);
	cr_assert_str_eq(events[nevents - 1], "PROCESS_STATE_UNKNOWN "
	    "processname:odd groupname:odd from_state:STOPPING");
	freeproc(p);
}

Test(proc_state, backoff_timer_does_not_spawn_during_shutdown)
{
	struct proc *p = proc_new(mkcfg("b"), NULL);

	spawn_fails = "x";
	proc_spawn(p);
	sth.state = STH_STATE_SHUTDOWN;
	now += 5;
	fire(p);
	cr_assert_eq(p->state, PROC_BACKOFF);
	proc_give_up(p);
	cr_assert_eq(p->state, PROC_FATAL);
	freeproc(p);
}

Test(proc_state, signal_does_not_change_state)
{
	struct proc *p = proc_new(mkcfg("hup"), NULL);

	cr_assert_eq(proc_signal(p, SIGHUP), -1);
	proc_spawn(p);
	cr_assert_eq(proc_signal(p, SIGHUP), 0);
	cr_assert_eq(kills_pid[0], 1001);
	cr_assert_eq(kills_sig[0], SIGHUP);
	cr_assert_eq(p->state, PROC_STARTING);
	freeproc(p);
}

Test(proc_state, decode_status)
{
	char buf[64];
	int es;

	proc_decode_status(exited(2), &es, buf, sizeof buf);
	cr_assert_str_eq(buf, "exit status 2");
	cr_assert_eq(es, 2);
	proc_decode_status(killed(SIGKILL), &es, buf, sizeof buf);
	cr_assert_str_eq(buf, "terminated by SIGKILL");
	cr_assert_eq(es, -1);
	proc_decode_status(killed(SIGSEGV) | 0x80, &es, buf, sizeof buf);
	cr_assert_str_eq(buf, "terminated by SIGSEGV (core dumped)");
}

Test(proc_state, state_names_and_sets)
{
	cr_assert_str_eq(proc_state_name(PROC_BACKOFF), "BACKOFF");
	cr_assert_str_eq(proc_state_name(PROC_UNKNOWN), "UNKNOWN");
	cr_assert(proc_state_stopped(PROC_EXITED));
	cr_assert(proc_state_stopped(PROC_FATAL));
	cr_assert(!proc_state_stopped(PROC_STOPPING));
	cr_assert(proc_state_running(PROC_BACKOFF));
	cr_assert(!proc_state_running(PROC_STOPPING));
}
