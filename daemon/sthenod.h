/*
 * sthenod.h — the daemon-wide state every core component reads.
 *
 * Ownership: main.c owns the one `struct sthenod` (global `sth`) and
 * everything it points to; components borrow from it and never free it.
 */
#ifndef STHENO_STHENOD_H
#define STHENO_STHENOD_H

#include <sys/types.h>
#include <time.h>
#include <jansson.h>

#define STHENO_VERSION PACKAGE_VERSION

/* Supervisor (daemon) states, docs/supervisord.md §2.2. */
#define STH_STATE_FATAL 2
#define STH_STATE_RUNNING 1
#define STH_STATE_RESTARTING 0
#define STH_STATE_SHUTDOWN (-1)

/* The loop's priorities (main.c): every event runs at STH_PRIO_DEFAULT,
 * libevent's default with STH_NPRIO queues, except a listener's answer to
 * the event it was just sent (proc_io.c), read first. */
#define STH_NPRIO 2
#define STH_PRIO_FIRST 0
#define STH_PRIO_DEFAULT 1

struct event_base;
struct ini_doc;
struct sth_options;

struct sthenod {
	struct event_base *base;	/* the one loop */
	struct ini_doc *ini;		/* the config now in force */
	struct sth_options *opts;	/* [supervisord] merged with the CLI */
	json_t *env_vars;		/* ENV_* expansion names (options.h) */
	const char *plugin_path;	/* colon-separated plugin folders */
	int state;			/* STH_STATE_* */
	pid_t pid;
	time_t started;
	int reaper;			/* orphans are reparented to us: PID 1
					 * or subreaper=true (main.c) */
};

extern struct sthenod sth;

#endif
