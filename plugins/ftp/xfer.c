/*
 * xfer.c — the commands that use the data channel: PASV EPSV PORT EPRT set
 * it up (PORT/EPRT only to the control peer, on a port >= 1024: RFC 2577,
 * no bounce; after EPSV ALL only EPSV: RFC 2428), LIST NLST MLSD RETR STOR
 * APPE prepare a transfer and hand it to data.c, ABOR ends one.
 *
 * Ownership: a prepared transfer (file descriptor or listing) passes to
 * s->data; data.c frees it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "ftp.h"

#define PRIV_PORT_MAX 1023

/* ---------------------------------------------------------------- setup */

static int
refuse_after_epsv_all(struct ftp_sess *s)
{
	if (!s->epsv_all)
		return 0;
	ftp_reply(s, 501, "Only EPSV is allowed after EPSV ALL.");
	return 1;
}

void
cmd_pasv(struct ftp_sess *s, const char *arg)
{
	const struct sockaddr *adv = (struct sockaddr *)&s->local;
	char text[128];
	int port;

	if (refuse_after_epsv_all(s))
		return;
	if (F.conf.pasv_address != NULL)
		adv = (struct sockaddr *)&F.pasv_sa;
	if (ftp_fmt_pasv(adv, 0, text, sizeof text) == -1) {
		ftp_reply(s, 425, "PASV needs IPv4: use EPSV.");
		return;
	}
	if ((port = data_passive(s)) == -1)
		return;
	ftp_fmt_pasv(adv, port, text, sizeof text);
	ftp_reply(s, 227, "%s", text);
}

static int
local_family(const struct ftp_sess *s)
{
	return ftp_sa_family((const struct sockaddr *)&s->local);
}

void
cmd_epsv(struct ftp_sess *s, const char *arg)
{
	int af = ftp_parse_epsv(arg), port;

	switch (af) {
	case FTP_EPSV_ALL:
		s->epsv_all = 1;
		ftp_reply(s, 200, "EPSV ALL ok.");
		return;
	case -1:
		ftp_reply(s, 501, "Bad EPSV argument.");
		return;
	case -2:
		ftp_reply(s, 522, "Network protocol not supported, use (%d).",
		    local_family(s));
		return;
	}
	if (af != 0 && af != local_family(s)) {
		ftp_reply(s, 522, "Network protocol not supported, use (%d).",
		    local_family(s));
		return;
	}
	if ((port = data_passive(s)) == -1)
		return;
	ftp_reply(s, 229, "Entering Extended Passive Mode (|||%d|).", port);
}

/* The active target: the control peer's address, an unprivileged port. */
static void
set_active(struct ftp_sess *s, struct sockaddr_storage *ss, const char *cmd)
{
	char host[64];

	if (!ftp_same_host((struct sockaddr *)ss,
	    (struct sockaddr *)&s->peer) ||
	    ftp_sa_port((struct sockaddr *)ss) <= PRIV_PORT_MAX) {
		ftp_sa_host((struct sockaddr *)ss, host, sizeof host);
		F.host->log(F.self, STH_LOG_WARN, "ftp: %s: %s to %s port %d "
		    "refused", s->peerstr, cmd, host,
		    ftp_sa_port((struct sockaddr *)ss));
		ftp_reply(s, 500, "Illegal %s command: only to your own "
		    "address, on a port above 1023.", cmd);
		return;
	}
	data_reset(s);
	s->data.act = *ss;
	s->data.mode = 'A';
	ftp_reply(s, 200, "%s command successful. Consider using PASV.",
	    cmd);
}

void
cmd_port(struct ftp_sess *s, const char *arg)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (refuse_after_epsv_all(s))
		return;
	if (ftp_parse_port(arg, &ss, &len) == -1) {
		ftp_reply(s, 501, "Illegal PORT command.");
		return;
	}
	set_active(s, &ss, "PORT");
}

void
cmd_eprt(struct ftp_sess *s, const char *arg)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (refuse_after_epsv_all(s))
		return;
	switch (ftp_parse_eprt(arg, &ss, &len)) {
	case -1:
		ftp_reply(s, 501, "Illegal EPRT command.");
		return;
	case -2:
		ftp_reply(s, 522, "Network protocol not supported, use (1,2).");
		return;
	}
	set_active(s, &ss, "EPRT");
}

/* ------------------------------------------------------------ transfers */

/* LIST/NLST arguments: options ("-la") are dropped, as ls would take them. */
static const char *
skip_options(const char *arg)
{
	while (arg != NULL && arg[0] == '-') {
		arg += strcspn(arg, " ");
		while (*arg == ' ')
			arg++;
	}
	return arg != NULL && *arg != '\0' ? arg : NULL;
}

static void
listing(struct ftp_sess *s, const char *arg, int kind)
{
	char path[FTP_PATH_MAX];
	struct stat st;
	struct evbuffer *b;
	int rc;

	s->rest = 0;
	if ((rc = ftp_path(s, arg, path, sizeof path)) != 0) {
		ftp_reply(s, 550, "Failed to open directory.");
		return;
	}
	if (kind == 'M' && (fs_stat(s, path, &st) != 0 ||
	    !S_ISDIR(st.st_mode))) {
		ftp_reply(s, 550, "Not a directory.");
		return;
	}
	b = evbuffer_new();
	if ((rc = fs_list(s, path, kind, b)) != 0) {
		evbuffer_free(b);
		ftp_reply(s, 550, "Failed to open directory.");
		return;
	}
	s->data.kind = XF_LIST;
	s->data.listing = b;
	data_start(s);
}

void
cmd_list(struct ftp_sess *s, const char *arg)
{
	listing(s, skip_options(arg), 'L');
}

void
cmd_nlst(struct ftp_sess *s, const char *arg)
{
	listing(s, skip_options(arg), 'N');
}

void
cmd_mlsd(struct ftp_sess *s, const char *arg)
{
	listing(s, arg, 'M');
}

void
cmd_retr(struct ftp_sess *s, const char *arg)
{
	char path[FTP_PATH_MAX];
	struct stat st;
	off_t off = s->rest;
	int fd;

	s->rest = 0;
	if (ftp_path(s, arg, path, sizeof path) != 0 ||
	    (fd = fs_open(s, path, O_RDONLY | O_NONBLOCK, 0)) < 0) {
		ftp_reply(s, 550, "Failed to open file.");
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		ftp_reply(s, 550, "Failed to open file.");
		return;
	}
	if (off > st.st_size) {
		close(fd);
		ftp_reply(s, 554, "Restart offset beyond the end of the file.");
		return;
	}
	s->data.kind = XF_RETR;
	snprintf(s->data.xpath, sizeof s->data.xpath, "%s", path);
	s->data.fd = fd;
	s->data.off = off;
	s->data.len = st.st_size - off;
	data_start(s);
}

static void
store(struct ftp_sess *s, const char *arg, int append)
{
	char path[FTP_PATH_MAX];
	off_t off = s->rest;
	int fd, flags = O_WRONLY | O_CREAT | O_NONBLOCK;

	s->rest = 0;
	if (append)
		flags |= O_APPEND;
	else if (off == 0)
		flags |= O_TRUNC;
	if (ftp_path(s, arg, path, sizeof path) != 0 ||
	    (fd = fs_open(s, path, flags, 0644)) < 0) {
		ftp_reply(s, 553, "Could not create file.");
		return;
	}
	if (off > 0 && (lseek(fd, off, SEEK_SET) == -1 ||
	    ftruncate(fd, off) == -1)) {
		close(fd);
		ftp_reply(s, 554, "Cannot restart at %lld.", (long long)off);
		return;
	}
	s->data.kind = XF_STOR;
	snprintf(s->data.xpath, sizeof s->data.xpath, "%s", path);
	s->data.fd = fd;
	data_start(s);
}

void
cmd_stor(struct ftp_sess *s, const char *arg)
{
	store(s, arg, 0);
}

void
cmd_appe(struct ftp_sess *s, const char *arg)
{
	store(s, arg, 1);
}

void
cmd_abor(struct ftp_sess *s, const char *arg)
{
	if (!data_abort(s)) {
		ftp_reply(s, 225, "No transfer to ABOR.");
		return;
	}
	ftp_reply(s, 426, "Connection closed; transfer aborted.");
	ftp_reply(s, 226, "Closing data connection.");
	ftp_sess_xfer_done(s);
}
