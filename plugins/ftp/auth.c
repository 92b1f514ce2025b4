/*
 * auth.c — real users: check a password against the shadow file with
 * crypt(3), and switch the filesystem identity around one operation
 * (setfsuid/setfsgid: only this thread's file access checks change, and
 * only until they are switched back).
 *
 * Supplementary groups are process-wide (setgroups), so they are not
 * switched: a user's file access is checked with the daemon's own
 * supplementary groups (root's: usually just 0).  See stheno.conf.5.
 *
 * Ownership: *home is malloc'd for the caller.
 */
#include "config.h"

#include <sys/fsuid.h>

#include <crypt.h>
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

/*
 * Runs on a checker thread (check.c), never on the loop: only reentrant
 * calls (getpwnam_r, getspnam_r, crypt_rn with its own data).
 */
int
ftp_auth_local(const char *user, const char *pass, uid_t *uid, gid_t *gid,
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
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
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
}
