/*
 * test_ftp_fs.c — plugins/ftp/fs.c and the session's path handling on the
 * real vfs (daemon/vfs.c behind a host table): a client's path is
 * normalised against its cwd and never leaves the root, listings read the
 * directory themselves (no /bin/ls), and — when the test runs as root —
 * every operation runs under the session's filesystem identity.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>

#include <criterion/criterion.h>

#include "ftp.h"
#include "vfs.h"

static struct sth_host host;
static char base[] = "/tmp/test_ftp_fs.XXXXXX";
static char root[64];
static struct ftp_sess *S;

static void
put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", root, rel);
	cr_assert_not_null(f = fopen(p, "w"), "%s", p);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static void
setup(void)
{
	char p[PATH_MAX], *err = NULL;

	host.vfs_normalize = vfs_normalize;
	host.vfs_open = vfs_open;
	host.vfs_stat = vfs_stat;
	host.vfs_mkdir = vfs_mkdir;
	host.vfs_rmdir = vfs_rmdir;
	host.vfs_unlink = vfs_unlink;
	host.vfs_rename = vfs_rename;
	host.vfs_opendir = vfs_opendir;
	F.host = &host;
	cr_assert_not_null(mkdtemp(base));
	chmod(base, 0755);
	snprintf(p, sizeof p, "%s/outside", base);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/outside/secret", base);
	cr_assert_eq(symlink("/dev/null", p), 0);
	snprintf(root, sizeof root, "%s/root", base);
	cr_assert_eq(mkdir(root, 0755), 0);
	snprintf(p, sizeof p, "%s/sub", root);
	cr_assert_eq(mkdir(p, 0755), 0);
	put("b.txt", "bee\n", 0644);
	put("a.txt", "a\n", 0644);
	put("sub/c.txt", "c\n", 0644);
	put("private", "root only\n", 0600);
	snprintf(p, sizeof p, "%s/out", root);
	cr_assert_eq(symlink("../outside", p), 0);
	snprintf(p, sizeof p, "%s/sub/abs", root);
	cr_assert_eq(symlink("/etc/passwd", p), 0);
	S = xcalloc(1, sizeof *S);
	snprintf(S->cwd, sizeof S->cwd, "/sub");
	S->facts = MLST_ALL;
	S->vfs = vfs_new(root, &err);
	cr_assert_not_null(S->vfs, "%s", err);
}

static int
rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void
teardown(void)
{
	vfs_free(S->vfs);
	free(S);
	nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(ftp_fs, .init = setup, .fini = teardown);

Test(ftp_fs, paths_stay_beneath_the_root)
{
	char out[FTP_PATH_MAX];
	struct stat st;

	cr_assert_eq(ftp_path(S, "../../../etc/passwd", out, sizeof out), 0);
	cr_assert_str_eq(out, "/etc/passwd");
	cr_assert_eq(fs_open(S, out, O_RDONLY, 0), -ENOENT);
	cr_assert_eq(ftp_path(S, "c.txt", out, sizeof out), 0);
	cr_assert_str_eq(out, "/sub/c.txt");
	cr_assert_eq(ftp_path(S, NULL, out, sizeof out), 0);
	cr_assert_str_eq(out, "/sub");
	cr_assert_eq(ftp_path(S, "/a/./b//../c", out, sizeof out), 0);
	cr_assert_str_eq(out, "/a/c");
	cr_assert_eq(ftp_path(S, "x\ry", out, sizeof out), -EINVAL,
	    "a CR would split the reply line");
	cr_assert_eq(fs_stat(S, "/out/secret", &st), -EACCES);
	cr_assert_eq(fs_open(S, "/sub/abs", O_RDONLY, 0), -EACCES);
	cr_assert_eq(fs_stat(S, "/sub/c.txt", &st), 0);
	cr_assert_eq(st.st_size, 2);
}

static char *
listing(const char *path, int kind, int *rc)
{
	struct evbuffer *b = evbuffer_new();
	size_t n;
	char *s;

	*rc = fs_list(S, path, kind, b);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

Test(ftp_fs, listings)
{
	char *s;
	int rc;

	s = listing("/", 'N', &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(s, "a.txt\r\nb.txt\r\nout\r\nprivate\r\nsub\r\n");
	free(s);
	s = listing("/sub", 'L', &rc);
	cr_assert_eq(rc, 0);
	cr_assert(strstr(s, " -> /etc/passwd\r\n") != NULL, "%s", s);
	cr_assert(strncmp(s, "lrwxrwxrwx", 10) == 0, "%s", s);
	cr_assert(strstr(s, "-rw-r--r--    1 ") != NULL, "%s", s);
	free(s);
	s = listing("/a.txt", 'M', &rc);
	cr_assert_eq(rc, 0);
	cr_assert(strncmp(s, "type=file;size=2;modify=", 24) == 0, "%s", s);
	cr_assert(strstr(s, ";perm=r;UNIX.mode=0644; a.txt\r\n") != NULL,
	    "%s", s);
	free(s);
	s = listing("/out", 'N', &rc);
	cr_assert_eq(rc, -EACCES, "a listing through a symlink out");
	free(s);
	s = listing("/nope", 'N', &rc);
	cr_assert_eq(rc, -ENOENT);
	free(s);
}

Test(ftp_fs, write_operations)
{
	char p[PATH_MAX];
	struct stat st;
	int fd;

	S->writable = 1;
	cr_assert_eq(fs_mkdir(S, "/sub/new"), 0);
	cr_assert_eq(fs_rename(S, "/sub/new", "/sub/renamed"), 0);
	cr_assert_eq(fs_stat(S, "/sub/renamed", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(fs_rmdir(S, "/sub/renamed"), 0);
	cr_assert_geq(fd = fs_open(S, "/sub/f", O_WRONLY | O_CREAT, 0644), 0);
	close(fd);
	cr_assert_eq(fs_unlink(S, "/sub/f"), 0);
	cr_assert_eq(fs_rmdir(S, "/"), -EBUSY);
	cr_assert_eq(fs_rename(S, "/a.txt", "/out/a.txt"), -EACCES);
	cr_assert_eq(fs_mkdir(S, "/../../escape"), 0);
	snprintf(p, sizeof p, "%s/escape", root);
	cr_assert_eq(stat(p, &st), 0, "made inside the root");
	snprintf(p, sizeof p, "%s/escape", base);
	cr_assert_eq(stat(p, &st), -1, "not beside it");
}

Test(ftp_fs, identity)
{
	struct passwd *pw = getpwnam("nobody");
	struct stat st;
	char p[PATH_MAX];
	int fd;

	if (geteuid() != 0 || pw == NULL)
		cr_skip_test("needs root and the user nobody");
	cr_assert_geq(fd = fs_open(S, "/private", O_RDONLY, 0), 0);
	close(fd);
	snprintf(p, sizeof p, "%s/sub", root);
	cr_assert_eq(chown(p, pw->pw_uid, pw->pw_gid), 0);
	S->id.set = 1;
	S->id.uid = pw->pw_uid;
	S->id.gid = pw->pw_gid;
	cr_assert_eq(fs_open(S, "/private", O_RDONLY, 0), -EACCES);
	cr_assert_eq(fs_mkdir(S, "/made"), -EACCES, "the root is root's");
	cr_assert_eq(fs_mkdir(S, "/sub/made"), 0);
	snprintf(p, sizeof p, "%s/sub/made", root);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_uid, pw->pw_uid);
	cr_assert_eq(st.st_gid, pw->pw_gid);
	/* and back: the process is root again afterwards */
	S->id.set = 0;
	cr_assert_geq(fd = fs_open(S, "/private", O_RDONLY, 0), 0);
	close(fd);
	chmod(root, 0700);
	S->id.set = 1;
	cr_assert_neq(fs_can_enter(S, "/"), 0);
	S->id.set = 0;
	cr_assert_eq(fs_can_enter(S, "/"), 0);
}
