/*
 * ftp.h — the ftp plugin's internal header: an FTP server (RFC 959, 2389,
 * 2428, 3659) over the host's vfs, one section per file.
 *
 * Ownership: plugin.c owns the one struct ftp_ctx (global F): the settings,
 * the control listener and the list of sessions.  A session (session.c) owns
 * its control connection, its timers, its vfs (real users) and its data
 * channel (data.c), which owns the passive listener, the connecting socket,
 * the data connection and the file or listing being sent.  cmd.c, addr.c and
 * list.c own nothing: they parse and format, so that the unit tests link
 * them alone.
 */
#ifndef STHENO_PLUGIN_FTP_H
#define STHENO_PLUGIN_FTP_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stheno/stheno.h>
#include <stheno/tls.h>

struct evbuffer;

#include "xmalloc.h"

#define FTP_MAX_LINE 4096	/* a command line, CRLF excluded */
#define FTP_PATH_MAX 1024	/* a virtual path */
#define FTP_HELD_MAX (4 * FTP_MAX_LINE)	/* commands queued during a transfer */
#define FTP_GREETING "Stheno FTP server ready."
#define FTP_PAM_SERVICE "stheno-ftp"	/* the file make install puts in
					 * $(sysconfdir)/pam.d */

/* ------------------------------------------------------------------ cmd.c */

struct ftp_sess;

/* Command flags. */
#define FC_PRELOGIN 0x01	/* allowed before login */
#define FC_WRITE 0x02		/* needs a writable session */
#define FC_ARG 0x04		/* needs an argument */
#define FC_XFER 0x08		/* allowed while a transfer runs */

struct ftp_cmd {
	const char *name;
	unsigned flags;
	void (*fn)(struct ftp_sess *, const char *arg);
};

/*
 * Split a command line (CRLF already removed) in place: telnet IAC
 * sequences and leading non-letters dropped (ABOR after a Synch), the verb
 * upper-cased into *verb, *arg the rest after one space (NULL if none).
 * -1 for an empty line.
 */
int ftp_split(char *line, char **verb, char **arg);
/* The table entry for verb (upper case), or NULL. */
const struct ftp_cmd *ftp_cmd_find(const char *verb);
/*
 * Whether a session may run cmd now: 0, or the reply code and text to
 * send instead (*text static).
 */
int ftp_cmd_check(const struct ftp_cmd *cmd, int logged_in, int writable,
		  const char *arg, const char **text);
/* The command table, for HELP. */
const struct ftp_cmd *ftp_cmd_table(size_t *n);

/* ----------------------------------------------------------------- addr.c */

#define FTP_EPSV_ALL 3

/* "h1,h2,h3,h4,p1,p2" → an AF_INET address, port 1..65535. 0 or -1. */
int ftp_parse_port(const char *arg, struct sockaddr_storage *ss,
		   socklen_t *len);
/* "|af|addr|port|" (any delimiter in 33..126) → address. 0, -1 for bad
 * syntax, -2 for an unknown address family. */
int ftp_parse_eprt(const char *arg, struct sockaddr_storage *ss,
		   socklen_t *len);
/* EPSV's argument: 0 (none), 1 or 2 (a family), FTP_EPSV_ALL, -1 bad,
 * -2 unknown family. */
int ftp_parse_epsv(const char *arg);
/* "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)." text for an IPv4
 * address (v4-mapped allowed); -1 if it is not IPv4. */
int ftp_fmt_pasv(const struct sockaddr *sa, int port, char *out,
		 size_t outlen);
/* Same IP (a v4-mapped v6 equals its v4). */
int ftp_same_host(const struct sockaddr *a, const struct sockaddr *b);
int ftp_sa_port(const struct sockaddr *sa);
/* EPSV/EPRT's family number: 1 IPv4 (v4-mapped too), 2 IPv6. */
int ftp_sa_family(const struct sockaddr *sa);
void ftp_sa_set_port(struct sockaddr *sa, int port);
socklen_t ftp_sa_len(const struct sockaddr *sa);
/* "a.b.c.d" / "x::y" of sa into out. */
void ftp_sa_host(const struct sockaddr *sa, char *out, size_t outlen);

/* ----------------------------------------------------------------- list.c */

#define MLST_TYPE 0x01
#define MLST_SIZE 0x02
#define MLST_MODIFY 0x04
#define MLST_PERM 0x08
#define MLST_UNIX_MODE 0x10
#define MLST_ALL 0x1f

#define FTP_RECENT_SECS (180L * 24 * 3600)	/* ls -l: 6 months */

/* "drwxr-xr-x" (10 chars + NUL). */
void ftp_fmt_mode(mode_t mode, char out[11]);
/* "Nov 26 01:23" for a time within 180 days before (or an hour after) now,
 * "Nov 26  2025" otherwise; UTC. */
void ftp_fmt_lsdate(time_t t, time_t now, char *out, size_t outlen);
/* One `ls -l` line with CRLF; link may be NULL. */
void ftp_fmt_list(struct evbuffer *b, const char *name,
		  const struct stat *st, const char *owner, const char *group,
		  const char *link, time_t now);
/* One MLSx fact line "fact=v;...; name" (no leading space, no CRLF).
 * type overrides the type fact ("cdir", "pdir") or is NULL. */
void ftp_fmt_facts(struct evbuffer *b, const char *name,
		   const struct stat *st, const char *type, const char *perm,
		   unsigned facts);
/* What a session may do with an object (fs.c asks the kernel). */
#define FTP_MAY_READ 0x01	/* RETR a file, list a directory */
#define FTP_MAY_WRITE 0x02	/* STOR/APPE a file, create in a directory */
#define FTP_MAY_ENTER 0x04	/* CWD into a directory */
#define FTP_MAY_REMOVE 0x08	/* DELE/RMD and RNFR it (its directory's) */
/* RFC 3659 perm letters for an object of st's type, in RFC order. */
void ftp_fmt_perm(const struct stat *st, unsigned may, char out[16]);
/* Parse OPTS MLST's list ("type;size;"): the fact mask. */
unsigned ftp_parse_facts(const char *arg);
/* The fact list for FEAT and OPTS: "type*;size*;..." (* on those in mask). */
void ftp_fmt_factlist(unsigned mask, int stars, char *out, size_t outlen);
/* "YYYYMMDDHHMMSS" UTC; a time outside years 1000..9999 is clamped to
 * 00000101000000 or 99991231235959. */
void ftp_fmt_mdtm(time_t t, char out[15]);

/* ----------------------------------------------------------------- auth.c */

#define FTP_MAX_GROUPS 64	/* a user's supplementary groups kept */

struct ftp_ident {
	int set;		/* switch the identity around file operations */
	uid_t uid;
	gid_t gid;
	int ngroups;		/* the user's supplementary groups */
	int ngroups_all;	/* before the cut at FTP_MAX_GROUPS */
	gid_t groups[FTP_MAX_GROUPS];
};

/* Check a real user's login through PAM (F.conf.pam_service: auth and
 * account) and their shell (/etc/shells, when F.conf.check_shell); 0 with
 * *id set (and *home malloc'd for the caller), -1 refused with *why (the
 * reason, for the log; malloc'd).  A name no account has costs one hash
 * too.  Reentrant: runs on a checker thread. */
int ftp_auth_local(const char *user, const char *pass, const char *rhost,
		   struct ftp_ident *id, char **home, char **why);
/* init: note sthenod's own supplementary groups, to switch back to, and
 * whether this thread may switch them at all (CAP_SETGID).  0 or -1. */
int ftp_id_setup(void);
void ftp_id_teardown(void);
/* -------------------------------------------------------------- check.c */

#define FTP_CHECK_WORKERS 4	/* threads checking logins, at most: one a
				 * CPU, at least 2 */
#define FTP_CHECK_QUEUE_MAX 128	/* checks waiting for one; then 421 */

struct ftp_sess;
/* A finished check: rc 0 with the user's identity and home (the callee
 * copies what it keeps), or -1 refused (id unset, home NULL) and why. */
typedef void (*ftp_check_fn)(struct ftp_sess *s, int rc,
			     const struct ftp_ident *id, const char *home,
			     const char *why);
/* Queue a check of s->user's login for the pool; done runs on the loop
 * later, unless the session is freed first (ftp_check_detach).  0; -1 if
 * the pool could not start (logged); -2 if the queue is full. */
int ftp_check_start(struct ftp_sess *s, const char *pass, ftp_check_fn done);
void ftp_check_detach(struct ftp_sess *s);
/* fini: drop the queued checks, wait for the running ones (one each). */
void ftp_checks_join(void);

/* Switch the identity for one operation and back: fsuid, fsgid and, when
 * sthenod may (root), the supplementary groups of this thread only. */
int ftp_id_enter(const struct ftp_ident *id);	/* -1: not switched */
void ftp_id_leave(const struct ftp_ident *id);

/* --------------------------------------------------------------- plugin.c */

struct ftp_conf {
	char *port;
	int anonymous;
	char *anon_root;
	int anon_write;
	char *anon_user;
	int local_users;
	char *local_root;
	int allow_root;
	long pasv_min_port;
	long pasv_max_port;
	char *pasv_address;
	long idle_timeout;
	long max_clients;
	long login_delay;	/* seconds */
	long max_login_fails;
	char *banner;
	char *pam_service;
	int check_shell;
	int text_userdb_names;	/* LIST shows names, not numbers */
	int xferlog_enable;
	char *xferlog_file;
	char *tls;		/* [tls:NAME] for AUTH TLS, or NULL */
	int force_local_logins_ssl;
	int require_ssl_reuse;
};

struct ftp_ctx {
	struct sth_plugin *self;
	const struct sth_host *host;
	struct ftp_conf conf;
	struct ftp_ident anon_id;
	struct sth_listener *listener;
	struct sockaddr_storage pasv_sa;	/* pasv_address */
	struct sth_vfs *anon_vfs;	/* anon_root, shared by anonymous
					 * sessions */
	int xferlog_fd;			/* xferlog_file, or -1 */
	const struct sth_tls_api *tls;	/* the tls service, with tls = */
	struct sth_tls_ctx *tls_ctx;
	LIST_HEAD(, ftp_sess) sessions;
	unsigned nsessions;
	int draining;
};

extern struct ftp_ctx F;

/* -------------------------------------------------------------- session.c */

enum ftp_xfer_kind { XF_NONE, XF_RETR, XF_STOR, XF_LIST };

struct ftp_data {
	int mode;		/* 0 none, 'P' passive, 'A' active */
	struct sth_watch *lwatch;	/* passive listener (owns its fd) */
	struct sockaddr_storage act;	/* PORT/EPRT target */
	struct sth_watch *cwatch;	/* active connect in progress */
	int cfd;
	struct sth_conn *conn;	/* the data connection */
	/* the transfer a command started */
	enum ftp_xfer_kind kind;
	int waiting;		/* the command waits for the connection */
	int fd;			/* RETR source / STOR target, -1 */
	off_t off;
	off_t len;
	off_t queued;		/* PROT P RETR: bytes of len read so far */
	struct evbuffer *listing;
	unsigned long long bytes;
	/* for xferlog: a RETR or STOR that got its 150 */
	int xlog;
	int xok;		/* it ended with 226 */
	time_t xstart;
	char xpath[FTP_PATH_MAX];
};

struct ftp_sess {
	LIST_ENTRY(ftp_sess) entry;
	struct sth_conn *ctl;
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
	char peerstr[80];		/* "addr:port" for the log */
	struct sth_timer *idle;
	struct sth_timer *delay;	/* after a failed login */
	struct evbuffer *held;	/* lines read during a transfer */
	int discarding;		/* skipping the rest of a too long line */
	int logged_in;
	int writable;
	int epsv_all;
	int tls;		/* AUTH TLS done: the control channel is TLS */
	int pbsz;		/* PBSZ 0 given */
	int prot_p;		/* PROT P: data connections are TLS */
	int closing;		/* QUIT or 421: no more commands */
	int dead;		/* freed but for the struct (depth > 0) */
	int depth;		/* process_input frames on the stack */
	int fails;
	int delaying;		/* a failed login's delay or a password
				 * check: lines wait */
	double pass_at;		/* when the last PASS arrived (monotonic) */
	struct ftp_check *check;	/* the password check running */
	char *user;		/* from USER, until PASS; then who is in */
	char *anon_pass;	/* an anonymous user's password, for xferlog */
	char *rnfr;		/* virtual path from RNFR */
	off_t rest;
	int type;		/* 'A' or 'I' */
	unsigned facts;		/* OPTS MLST selection */
	struct ftp_ident id;
	struct sth_vfs *vfs;	/* owned for real users, else F's */
	int own_vfs;
	char cwd[FTP_PATH_MAX];
	struct ftp_data data;
};

void ftp_accept(struct sth_listener *l, int fd, const struct sockaddr *sa,
		socklen_t salen, void *arg);
void ftp_reply(struct ftp_sess *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Raw text (multi-line replies), copied as is. */
void ftp_send(struct ftp_sess *s, const char *text, size_t len);
/* A multi-line reply built in b: sent, and b freed. */
void ftp_send_buffer(struct ftp_sess *s, struct evbuffer *b);
void ftp_sess_close(struct ftp_sess *s, int code, const char *text);
void ftp_sess_free(struct ftp_sess *s);
void ftp_sess_drain(struct ftp_sess *s);
/* The transfer ended (data.c): resume reading commands. */
void ftp_sess_xfer_done(struct ftp_sess *s);
/* Read the commands that waited (after a login delay). */
void ftp_sess_resume(struct ftp_sess *s);
/* Path arg against the cwd into out: 0 or -errno. */
int ftp_path(struct ftp_sess *s, const char *arg, char *out, size_t outlen);
int ftp_busy(const struct ftp_sess *s);
/* (Re)start or stop the idle timer for what the session waits for. */
void ftp_idle_arm(struct ftp_sess *s);

/* ------------------------------------------------------------ commands */
/* fs.c: every filesystem operation under the session's identity. */
int fs_open(struct ftp_sess *s, const char *path, int flags, mode_t mode);
int fs_stat(struct ftp_sess *s, const char *path, struct stat *st);
int fs_mkdir(struct ftp_sess *s, const char *path);
int fs_rmdir(struct ftp_sess *s, const char *path);
int fs_unlink(struct ftp_sess *s, const char *path);
int fs_rename(struct ftp_sess *s, const char *from, const char *to);
/* 0 if the session may CWD into path (search permission). */
int fs_can_enter(struct ftp_sess *s, const char *path);
/* A listing of path (a directory or a file) into b: 0 or -errno.  kind
 * 'L' ls -l, 'N' names, 'M' MLSD facts. */
int fs_list(struct ftp_sess *s, const char *path, int kind,
	    struct evbuffer *b);
/* The MLST reply fact line for path into b. */
int fs_mlst(struct ftp_sess *s, const char *path, struct evbuffer *b);

/* The handlers the table points at (handlers.c, xfer.c). */
#define FTP_HANDLER(n) void cmd_##n(struct ftp_sess *, const char *)
FTP_HANDLER(user); FTP_HANDLER(pass); FTP_HANDLER(quit); FTP_HANDLER(noop);
FTP_HANDLER(syst); FTP_HANDLER(type); FTP_HANDLER(mode); FTP_HANDLER(stru);
FTP_HANDLER(feat); FTP_HANDLER(opts); FTP_HANDLER(pwd); FTP_HANDLER(cwd);
FTP_HANDLER(cdup); FTP_HANDLER(help); FTP_HANDLER(stat); FTP_HANDLER(size);
FTP_HANDLER(mdtm); FTP_HANDLER(rest); FTP_HANDLER(pasv); FTP_HANDLER(epsv);
FTP_HANDLER(port); FTP_HANDLER(eprt); FTP_HANDLER(list); FTP_HANDLER(nlst);
FTP_HANDLER(mlsd); FTP_HANDLER(mlst); FTP_HANDLER(retr); FTP_HANDLER(stor);
FTP_HANDLER(appe); FTP_HANDLER(dele); FTP_HANDLER(mkd); FTP_HANDLER(rmd);
FTP_HANDLER(rnfr); FTP_HANDLER(rnto); FTP_HANDLER(abor); FTP_HANDLER(auth);
FTP_HANDLER(pbsz); FTP_HANDLER(prot);

/* ---------------------------------------------------------------- data.c */

void data_init(struct ftp_data *d);
/* Close everything of the data channel (listener, socket, connection,
 * file). */
void data_reset(struct ftp_sess *s);
/* PASV/EPSV: open the passive listener; the port, or -1 (reply sent). */
int data_passive(struct ftp_sess *s);
/* A transfer was prepared in s->data: open or use the connection. */
void data_start(struct ftp_sess *s);
/* The idle timeout while a transfer waits for its connection: 425, and
 * 1; 0 if no transfer waits. */
int data_timeout(struct ftp_sess *s);
/* ABOR: 0 if nothing was running. */
int data_abort(struct ftp_sess *s);

/* ------------------------------------------------------------- xferlog.c */

/* The xferlog line of the transfer in s->data, if one started and the
 * log is on; once. */
void ftp_xferlog(struct ftp_sess *s);

#endif /* STHENO_PLUGIN_FTP_H */
