/*
 * conn.c — one HTTP connection: read, parse, authenticate, dispatch one
 * request at a time (so pipelined responses leave in order), and send what
 * response.c writes (conn_send), then go on with the next request
 * (req_end).
 *
 * Ownership: a connection owns its parser and its current request; the host
 * owns the bufferevent underneath (host->conn_*).  A connection is freed only
 * when no frame of ours is on the stack for it (c_busy), so a handler may end
 * a request, or the client may vanish, from inside any callback.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "httpd.h"

#define READ_HIGH_WATERMARK (256 * 1024)
/* Lingering close: how many bytes to discard in all before dropping the
 * client (LINGER_SECS, httpd.h, is the wait between them). */
#define LINGER_MAX (1024 * 1024)

static void conn_process(struct http_conn *);
static void conn_close_answered(struct http_conn *);
static void req_end(struct sth_http_req *);

static struct bufferevent *
bev(struct http_conn *c)
{
	return H.host->conn_bev(c->c_conn);
}

static void
tv_set(struct timeval *tv, double secs)
{
	if (secs < 0.001)
		secs = 0.001;
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
}

/* The read timeout of the phase; the write timeout drops a client that
 * stops reading. */
static void
conn_timeouts(struct http_conn *c)
{
	struct timeval rtv, wtv;
	double secs = conn_read_timeout(c, now_mono());

	tv_set(&rtv, secs);
	tv_set(&wtv, c->c_srv->s_idle_timeout);
	bufferevent_set_timeouts(bev(c), secs < 0 ? NULL : &rtv, &wtv);
}

static void
conn_unref(struct http_conn *c)
{
	if (--c->c_busy > 0 || !c->c_dead)
		return;
	http_parser_free(&c->c_parser);
	free(c);
}

/* ------------------------------------------------------------- requests */

static void
req_free(struct sth_http_req *r)
{
	if (r->r_handler != NULL)
		LIST_REMOVE(r, r_hentry);
	dbuf_free(&r->r_hdrs);
	free(r->r_ctype);
	free(r->r_server_hdr);
	free(r);
}

/* Tell the handler its request is gone, then free it. */
static void
req_cancel(struct sth_http_req *r)
{
	sth_http_cancel_fn fn = r->r_cancel;

	r->r_state = RS_CANCELLED;
	r->r_cancel = NULL;
	if (fn != NULL)
		fn(r, r->r_cancel_arg);
}

/* ------------------------------- the transport under response.c's writers */

/*
 * TLS: head and body in one add to the session's output, so that they
 * leave in one record; joined in the output buffer's own space, which is
 * the body's one copy (it was joined behind the head first, then copied
 * again into the buffer).
 */
static void
conn_queue_joined(struct http_conn *c, const void *head, size_t hlen,
    const void *body, size_t blen)
{
	struct bufferevent *b = bev(c);
	struct evbuffer *out = bufferevent_get_output(b);
	struct evbuffer_iovec v;

	if (hlen + blen <= EV_SSIZE_MAX &&
	    evbuffer_reserve_space(out, (ev_ssize_t)(hlen + blen), &v, 1) ==
	    1 && v.iov_len >= hlen + blen) {
		memcpy(v.iov_base, head, hlen);
		if (blen > 0)
			memcpy((char *)v.iov_base + hlen, body, blen);
		v.iov_len = hlen + blen;
		if (evbuffer_commit_space(out, &v, 1) == 0)
			return;
	}
	bufferevent_write(b, head, hlen);
	if (blen > 0)
		bufferevent_write(b, body, blen);
}

/*
 * Send a head and a body now if nothing is queued before them: an answer
 * then leaves in one sendmsg(2), the body read where it lies (no copy
 * behind the head), and libevent's write event is neither armed nor
 * disarmed for it (that was two epoll_ctl per request).  What the socket
 * does not take (a full buffer) goes to the bufferevent, which writes it
 * when the socket is writable under the write timeout; so does everything
 * after a failed send, and the bufferevent then reports the error to
 * conn_event_cb.  On a TLS connection everything goes through the
 * bufferevent (the session): conn_queue_joined.
 */
static void
conn_send(struct http_conn *c, const void *head, size_t hlen,
    const void *body, size_t blen)
{
	struct bufferevent *b = bev(c);
	struct iovec iov[2];
	struct msghdr m;
	ssize_t n = 0;
	size_t sent;

	if (c->c_srv->s_tls != NULL) {
		conn_queue_joined(c, head, hlen, body, blen);
		c->c_srv->s_bytes_out += hlen + blen;
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(b)) == 0) {
		iov[0].iov_base = (void *)head;
		iov[0].iov_len = hlen;
		iov[1].iov_base = (void *)body;
		iov[1].iov_len = blen;
		memset(&m, 0, sizeof m);
		m.msg_iov = iov;
		m.msg_iovlen = blen > 0 ? 2 : 1;
		n = sendmsg(bufferevent_getfd(b), &m, MSG_NOSIGNAL);
		if (n == -1)
			n = 0;
	}
	sent = (size_t)n;
	if (sent < hlen) {
		bufferevent_write(b, (const char *)head + sent, hlen - sent);
		sent = 0;
	} else
		sent -= hlen;
	if (sent < blen)
		bufferevent_write(b, (const char *)body + sent, blen - sent);
	c->c_srv->s_bytes_out += hlen + blen;
}

static size_t
conn_pending(struct http_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(bev(c)));
}

static int
conn_send_file(struct http_conn *c, int fd, off_t offset, off_t len)
{
	if (evbuffer_add_file(bufferevent_get_output(bev(c)), fd, offset,
	    len) == 0)
		return 0;
	H.host->log(H.self, STH_LOG_ERRO, "http: cannot queue file for %s",
	    c->c_peer);
	return -1;
}

/*
 * TCP_CORK while a file is sent by sendfile (as nginx's tcp_nopush; not
 * under TLS, where the session writes records): the head waits for the body
 * and the body leaves in full segments; uncorked once the output has
 * drained (conn_write_cb), so the last segment does not wait.
 */
static void
conn_cork(struct http_conn *c, int on)
{
	int fd;

	if (c->c_corked == on || (on && (c->c_srv->s_unix ||
	    c->c_srv->s_tls != NULL)))
		return;
	fd = bufferevent_getfd(bev(c));
	if (setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0)
		c->c_corked = on;
}

/* ----------------------------------------------------- request lifetime */

void
req_abort(struct sth_http_req *r)
{
	enum http_rstate was = r->r_state;

	req_cancel(r);
	if (was == RS_STREAMING) {
		r->r_state = RS_STREAMING;
		req_stream_end(r);
	} else {
		r->r_state = RS_PENDING;
		r->r_close = 1;
		req_respond_error(r, 503);
	}
}

static void
conn_resume_cb(void *arg)
{
	struct http_conn *c = arg;

	c->c_resume = 0;
	if (!c->c_dead)
		conn_process(c);
	conn_unref(c);
}

/* Will the connection stay open after the response (response.c)? */
static int
conn_reusable(struct http_conn *c)
{
	return !c->c_draining && !H.draining;
}

/* The response is complete: log it, free it, go on with the connection. */
static void
req_end(struct sth_http_req *r)
{
	struct http_conn *c = r->r_conn;
	int close = r->r_close;

	server_access_log(c->c_srv, r);
	c->c_req = NULL;
	req_free(r);
	if (c->c_dead)
		return;
	if (close) {
		conn_close_answered(c);
		return;
	}
	http_parser_reset(&c->c_parser);
	c->c_kept = 1;
	conn_timeouts(c);
	bufferevent_enable(bev(c), EV_READ);
	/* Pipelined bytes may already wait: parse them from the loop, not
	 * from inside the handler that just answered. */
	if (c->c_busy == 0 && !c->c_resume &&
	    evbuffer_get_length(bufferevent_get_input(bev(c))) > 0) {
		c->c_resume = 1;
		c->c_busy++;
		H.host->defer(H.self, conn_resume_cb, c);
	}
}

/* Half-close once every byte of the answer has left. */
static void
conn_linger_shut(struct http_conn *c)
{
	struct bufferevent *b = bev(c);

	if (c->c_shut || evbuffer_get_length(bufferevent_get_output(b)) > 0)
		return;
	c->c_shut = 1;
	if (shutdown(bufferevent_getfd(b), SHUT_WR) == -1 && errno != ENOTCONN)
		H.host->log(H.self, STH_LOG_WARN, "http: shutdown %s: %s",
		    c->c_peer, strerror(errno));
}

/*
 * Close after the answer just queued.  If the client may still be sending
 * (a body we refused or did not read, pipelined bytes, garbage), closing
 * now would make the kernel reset the connection, and the client could see
 * EPIPE or ECONNRESET instead of our answer.  So linger, as nginx does:
 * send the answer, half-close, discard what still comes for a short while
 * (LINGER_SECS between reads, LINGER_MAX in all), then close.
 */
static void
conn_close_answered(struct http_conn *c)
{
	struct http_parser *p = &c->c_parser;
	struct evbuffer *in = bufferevent_get_input(bev(c));

	if ((p->st == HP_DONE || p->st == HP_COMPLETE) &&
	    evbuffer_get_length(in) == 0) {
		conn_close(c, 0);
		return;
	}
	c->c_linger = 1;
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_setwatermark(bev(c), EV_READ, 0, 0);
	bufferevent_enable(bev(c), EV_READ);
	conn_timeouts(c);
	conn_linger_shut(c);
}

/* Input while lingering: count it, drop it. */
static void
conn_linger_read(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(bev(c));

	c->c_discarded += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->c_discarded > LINGER_MAX)
		conn_close(c, 1);
}

/* An answer from the server itself (parse error, 401, 404): the request
 * may not exist yet, so make a minimal one. */
static void
conn_error(struct http_conn *c, int status, int close)
{
	struct sth_http_req *r;
	static struct http_msg bare;
	struct http_msg *m = &c->c_parser.msg;

	r = xcalloc(1, sizeof *r);
	r->r_conn = c;
	bare.version = 11;
	bare.method = bare.target = "-";
	/* Before the request line parsed, there is nothing to echo. */
	r->r_msg = m->method != NULL && m->target != NULL && m->version != 0 ?
	    m : &bare;
	r->r_started = time(NULL);
	r->r_close = close;
	c->c_req = r;
	if (status == 401) {
		/* docs/supervisord.md §A.6, header for header. */
		req_set_header(r, "WWW-Authenticate",
		    "Basic realm=\"default\"");
	} else if (status == 429) {
		guard_respond_429(r);
		return;
	}
	req_respond_error(r, status);
}

/* ----------------------------------------------------------- connections */

void
conn_close(struct http_conn *c, int drop)
{
	struct sth_http_req *r = c->c_req;

	if (c->c_dead)
		return;
	c->c_dead = 1;
	c->c_busy++;
	if (r != NULL) {
		/* The client is gone (or we gave up on it): the handler hears
		 * of it once, then the request dies. */
		if (r->r_state != RS_CANCELLED)
			req_cancel(r);
		c->c_req = NULL;
		server_access_log(c->c_srv, r);
		req_free(r);
	}
	LIST_REMOVE(c, c_entry);
	c->c_srv->s_nconns--;
	peer_put(c->c_peerent);
	c->c_peerent = NULL;
	if (drop)
		H.host->conn_free(c->c_conn);
	else
		H.host->conn_close_after_write(c->c_conn);
	c->c_conn = NULL;
	conn_unref(c);
}

/* c's host connection is gone (handed over): end our record of it. */
static void
conn_forget(struct http_conn *c)
{
	c->c_dead = 1;
	c->c_busy++;
	LIST_REMOVE(c, c_entry);
	c->c_srv->s_nconns--;
	peer_put(c->c_peerent);
	c->c_peerent = NULL;
	conn_unref(c);
}

void
conn_drain(struct http_conn *c)
{
	c->c_draining = 1;
	if (c->c_req != NULL || c->c_dead)
		return;
	/* A reload: an idle keep-alive connection goes to the new version
	 * (its listener took our socket), whose handlers its next request
	 * then reaches.  Otherwise it is not closed at once either: a
	 * request may be on its way (closing then would reset it); it gets
	 * a short wait, and a request that comes is answered with
	 * Connection: close by the handlers it was bound to. */
	if (!http_parser_started(&c->c_parser) &&
	    STH_HOST_HAS(H.host, conn_handover) &&
	    H.host->conn_handover(c->c_conn) == 0) {
		c->c_conn = NULL;
		conn_forget(c);
		return;
	}
	conn_timeouts(c);
}

/* The head is in: Host, penalties and auth (guard.c). */
static int
conn_head(struct http_conn *c)
{
	struct http_parser *p = &c->c_parser;
	int status;

	if ((status = guard_head(c)) != 0) {
		/* Medusa answers 401 once the request is in, then closes.
		 * Answering before the body would close on unread bytes:
		 * the client's send of the body fails (EPIPE on a unix
		 * socket, RST on TCP) and it never sees the 401.  A client
		 * that waits for 100-continue is answered at once. */
		if (p->msg.expect_continue && p->st != HP_COMPLETE) {
			conn_error(c, status, 1);
			return -1;
		}
		c->c_unauth = status;
		return 0;
	}
	if (p->msg.expect_continue && p->st != HP_COMPLETE) {
		conn_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25, NULL, 0);
	}
	return 0;
}

static void
conn_dispatch(struct http_conn *c)
{
	struct sth_http_req *r;
	struct http_server *s = c->c_srv;

	r = xcalloc(1, sizeof *r);
	r->r_conn = c;
	r->r_msg = &c->c_parser.msg;
	r->r_state = RS_DISPATCH;
	r->r_started = time(NULL);
	r->r_user = c->c_probe ? NULL : c->c_cert_user[0] != '\0' ?
	    c->c_cert_user : s->s_username;
	c->c_req = r;
	s->s_requests++;
	if (c->c_probe)
		probes_handle(r);
	else
		handler_dispatch(r);
	if (c->c_req == r && r->r_state == RS_DISPATCH)
		r->r_state = RS_PENDING;
}

/* Parse and answer whatever the input holds, one request at a time. */
static void
conn_process(struct http_conn *c)
{
	struct http_parser *p = &c->c_parser;
	struct evbuffer *in;
	struct evbuffer_iovec v;
	size_t used;
	int r, started;

	c->c_busy++;
	while (!c->c_dead && c->c_req == NULL) {
		in = bufferevent_get_input(bev(c));
		if (evbuffer_get_length(in) == 0 && p->st != HP_COMPLETE)
			break;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) {
			v.iov_base = NULL;
			v.iov_len = 0;
		}
		started = http_parser_started(p);
		r = http_parser_feed(p, v.iov_base, v.iov_len, &used);
		evbuffer_drain(in, used);
		c->c_srv->s_bytes_in += used;
		/* the first head's deadline was set at accept */
		if (!started && http_parser_started(p) && c->c_kept)
			c->c_deadline = now_mono() + c->c_srv->s_header_timeout;
		if (r == HTTP_P_ERROR)
			conn_error(c, p->error, 1);
		else if (r == HTTP_P_HEAD) {
			if (conn_head(c) == -1)
				break;
		} else if (r == HTTP_P_DONE && c->c_unauth)
			conn_error(c, c->c_unauth, 1);
		else if (r == HTTP_P_DONE)
			conn_dispatch(c);
		else if (used == 0)
			break;
	}
	if (!c->c_dead)
		conn_timeouts(c);
	conn_unref(c);
}

static void
conn_read_cb(struct sth_conn *sc, void *arg)
{
	struct http_conn *c = arg;

	if (c->c_linger)
		conn_linger_read(c);
	else
		conn_process(c);
}

/* The output buffer drained. */
static void
conn_write_cb(struct sth_conn *sc, void *arg)
{
	struct http_conn *c = arg;

	conn_cork(c, 0);
	if (c->c_linger)
		conn_linger_shut(c);
}

static void
conn_event_cb(struct sth_conn *sc, short what, void *arg)
{
	struct http_conn *c = arg;

	/* A TLS handshake done: nothing to do until the request comes. */
	if (!(what & (STH_CONN_EOF | STH_CONN_ERROR | STH_CONN_TIMEOUT)))
		return;
	if (c->c_linger) {
		/* EOF, error or the linger timeout: done. */
		conn_close(c, 1);
		return;
	}
	if (what & STH_CONN_EOF) {
		/* A client that half-closes after its last request still
		 * gets the answers already owed, if its handler is not
		 * waiting: with a deferred request outstanding, EOF means
		 * it went away. */
		if (c->c_req == NULL) {
			conn_process(c);
			if (!c->c_dead && c->c_req == NULL)
				conn_close(c, 0);
			else if (!c->c_dead)
				c->c_draining = 1;
			return;
		}
	}
	conn_close(c, 1);
}

static void
peer_name(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (salen > 0 && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (salen > 0 && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else
		snprintf(buf, len, "unix");
}

/* How many seconds apart "refused" WARNs of one server are, at least. */
#define REFUSED_WARN_SECS 10

/* Close fd, refused: count it, say so at most every REFUSED_WARN_SECS. */
static void
conn_refuse(struct http_server *s, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *why, long cap)
{
	char peer[64], more[64] = "";
	time_t now = time(NULL);

	close(fd);
	s->s_refused++;
	if (why == NULL)
		return;		/* draining: not an attack */
	if (s->s_warned != 0 && now >= s->s_warned &&
	    now - s->s_warned < REFUSED_WARN_SECS) {
		s->s_unsaid++;
		return;
	}
	peer_name(sa, salen, peer, sizeof peer);
	if (s->s_unsaid > 0)
		snprintf(more, sizeof more, " (and %lu more since the last "
		    "such line)", s->s_unsaid);
	H.host->log(H.self, STH_LOG_WARN, "http: server '%s': connection "
	    "from %s refused: %ld %s%s", s->s_name, peer, cap, why, more);
	s->s_warned = now;
	s->s_unsaid = 0;
}

static const struct http_conn_ops conn_ops = {
	conn_send, conn_send_file, conn_pending, conn_cork, conn_reusable,
	req_end,
};

void
conn_accept(struct sth_listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen, void *arg)
{
	struct http_server *s = arg;
	struct http_conn *c;
	struct http_peer *pe;
	int one = 1;

	/* Over a cap: closed at once, so that a flood cannot hold more
	 * than its share (README.md, "Behaviour"). */
	if (H.draining) {
		conn_refuse(s, fd, sa, salen, NULL, 0);
		return;
	}
	if (s->s_nconns >= s->s_max_conns) {
		conn_refuse(s, fd, sa, salen, "connections (max_connections)",
		    s->s_max_conns);
		return;
	}
	pe = peer_get(s, sa, salen);
	if (pe != NULL && pe->p_n >= s->s_max_per_addr) {
		conn_refuse(s, fd, sa, salen, "connections per address "
		    "(max_connections_per_address)", s->s_max_per_addr);
		peer_drop_unused(pe);
		return;
	}
	if (salen > 0 && (sa->sa_family == AF_INET ||
	    sa->sa_family == AF_INET6) &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		H.host->log(H.self, STH_LOG_WARN, "http: TCP_NODELAY: %s",
		    strerror(errno));
	c = xcalloc(1, sizeof *c);
	c->c_ops = &conn_ops;
	c->c_srv = s;
	http_parser_init(&c->c_parser, &s->s_lim);
	peer_name(sa, salen, c->c_peer, sizeof c->c_peer);
	c->c_conn = H.host->conn_new(H.self, fd, conn_read_cb, conn_write_cb,
	    conn_event_cb, c);
	if (c->c_conn != NULL && s->s_tls != NULL &&
	    H.tls->wrap(c->c_conn, s->s_tls) == -1) {
		H.host->log(H.self, STH_LOG_WARN, "http: server '%s': no TLS "
		    "session for %s: connection closed", s->s_name, c->c_peer);
		H.host->conn_free(c->c_conn);
		c->c_conn = NULL;
	}
	if (c->c_conn == NULL) {
		peer_drop_unused(pe);
		http_parser_free(&c->c_parser);
		free(c);
		return;
	}
	if (pe != NULL)
		pe->p_n++;
	c->c_peerent = pe;
	LIST_INSERT_HEAD(&s->s_conns, c, c_entry);
	s->s_nconns++;
	s->s_total_conns++;
	/* The first head must be complete header_timeout after accept: a
	 * client that sends nothing is not kept for idle_timeout. */
	c->c_deadline = now_mono() + s->s_header_timeout;
	bufferevent_setwatermark(bev(c), EV_READ, 0, READ_HIGH_WATERMARK);
	conn_timeouts(c);
}
