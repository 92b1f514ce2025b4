/*
 * monitor.h — the monitor plugin's internals: one console session per
 * connection (plugin.c), the command table (cmd.c), the wire format
 * (proto.h).
 *
 * Ownership: the one struct mon M is filled by init and emptied by fini;
 * it owns its sessions.  A session owns its pending RPC call, its delay
 * timer, its argv copy and its endpoint name; its connection is the
 * host's (conn_new).
 */
#ifndef STHENO_MON_MONITOR_H
#define STHENO_MON_MONITOR_H

#include <sys/queue.h>

#include <time.h>

#include <stheno/stheno.h>

#include "auth.h"
#include "../common/penalty.h"
#include "proto.h"

#define MON_MAX_CONNS 64	/* sessions at once; more are closed */
#define MON_PREAUTH_SECS 30	/* idle time allowed before auth */
#define MON_IDLE_SECS 3600	/* idle time allowed after auth */
#define MON_AUTH_DELAY 1.0	/* before a failed auth is answered */
#define MON_MAX_AUTH_FAILURES 3	/* from one peer before a penalty */
#define MON_AUTH_PENALTY 5	/* seconds of the first penalty */
#define MON_JSON_VERSION 1	/* first element of a -j body */

struct mon_cmd;

struct mon_sess {
	LIST_ENTRY(mon_sess) link;
	struct sth_conn *conn;
	struct sth_timer *delay;	/* a failed auth waiting to answer */
	struct sth_rpc_call *call;	/* pending, or NULL */
	const struct mon_cmd *cmd;	/* the command being answered */
	json_t *argv;			/* its words, with -j if given */
	int json;			/* -j: answer [version, argv, ts,
					 * data] */
	int authed;
	int busy;			/* inside mon_process */
	int closing;			/* close once the answer is written */
	char challenge[MON_NONCE_LEN + 1];	/* the server's nonce */
	char *endpoint;			/* what the proofs are bound to */
	char peer[80];
	char key[MON_PENALTY_KEY];	/* who a penalty applies to */
};

struct mon {
	const struct sth_host *host;
	struct sth_plugin *self;
	struct sth_listener *unix_l, *tcp_l;
	/* [plugin:monitor] as read (plugin.c's table; fini releases it) */
	char *secret;			/* path of the secret file, or NULL */
	char *socket;			/* the unix socket, or NULL */
	char *port;			/* the TCP port, or NULL */
	char *socket_owner;
	long socket_mode;
	char *unix_endpoint;		/* "unix:" and the socket's realpath */
	time_t started;
	long nconns, total_conns, failed_auths, refused;
	long penalty_refused;		/* connections refused by a penalty */
	struct mon_penalties pen;
	int draining;
	LIST_HEAD(, mon_sess) sessions;
};

extern struct mon M;

/* A command: argv[0] is its name, min..max the words that may follow. */
typedef void (*mon_run_fn)(struct mon_sess *, int argc, char **argv);
/* The text body of a method's result (result borrowed, argv the words). */
typedef void (*mon_text_fn)(struct dbuf *, json_t *result, json_t *argv);

struct mon_cmd {
	const char *name;
	const char *usage;
	const char *help;
	int min, max;
	int preauth;			/* allowed before auth */
	mon_run_fn run;
	const char *method;		/* for run = mon_cmd_method */
	mon_text_fn text;
};

/* cmd.c */
const struct mon_cmd *mon_cmd_find(const char *name);
/* Run one request line of len bytes (no \n). */
void mon_dispatch(struct mon_sess *, const char *line, size_t len);
/* The text of help (cmd NULL: every command). */
void mon_help_text(struct dbuf *, const struct mon_cmd *cmd, int authed);

/* plugin.c: answers */
void mon_reply(struct mon_sess *, int status, const char *body, size_t len);
void mon_replyf(struct mon_sess *, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 200/300/... with data (stolen) as the -j envelope if the session asked
 * for it, else text. */
void mon_reply_data(struct mon_sess *, int status, json_t *data,
    const char *text);
void mon_banner(struct mon_sess *);
/* Monotonic seconds (penalties' clock). */
time_t mon_now(void);
/* 107 with the session's nonce and endpoint. */
void mon_challenge(struct mon_sess *);
/* auth <client-nonce> <client-proof>: 200 with the server's proof. */
void mon_auth(struct mon_sess *, int argc, char **argv);
/* Call method with params (borrowed); the answer is written when it
 * comes, through the session's command's text function. */
void mon_call(struct mon_sess *, const char *method, json_t *params);

#endif
