/*
 * fs.c — every filesystem operation of a session, through the host's vfs
 * (a root no path escapes) and under the session's filesystem identity,
 * switched for the one call and back (ftp_id_enter/leave), so that no
 * operation — listing, stat, open, mkdir, rename, delete — runs as root on
 * a user's behalf (Medusa wrapped only some: medusa-and-plugins.md §A.8).
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

/* Owner and group names, numeric when unknown; the last one is cached. */
static const char *
owner_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)uid);
	return buf;
}

static const char *
group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)gid);
	return buf;
}

static int
in_groups(const struct ftp_ident *id, gid_t gid)
{
	int i;

	if (gid == id->gid)
		return 1;
	for (i = 0; i < id->ngroups; i++)
		if (id->groups[i] == gid)
			return 1;
	return 0;
}

/* What the session may do with st, judged from its mode bits. */
static void
access_of(struct ftp_sess *s, const struct stat *st, int *r, int *w)
{
	mode_t m = st->st_mode;
	int shift = 0;

	if (s->id.set)
		shift = st->st_uid == s->id.uid ? 6 :
		    in_groups(&s->id, st->st_gid) ? 3 : 0;
	else
		m = 0777;
	*r = (m >> shift) & 4 ? 1 : 0;
	*w = s->writable && ((m >> shift) & 2);
	if (S_ISDIR(st->st_mode) && !((m >> shift) & 1))
		*r = 0;
}

struct list_ctx {
	time_t now;
	uid_t uid;
	gid_t gid;
	char owner[64];
	char group[64];
};

static void
list_one(struct ftp_sess *s, struct list_ctx *lc, int dfd, const char *name,
    const struct stat *st, int kind, struct evbuffer *b)
{
	char link[FTP_PATH_MAX], perm[16];
	const char *lp = NULL;
	ssize_t n, i;
	int r, w;

	switch (kind) {
	case 'N':
		evbuffer_add_printf(b, "%s\r\n", name);
		return;
	case 'M':
		access_of(s, st, &r, &w);
		ftp_fmt_perm(st, r, w, perm);
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
	if (lc->owner[0] == '\0' || lc->uid != st->st_uid) {
		lc->uid = st->st_uid;
		owner_name(lc->uid, lc->owner, sizeof lc->owner);
	}
	if (lc->group[0] == '\0' || lc->gid != st->st_gid) {
		lc->gid = st->st_gid;
		group_name(lc->gid, lc->group, sizeof lc->group);
	}
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
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;

	while ((de = readdir(dir)) != NULL && n < LIST_MAX_ENTRIES) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strpbrk(de->d_name, "\r\n") != NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL)
				abort();
			v = nv;
		}
		v[n++] = plug_xstrdup(de->d_name);
	}
	if (n > 0)
		qsort(v, n, sizeof *v, name_cmp);
	*count = n;
	return v;
}

static int
list_dir(struct ftp_sess *s, DIR *dir, int kind, struct evbuffer *b)
{
	struct list_ctx lc;
	struct stat st;
	char **names;
	size_t i, n;
	int dfd = dirfd(dir);

	memset(&lc, 0, sizeof lc);
	lc.now = time(NULL);
	names = read_names(dir, &n);
	for (i = 0; i < n; i++) {
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			list_one(s, &lc, dfd, names[i], &st, kind, b);
		free(names[i]);
	}
	free(names);
	return 0;
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
			rc = list_dir(s, dir, kind, b);
			closedir(dir);
		}
	} else if (rc == 0) {
		memset(&lc, 0, sizeof lc);
		lc.now = time(NULL);
		list_one(s, &lc, -1, kind == 'N' ? path : base_name(path),
		    &st, kind, b);
	}
	ftp_id_leave(&s->id);
	return rc;
}

int
fs_mlst(struct ftp_sess *s, const char *path, struct evbuffer *b)
{
	struct stat st;
	char perm[16];
	int rc, r, w;

	if ((rc = fs_stat(s, path, &st)) != 0)
		return rc;
	access_of(s, &st, &r, &w);
	ftp_fmt_perm(&st, r, w, perm);
	ftp_fmt_facts(b, path, &st, NULL, perm, s->facts);
	return 0;
}
