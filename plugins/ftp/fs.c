/*
 * fs.c — every filesystem operation of a session, through the host's vfs
 * (a root no path escapes) and under the session's filesystem identity,
 * switched for the one call and back (ftp_id_enter/leave), so that no
 * operation — listing, stat, open, mkdir, rename, delete — runs as root on
 * a user's behalf (Medusa wrapped only some: docs/medusa.md §5).
 *
 * Ownership: listings are written to the caller's evbuffer; names read
 * from a directory are freed here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "ftp.h"

#define LIST_MAX_ENTRIES 100000	/* a bigger directory is cut short */

/* Each vfs call of the host, under the session's identity and back. */
#define FS_CALL(name, params, args)                                            \
	int fs_##name params                                                   \
	{                                                                      \
		int rc;                                                        \
                                                                               \
		if (ftp_id_enter(&s->id) == -1)                                \
			return -EPERM;                                         \
		rc = F.host->vfs_##name args;                                  \
		ftp_id_leave(&s->id);                                          \
		return rc;                                                     \
	}

FS_CALL(open, (struct ftp_sess *s, const char *path, int flags, mode_t mode),
    (s->vfs, path, flags, mode))
FS_CALL(stat, (struct ftp_sess *s, const char *path, struct stat *st),
    (s->vfs, path, st))
FS_CALL(mkdir, (struct ftp_sess *s, const char *path), (s->vfs, path, 0755))
FS_CALL(rmdir, (struct ftp_sess *s, const char *path), (s->vfs, path))
FS_CALL(unlink, (struct ftp_sess *s, const char *path), (s->vfs, path))
FS_CALL(rename, (struct ftp_sess *s, const char *from, const char *to),
    (s->vfs, from, to))

int
fs_can_enter(struct ftp_sess *s, const char *path)
{
	int fd, rc;

	if ((fd = fs_open(s, path, O_PATH | O_DIRECTORY, 0)) < 0)
		return fd;
	/* AT_EACCESS: checked with the fs identity, not the real uid */
	if (ftp_id_enter(&s->id) == -1)
		rc = -EPERM;
	else {
		rc = faccessat(fd, ".", X_OK, AT_EACCESS) == 0 ? 0 : -errno;
		ftp_id_leave(&s->id);
	}
	close(fd);
	return rc;
}

/*
 * The owner and group columns of LIST: numbers, as vsftpd shows them by
 * default and Medusa always did; with text_userdb_names (vsftpd's key),
 * the user database's names, numbers when it has none.  A name is looked
 * up as sthenod, the session's identity left for the lookup and entered
 * again: NSS reads files and sockets the session's user may not reach, and
 * what a listing says must not depend on who asks.  0, or -1 when the
 * identity cannot be entered again (the listing stops).
 */
static int
id_text(struct ftp_sess *s, int group, unsigned long id, char *buf,
    size_t len)
{
	struct passwd *pw;
	struct group *gr;
	int rc = 0;

	snprintf(buf, len, "%lu", id);
	if (!F.conf.text_userdb_names)
		return 0;
	ftp_id_leave(&s->id);
	if (group && (gr = getgrgid((gid_t)id)) != NULL)
		snprintf(buf, len, "%s", gr->gr_name);
	else if (!group && (pw = getpwuid((uid_t)id)) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	if (ftp_id_enter(&s->id) == -1)
		rc = -1;
	return rc;
}

/*
 * perm= facts (RFC 3659) say what the commands will allow, so they are
 * asked of the kernel the way those commands will meet it: under the
 * session's identity (already entered by the caller), faccessat with
 * AT_EACCESS on the object a command would reach.  A symlink is followed
 * as RETR and STOR follow it, beneath the root only (an escaping or
 * dangling one allows nothing); deleting and renaming any entry, a symlink
 * included, is the containing directory's write and search permission,
 * with the sticky bit's owner rule.  Mode bits alone made a symlink,
 * lstat'ed 0777, "adfwr" for anyone.
 */
static int
may(int fd, const char *name, int mode, int flags)
{
	return faccessat(fd, name, mode, AT_EACCESS | flags) == 0;
}

/* What the session may do with the entries of one directory. */
struct dir_may {
	int remove;		/* write and search: unlink and rename */
	int sticky;
	uid_t owner;
	uid_t uid;		/* the session's */
};

static void
dir_may_of(struct ftp_sess *s, int dfd, struct dir_may *dm)
{
	struct stat st;

	memset(dm, 0, sizeof *dm);
	dm->uid = s->id.set ? s->id.uid : geteuid();
	if (dfd == -1 || fstat(dfd, &st) == -1)
		return;
	dm->remove = s->writable && may(dfd, ".", W_OK | X_OK, 0);
	dm->sticky = (st.st_mode & S_ISVTX) != 0;
	dm->owner = st.st_uid;
}

/* The FTP_MAY_* bits for the object at fd/name (flags AT_EMPTY_PATH or
 * AT_SYMLINK_NOFOLLOW), an entry of the directory dm describes; lst is
 * the entry's own stat (its owner, for the sticky bit). */
static unsigned
may_of(struct ftp_sess *s, int fd, const char *name, int flags,
    const struct stat *st, const struct stat *lst, const struct dir_may *dm)
{
	unsigned m = 0;

	if (fd != -1) {
		if (may(fd, name, R_OK, flags))
			m |= FTP_MAY_READ;
		if (S_ISDIR(st->st_mode) && may(fd, name, X_OK, flags))
			m |= FTP_MAY_ENTER;
		if (s->writable && may(fd, name, S_ISDIR(st->st_mode) ?
		    W_OK | X_OK : W_OK, flags))
			m |= FTP_MAY_WRITE;
	}
	if (dm != NULL && dm->remove && (!dm->sticky ||
	    lst->st_uid == dm->uid || dm->owner == dm->uid))
		m |= FTP_MAY_REMOVE;
	return m;
}

/* perm= of the entry name of the directory dfd (virtual path dir). */
static void
entry_perm(struct ftp_sess *s, int dfd, const char *dir, const char *name,
    const struct stat *lst, const struct dir_may *dm, char out[16])
{
	char path[FTP_PATH_MAX];
	struct stat st;
	unsigned m;
	int fd;

	if (!S_ISLNK(lst->st_mode)) {
		m = may_of(s, dfd, name, AT_SYMLINK_NOFOLLOW, lst, lst, dm);
		ftp_fmt_perm(lst, m, out);
		return;
	}
	fd = -1;
	if (snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") == 0 ?
	    "" : dir, name) < (int)sizeof path)
		fd = F.host->vfs_open(s->vfs, path, O_PATH, 0);
	if (fd >= 0 && fstat(fd, &st) == 0)
		m = may_of(s, fd, "", AT_EMPTY_PATH, &st, lst, dm);
	else {
		st = *lst;
		m = may_of(s, -1, name, 0, &st, lst, dm);
	}
	if (fd >= 0)
		close(fd);
	ftp_fmt_perm(&st, m, out);
}

/* The parent of the virtual path (not "/") into out. */
static void
parent_of(const char *path, char *out, size_t outlen)
{
	const char *p = strrchr(path, '/');
	size_t n = p != NULL && p != path ? (size_t)(p - path) : 1;

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/* perm= of the object at the virtual path (identity entered), its
 * stat (followed beneath the root) into *stp if not NULL.  0 or -errno. */
static int
path_perm(struct ftp_sess *s, const char *path, struct stat *stp,
    char out[16])
{
	struct stat st, lst;
	struct dir_may dm;
	char parent[FTP_PATH_MAX];
	int fd, dfd = -1;

	out[0] = '\0';
	if ((fd = F.host->vfs_open(s->vfs, path, O_PATH, 0)) < 0)
		return fd;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -errno;
	}
	lst = st;
	if (strcmp(path, "/") != 0) {
		parent_of(path, parent, sizeof parent);
		dfd = F.host->vfs_open(s->vfs, parent, O_PATH | O_DIRECTORY,
		    0);
		/* the entry's own owner, for the sticky bit */
		if (dfd >= 0 && fstatat(dfd, strrchr(path, '/') + 1, &lst,
		    AT_SYMLINK_NOFOLLOW) == -1)
			lst = st;
	}
	dir_may_of(s, dfd >= 0 ? dfd : -1, &dm);
	ftp_fmt_perm(&st, may_of(s, fd, "", AT_EMPTY_PATH, &st, &lst, &dm),
	    out);
	if (dfd >= 0)
		close(dfd);
	close(fd);
	if (stp != NULL)
		*stp = st;
	return 0;
}

struct list_ctx {
	const char *dir;	/* the directory's virtual path */
	struct dir_may dm;
	time_t now;
	uid_t uid;
	gid_t gid;
	char owner[64];
	char group[64];
	int lost;	/* the session's identity could not be entered again */
};

static void
list_one(struct ftp_sess *s, struct list_ctx *lc, int dfd, const char *name,
    const struct stat *st, int kind, struct evbuffer *b)
{
	char link[FTP_PATH_MAX], perm[16];
	const char *lp = NULL;
	ssize_t n, i;

	switch (kind) {
	case 'N':
		evbuffer_add_printf(b, "%s\r\n", name);
		return;
	case 'M':
		if (dfd != -1)
			entry_perm(s, dfd, lc->dir, name, st, &lc->dm, perm);
		else
			path_perm(s, lc->dir, NULL, perm);
		ftp_fmt_facts(b, name, st, NULL, perm, s->facts);
		evbuffer_add(b, "\r\n", 2);
		return;
	}
	if (S_ISLNK(st->st_mode) && dfd != -1 &&
	    (n = readlinkat(dfd, name, link, sizeof link - 1)) > 0) {
		link[n] = '\0';
		/* a target is the link's maker's text: no line of its own */
		for (i = 0; i < n; i++)
			if (link[i] == '\r' || link[i] == '\n')
				link[i] = '?';
		lp = link;
	}
	/* the last owner and group are kept: a lookup costs a file read */
	if (lc->owner[0] == '\0' || lc->uid != st->st_uid) {
		lc->uid = st->st_uid;
		if (id_text(s, 0, lc->uid, lc->owner, sizeof lc->owner) == -1)
			lc->lost = 1;
	}
	if (lc->group[0] == '\0' || lc->gid != st->st_gid) {
		lc->gid = st->st_gid;
		if (id_text(s, 1, lc->gid, lc->group, sizeof lc->group) == -1)
			lc->lost = 1;
	}
	if (lc->lost)
		return;
	ftp_fmt_list(b, name, st, lc->owner, lc->group, lp, lc->now);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted (ls does), without "." and "..", and without
 * names holding CR or LF: no FTP command can name such a file, and listed
 * it would put a line of its choosing into the listing. */
static char **
read_names(DIR *dir, size_t *count)
{
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	while ((de = readdir(dir)) != NULL && n < LIST_MAX_ENTRIES) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strpbrk(de->d_name, "\r\n") != NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n++] = xstrdup(de->d_name);
	}
	if (n > 0)
		qsort(v, n, sizeof *v, name_cmp);
	*count = n;
	return v;
}

static int
list_dir(struct ftp_sess *s, const char *path, DIR *dir, int kind,
    struct evbuffer *b)
{
	struct list_ctx lc;
	struct stat st;
	char **names;
	size_t i, n;
	int dfd = dirfd(dir);

	memset(&lc, 0, sizeof lc);
	lc.now = time(NULL);
	lc.dir = path;
	if (kind == 'M')
		dir_may_of(s, dfd, &lc.dm);
	names = read_names(dir, &n);
	for (i = 0; i < n; i++) {
		if (!lc.lost &&
		    fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			list_one(s, &lc, dfd, names[i], &st, kind, b);
		free(names[i]);
	}
	free(names);
	return lc.lost ? -EPERM : 0;
}

static const char *
base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL && p[1] != '\0' ? p + 1 : path;
}

int
fs_list(struct ftp_sess *s, const char *path, int kind, struct evbuffer *b)
{
	struct list_ctx lc;
	struct stat st;
	DIR *dir;
	int rc;

	if (ftp_id_enter(&s->id) == -1)
		return -EPERM;
	rc = F.host->vfs_stat(s->vfs, path, &st);
	if (rc == 0 && S_ISDIR(st.st_mode)) {
		if ((dir = F.host->vfs_opendir(s->vfs, path)) == NULL)
			rc = -errno;
		else {
			rc = list_dir(s, path, dir, kind, b);
			closedir(dir);
		}
	} else if (rc == 0) {
		memset(&lc, 0, sizeof lc);
		lc.now = time(NULL);
		lc.dir = path;	/* the object itself, for path_perm */
		list_one(s, &lc, -1, kind == 'N' ? path : base_name(path),
		    &st, kind, b);
		rc = lc.lost ? -EPERM : 0;
	}
	ftp_id_leave(&s->id);
	return rc;
}

int
fs_mlst(struct ftp_sess *s, const char *path, struct evbuffer *b)
{
	struct stat st;
	char perm[16];
	int rc;

	if (ftp_id_enter(&s->id) == -1)
		return -EPERM;
	rc = path_perm(s, path, &st, perm);
	ftp_id_leave(&s->id);
	if (rc != 0)
		return rc;
	ftp_fmt_facts(b, path, &st, NULL, perm, s->facts);
	return 0;
}
