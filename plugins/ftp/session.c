/*
 * session.c — one control connection: accept, the greeting, CRLF lines
 * under a cap, dispatch through the command table, replies, the idle
 * timeout, commands that arrive during a transfer, and the end of a
 * session (QUIT, timeout, drain, the peer leaving).
 *
 * Ownership: a session owns its control connection, its timers, the lines
 * held during a transfer, its USER/RNFR strings, its vfs when it is a real
 * user's, and its data channel (data.c).  F lists every session.
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "ftp.h"

static void process_input(struct ftp_sess *s);

static struct bufferevent *
ctl_bev(struct ftp_sess *s)
{
	return F.host->conn_bev(s->ctl);
}

void
ftp_send(struct ftp_sess *s, const char *text, size_t len)
{
	if (s->ctl != NULL)
		evbuffer_add(bufferevent_get_output(ctl_bev(s)), text, len);
}

void
ftp_send_buffer(struct ftp_sess *s, struct evbuffer *b)
{
	if (s->ctl != NULL)
		evbuffer_add_buffer(bufferevent_get_output(ctl_bev(s)), b);
	evbuffer_free(b);
}

void
ftp_reply(struct ftp_sess *s, int code, const char *fmt, ...)
{
	struct evbuffer *out;
	va_list ap;

	if (s->ctl == NULL)
		return;
	out = bufferevent_get_output(ctl_bev(s));
	evbuffer_add_printf(out, "%03d ", code);
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

int
ftp_busy(const struct ftp_sess *s)
{
	return s->data.kind != XF_NONE;
}

int
ftp_path(struct ftp_sess *s, const char *arg, char *out, size_t outlen)
{
	if (arg == NULL)
		arg = ".";
	if (strchr(arg, '\r') != NULL)
		return -EINVAL;
	return F.host->vfs_normalize(s->cwd, arg, out, outlen);
}

/*
 * The idle timer runs while the session waits for a command or for its
 * data connection; once data flows, the data connection's own timeouts
 * (data.c) watch it instead.
 */
void
ftp_idle_arm(struct ftp_sess *s)
{
	if (ftp_busy(s) && !s->data.waiting)
		F.host->timer_stop(s->idle);
	else
		F.host->timer_start(s->idle, (double)F.conf.idle_timeout, 0);
}

/*
 * Free everything of a session at once but the struct itself while a
 * command of it is running (depth > 0): process_input frees that when it
 * unwinds, so no frame below ever touches freed memory.
 */
void
ftp_sess_free(struct ftp_sess *s)
{
	if (s->dead)
		return;
	s->dead = 1;
	ftp_check_detach(s);
	data_reset(s);
	if (s->idle != NULL)
		F.host->timer_free(s->idle);
	s->idle = NULL;
	if (s->delay != NULL)
		F.host->timer_free(s->delay);
	s->delay = NULL;
	if (s->ctl != NULL)
		F.host->conn_free(s->ctl);
	s->ctl = NULL;
	if (s->own_vfs && s->vfs != NULL)
		F.host->vfs_free(s->vfs);
	s->vfs = NULL;
	if (s->held != NULL)
		evbuffer_free(s->held);
	s->held = NULL;
	free(s->user);
	s->user = NULL;
	free(s->anon_pass);
	s->anon_pass = NULL;
	free(s->rnfr);
	s->rnfr = NULL;
	LIST_REMOVE(s, entry);
	F.nsessions--;
	if (s->depth == 0)
		free(s);
}

/* Send a last reply, let it drain, and forget the session. */
void
ftp_sess_close(struct ftp_sess *s, int code, const char *text)
{
	struct sth_conn *c = s->ctl;

	if (c != NULL && text != NULL)
		ftp_reply(s, code, "%s", text);
	s->ctl = NULL;
	if (c != NULL)
		F.host->conn_close_after_write(c);
	ftp_sess_free(s);
}

void
ftp_sess_drain(struct ftp_sess *s)
{
	s->closing = 1;
	if (!ftp_busy(s))
		ftp_sess_close(s, 421, "Service closing control connection.");
}

void
ftp_sess_xfer_done(struct ftp_sess *s)
{
	struct evbuffer *in;

	if (s->ctl == NULL)
		return;
	if (F.draining) {
		ftp_sess_close(s, 421, "Service closing control connection.");
		return;
	}
	ftp_idle_arm(s);
	in = bufferevent_get_input(ctl_bev(s));
	if (evbuffer_get_length(s->held) > 0)
		evbuffer_prepend_buffer(in, s->held);
	process_input(s);
}

static void
run_command(struct ftp_sess *s, char *line)
{
	const struct ftp_cmd *cmd;
	const char *text;
	char *verb, *arg;
	int code;

	if (ftp_split(line, &verb, &arg) == -1)
		return;
	if ((cmd = ftp_cmd_find(verb)) == NULL) {
		ftp_reply(s, 500, "'%.32s': command not understood.", verb);
		return;
	}
	code = ftp_cmd_check(cmd, s->logged_in, s->writable, arg, &text);
	if (code != 0) {
		ftp_reply(s, code, "%s", text);
		return;
	}
	if (F.host->log_enabled(STH_LOG_DEBG))
		F.host->log(F.self, STH_LOG_DEBG, "ftp: %s: %s%s%s",
		    s->peerstr, cmd->name, arg != NULL ? " " : "",
		    arg == NULL ? "" : strcmp(cmd->name, "PASS") == 0 ?
		    "<password>" : arg);
	cmd->fn(s, arg);
}

/* During a transfer only FC_XFER commands run; the rest wait, in order. */
static void
handle_line(struct ftp_sess *s, char *line, size_t len)
{
	const struct ftp_cmd *cmd;
	char *copy, *verb, *arg;

	if (!ftp_busy(s)) {
		run_command(s, line);
		return;
	}
	copy = xstrdup(line);
	if (ftp_split(copy, &verb, &arg) == 0 &&
	    (cmd = ftp_cmd_find(verb)) != NULL && (cmd->flags & FC_XFER))
		run_command(s, line);
	else if (evbuffer_get_length(s->held) + len + 2 > FTP_HELD_MAX)
		ftp_reply(s, 500, "Too many commands during a transfer.");
	else {
		evbuffer_add(s->held, line, len);
		evbuffer_add(s->held, "\r\n", 2);
	}
	free(copy);
}

/* One line out of in: 1 read, 0 need more, 2 the end of a line already
 * refused, -1 too long (to be reported once). */
static int
next_line(struct ftp_sess *s, struct evbuffer *in, char **line,
    size_t *len)
{
	struct evbuffer_ptr p;
	size_t eol;

	p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_LF);
	if (p.pos == -1) {
		if (!s->discarding &&
		    evbuffer_get_length(in) <= FTP_MAX_LINE + 1)
			return 0;
		evbuffer_drain(in, evbuffer_get_length(in));
		if (s->discarding)
			return 0;
		s->discarding = 1;
		return -1;
	}
	if (s->discarding) {
		evbuffer_drain(in, (size_t)p.pos + eol);
		s->discarding = 0;
		return 2;
	}
	if ((size_t)p.pos > FTP_MAX_LINE + 1) {
		evbuffer_drain(in, (size_t)p.pos + eol);
		return -1;
	}
	*line = xmalloc((size_t)p.pos + 1);
	evbuffer_remove(in, *line, (size_t)p.pos);
	evbuffer_drain(in, eol);
	*len = (size_t)p.pos;
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	(*line)[*len] = '\0';
	if (*len > FTP_MAX_LINE) {
		free(*line);
		return -1;
	}
	return 1;
}

static void
process_input(struct ftp_sess *s)
{
	struct evbuffer *in;
	char *line;
	size_t len;
	int rc;

	s->depth++;
	while (!s->dead && !s->closing && !s->delaying) {
		in = bufferevent_get_input(ctl_bev(s));
		if ((rc = next_line(s, in, &line, &len)) == 0)
			break;
		if (rc == 2)
			continue;
		if (rc == -1) {
			ftp_reply(s, 500, "Command line too long.");
			continue;
		}
		if (memchr(line, '\0', len) != NULL)
			ftp_reply(s, 501, "NUL in command line.");
		else
			handle_line(s, line, len);
		free(line);
		if (!s->dead && !s->closing)
			ftp_idle_arm(s);
	}
	if (--s->depth == 0 && s->dead)
		free(s);
}

void
ftp_sess_resume(struct ftp_sess *s)
{
	process_input(s);
}

static void
ctl_read(struct sth_conn *c, void *arg)
{
	struct ftp_sess *s = arg;

	process_input(s);
}

static void
ctl_event(struct sth_conn *c, short what, void *arg)
{
	struct ftp_sess *s = arg;

	if (what & (STH_CONN_EOF | STH_CONN_ERROR | STH_CONN_TIMEOUT))
		ftp_sess_free(s);
}

static void
idle_fire(struct sth_timer *t, void *arg)
{
	struct ftp_sess *s = arg;

	if (data_timeout(s))
		return;
	ftp_sess_close(s, 421, "Timeout.");
}

/* Refuse a connection with one line, without a session. */
static void
refuse(int fd, const char *line)
{
	ssize_t n = write(fd, line, strlen(line));

	(void)n;
	close(fd);
}

void
ftp_accept(struct sth_listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen, void *arg)
{
	struct ftp_sess *s;
	socklen_t len = sizeof s->local;
	char host[64];
	int on = 1;

	if (F.draining) {
		refuse(fd, "421 Service not available, closing control "
		    "connection.\r\n");
		return;
	}
	if (F.nsessions >= (unsigned long)F.conf.max_clients) {
		refuse(fd, "421 There are too many connected users, please "
		    "try later.\r\n");
		return;
	}
	s = xcalloc(1, sizeof *s);
	if (salen > 0 && salen <= sizeof s->peer)
		memcpy(&s->peer, sa, salen);
	if (getsockname(fd, (struct sockaddr *)&s->local, &len) == -1) {
		F.host->log(F.self, STH_LOG_WARN, "ftp: getsockname: %s",
		    strerror(errno));
		free(s);
		close(fd);
		return;
	}
	/* Python's ftplib sends ABOR's last byte as urgent data: keep it in
	 * the stream. */
	setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &on, sizeof on);
	/* "150" then "226" with nothing from the client in between: Nagle
	 * would hold the second for the client's delayed ACK (40 ms). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	ftp_sa_host(sa, host, sizeof host);
	snprintf(s->peerstr, sizeof s->peerstr, "%.63s:%d", host,
	    ftp_sa_port(sa) & 0xffff);
	s->type = 'A';
	s->facts = MLST_ALL;
	s->held = evbuffer_new();
	snprintf(s->cwd, sizeof s->cwd, "/");
	data_init(&s->data);
	LIST_INSERT_HEAD(&F.sessions, s, entry);
	F.nsessions++;
	s->ctl = F.host->conn_new(F.self, fd, ctl_read, NULL, ctl_event, s);
	if (s->ctl == NULL) {
		ftp_sess_free(s);
		return;
	}
	s->idle = F.host->timer_new(F.self, idle_fire, s);
	ftp_reply(s, 220, "%s", F.conf.banner);
	ftp_idle_arm(s);
}
