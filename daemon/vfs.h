/*
 * vfs.h — Medusa's filesystem object done safely: a directory root that no
 * virtual path can escape (docs/design.md, decision 9;
 * docs/medusa.md §5 and §8).
 *
 * Ownership: vfs.c owns every struct sth_vfs and the root directory fd it
 * holds; vfs_free() closes and frees both.  Strings passed in are borrowed.
 * File descriptors and DIR streams returned belong to the caller.  The
 * loader points the vfs_* members of the host table (stheno/host.h) at these
 * functions, wrapping vfs_new/vfs_free to record the owning plugin.
 *
 * Paths are virtual: "/" is the root, a relative path is taken from "/".
 * Every operation first normalises the path lexically (vfs_normalize: "."
 * dropped, ".." removes the previous component and never rises above "/",
 * repeated and trailing slashes collapsed), then resolves it beneath the
 * root with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) when the
 * kernel has it, else with a component-by-component openat(O_NOFOLLOW) walk
 * that reads each symlink itself.  Either way a symlink is followed only
 * while its resolution stays beneath the root: an absolute target, or a
 * ".." that would pass above the root at any step, is an escape attempt.
 *
 * Every function returns a file descriptor or 0 on success, -errno on
 * failure; any escape attempt is -EACCES, whether or not the target exists,
 * so nothing about the outside is revealed.  The root itself cannot be
 * removed or renamed (-EBUSY) or created (-EEXIST).
 */
#ifndef STHENO_VFS_H
#define STHENO_VFS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>

struct sth_vfs;

/* Open root (a directory) once.  On failure returns NULL and sets *err to
 * a malloc'd message the caller frees. */
struct sth_vfs *vfs_new(const char *root, char **err);
void vfs_free(struct sth_vfs *);

/* Normalise path (relative to cwd, a virtual path, or absolute; cwd NULL
 * means "/") into out as a clean virtual absolute path ("/a/b").  0, or
 * -ENAMETOOLONG if the result (or a step towards it) does not fit. */
int vfs_normalize(const char *cwd, const char *path, char *out,
		  size_t outlen);
/* Percent-decode a URL path into out (once: "%252e" becomes "%2e").  %00,
 * encoded '/' (%2f, %2F) and malformed escapes are -EINVAL; a result that
 * does not fit is -ENAMETOOLONG. */
int vfs_url_decode(const char *in, char *out, size_t outlen);

/* open(2) beneath the root; O_CLOEXEC is always added.  With O_CREAT|O_EXCL
 * or O_NOFOLLOW a final symlink is not followed (as open(2) does). */
int vfs_open(struct sth_vfs *, const char *path, int flags, mode_t mode);
/* stat(2), following a final symlink that stays beneath the root. */
int vfs_stat(struct sth_vfs *, const char *path, struct stat *st);
/* mkdir, rmdir, unlink and rename act on the final name itself (never
 * through a final symlink), in its parent resolved beneath the root. */
int vfs_mkdir(struct sth_vfs *, const char *path, mode_t mode);
int vfs_rmdir(struct sth_vfs *, const char *path);
int vfs_unlink(struct sth_vfs *, const char *path);
int vfs_rename(struct sth_vfs *, const char *from, const char *to);
/* A directory stream the caller closedir()s, or NULL with errno set. */
DIR *vfs_opendir(struct sth_vfs *, const char *path);

#endif /* STHENO_VFS_H */
