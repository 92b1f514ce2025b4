/*
 * handlers.c — the commands that answer on the control channel alone:
 * login, settings, navigation, file information and file operations
 * (RFC 959, 2389, 3659).  The data-channel commands are in xfer.c.
 *
 * Ownership: a handler owns nothing past its return but what it stores in
 * the session (USER, RNFR, the vfs of a real user).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "ftp.h"

/* The reply to a failed filesystem call: 550 with what went wrong, never
 * a host path. */
static void
reply_errno(struct ftp_sess *s, int rc)
{
	static const struct {
		int err;
		const char *text;
	} texts[] = {
		{ ENOENT, "No such file or directory." },
		{ EACCES, "Permission denied." },
		{ EPERM, "Permission denied." },
		{ EEXIST, "File exists." },
		{ ENOTDIR, "Not a directory." },
		{ EISDIR, "Is a directory." },
		{ ENOTEMPTY, "Directory not empty." },
		{ EBUSY, "Permission denied." },
		{ ENAMETOOLONG, "File name too long." },
		{ ENOSPC, "No space left on device." },
		{ EINVAL, "Invalid file name." },
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (-rc == texts[i].err) {
			ftp_reply(s, 550, "%s", texts[i].text);
			return;
		}
	ftp_reply(s, 550, "Requested action not taken.");
}

/* arg as a virtual path into buf, or a 550 sent and -1. */
static int
path_arg(struct ftp_sess *s, const char *arg, char *buf, size_t len)
{
	int rc = ftp_path(s, arg, buf, len);

	if (rc != 0) {
		reply_errno(s, rc);
		return -1;
	}
	return 0;
}

/* Quote a path for a 257 reply: '"' doubled (RFC 959 appendix II). */
static void
reply_257(struct ftp_sess *s, const char *path, const char *what)
{
	struct evbuffer *b = evbuffer_new();
	const char *p;

	evbuffer_add(b, "257 \"", 5);
	for (p = path; *p != '\0'; p++) {
		if (*p == '"')
			evbuffer_add(b, "\"\"", 2);
		else
			evbuffer_add(b, p, 1);
	}
	evbuffer_add_printf(b, "\" %s\r\n", what);
	ftp_send_buffer(s, b);
}

static int
is_anon_name(const char *user)
{
	return strcasecmp(user, "anonymous") == 0 ||
	    strcasecmp(user, "ftp") == 0;
}

void
cmd_user(struct ftp_sess *s, const char *arg)
{
	if (s->logged_in) {
		ftp_reply(s, 530, "Can't change to another user.");
		return;
	}
	/* vsftpd's force_local_logins_ssl */
	if (F.tls_ctx != NULL && F.conf.force_local_logins_ssl && !s->tls &&
	    !is_anon_name(arg)) {
		ftp_reply(s, 530, "Non-anonymous sessions must use "
		    "encryption.");
		return;
	}
	free(s->user);
	s->user = xstrdup(arg);
	ftp_reply(s, 331, "Please specify the password.");
}

static void
login_delay_fire(struct sth_timer *t, void *arg)
{
	struct ftp_sess *s = arg;

	s->delaying = 0;
	if (s->fails >= F.conf.max_login_fails) {
		F.host->log(F.self, STH_LOG_WARN, "ftp: %s: %d failed logins, "
		    "closing", s->peerstr, s->fails);
		ftp_sess_close(s, 530, "Login incorrect.");
		return;
	}
	ftp_reply(s, 530, "Login incorrect.");
	ftp_sess_resume(s);
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same answer, login_delay after PASS arrived, whatever was wrong and
 * however long finding it out took (a real user's hash, PAM): the time of
 * the answer tells nothing. */
static void
login_failed(struct ftp_sess *s)
{
	double left;

	s->fails++;
	s->delaying = 1;
	if (s->delay == NULL)
		s->delay = F.host->timer_new(F.self, login_delay_fire, s);
	left = (double)F.conf.login_delay - (now_mono() - s->pass_at);
	F.host->timer_start(s->delay, left > 0 ? left : 0, 0);
}

/* The client's text for a log line: printable ASCII but for quotes and
 * backslashes, the rest as \xNN; at most 64 bytes of it. */
static void
log_text(const char *in, char *out, size_t outlen)
{
	size_t n = 0, i;

	for (i = 0; in[i] != '\0' && i < 64 && n + 5 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, outlen - n, "\\x%02x",
			    c);
	}
	if (in[i] != '\0' && n + 4 < outlen) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* A refused PASS: logged with the peer, the user and why (vsftpd's "FAIL
 * LOGIN"), USER forgotten, the answer after the delay. */
static void
pass_refused(struct ftp_sess *s, const char *why)
{
	char user[64 * 4 + 8];

	log_text(s->user != NULL ? s->user : "", user, sizeof user);
	F.host->log(F.self, STH_LOG_INFO, "ftp: %s: user '%s': failed login: "
	    "%s", s->peerstr, user, why);
	free(s->user);
	s->user = NULL;
	login_failed(s);
}

static void
logged_in(struct ftp_sess *s)
{
	char user[64 * 4 + 8];

	s->logged_in = 1;
	log_text(s->user, user, sizeof user);
	F.host->log(F.self, STH_LOG_INFO, "ftp: %s: user %s logged in",
	    s->peerstr, user);
	ftp_reply(s, 230, "Login successful.");
}

static int
login_anon(struct ftp_sess *s, const char *pass)
{
	if (!F.conf.anonymous || F.anon_vfs == NULL)
		return -1;
	s->vfs = F.anon_vfs;
	s->own_vfs = 0;
	s->id = F.anon_id;
	s->writable = F.conf.anon_write;
	free(s->anon_pass);
	s->anon_pass = xstrdup(pass != NULL ? pass : "");
	return 0;
}

/* A real user's login checked (check.c): open their root under their
 * identity, then answer as cmd_pass would have. */
static void
login_local_done(struct ftp_sess *s, int rc, const struct ftp_ident *id,
    const char *home, const char *why)
{
	struct sth_vfs *v = NULL;
	const char *root;
	char *err = NULL;

	s->delaying = 0;
	if (rc == 0 && id->uid == 0 && !F.conf.allow_root) {
		rc = -1;
		why = "root (allow_root is false)";
	}
	if (rc == -1) {
		pass_refused(s, why != NULL ? why : "refused");
		if (!s->delaying)
			ftp_sess_resume(s);
		return;
	}
	s->id = *id;
	if (id->ngroups_all > FTP_MAX_GROUPS)
		F.host->log(F.self, STH_LOG_WARN,
		    "ftp: user %s is in %d groups: "
		    "only the first %d apply to their files", s->user,
		    id->ngroups_all, FTP_MAX_GROUPS);
	root = F.conf.local_root != NULL ? F.conf.local_root : home;
	if (ftp_id_enter(&s->id) == 0) {
		v = F.host->vfs_new(F.self, root, &err);
		ftp_id_leave(&s->id);
	}
	if (v == NULL) {
		F.host->log(F.self, STH_LOG_WARN, "ftp: %s: user %s: root %s: "
		    "%s", s->peerstr, s->user, root, err != NULL ? err :
		    "identity switch failed");
		free(err);
		memset(&s->id, 0, sizeof s->id);
		ftp_sess_close(s, 421, "Cannot open your root directory.");
		return;
	}
	s->vfs = v;
	s->own_vfs = 1;
	s->writable = 1;
	logged_in(s);
	ftp_sess_resume(s);
}

void
cmd_pass(struct ftp_sess *s, const char *arg)
{
	int rc;

	if (s->logged_in) {
		ftp_reply(s, 230, "Already logged in.");
		return;
	}
	if (s->user == NULL) {
		ftp_reply(s, 503, "Login with USER first.");
		return;
	}
	s->pass_at = now_mono();
	if (is_anon_name(s->user)) {
		if (login_anon(s, arg) == 0)
			logged_in(s);
		else
			pass_refused(s, "anonymous logins are off");
		return;
	}
	if (!F.conf.local_users) {
		pass_refused(s, "local users are off");
		return;
	}
	/* PAM runs on the pool's threads; lines wait meanwhile */
	rc = ftp_check_start(s, arg != NULL ? arg : "", login_local_done);
	if (rc == -2) {
		F.host->log(F.self, STH_LOG_WARN, "ftp: %s: %d logins waiting "
		    "for a check already: closing", s->peerstr,
		    FTP_CHECK_QUEUE_MAX);
		ftp_sess_close(s, 421, "Too many logins in progress, try "
		    "later.");
		return;
	}
	if (rc == -1) {
		pass_refused(s, "no checker thread");
		return;
	}
	s->delaying = 1;
}

void
cmd_quit(struct ftp_sess *s, const char *arg)
{
	ftp_sess_close(s, 221, "Goodbye.");
}

void
cmd_noop(struct ftp_sess *s, const char *arg)
{
	ftp_reply(s, 200, "NOOP ok.");
}

void
cmd_syst(struct ftp_sess *s, const char *arg)
{
	ftp_reply(s, 215, "UNIX Type: L8");
}

/*
 * AUTH TLS (RFC 4217): 234, then the control connection is a TLS session
 * from its next byte.  The 234 leaves at once, past the bufferevent, so
 * that nothing is buffered when the session is stacked (host->conn_wrap);
 * a client that sent more before the handshake broke the protocol.
 */
void
cmd_auth(struct ftp_sess *s, const char *arg)
{
	static const char go[] = "234 Proceed with negotiation.\r\n";
	struct bufferevent *b;

	if (F.tls_ctx == NULL) {
		ftp_reply(s, 502, "TLS is not supported.");
		return;
	}
	if (s->tls) {
		ftp_reply(s, 503, "Already using TLS.");
		return;
	}
	if (strcasecmp(arg, "TLS") != 0 && strcasecmp(arg, "TLS-C") != 0 &&
	    strcasecmp(arg, "SSL") != 0) {
		ftp_reply(s, 504, "Unknown AUTH type.");
		return;
	}
	b = F.host->conn_bev(s->ctl);
	if (evbuffer_get_length(bufferevent_get_input(b)) != 0 ||
	    evbuffer_get_length(bufferevent_get_output(b)) != 0 ||
	    send(bufferevent_getfd(b), go, sizeof go - 1, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof go - 1) ||
	    F.tls->wrap(s->ctl, F.tls_ctx) != 0) {
		ftp_sess_close(s, 421, "Cannot start TLS.");
		return;
	}
	s->tls = 1;
}

void
cmd_pbsz(struct ftp_sess *s, const char *arg)
{
	if (!s->tls) {
		ftp_reply(s, 503, "PBSZ needs a secure connection.");
		return;
	}
	s->pbsz = 1;
	ftp_reply(s, 200, "PBSZ=0");
}

void
cmd_prot(struct ftp_sess *s, const char *arg)
{
	if (!s->tls) {
		ftp_reply(s, 503, "PROT needs a secure connection.");
		return;
	}
	if (!s->pbsz) {
		ftp_reply(s, 503, "PBSZ needs to be issued first.");
		return;
	}
	if (strcasecmp(arg, "P") == 0) {
		s->prot_p = 1;
		ftp_reply(s, 200, "PROT now Private.");
	} else if (strcasecmp(arg, "C") == 0) {
		s->prot_p = 0;
		ftp_reply(s, 200, "PROT now Clear.");
	} else if (strcasecmp(arg, "S") == 0 || strcasecmp(arg, "E") == 0)
		ftp_reply(s, 536, "PROT not supported.");
	else
		ftp_reply(s, 504, "PROT not recognized.");
}

void
cmd_type(struct ftp_sess *s, const char *arg)
{
	if (strcasecmp(arg, "I") == 0 || strcasecmp(arg, "L 8") == 0) {
		s->type = 'I';
		ftp_reply(s, 200, "Switching to Binary mode.");
	} else if (strcasecmp(arg, "A") == 0 || strcasecmp(arg, "A N") == 0) {
		s->type = 'A';
		ftp_reply(s, 200, "Switching to ASCII mode.");
	} else if (toupper((unsigned char)arg[0]) == 'L')
		ftp_reply(s, 504, "Byte size must be 8.");
	else
		ftp_reply(s, 504, "Unrecognised TYPE command.");
}

void
cmd_mode(struct ftp_sess *s, const char *arg)
{
	if (strcasecmp(arg, "S") == 0)
		ftp_reply(s, 200, "Mode set to S.");
	else
		ftp_reply(s, 504, "Bad MODE command.");
}

void
cmd_stru(struct ftp_sess *s, const char *arg)
{
	if (strcasecmp(arg, "F") == 0)
		ftp_reply(s, 200, "Structure set to F.");
	else
		ftp_reply(s, 504, "Bad STRU command.");
}

void
cmd_feat(struct ftp_sess *s, const char *arg)
{
	char facts[128], buf[512];
	int n;

	ftp_fmt_factlist(s->facts, 1, facts, sizeof facts);
	n = snprintf(buf, sizeof buf, "211-Features:\r\n%s EPRT\r\n EPSV\r\n"
	    " MDTM\r\n MLST %s\r\n PASV\r\n%s REST STREAM\r\n SIZE\r\n"
	    " TVFS\r\n UTF8\r\n211 End\r\n", F.tls_ctx != NULL ?
	    " AUTH TLS\r\n" : "", facts, F.tls_ctx != NULL ?
	    " PBSZ\r\n PROT\r\n" : "");
	ftp_send(s, buf, (size_t)n);
}

void
cmd_opts(struct ftp_sess *s, const char *arg)
{
	char facts[128];
	const char *rest;

	if (strcasecmp(arg, "UTF8 ON") == 0 || strcasecmp(arg, "UTF8") == 0) {
		ftp_reply(s, 200, "Always in UTF8 mode.");
		return;
	}
	if (strncasecmp(arg, "MLST", 4) == 0 && (arg[4] == ' ' ||
	    arg[4] == '\0')) {
		rest = arg[4] == ' ' ? arg + 5 : "";
		s->facts = ftp_parse_facts(rest);
		ftp_fmt_factlist(s->facts, 0, facts, sizeof facts);
		ftp_reply(s, 200, "MLST OPTS %s", facts);
		return;
	}
	ftp_reply(s, 501, "Option not understood.");
}

void
cmd_pwd(struct ftp_sess *s, const char *arg)
{
	reply_257(s, s->cwd, "is the current directory");
}

static void
change_dir(struct ftp_sess *s, const char *arg)
{
	char path[FTP_PATH_MAX];
	struct stat st;
	int rc;

	if (path_arg(s, arg, path, sizeof path) == -1)
		return;
	if ((rc = fs_stat(s, path, &st)) != 0 || !S_ISDIR(st.st_mode)) {
		ftp_reply(s, 550, "Failed to change directory.");
		return;
	}
	if (fs_can_enter(s, path) != 0) {
		ftp_reply(s, 550, "Failed to change directory.");
		return;
	}
	snprintf(s->cwd, sizeof s->cwd, "%s", path);
	ftp_reply(s, 250, "Directory successfully changed.");
}

void
cmd_cwd(struct ftp_sess *s, const char *arg)
{
	change_dir(s, arg);
}

void
cmd_cdup(struct ftp_sess *s, const char *arg)
{
	change_dir(s, "..");
}

void
cmd_help(struct ftp_sess *s, const char *arg)
{
	const struct ftp_cmd *t;
	struct evbuffer *b = evbuffer_new();
	size_t i, n;

	t = ftp_cmd_table(&n);
	evbuffer_add_printf(b, "214-The following commands are recognized.");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "%s %-4s", i % 8 == 0 ? "\r\n" : "",
		    t[i].name);
	evbuffer_add_printf(b, "\r\n214 Help OK.\r\n");
	ftp_send_buffer(s, b);
}

void
cmd_stat(struct ftp_sess *s, const char *arg)
{
	char path[FTP_PATH_MAX];
	struct evbuffer *b;

	if (arg != NULL && s->logged_in && !ftp_busy(s)) {
		b = evbuffer_new();
		evbuffer_add_printf(b, "213-Status follows:\r\n");
		if (ftp_path(s, arg, path, sizeof path) == 0)
			(void)fs_list(s, path, 'L', b);
		evbuffer_add_printf(b, "213 End of status.\r\n");
		ftp_send_buffer(s, b);
		return;
	}
	b = evbuffer_new();
	evbuffer_add_printf(b, "211-FTP server status:\r\n"
	    "     Connected to %s\r\n", s->peerstr);
	if (s->logged_in)
		evbuffer_add_printf(b, "     Logged in as %s\r\n", s->user);
	else
		evbuffer_add_printf(b, "     Not logged in\r\n");
	evbuffer_add_printf(b, "     TYPE: %s\r\n     Session timeout in "
	    "seconds is %ld\r\n", s->type == 'I' ? "BINARY" : "ASCII",
	    F.conf.idle_timeout);
	if (ftp_busy(s))
		evbuffer_add_printf(b, "     Transfer in progress: %llu "
		    "bytes\r\n", s->data.bytes);
	evbuffer_add_printf(b, "211 End of status.\r\n");
	ftp_send_buffer(s, b);
}

/* A regular file's stat for SIZE and MDTM, or a 550 sent. */
static int
file_stat(struct ftp_sess *s, const char *arg, struct stat *st)
{
	char path[FTP_PATH_MAX];
	int rc;

	if (path_arg(s, arg, path, sizeof path) == -1)
		return -1;
	if ((rc = fs_stat(s, path, st)) != 0) {
		reply_errno(s, rc);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		ftp_reply(s, 550, "Not a regular file.");
		return -1;
	}
	return 0;
}

void
cmd_size(struct ftp_sess *s, const char *arg)
{
	struct stat st;

	if (file_stat(s, arg, &st) == 0)
		ftp_reply(s, 213, "%lld", (long long)st.st_size);
}

void
cmd_mdtm(struct ftp_sess *s, const char *arg)
{
	struct stat st;
	char t[15];

	if (file_stat(s, arg, &st) == 0) {
		ftp_fmt_mdtm(st.st_mtime, t);
		ftp_reply(s, 213, "%s", t);
	}
}

void
cmd_rest(struct ftp_sess *s, const char *arg)
{
	const char *p;
	long long v = 0;

	for (p = arg; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10) {
			ftp_reply(s, 501, "REST offset too large.");
			return;
		}
		v = v * 10 + (*p - '0');
	}
	if (p == arg || *p != '\0') {
		ftp_reply(s, 501, "REST requires a non-negative integer.");
		return;
	}
	s->rest = (off_t)v;
	ftp_reply(s, 350, "Restart position accepted (%lld).", v);
}

/* DELE, MKD, RMD: one filesystem call on one path, one reply. */
static const struct path_op {
	int (*fn)(struct ftp_sess *, const char *);
	int code;		/* 257 quotes the path */
	const char *text;
} op_dele = { fs_unlink, 250, "Delete operation successful." },
  op_mkd = { fs_mkdir, 257, "created" },
  op_rmd = { fs_rmdir, 250, "Remove directory operation successful." };

static void
path_op(struct ftp_sess *s, const char *arg, const struct path_op *op)
{
	char path[FTP_PATH_MAX];
	int rc;

	if (path_arg(s, arg, path, sizeof path) == -1)
		return;
	if ((rc = op->fn(s, path)) != 0)
		reply_errno(s, rc);
	else if (op->code == 257)
		reply_257(s, path, op->text);
	else
		ftp_reply(s, op->code, "%s", op->text);
}

void
cmd_dele(struct ftp_sess *s, const char *arg)
{
	path_op(s, arg, &op_dele);
}

void
cmd_mkd(struct ftp_sess *s, const char *arg)
{
	path_op(s, arg, &op_mkd);
}

void
cmd_rmd(struct ftp_sess *s, const char *arg)
{
	path_op(s, arg, &op_rmd);
}

void
cmd_rnfr(struct ftp_sess *s, const char *arg)
{
	char path[FTP_PATH_MAX];
	struct stat st;
	int rc;

	free(s->rnfr);
	s->rnfr = NULL;
	if (path_arg(s, arg, path, sizeof path) == -1)
		return;
	if ((rc = fs_stat(s, path, &st)) != 0) {
		reply_errno(s, rc);
		return;
	}
	s->rnfr = xstrdup(path);
	ftp_reply(s, 350, "Ready for RNTO.");
}

void
cmd_rnto(struct ftp_sess *s, const char *arg)
{
	char path[FTP_PATH_MAX];
	char *from = s->rnfr;
	int rc;

	s->rnfr = NULL;
	if (from == NULL) {
		ftp_reply(s, 503, "RNFR required first.");
		return;
	}
	if (path_arg(s, arg, path, sizeof path) == 0) {
		if ((rc = fs_rename(s, from, path)) != 0)
			reply_errno(s, rc);
		else
			ftp_reply(s, 250, "Rename successful.");
	}
	free(from);
}

void
cmd_mlst(struct ftp_sess *s, const char *arg)
{
	char path[FTP_PATH_MAX];
	struct evbuffer *b;
	int rc;

	if (path_arg(s, arg, path, sizeof path) == -1)
		return;
	b = evbuffer_new();
	evbuffer_add_printf(b, "250-Listing %s\r\n ", path);
	if ((rc = fs_mlst(s, path, b)) != 0) {
		evbuffer_free(b);
		reply_errno(s, rc);
		return;
	}
	evbuffer_add_printf(b, "\r\n250 End\r\n");
	ftp_send_buffer(s, b);
}
