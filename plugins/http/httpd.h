/*
 * httpd.h — the http plugin's internal header (the SDK's <stheno/http.h>
 * is the service it offers to other plugins): parser, servers, connections,
 * requests, handlers and auth, one section per file.
 *
 * Ownership: plugin.c owns the one `struct http_ctx` (global `H`) and, through
 * it, every server (server.c), which owns its connections (conn.c), each of
 * which owns its current request; handlers (handler.c) are owned by the
 * registry and referenced by the requests they are serving.  parse.c owns
 * nothing outside the struct http_parser it is given, so that it can be
 * linked alone into tests and the fuzzer.
 */
#ifndef STHENO_PLUGIN_HTTPD_H
#define STHENO_PLUGIN_HTTPD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include "dbuf.h"

#include "../common/penalty.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------- parse.c */

/* Default limits (README.md, "Limits"). */
#define HTTP_MAX_LINE 8192	/* request line, header line, chunk line */
#define HTTP_MAX_HEAD 65536	/* request line + headers (+ trailers) */
#define HTTP_MAX_HEADERS 100
#define HTTP_MAX_BODY 2097152		/* 2MB */

struct http_limits {
	size_t max_line;
	size_t max_head;
	size_t max_headers;
	size_t max_body;
};

struct http_hdr {
	char *name;
	char *value;
};

/* A parsed request; every pointer into `head` or malloc'd by the parser. */
struct http_msg {
	char *method;
	char *target;		/* as sent */
	char *path;		/* %-decoded path */
	char *query;		/* raw, NULL if none */
	int version;		/* 10 or 11 */
	struct http_hdr *hdrs;
	size_t nhdrs;
	char *body;		/* NUL-terminated, never NULL after DONE */
	size_t bodylen;
	long long clen;		/* Content-Length, -1 if none */
	int chunked;
	int keepalive;		/* the client allows keep-alive */
	int expect_continue;
	int head_method;	/* method is HEAD */
};

enum http_pstate {
	HP_START,		/* nothing of this request yet */
	HP_HEAD,		/* inside the head */
	HP_BODY,		/* Content-Length body */
	HP_CHUNK_SIZE,
	HP_CHUNK_DATA,
	HP_CHUNK_CRLF,
	HP_TRAILER,
	HP_COMPLETE,		/* the head was returned; body-less or done */
	HP_DONE,
	HP_ERROR
};

struct http_parser {
	struct http_limits lim;
	enum http_pstate st;
	int head_reported;
	int error;		/* the status to answer after HTTP_P_ERROR */
	char *head;		/* raw head bytes, then split in place */
	size_t headlen;
	size_t headcap;
	size_t linestart;	/* offset of the line being read in head */
	size_t bodycap;
	long long remain;	/* bytes left in the body or chunk */
	char line[32];		/* a chunk-size line (hex + ext, capped) */
	size_t linelen;
	size_t trailerlen;
	struct http_msg msg;
};

enum {
	HTTP_P_ERROR = -1,
	HTTP_P_MORE = 0,	/* feed more bytes */
	HTTP_P_HEAD = 1,	/* the head is complete: inspect msg, feed on */
	HTTP_P_DONE = 2		/* the request is complete */
};

void http_parser_init(struct http_parser *, const struct http_limits *);
/* Free what the parser holds and make it ready for the next request. */
void http_parser_reset(struct http_parser *);
void http_parser_free(struct http_parser *);
/* Consume up to len bytes (*used says how many); HTTP_P_*. */
int http_parser_feed(struct http_parser *, const char *, size_t, size_t *);
/* True once the parser has seen a byte of the current request. */
int http_parser_started(const struct http_parser *);
const char *http_msg_header(const struct http_msg *, const char *);
/* Decode %XX in [s, s+n) into a new string; NULL on a bad escape or %00. */
char *http_pct_decode(const char *, size_t);
/* True if the comma-separated header value contains token (any case). */
int http_has_token(const char *, const char *);

/* ------------------------------------------------------------- response.c */

const char *http_reason(int);
/* Medusa's error page for code; *len set.  Static storage. */
const char *http_error_page(int, size_t *);
/* "Sun, 06 Nov 1994 08:49:37 GMT" for now (cached per second). */
const char *http_date(void);
/* RFC 1123 date of t into buf (at least 32 bytes). */
void http_format_date(time_t, char *, size_t);

/* Response heads are built in a struct dbuf (lib/dbuf.h). */

/* ----------------------------------------------------- the plugin's state */

#include <stheno/stheno.h>
#include <stheno/http.h>
#include <stheno/tls.h>

struct http_conn;

/* One handler_add registration (handler.c). */
struct http_handler {
	TAILQ_ENTRY(http_handler) h_entry;
	struct sth_plugin *h_owner;
	char *h_server;			/* NULL = every server */
	char *h_prefix;			/* NULL = every path */
	size_t h_prefixlen;
	sth_http_match_fn h_match;
	sth_http_handle_fn h_handle;
	void *h_arg;
	unsigned h_flags;
	int h_removed;
	struct sth_binding *h_binding;	/* in h_owner's scope (host ABI 1.2) */
	LIST_HEAD(, sth_http_req) h_reqs;	/* its live requests */
};
TAILQ_HEAD(http_handlers, http_handler);

enum http_rstate {
	RS_DISPATCH,		/* in match/handle, not answered */
	RS_PENDING,		/* deferred: handle returned, not answered */
	RS_STREAMING,		/* stream_start was called */
	RS_CANCELLED		/* its cancel function is running */
};

/* One request (conn.c), the SDK's opaque struct sth_http_req. */
struct sth_http_req {
	LIST_ENTRY(sth_http_req) r_hentry;	/* on r_handler's list */
	struct http_conn *r_conn;
	struct http_msg *r_msg;		/* the parser's, until the end */
	struct http_handler *r_handler;	/* NULL before dispatch */
	enum http_rstate r_state;
	const char *r_user;
	sth_http_cancel_fn r_cancel;
	void *r_cancel_arg;
	struct dbuf r_hdrs;		/* "Name: value\r\n" lines */
	char *r_ctype;			/* Content-Type, written last */
	char *r_server_hdr;		/* Server override */
	int r_close;			/* close after this response */
	int r_status;
	unsigned long long r_sent;	/* body bytes, for the access log */
	time_t r_started;
};

/* Live connections from one client address on a server (peer.c). */
struct http_peer {
	LIST_ENTRY(http_peer) p_entry;
	unsigned char p_key[8];		/* IPv4 address or IPv6 /64 */
	unsigned char p_len;
	long p_n;
};
LIST_HEAD(http_peer_list, http_peer);

/* One server: a listener and its settings (server.c). */
struct http_server {
	TAILQ_ENTRY(http_server) s_entry;
	char *s_name;
	int s_control;
	int s_probes;			/* /healthz, /readyz (probes.c) */
	char *s_listen;			/* host:port or a socket path */
	int s_unix;
	long s_chmod;
	char *s_chown;
	char *s_username;		/* NULL = no auth */
	char *s_password;
	struct mon_penalties s_pen;	/* failed Basic auth, per peer */
	char **s_allowed_hosts;		/* allowed_hosts, NULL-ended, or NULL */
	int s_local_only;		/* no allowed_hosts, control,
					 * loopback */
	unsigned long long s_auth_failures;
	unsigned long long s_penalty_refused;
	struct sth_listener *s_listener;
	char *s_addr;			/* what it is bound to */
	struct http_limits s_lim;
	long s_idle_timeout;		/* seconds */
	long s_header_timeout;
	long s_max_conns;
	long s_max_per_addr;
	struct http_peer_list *s_peers;	/* peer.c's table, or NULL */
	time_t s_warned;		/* last "refused" WARN */
	unsigned long s_unsaid;		/* refusals since, not yet said */
	char *s_server_hdr;
	char *s_access_log;
	int s_access_fd;
	char *s_tls_name;		/* tls = NAME: [tls:NAME], or NULL */
	struct sth_tls_ctx *s_tls;	/* its context (the tls service) */
	int s_cert_auth;		/* tls_client_auth = cert */
	LIST_HEAD(, http_conn) s_conns;
	long s_nconns;
	unsigned long long s_total_conns;
	unsigned long long s_refused;
	unsigned long long s_requests;
	unsigned long long s_bytes_in;
	unsigned long long s_bytes_out;
	time_t s_started;
};
TAILQ_HEAD(http_servers, http_server);

/* One connection (conn.c). */
#define HTTP_CERT_USER 260	/* a CN (64 chars at most), escaped */

/*
 * What response.c's writers need of a connection (conn.c's, set at
 * accept): the seam between writing a response and the socket, so that
 * response.c links without the connection code.
 */
struct http_conn_ops {
	/* head then body (NULL with blen 0) out now if nothing is queued
	 * before them, else queued (under TLS: both in one add, one
	 * record); counted in s_bytes_out */
	void (*send)(struct http_conn *, const void *head, size_t hlen,
	    const void *body, size_t blen);
	/* queue len bytes of fd from offset behind the rest: 0, or -1
	 * (logged; fd not taken) */
	int (*send_file)(struct http_conn *, int fd, off_t offset, off_t len);
	size_t (*pending)(struct http_conn *);	/* queued, not sent */
	void (*cork)(struct http_conn *, int on);	/* TCP_CORK */
	/* may it stay open after this response (server and plugin not
	 * draining)? */
	int (*reusable)(struct http_conn *);
	/* the response is complete: log, free, go on with the connection */
	void (*end)(struct sth_http_req *);
};

struct http_conn {
	LIST_ENTRY(http_conn) c_entry;
	const struct http_conn_ops *c_ops;
	struct http_server *c_srv;
	struct sth_conn *c_conn;
	struct http_parser c_parser;
	struct sth_http_req *c_req;	/* the request being answered */
	char c_peer[64];
	struct http_peer *c_peerent;	/* its address's count, or NULL */
	double c_deadline;		/* head must be complete by then */
	int c_kept;			/* kept alive after a response */
	int c_busy;			/* frames of ours on the stack */
	int c_dead;			/* closed: free when c_busy drops */
	int c_draining;			/* close after the current response */
	int c_resume;			/* a deferred resume is scheduled */
	int c_unauth;			/* this status (guard.c) once the
					 * body is read */
	int c_probe;			/* this request is a probe, let in
					 * without auth (probes.c) */
	long c_retry;			/* a 429's Retry-After, seconds */
	char c_cert_user[HTTP_CERT_USER]; /* the client certificate's CN
					 * that authenticated it, or "" */
	int c_linger;			/* answered, closing: discard input */
	int c_shut;			/* shutdown(SHUT_WR) done */
	int c_corked;			/* TCP_CORK on while a file goes */
	size_t c_discarded;		/* bytes dropped while lingering */
};

/* The plugin (plugin.c). */
struct http_ctx {
	struct sth_plugin *self;
	const struct sth_host *host;
	struct http_servers servers;
	struct http_handlers handlers;
	int walking;			/* dispatch loops on the stack */
	int sweep;			/* removed handlers await freeing */
	int draining;
	struct http_handler *ping;
	struct sth_http_api api;
	const struct sth_tls_api *tls;	/* held while a server uses TLS */
};
extern struct http_ctx H;

/* -------------------------------------------------------------- probes.c */
/* 1 if c's request (its head is in) is a probe its server answers:
 * GET or HEAD of /healthz or /readyz on a server with s_probes. */
int probes_wanted(const struct http_conn *);
/* Answer a probe (never through the handler chain). */
void probes_handle(struct sth_http_req *);

/* ------------------------------------------------------------- handler.c */
void handler_api_fill(struct sth_http_api *);
/* Find the handler for req and call it (or answer 404). */
void handler_dispatch(struct sth_http_req *);
void handler_free_all(void);

/* --------------------------------------------------------------- server.c */
/* Build a server from a config section; NULL after host->fail. */
struct http_server *server_new(struct sth_section *, const char *, int);
int server_start(struct http_server *);
void server_free(struct http_server *);
json_t *server_list_json(void);
void server_access_log(struct http_server *, struct sth_http_req *);

/* ----------------------------------------------------------------- peer.c */
/* The entry of sa's address (made with p_n 0), or NULL for no address. */
struct http_peer *peer_get(struct http_server *, const struct sockaddr *,
    socklen_t);
/* One connection of the address fewer; the entry goes at 0. */
void peer_put(struct http_peer *);
/* Free an entry peer_get made that no connection took. */
void peer_drop_unused(struct http_peer *);
void peer_free_all(struct http_server *);

/* -------------------------------------------------------------- timeout.c */
/* Lingering close: how long to wait for the client's next bytes before
 * dropping it (nginx's lingering_timeout). */
#define LINGER_SECS 2.0
/* Draining (unload or reload): how long an idle keep-alive connection
 * still waits for a request that may be on its way. */
#define DRAIN_IDLE_SECS 1.0
/* The shortest timeout: what a deadline already passed leaves. */
#define TIMEOUT_MIN 0.001
double now_mono(void);
/* c's read timeout at now, in seconds; -1 for none. */
double conn_read_timeout(const struct http_conn *, double);

/* ----------------------------------------------------------------- conn.c */
void conn_accept(struct sth_listener *, int, const struct sockaddr *,
    socklen_t, void *);
/* Close c now (drop = 1) or after its output (drop = 0). */
void conn_close(struct http_conn *, int);
void conn_drain(struct http_conn *);
/* End req without an answer from its handler (handler removed): cancel,
 * then a last chunk or a 503. */
void req_abort(struct sth_http_req *);

/* ----------------------------------------------------- response.c: writers */
/* Response primitives the API table points at. */
void req_set_header(struct sth_http_req *, const char *, const char *);
void req_respond(struct sth_http_req *, int, const char *, const void *,
    size_t);
void req_respond_error(struct sth_http_req *, int);
void req_respond_file(struct sth_http_req *, int, int, off_t, off_t);
void req_stream_start(struct sth_http_req *, int, const char *);
int req_stream_write(struct sth_http_req *, const void *, size_t);
void req_stream_end(struct sth_http_req *);
size_t req_pending(struct sth_http_req *);

/* --------------------------------------------------------------- auth.c */

/* Returns the user name on success (borrowed from the server), NULL on
 * failure.  header is the Authorization value or NULL.  given (if not
 * NULL) receives the user name the client offered, escaped for a log
 * line, or "" if it offered none. */
const char *http_auth_check(const struct http_server *, const char *,
    char *given, size_t givenlen);
#define HTTP_AUTH_GIVEN 272	/* room for an escaped offered user name */
/* 0 if password is usable ("{SHA}" + 40 hex digits, or plain), else -1. */
int http_auth_valid_password(const char *);

/* --------------------------------------------------------------- guard.c */

/* Seconds a monotonic clock shows, for penalties. */
time_t guard_now(void);
/* allowed_hosts of a server (its section, else [plugin:http]); -1 after
 * host->fail.  max_auth_failures and auth_penalty are server.c's table. */
int guard_config(struct http_server *, struct sth_section *own,
    struct sth_section *global);
/* The server is bound: a loopback control server without allowed_hosts
 * answers local Host names only. */
void guard_started(struct http_server *);
void guard_free(struct http_server *);
/* The head of a request is in: Host, then penalties, then Basic auth.
 * Returns 0 (go on) or the status to answer: 400, 421, 401, 429
 * (c_retry set). */
int guard_head(struct http_conn *);
/* The 429 a penalised peer gets: Retry-After and why, then close. */
void guard_respond_429(struct sth_http_req *);

#endif /* STHENO_PLUGIN_HTTPD_H */
