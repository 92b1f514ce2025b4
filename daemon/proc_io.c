/*
 * proc_io.c — a child's pipes: output read without blocking into its log
 * files (raw bytes, rotation by logfile.c), strip_ansi, capture mode,
 * PROCESS_LOG events, the debug copy in the main log, syslog; and the stdin
 * buffer (docs/supervisord.md §3.1, §3.2, §3.4, §3.5).
 *
 * Writes to a log file complete before the next read, so a slow disk slows
 * the child (its pipe fills and its write blocks) and no byte is dropped.
 * The log files are open only from spawn until the exit has been handled
 * and the pipes drained (proc_state.c closes them), as under supervisord.
 */
#include "config.h"

#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "logfile.h"
#include "proc.h"
#include "pyrepr.h"
#include "readbuf.h"
#include "sthenod.h"
#include "xmalloc.h"

#define PROC_READ_MAX READBUF_MAX	/* one read, as supervisord's */
/* A listener's stdin holds a whole envelope (header + one read), so that
 * an event is one write(2), not a write, an EAGAIN and a queued rest. */
#define PROC_LISTENER_PIPE (256 * 1024)
/* A child that fills its stdout or stderr pipe, and whose output no
 * subscriber sees, gets this much pipe (chan_pump): it writes on while the
 * loop writes the log file, and each wake-up moves more. */
#define PROC_OUT_PIPE (1024 * 1024)
/* Pipes grown at once: pages of a grown pipe count against the user's
 * pipe-user-pages-soft (16 MiB of 64 by default), past which every new
 * pipe of that user, the children's own included, gets 8 KiB. */
#define PROC_GROWN_MAX 16
/* Reads in one wake-up of chan_pump: a flooding child cannot keep the
 * loop from other work for longer than this. */
#define PROC_PUMP_TURNS 8
/* Reads of proc_io_drain_close: a whole PROC_OUT_PIPE and more. */
#define PROC_DRAIN_READS 64
_Static_assert(PROC_DRAIN_READS * PROC_READ_MAX >= PROC_OUT_PIPE,
    "the drain at exit empties a grown pipe");

static const char begin_token[] = "<!--XSUPERVISOR:BEGIN-->";
static const char end_token[] = "<!--XSUPERVISOR:END-->";
static const char *const chan_names[2] = { "stdout", "stderr" };

struct proc_chan {
	struct proc *p;
	int ch;
	int fd;
	struct event *ev;
	int capturemode;
	char *hold;		/* output held back while looking for a token */
	size_t holdlen;
	char *cap;		/* captured bytes */
	size_t caplen;
	int write_failed;	/* the log file write error was reported */
	int midline;		/* timestamps: the log's last byte is no \n */
	char *part;		/* console: the line begun, CONSOLE_LINE_MAX */
	size_t partlen;
	int cont;		/* console: the next piece continues a cut
				 * line */
	size_t lastread;	/* bytes of the last read(2) */
	int pipesz;		/* the pipe's size, 0 if unknown */
	int grown;		/* PROC_OUT_PIPE was asked for */
	int big;		/* ... and given: counted in grown_pipes */
};

/*
 * A read goes READBUF_ROOM bytes into a readbuf (readbuf.h), so that a
 * PROCESS_LOG event can put its head line in front of the bytes read and a
 * NUL after them and be published without a copy (proc_io_room,
 * proc_events.c), and a subscriber can keep it (bus_event_hold).  A read
 * made while another one is being handed out (a subscriber that stops a
 * program drains its pipes) takes another readbuf.
 */
static int grown_pipes;		/* channels with big set */
static struct readbuf *room_rb;	/* the read being handed out, */
static size_t room_len;		/* at READBUF_ROOM into room_rb */

size_t
proc_strip_ansi(char *buf, size_t len)
{
	static const char enders[] = "HfABCDRsuJKhlpm";
	size_t i = 0, o = 0, j;

	while (i < len) {
		if (buf[i] == '\033' && i + 1 < len && buf[i + 1] == '[') {
			for (j = i + 2; j < len; j++)
				if (strchr(enders, buf[j]) != NULL &&
				    buf[j] != '\0')
					break;
			if (j < len) {
				i = j + 1;
				continue;
			}
		}
		buf[o++] = buf[i++];
	}
	return o;
}

/*
 * stdout_timestamps=: data with the main log's time stamp ("2026-11-26
 * 05:10:03,123 ") before each line that starts in it, in a new buffer
 * (*outlen bytes).  One stamp per read: the lines of one read came
 * together.
 */
static char *
stamp_lines(struct proc_chan *c, const char *data, size_t len,
    size_t *outlen)
{
	struct timeval tv;
	struct tm tm;
	char stamp[40], *out;
	const char *p = data, *end = data + len, *nl;
	size_t slen, lines = 1, n = 0;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	slen = strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	slen += (size_t)snprintf(stamp + slen, sizeof stamp - slen, ",%03d ",
	    (int)(tv.tv_usec / 1000));
	for (nl = data; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL;
	    nl++)
		lines++;
	out = xmalloc(len + lines * slen);
	while (p < end) {
		if (!c->midline) {
			memcpy(out + n, stamp, slen);
			n += slen;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		memcpy(out + n, p, (size_t)(nl - p));
		n += (size_t)(nl - p);
		c->midline = nl[-1] != '\n';
		p = nl;
	}
	*outlen = n;
	return out;
}

/*
 * stdout_logfile = stdout (or stderr): sthenod's own fd 1 or 2 gets the
 * output as whole lines, "name | line\n", the lines of one read in one
 * write loop of this single thread, so lines of two programs (and of the
 * main log, which writes whole lines too) never mix.  A line begun is
 * kept in c->part; one longer than CONSOLE_LINE_MAX is cut there and goes
 * on after "name + ", and what is left at the end is flushed with a
 * newline (console_flush).  No file, so no rotation and no seek.
 */
#define CONSOLE_LINE_MAX 8192

static int
console_write_all(int fd, const char *p, size_t len)
{
	struct pollfd pfd;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* a non-blocking stdout: wait, drop nothing */
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				return -1;
			continue;
		}
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What one read makes: its whole lines, written at once. */
struct console_out {
	char *buf;
	size_t len;
	size_t cap;
};

/* Add the piece held in c->part to out as one line. */
static void
console_line(struct proc_chan *c, struct console_out *out)
{
	const char *name = c->p->cfg->name;
	size_t nlen = strlen(name), need;

	need = out->len + nlen + 3 + c->partlen + 1;
	if (need > out->cap) {
		out->cap = need > 2 * out->cap ? need : 2 * out->cap;
		out->buf = xreallocarray(out->buf, out->cap, 1);
	}
	memcpy(out->buf + out->len, name, nlen);
	out->len += nlen;
	memcpy(out->buf + out->len, c->cont ? " + " : " | ", 3);
	out->len += 3;
	memcpy(out->buf + out->len, c->part, c->partlen);
	out->len += c->partlen;
	out->buf[out->len++] = '\n';
	c->partlen = 0;
}

/* Write out's lines and free them; 0 or -1 (errno). */
static int
console_out_write(struct proc_chan *c, struct console_out *out)
{
	int rc = 0;

	if (out->len > 0)
		rc = console_write_all(c->p->cfg->log[c->ch].console,
		    out->buf, out->len);
	free(out->buf);
	return rc;
}

static int
console_write(struct proc_chan *c, const char *data, size_t len)
{
	struct console_out out = { NULL, 0, 0 };
	const char *nl;
	size_t take, room;

	if (c->part == NULL)
		c->part = xmalloc(CONSOLE_LINE_MAX);
	while (len > 0) {
		nl = memchr(data, '\n', len);
		take = nl != NULL ? (size_t)(nl - data) : len;
		room = CONSOLE_LINE_MAX - c->partlen;
		if (take > room) {
			/* cut: this piece, then the rest after "name + " */
			memcpy(c->part + c->partlen, data, room);
			c->partlen += room;
			console_line(c, &out);
			c->cont = 1;
			data += room;
			len -= room;
			continue;
		}
		memcpy(c->part + c->partlen, data, take);
		c->partlen += take;
		if (nl == NULL)
			break;
		console_line(c, &out);
		c->cont = 0;
		data += take + 1;
		len -= take + 1;
	}
	return console_out_write(c, &out);
}

/* The program's last line had no newline: give it one (at the close). */
static void
console_flush(struct proc_chan *c)
{
	struct console_out out = { NULL, 0, 0 };

	if (c->partlen == 0)
		return;
	console_line(c, &out);
	c->cont = 0;
	(void)console_out_write(c, &out);
}

static void
chan_write_failed(struct proc_chan *c, int rc, const char *where)
{
	if (rc == -1) {
		if (!c->write_failed)
			log_errno(STH_LOG_ERRO, "could not write %s log of "
			    "'%s' (%s)", chan_names[c->ch], c->p->cfg->name,
			    where);
		c->write_failed = 1;
	} else if (c->write_failed) {
		log_info("writing %s log of '%s' again", chan_names[c->ch],
		    c->p->cfg->name);
		c->write_failed = 0;
	}
}

static void
chan_log_write(struct proc_chan *c, const char *data, size_t len)
{
	struct logfile *lf = c->p->logs[c->ch];
	int console = c->p->cfg->log[c->ch].console;
	char *stamped = NULL;
	int rc;

	if (lf == NULL && console == 0)
		return;
	if (c->p->cfg->log[c->ch].timestamps)
		data = stamped = stamp_lines(c, data, len, &len);
	if (console != 0)
		rc = console_write(c, data, len);
	else
		rc = logfile_write(lf, data, len);
	free(stamped);
	chan_write_failed(c, rc, console == STDOUT_FILENO ? "sthenod's "
	    "stdout" : console == STDERR_FILENO ? "sthenod's stderr" :
	    logfile_path(lf));
}

static void
chan_syslog(struct proc_chan *c, const char *data, size_t len)
{
	const char *line = data, *nl, *end = data + len;

	while (line < end) {
		nl = memchr(line, '\n', end - line);
		if (nl == NULL)
			nl = end;
		syslog(LOG_INFO, "%s %.*s", c->p->cfg->name,
		    (int)(nl - line), line);
		line = nl + 1;
	}
}

static void
capture_append(struct proc_chan *c, const char *data, size_t len)
{
	size_t max = (size_t)c->p->cfg->log[c->ch].capture_maxbytes, drop;

	/* supervisord's quirk: drop as many leading bytes as are added */
	if (c->caplen + len > max) {
		drop = len < c->caplen ? len : c->caplen;
		memmove(c->cap, c->cap + drop, c->caplen - drop);
		c->caplen -= drop;
	}
	if (len > max) {
		data += len - max;
		len = max;
	}
	if (c->caplen + len > max) {
		drop = c->caplen + len - max;
		memmove(c->cap, c->cap + drop, c->caplen - drop);
		c->caplen -= drop;
	}
	c->cap = xreallocarray(c->cap, c->caplen + len + 1, 1);
	memcpy(c->cap + c->caplen, data, len);
	c->caplen += len;
}

/* _log() of dispatchers.py: one piece of output. */
static void
chan_emit(struct proc_chan *c, const char *data, size_t len)
{
	struct proc *p = c->p;
	char *copy = NULL, *text, *name;

	if (len == 0)
		return;
	if (proc_globals.strip_ansi) {
		copy = xmalloc(len);
		memcpy(copy, data, len);
		len = proc_strip_ansi(copy, len);
		data = copy;
		if (len == 0)
			goto done;
	}
	if (c->capturemode)
		capture_append(c, data, len);
	else {
		chan_log_write(c, data, len);
		if (p->cfg->log[c->ch].syslog)
			chan_syslog(c, data, len);
	}
	if (log_enabled(STH_LOG_DEBG)) {
		text = proc_decode_data(data, len);
		name = pyrepr(p->cfg->name);
		log_debug("%s %s output:\n%s", name, chan_names[c->ch], text);
		free(name);
		free(text);
	}
	if (p->cfg->log[c->ch].events_enabled)
		proc_event_log(p, c->ch, data, len);
done:
	free(copy);
}

static void
chan_toggle(struct proc_chan *c)
{
	char *text, *name;

	c->capturemode = !c->capturemode;
	if (c->capturemode)
		return;
	proc_event_comm(c->p, c->ch, c->cap != NULL ? c->cap : "",
	    c->caplen);
	if (log_enabled(STH_LOG_DEBG)) {
		text = proc_decode_data(c->cap != NULL ? c->cap : "",
		    c->caplen);
		name = pyrepr(c->p->cfg->name);
		log_debug("%s %s output:\n%s", name, chan_names[c->ch], text);
		free(name);
		free(text);
	}
	free(c->cap);
	c->cap = NULL;
	c->caplen = 0;
}

/* The longest proper prefix of token that data ends with. */
static size_t
prefix_at_end(const char *data, size_t len, const char *token, size_t tlen)
{
	size_t l;

	for (l = tlen - 1; l > 0; l--)
		if (l <= len && memcmp(data + len - l, token, l) == 0)
			return l;
	return 0;
}

/* record_output() of dispatchers.py, for capture mode. */
static void
chan_record(struct proc_chan *c)
{
	const char *token, *at;
	size_t tlen, k;
	char *data;
	size_t len;

	for (;;) {
		token = c->capturemode ? end_token : begin_token;
		tlen = strlen(token);
		if (c->holdlen <= tlen)
			return;
		data = c->hold;
		len = c->holdlen;
		c->hold = NULL;
		c->holdlen = 0;
		at = memmem(data, len, token, tlen);
		if (at == NULL) {
			k = prefix_at_end(data, len, token, tlen);
			if (k > 0) {
				c->hold = xmalloc(k);
				memcpy(c->hold, data + len - k, k);
				c->holdlen = k;
			}
			chan_emit(c, data, len - k);
			free(data);
			return;
		}
		chan_emit(c, data, at - data);
		chan_toggle(c);
		k = len - (at - data) - tlen;
		if (k > 0) {
			c->hold = xmalloc(k);
			memcpy(c->hold, at + tlen, k);
			c->holdlen = k;
		}
		free(data);
		if (k == 0)
			return;
	}
}

void
proc_io_output(struct proc *p, int ch, const char *buf, size_t len)
{
	struct proc_chan *c = p->chan[ch];

	if (c == NULL)
		return;
	if (p->health != NULL)
		proc_health_output(p, ch, buf, len);
	if (ch == PROC_STDOUT && proc_pool_output(p, buf, len))
		return;		/* a listener's protocol channel */
	if (p->cfg->log[ch].capture_maxbytes <= 0) {
		chan_emit(c, buf, len);
		return;
	}
	c->hold = xreallocarray(c->hold, c->holdlen + len + 1, 1);
	memcpy(c->hold + c->holdlen, buf, len);
	c->holdlen += len;
	chan_record(c);
}

static void
chan_close(struct proc_chan *c)
{
	struct proc *p = c->p;

	/* bytes held back while looking for a token are not lost */
	if (c->holdlen > 0) {
		char *h = c->hold;
		size_t n = c->holdlen;

		c->hold = NULL;
		c->holdlen = 0;
		chan_emit(c, h, n);
		free(h);
	}
	if (c->partlen > 0 && p->cfg->log[c->ch].console != 0)
		console_flush(c);
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->fd != -1)
		close(c->fd);
	if (c->big)
		grown_pipes--;
	free(c->hold);
	free(c->cap);
	free(c->part);
	p->chan[c->ch] = NULL;
	free(c);
}

char *
proc_io_room(const char *data, size_t len, size_t need, struct readbuf **rb)
{
	if (room_rb == NULL || data != readbuf_base(room_rb) + READBUF_ROOM ||
	    len != room_len || need > READBUF_ROOM)
		return NULL;
	*rb = room_rb;
	return (char *)data - need;
}

/* One read: 1 if more may come, 0 at EOF or error (closed), -1 if the pipe
 * is empty for now. */
static int
chan_read(struct proc_chan *c)
{
	struct readbuf *orb = room_rb, *rb = readbuf_get();
	size_t olen = room_len;
	char *buf = readbuf_base(rb) + READBUF_ROOM;
	ssize_t n;

	n = read(c->fd, buf, PROC_READ_MAX);
	c->lastread = n > 0 ? (size_t)n : 0;
	if (n > 0) {
		room_rb = rb;
		room_len = (size_t)n;
		proc_io_output(c->p, c->ch, buf, (size_t)n);
		room_rb = orb;
		room_len = olen;
	}
	readbuf_unref(rb);
	if (n > 0)
		return 1;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n == -1)
		log_errno(STH_LOG_ERRO, "read from %s of '%s'",
		    chan_names[c->ch], c->p->cfg->name);
	chan_close(c);
	return 0;
}

/*
 * Output that reaches no subscriber (no PROCESS_LOG events, no capture
 * mode with its PROCESS_COMMUNICATION events, no health check, no
 * listener protocol) goes only to sthenod's own sinks: the log file, the
 * console, syslog, the main log's debug copy.  Nothing there can stop the
 * program and free this channel, so one wake-up may read several times.
 */
static int
chan_unobserved(const struct proc_chan *c)
{
	const struct proc *p = c->p;
	const struct proc_logcfg *lc = &p->cfg->log[c->ch];

	return !lc->events_enabled && lc->capture_maxbytes <= 0 &&
	    p->health == NULL &&
	    (p->group == NULL || p->group->cfg->pool == NULL);
}

/* The child filled its pipe: a bigger one, once.  Refused (EPERM: over
 * /proc/sys/fs/pipe-max-size or the user's pipe-user-pages-soft), the
 * pipe keeps its size and nothing is lost. */
static void
chan_grow_pipe(struct proc_chan *c)
{
	int sz;

	if (grown_pipes >= PROC_GROWN_MAX)
		return;		/* asked again at the next full read */
	c->grown = 1;
	if ((sz = fcntl(c->fd, F_SETPIPE_SZ, PROC_OUT_PIPE)) != -1) {
		c->pipesz = sz;
		c->big = 1;
		grown_pipes++;
	} else if (errno == EPERM)
		log_debug("'%s': %s pipe stays at %d bytes: %s",
		    c->p->cfg->name, chan_names[c->ch], c->pipesz,
		    strerror(errno));
	else
		log_errno(STH_LOG_WARN, "could not grow the %s pipe of '%s'",
		    chan_names[c->ch], c->p->cfg->name);
}

/* Read what the pipe holds, up to PROC_PUMP_TURNS reads while each one
 * fills the buffer (a short read emptied the pipe). */
static void
chan_pump(struct proc_chan *c)
{
	int i;

	for (i = 0; i < PROC_PUMP_TURNS; i++) {
		if (chan_read(c) != 1)
			return;
		if (!c->grown && c->pipesz > 0 &&
		    c->lastread >= (size_t)c->pipesz)
			chan_grow_pipe(c);
		if (c->lastread < PROC_READ_MAX)
			return;
	}
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_chan *c = arg;

	if (c->ev != NULL)
		(void)event_priority_set(c->ev, STH_PRIO_DEFAULT);
	if (chan_unobserved(c))
		chan_pump(c);
	else
		chan_read(c);
}

static void
stdin_close(struct proc *p)
{
	if (p->stdin_ev != NULL) {
		event_free(p->stdin_ev);
		p->stdin_ev = NULL;
	}
	if (p->stdin_fd != -1) {
		close(p->stdin_fd);
		p->stdin_fd = -1;
	}
	free(p->inbuf);
	p->inbuf = NULL;
	p->inlen = 0;
}

/* Write what the pipe takes of buf without blocking: the count written, or
 * -1 if stdin had to be closed (then p->inbuf is gone too). */
static ssize_t
stdin_put(struct proc *p, const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(p->stdin_fd, buf + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			stdin_close(p);
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Write what is buffered: 0, or -1 if stdin had to be closed. */
static int
stdin_flush(struct proc *p)
{
	ssize_t n;

	if ((n = stdin_put(p, p->inbuf, p->inlen)) == -1)
		return -1;
	if (n > 0) {
		memmove(p->inbuf, p->inbuf + n, p->inlen - (size_t)n);
		p->inlen -= (size_t)n;
	}
	if (p->stdin_ev != NULL) {
		if (p->inlen > 0)
			event_add(p->stdin_ev, NULL);
		else
			event_del(p->stdin_ev);
	}
	return 0;
}

static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	stdin_flush(arg);
}

/* A pool process was sent an event: its answer is read before more
 * output of other programs (the event loop's priority 0), so that a READY
 * listener gets the next event at once.  One read at that priority per
 * event sent: a listener flooding its stdout cannot starve the loop. */
static void
answer_first(struct proc *p)
{
	struct proc_chan *c = p->chan[PROC_STDOUT];

	if (p->group != NULL && p->group->cfg->pool != NULL && c != NULL &&
	    c->ev != NULL)
		(void)event_priority_set(c->ev, STH_PRIO_FIRST);
}

int
proc_io_write_stdin(struct proc *p, const char *buf, size_t len)
{
	ssize_t n;

	if (p->stdin_fd == -1)
		return -1;
	answer_first(p);
	/* nothing waiting: write from the caller's buffer, keep the rest */
	if (p->inlen == 0) {
		if ((n = stdin_put(p, buf, len)) == -1)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return 0;
	p->inbuf = xreallocarray(p->inbuf, p->inlen + len + 1, 1);
	memcpy(p->inbuf + p->inlen, buf, len);
	p->inlen += len;
	return stdin_flush(p);
}

int
proc_io_stdin_fits(const struct proc *p, size_t len)
{
	return len <= PROC_STDIN_MAX && p->inlen <= PROC_STDIN_MAX - len;
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void
proc_io_attach(struct proc *p, int in, int out, int err)
{
	int fds[2] = { out, err }, ch;
	struct proc_chan *c;

	for (ch = 0; ch < 2; ch++) {
		if (fds[ch] == -1)
			continue;
		set_nonblock(fds[ch]);
		c = xcalloc(1, sizeof *c);
		c->p = p;
		c->ch = ch;
		c->fd = fds[ch];
		if ((c->pipesz = fcntl(fds[ch], F_GETPIPE_SZ)) == -1)
			c->pipesz = 0;
		if (sth.base != NULL) {
			c->ev = event_new(sth.base, fds[ch],
			    EV_READ | EV_PERSIST, read_cb, c);
			(void)event_priority_set(c->ev, STH_PRIO_DEFAULT);
			event_add(c->ev, NULL);
		}
		p->chan[ch] = c;
	}
	if (in != -1) {
		set_nonblock(in);
		if (p->group != NULL && p->group->cfg->pool != NULL &&
		    fcntl(in, F_SETPIPE_SZ, PROC_LISTENER_PIPE) == -1)
			log_debug("'%s': stdin pipe stays at its size: %s",
			    p->cfg->name, strerror(errno));
		p->stdin_fd = in;
		if (sth.base != NULL)
			p->stdin_ev = event_new(sth.base, in, EV_WRITE,
			    stdin_cb, p);
	}
}

void
proc_io_drain_close(struct proc *p)
{
	int ch, i;

	for (ch = 0; ch < 2; ch++) {
		/* what the child wrote before it died is in the pipe; a
		 * grandchild holding it open cannot keep us here for long */
		for (i = 0; i < PROC_DRAIN_READS && p->chan[ch] != NULL; i++)
			if (chan_read(p->chan[ch]) != 1)
				break;
		if (p->chan[ch] != NULL)
			chan_close(p->chan[ch]);
	}
	stdin_close(p);
}

int
proc_io_open_logs(struct proc *p)
{
	struct proc_logcfg *lc;
	char *err = NULL;
	int ch, e;

	for (ch = 0; ch < 2; ch++) {
		lc = &p->cfg->log[ch];
		if (lc->path == NULL || p->logs[ch] != NULL)
			continue;
		p->logs[ch] = logfile_open(lc->path, lc->maxbytes,
		    (int)lc->backups, &err);
		if (p->logs[ch] == NULL) {
			e = errno;
			log_error("could not open %s log of '%s': %s",
			    chan_names[ch], p->cfg->name, err != NULL ? err :
			    lc->path);
			free(err);
			proc_io_close_logs(p);
			errno = e;
			return -1;
		}
	}
	return 0;
}

void
proc_io_close_logs(struct proc *p)
{
	int ch;

	for (ch = 0; ch < 2; ch++)
		if (p->logs[ch] != NULL) {
			logfile_close(p->logs[ch]);
			p->logs[ch] = NULL;
		}
}

void
proc_io_reopen_logs(struct proc *p)
{
	int ch;

	for (ch = 0; ch < 2; ch++)
		if (p->logs[ch] != NULL && logfile_reopen(p->logs[ch]) == -1)
			log_errno(STH_LOG_ERRO, "could not reopen %s log of "
			    "'%s'", chan_names[ch], p->cfg->name);
}
