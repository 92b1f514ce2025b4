/*
 * plugin.c — the monitor plugin: a command console (never code execution)
 * on a unix socket and, with a secret, on TCP.  Accepts sessions, frames
 * answers, runs the HMAC-SHA256 challenge-response and calls the RPC
 * registry for the commands of cmd.c.  The protocol is README.md's.
 *
 * Ownership: struct mon M (monitor.h).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "monitor.h"
#include "../common/digest.h"
#include "xmalloc.h"

#define MON_DEFAULT_SOCKET "/tmp/stheno-monitor.sock"
#define TEXT_(n) #n
#define TEXT(n) TEXT_(n)
#define MON_MAX_OUTPUT (2 * MON_MAX_BODY) /* unread answers: stop reading */

struct mon M;

static void mon_process(struct mon_sess *);

static struct bufferevent *
bev(struct mon_sess *s)
{
	return M.host->conn_bev(s->conn);
}

/* --- answers -------------------------------------------------------------- */

void
mon_reply(struct mon_sess *s, int status, const char *body, size_t len)
{
	char hdr[MON_HEADER_LEN + 1];
	struct evbuffer *out = bufferevent_get_output(bev(s));

	if (len > MON_MAX_BODY) {
		len = MON_MAX_BODY;
		if (status == MON_OK)
			status = MON_TRUNCATED;
	}
	mon_frame_header(hdr, status, len);
	evbuffer_add(out, hdr, MON_HEADER_LEN);
	evbuffer_add(out, body, len);
	evbuffer_add(out, "\n", 1);
}

void
mon_replyf(struct mon_sess *s, int status, const char *fmt, ...)
{
	struct dbuf b = DBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	dbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	mon_reply(s, status, b.data, b.len);
	dbuf_free(&b);
}

void
mon_reply_data(struct mon_sess *s, int status, json_t *data, const char *text)
{
	struct timespec ts;
	json_t *env;
	char *body;

	if (!s->json) {
		json_decref(data);
		mon_reply(s, status, text, strlen(text));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	env = json_pack("[i, O, f, o]", MON_JSON_VERSION, s->argv,
	    (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0, data);
	body = env != NULL ? json_dumps(env, JSON_COMPACT | JSON_ENCODE_ANY) :
	    NULL;
	json_decref(env);
	if (body == NULL) {
		mon_replyf(s, MON_CLOSE,
		    "the answer cannot be written as JSON");
		return;
	}
	mon_reply(s, status, body, strlen(body));
	free(body);
}

static void
banner_text(struct dbuf *b)
{
	dbuf_printf(b, "-----------------------------\n"
	    "Stheno %s monitor\n\n"
	    "Type 'help' for command list.\n"
	    "Type 'quit' to close CLI session.", M.host->version());
}

void
mon_banner(struct mon_sess *s)
{
	struct dbuf b = DBUF_INIT;

	banner_text(&b);
	mon_reply_data(s, MON_OK, json_string(b.data), b.data);
	dbuf_free(&b);
}

/* --- authentication ------------------------------------------------------- */

void
mon_challenge(struct mon_sess *s)
{
	mon_replyf(s, MON_AUTH, "%s\n%s\n\nAuthentication required.",
	    s->challenge, s->endpoint);
}

/* The secret file's bytes, or NULL (logged): unreadable, or over 64 KiB. */
static char *
slurp_secret(size_t *len)
{
	char *buf;
	ssize_t n;
	int fd;

	*len = 0;
	if (M.secret == NULL)
		return NULL;
	if ((fd = open(M.secret, O_RDONLY | O_CLOEXEC)) == -1) {
		M.host->log(M.self, STH_LOG_ERRO, "monitor: cannot read the "
		    "secret file %s: %s", M.secret, strerror(errno));
		return NULL;
	}
	buf = xmalloc(MON_MAX_SECRET + 1);
	while ((n = read(fd, buf + *len, MON_MAX_SECRET + 1 - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	if (n == -1 || *len > MON_MAX_SECRET) {
		M.host->log(M.self, STH_LOG_ERRO, "monitor: cannot read the "
		    "secret file %s: %s", M.secret, n == -1 ? strerror(errno) :
		    "larger than 64 KiB");
		free(buf);
		return NULL;
	}
	return buf;
}

/* The key for one auth, or NULL (logged).  A file emptied or cut short
 * while it is rotated must not key the HMAC with what anyone can guess,
 * so the length is checked here, at every auth, not only at load. */
static char *
read_secret(size_t *len)
{
	char *buf;

	if ((buf = slurp_secret(len)) == NULL || *len >= MON_MIN_SECRET)
		return buf;
	M.host->log(M.self, STH_LOG_ERRO, "monitor: the secret file %s is %zu "
	    "bytes long, %s%s: refusing every authentication", M.secret, *len,
	    *len == 0 ? "empty" : "less than ", *len == 0 ? "" :
	    MON_MIN_SECRET_S);
	explicit_bzero(buf, *len);
	free(buf);
	return NULL;
}

/* 1 if the client's proof is right, with the server's in proof; 0 if
 * not; -1 if no secret can be used. */
static int
auth_ok(struct mon_sess *s, const char *cn, const char *answer,
    char proof[MON_PROOF_LEN + 1])
{
	char want[MON_PROOF_LEN + 1];
	char *key;
	size_t len;
	int ok;

	if ((key = read_secret(&len)) == NULL)
		return -1;
	ok = mon_nonce_valid(cn);
	if (ok) {
		mon_proof(key, len, MON_ROLE_CLIENT, s->challenge, cn,
		    s->endpoint, want);
		ok = digest_equal(answer, strlen(answer), want, MON_PROOF_LEN);
		mon_proof(key, len, MON_ROLE_SERVER, s->challenge, cn,
		    s->endpoint, proof);
	}
	explicit_bzero(key, len);
	free(key);
	explicit_bzero(want, sizeof want);
	return ok;
}

/* 200: the server's proof, a blank line, the banner. */
static void
auth_success(struct mon_sess *s, const char *proof)
{
	struct dbuf b = DBUF_INIT;

	dbuf_printf(&b, "%s\n\n", proof);
	banner_text(&b);
	mon_reply_data(s, MON_OK, json_pack("{s:s, s:s}", "proof", proof,
	    "banner", b.data + MON_PROOF_LEN + 2), b.data);
	dbuf_free(&b);
}

static void
auth_delay_done(struct sth_timer *t, void *arg)
{
	struct mon_sess *s = arg;

	M.host->timer_free(t);
	s->delay = NULL;
	mon_nonce(s->challenge);
	mon_challenge(s);
	s->closing = 1;
	mon_process(s);
}

time_t
mon_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void
mon_auth(struct mon_sess *s, int argc, char **argv)
{
	struct timeval idle = { MON_IDLE_SECS, 0 };
	char proof[MON_PROOF_LEN + 1];
	long secs;
	int ok;

	/* in a session already authenticated (a trusted unix peer) too: the
	 * client may ask the server to prove itself */
	ok = auth_ok(s, argv[1], argv[2], proof);
	if (ok == -1) {
		/* the operator's problem, not the client's: no failure */
		mon_replyf(s, MON_COMMS, "authentication is unavailable: the "
		    "monitor's secret file is unreadable, empty or shorter "
		    "than %d bytes (see sthenod's log)", MON_MIN_SECRET);
		s->closing = 1;
		return;
	}
	if (ok == 1) {
		s->authed = 1;
		mon_penalty_clear(&M.pen, s->key);
		bufferevent_set_timeouts(bev(s), &idle, NULL);
		auth_success(s, proof);
		explicit_bzero(proof, sizeof proof);
		return;
	}
	M.failed_auths++;
	M.host->log(M.self, STH_LOG_WARN, "monitor: failed authentication "
	    "from %s", s->peer);
	if ((secs = mon_penalty_fail(&M.pen, s->key, mon_now())) > 0)
		M.host->log(M.self, STH_LOG_WARN, "monitor: refusing %s for "
		    "%ld s: too many failed authentications", s->key, secs);
	s->delay = M.host->timer_new(M.self, auth_delay_done, s);
	M.host->timer_start(s->delay, MON_AUTH_DELAY, 0);
}

/* --- calls ---------------------------------------------------------------- */

static void
call_done(json_t *result, int code, const char *fault, void *arg)
{
	struct mon_sess *s = arg;
	struct dbuf b = DBUF_INIT;

	s->call = NULL;
	if (code != 0) {
		dbuf_printf(&b, "%d %s", code, fault != NULL ? fault : "");
		mon_reply_data(s, MON_FAULT, json_pack("{s:i, s:s}",
		    "faultCode", code, "faultString", fault != NULL ? fault :
		    ""), b.data);
	} else {
		if (!s->json)
			s->cmd->text(&b, result, s->argv);
		mon_reply_data(s, MON_OK, json_incref(result),
		    b.data != NULL ? b.data : "");
	}
	dbuf_free(&b);
	if (!s->busy)
		mon_process(s);
}

void
mon_call(struct mon_sess *s, const char *method, json_t *params)
{
	struct sth_rpc_call *call;

	call = M.host->rpc_call(M.self, method, params, call_done, s);
	if (call != NULL)
		s->call = call;
}

/* --- sessions ------------------------------------------------------------- */

static void
sess_free(struct mon_sess *s, int drop)
{
	LIST_REMOVE(s, link);
	M.nconns--;
	if (s->call != NULL)
		M.host->rpc_cancel(s->call);
	if (s->delay != NULL)
		M.host->timer_free(s->delay);
	if (drop)
		M.host->conn_free(s->conn);
	else
		M.host->conn_close_after_write(s->conn);
	json_decref(s->argv);
	free(s->endpoint);
	free(s);
}

/* Answer the complete lines that have arrived, one at a time: answering
 * pauses while a call is pending, a failed auth waits, or the client leaves
 * answers unread.  Reading goes on meanwhile (up to the high watermark of
 * one line), so that a client that leaves is seen at once and its call
 * cancelled. */
static void
mon_process(struct mon_sess *s)
{
	struct evbuffer *in = bufferevent_get_input(bev(s));
	struct evbuffer *out = bufferevent_get_output(bev(s));
	char *line;
	size_t n;

	if (s->busy)
		return;
	s->busy = 1;
	while (!s->closing && s->call == NULL && s->delay == NULL &&
	    evbuffer_get_length(out) < MON_MAX_OUTPUT) {
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (line == NULL && evbuffer_get_length(in) <= MON_MAX_LINE)
			break;
		if (line == NULL || n > MON_MAX_LINE) {
			mon_replyf(s, MON_COMMS, "line too long (the limit is "
			    "%d bytes)", MON_MAX_LINE);
			s->closing = 1;
		} else
			mon_dispatch(s, line, n);
		free(line);
	}
	s->busy = 0;
	if (s->closing && s->call == NULL && s->delay == NULL)
		sess_free(s, 0);
	else if (s->closing)
		bufferevent_disable(bev(s), EV_READ);
	else
		bufferevent_enable(bev(s), EV_READ);
}

static void
sess_read(struct sth_conn *c, void *arg)
{
	mon_process(arg);
}

static void
sess_write(struct sth_conn *c, void *arg)
{
	mon_process(arg);
}

static void
sess_event(struct sth_conn *c, short what, void *arg)
{
	struct mon_sess *s = arg;

	if (s->busy) {
		s->closing = 1;
		return;
	}
	sess_free(s, 1);
}

/* The peer as the log names it, and its penalty key: the address without
 * the port (a client picks a new port for each try), or the uid. */
static void
peer_name(char *peer, size_t peerlen, char key[MON_PENALTY_KEY], int fd,
    const struct sockaddr *sa, socklen_t salen, const struct ucred *cred)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *in = (const void *)sa;
	const struct sockaddr_in6 *in6 = (const void *)sa;

	if (salen > 0 && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(peer, peerlen, "%s:%u", host, ntohs(in->sin_port));
		snprintf(key, MON_PENALTY_KEY, "%s", host);
	} else if (salen > 0 && sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(peer, peerlen, "[%s]:%u", host, ntohs(in6->sin6_port));
		snprintf(key, MON_PENALTY_KEY, "%s", host);
	} else if (cred != NULL) {
		snprintf(peer, peerlen, "unix (pid %ld, uid %ld)",
		    (long)cred->pid, (long)cred->uid);
		snprintf(key, MON_PENALTY_KEY, "uid %ld", (long)cred->uid);
	} else {
		snprintf(peer, peerlen, "unix (fd %d)", fd);
		snprintf(key, MON_PENALTY_KEY, "unix");
	}
}

/* A penalised peer: one 400 frame saying why and until when, written
 * straight to the fresh socket (it fits any socket buffer), then close. */
static void
refuse_penalised(int fd, const char *key, long secs)
{
	char body[160], frame[MON_HEADER_LEN + sizeof body + 1];
	int n;

	n = snprintf(body, sizeof body, "too many failed authentications "
	    "from %s: try again in %ld s", key, secs);
	mon_frame_header(frame, MON_COMMS, (size_t)n);
	memcpy(frame + MON_HEADER_LEN, body, (size_t)n);
	frame[MON_HEADER_LEN + n] = '\n';
	if (send(fd, frame, MON_HEADER_LEN + (size_t)n + 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL) == -1 && errno != EPIPE &&
	    errno != ECONNRESET)
		M.host->log(M.self, STH_LOG_DEBG, "monitor: send: %s",
		    strerror(errno));
	close(fd);
}

/* The address this TCP connection reached, as the client sees it. */
static char *
tcp_endpoint(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char buf[MON_ENDPOINT_MAX];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    mon_endpoint_inet((struct sockaddr *)&ss, buf, sizeof buf) == -1) {
		M.host->log(M.self, STH_LOG_WARN, "monitor: getsockname: %s",
		    strerror(errno));
		snprintf(buf, sizeof buf, "tcp:?"); /* no proof will match */
	}
	return xstrdup(buf);
}

/* A unix peer whose uid is root's or ours needs no secret. */
static int
peer_trusted(int fd, struct ucred *cred)
{
	socklen_t len = sizeof *cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) == -1) {
		M.host->log(M.self, STH_LOG_WARN, "monitor: SO_PEERCRED: %s",
		    strerror(errno));
		return -1;
	}
	return cred->uid == 0 || cred->uid == geteuid();
}

static void
mon_accept(struct sth_listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen, void *arg)
{
	struct timeval preauth = { MON_PREAUTH_SECS, 0 };
	struct timeval idle = { MON_IDLE_SECS, 0 };
	struct mon_sess *s;
	struct ucred cred;
	char peer[sizeof s->peer], key[MON_PENALTY_KEY];
	int is_unix = l == M.unix_l, trusted = 0;
	long secs;

	if (M.draining || M.nconns >= MON_MAX_CONNS) {
		M.refused++;
		close(fd);
		return;
	}
	if (is_unix)
		trusted = peer_trusted(fd, &cred);
	peer_name(peer, sizeof peer, key, fd, sa, salen,
	    is_unix && trusted != -1 ? &cred : NULL);
	if (trusted != 1 &&
	    (secs = mon_penalty_left(&M.pen, key, mon_now())) > 0) {
		M.refused++;
		M.penalty_refused++;
		refuse_penalised(fd, key, secs);
		return;
	}
	s = xcalloc(1, sizeof *s);
	memcpy(s->peer, peer, sizeof s->peer);
	memcpy(s->key, key, sizeof s->key);
	mon_nonce(s->challenge);
	s->endpoint = is_unix ? xstrdup(M.unix_endpoint) :
	    tcp_endpoint(fd);
	s->authed = trusted == 1;
	s->conn = M.host->conn_new(M.self, fd, sess_read, sess_write,
	    sess_event, s);
	if (s->conn == NULL) {
		free(s->endpoint);
		free(s);
		return;
	}
	LIST_INSERT_HEAD(&M.sessions, s, link);
	M.nconns++;
	M.total_conns++;
	bufferevent_setwatermark(bev(s), EV_READ, 0, MON_MAX_LINE + 2);
	bufferevent_set_timeouts(bev(s), s->authed ? &idle : &preauth, NULL);
	if (s->authed)
		mon_banner(s);
	else
		mon_challenge(s);
}

/* --- configuration -------------------------------------------------------- */

/* "port" or ":port" → "127.0.0.1:port": loopback unless the host is
 * written out ("*:port" or "0.0.0.0:port" for every interface). */
static char *
tcp_address(const char *v)
{
	char *out;

	if (strchr(v, ':') == NULL)
		xasprintf(&out, "127.0.0.1:%s", v);
	else if (v[0] == ':')
		xasprintf(&out, "127.0.0.1%s", v);
	else
		out = xstrdup(v);
	return out;
}

static int
check_secret(void)
{
	struct stat st;
	char *key;
	size_t len;

	if ((key = slurp_secret(&len)) == NULL)
		return M.host->fail(M.self, "[plugin:monitor] secret=%s cannot "
		    "be read (see the log)", M.secret);
	explicit_bzero(key, len);
	free(key);
	if (len < MON_MIN_SECRET)
		return M.host->fail(M.self, "[plugin:monitor] secret=%s is %zu "
		    "bytes long: at least %d are needed (e.g. head -c 32 "
		    "/dev/urandom > file)", M.secret, len, MON_MIN_SECRET);
	if (stat(M.secret, &st) == 0 && (st.st_mode & 077) != 0)
		M.host->log(M.self, STH_LOG_WARN, "monitor: the secret file %s "
		    "can be read by other users (mode %04o): chmod 0600 it",
		    M.secret, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int
open_tcp(const char *port)
{
	char *addr, *err = NULL;

	if (M.secret == NULL)
		return M.host->fail(M.self, "[plugin:monitor] port=%s needs "
		    "secret=: a console on TCP without a secret would obey "
		    "anyone who can connect", port);
	addr = tcp_address(port);
	M.tcp_l = M.host->listen_tcp(M.self, addr, mon_accept, NULL, &err);
	free(addr);
	if (M.tcp_l == NULL) {
		M.host->fail(M.self, "[plugin:monitor] port=%s: %s", port, err);
		free(err);
		return -1;
	}
	return 0;
}

static int
open_unix(const char *path)
{
	char *err = NULL;

	M.unix_l = M.host->listen_unix(M.self, path, (int)M.socket_mode,
	    M.socket_owner, mon_accept, NULL, &err);
	if (M.unix_l == NULL) {
		M.host->fail(M.self, "[plugin:monitor] socket=%s: %s", path,
		    err);
		free(err);
		return -1;
	}
	/* The console's unix socket is a control channel (its mode and
	 * SO_PEERCRED keep the public out): a flood of a public server must
	 * not take the descriptors it needs.  TCP stays public. */
	if (STH_HOST_HAS(M.host, listener_set_control))
		M.host->listener_set_control(M.unix_l, 1);
	M.unix_endpoint = xmalloc(MON_ENDPOINT_MAX);
	mon_endpoint_unix(path, M.unix_endpoint, MON_ENDPOINT_MAX);
	return 0;
}

/* [plugin:monitor], read by the host into M (host->cfg_read). */
#define MO(k, m, t, fl, d, lo, hi)                                             \
	STH_CFG_OPTION(k, STH_CFG_##t, fl, struct mon, m, d, lo, hi)
static const struct sth_cfg_option mon_opts[] = {
	MO("socket", socket, STR, STH_CFG_EMPTY_NULL, NULL, 0, 0),
	MO("port", port, STR, STH_CFG_EMPTY_NULL, NULL, 0, 0),
	MO("secret", secret, STR, STH_CFG_EMPTY_NULL, NULL, 0, 0),
	MO("socket_mode", socket_mode, OCTAL, 0, "0600", 0, 0),
	MO("socket_owner", socket_owner, STR, STH_CFG_EMPTY_NULL, NULL, 0, 0),
	/* 0: off */
	MO("max_auth_failures", pen.max_failures, INT, 0,
	    TEXT(MON_MAX_AUTH_FAILURES), 0, LONG_MAX),
	MO("auth_penalty", pen.base, INT, 0, TEXT(MON_AUTH_PENALTY), 0,
	    LONG_MAX),
	STH_CFG_END
};
#undef MO

static int
mon_config(void)
{
	if (M.host->cfg_read(M.self, M.host->config(M.self), NULL, mon_opts,
	    &M) == -1)
		return -1;
	if (M.secret != NULL && check_secret() == -1)
		return -1;
	if (M.port != NULL && open_tcp(M.port) == -1)
		return -1;
	if (M.socket != NULL)
		return open_unix(M.socket);
	if (M.tcp_l == NULL)
		return open_unix(MON_DEFAULT_SOCKET);
	return 0;
}

static int
mon_init(struct sth_plugin *self, const struct sth_host *host)
{
	memset(&M, 0, sizeof M);
	M.host = host;
	M.self = self;
	M.started = time(NULL);
	LIST_INIT(&M.sessions);
	if (mon_config() == 0)
		return 0;
	/* fini is not called after a failed init; listeners are the host's */
	M.host->cfg_release(mon_opts, &M);
	free(M.unix_endpoint);
	M.unix_endpoint = NULL;
	return -1;
}

/* Unload has begun (perhaps asked by one of our own sessions, which is
 * then inside mon_process): idle sessions close now, busy ones once their
 * answer is written. */
static void
mon_drain(struct sth_plugin *self)
{
	struct mon_sess *s, *next;

	M.draining = 1;
	for (s = LIST_FIRST(&M.sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, link);
		s->closing = 1;
		if (!s->busy && s->call == NULL)
			sess_free(s, 0);
	}
}

static void
mon_fini(struct sth_plugin *self)
{
	while (!LIST_EMPTY(&M.sessions))
		sess_free(LIST_FIRST(&M.sessions), 1);
	if (M.unix_l != NULL)
		M.host->listener_free(M.unix_l);
	if (M.tcp_l != NULL)
		M.host->listener_free(M.tcp_l);
	M.host->cfg_release(mon_opts, &M);
	free(M.unix_endpoint);
	mon_penalty_free(&M.pen);
	memset(&M, 0, sizeof M);
}

STHENO_PLUGIN("monitor", "1.0",
    "the command console (sthenoctl): plugins and any RPC method, "
    "authenticated by peer credentials or HMAC-SHA256",
    NULL, mon_init, mon_drain, mon_fini);
