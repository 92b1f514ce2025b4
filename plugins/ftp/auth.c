/*
 * auth.c — real users: check a login the way the system does, through PAM
 * (the service of the pam_service key: its auth modules check the password,
 * its account modules the account — expiry, an inactive password, a
 * locked account), then vsftpd's check_shell: the user's shell must be
 * listed in /etc/shells, so that /usr/sbin/nologin and /bin/false keep
 * a user out.  And switch the filesystem identity around one operation
 * (setfsuid/setfsgid: only this thread's file access checks change, and
 * only until they are switched back).
 *
 * Supplementary groups: glibc's setgroups() changes every thread of the
 * process, but the system call itself changes only the calling thread's
 * credentials (like setfsuid).  So the groups are switched with the raw
 * call around the same operations, to the user's own (getgrouplist at
 * login), and back to sthenod's: a user reaches a file through a group
 * they belong to, and never through one of root's.  Without CAP_SETGID
 * (sthenod not root) they cannot be switched, nor need to be: then fsuid
 * cannot leave sthenod's own uid either.
 *
 * Ownership: *home and *why are malloc'd for the caller.
 */
#include "config.h"

#include <sys/fsuid.h>
#include <sys/syscall.h>

#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "ftp.h"

/*
 * A name no account has still costs one hash of the system's default
 * method (crypt_gensalt's, yescrypt on Debian), as a real user's check
 * does, so that neither the time nor the load of a check tells which
 * names exist.  The hash is made once, of a random password, by the first
 * worker that needs it.
 */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[CRYPT_OUTPUT_SIZE];

static void
dummy_make(void)
{
	struct crypt_data *cd;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], pw[24];
	const char *h;
	size_t i;

	cd = xcalloc(1, sizeof *cd);
	for (i = 0; i + 1 < sizeof pw; i++)
		pw[i] = (char)('a' + arc4random_uniform(26));
	pw[i] = '\0';
	/* crypt_rn, not crypt_r: ASan intercepts crypt_r, and reaches the
	 * real one only if libcrypt came with sthenod (Makefile.inc). */
	if (crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof salt) != NULL &&
	    (h = crypt_rn(pw, salt, cd, (int)sizeof *cd)) != NULL &&
	    h[0] != '*')
		snprintf(dummy_hash, sizeof dummy_hash, "%s", h);
	else	/* SHA-512, which every libcrypt has */
		snprintf(dummy_hash, sizeof dummy_hash, "%s",
		    "$6$SthenoFTPdummy1$DFyxqRjF31PkdWDu.QQXUFK78eljlpSHHB."
		    "acdEHrD.nphKXCiUN8K9ocgAY4lMzU8hZKfOngrPHdl0GSoFul.");
	explicit_bzero(cd, sizeof *cd);
	free(cd);
}

static void
dummy_check(const char *pass)
{
	struct crypt_data *cd;

	pthread_once(&dummy_once, dummy_make);
	cd = xcalloc(1, sizeof *cd);
	(void)crypt_rn(pass, dummy_hash, cd, (int)sizeof *cd);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
}

/* sthenod's own supplementary groups, restored after each operation. */
static struct {
	int can;		/* setgroups works here (CAP_SETGID) */
	int n;
	gid_t *groups;
} own;

/* The raw call: this thread only (see the top of this file). */
static int
thread_setgroups(int n, const gid_t *groups)
{
	return (int)syscall(SYS_setgroups, (size_t)n, groups);
}

int
ftp_id_setup(void)
{
	int n;

	if ((n = getgroups(0, NULL)) == -1)
		return -1;
	own.groups = xcalloc((size_t)n + 1, sizeof *own.groups);
	if ((own.n = getgroups(n, own.groups)) == -1)
		return -1;
	/* the same list again: succeeds exactly when we may change it */
	own.can = thread_setgroups(own.n, own.groups) == 0;
	return 0;
}

void
ftp_id_teardown(void)
{
	free(own.groups);
	memset(&own, 0, sizeof own);
}

/* id's supplementary groups: user's, with id->gid (getgrouplist asks every
 * NSS module of "group:", mapping each: real users only). */
static void
id_groups(struct ftp_ident *id, const char *user)
{
	gid_t *g;
	int n = FTP_MAX_GROUPS;

	g = xcalloc((size_t)n, sizeof *g);
	if (getgrouplist(user, id->gid, g, &n) == -1 && n > FTP_MAX_GROUPS) {
		free(g);
		g = xcalloc((size_t)n, sizeof *g);
		if (getgrouplist(user, id->gid, g, &n) == -1)
			n = 0;
	}
	if (n < 0)
		n = 0;
	id->ngroups_all = n;
	id->ngroups = n < FTP_MAX_GROUPS ? n : FTP_MAX_GROUPS;
	memcpy(id->groups, g, (size_t)id->ngroups * sizeof *g);
	if (id->ngroups == 0) {	/* at least the primary group */
		id->groups[0] = id->gid;
		id->ngroups = 1;
	}
	free(g);
}

/* *why = the reason a login failed, for the log. */
static int
refuse(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(why, fmt, ap);
	va_end(ap);
	return -1;
}

/* The password for pam_unix's prompt (and no answer to anything else: a
 * second question cannot be put to an FTP client). */
static int
pam_conv_fn(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = xcalloc((size_t)n, sizeof *r);
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			r[i].resp = xstrdup(data);
			break;
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			break;
		default:
			while (i-- > 0)
				if (r[i].resp != NULL) {
					explicit_bzero(r[i].resp,
					    strlen(r[i].resp));
					free(r[i].resp);
				}
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* A module's delay after a failure (pam_unix: 2 s) is not slept on the
 * worker: the session's own login_delay, counted from PASS, applies. */
static void
pam_no_delay(int status, unsigned delay, void *data)
{
	(void)status;
	(void)delay;
	(void)data;
}

/* PAM's auth and account checks of user; the name PAM settled on (a
 * module may map it) into out.  0 or -1 with *why. */
static int
pam_check(const char *user, const char *pass, const char *rhost,
    char *out, size_t outlen, char **why)
{
	struct pam_conv conv = { pam_conv_fn, (void *)pass };
	pam_handle_t *h = NULL;
	const void *item = NULL;
	const char *step;
	int rc;

	step = "pam_start";
	rc = pam_start(F.conf.pam_service, user, &conv, &h);
	if (rc != PAM_SUCCESS)
		return refuse(why, "pam_start(%s): %s", F.conf.pam_service,
		    pam_strerror(h, rc));
	if ((rc = pam_set_item(h, PAM_RHOST, rhost)) == PAM_SUCCESS &&
	    (rc = pam_set_item(h, PAM_TTY, "ftp")) == PAM_SUCCESS &&
	    (rc = pam_set_item(h, PAM_FAIL_DELAY,
	    (const void *)pam_no_delay)) == PAM_SUCCESS) {
		step = "pam_authenticate";
		rc = pam_authenticate(h, PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (rc == PAM_SUCCESS) {
		/* PAM_NEW_AUTHTOK_REQD too: FTP cannot change a password */
		step = "pam_acct_mgmt";
		rc = pam_acct_mgmt(h, PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (rc == PAM_SUCCESS) {
		step = "pam_get_item";
		rc = pam_get_item(h, PAM_USER, &item);
		if (rc == PAM_SUCCESS && item != NULL)
			snprintf(out, outlen, "%s", (const char *)item);
		else if (rc == PAM_SUCCESS)
			rc = PAM_USER_UNKNOWN;
	}
	if (rc != PAM_SUCCESS)
		refuse(why, "%s: %s", step, pam_strerror(h, rc));
	pam_end(h, rc);
	return rc == PAM_SUCCESS ? 0 : -1;
}

/* vsftpd's check_shell: shell (empty means /bin/sh) is listed in
 * /etc/shells (getusershell's file, read here: getusershell is not
 * reentrant).  Without the file, glibc's default list: /bin/sh and
 * /bin/csh. */
static int
shell_ok(const char *shell)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int ok = 0;

	if (shell == NULL || *shell == '\0')
		shell = "/bin/sh";
	if ((fp = fopen("/etc/shells", "re")) == NULL)
		return strcmp(shell, "/bin/sh") == 0 ||
		    strcmp(shell, "/bin/csh") == 0;
	while (!ok && (n = getline(&line, &cap, fp)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		ok = line[0] == '/' && strcmp(line, shell) == 0;
	}
	free(line);
	fclose(fp);
	return ok;
}

/*
 * Runs on a checker thread (check.c), never on the loop: PAM on a handle
 * of its own, and only reentrant calls besides (getpwnam_r, crypt_rn with
 * its own data, getgrouplist).
 */
int
ftp_auth_local(const char *user, const char *pass, const char *rhost,
    struct ftp_ident *id, char **home, char **why)
{
	struct passwd pwbuf, *pw = NULL;
	char *pwtext, name[256];
	size_t len = 16384;
	int rc = -1;

	*why = NULL;
	pwtext = xcalloc(1, len);
	if (getpwnam_r(user, &pwbuf, pwtext, len, &pw) != 0 || pw == NULL) {
		dummy_check(pass);
		rc = refuse(why, "no such user");
		goto out;
	}
	if (pam_check(user, pass, rhost, name, sizeof name, why) == -1)
		goto out;
	if (strcmp(name, user) != 0 &&
	    (getpwnam_r(name, &pwbuf, pwtext, len, &pw) != 0 || pw == NULL)) {
		rc = refuse(why, "PAM user %s: no such user", name);
		goto out;
	}
	if (F.conf.check_shell && !shell_ok(pw->pw_shell)) {
		rc = refuse(why, "shell %s is not in /etc/shells",
		    pw->pw_shell != NULL && *pw->pw_shell != '\0' ?
		    pw->pw_shell : "/bin/sh");
		goto out;
	}
	memset(id, 0, sizeof *id);
	id->set = 1;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	id_groups(id, pw->pw_name);
	*home = xstrdup(pw->pw_dir != NULL && *pw->pw_dir != '\0' ?
	    pw->pw_dir : "/");
	rc = 0;
out:
	free(pwtext);
	return rc;
}

int
ftp_id_enter(const struct ftp_ident *id)
{
	if (!id->set)
		return 0;
	if (own.can && thread_setgroups(id->ngroups, id->groups) == -1)
		return -1;
	setfsgid(id->gid);
	setfsuid(id->uid);
	/* setfsuid cannot report failure: ask for the current value. */
	if ((uid_t)setfsuid((uid_t)-1) != id->uid ||
	    (gid_t)setfsgid((gid_t)-1) != id->gid) {
		ftp_id_leave(id);
		return -1;
	}
	return 0;
}

void
ftp_id_leave(const struct ftp_ident *id)
{
	if (!id->set)
		return;
	setfsuid(geteuid());
	setfsgid(getegid());
	/* It worked a moment ago with the same privilege: failing now would
	 * leave the loop with a user's groups, so stop loudly. */
	if (own.can && thread_setgroups(own.n, own.groups) == -1) {
		fprintf(stderr, "ftp: cannot restore sthenod's supplementary "
		    "groups: %s\n", strerror(errno));
		abort();
	}
}
