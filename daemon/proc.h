/*
 * proc.h — the process table: program and group configs, the state machine,
 * spawning, reaping and child output (docs/supervisord.md §1.6, §2, §3, §8).
 *
 * Ownership: the table owns every group, process, config and child log;
 * pointers it hands out are borrowed and stay valid until the group is removed
 * or the table is freed.  Strings passed in are copied.
 *
 * Nothing here polls: a process has one timer, armed only while it waits
 * for something (startsecs, a backoff delay, stopwaitsecs); children are
 * reaped from main's SIGCHLD handler through proctable_on_sigchld().
 */
#ifndef STHENO_PROC_H
#define STHENO_PROC_H

#include <sys/queue.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include <jansson.h>
#include <stheno/host.h>

#include "cfgval.h"

struct ini_doc;
struct ini_section;
struct event;
struct logfile;
struct sth_rpc_call;
struct proc_hc;
struct proc_health;

/* Process states and their codes (docs/supervisord.md §2.1). */
enum proc_state {
	PROC_STOPPED = 0,
	PROC_STARTING = 10,
	PROC_RUNNING = 20,
	PROC_BACKOFF = 30,
	PROC_STOPPING = 40,
	PROC_EXITED = 100,
	PROC_FATAL = 200,
	PROC_UNKNOWN = 1000,
};

/* autorestart values, as cfgval_autorestart() returns them. */
#define PROC_AUTORESTART_NEVER 0
#define PROC_AUTORESTART_ALWAYS 1
#define PROC_AUTORESTART_UNEXPECTED 2

#define PROC_STDOUT 0
#define PROC_STDERR 1

/* One output channel's settings (stdout_* or stderr_*). */
struct proc_logcfg {
	struct cfg_logpath logfile;	/* kind as configured */
	char *path;		/* the file in force (AUTO: made at group
				 * creation), NULL for none */
	long long maxbytes;
	long backups;
	long long capture_maxbytes;
	int events_enabled;
	int syslog;
	int timestamps;		/* stdout_timestamps=: stamp each line */
	int console;		/* stdout_logfile = stdout / stderr: 1 or 2,
				 * the fd of sthenod's it goes to, prefixed
				 * "name | " line by line (path is NULL) */
};

/* One process's configuration: every [program:x] option
 * (docs/supervisord.md §1.6). */
struct proc_config {
	char *name;		/* process_name, expanded */
	char *program;		/* the section suffix */
	char *section;		/* "program:x" */
	char *command;
	long process_num;
	long priority;
	int autostart;
	long startsecs;
	long startretries;
	long maxbackoff;	/* seconds a retry waits at most; 0: no cap */
	int autorestart;	/* PROC_AUTORESTART_* */
	struct cfg_codes exitcodes;
	int stopsignal;
	long stopwaitsecs;
	int stopasgroup;
	int killasgroup;
	char *user;		/* NULL: no setuid */
	uid_t uid;
	gid_t gid;
	int redirect_stderr;
	struct proc_logcfg log[2];	/* PROC_STDOUT, PROC_STDERR */
	json_t *environment;	/* the program's own environment=, or NULL */
	char *environment_file;	/* files read at each spawn (envfile.h) */
	char *depends_on;	/* group names (proc_deps.c), or NULL */
	char *directory;
	long umask;		/* -1: inherit */
	char *serverurl;	/* NULL: the daemon's (AUTO) */
	/* healthcheck= and its companions (proc_health.c); hc is the parsed
	 * check, NULL when there is none */
	char *healthcheck;
	long hc_interval;
	long hc_timeout;
	long hc_retries;
	long hc_start_period;
	int hc_restart;
	struct proc_hc *hc;
};

enum group_kind { GROUP_PROGRAM, GROUP_HETEROGENEOUS, GROUP_FCGI };

struct group_config {
	char *name;
	long priority;
	enum group_kind kind;
	struct proc_config **procs;	/* sorted by priority, stable */
	size_t nprocs;
	/* fcgi-program only */
	char *socket;		/* "unix:///path" or "tcp://host:port" */
	long socket_backlog;
	long socket_mode;
	char *socket_owner;
	/* [eventlistener:x] only: the pool (proc_listener.c), else NULL */
	struct sth_evpool *pool;
};

/* Daemon-wide settings the table needs, from [supervisord]. */
struct proc_globals {
	char *childlogdir;
	char *identifier;
	int nocleanup;
	int strip_ansi;
	long minfds;
	json_t *environment;	/* [supervisord] environment=, or NULL */
	char *serverurl;	/* SUPERVISOR_SERVER_URL for AUTO, or NULL */
};

struct proc;
struct proc_group;
struct proc_waiter;

/* One output pipe of a running child (proc_io.c). */
struct proc_chan;

/* A supervised process: its config and its run-time state. */
struct proc {
	struct proc_config *cfg;
	struct proc_group *group;
	enum proc_state state;
	pid_t pid;
	time_t start;		/* wall clock of the last spawn, 0 = never */
	time_t stop;		/* wall clock of the last exit, 0 = never */
	double start_mono;	/* monotonic time of the last spawn */
	int backoff;		/* the backoff counter (tries) */
	int killing;		/* a stop was requested */
	int admin_stop;
	int exitstatus;		/* -1: killed by a signal */
	char *spawnerr;		/* NULL when there is none */
	struct event *timer;	/* armed only while waiting */
	int timer_armed;
	double deadline;	/* monotonic time the timer is for */
	struct proc_chan *chan[2];	/* stdout, stderr readers */
	int stdin_fd;		/* -1 when closed */
	struct event *stdin_ev;
	char *inbuf;		/* pending stdin bytes */
	size_t inlen;
	struct logfile *logs[2];	/* child logs, open from spawn until
					 * the exit is handled (else NULL) */
	TAILQ_HEAD(, proc_waiter) rpc_waiters;	/* proc_rpc_ctl.c's
						 * deferred starts and stops,
						 * oldest first */
	char **cmd_argv;	/* the command split and resolved for the */
	char *cmd_file;		/* next spawn (proc_command_prepare), or NULL */
	int fcgi_held;		/* holds a reference on the group's socket */
	int dep_wait;		/* autostart held until depends_on is up */
	struct proc_health *health;	/* proc_health.c's, NULL without a
					 * check */
};

struct proc_group {
	struct group_config *cfg;
	struct proc **procs;	/* the same order as cfg->procs */
	size_t nprocs;
	int fcgi_fd;		/* fcgi-program: the listening socket, -1 */
	int fcgi_refs;		/* children holding it */
};

/*
 * The system calls the state machine makes, in one table so that unit
 * tests drive it with a fake clock and fake children.  proc_sys points at
 * the real one unless a test swaps it.
 */
struct proc_sys {
	double (*mono)(void);	/* monotonic seconds */
	time_t (*wall)(void);	/* wall-clock seconds */
	/* Fork and exec p; 0 with p->pid set, or -1 with *spawnerr set
	 * (malloc'd) and nothing left open. */
	int (*spawn)(struct proc *p, char **spawnerr);
	int (*kill)(pid_t pid, int sig);
	/* Arm p's one timer for secs seconds (replacing any), or disarm. */
	void (*arm)(struct proc *p, double secs);
	void (*disarm)(struct proc *p);
};
extern const struct proc_sys *proc_sys;
extern const struct proc_sys proc_sys_real;

/* --- entry points main.c calls --------------------------------------- */
/* Build every group from doc (config errors: -1 with *err set; the daemon
 * exits 2), publish PROCESS_GROUP_ADDED, and autostart in priority order. */
int proctable_start(const struct ini_doc *doc, char **err);
/* Hand the next proctable_start(doc) the groups already read from doc
 * (proc_configs_read with the globals it would use), so that it does not
 * read them again; the table takes gcs.  A start with another doc, or
 * proctable_free(), frees them. */
void proctable_preset(const struct ini_doc *doc, struct group_config **gcs,
		      size_t n);
/* Stop group by group in descending priority; done() runs once every
 * process is in a stopped state. */
void proctable_shutdown(void (*done)(void));
/* Reap every exited child (waitpid(-1, WNOHANG) until none). */
void proctable_on_sigchld(void);
/* Reopen every child log (SIGUSR2). */
void proctable_reopen_logs(void);
/* Free every group (the processes must be stopped). */
void proctable_free(void);

/* --- proc_config.c ---------------------------------------------------- */
/* Read [supervisord]'s keys the table needs.  0 or -1 with *err.  When
 * doc is the config in force (sth.ini) and sth.opts is set, the values
 * come from sth.opts, so the command line's -q -i -k -t win. */
int proc_globals_read(const struct ini_doc *doc, struct proc_globals *g,
		      char **err);
void proc_globals_release(struct proc_globals *g);
/* Every group configured in doc, sorted by (priority, name): a new array
 * of *n configs, or NULL with *err set (NULL with *n = 0 when none). */
struct group_config **proc_configs_read(const struct ini_doc *doc,
					const struct proc_globals *g,
					size_t *n, char **err);
void group_config_free(struct group_config *gc);
void proc_config_free(struct proc_config *pc);
/* 1 if a and b configure the same thing (supervisor's __eq__: AUTO log
 * paths are not compared). */
int group_config_equal(const struct group_config *a,
		       const struct group_config *b);
/* 1 if a and b configure one process the same way: every option of the
 * tables proc_config_table() gives, and the members no table reads. */
int proc_config_equal(const struct proc_config *a,
		      const struct proc_config *b);
/* The option tables of a proc_config, i = 0, 1, ..., then NULL (for the
 * tests). */
const struct cfg_option *proc_config_table(size_t i);
/* 1 if name can be a process or group name (no space, ':' or '/'). */
int proc_name_valid(const char *name);

/* --- proc_autolog.c --------------------------------------------------- */
/* Make the AUTO log files of gc (mkstemp in childlogdir). */
int proc_make_autologs(struct group_config *gc, const struct proc_globals *g,
		       char **err);
/* Delete old AUTO logs of identifier in childlogdir
 * (docs/supervisord.md §3.2). */
void proc_clean_autologs(const struct proc_globals *g);

/* --- proc_table.c ----------------------------------------------------- */
extern struct proc_globals proc_globals;
/* Add a group (the table takes gc).  NULL if the name is taken. */
struct proc_group *proctable_add(struct group_config *gc);
/* Remove a group whose processes are all stopped: 0, or -1. */
int proctable_remove(const char *name);
struct proc_group *proctable_group(const char *name);
/* Groups by priority, then in the order they were added (supervisord's
 * stable sort; the startup groups by name): i = 0, 1, ... until NULL. */
struct proc_group *proctable_group_at(size_t i);
size_t proctable_ngroups(void);
struct proc *proctable_find_pid(pid_t pid);
/* "name", "group:name": the process, or NULL. */
struct proc *proctable_find(const char *group, const char *name);
/* Autostart every never-started process of g (in its order). */
void group_autostart(struct proc_group *g);
/* Called by the state machine on every state change. */
void proctable_state_changed(struct proc *p, enum proc_state from);
/* 1 while the daemon is shutting down or restarting: nothing spawns. */
int proctable_stopping(void);
/* A listener pool has delivered every event it held: a shutdown waiting
 * for it goes on (from the loop, not from inside the caller). */
void proctable_pool_delivered(void);
/* 1 if every process of g is in a stopped state. */
int group_stopped(const struct proc_group *g);

/* --- proc_deps.c ------------------------------------------------------ */
/* Every depends_on names another group of gcs, and none loops: 0, or -1
 * with *err. */
int proc_deps_check(struct group_config **gcs, size_t n, char **err);
/* Autostart of p: 1 if its dependencies hold it back (it waits, or one
 * has failed: logged), 0 to spawn it now. */
int proc_deps_hold(struct proc *p);
/* q changed state: spawn the waiting processes it was the last one for. */
void proc_deps_state_changed(struct proc *q);
/* Look at every waiting process again (a group was removed). */
void proc_deps_sweep(void);
/* Reorder groups v (start order) so that each comes after the groups it
 * depends on: shutdown, which stops from the end, stops it first. */
void proc_deps_stop_order(struct proc_group **v, size_t n);

/* --- proc_state.c ----------------------------------------------------- */
const char *proc_state_name(enum proc_state s);
/* es is one of pc's exitcodes. */
int proc_exit_expected(const struct proc_config *pc, int es);
int proc_state_stopped(enum proc_state s);	/* STOPPED_STATES */
int proc_state_running(enum proc_state s);	/* RUNNING_STATES */
struct proc *proc_new(struct proc_config *cfg, struct proc_group *g);
void proc_free(struct proc *p);
/* spawn() of docs/supervisord.md §2.3, from STOPPED, EXITED, FATAL or
 * BACKOFF. */
void proc_spawn(struct proc *p);
/* Administrative stop: 0, or -1 if it was not running. */
int proc_stop(struct proc *p);
/* BACKOFF -> FATAL. */
void proc_give_up(struct proc *p);
/* Send sig without meaning to stop (signalProcess): 0, or -1. */
int proc_signal(struct proc *p, int sig);
/* The child was reaped with wait status st. */
void proc_finish(struct proc *p, int st);
/* p's timer fired (or a test says it did). */
void proc_timer_fire(struct proc *p);
/* "exit status N" / "terminated by SIGX[ (core dumped)]"; es is set to
 * the exit code or -1. */
void proc_decode_status(int st, int *es, char *buf, size_t len);
/* "SIGTERM", or "signal N" (a static buffer for unknown numbers). */
const char *proc_signame(int sig);
/* Called on every state change after the table (RPC waiters hook here). */
extern void (*proc_state_hook)(struct proc *p, enum proc_state from);

/* --- proc_spawn.c ----------------------------------------------------- */
/* Split a command as shlex.split does: a new NULL-terminated argv, or
 * NULL with *err set. */
char **proc_split_command(const char *cmd, char **err);
void proc_argv_free(char **argv);
/* Resolve argv[0] (docs/supervisord.md §2.3): the file to exec, or NULL with
 * *err set to supervisord's spawnerr text; *fault gets an STH_FAULT_* code. */
char *proc_resolve_command(const struct proc_config *pc, char **argv,
			   int *fault, char **err);
/*
 * Split and resolve p's command for its next spawn, which takes it instead
 * of doing both again (startProcess checks the command, then spawns it):
 * 0, or -1 with *fault (STH_FAULT_*) and *err (supervisord's spawnerr
 * text).  proc_command_drop forgets what a spawn did not take.
 */
int proc_command_prepare(struct proc *p, int *fault, char **err);
void proc_command_drop(struct proc *p);
int proc_spawn_real(struct proc *p, char **spawnerr);
/* A health check's child: command run as p's program runs (its user,
 * environment, directory), stdin /dev/null, stdout and stderr on out, in
 * a process group of its own.  0 with *pid, or -1 with *err set. */
int proc_spawn_check(struct proc *p, const char *command, int out,
		     pid_t *pid, char **err);

/* --- proc_io.c -------------------------------------------------------- */
/* Take the parent ends of a new child's pipes (out, err may be -1). */
void proc_io_attach(struct proc *p, int in, int out, int err);
/* Read what is left in the pipes, then close them (at reap). */
void proc_io_drain_close(struct proc *p);
/* Open the child logs if they are not open (at spawn): 0 or -1 (logged,
 * errno kept, none left open). */
int proc_io_open_logs(struct proc *p);
/* Close them once the pipes are drained: a process that is not running
 * holds no fd of its logs, as under supervisord. */
void proc_io_close_logs(struct proc *p);
/* SIGUSR2: reopen the logs that are open (a closed one opens at spawn). */
void proc_io_reopen_logs(struct proc *p);
/* Queue bytes for the child's stdin: 0, or -1 if stdin is closed. */
int proc_io_write_stdin(struct proc *p, const char *buf, size_t len);
/* If data (len bytes) is the read being handed out, unchanged: where need
 * bytes may be written in front of it (data - need), the byte after it
 * being writable too, and *rb the readbuf it lies in; else NULL
 * (proc_events.c publishes in place). */
struct readbuf;
char *proc_io_room(const char *data, size_t len, size_t need,
		   struct readbuf **rb);
/*
 * The most bytes sendProcessStdin may leave waiting for one child to read.
 * supervisord buffers without limit, so a client writing to a child that
 * never reads its stdin could make the daemon grow until the OOM killer
 * takes it (and every supervised process with it).  1 MiB is far more than
 * an interactive client (supervisorctl fg) ever has in flight.
 */
#define PROC_STDIN_MAX (1024 * 1024)
/* 1 if len more bytes fit in p's stdin buffer (PROC_STDIN_MAX). */
int proc_io_stdin_fits(const struct proc *p, size_t len);
/* Remove ESC[ ... sequences in place; returns the new length. */
size_t proc_strip_ansi(char *buf, size_t len);
/* Feed one chunk of output of channel ch through capture mode, the log
 * file, the main log copy and events (also used on drain). */
void proc_io_output(struct proc *p, int ch, const char *buf, size_t len);

/* --- proc_rpc*.c: the supervisor.* methods (docs/supervisord.md §4) ------ */
/* Register every supervisor.* method (once; proctable_start does). */
void proc_rpc_register(void);
/*
 * One method: everything about it in one row of its file's table.  nstr
 * and nopt are the parameter check made before fn runs: the daemon must be
 * RUNNING (else SHUTDOWN_STATE), then nstr strings and up to nopt more
 * parameters of any type (else INCORRECT_PARAMETERS); the types of those
 * are fn's to check.  PROC_PARAMS_OWN: fn makes its own checks.  help is
 * supervisor 4.2.5's docstring byte for byte (indentation included, as
 * Python's str(func.__doc__) gives it), sig what supervisor derives from
 * its @param/@return tags (a JSON array, return type first).
 */
struct proc_method {
	const char *name;
	sth_rpc_fn fn;
	signed char nstr;	/* -1: PROC_PARAMS_OWN */
	signed char nopt;
	const char *sig;
	const char *help;
};
#define PROC_PARAMS(nstr, nopt)	(nstr), (nopt)
#define PROC_PARAMS_OWN		-1, 0
void proc_rpc_table(const struct proc_method *m, size_t n);
/* Fault SHUTDOWN_STATE unless the daemon is RUNNING: 0, or -1 (faulted). */
int proc_rpc_check_state(struct sth_rpc_call *call);
/* Arity n..n+nopt with the first n strings, else INCORRECT_PARAMETERS. */
int proc_rpc_params(struct sth_rpc_call *call, json_t *pa, size_t n,
		    size_t nopt);
/* The group and process of a namespec ("name", "g:name", "g:*" gives
 * *pp NULL), or BAD_NAME faulted and -1. */
int proc_rpc_lookup(struct sth_rpc_call *call, const char *spec,
		    struct proc_group **gp, struct proc **pp);
/* "name" if group and process names are equal, else "group:name". */
char *proc_namespec(const struct proc *p);
/* {name, group, status, description}: description "OK" for 80, else
 * "FAULT_NAME[: detail]". */
json_t *proc_rpc_result(const struct proc *p, int code, const char *detail);
/* Every process, groups in (priority, name) order, each group's in its
 * priority order: a new array of *n. */
struct proc **proc_rpc_all(size_t *n);
void proc_rpc_ctl_register(void);	/* proc_rpc_ctl.c */
void proc_rpc_logs_register(void);	/* proc_rpc_logs.c */
void proc_rpc_daemon_register(void);	/* proc_rpc_daemon.c */
void proc_rpc_config_register(void);	/* proc_rpc_config.c */
/* p is being freed: answer whatever still waits on it. */
void proc_rpc_forget(struct proc *p);
/* Name the configs a (re)start read as supervisor's "pending" configs,
 * which reloadConfig replaces and addProcessGroup takes groups from; the
 * table holds them ("lent").  (NULL, 0) forgets them (proctable_free). */
void proc_rpc_config_set(struct group_config *const *gcs, size_t n);
/* proctable_remove is freeing gc: 1 if the pending list took it back
 * (it had lent it to the table), else 0 and the caller frees it. */
int proc_rpc_config_giveback(struct group_config *gc);

/* --- proc_fcgi.c: [fcgi-program:x] sockets (docs/supervisord.md §1.6) ---- */
/* Create, bind and listen once to fail early, then close (supervisord
 * does the same when it builds the group): 0 or -1 with *err set. */
int proc_fcgi_check(const struct group_config *gc, char **err);
/* Take a reference for p's spawn (created on the first): the fd, or -1
 * with *err set. */
int proc_fcgi_acquire(struct proc *p, char **err);
/* Drop p's reference if it holds one; the last one closes the socket. */
void proc_fcgi_release(struct proc *p);

/* --- proc_events.c ---------------------------------------------------- */
void proc_event_state(struct proc *p, enum proc_state from, int expected);
void proc_event_log(struct proc *p, int ch, const char *data, size_t len);
void proc_event_comm(struct proc *p, int ch, const char *data, size_t len);
void proc_event_group(const char *group, int added);
/* UTF-8 text as is, else "Undecodable: b'...'" (a new string). */
char *proc_decode_data(const char *data, size_t len);

/* --- proc_listener.c: [eventlistener:x] pools --------------------------
 * A pool is a homogeneous group whose config carries the pool keys; the
 * eventlistener plugin speaks the protocol through stheno/evpool.h. */
struct sth_evpool;
struct sth_evpool_api;
/* Read buffer_size, events, result_handler and the redirect_stderr ban of
 * an [eventlistener:x] section into gc->pool (priority defaults to -1):
 * 0, or -1 with *err set to supervisord's message. */
int proc_pool_config_read(const struct ini_section *sec,
			  struct group_config *gc, char **err);
void proc_pool_config_free(struct sth_evpool *pool);
/* 1 if two pools' keys are the same (reloadConfig's "changed"). */
int proc_pool_config_equal(const struct sth_evpool *a,
			   const struct sth_evpool *b);
/* The table's hooks: g was added (before PROCESS_GROUP_ADDED) or is being
 * freed; p changed state; p wrote to stdout (1 if p is a pool process and
 * the bytes were taken: logged raw, handed to the plugin). */
void proc_pool_added(struct proc_group *g);
void proc_pool_removed(struct proc_group *g);
void proc_pool_state_changed(struct proc *p, enum proc_state from);
int proc_pool_output(struct proc *p, const char *buf, size_t len);
/* How many events pool g holds undelivered, as its client last said; 0
 * when g is no pool or none of its listeners is RUNNING to take them. */
size_t proc_pool_undelivered(const struct proc_group *g);
/* host->evpools (ABI 1.1). */
const struct sth_evpool_api *proc_pool_api(void);

/* --- proc_health.c: healthcheck= (docs/stheno.conf.5.md) ---------------
 * A checked process owns one timer, armed only while it is STARTING or
 * RUNNING, and at most one check in flight (a child, or a socket). */
/* Parse a healthcheck= value: 0 with *out, or -1 with *err (what is wrong
 * with the value; the caller adds where). */
int proc_hc_parse(const char *spec, struct proc_hc **out, char **err);
void proc_hc_free(struct proc_hc *hc);
/* The table's hooks: p changed state; p wrote to stdout or stderr; a child
 * was reaped (1 if it was a check of ours); p is being freed. */
void proc_health_state_changed(struct proc *p, enum proc_state from);
void proc_health_output(struct proc *p, int ch, const char *buf, size_t len);
int proc_health_reaped(pid_t pid, int st);
void proc_health_free(struct proc *p);
/* 1 if p is ready: its check has passed (a log check: its line came) since
 * it was spawned and it is STARTING or RUNNING; without a check, RUNNING. */
int proc_health_ready(const struct proc *p);
/* "starting", "healthy", "unhealthy" while p runs with a check, "none"
 * when it does not run; NULL without a check. */
const char *proc_health_name(const struct proc *p);
/* Add p's health keys to a process info struct (removes them without a
 * check, so that a reused struct holds no stale ones). */
void proc_health_info(const struct proc *p, json_t *o);

/* --- proc_tick.c: TICK_* while someone subscribes ---------------------- */
void proc_tick_install(void);	/* proctable_start */
void proc_tick_uninstall(void);	/* proctable_free */

#endif
