/*
 * test_ftp_list.c — plugins/ftp/list.c: `ls -l` lines (recent and old
 * dates, modes, links), MLSx fact lines, perm letters, OPTS MLST.
 */
#include "config.h"

#include <event2/buffer.h>

#include <criterion/criterion.h>

#include "ftp.h"

#define NOW 1764120000L		/* 2025-11-26 01:20:00 UTC */

static char *
drain(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

static struct stat
st_of(mode_t mode, off_t size, time_t mtime)
{
	struct stat st;

	memset(&st, 0, sizeof st);
	st.st_mode = mode;
	st.st_size = size;
	st.st_mtime = mtime;
	st.st_nlink = 1;
	return st;
}

Test(ftp_list, modes)
{
	char m[11];

	ftp_fmt_mode(S_IFDIR | 0755, m);
	cr_assert_str_eq(m, "drwxr-xr-x");
	ftp_fmt_mode(S_IFREG | 0640, m);
	cr_assert_str_eq(m, "-rw-r-----");
	ftp_fmt_mode(S_IFLNK | 0777, m);
	cr_assert_str_eq(m, "lrwxrwxrwx");
	ftp_fmt_mode(S_IFREG | 04755, m);
	cr_assert_str_eq(m, "-rwsr-xr-x");
	ftp_fmt_mode(S_IFDIR | 01777, m);
	cr_assert_str_eq(m, "drwxrwxrwt");
	ftp_fmt_mode(S_IFREG | 02640, m);
	cr_assert_str_eq(m, "-rw-r-S---");
}

Test(ftp_list, dates_recent_and_old)
{
	char d[32];

	ftp_fmt_lsdate(NOW - 3600, NOW, d, sizeof d);
	cr_assert_str_eq(d, "Nov 26 00:20");
	ftp_fmt_lsdate(NOW - 179L * 86400, NOW, d, sizeof d);
	cr_assert_str_eq(d, "May 31 01:20");
	/* 180 days and more: the year, after two spaces */
	ftp_fmt_lsdate(NOW - 181L * 86400, NOW, d, sizeof d);
	cr_assert_str_eq(d, "May 29  2025");
	ftp_fmt_lsdate(0, NOW, d, sizeof d);
	cr_assert_str_eq(d, "Jan  1  1970");
	/* the future (beyond an hour of clock skew) also shows the year */
	ftp_fmt_lsdate(NOW + 86400 * 2, NOW, d, sizeof d);
	cr_assert_str_eq(d, "Nov 28  2025");
}

Test(ftp_list, list_line)
{
	struct evbuffer *b = evbuffer_new();
	struct stat st = st_of(S_IFREG | 0644, 1234, NOW - 60);
	char *s;

	ftp_fmt_list(b, "a file.txt", &st, "alice", "staff", NULL, NOW);
	s = drain(b);
	cr_assert_str_eq(s, "-rw-r--r--    1 alice    staff            1234 "
	    "Nov 26 01:19 a file.txt\r\n");
	free(s);
	st = st_of(S_IFLNK | 0777, 4, NOW - 400L * 86400);
	ftp_fmt_list(b, "l", &st, "0", "0", "dest", NOW);
	s = drain(b);
	cr_assert_str_eq(s, "lrwxrwxrwx    1 0        0                   4 "
	    "Oct 22  2024 l -> dest\r\n");
	free(s);
	evbuffer_free(b);
}

Test(ftp_list, facts)
{
	struct evbuffer *b = evbuffer_new();
	struct stat st = st_of(S_IFREG | 0640, 99, NOW);
	char perm[16], *s;

	ftp_fmt_perm(&st, FTP_MAY_READ, perm);
	cr_assert_str_eq(perm, "r");
	ftp_fmt_facts(b, "f.bin", &st, NULL, perm, MLST_ALL);
	s = drain(b);
	cr_assert_str_eq(s, "type=file;size=99;modify=20251126012000;perm=r;"
	    "UNIX.mode=0640; f.bin");
	free(s);
	st = st_of(S_IFDIR | 0755, 4096, NOW);
	ftp_fmt_perm(&st, FTP_MAY_READ | FTP_MAY_WRITE | FTP_MAY_ENTER |
	    FTP_MAY_REMOVE, perm);
	cr_assert_str_eq(perm, "cdfmpel");
	/* delete and rename are the parent's to allow; listing needs
	 * search too */
	ftp_fmt_perm(&st, FTP_MAY_READ | FTP_MAY_REMOVE, perm);
	cr_assert_str_eq(perm, "df");
	ftp_fmt_perm(&st, FTP_MAY_READ | FTP_MAY_ENTER, perm);
	cr_assert_str_eq(perm, "el");
	ftp_fmt_facts(b, "d", &st, NULL, perm, MLST_TYPE | MLST_SIZE);
	s = drain(b);
	cr_assert_str_eq(s, "type=dir; d", "no size for a directory");
	free(s);
	ftp_fmt_facts(b, "/", &st, "cdir", perm, MLST_TYPE);
	s = drain(b);
	cr_assert_str_eq(s, "type=cdir; /");
	free(s);
	st = st_of(S_IFREG | 0600, 1, NOW);
	ftp_fmt_perm(&st, 0, perm);
	cr_assert_str_eq(perm, "");
	ftp_fmt_perm(&st, FTP_MAY_READ | FTP_MAY_REMOVE, perm);
	cr_assert_str_eq(perm, "dfr");
	ftp_fmt_perm(&st, FTP_MAY_READ | FTP_MAY_WRITE | FTP_MAY_ENTER,
	    perm);
	cr_assert_str_eq(perm, "awr", "no e for a file");
	evbuffer_free(b);
}

Test(ftp_list, opts_mlst)
{
	char out[128];

	cr_assert_eq(ftp_parse_facts("type;size;"), MLST_TYPE | MLST_SIZE);
	cr_assert_eq(ftp_parse_facts("Modify;unix.MODE"),
	    MLST_MODIFY | MLST_UNIX_MODE);
	cr_assert_eq(ftp_parse_facts(""), 0);
	cr_assert_eq(ftp_parse_facts("bogus;;perm;"), MLST_PERM);
	ftp_fmt_factlist(MLST_TYPE | MLST_PERM, 1, out, sizeof out);
	cr_assert_str_eq(out, "type*;size;modify;perm*;UNIX.mode;");
	ftp_fmt_factlist(MLST_TYPE | MLST_PERM, 0, out, sizeof out);
	cr_assert_str_eq(out, "type;perm;");
}

Test(ftp_list, mdtm)
{
	char t[15];

	ftp_fmt_mdtm(NOW, t);
	cr_assert_str_eq(t, "20251126012000");
}
