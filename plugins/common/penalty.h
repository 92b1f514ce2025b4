/*
 * penalty.h — per-peer penalties for failed authentication (OpenSSH's
 * PerSourcePenalties, small): after max_failures wrong answers from one
 * peer (an IP address on TCP, a uid on a unix socket) its new attempts
 * are refused for a while, first base seconds, doubling with each further
 * failure up to MON_PENALTY_MAX; a right answer forgets it.  One policy
 * for every door that gives control of the daemon: monitor.so's console
 * and http.so's servers with Basic auth (keys max_auth_failures and
 * auth_penalty, docs/stheno.conf.5.md).  The "mon_" prefix is where it
 * was born.
 *
 * Ownership: a struct mon_penalties is its owner's (monitor.h's M, one
 * per http server); the table inside is allocated at the first failure
 * and freed by mon_penalty_free.  Keys are copied.  Time is the caller's
 * (monotonic seconds), so the logic is testable without sleeping.
 */
#ifndef STHENO_MON_PENALTY_H
#define STHENO_MON_PENALTY_H

#include <time.h>

#define MON_PENALTY_SLOTS 128	/* peers remembered; the oldest goes */
#define MON_PENALTY_KEY 48	/* "uid 4294967295", an IPv6 address */
#define MON_PENALTY_MAX 600	/* seconds; the cap of the doubling */
#define MON_PENALTY_FORGET 3600	/* a quiet peer's failures are forgotten */

struct mon_penalty {
	char key[MON_PENALTY_KEY];
	unsigned failures;
	time_t last;		/* last failure */
	time_t until;		/* refused before this */
};

struct mon_penalties {
	long max_failures;	/* 0: never penalise */
	long base;		/* seconds of the first penalty */
	struct mon_penalty *slot;	/* MON_PENALTY_SLOTS, or NULL */
};

/* A failed authentication from key at now: returns the seconds of the
 * penalty it starts (0 if none yet). */
long mon_penalty_fail(struct mon_penalties *, const char *key, time_t now);
/* Seconds key is still refused for at now (0: let it in). */
long mon_penalty_left(const struct mon_penalties *, const char *key,
    time_t now);
/* key authenticated: forget its failures. */
void mon_penalty_clear(struct mon_penalties *, const char *key);
/* Peers refused at now (status's penalized_peers). */
long mon_penalty_active(const struct mon_penalties *, time_t now);
void mon_penalty_free(struct mon_penalties *);

#endif
