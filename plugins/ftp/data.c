/*
 * data.c — the data channel: the passive listener (on the control
 * connection's local address, one per session, closed after the first
 * accept from the control peer's address: pasv_promiscuous=NO), the active
 * connect (to the control peer only, checked by xfer.c), and the transfer
 * itself on a host connection: a file sent with evbuffer_add_file
 * (sendfile: nothing of it is copied into memory, whatever its size; on a
 * PROT P connection, read 1 MiB at a time as the session takes it), a
 * listing sent from memory, an upload written to its file as it arrives.
 *
 * Ownership: struct ftp_data in the session; the listener watch owns its
 * socket, a connecting socket is closed here, the data connection and the
 * file descriptor or listing of the transfer are freed by data_reset.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ftp.h"

#define PASV_BACKLOG 1
#define DATA_MAX_WRITE (1024 * 1024)	/* bytes per sendfile */
#define DATA_MAX_READ (256 * 1024)
/* PROT P: a RETR is read this much at a time, the next read when the
 * session has taken all but half of it */
#define TLS_CHUNK (1024 * 1024)

static void start_transfer(struct ftp_sess *s);

void
data_init(struct ftp_data *d)
{
	memset(d, 0, sizeof *d);
	d->fd = -1;
	d->cfd = -1;
}

static void
xfer_clear(struct ftp_data *d)
{
	if (d->fd != -1)
		close(d->fd);
	d->fd = -1;
	if (d->listing != NULL)
		evbuffer_free(d->listing);
	d->listing = NULL;
	d->kind = XF_NONE;
	d->waiting = 0;
	d->off = 0;
	d->len = 0;
	d->queued = 0;
	d->xlog = 0;
	d->xok = 0;
}

void
data_reset(struct ftp_sess *s)
{
	struct ftp_data *d = &s->data;

	ftp_xferlog(s);		/* before the connection and its count go */
	if (d->lwatch != NULL)
		F.host->watch_free(d->lwatch);
	d->lwatch = NULL;
	if (d->cwatch != NULL)
		F.host->watch_free(d->cwatch);
	d->cwatch = NULL;
	if (d->cfd != -1)
		close(d->cfd);
	d->cfd = -1;
	if (d->conn != NULL && s->prot_p)
		F.tls->shutdown(d->conn);	/* close_notify: a clean end */
	if (d->conn != NULL)
		F.host->conn_free(d->conn);
	d->conn = NULL;
	d->mode = 0;
	xfer_clear(d);
}

/* The transfer ended: reply, close the channel, read commands again. */
static void
finish(struct ftp_sess *s, int code, const char *text)
{
	ftp_reply(s, code, "%s", text);
	s->data.xok = code == 226;
	data_reset(s);
	ftp_sess_xfer_done(s);
}

/* ------------------------------------------------------------ transfer */

static void
data_read(struct sth_conn *c, void *arg)
{
	struct ftp_sess *s = arg;
	struct evbuffer *in = bufferevent_get_input(F.host->conn_bev(c));
	int n;

	if (s->data.kind != XF_STOR) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (evbuffer_get_length(in) > 0) {
		if ((n = evbuffer_write(in, s->data.fd)) <= 0) {
			F.host->log(F.self, STH_LOG_WARN, "ftp: %s: upload: %s",
			    s->peerstr,
			    n < 0 ? strerror(errno) : "short write");
			finish(s, errno == ENOSPC ? 452 : 451,
			    "Failure writing to local file.");
			return;
		}
		s->data.bytes += (unsigned long long)n;
	}
}

/*
 * PROT P: no sendfile through a TLS session, and evbuffer_add_file would
 * map the whole file, which then stays resident as it is read (a 200 MB
 * RETR peaked at 198 MB).  The next TLS_CHUNK bytes of the file into out:
 * 0, or -1 (a read error or a file that shrank).
 */
static int
send_chunk(struct ftp_data *d, struct evbuffer *out)
{
	struct evbuffer_iovec v;
	off_t left = d->len - d->queued;
	size_t want = left > TLS_CHUNK ? TLS_CHUNK : (size_t)left;
	ssize_t n;

	if (evbuffer_reserve_space(out, (ev_ssize_t)want, &v, 1) < 1)
		return -1;
	do
		n = pread(d->fd, v.iov_base, want, d->off + d->queued);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return -1;
	v.iov_len = (size_t)n;
	if (evbuffer_commit_space(out, &v, 1) != 0)
		return -1;
	d->queued += n;
	return 0;
}

static void
data_write(struct sth_conn *c, void *arg)
{
	struct ftp_sess *s = arg;
	struct evbuffer *out = bufferevent_get_output(F.host->conn_bev(c));

	if (s->data.kind == XF_RETR && s->data.fd != -1 && !s->data.waiting) {
		/* a PROT P RETR, read as the session takes it */
		if (s->data.queued < s->data.len) {
			if (send_chunk(&s->data, out) == -1)
				finish(s, 451, "Failure reading local file.");
			return;
		}
		close(s->data.fd);
		s->data.fd = -1;
	}
	if ((s->data.kind == XF_RETR || s->data.kind == XF_LIST) &&
	    !s->data.waiting && evbuffer_get_length(out) == 0)
		finish(s, 226, "Transfer complete.");
}

/*
 * A PROT P data connection's handshake is done, before any byte of the
 * transfer left: vsftpd's require_ssl_reuse wants it to have resumed the
 * control connection's session, so that whoever opened it also holds the
 * control connection's keys (not someone racing the client to the
 * passive port).
 */
static void
data_tls_ready(struct ftp_sess *s, struct sth_conn *c)
{
	if (!F.conf.require_ssl_reuse || F.tls->session_reused(c))
		return;
	F.host->log(F.self, STH_LOG_WARN, "ftp: %s: data connection did not "
	    "resume the control connection's TLS session: refused "
	    "(require_ssl_reuse)", s->peerstr);
	if (s->data.kind != XF_NONE && !s->data.waiting) {
		finish(s, 522, "SSL connection failed: session reuse "
		    "required");
		return;
	}
	F.host->conn_free(s->data.conn);
	s->data.conn = NULL;
}

static void
data_event(struct sth_conn *c, short what, void *arg)
{
	struct ftp_sess *s = arg;
	int fd;

	if (what & STH_CONN_CONNECTED) {
		data_tls_ready(s, c);
		return;
	}
	if (!(what & (STH_CONN_EOF | STH_CONN_ERROR | STH_CONN_TIMEOUT)))
		return;
	if (s->data.kind == XF_STOR &&
	    (what & (STH_CONN_ERROR | STH_CONN_TIMEOUT)) == 0) {
		data_read(c, s);
		if (s->data.kind != XF_STOR)
			return;	/* the write failed: answered */
		fd = s->data.fd;
		s->data.fd = -1;
		if (close(fd) == -1)
			finish(s, 451, "Failure writing to local file.");
		else
			finish(s, 226, "Transfer complete.");
		return;
	}
	if (s->data.kind != XF_NONE && !s->data.waiting) {
		finish(s, 426, "Connection closed; transfer aborted.");
		return;
	}
	/* no transfer yet: the peer went away; a command will say 425 */
	F.host->conn_free(s->data.conn);
	s->data.conn = NULL;
}

static void
send_file(struct ftp_sess *s, struct evbuffer *out)
{
	struct ftp_data *d = &s->data;
	int fd = d->fd;

	if (d->len <= 0) {
		d->fd = -1;
		close(fd);
		finish(s, 226, "Transfer complete.");
		return;
	}
	if (s->prot_p) {
		/* d->fd stays ours: data_write reads the rest */
		bufferevent_setwatermark(F.host->conn_bev(d->conn), EV_WRITE,
		    TLS_CHUNK / 2, 0);
		if (send_chunk(d, out) == -1)
			finish(s, 451, "Failure reading local file.");
		return;
	}
	d->fd = -1;
	/* The evbuffer owns fd from here, even on failure. */
	if (evbuffer_add_file(out, fd, d->off, d->len) != 0) {
		finish(s, 451, "Failure reading local file.");
		return;
	}
	bufferevent_enable(F.host->conn_bev(d->conn), EV_WRITE);
}

static void
start_transfer(struct ftp_sess *s)
{
	struct ftp_data *d = &s->data;
	struct bufferevent *bev = F.host->conn_bev(d->conn);
	struct evbuffer *out = bufferevent_get_output(bev);
	struct timeval tv = { F.conf.idle_timeout, 0 };

	d->waiting = 0;
	/* a peer that stops reading (or sending) for idle_timeout ends it */
	bufferevent_set_timeouts(bev, &tv, &tv);
	ftp_idle_arm(s);
	switch (d->kind) {
	case XF_RETR:
		send_file(s, out);
		break;
	case XF_LIST:
		if (evbuffer_get_length(d->listing) == 0) {
			finish(s, 226, "Directory send OK.");
			return;
		}
		evbuffer_add_buffer(out, d->listing);
		break;
	case XF_STOR:
		bufferevent_enable(bev, EV_READ);
		data_read(d->conn, s);
		break;
	case XF_NONE:
		break;
	}
}

static void
data_connected(struct ftp_sess *s, int fd)
{
	struct ftp_data *d = &s->data;

	d->conn = F.host->conn_new(F.self, fd, data_read, data_write,
	    data_event, s);
	/* PROT P: the data connection is a TLS session too (its handshake
	 * runs under the transfer's timeouts) */
	if (d->conn != NULL && s->prot_p &&
	    F.tls->wrap(d->conn, F.tls_ctx) != 0) {
		F.host->conn_free(d->conn);
		d->conn = NULL;
	}
	if (d->conn == NULL) {
		if (d->kind != XF_NONE)
			finish(s, 425, "Failed to establish connection.");
		return;
	}
	/* libevent's default is 16 KiB per read or write (and so per
	 * sendfile): a loop turn each.  Nothing is read before STOR. */
	bufferevent_set_max_single_write(F.host->conn_bev(d->conn),
	    DATA_MAX_WRITE);
	bufferevent_set_max_single_read(F.host->conn_bev(d->conn),
	    DATA_MAX_READ);
	/* (a TLS session reads its handshake: data_read drains the rest) */
	if (!s->prot_p)
		bufferevent_disable(F.host->conn_bev(d->conn), EV_READ);
	if (d->kind != XF_NONE && d->waiting)
		start_transfer(s);
}

/* ------------------------------------------------------------- passive */

static void
pasv_accept(struct sth_watch *w, int lfd, short what, void *arg)
{
	struct ftp_sess *s = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[64];
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	if (!ftp_same_host((struct sockaddr *)&ss,
	    (struct sockaddr *)&s->peer)) {
		ftp_sa_host((struct sockaddr *)&ss, host, sizeof host);
		F.host->log(F.self, STH_LOG_WARN, "ftp: %s: passive data "
		    "connection from %s refused (not the control peer)",
		    s->peerstr, host);
		close(fd);
		return;
	}
	F.host->watch_free(s->data.lwatch);	/* closes the listener */
	s->data.lwatch = NULL;
	data_connected(s, fd);
}

/* Bind fd to the local address on a port of the configured range (from a
 * random start: RFC 2577), or an ephemeral one. */
static int
bind_pasv(int fd, struct sockaddr_storage *ss)
{
	long lo = F.conf.pasv_min_port, hi = F.conf.pasv_max_port, n, i, p;
	socklen_t len = ftp_sa_len((struct sockaddr *)ss);
	int on = 1;

	/* The server closes each data connection first: its end stays in
	 * TIME_WAIT for a minute on the port, which a new listener may take
	 * only with SO_REUSEADDR (vsftpd sets it too); without it, as many
	 * transfers as the range has ports made every PASV fail (425) for a
	 * minute.  Two listeners cannot share a port even so: Linux refuses
	 * a bind beside a listening socket. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		return -1;

	if (lo == 0 || hi == 0) {
		ftp_sa_set_port((struct sockaddr *)ss, 0);
		return bind(fd, (struct sockaddr *)ss, len);
	}
	n = hi - lo + 1;
	p = (long)arc4random_uniform((uint32_t)n);
	for (i = 0; i < n; i++) {
		ftp_sa_set_port((struct sockaddr *)ss, (int)(lo + (p + i) % n));
		if (bind(fd, (struct sockaddr *)ss, len) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

int
data_passive(struct ftp_sess *s)
{
	struct sockaddr_storage ss = s->local;
	socklen_t len = sizeof ss;
	int fd;

	data_reset(s);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || bind_pasv(fd, &ss) == -1 ||
	    listen(fd, PASV_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		F.host->log(F.self, STH_LOG_WARN, "ftp: %s: passive listener: "
		    "%s", s->peerstr, strerror(errno));
		if (fd != -1)
			close(fd);
		ftp_reply(s, 425, "Can't open passive connection.");
		return -1;
	}
	s->data.lwatch = F.host->watch_new(F.self, fd, STH_READ, pasv_accept,
	    s, 1);
	if (s->data.lwatch == NULL) {
		ftp_reply(s, 425, "Can't open passive connection.");
		return -1;
	}
	s->data.mode = 'P';
	return ftp_sa_port((struct sockaddr *)&ss);
}

/* -------------------------------------------------------------- active */

static void
act_connected(struct sth_watch *w, int fd, short what, void *arg)
{
	struct ftp_sess *s = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	F.host->watch_free(s->data.cwatch);
	s->data.cwatch = NULL;
	s->data.cfd = -1;
	if (err != 0) {
		close(fd);
		finish(s, 425, "Failed to establish connection.");
		return;
	}
	data_connected(s, fd);
}

static void
act_connect(struct ftp_sess *s)
{
	struct ftp_data *d = &s->data;
	struct sockaddr *sa = (struct sockaddr *)&d->act;
	int fd;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		finish(s, 425, "Failed to establish connection.");
		return;
	}
	if (connect(fd, sa, ftp_sa_len(sa)) == 0) {
		data_connected(s, fd);
		return;
	}
	if (errno != EINPROGRESS) {
		close(fd);
		finish(s, 425, "Failed to establish connection.");
		return;
	}
	d->cfd = fd;
	d->cwatch = F.host->watch_new(F.self, fd, STH_WRITE, act_connected, s,
	    0);
	if (d->cwatch == NULL)
		finish(s, 425, "Failed to establish connection.");
}

/* -------------------------------------------------------------- start */

static const char *
opening_text(const struct ftp_sess *s)
{
	switch (s->data.kind) {
	case XF_LIST:
		return "Here comes the directory listing.";
	case XF_STOR:
		return "Ok to send data.";
	default:
		return s->type == 'I' ? "Opening BINARY mode data connection." :
		    "Opening ASCII mode data connection.";
	}
}

void
data_start(struct ftp_sess *s)
{
	struct ftp_data *d = &s->data;

	if (d->conn == NULL && d->mode == 0) {
		xfer_clear(d);
		ftp_reply(s, 425, "Use PORT or PASV first.");
		return;
	}
	ftp_reply(s, 150, "%s", opening_text(s));
	d->bytes = 0;
	d->xlog = 1;
	d->xstart = time(NULL);
	if (d->conn != NULL) {
		start_transfer(s);
		return;
	}
	d->waiting = 1;
	if (d->mode == 'A')
		act_connect(s);
}

int
data_timeout(struct ftp_sess *s)
{
	if (!ftp_busy(s) || !s->data.waiting)
		return 0;
	finish(s, 425, "Failed to establish connection.");
	return 1;
}

int
data_abort(struct ftp_sess *s)
{
	int busy = ftp_busy(s);

	data_reset(s);
	return busy;
}
