/*
 * signals.c — the signal table and its libevent events (signals.h;
 * docs/supervisord.md §8).
 */
#include "config.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>

#include "log.h"
#include "signals.h"
#include "xmalloc.h"

/* Which member of struct signal_actions a signal calls. */
#define SIG_ACT(m) offsetof(struct signal_actions, m)

static const struct {
	int sig;
	const char *name;
	size_t action;		/* SIG_ACT() */
	int level;
	const char *says;	/* "received SIGX <says>" */
} signal_table[] = {
	{ SIGTERM, "SIGTERM", SIG_ACT(exit), STH_LOG_WARN,
	  "indicating exit request" },
	{ SIGINT, "SIGINT", SIG_ACT(exit), STH_LOG_WARN,
	  "indicating exit request" },
	{ SIGQUIT, "SIGQUIT", SIG_ACT(exit), STH_LOG_WARN,
	  "indicating exit request" },
	{ SIGHUP, "SIGHUP", SIG_ACT(restart), STH_LOG_WARN,
	  "indicating restart request" },
	{ SIGUSR2, "SIGUSR2", SIG_ACT(reopen), STH_LOG_INFO,
	  "indicating log reopen request" },
	{ SIGCHLD, "SIGCHLD", SIG_ACT(child), STH_LOG_DEBG,
	  "indicating a child quit" },
};
#define SIGNAL_N (sizeof signal_table / sizeof signal_table[0])

static struct signal_actions signal_actions;
static struct event *signal_events[SIGNAL_N];

static void
signal_cb(evutil_socket_t fd, short what, void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;
	void (*fn)(int);

	log_msg(signal_table[i].level, "received %s %s", signal_table[i].name,
	    signal_table[i].says);
	fn = *(void (**)(int))((char *)&signal_actions +
	    signal_table[i].action);
	if (fn != NULL)
		fn(signal_table[i].sig);
}

int
signals_init(struct event_base *base, const struct signal_actions *a)
{
	size_t i;

	signal_actions = *a;
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < SIGNAL_N; i++) {
		signal_events[i] = evsignal_new(base, signal_table[i].sig,
		    signal_cb, (void *)(uintptr_t)i);
		if (signal_events[i] == NULL ||
		    evsignal_add(signal_events[i], NULL) == -1) {
			log_error("cannot handle %s", signal_table[i].name);
			signals_fini();
			return -1;
		}
	}
	return 0;
}

void
signals_fini(void)
{
	size_t i;

	for (i = 0; i < SIGNAL_N; i++) {
		if (signal_events[i] != NULL)
			event_free(signal_events[i]);
		signal_events[i] = NULL;
	}
}

int
signals_request(int sig)
{
	size_t i;
	void (*fn)(int);

	for (i = 0; i < SIGNAL_N; i++) {
		if (signal_table[i].sig != sig)
			continue;
		fn = *(void (**)(int))((char *)&signal_actions +
		    signal_table[i].action);
		if (fn == NULL)
			return -1;
		fn(sig);
		return 0;
	}
	return -1;
}
