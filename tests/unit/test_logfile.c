/*
 * test_logfile.c — daemon/logfile.c and daemon/log.c: supervisord's size
 * rotation (docs/supervisord.md §3.2) and the main log's line format
 * (docs/supervisord.md §3.3).
 */
#include "config.h"

#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "test_hooks.h"
#include "xmalloc.h"

static char dir[] = "/tmp/sth-logfile-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char *cmd;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	strcpy(dir + strlen(dir) - 6, "XXXXXX");
}

static char *
path_in(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

/* Size of dir/name, or -1 if it does not exist. */
static long long
size_of(const char *name)
{
	struct stat st;
	char *p = path_in(name);
	int r = stat(p, &st);

	free(p);
	return r == -1 ? -1 : (long long)st.st_size;
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	cr_assert_neq(fd, -1, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof buf - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

TestSuite(logfile, .init = setup, .fini = teardown);

/* The case of docs/supervisord.md §3.2: 1 KB and 2 backups, 120-byte writes,
 * 18 of them. */
Test(logfile, rotates_after_the_write_that_reaches_maxbytes)
{
	char *p = path_in("rot.log"), *err = NULL, chunk[120];
	struct logfile *lf;
	int i;

	memset(chunk, 'x', sizeof chunk);
	lf = logfile_open(p, 1024, 2, &err);
	cr_assert_not_null(lf, "%s", err);
	for (i = 0; i < 8; i++)
		cr_assert_eq(logfile_write(lf, chunk, sizeof chunk), 120);
	cr_assert_eq(size_of("rot.log"), 960, "below maxbytes: no rotation");
	cr_assert_eq(size_of("rot.log.1"), -1);
	cr_assert_eq(logfile_write(lf, chunk, sizeof chunk), 120);
	/* 1080 >= 1024: the whole write went to the old file, then it
	 * rotated; the file can exceed maxbytes by up to one write. */
	cr_assert_eq(size_of("rot.log"), 0);
	cr_assert_eq(size_of("rot.log.1"), 1080);
	cr_assert_eq(logfile_size(lf), 0);
	for (i = 0; i < 9; i++)
		logfile_write(lf, chunk, sizeof chunk);
	cr_assert_eq(size_of("rot.log"), 0);
	cr_assert_eq(size_of("rot.log.1"), 1080);
	cr_assert_eq(size_of("rot.log.2"), 1080);
	/* A third rotation drops the oldest: never a .3. */
	for (i = 0; i < 9; i++)
		logfile_write(lf, chunk, sizeof chunk);
	cr_assert_eq(size_of("rot.log.3"), -1);
	cr_assert_eq(size_of("rot.log.2"), 1080);
	logfile_close(lf);
	free(p);
}

Test(logfile, backups_move_down_in_order)
{
	char *p = path_in("order.log"), *err = NULL;
	struct logfile *lf;

	lf = logfile_open(p, 4, 3, &err);
	cr_assert_not_null(lf, "%s", err);
	logfile_write(lf, "aaaa", 4);
	logfile_write(lf, "bbbb", 4);
	logfile_write(lf, "cccc", 4);
	logfile_close(lf);
	free(p);
	p = path_in("order.log.1");
	cr_assert_str_eq(slurp(p), "cccc");
	free(p);
	p = path_in("order.log.2");
	cr_assert_str_eq(slurp(p), "bbbb");
	free(p);
	p = path_in("order.log.3");
	cr_assert_str_eq(slurp(p), "aaaa");
	free(p);
}

Test(logfile, backups_zero_truncates)
{
	char *p = path_in("trunc.log"), *err = NULL;
	struct logfile *lf;

	lf = logfile_open(p, 10, 0, &err);
	cr_assert_not_null(lf, "%s", err);
	logfile_write(lf, "12345", 5);
	cr_assert_eq(size_of("trunc.log"), 5);
	logfile_write(lf, "678901", 6);
	cr_assert_eq(size_of("trunc.log"), 0, "data is lost, as supervisord");
	cr_assert_eq(size_of("trunc.log.1"), -1, "no backup with backups=0");
	logfile_write(lf, "abc", 3);
	cr_assert_str_eq(slurp(p), "abc");
	logfile_close(lf);
	free(p);
}

Test(logfile, maxbytes_zero_never_rotates)
{
	char *p = path_in("plain.log"), *err = NULL, chunk[4096];
	struct logfile *lf;
	int i;

	memset(chunk, 'y', sizeof chunk);
	lf = logfile_open(p, 0, 5, &err);
	cr_assert_not_null(lf, "%s", err);
	for (i = 0; i < 64; i++)
		cr_assert_eq(logfile_write(lf, chunk, sizeof chunk), 4096);
	cr_assert_eq(size_of("plain.log"), 64 * 4096);
	cr_assert_eq(size_of("plain.log.1"), -1);
	logfile_close(lf);
	free(p);
}

Test(logfile, appends_to_an_existing_file)
{
	char *p = path_in("app.log"), *err = NULL;
	struct logfile *lf;
	FILE *f;

	f = fopen(p, "w");
	fputs("old\n", f);
	fclose(f);
	lf = logfile_open(p, 6, 1, &err);
	cr_assert_not_null(lf, "%s", err);
	cr_assert_eq(logfile_size(lf), 4);
	logfile_write(lf, "new\n", 4);
	/* 8 >= 6: the existing bytes count toward maxbytes. */
	cr_assert_eq(size_of("app.log"), 0);
	cr_assert_eq(size_of("app.log.1"), 8);
	logfile_close(lf);
	free(p);
}

/* A pipe, like /dev/stdout under docker: never seeks, never renamed. */
Test(logfile, a_pipe_is_never_rotated)
{
	char *err = NULL, *path, buf[64];
	struct logfile *lf;
	int fds[2];
	ssize_t n;

	cr_assert_eq(pipe(fds), 0);
	xasprintf(&path, "/proc/self/fd/%d", fds[1]);
	lf = logfile_open(path, 4, 2, &err);
	cr_assert_not_null(lf, "%s", err);
	cr_assert_eq(logfile_write(lf, "hello\n", 6), 6);
	cr_assert_eq(logfile_write(lf, "again\n", 6), 6);
	n = read(fds[0], buf, sizeof buf);
	cr_assert_eq(n, 12);
	cr_assert_eq(memcmp(buf, "hello\nagain\n", 12), 0);
	logfile_close(lf);
	close(fds[0]);
	close(fds[1]);
	free(path);
}

Test(logfile, reopen_follows_an_external_rename)
{
	char *p = path_in("r.log"), *moved = path_in("r.log.moved");
	char *err = NULL;
	struct logfile *lf;

	lf = logfile_open(p, 0, 0, &err);
	cr_assert_not_null(lf, "%s", err);
	logfile_write(lf, "one\n", 4);
	cr_assert_eq(rename(p, moved), 0);
	logfile_write(lf, "two\n", 4);	/* still the moved file */
	cr_assert_eq(logfile_reopen(lf), 0);
	logfile_write(lf, "three\n", 6);
	cr_assert_str_eq(slurp(moved), "one\ntwo\n");
	cr_assert_str_eq(slurp(p), "three\n");
	logfile_close(lf);
	free(p);
	free(moved);
}

Test(logfile, clear_truncates_and_keeps_backups)
{
	char *p = path_in("c.log"), *err = NULL;
	struct logfile *lf;

	lf = logfile_open(p, 4, 1, &err);
	cr_assert_not_null(lf, "%s", err);
	logfile_write(lf, "1234", 4);	/* rotates */
	logfile_write(lf, "56", 2);
	cr_assert_eq(logfile_clear(lf), 0);
	cr_assert_eq(size_of("c.log"), 0);
	cr_assert_eq(size_of("c.log.1"), 4);
	logfile_write(lf, "7", 1);
	cr_assert_str_eq(slurp(p), "7");
	logfile_close(lf);
	free(p);
}

Test(logfile, missing_directory_is_an_error)
{
	char *err = NULL;

	cr_assert_null(logfile_open("/nonexistent-dir/x.log", 0, 0, &err));
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err, "/nonexistent-dir/x.log"), "%s", err);
	free(err);
}

/* --- log.c --------------------------------------------------------- */

Test(logfile, main_log_format_levels_and_early_messages)
{
	char *p = path_in("main.log"), *err = NULL, *text;
	regex_t re;
	int r;

	log_msg(STH_LOG_INFO, "before open %d", 1);
	log_msg(STH_LOG_DEBG, "early debug, filtered at open");
	cr_assert_eq(log_open(p, 0, 0, STH_LOG_INFO, 0, &err), 0, "%s", err);
	cr_assert_str_eq(log_path(), p);
	log_crit("crit");
	log_error("err");
	log_warn("warn");
	log_info("info");
	log_debug("hidden");
	log_set_level(STH_LOG_BLAT);
	log_debug("debug");
	log_trace("trace");
	log_blather("blather");
	errno = ENOENT;
	log_errno(STH_LOG_WARN, "open %s", "x");
	log_close();
	text = slurp(p);
	r = regcomp(&re, "^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:"
	    "[0-9]{2},[0-9]{3} (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) [^\n]+\n)+$",
	    REG_EXTENDED);
	cr_assert_eq(r, 0);
	cr_assert_eq(regexec(&re, text, 0, NULL, 0), 0, "bad format:\n%s",
	    text);
	regfree(&re);
	cr_assert_not_null(strstr(text, " INFO before open 1\n"), "%s", text);
	cr_assert_null(strstr(text, "early debug"), "%s", text);
	cr_assert_null(strstr(text, "hidden"), "%s", text);
	cr_assert_not_null(strstr(text, " CRIT crit\n"));
	cr_assert_not_null(strstr(text, " ERRO err\n"));
	cr_assert_not_null(strstr(text, " WARN warn\n"));
	cr_assert_not_null(strstr(text, " DEBG debug\n"));
	cr_assert_not_null(strstr(text, " TRAC trace\n"));
	cr_assert_not_null(strstr(text, " BLAT blather\n"));
	cr_assert_not_null(strstr(text, " WARN open x: No such file or "
	    "directory\n"), "%s", text);
	/* The early message comes first. */
	cr_assert_eq(strstr(text, "before open") - text, 29);
	free(p);
}

Test(logfile, main_log_stdout_needs_maxbytes_zero)
{
	char *err = NULL;

	cr_assert_eq(log_open("/dev/stdout", 1024, 1, STH_LOG_INFO, 0, &err),
	    -1);
	cr_assert_not_null(strstr(err, "logfile_maxbytes"), "%s", err);
	free(err);
}

Test(logfile, level_names)
{
	cr_assert_str_eq(log_level_name(STH_LOG_CRIT), "CRIT");
	cr_assert_str_eq(log_level_name(STH_LOG_ERRO), "ERRO");
	cr_assert_str_eq(log_level_name(STH_LOG_WARN), "WARN");
	cr_assert_str_eq(log_level_name(STH_LOG_INFO), "INFO");
	cr_assert_str_eq(log_level_name(STH_LOG_DEBG), "DEBG");
	cr_assert_str_eq(log_level_name(STH_LOG_TRAC), "TRAC");
	cr_assert_str_eq(log_level_name(STH_LOG_BLAT), "BLAT");
}
