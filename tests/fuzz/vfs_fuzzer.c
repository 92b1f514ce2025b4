/*
 * vfs_fuzzer.c — fuzz target for the vfs (daemon/vfs.c): vfs_url_decode,
 * vfs_normalize and the resolution beneath the root must never crash and
 * never reach anything outside the root.
 *
 * Input: the first byte selects what runs (bit 0: the O_NOFOLLOW walk
 * instead of openat2; bit 1: url-decode the path first; bit 2: also
 * mkdir+rmdir it); the rest is "cwd\npath", or just the path.  The target
 * builds a tree once (see fz_setup: a root with symlinks that stay in and
 * symlinks that lead out, and a canary file outside) and aborts if:
 *  - url_decode accepts %00 or an encoded '/', or creates a '/';
 *  - normalize returns something not clean ("/a/b": no "//", ".", "..")
 *    or not idempotent;
 *  - an fd, stat or directory stream the vfs hands out is not beneath the
 *    root (checked through /proc/self/fd and the canary's inode);
 *  - the outside directory or the canary changed or was read (atime).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz.h"
#include "test_hooks.h"
#include "vfs.h"

#define FZ_MAXINPUT	8192
#define FZ_OLD_ATIME	1000000000

static struct sth_vfs *fz_vfs;
static char fz_base[64];
static char fz_root[PATH_MAX];	/* realpath of the root */
static char fz_outside[PATH_MAX];
static char fz_canary[PATH_MAX];
static struct stat fz_outside_st, fz_canary_st;

static void
fz_die(const char *what, const char *detail)
{
	fprintf(stderr, "vfs_fuzzer: %s: %s\n", what, detail);
	abort();
}

static void
fz_path(char *buf, size_t len, const char *rel)
{
	if ((size_t)snprintf(buf, len, "%s/%s", fz_base, rel) >= len)
		fz_die("setup", rel);
}

static void
fz_file(const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	fz_path(path, sizeof path, rel);
	if ((f = fopen(path, "w")) == NULL)
		fz_die("setup", path);
	fputs(content, f);
	fclose(f);
}

static void
fz_dir(const char *rel)
{
	char path[PATH_MAX];

	fz_path(path, sizeof path, rel);
	if (mkdir(path, 0755) == -1)
		fz_die("setup", path);
}

static void
fz_link(const char *target, const char *rel)
{
	char path[PATH_MAX];

	fz_path(path, sizeof path, rel);
	if (symlink(target, path) == -1)
		fz_die("setup", path);
}

static int
fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
fz_cleanup(void)
{
	vfs_free(fz_vfs);
	fz_vfs = NULL;
	if (fz_base[0] != '\0')
		nftw(fz_base, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fz_setup(void)
{
	struct timespec ts[2] = { { FZ_OLD_ATIME, 0 }, { 0, UTIME_OMIT } };
	char path[PATH_MAX], *err = NULL;

	snprintf(fz_base, sizeof fz_base, "%s", "/tmp/sthvfsfuzz.XXXXXX");
	if (mkdtemp(fz_base) == NULL)
		fz_die("mkdtemp", strerror(errno));
	atexit(fz_cleanup);
	fz_dir("outside");
	fz_file("outside/canary", "OUTSIDE\n");
	fz_dir("root");
	fz_file("root/file", "inside\n");
	fz_file("root/...", "dots\n");
	fz_dir("root/dir");
	fz_dir("root/dir/sub");
	fz_file("root/dir/inner", "inner\n");
	fz_link("dir", "root/in_link");
	fz_link("../file", "root/dir/up_link");
	fz_link("..", "root/dir/to_root");
	fz_link("../outside", "root/rel_out");
	fz_link("../../outside/canary", "root/dir/rel_canary");
	fz_path(path, sizeof path, "outside");
	fz_link(path, "root/abs_out");
	fz_link("chain2", "root/chain1");
	fz_link("dir/chain3", "root/chain2");
	fz_link("../rel_out", "root/dir/chain3");
	fz_link("../root/file", "root/sneaky");
	fz_link("loop", "root/loop");
	fz_link("/proc/self/root", "root/magic");

	fz_path(path, sizeof path, "root");
	if (realpath(path, fz_root) == NULL)
		fz_die("realpath", path);
	fz_path(fz_outside, sizeof fz_outside, "outside");
	fz_path(fz_canary, sizeof fz_canary, "outside/canary");
	if (utimensat(AT_FDCWD, fz_canary, ts, 0) == -1)
		fz_die("utimensat", strerror(errno));
	if (stat(fz_outside, &fz_outside_st) == -1 ||
	    stat(fz_canary, &fz_canary_st) == -1)
		fz_die("stat", strerror(errno));
	if ((fz_vfs = vfs_new(fz_root, &err)) == NULL)
		fz_die("vfs_new", err);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (fz_vfs == NULL)
		fz_setup();
	return 0;
}

/* A clean virtual absolute path: "/" or "/a/b", no empty, "." or ".."
 * component. */
static void
fz_check_clean(const char *p)
{
	const char *c, *end;
	size_t n;

	if (p[0] != '/')
		fz_die("normalize: not absolute", p);
	if (p[1] == '\0')
		return;
	for (c = p + 1;; c = end + 1) {
		end = strchrnul(c, '/');
		n = end - c;
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			fz_die("normalize: not clean", p);
		if (*end == '\0')
			break;
	}
}

/* An fd the vfs handed out must be beneath the root. */
static void
fz_check_fd(int fd, const char *path)
{
	char link[64], where[PATH_MAX];
	struct stat st;
	size_t rl = strlen(fz_root);
	ssize_t n;

	if (fstat(fd, &st) == -1)
		fz_die("fstat", strerror(errno));
	if ((st.st_dev == fz_canary_st.st_dev &&
	    st.st_ino == fz_canary_st.st_ino) ||
	    (st.st_dev == fz_outside_st.st_dev &&
	    st.st_ino == fz_outside_st.st_ino))
		fz_die("escaped to the outside", path);
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, where, sizeof where - 1)) == -1)
		return;		/* no /proc: the inode checks stand */
	where[n] = '\0';
	if (strncmp(where, fz_root, rl) != 0 ||
	    (where[rl] != '\0' && where[rl] != '/'))
		fz_die("escaped the root", where);
}

static void
fz_check_outside(void)
{
	struct stat st;

	if (stat(fz_outside, &st) == -1 || stat(fz_canary, &st) == -1)
		fz_die("the outside was removed", fz_outside);
	stat(fz_outside, &st);
	if (st.st_mtim.tv_sec != fz_outside_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != fz_outside_st.st_mtim.tv_nsec ||
	    st.st_nlink != fz_outside_st.st_nlink)
		fz_die("the outside changed", fz_outside);
	stat(fz_canary, &st);
	if (st.st_atim.tv_sec != FZ_OLD_ATIME ||
	    st.st_size != fz_canary_st.st_size)
		fz_die("the canary was read or changed", fz_canary);
}

static size_t
fz_count(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
fz_check_decode(const char *in, const char *out, int rc)
{
	const char *p;

	for (p = in; (p = strchr(p, '%')) != NULL; p++)
		if (strncasecmp(p, "%00", 3) == 0 ||
		    strncasecmp(p, "%2f", 3) == 0) {
			if (rc == 0)
				fz_die("url_decode accepted", in);
			return;
		}
	if (rc == 0 && (strlen(out) > strlen(in) ||
	    fz_count(out, '/') != fz_count(in, '/')))
		fz_die("url_decode made a path", in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[FZ_MAXINPUT + 1];
	char dec[PATH_MAX], norm[PATH_MAX], again[PATH_MAX];
	const char *cwd = NULL, *path;
	struct stat st;
	unsigned mode;
	char *nl;
	DIR *d;
	int fd, rc;

	if (fz_vfs == NULL)
		fz_setup();
	if (size == 0 || size > FZ_MAXINPUT)
		return 0;
	mode = data[0];
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';	/* an embedded NUL ends the path early */
	path = in;
	if ((nl = strchr(in, '\n')) != NULL) {
		*nl = '\0';
		cwd = in;
		path = nl + 1;
	}
	vfs_force_fallback(mode & 1);

	if (mode & 2) {
		rc = vfs_url_decode(path, dec, sizeof dec);
		fz_check_decode(path, dec, rc);
		if (rc != 0)
			return 0;
		path = dec;
	}

	if (vfs_normalize(cwd, path, norm, sizeof norm) == 0) {
		fz_check_clean(norm);
		if (vfs_normalize(NULL, norm, again, sizeof again) != 0 ||
		    strcmp(norm, again) != 0)
			fz_die("normalize: not idempotent", norm);
		path = norm;
	}

	if ((fd = vfs_open(fz_vfs, path, O_RDONLY | O_NONBLOCK | O_NOCTTY,
	    0)) >= 0) {
		fz_check_fd(fd, path);
		close(fd);
	}
	if ((fd = vfs_open(fz_vfs, path, O_PATH, 0)) >= 0) {
		fz_check_fd(fd, path);
		close(fd);
	}
	if (vfs_stat(fz_vfs, path, &st) == 0 &&
	    st.st_dev == fz_canary_st.st_dev &&
	    st.st_ino == fz_canary_st.st_ino)
		fz_die("stat escaped", path);
	if ((d = vfs_opendir(fz_vfs, path)) != NULL) {
		fz_check_fd(dirfd(d), path);
		closedir(d);
	}
	if ((mode & 4) && vfs_mkdir(fz_vfs, path, 0700) == 0 &&
	    (rc = vfs_rmdir(fz_vfs, path)) != 0)
		fz_die("rmdir after mkdir", strerror(-rc));
	fz_check_outside();
	vfs_force_fallback(0);
	return 0;
}
