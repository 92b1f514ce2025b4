/*
 * signals.h — sthenod's signals, delivered through the loop
 * (docs/supervisord.md §8).
 *
 * Ownership: signals.c owns the libevent signal events, main.c the actions
 * they call.
 *
 * Each handled signal is logged in supervisord's words ("received SIGTERM
 * indicating exit request", ...) and then its action runs on the loop,
 * never in signal context.  SIGPIPE is ignored (children must restore it
 * to SIG_DFL before exec).
 */
#ifndef STHENO_SIGNALS_H
#define STHENO_SIGNALS_H

struct event_base;

/* What each kind of signal does; sig is the signal received. */
struct signal_actions {
	void (*exit)(int sig);		/* SIGTERM, SIGINT, SIGQUIT */
	void (*restart)(int sig);	/* SIGHUP */
	void (*reopen)(int sig);	/* SIGUSR2 */
	void (*child)(int sig);		/* SIGCHLD */
};

/* Install on base; 0, or -1 (logged). */
int signals_init(struct event_base *base, const struct signal_actions *a);
/* Remove them (SIGPIPE stays ignored). */
void signals_fini(void);
/* Run sig's action now, as if sig had arrived but without the "received"
 * line: supervisor.shutdown and supervisor.restart take the same paths as
 * SIGTERM and SIGHUP.  0, or -1 if sig has no action (none installed). */
int signals_request(int sig);

#endif
