/*
 * main.c — sthenod's entry point: the startup order of docs/supervisord.md §8,
 * the loop, and what each signal does.  The process table (proc.h) and the
 * plugin loader (loader.h) are called from the places marked "process table"
 * and "plugins" below.
 *
 * Startup: command line and config (error: exit 2) -> privileges -> rlimits
 * -> main log (+ the config reader's queued messages) -> plugins -> signals
 * -> daemonize unless nodaemon -> pidfile, "supervisord started with pid N"
 * -> process table -> loop.  Nothing here wakes without a reason: the loop
 * has signal events and whatever plugins and processes arm, no tick.
 */
#include "config.h"

#include <sys/prctl.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "core_rpc.h"
#include "daemonize.h"
#include "ini.h"
#include "loader.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "proc.h"
#include "readbuf.h"
#include "rpc.h"
#include "signals.h"
#include "sthenod.h"
#include "xmalloc.h"

/* etc/stheno.conf as a C string (built from it, daemon/Makefile.inc). */
#include "daemon/sample_conf.h"

static struct {
	const char *prog;	/* basename of argv[0], for "For help" */
	struct sth_cli cli;
	char *configfile;	/* as given or found; re-read on SIGHUP */
	struct sth_options opts;
	int to_stdout;		/* first run: nodaemon and not silent */
	char *pidfile;		/* the one we wrote, to unlink at exit */
	int exit_code;
	int in_loop;		/* inside event_base_dispatch */
} m;

static void
main_usage_error(const char *msg)
{
	fprintf(stderr, "Error: %s\nFor help, use %s -h\n", msg, m.prog);
	exit(2);
}

static void
main_pidfile_remove(void)
{
	if (m.pidfile == NULL)
		return;
	if (unlink(m.pidfile) == -1 && errno != ENOENT)
		log_errno(STH_LOG_WARN, "could not remove pidfile %s",
		    m.pidfile);
	free(m.pidfile);
	m.pidfile = NULL;
}

static void
main_pidfile_write(void)
{
	main_pidfile_remove();
	if (pidfile_write(m.opts.pidfile, sth.pid) == 0)
		m.pidfile = xstrdup(m.opts.pidfile);
}

/*
 * The process table's groups are only checked here, before the daemon
 * detaches, so that a bad [program:x] is still "Error: ..." and exit 2 on
 * the terminal that started sthenod.  They are read as proctable_start()
 * would read them (doc, opts and vars in force for the time of the read)
 * and handed over, so that a start parses them once.
 */
static int
main_check_programs(struct ini_doc *doc, struct sth_options *opts,
		    json_t *vars, char **err)
{
	struct ini_doc *old_ini = sth.ini;
	struct sth_options *old_opts = sth.opts;
	json_t *old_vars = sth.env_vars;
	struct proc_globals g;
	struct group_config **gcs = NULL;
	size_t n = 0;
	int rc;

	sth.ini = doc;
	sth.opts = opts;
	sth.env_vars = vars;
	*err = NULL;
	if ((rc = proc_globals_read(doc, &g, err)) == 0) {
		gcs = proc_configs_read(doc, &g, &n, err);
		proc_globals_release(&g);
		if (gcs == NULL && *err != NULL)
			rc = -1;
	}
	sth.ini = old_ini;
	sth.opts = old_opts;
	sth.env_vars = old_vars;
	if (rc == 0)
		proctable_preset(doc, gcs, n);
	return rc;
}

/* Read the config named by the command line (or found) into sth. */
static int
main_load_config(char **err)
{
	struct sth_options opts;
	struct ini_doc *doc;
	json_t *vars;

	if (options_load(&opts, m.configfile, &m.cli, &doc, &vars, err) == -1)
		return -1;
	if (main_check_programs(doc, &opts, vars, err) == -1) {
		options_free(&opts);
		ini_free(doc);
		json_decref(vars);
		return -1;
	}
	options_free(&m.opts);
	m.opts = opts;
	sth.opts = &m.opts;
	if (sth.ini != NULL)
		ini_free(sth.ini);
	sth.ini = doc;
	if (sth.env_vars != NULL)
		json_decref(sth.env_vars);
	sth.env_vars = vars;
	return 0;
}

/*
 * The event base.  On epoll, the changelist turns the adds and deletes a
 * descriptor goes through in one loop turn into at most one epoll_ctl:
 * a TLS handshake toggles its socket's events about ten times, a
 * bufferevent write adds and removes EPOLLOUT around every answer.
 * libevent's one condition, that no descriptor it watches is ever
 * dup()ed and then closed, holds: net.c hands descriptors on without
 * cloning them (net_bev_detach).
 */
static void
main_event_base(void)
{
	struct event_config *cfg;

	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	sth.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (sth.base == NULL ||
	    event_base_priority_init(sth.base, STH_NPRIO) == -1)
		fatalx("event_base_new failed");
}

static int
main_open_log(char **err)
{
	const char *msg;
	size_t i;
	int level;

	if (log_open(m.opts.logfile, m.opts.logfile_maxbytes,
	    (int)m.opts.logfile_backups, m.opts.loglevel, m.to_stdout,
	    err) == -1)
		return -1;
	for (i = 0; (msg = ini_message(sth.ini, i, &level)) != NULL; i++)
		log_msg(level, "%s", msg);
	return 0;
}

/*
 * A container's entrypoint is PID 1 of its PID namespace: every orphan in
 * it is reparented to us.  subreaper=true asks for the same below us
 * anywhere (prctl(2) PR_SET_CHILD_SUBREAPER; not inherited by the
 * daemonizing fork, so set after it, and again on each reload).  Either
 * way proctable_on_sigchld() reaps them (docs/stheno.conf.5.md).
 */
static void
main_set_reaper(void)
{
	int want = m.opts.subreaper;

	if (sth.pid == 1) {
		sth.reaper = 1;
		return;
	}
	if ((want || sth.reaper) &&
	    prctl(PR_SET_CHILD_SUBREAPER, want ? 1UL : 0UL, 0UL, 0UL,
	    0UL) == -1) {
		log_errno(STH_LOG_WARN, "cannot %s a child subreaper",
		    want ? "become" : "stop being");
		return;
	}
	sth.reaper = want;
}

/* Leave with everything we own released; used by every exit path. */
static void __attribute__((noreturn))
main_exit(int code)
{
	signals_fini();
	/* process table */
	proctable_free();
	/* plugins */
	plugins_shutdown();
	readbuf_spares_free();	/* after the plugins let go of theirs */
	main_pidfile_remove();
	log_close();
	if (sth.ini != NULL)
		ini_free(sth.ini);
	sth.ini = NULL;
	if (sth.env_vars != NULL)
		json_decref(sth.env_vars);
	sth.env_vars = NULL;
	options_free(&m.opts);
	cli_free(&m.cli);
	free(m.configfile);
	/* Never free the base from one of its own callbacks. */
	if (sth.base != NULL && !m.in_loop)
		event_base_free(sth.base);
	exit(code);
}

/*
 * The table is down after SIGTERM/SIGINT/SIGQUIT (or supervisor.shutdown):
 * leave the loop after a short grace, one timer at exit only, so that an
 * answer already queued (supervisor.shutdown's own) still reaches its
 * client before the plugins are unloaded.
 */
#define MAIN_EXIT_GRACE_USEC 100000
static void
main_stopped_for_exit(void)
{
	const struct timeval grace = { 0, MAIN_EXIT_GRACE_USEC };

	m.exit_code = 0;
	if (event_base_loopexit(sth.base, &grace) == -1)
		event_base_loopbreak(sth.base);
}

/*
 * The table is down after SIGHUP (or supervisor.restart): read everything
 * again in the same pid.  Always from the loop itself, never from inside
 * the caller of proctable_shutdown(), which may be an RPC handler of a
 * plugin that the reload unloads.
 */
static void
main_restart(evutil_socket_t fd, short what, void *arg)
{
	char *err = NULL;

	proctable_free();
	if (main_load_config(&err) == -1) {
		log_crit("%s", err);
		fprintf(stderr, "Error: %s\nFor help, use %s -h\n", err,
		    m.prog);
		free(err);
		main_exit(2);
	}
	log_close();
	if (main_open_log(&err) == -1) {
		fprintf(stderr, "Error: %s\n", err);
		free(err);
		main_exit(2);
	}
	/* plugins: sections gone are unloaded, new ones loaded */
	if (plugins_apply_config(sth.ini, 0, &err) == -1) {
		log_error("%s", err);
		free(err);
		err = NULL;
	}
	main_pidfile_write();
	main_set_reaper();
	sth.state = STH_STATE_RUNNING;
	log_info("supervisord started with pid %ld", (long)sth.pid);
	/* process table */
	if (proctable_start(sth.ini, &err) == -1) {
		log_crit("%s", err);
		free(err);
		main_exit(2);
	}
	notify_ready();
}

/* process table: stop every group, then done() (at once if there are none:
 * proctable_shutdown memcpy()s from a NULL table then, which UBSan
 * refuses). */
static void
main_stop_table(void (*done)(void))
{
	if (proctable_ngroups() == 0)
		done();
	else
		proctable_shutdown(done);
}

static void
main_stopped_for_restart(void)
{
	const struct timeval now = { 0, 0 };

	if (event_base_once(sth.base, -1, EV_TIMEOUT, main_restart, NULL,
	    &now) == -1)
		fatalx("event_base_once failed");
}

static void
main_on_exit(int sig)
{
	if (sth.state == STH_STATE_SHUTDOWN)
		return;
	sth.state = STH_STATE_SHUTDOWN;
	notify_stopping();
	main_stop_table(main_stopped_for_exit);
}

static void
main_on_restart(int sig)
{
	if (sth.state != STH_STATE_RUNNING)
		return;		/* shutting down or restarting already */
	sth.state = STH_STATE_RESTARTING;
	notify_reloading();
	main_stop_table(main_stopped_for_restart);
}

static void
main_on_reopen(int sig)
{
	log_info("supervisord logreopen");
	log_reopen();
	/* process table */
	proctable_reopen_logs();
}

/* SIGCHLD: the process table reaps (waitpid loop) and moves states. */
static void
main_on_sigchld(int sig)
{
	proctable_on_sigchld();
}

static const struct signal_actions main_signal_actions = {
	.exit = main_on_exit,
	.restart = main_on_restart,
	.reopen = main_on_reopen,
	.child = main_on_sigchld,
};

/* Command line and config; -h, -v and every error end here. */
static void
main_parse(int argc, char **argv)
{
	const char *slash;
	char *err = NULL, *exedir;

	slash = argv[0] != NULL ? strrchr(argv[0], '/') : NULL;
	m.prog = slash != NULL ? slash + 1 : argv[0] != NULL ? argv[0] :
	    "sthenod";
	if (cli_parse(&m.cli, argc, argv, &err) == -1)
		main_usage_error(err);
	if (CLI_GIVEN(&m.cli, CLI_HELP)) {
		cli_usage(stdout, argv[0]);
		exit(0);
	}
	if (CLI_GIVEN(&m.cli, CLI_VERSION)) {
		printf("%s\n", STHENO_VERSION);
		exit(0);
	}
	/* echo_supervisord_conf */
	if (CLI_GIVEN(&m.cli, CLI_PRINT_CONFIG)) {
		fputs(sample_conf, stdout);
		exit(fflush(stdout) == 0 ? 0 : 1);
	}
	if (m.cli.configuration != NULL)
		m.configfile = xstrdup(m.cli.configuration);
	else {
		if (getuid() == 0)
			log_warn("sthenod is running as root and it is "
			    "searching for its configuration file in default "
			    "locations (including its current working "
			    "directory); you probably want to specify a \"-c\" "
			    "argument specifying an absolute path to a "
			    "configuration file for improved security.");
		exedir = cli_exe_dir(argv[0]);
		m.configfile = cli_find_config(exedir, &err);
		free(exedir);
		if (m.configfile == NULL)
			main_usage_error(err);
	}
	if (main_load_config(&err) == -1)
		main_usage_error(err);
	/* SIGHUP re-reads it after a possible chdir(directory). */
	free(m.configfile);
	m.configfile = xstrdup(m.opts.configfile);
}

/*
 * Privileges, then rlimits (first run only, docs/supervisord.md §8).  What
 * they log is logged once both succeeded, so that a failure prints its
 * "Error:" alone.
 */
static void
main_process_setup(void)
{
	char *err = NULL;
	int as_root = 0;

	if (m.opts.user == NULL)
		as_root = getuid() == 0;
	else if (drop_privileges(m.opts.user, m.opts.uid, m.opts.gid,
	    &err) == -1)
		main_usage_error(err);
	if (set_rlimits(m.opts.minfds, m.opts.minprocs, &err) == -1)
		main_usage_error(err);
	if (as_root)
		log_crit("Supervisor is running as root.  Privileges were not "
		    "dropped because no user is specified in the config file.  "
		    "If you intend to run as root, you can set user=root in "
		    "the config file to avoid this message.");
	else if (m.opts.user != NULL)
		log_info("Set uid to user %ld succeeded", (long)m.opts.uid);
}

/* libevent gives up (its message went to its log callback): say so. */
static void
main_libevent_fatal(int err)
{
	fatalx("libevent: fatal error %d", err);
}

int
main(int argc, char **argv)
{
	char *err = NULL;
	int pid1;

	/* a crash leaves its reason in the main log (docs/ARCHITECTURE.md) */
	log_catch_crashes();
	event_set_fatal_callback(main_libevent_fatal);
	main_parse(argc, argv);
	main_process_setup();
	/* PID 1 never daemonizes: its parent leaving would end the
	 * namespace, and a container wants the log on stdout */
	pid1 = getpid() == 1;
	m.to_stdout = (m.opts.nodaemon || pid1) && !m.opts.silent;
	if (main_open_log(&err) == -1)
		main_usage_error(err);
	notify_init();

	main_event_base();
	/* plugins */
	if (plugins_init(m.cli.plugin_dir) == -1)
		main_exit(2);
	rpc_system_register();
	plugin_rpc_register();
	core_rpc_register();
	if (plugins_apply_config(sth.ini, 1, &err) == -1) {
		log_crit("%s", err);
		fprintf(stderr, "Error: %s\n", err);
		free(err);
		main_exit(2);
	}

	if (signals_init(sth.base, &main_signal_actions) == -1)
		main_exit(1);
	if (!m.opts.nodaemon && !pid1) {
		daemonize(m.opts.directory, (mode_t)m.opts.umask);
		if (event_reinit(sth.base) == -1)
			fatalx("event_reinit failed after fork");
	}
	sth.pid = getpid();
	sth.started = time(NULL);
	main_pidfile_write();
	main_set_reaper();
	sth.state = STH_STATE_RUNNING;
	log_info("supervisord started with pid %ld", (long)sth.pid);

	/* process table: groups are made and autostarted from the loop's
	 * first moments, after the pid is known and logged. */
	if (proctable_start(sth.ini, &err) == -1) {
		log_crit("%s", err);
		free(err);
		main_exit(2);
	}
	/* config applied, servers listening: tell systemd (Type=notify) */
	notify_ready();
	m.in_loop = 1;
	event_base_dispatch(sth.base);
	m.in_loop = 0;
	main_exit(m.exit_code);
}
