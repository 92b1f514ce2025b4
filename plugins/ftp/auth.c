/*
 * auth.c — real users: check a password against the shadow file with
 * crypt(3), and switch the filesystem identity around one operation
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
 * Ownership: *home is malloc'd for the caller.
 */
#include "config.h"

#include <sys/fsuid.h>
#include <sys/syscall.h>

#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <unistd.h>

#include "ftp.h"

/* A hash of a password nobody has, so that an unknown user costs one
 * crypt() as a known one does (no timing oracle). */
static const char dummy_hash[] =
    "$6$SthenoFTPdummy1$DFyxqRjF31PkdWDu.QQXUFK78eljlpSHHB.acdEHrD.np"
    "hKXCiUN8K9ocgAY4lMzU8hZKfOngrPHdl0GSoFul.";

static int
hash_matches(const char *pass, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	int ok;

	/* crypt_rn, not crypt_r: ASan intercepts crypt_r and, libcrypt being
	 * loaded after it with this plugin, would call through NULL. */
	cd = plug_xcalloc(1, sizeof *cd);
	h = crypt_rn(pass, hash, cd, (int)sizeof *cd);
	ok = h != NULL && h[0] != '*' && strcmp(h, hash) == 0;
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
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
	own.groups = plug_xcalloc((size_t)n + 1, sizeof *own.groups);
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

	g = plug_xcalloc((size_t)n, sizeof *g);
	if (getgrouplist(user, id->gid, g, &n) == -1 && n > FTP_MAX_GROUPS) {
		free(g);
		g = plug_xcalloc((size_t)n, sizeof *g);
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

/*
 * Runs on a checker thread (check.c), never on the loop: only reentrant
 * calls (getpwnam_r, getspnam_r, crypt_rn with its own data,
 * getgrouplist).
 */
int
ftp_auth_local(const char *user, const char *pass, struct ftp_ident *id,
    char **home)
{
	struct passwd pwbuf, *pw = NULL;
	struct spwd spbuf, *sp = NULL;
	char *pwtext, *sptext;
	const char *hash = dummy_hash;
	size_t len = 16384;
	int usable, rc = -1;

	pwtext = plug_xcalloc(1, len);
	sptext = plug_xcalloc(1, len);
	if (getpwnam_r(user, &pwbuf, pwtext, len, &pw) != 0)
		pw = NULL;
	if (pw != NULL && getspnam_r(user, &spbuf, sptext, len, &sp) != 0)
		sp = NULL;
	if (sp != NULL && sp->sp_pwdp != NULL)
		hash = sp->sp_pwdp;
	else if (pw != NULL && pw->pw_passwd != NULL &&
	    strcmp(pw->pw_passwd, "x") != 0)
		hash = pw->pw_passwd;
	/* "!..." (locked) and "*" never match: crypt them anyway. */
	usable = pw != NULL && hash != dummy_hash && hash[0] != '!' &&
	    hash[0] != '*' && hash[0] != '\0';
	if (!hash_matches(pass, usable ? hash : dummy_hash) || !usable)
		goto out;
	if (sp != NULL && sp->sp_expire > 0 &&
	    sp->sp_expire <= (long)(time(NULL) / 86400))
		goto out;
	memset(id, 0, sizeof *id);
	id->set = 1;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	id_groups(id, pw->pw_name);
	*home = plug_xstrdup(pw->pw_dir != NULL && *pw->pw_dir != '\0' ?
	    pw->pw_dir : "/");
	rc = 0;
out:
	explicit_bzero(sptext, len);
	free(pwtext);
	free(sptext);
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
