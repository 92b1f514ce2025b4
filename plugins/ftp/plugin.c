/*
 * plugin.c — the ftp plugin's descriptor, init, drain and fini: read
 * [plugin:ftp] through one option table, open the anonymous root and the
 * control listener; on unload refuse new connections and close each
 * session with 421 once its transfer is over.
 *
 * Ownership: the one struct ftp_ctx F, filled by init and emptied by fini:
 * the settings' strings, the anonymous vfs, the listener, every session.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "ftp.h"

struct ftp_ctx F;

enum opt_type { OPT_STR, OPT_BOOL, OPT_INT };

/* Every key of [plugin:ftp]: type, default, bounds (docs/stheno.conf.5.md). */
static const struct ftp_opt {
	const char *key;
	enum opt_type type;
	size_t off;
	long def;
	long min;
	long max;
	const char *sdef;
} ftp_opts[] = {
#define O(k, t, d, lo, hi, s)                                                  \
	{ #k, t, offsetof(struct ftp_conf, k), d, lo, hi, s }
	O(port, OPT_STR, 0, 0, 0, NULL),
	O(anonymous, OPT_BOOL, 0, 0, 1, NULL),
	O(anon_root, OPT_STR, 0, 0, 0, NULL),
	O(anon_write, OPT_BOOL, 0, 0, 1, NULL),
	O(anon_user, OPT_STR, 0, 0, 0, NULL),
	O(local_users, OPT_BOOL, 0, 0, 1, NULL),
	O(local_root, OPT_STR, 0, 0, 0, NULL),
	O(allow_root, OPT_BOOL, 0, 0, 1, NULL),
	O(pasv_min_port, OPT_INT, 0, 1024, 65535, NULL),
	O(pasv_max_port, OPT_INT, 0, 1024, 65535, NULL),
	O(pasv_address, OPT_STR, 0, 0, 0, NULL),
	O(idle_timeout, OPT_INT, 300, 1, 86400, NULL),
	O(max_clients, OPT_INT, 50, 1, 100000, NULL),
	O(login_delay, OPT_INT, 1, 0, 60, NULL),
	O(max_login_fails, OPT_INT, 3, 1, 100, NULL),
	O(banner, OPT_STR, 0, 0, 0, FTP_GREETING),
	O(pam_service, OPT_STR, 0, 0, 0, FTP_PAM_SERVICE),
	O(check_shell, OPT_BOOL, 1, 0, 1, NULL),
	O(text_userdb_names, OPT_BOOL, 0, 0, 1, NULL),
	O(xferlog_enable, OPT_BOOL, 0, 0, 1, NULL),
	O(xferlog_file, OPT_STR, 0, 0, 0, "/var/log/xferlog"),
	O(tls, OPT_STR, 0, 0, 0, NULL),
	O(force_local_logins_ssl, OPT_BOOL, 1, 0, 1, NULL),
	O(require_ssl_reuse, OPT_BOOL, 1, 0, 1, NULL),
#undef O
};

static int
read_opt(struct sth_section *sec, const struct ftp_opt *o)
{
	const struct sth_host *host = F.host;
	char *p = (char *)&F.conf + o->off;
	const char *v;
	long l;
	int b;

	switch (o->type) {
	case OPT_STR:
		v = host->cfg_str(sec, o->key, o->sdef);
		*(char **)p = v != NULL && *v != '\0' ? xstrdup(v) : NULL;
		return 0;
	case OPT_BOOL:
		if (host->cfg_bool(F.self, sec, o->key, (int)o->def, &b) == -1)
			return -1;	/* the host's message names it all */
		*(int *)p = b;
		return 0;
	case OPT_INT:
		if (host->cfg_int(F.self, sec, o->key, o->def, &l) == -1)
			return -1;
		if (l != o->def && (l < o->min || l > o->max))
			return host->fail(F.self, "[plugin:ftp] %s: %ld is not "
			    "between %ld and %ld", o->key, l, o->min, o->max);
		*(long *)p = l;
		return 0;
	}
	return -1;
}

/* What the options mean together. */
static int
check_conf(void)
{
	struct ftp_conf *c = &F.conf;
	struct sockaddr_in *sin = (struct sockaddr_in *)&F.pasv_sa;

	if (c->port == NULL)
		return F.host->fail(F.self, "[plugin:ftp] port: required "
		    "(host:port)");
	if (!c->anonymous && !c->local_users)
		return F.host->fail(F.self, "[plugin:ftp] anonymous, "
		    "local_users: nobody could log in (set one to true)");
	if (c->anonymous && c->anon_root == NULL)
		return F.host->fail(F.self, "[plugin:ftp] anon_root: required "
		    "when anonymous = true");
	if ((c->pasv_min_port == 0) != (c->pasv_max_port == 0) ||
	    c->pasv_min_port > c->pasv_max_port)
		return F.host->fail(F.self, "[plugin:ftp] pasv_min_port, "
		    "pasv_max_port: give both, min <= max");
	if (c->pasv_address != NULL) {
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, c->pasv_address, &sin->sin_addr) != 1)
			return F.host->fail(F.self, "[plugin:ftp] "
			    "pasv_address: '%s' is not an IPv4 address",
			    c->pasv_address);
	}
	if (c->pam_service == NULL || strchr(c->pam_service, '/') != NULL)
		return F.host->fail(F.self, "[plugin:ftp] pam_service: a name "
		    "in /etc/pam.d, not a path");
	if (strpbrk(c->banner, "\r\n") != NULL)
		return F.host->fail(F.self, "[plugin:ftp] banner: one line");
	if (c->local_users && geteuid() != 0)
		return F.host->fail(F.self, "[plugin:ftp] local_users: "
		    "sthenod must run as root to act as each user");
	return 0;
}

/* Anonymous sessions act as anon_user (default "ftp", else "nobody") when
 * sthenod is root, never as root. */
static int
anon_setup(void)
{
	const char *name = F.conf.anon_user;
	struct passwd *pw;
	char *err = NULL;

	if (geteuid() == 0) {
		pw = getpwnam(name != NULL ? name : "ftp");
		if (pw == NULL && name == NULL)
			pw = getpwnam("nobody");
		if (pw == NULL)
			return F.host->fail(F.self,
			    "[plugin:ftp] anon_user: no "
			    "user '%s'", name != NULL ? name : "nobody");
		F.anon_id.set = 1;
		F.anon_id.uid = pw->pw_uid;
		F.anon_id.gid = pw->pw_gid;
		/* its own group only, as vsftpd's anonymous: and no
		 * getgrouplist, which maps every NSS module of "group:"
		 * (libnss_systemd and its libraries: 690 kB resident) */
		F.anon_id.ngroups = F.anon_id.ngroups_all = 1;
		F.anon_id.groups[0] = pw->pw_gid;
	}
	F.anon_vfs = F.host->vfs_new(F.self, F.conf.anon_root, &err);
	if (F.anon_vfs == NULL) {
		F.host->fail(F.self, "[plugin:ftp] anon_root: %s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* The PAM service file is looked for where Linux-PAM does: a missing one
 * means PAM's "other" service (on Debian: refuse everyone). */
static void
pam_service_note(void)
{
	static const char *const dirs[] = { "/etc/pam.d", "/usr/lib/pam.d" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dirs[i],
		    F.conf.pam_service);
		if (access(path, R_OK) == 0)
			return;
	}
	F.host->log(F.self, STH_LOG_WARN, "ftp: pam_service: no file "
	    "/etc/pam.d/%s: PAM's \"other\" service checks real users",
	    F.conf.pam_service);
}

/* vsftpd's xferlog_file: created 0600, appended to. */
static int
xferlog_open(void)
{
	F.xferlog_fd = open(F.conf.xferlog_file, O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (F.xferlog_fd == -1)
		return F.host->fail(F.self, "[plugin:ftp] xferlog_file: %s: %s",
		    F.conf.xferlog_file, strerror(errno));
	return 0;
}

/* tls = NAME: AUTH TLS with [tls:NAME]'s context (the tls service, which
 * such a section loads before this plugin). */
static int
tls_setup(void)
{
	F.tls = F.host->service_acquire(F.self, STH_TLS_SERVICE,
	    STH_TLS_API_VERSION, NULL);
	if (F.tls == NULL || !STH_TLS_HAS(F.tls, session_reused) ||
	    (F.tls_ctx = F.tls->context(F.conf.tls)) == NULL)
		return F.host->fail(F.self, "[plugin:ftp] tls: there is no "
		    "[tls:%s] section (its cert and key make the context)",
		    F.conf.tls);
	return 0;
}

static void ftp_fini(struct sth_plugin *);

static int
ftp_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *sec;
	char *err = NULL;
	size_t i;

	memset(&F, 0, sizeof F);
	F.self = self;
	F.host = host;
	F.xferlog_fd = -1;
	LIST_INIT(&F.sessions);
	if ((sec = host->config(self)) == NULL)
		return host->fail(self, "[plugin:ftp] section missing");
	for (i = 0; i < sizeof ftp_opts / sizeof ftp_opts[0]; i++)
		if (read_opt(sec, &ftp_opts[i]) == -1)
			goto err;
	if (check_conf() == -1)
		goto err;
	if (ftp_id_setup() == -1) {
		host->fail(self, "[plugin:ftp] getgroups: %s",
		    strerror(errno));
		goto err;
	}
	if (F.conf.anonymous && anon_setup() == -1)
		goto err;
	if (F.conf.tls != NULL && tls_setup() == -1)
		goto err;
	if (F.conf.local_users)
		pam_service_note();
	if (F.conf.xferlog_enable && F.conf.xferlog_file == NULL) {
		host->fail(self, "[plugin:ftp] xferlog_file: empty");
		goto err;
	}
	if (F.conf.xferlog_enable && xferlog_open() == -1)
		goto err;
	F.listener = host->listen_tcp(self, F.conf.port, ftp_accept, NULL,
	    &err);
	if (F.listener == NULL) {
		host->fail(self, "[plugin:ftp] port: cannot listen on %s: %s",
		    F.conf.port, err != NULL ? err : "failed");
		free(err);
		goto err;
	}
	host->log(self, STH_LOG_INFO, "ftp: listening on %s%s%s%s",
	    host->listener_addr(F.listener),
	    F.conf.anonymous ? " (anonymous)" : "",
	    F.conf.local_users ? " (local users)" : "",
	    F.tls_ctx != NULL ? " (AUTH TLS)" : "");
	return 0;
err:
	ftp_fini(self);
	return -1;
}

static void
ftp_drain(struct sth_plugin *self)
{
	struct ftp_sess *s, *next;

	F.draining = 1;
	for (s = LIST_FIRST(&F.sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, entry);
		ftp_sess_drain(s);
	}
}

static void
ftp_fini(struct sth_plugin *self)
{
	struct ftp_sess *s;
	size_t i;

	while ((s = LIST_FIRST(&F.sessions)) != NULL)
		ftp_sess_free(s);
	ftp_checks_join();
	ftp_id_teardown();
	if (F.listener != NULL)
		F.host->listener_free(F.listener);
	if (F.anon_vfs != NULL)
		F.host->vfs_free(F.anon_vfs);
	if (F.xferlog_fd != -1)
		close(F.xferlog_fd);
	if (F.tls != NULL)
		F.host->service_release(self, STH_TLS_SERVICE);
	for (i = 0; i < sizeof ftp_opts / sizeof ftp_opts[0]; i++)
		if (ftp_opts[i].type == OPT_STR)
			free(*(char **)((char *)&F.conf + ftp_opts[i].off));
	memset(&F, 0, sizeof F);
}

STHENO_PLUGIN("ftp", PACKAGE_VERSION,
    "FTP server over the vfs: anonymous and real users (RFC 959, 2428, "
    "3659)", NULL, ftp_init, ftp_drain, ftp_fini);
