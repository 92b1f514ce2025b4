/*
 * test_vfs.c — the vfs (daemon/vfs.c): a corpus of escape attempts that
 * must never leave the root, run through both resolution strategies
 * (openat2 beneath the root, and the O_NOFOLLOW walk), plus the lexical
 * helpers vfs_normalize and vfs_url_decode.
 *
 * Every escape case runs in a fresh tree:
 *
 *   base/secret, base/x, base/outside/secret     "OUTSIDE\n" (atime set old)
 *   base/outside/dir/
 *   base/root/                                    the vfs root
 *     secret "INSIDE\n"   ... "DOTS\n"   %2e%2e/secret "LITERAL\n"
 *     dir/file "FILE\n"   in_link -> dir   in_file_link -> dir/file
 *     dir/up_link -> ../secret   dir/to_root -> ..   dir_back -> dir/../secret
 *     dir/sub/deep_up -> ../../dir/file   dir/sub/too_far -> ../../../secret
 *     abs_out -> base/outside   abs_secret -> base/outside/secret
 *     rel_out -> ../outside     etc_link -> ../../etc   sneaky -> ../root/secret
 *     chain1 -> chain2 -> dir/chain3 -> ../rel_out   dir/via_out -> ../rel_out/..
 *     dangle -> ../outside/newfile   loop1 <-> loop2
 *
 * and afterwards everything outside base/root must be exactly as before:
 * the same names, inodes, sizes and mtimes, and (where the filesystem keeps
 * atime) not read.
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
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "test_hooks.h"
#include "vfs.h"

#define OUTSIDE "OUTSIDE\n"

enum vfs_op { OP_READ, OP_STAT, OP_LIST, OP_CREATE, OP_MKDIR, OP_RMDIR,
	OP_UNLINK, OP_RENAME };

struct escape_case {
	const char	*name;
	enum vfs_op	 op;
	const char	*path;
	const char	*to;		/* OP_RENAME's target */
	int		 url;		/* vfs_url_decode the path first */
	int		 want;		/* 0 or -errno */
	const char	*content;	/* READ: the bytes read; LIST: an entry */
	const char	*exists;	/* under root, must exist afterwards */
	const char	*absent;	/* under root, must not exist afterwards */
};

static char longname[400];		/* one component over NAME_MAX */
static char longpath[PATH_MAX + 200];	/* a path over PATH_MAX */

static const struct escape_case cases[] = {
	/* ".." is lexical and clamps at the root */
	{ "dotdot", OP_READ, "../secret", NULL, 0, 0, "INSIDE\n", NULL, NULL },
	{ "dotdot2", OP_READ, "../../secret", NULL, 0, 0, "INSIDE\n",
	    NULL, NULL },
	{ "slash_dotdot", OP_READ, "/../secret", NULL, 0, 0, "INSIDE\n",
	    NULL, NULL },
	{ "a_up_up_x", OP_READ, "a/../../x", NULL, 0, -ENOENT, NULL, NULL,
	    NULL },
	{ "dotdot_outside", OP_READ, "../outside/secret", NULL, 0, -ENOENT,
	    NULL, NULL, NULL },
	{ "dotdot_list", OP_LIST, "../..", NULL, 0, 0, "secret", NULL, NULL },
	{ "dotdot_stat", OP_STAT, "/..", NULL, 0, 0, NULL, NULL, NULL },

	/* URL encodings: decoded once, encoded slash and NUL refused */
	{ "pct_dotdot", OP_READ, "%2e%2e/secret", NULL, 1, 0, "INSIDE\n",
	    NULL, NULL },
	{ "pct_dotdot_upper", OP_READ, "%2E%2e/%2E%2E/secret", NULL, 1, 0,
	    "INSIDE\n", NULL, NULL },
	{ "pct_dotdot_slash", OP_READ, "%2e%2e%2fsecret", NULL, 1, -EINVAL,
	    NULL, NULL, NULL },
	{ "dotdot_pct_slash", OP_READ, "..%2fsecret", NULL, 1, -EINVAL, NULL,
	    NULL, NULL },
	{ "dotdot_pct_slash_upper", OP_READ, "..%2Fx", NULL, 1, -EINVAL,
	    NULL, NULL, NULL },
	{ "double_encoded", OP_READ, "%252e%252e/secret", NULL, 1, 0,
	    "LITERAL\n", NULL, NULL },
	{ "encoded_nul", OP_READ, "secret%00.txt", NULL, 1, -EINVAL, NULL,
	    NULL, NULL },
	{ "malformed_pct", OP_READ, "secret%2", NULL, 1, -EINVAL, NULL, NULL,
	    NULL },
	{ "malformed_pct_hex", OP_READ, "%zzsecret", NULL, 1, -EINVAL, NULL,
	    NULL, NULL },

	/* an embedded NUL ends the path: nothing after it is seen */
	{ "embedded_nul", OP_READ, "secret\0/../../x", NULL, 0, 0, "INSIDE\n",
	    NULL, NULL },

	/* symlinks out, absolute and relative: -EACCES whether or not the
	 * target exists */
	{ "abs_link_dir", OP_READ, "abs_out/secret", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "abs_link_file", OP_READ, "abs_secret", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "abs_link_stat", OP_STAT, "abs_out", NULL, 0, -EACCES, NULL, NULL,
	    NULL },
	{ "rel_link_dir", OP_READ, "rel_out/secret", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "rel_link_etc", OP_READ, "etc_link/passwd", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "rel_link_list", OP_LIST, "rel_out", NULL, 0, -EACCES, NULL, NULL,
	    NULL },
	{ "rel_link_stat_missing", OP_STAT, "rel_out/nothing/here", NULL, 0,
	    -EACCES, NULL, NULL, NULL },
	{ "chain_out", OP_READ, "chain1/secret", NULL, 0, -EACCES, NULL, NULL,
	    NULL },
	{ "chain_out_list", OP_LIST, "chain1", NULL, 0, -EACCES, NULL, NULL,
	    NULL },
	{ "dangling_out", OP_READ, "dangle", NULL, 0, -EACCES, NULL, NULL,
	    NULL },
	/* out and back in still passes above the root */
	{ "out_and_back", OP_READ, "sneaky", NULL, 0, -EACCES, NULL, NULL,
	    NULL },
	{ "link_dotdot_via_out", OP_LIST, "dir/via_out", NULL, 0, -EACCES,
	    NULL, NULL, NULL },

	/* a symlink to a dir out, then ".." through it */
	{ "out_dir_then_up_lexical", OP_READ, "rel_out/../secret", NULL, 0, 0,
	    "INSIDE\n", NULL, NULL },
	{ "out_dir_then_up", OP_READ, "rel_out/dir/../secret", NULL, 0,
	    -EACCES, NULL, NULL, NULL },
	{ "abs_dir_then_up", OP_READ, "abs_out/dir/../secret", NULL, 0,
	    -EACCES, NULL, NULL, NULL },

	/* symlinks that stay inside are followed */
	{ "in_link_dir", OP_READ, "in_link/file", NULL, 0, 0, "FILE\n", NULL,
	    NULL },
	{ "in_link_file", OP_READ, "in_file_link", NULL, 0, 0, "FILE\n", NULL,
	    NULL },
	{ "in_link_up", OP_READ, "dir/up_link", NULL, 0, 0, "INSIDE\n", NULL,
	    NULL },
	{ "in_link_to_root", OP_READ, "dir/to_root/secret", NULL, 0, 0,
	    "INSIDE\n", NULL, NULL },
	{ "in_link_down_up", OP_READ, "dir_back", NULL, 0, 0, "INSIDE\n",
	    NULL, NULL },
	{ "in_link_deep_up", OP_READ, "in_link/sub/deep_up", NULL, 0, 0,
	    "FILE\n", NULL, NULL },
	{ "deep_up_too_far", OP_READ, "dir/sub/too_far", NULL, 0, -EACCES,
	    NULL, NULL, NULL },
	{ "in_link_list", OP_LIST, "in_link", NULL, 0, 0, "file", NULL, NULL },
	{ "link_loop", OP_READ, "loop1", NULL, 0, -ELOOP, NULL, NULL, NULL },
	{ "file_as_dir", OP_READ, "secret/x", NULL, 0, -ENOTDIR, NULL, NULL,
	    NULL },

	/* long names and paths */
	{ "long_component", OP_READ, longname, NULL, 0, -ENAMETOOLONG, NULL,
	    NULL, NULL },
	{ "long_path", OP_READ, longpath, NULL, 0, -ENAMETOOLONG, NULL, NULL,
	    NULL },
	{ "long_create", OP_CREATE, longname, NULL, 0, -ENAMETOOLONG, NULL,
	    NULL, NULL },

	/* "..." is an ordinary name */
	{ "three_dots", OP_READ, "...", NULL, 0, 0, "DOTS\n", NULL, NULL },
	{ "three_dots_up", OP_READ, "dir/../...", NULL, 0, 0, "DOTS\n", NULL,
	    NULL },
	{ "three_dots_url", OP_READ, "%2e%2e%2e", NULL, 1, 0, "DOTS\n", NULL,
	    NULL },

	/* creating, removing and renaming */
	{ "create_dotdot", OP_CREATE, "../evil", NULL, 0, 0, NULL, "evil",
	    NULL },
	{ "create_abs_link", OP_CREATE, "abs_out/evil", NULL, 0, -EACCES,
	    NULL, NULL, NULL },
	{ "create_rel_link", OP_CREATE, "rel_out/evil", NULL, 0, -EACCES,
	    NULL, NULL, NULL },
	{ "create_dangling", OP_CREATE, "dangle", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "create_chain", OP_CREATE, "chain1/evil", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "mkdir_dotdot", OP_MKDIR, "../newdir", NULL, 0, 0, NULL, "newdir",
	    NULL },
	{ "mkdir_rel_link", OP_MKDIR, "rel_out/newdir", NULL, 0, -EACCES,
	    NULL, NULL, NULL },
	{ "mkdir_on_link", OP_MKDIR, "abs_out", NULL, 0, -EEXIST, NULL,
	    "abs_out", NULL },
	{ "mkdir_root", OP_MKDIR, "/", NULL, 0, -EEXIST, NULL, NULL, NULL },
	{ "unlink_rel_link", OP_UNLINK, "rel_out/secret", NULL, 0, -EACCES,
	    NULL, NULL, NULL },
	{ "unlink_abs_link_itself", OP_UNLINK, "abs_secret", NULL, 0, 0, NULL,
	    NULL, "abs_secret" },
	{ "unlink_dotdot", OP_UNLINK, "../x", NULL, 0, -ENOENT, NULL, NULL,
	    NULL },
	{ "unlink_root", OP_UNLINK, "/", NULL, 0, -EBUSY, NULL, NULL, NULL },
	{ "rmdir_abs_link", OP_RMDIR, "abs_out", NULL, 0, -ENOTDIR, NULL,
	    "abs_out", NULL },
	{ "rmdir_rel_link", OP_RMDIR, "rel_out/dir", NULL, 0, -EACCES, NULL,
	    NULL, NULL },
	{ "rmdir_root", OP_RMDIR, "/..", NULL, 0, -EBUSY, NULL, NULL, NULL },
	{ "rename_into_link", OP_RENAME, "secret", "rel_out/stolen", 0,
	    -EACCES, NULL, "secret", NULL },
	{ "rename_from_link", OP_RENAME, "rel_out/secret", "got", 0, -EACCES,
	    NULL, NULL, "got" },
	{ "rename_dotdot", OP_RENAME, "dir/file", "../moved", 0, 0, NULL,
	    "moved", "dir/file" },
	{ "rename_root", OP_RENAME, "/", "elsewhere", 0, -EBUSY, NULL, NULL,
	    "elsewhere" },
};
#define NCASES (sizeof cases / sizeof cases[0])

/* --- the tree ---------------------------------------------------------- */

static char base[64];
static char rootdir[128];
static int atime_works;

static void
put(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", base, rel);
	cr_assert_not_null(f = fopen(path, "w"), "creating %s", path);
	fputs(content, f);
	fclose(f);
}

static void
mk(const char *rel)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", base, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
}

static void
ln(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", base, rel);
	cr_assert_eq(symlink(target, path), 0, "symlink %s", path);
}

/* Make reads of the outside files visible: relatime updates an atime
 * older than the mtime on the next read. */
static void
age(const char *rel)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 0, UTIME_OMIT } };
	char path[256];

	snprintf(path, sizeof path, "%s/%s", base, rel);
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void
probe_atime(void)
{
	char path[256], c;
	struct stat st;
	int fd;

	put("probe", "p");
	age("probe");
	snprintf(path, sizeof path, "%s/probe", base);
	fd = open(path, O_RDONLY);
	cr_assert_eq(read(fd, &c, 1), 1);
	close(fd);
	stat(path, &st);
	atime_works = st.st_atim.tv_sec != 1000000000;
	unlink(path);
}

static void
make_tree(void)
{
	char target[256];

	strcpy(base, "/tmp/sthvfs.XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	snprintf(rootdir, sizeof rootdir, "%s/root", base);
	probe_atime();

	put("secret", OUTSIDE);
	put("x", OUTSIDE);
	mk("outside");
	mk("outside/dir");
	put("outside/secret", OUTSIDE);
	age("secret");
	age("x");
	age("outside/secret");

	mk("root");
	put("root/secret", "INSIDE\n");
	put("root/...", "DOTS\n");
	mk("root/%2e%2e");
	put("root/%2e%2e/secret", "LITERAL\n");
	mk("root/dir");
	put("root/dir/file", "FILE\n");
	mk("root/dir/sub");
	ln("dir", "root/in_link");
	ln("../../dir/file", "root/dir/sub/deep_up");
	ln("../../../secret", "root/dir/sub/too_far");
	ln("dir/file", "root/in_file_link");
	ln("../secret", "root/dir/up_link");
	ln("..", "root/dir/to_root");
	ln("dir/../secret", "root/dir_back");
	snprintf(target, sizeof target, "%s/outside", base);
	ln(target, "root/abs_out");
	snprintf(target, sizeof target, "%s/outside/secret", base);
	ln(target, "root/abs_secret");
	ln("../outside", "root/rel_out");
	ln("../../etc", "root/etc_link");
	ln("../root/secret", "root/sneaky");
	ln("chain2", "root/chain1");
	ln("dir/chain3", "root/chain2");
	ln("../rel_out", "root/dir/chain3");
	ln("../rel_out/..", "root/dir/via_out");
	ln("../outside/newfile", "root/dangle");
	ln("loop2", "root/loop1");
	ln("loop1", "root/loop2");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
remove_tree(void)
{
	if (base[0] != '\0')
		nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Everything outside the root, one line per entry. */
static char *snap;
static size_t snaplen;
static FILE *snapf;

static int
snap_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (strcmp(path, rootdir) == 0)
		return FTW_SKIP_SUBTREE;
	fprintf(snapf, "%s %o %lu %lld %lld.%09ld", path + strlen(base),
	    (unsigned)st->st_mode, (unsigned long)st->st_ino,
	    (long long)st->st_size, (long long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec);
	if (atime_works && S_ISREG(st->st_mode))
		fprintf(snapf, " a%lld", (long long)st->st_atim.tv_sec);
	fputc('\n', snapf);
	return FTW_CONTINUE;
}

static char *
snapshot(void)
{
	snap = NULL;
	snapf = open_memstream(&snap, &snaplen);
	cr_assert_not_null(snapf);
	nftw(base, snap_one, 16, FTW_PHYS | FTW_ACTIONRETVAL);
	fclose(snapf);
	return snap;
}

static int
exists_inside(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", rootdir, rel);
	return lstat(path, &st) == 0;
}

/* --- one case ---------------------------------------------------------- */

static const char *
strategy_name(int fallback)
{
	return fallback ? "walk" : "default";
}

static int
run_op(struct sth_vfs *v, const struct escape_case *c, const char *path,
    char *got, size_t gotlen)
{
	struct dirent *de;
	struct stat st;
	ssize_t n;
	DIR *d;
	int fd, rc;

	got[0] = '\0';
	switch (c->op) {
	case OP_READ:
		if ((fd = vfs_open(v, path, O_RDONLY, 0)) < 0)
			return fd;
		n = read(fd, got, gotlen - 1);
		close(fd);
		if (n < 0)
			return -errno;
		got[n] = '\0';
		return 0;
	case OP_STAT:
		return vfs_stat(v, path, &st);
	case OP_LIST:
		if ((d = vfs_opendir(v, path)) == NULL)
			return -errno;
		while ((de = readdir(d)) != NULL)
			if (c->content != NULL &&
			    strcmp(de->d_name, c->content) == 0)
				snprintf(got, gotlen, "%s", de->d_name);
		closedir(d);
		return 0;
	case OP_CREATE:
		fd = vfs_open(v, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fd;
		rc = write(fd, "NEW\n", 4) == 4 ? 0 : -errno;
		close(fd);
		return rc;
	case OP_MKDIR:
		return vfs_mkdir(v, path, 0755);
	case OP_RMDIR:
		return vfs_rmdir(v, path);
	case OP_UNLINK:
		return vfs_unlink(v, path);
	case OP_RENAME:
		return vfs_rename(v, path, c->to);
	}
	cr_assert_fail("unknown op");
	return -1;
}

struct param {
	size_t	idx;
	int	fallback;
};

ParameterizedTestParameters(vfs, escape)
{
	static struct param params[NCASES * 2];
	size_t i;

	memset(longname, 'a', sizeof longname - 1);
	for (i = 0; i + 2 < sizeof longpath; i += 2)
		memcpy(longpath + i, "d/", 2);
	for (i = 0; i < NCASES * 2; i++) {
		params[i].idx = i / 2;
		params[i].fallback = i % 2;
	}
	return cr_make_param_array(struct param, params, NCASES * 2);
}

ParameterizedTest(struct param *p, vfs, escape, .fini = remove_tree)
{
	const struct escape_case *c = &cases[p->idx];
	const char *how = strategy_name(p->fallback);
	char decoded[PATH_MAX], got[256], *before, *after;
	const char *path = c->path;
	struct sth_vfs *v;
	char *err = NULL;
	int rc;

	/* The table's long entries are filled by the parameter generator,
	 * which runs in the parent process: fill them here as well. */
	memset(longname, 'a', sizeof longname - 1);
	for (size_t i = 0; i + 2 < sizeof longpath; i += 2)
		memcpy(longpath + i, "d/", 2);

	make_tree();
	vfs_force_fallback(p->fallback);
	v = vfs_new(rootdir, &err);
	cr_assert_not_null(v, "vfs_new: %s", err);
	if (p->fallback)
		cr_assert_str_eq(vfs_strategy(), "walk");
	before = snapshot();

	rc = 0;
	if (c->url) {
		rc = vfs_url_decode(c->path, decoded, sizeof decoded);
		path = decoded;
	}
	if (rc == 0)
		rc = run_op(v, c, path, got, sizeof got);
	cr_expect_eq(rc, c->want, "%s [%s]: got %d (%s), want %d (%s)",
	    c->name, how, rc, strerror(-rc), c->want, strerror(-c->want));
	if (rc == 0 && c->content != NULL)
		cr_expect_str_eq(got, c->content, "%s [%s]: read '%s'",
		    c->name, how, got);
	cr_expect(strstr(got, "OUTSIDE") == NULL, "%s [%s]: read outside",
	    c->name, how);
	if (c->exists != NULL)
		cr_expect(exists_inside(c->exists), "%s [%s]: %s missing",
		    c->name, how, c->exists);
	if (c->absent != NULL)
		cr_expect(!exists_inside(c->absent), "%s [%s]: %s exists",
		    c->name, how, c->absent);

	after = snapshot();
	cr_expect_str_eq(after, before,
	    "%s [%s]: the outside changed:\n--- before\n%s--- after\n%s",
	    c->name, how, before, after);
	free(before);
	free(after);
	vfs_free(v);
}

/* --- the lexical helpers ----------------------------------------------- */

struct norm_case {
	const char	*cwd;
	const char	*path;
	const char	*want;
};

static const struct norm_case norm_cases[] = {
	{ NULL, "", "/" },
	{ NULL, "/", "/" },
	{ NULL, "..", "/" },
	{ NULL, "../..", "/" },
	{ NULL, "/../", "/" },
	{ NULL, "a/../../x", "/x" },
	{ NULL, "//a///b//", "/a/b" },
	{ NULL, "./a/./b/.", "/a/b" },
	{ NULL, "a/b/../c", "/a/c" },
	{ NULL, "...", "/..." },
	{ NULL, "a/.../..", "/a" },
	{ NULL, "..a/b..", "/..a/b.." },
	{ "/home/ftp", "pub", "/home/ftp/pub" },
	{ "/home/ftp", "../../../../etc", "/etc" },
	{ "/home/ftp", "/abs", "/abs" },
	{ "home//ftp/", ".", "/home/ftp" },
	{ "/a", "", "/a" },
};

Test(vfs, normalize)
{
	char out[PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
		const struct norm_case *n = &norm_cases[i];

		rc = vfs_normalize(n->cwd, n->path, out, sizeof out);
		cr_expect_eq(rc, 0, "normalize(%s, %s) = %d", n->cwd,
		    n->path, rc);
		cr_expect_str_eq(out, n->want, "normalize(%s, %s) = %s",
		    n->cwd, n->path, out);
	}
}

Test(vfs, normalize_too_long)
{
	char out[8];

	cr_expect_eq(vfs_normalize(NULL, "/abc", out, sizeof out), 0);
	cr_expect_str_eq(out, "/abc");
	cr_expect_eq(vfs_normalize(NULL, "/abcdef", out, sizeof out), 0);
	cr_expect_eq(vfs_normalize(NULL, "/abcdefg", out, sizeof out),
	    -ENAMETOOLONG);
	cr_expect_eq(vfs_normalize("/abc", "defg", out, sizeof out),
	    -ENAMETOOLONG);
	cr_expect_eq(vfs_normalize(NULL, "", out, 1), -ENAMETOOLONG);
	cr_expect_eq(vfs_normalize(NULL, NULL, out, sizeof out), -EINVAL);
}

struct url_case {
	const char	*in;
	int		 want;
	const char	*out;
};

static const struct url_case url_cases[] = {
	{ "/a%20b", 0, "/a b" },
	{ "%2e%2e/", 0, "../" },
	{ "%2E%2e", 0, ".." },
	{ "%252e", 0, "%2e" },
	{ "a+b", 0, "a+b" },
	{ "%e2%82%ac", 0, "\xe2\x82\xac" },
	{ "%2e%2e%2f", -EINVAL, NULL },
	{ "..%2f", -EINVAL, NULL },
	{ "..%2F", -EINVAL, NULL },
	{ "a%00b", -EINVAL, NULL },
	{ "%", -EINVAL, NULL },
	{ "%4", -EINVAL, NULL },
	{ "%4g", -EINVAL, NULL },
	{ "%g4", -EINVAL, NULL },
	{ "abc%", -EINVAL, NULL },
};

Test(vfs, url_decode)
{
	char out[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
		const struct url_case *u = &url_cases[i];

		rc = vfs_url_decode(u->in, out, sizeof out);
		cr_expect_eq(rc, u->want, "url_decode(%s) = %d", u->in, rc);
		if (rc == 0 && u->out != NULL)
			cr_expect_str_eq(out, u->out, "url_decode(%s) = %s",
			    u->in, out);
	}
	cr_expect_eq(vfs_url_decode("abcd", out, 4), -ENAMETOOLONG);
	cr_expect_eq(vfs_url_decode("abc", out, 4), 0);
	cr_expect_eq(vfs_url_decode("", out, 0), -ENAMETOOLONG);
}

Test(vfs, new_refuses_missing_and_files)
{
	char *err = NULL;

	cr_expect_null(vfs_new("/nonexistent/sthvfs", &err));
	cr_expect_not_null(err);
	cr_expect(strstr(err, "/nonexistent/sthvfs") != NULL, "%s", err);
	free(err);
	err = NULL;
	cr_expect_null(vfs_new("/etc/hostname", &err));
	cr_expect(err != NULL && strstr(err, "Not a directory") != NULL);
	free(err);
	err = NULL;
	cr_expect_null(vfs_new("", &err));
	free(err);
}

/* An ordinary session in both strategies: create, list, stat, rename,
 * remove, as an FTP user would. */
static void
roundtrip(int fallback)
{
	struct sth_vfs *v;
	struct stat st;
	struct dirent *de;
	DIR *d;
	char *err = NULL;
	int fd, seen = 0;

	make_tree();
	vfs_force_fallback(fallback);
	cr_assert_not_null(v = vfs_new(rootdir, &err));
	cr_assert_eq(vfs_mkdir(v, "/pub", 0755), 0);
	cr_assert_eq(vfs_mkdir(v, "/pub", 0755), -EEXIST);
	fd = vfs_open(v, "/pub/f.txt", O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0, "create: %s", strerror(-fd));
	cr_assert_eq(write(fd, "hello", 5), 5);
	close(fd);
	cr_assert_eq(vfs_open(v, "/pub/f.txt", O_WRONLY | O_CREAT | O_EXCL,
	    0600), -EEXIST);
	cr_assert_eq(vfs_stat(v, "pub/./f.txt", &st), 0);
	cr_expect_eq(st.st_size, 5);
	cr_expect(S_ISREG(st.st_mode));
	cr_assert_eq(vfs_stat(v, "/", &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_assert_not_null(d = vfs_opendir(v, "/pub"));
	while ((de = readdir(d)) != NULL)
		seen += strcmp(de->d_name, "f.txt") == 0;
	closedir(d);
	cr_expect_eq(seen, 1);
	cr_assert_eq(vfs_rename(v, "/pub/f.txt", "/pub/g.txt"), 0);
	cr_expect_eq(vfs_stat(v, "/pub/f.txt", &st), -ENOENT);
	cr_expect_eq(vfs_rmdir(v, "/pub"), -ENOTEMPTY);
	cr_expect_eq(vfs_unlink(v, "/pub"), -EISDIR);
	cr_expect_eq(vfs_unlink(v, "/pub/g.txt"), 0);
	cr_expect_eq(vfs_rmdir(v, "/pub"), 0);
	cr_expect(!exists_inside("pub"));
	/* O_NOFOLLOW on a final symlink fails as open(2) does */
	cr_expect_eq(vfs_open(v, "in_file_link", O_RDONLY | O_NOFOLLOW, 0),
	    -ELOOP);
	/* O_CREAT|O_EXCL never creates through a dangling symlink */
	cr_expect_eq(vfs_open(v, "dangle", O_WRONLY | O_CREAT | O_EXCL, 0600),
	    -EEXIST);
	errno = 0;
	cr_expect_null(vfs_opendir(v, "rel_out"));
	cr_expect_eq(errno, EACCES);
	vfs_free(v);
}

Test(vfs, roundtrip_default, .fini = remove_tree)
{
	roundtrip(0);
}

Test(vfs, roundtrip_walk, .fini = remove_tree)
{
	roundtrip(1);
}

/* This kernel's strategy, so the log says which one "default" tested. */
Test(vfs, strategy, .fini = remove_tree)
{
	struct sth_vfs *v;

	make_tree();
	cr_assert_not_null(v = vfs_new(rootdir, NULL));
	cr_log_info("vfs strategy on this kernel: %s", vfs_strategy());
	vfs_force_fallback(1);
	cr_expect_str_eq(vfs_strategy(), "walk");
	vfs_force_fallback(0);
#ifdef HAVE_LINUX_OPENAT2_H
	if (access("/proc/sys/kernel/osrelease", R_OK) == 0)
		cr_log_info("built with linux/openat2.h");
#endif
	vfs_free(v);
}

static int
count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	cr_assert_not_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Every path through both strategies, errors included, gives back every
 * fd it opened. */
Test(vfs, no_fd_leak, .fini = remove_tree)
{
	struct sth_vfs *v;
	struct stat st;
	size_t i;
	int before, fallback, fd;

	make_tree();
	cr_assert_not_null(v = vfs_new(rootdir, NULL));
	before = count_fds();
	for (fallback = 0; fallback < 2; fallback++) {
		vfs_force_fallback(fallback);
		for (i = 0; i < NCASES; i++) {
			if (cases[i].op == OP_READ || cases[i].op == OP_STAT) {
				vfs_stat(v, cases[i].path, &st);
				fd = vfs_open(v, cases[i].path, O_RDONLY, 0);
				if (fd >= 0)
					close(fd);
			}
		}
		vfs_stat(v, "in_link/sub/deep_up", &st);
		vfs_mkdir(v, "rel_out/x", 0700);
		vfs_rename(v, "secret", "chain1/x");
	}
	cr_expect_eq(count_fds(), before, "fds leaked: %d -> %d", before,
	    count_fds());
	vfs_free(v);
	cr_expect_eq(count_fds(), before - 1, "vfs_free kept the root fd");
}
