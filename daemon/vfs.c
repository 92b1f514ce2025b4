/* vfs.c — a directory root no virtual path can escape (see vfs.h). */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "codec.h"
#include "test_hooks.h"
#include "vfs.h"
#include "xmalloc.h"

#if defined(HAVE_LINUX_OPENAT2_H) && defined(SYS_openat2)
#define VFS_OPENAT2 1
#endif

#define VFS_MAXLINKS	40		/* the kernel's MAXSYMLINKS */
#define VFS_RESTMAX	(2 * PATH_MAX)	/* path left to walk, links spliced */
#define VFS_EAGAIN_TRIES 8	/* openat2 retries after a rename race */

struct sth_vfs {
	int	 v_fd;		/* the root: O_PATH | O_DIRECTORY */
};

/*
 * Where the fallback walk stands: one directory fd, and the physical path
 * that leads to it from the root through real directories only.  ".."
 * walks that path again from the root instead of opening "..", so a
 * directory moved out from under the walk cannot carry it outside, and a
 * deep path never holds more than two fds.
 */
struct vfs_walk {
	int	 w_root;		/* borrowed */
	int	 w_cur;			/* w_root, or an O_PATH fd we own */
	size_t	 w_len;
	char	 w_phys[PATH_MAX];	/* "" or "a/b" */
};

static int vfs_fallback_forced;
static int vfs_have_openat2 = -1;	/* -1 not probed yet, 0 no, 1 yes */

void
vfs_force_fallback(int on)
{
	vfs_fallback_forced = on != 0;
}

static int
vfs_use_openat2(void)
{
	return !vfs_fallback_forced && vfs_have_openat2 == 1;
}

const char *
vfs_strategy(void)
{
	return vfs_use_openat2() ? "openat2" : "walk";
}

/* openat2 beneath dirfd: an fd, or -errno with EXDEV (the kernel's "that
 * would leave the root") turned into EACCES. */
static int
vfs_sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
#ifdef VFS_OPENAT2
	struct open_how how;
	long fd;
	int tries;

	memset(&how, 0, sizeof how);
	how.flags = (unsigned int)flags | O_CLOEXEC;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode & 07777;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	for (tries = 0; tries < VFS_EAGAIN_TRIES; tries++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			break;
	}
	return errno == EXDEV ? -EACCES : -errno;
#else
	return -ENOSYS;
#endif
}

/* Once: does this kernel (or its seccomp filter) let us use openat2? */
static void
vfs_probe(int rootfd)
{
	int fd;

	fd = vfs_sys_openat2(rootfd, ".", O_PATH, 0);
	if (fd >= 0) {
		close(fd);
		vfs_have_openat2 = 1;
	} else
		vfs_have_openat2 = !(fd == -ENOSYS || fd == -EPERM);
}

static void
walk_set(struct vfs_walk *w, int fd)
{
	if (w->w_cur != w->w_root)
		close(w->w_cur);
	w->w_cur = fd;
}

/* Step into the directory fd (opened from the current one as name). */
static int
walk_down(struct vfs_walk *w, int fd, const char *name)
{
	size_t n = strlen(name);

	if (w->w_len + 1 + n >= sizeof w->w_phys) {
		close(fd);
		return -ENAMETOOLONG;
	}
	if (w->w_len > 0)
		w->w_phys[w->w_len++] = '/';
	memcpy(w->w_phys + w->w_len, name, n + 1);
	w->w_len += n;
	walk_set(w, fd);
	return 0;
}

/* "..": the root has no parent here (-EACCES); anywhere else, walk the
 * physical path minus its last component again from the root. */
static int
walk_up(struct vfs_walk *w)
{
	char *slash, *p, *next;
	int fd, nfd, saved;

	if (w->w_len == 0)
		return -EACCES;
	if ((slash = strrchr(w->w_phys, '/')) == NULL)
		slash = w->w_phys;
	*slash = '\0';
	w->w_len = slash - w->w_phys;
	walk_set(w, w->w_root);
	fd = w->w_root;
	for (p = w->w_phys; w->w_len > 0 && p != NULL; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next = '\0';
		nfd = openat(fd, p, O_PATH | O_NOFOLLOW | O_DIRECTORY |
		    O_CLOEXEC);
		saved = errno;
		if (next != NULL)
			*next++ = '/';
		if (fd != w->w_root)
			close(fd);
		if (nfd == -1)
			return -saved;
		fd = nfd;
	}
	w->w_cur = fd;
	return 0;
}

/*
 * The fallback: open rel (a relative path, maybe with symlinks) beneath
 * the root one component at a time.  Directories are opened O_PATH |
 * O_NOFOLLOW, so a symlink is never followed by the kernel: its text is read
 * from the very inode opened and spliced in front of what is left of the
 * path.  An absolute target, or a ".." while standing in the root, is an
 * escape (-EACCES).  The final component is opened O_NOFOLLOW after being
 * checked, so a symlink swapped in meanwhile fails instead of being followed.
 */
static int
vfs_walk_open(struct sth_vfs *v, const char *rel, int flags, mode_t mode)
{
	struct vfs_walk w;
	char rest[VFS_RESTMAX], link[PATH_MAX], name[NAME_MAX + 1];
	const char *p, *end;
	struct stat st;
	size_t len, restlen;
	ssize_t n;
	int fd, top, links = 0, follow, last, rc;

	follow = !(flags & O_NOFOLLOW) &&
	    (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	if ((len = strlen(rel)) >= sizeof rest)
		return -ENAMETOOLONG;
	memcpy(rest, rel, len + 1);
	w.w_root = w.w_cur = v->v_fd;
	w.w_len = 0;
	w.w_phys[0] = '\0';
	p = rest;
	for (;;) {
		top = w.w_cur;
		while (*p == '/')
			p++;
		if (*p == '\0') {	/* the current directory itself */
			memcpy(name, ".", 2);
			break;
		}
		end = strchrnul(p, '/');
		if ((len = end - p) > NAME_MAX) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		p = end;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if ((rc = walk_up(&w)) != 0)
				goto out;
			continue;
		}
		last = p[strspn(p, "/")] == '\0';
		if (last && !follow)
			break;
		if (last) {
			if (fstatat(top, name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1) {
				if (errno == ENOENT)
					break;	/* O_CREAT may make it */
				rc = -errno;
				goto out;
			}
			if (!S_ISLNK(st.st_mode))
				break;
			n = readlinkat(top, name, link, sizeof link);
		} else {
			fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1 || fstat(fd, &st) == -1) {
				rc = -errno;
				if (fd != -1)
					close(fd);
				goto out;
			}
			if (S_ISDIR(st.st_mode)) {
				if ((rc = walk_down(&w, fd, name)) != 0)
					goto out;
				continue;
			}
			if (!S_ISLNK(st.st_mode)) {
				close(fd);
				rc = -ENOTDIR;
				goto out;
			}
			n = readlinkat(fd, "", link, sizeof link);
			close(fd);
		}

		/* A symlink: splice its target in front of the rest. */
		if (n == -1) {
			rc = -errno;
			goto out;
		}
		if (n == 0 || (size_t)n >= sizeof link) {
			rc = n == 0 ? -ENOENT : -ENAMETOOLONG;
			goto out;
		}
		if (++links > VFS_MAXLINKS) {
			rc = -ELOOP;
			goto out;
		}
		if (link[0] == '/') {
			rc = -EACCES;
			goto out;
		}
		restlen = strlen(p);
		if ((size_t)n + 1 + restlen + 1 > sizeof rest) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		memmove(rest + n + 1, p, restlen + 1);
		memcpy(rest, link, n);
		rest[n] = '/';
		p = rest;
	}
	fd = openat(w.w_cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	rc = fd == -1 ? -errno : fd;
out:
	walk_set(&w, w.w_root);
	return rc;
}

/* Open rel (normalised, relative to the root, "." for the root). */
static int
vfs_openrel(struct sth_vfs *v, const char *rel, int flags, mode_t mode)
{
	int fd;

	if (vfs_use_openat2()) {
		fd = vfs_sys_openat2(v->v_fd, rel, flags, mode);
		if (fd != -ENOSYS && fd != -EAGAIN)
			return fd;
		if (fd == -ENOSYS)
			vfs_have_openat2 = 0;
	}
	return vfs_walk_open(v, rel, flags, mode);
}

/*
 * Open the parent directory of path beneath the root, for the calls that
 * act on a name itself.  *name points at the last component in buf.  The
 * root has no parent: rooterr is returned for it.
 */
static int
vfs_parent(struct sth_vfs *v, const char *path, char *buf, size_t len,
    const char **name, int rooterr)
{
	char *slash;
	int rc;

	if (path == NULL)
		return -EINVAL;
	if ((rc = vfs_normalize(NULL, path, buf, len)) != 0)
		return rc;
	if (strcmp(buf, "/") == 0)
		return rooterr;
	slash = strrchr(buf, '/');
	*slash = '\0';
	*name = slash + 1;
	return vfs_openrel(v, buf[0] == '\0' ? "." : buf + 1,
	    O_PATH | O_DIRECTORY, 0);
}

struct sth_vfs *
vfs_new(const char *root, char **err)
{
	struct sth_vfs *v;
	int fd;

	if (root == NULL || *root == '\0') {
		if (err != NULL)
			*err = xstrdup("vfs root is empty");
		return NULL;
	}
	if ((fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (err != NULL)
			xasprintf(err, "cannot open vfs root %s: %s", root,
			    strerror(errno));
		return NULL;
	}
	if (vfs_have_openat2 == -1)
		vfs_probe(fd);
	v = xcalloc(1, sizeof *v);
	v->v_fd = fd;
	return v;
}

void
vfs_free(struct sth_vfs *v)
{
	if (v == NULL)
		return;
	close(v->v_fd);
	free(v);
}

/* Append the components of s to the normalised path out[0..*len). */
static int
vfs_norm_append(char *out, size_t outlen, size_t *len, const char *s)
{
	const char *end;
	size_t n;

	for (;;) {
		while (*s == '/')
			s++;
		if (*s == '\0')
			return 0;
		end = strchrnul(s, '/');
		n = end - s;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (*len > 0 && out[--*len] != '/')
				;
			out[*len] = '\0';
		} else if (n != 1 || s[0] != '.') {
			if (*len + 1 + n + 1 > outlen)
				return -ENAMETOOLONG;
			out[(*len)++] = '/';
			memcpy(out + *len, s, n);
			*len += n;
			out[*len] = '\0';
		}
		s = end;
	}
}

int
vfs_normalize(const char *cwd, const char *path, char *out, size_t outlen)
{
	size_t len = 0;
	int rc;

	if (path == NULL || out == NULL)
		return -EINVAL;
	if (outlen < 2)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (path[0] != '/' && cwd != NULL &&
	    (rc = vfs_norm_append(out, outlen, &len, cwd)) != 0)
		return rc;
	if ((rc = vfs_norm_append(out, outlen, &len, path)) != 0)
		return rc;
	if (len == 0)
		memcpy(out, "/", 2);
	return 0;
}

int
vfs_url_decode(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	int c, hi, lo;

	if (in == NULL || out == NULL)
		return -EINVAL;
	if (outlen == 0)
		return -ENAMETOOLONG;
	while (*in != '\0') {
		c = (unsigned char)*in++;
		if (c == '%') {
			if ((hi = hex_digit(in[0])) < 0 ||
			    (lo = hex_digit(in[1])) < 0)
				return -EINVAL;
			in += 2;
			c = hi << 4 | lo;
			if (c == '\0' || c == '/')
				return -EINVAL;
		}
		if (n + 1 >= outlen)
			return -ENAMETOOLONG;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

int
vfs_open(struct sth_vfs *v, const char *path, int flags, mode_t mode)
{
	char buf[PATH_MAX];
	int rc;

	if (path == NULL)
		return -EINVAL;
	if ((rc = vfs_normalize(NULL, path, buf, sizeof buf)) != 0)
		return rc;
	return vfs_openrel(v, buf[1] == '\0' ? "." : buf + 1, flags, mode);
}

int
vfs_stat(struct sth_vfs *v, const char *path, struct stat *st)
{
	int fd, rc = 0;

	if ((fd = vfs_open(v, path, O_PATH, 0)) < 0)
		return fd;
	if (fstat(fd, st) == -1)
		rc = -errno;
	else if (S_ISLNK(st->st_mode))
		rc = -ELOOP;	/* swapped for a symlink mid-walk */
	close(fd);
	return rc;
}

DIR *
vfs_opendir(struct sth_vfs *v, const char *path)
{
	DIR *d;
	int fd, saved;

	if ((fd = vfs_open(v, path, O_RDONLY | O_DIRECTORY, 0)) < 0) {
		errno = -fd;
		return NULL;
	}
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}

int
vfs_mkdir(struct sth_vfs *v, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	const char *name;
	int dfd, rc = 0;

	if ((dfd = vfs_parent(v, path, buf, sizeof buf, &name, -EEXIST)) < 0)
		return dfd;
	if (mkdirat(dfd, name, mode) == -1)
		rc = -errno;
	close(dfd);
	return rc;
}

static int
vfs_unlinkat(struct sth_vfs *v, const char *path, int atflags)
{
	char buf[PATH_MAX];
	const char *name;
	int dfd, rc = 0;

	if ((dfd = vfs_parent(v, path, buf, sizeof buf, &name, -EBUSY)) < 0)
		return dfd;
	if (unlinkat(dfd, name, atflags) == -1)
		rc = -errno;
	close(dfd);
	return rc;
}

int
vfs_rmdir(struct sth_vfs *v, const char *path)
{
	return vfs_unlinkat(v, path, AT_REMOVEDIR);
}

int
vfs_unlink(struct sth_vfs *v, const char *path)
{
	return vfs_unlinkat(v, path, 0);
}

int
vfs_rename(struct sth_vfs *v, const char *from, const char *to)
{
	char fbuf[PATH_MAX], tbuf[PATH_MAX];
	const char *fname, *tname;
	int ffd, tfd, rc = 0;

	if ((ffd = vfs_parent(v, from, fbuf, sizeof fbuf, &fname,
	    -EBUSY)) < 0)
		return ffd;
	if ((tfd = vfs_parent(v, to, tbuf, sizeof tbuf, &tname,
	    -EBUSY)) < 0) {
		close(ffd);
		return tfd;
	}
	if (renameat(ffd, fname, tfd, tname) == -1)
		rc = -errno;
	close(ffd);
	close(tfd);
	return rc;
}
