/*
 * xferlog.c — the optional transfer log (xferlog_enable, xferlog_file):
 * one line per RETR, STOR or APPE, complete or not, in vsftpd's
 * xferlog_std_format, which is wu-ftpd's xferlog(5):
 *
 *   current-time transfer-time remote-host file-size filename
 *   transfer-type special-action-flag direction access-mode username
 *   service-name authentication-method authenticated-user-id
 *   completion-status
 *
 * e.g. "Mon Dec  7 05:41:24 2026 1 127.0.0.1 6 /a.txt b _ o a x@y ftp 0
 * * c".  Local time; the transfer time in whole seconds, at least 1; the
 * filename is the session's virtual path (never a host path), with
 * spaces as '_' as vsftpd writes them, and control bytes as '?' in every
 * field, so that a line is always one line of fields.  The type is
 * always 'b' (transfers are binary).  The username of an anonymous
 * session is the password it gave (vsftpd's too).
 *
 * Ownership: F.xferlog_fd (plugin.c opens and closes it); the line is
 * built on the stack and written with one write(2) to an O_APPEND file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "ftp.h"

/* in into out: control bytes as '?', and spaces as '_' if asked. */
static void
field(const char *in, int spaces, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' :
		    c == ' ' && spaces ? '_' : (char)c;
	}
	out[i] = '\0';
}

/* What a transfer moved: an upload's bytes written, a download's bytes
 * handed to the socket (all of them when it completed). */
static unsigned long long
moved(struct ftp_sess *s)
{
	struct ftp_data *d = &s->data;
	size_t left = 0;

	if (d->kind == XF_STOR)
		return d->bytes;
	if (d->xok)
		return (unsigned long long)d->len;
	if (d->conn != NULL)
		left = evbuffer_get_length(bufferevent_get_output(
		    F.host->conn_bev(d->conn)));
	return (unsigned long long)d->len > left ?
	    (unsigned long long)d->len - left : 0;
}

void
ftp_xferlog(struct ftp_sess *s)
{
	struct ftp_data *d = &s->data;
	char date[64], host[64], name[FTP_PATH_MAX], who[256], line[2048];
	time_t now = time(NULL);
	struct tm tm;
	long secs;
	int n;

	if (!d->xlog)
		return;
	d->xlog = 0;
	if (F.xferlog_fd == -1 || (d->kind != XF_RETR && d->kind != XF_STOR))
		return;
	secs = (long)(now - d->xstart);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(date, sizeof date, "%lld", (long long)now);
	ftp_sa_host((struct sockaddr *)&s->peer, host, sizeof host);
	field(d->xpath, 1, name, sizeof name);
	field(s->anon_pass != NULL ? s->anon_pass : s->user != NULL ?
	    s->user : "", 1, who, sizeof who);
	n = snprintf(line, sizeof line, "%s %ld %s %llu %s b _ %c %c %s "
	    "ftp 0 * %c\n", date, secs > 0 ? secs : 1, host, moved(s), name,
	    d->kind == XF_STOR ? 'i' : 'o', s->anon_pass != NULL ? 'a' : 'r',
	    who[0] != '\0' ? who : "?", d->xok ? 'c' : 'i');
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	if (write(F.xferlog_fd, line, (size_t)n) != n)
		F.host->log(F.self, STH_LOG_WARN, "ftp: xferlog_file %s: %s",
		    F.conf.xferlog_file, strerror(errno));
}
