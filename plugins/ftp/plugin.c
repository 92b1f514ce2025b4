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

/*
 * Every key of [plugin:ftp]: type, default, bounds (docs/stheno.conf.5.md),
 * read by the host (host->cfg_read).  An empty string is unset, but for
 * the banner ("220 " alone is a choice).
 */
#define O(k, t, d, fl, lo, hi)                                                 \
	STH_CFG_OPTION(#k, STH_CFG_##t, fl, struct ftp_conf, k, d, lo, hi)
#define S(k, d) O(k, STR, d, STH_CFG_EMPTY_NULL, 0, 0)
#define B(k, d) O(k, BOOL, d, 0, 0, 0)
static const struct sth_cfg_option ftp_opts[] = {
	S(port, NULL),
	B(anonymous, "false"),
	S(anon_root, NULL),
	B(anon_write, "false"),
	S(anon_user, NULL),
	B(local_users, "false"),
	S(local_root, NULL),
	B(allow_root, "false"),
	O(pasv_min_port, INT, NULL, 0, 1024, 65535),	/* unset: 0 */
	O(pasv_max_port, INT, NULL, 0, 1024, 65535),
	S(pasv_address, NULL),
	O(idle_timeout, INT, "300", 0, 1, 86400),
	O(max_clients, INT, "50", 0, 1, 100000),
	O(login_delay, INT, "1", 0, 0, 60),
	O(max_login_fails, INT, "3", 0, 1, 100),
	O(banner, STR, FTP_GREETING, 0, 0, 0),
	S(pam_service, FTP_PAM_SERVICE),
	B(check_shell, "true"),
	B(text_userdb_names, "false"),
	B(xferlog_enable, "false"),
	S(xferlog_file, "/var/log/xferlog"),
	S(tls, NULL),
	B(force_local_logins_ssl, "true"),
	B(require_ssl_reuse, "true"),
	STH_CFG_END
};
#undef B
#undef S
#undef O

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

	memset(&F, 0, sizeof F);
	F.self = self;
	F.host = host;
	F.xferlog_fd = -1;
	LIST_INIT(&F.sessions);
	if ((sec = host->config(self)) == NULL)
		return host->fail(self, "[plugin:ftp] section missing");
	if (host->cfg_read(self, sec, NULL, ftp_opts, &F.conf) == -1)
		return -1;	/* the host's message names it all */
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
	F.host->cfg_release(ftp_opts, &F.conf);
	memset(&F, 0, sizeof F);
}

STHENO_PLUGIN("ftp", PACKAGE_VERSION,
    "FTP server over the vfs: anonymous and real users (RFC 959, 2428, "
    "3659)", NULL, ftp_init, ftp_drain, ftp_fini);
