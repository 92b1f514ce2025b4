/*
 * test_fatal.c — every fatal end leaves its reason in the main log
 * (daemon/log.c log_fatal, log_catch_crashes; lib/xmalloc.c): a
 * daemonized sthenod's stderr is /dev/null, so the log is the only place a
 * reason can be read.  Each case ends a forked child and reads its log.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char dir[] = "/tmp/sth-fatal-XXXXXX";
static char logpath[256], errpath[256];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(logpath, sizeof logpath, "%s/main.log", dir);
	snprintf(errpath, sizeof errpath, "%s/stderr", dir);
}

static void
teardown(void)
{
	unlink(logpath);
	unlink(errpath);
	rmdir(dir);
}

TestSuite(fatal, .init = setup, .fini = teardown);

static char *
slurp(const char *path)
{
	static char buf[8192];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) == -1)
		return buf;
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

#define EXITED_NONZERO 1000

/* Run fn in a child whose stderr is errpath (with the main log open at
 * logpath if open_log); the signal that ended it, 0 if it exited 0, or
 * EXITED_NONZERO. */
static int
end_child(void (*fn)(void), int open_log)
{
	char *err = NULL;
	pid_t pid;
	int st, fd;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDERR_FILENO);
		log_catch_crashes();
		if (open_log && log_open(logpath, 0, 0, STH_LOG_INFO, 0,
		    &err) == -1)
			_exit(3);
		log_info("before the end");
		fn();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st))	/* a sanitizer's handler ends with exit(1) */
		return WEXITSTATUS(st) == 0 ? 0 : EXITED_NONZERO;
	return WTERMSIG(st);
}

/* The CRIT line's stamp is local time, now. */
static void
assert_stamp_now(const char *line)
{
	struct tm tm;
	time_t t, now = time(NULL);

	memset(&tm, 0, sizeof tm);
	cr_assert_not_null(strptime(line, "%Y-%m-%d %H:%M:%S,", &tm),
	    "no timestamp in %s", line);
	tm.tm_isdst = -1;
	t = mktime(&tm);
	cr_assert(t >= now - 60 && t <= now + 1, "stamp %s is not now", line);
}

static void
do_fatalx(void)
{
	fatalx("the table lost process %d", 42);
}

Test(fatal, fatalx_writes_its_reason_to_the_main_log)
{
	const char *log, *crit;

	cr_assert_eq(end_child(do_fatalx, 1), SIGABRT);
	log = slurp(logpath);
	cr_assert_not_null(strstr(log, "INFO before the end\n"), "%s", log);
	crit = strstr(log, " CRIT sthenod: fatal at ");
	cr_assert_not_null(crit, "no CRIT line in:\n%s", log);
	cr_assert_not_null(strstr(crit, ": the table lost process 42\n"),
	    "%s", log);
	assert_stamp_now(crit - 23);
	/* one reason only: the SIGABRT that follows is not logged again */
	cr_assert_null(strstr(log, "SIGABRT"), "%s", log);
	cr_assert_not_null(strstr(slurp(errpath), "the table lost process 42"));
}

static void
do_xmalloc(void)
{
	/* more than any address space holds: malloc fails at once */
	(void)xmalloc(SIZE_MAX / 2);
}

Test(fatal, failed_allocation_writes_its_size_to_the_main_log)
{
	const char *log;

#ifdef UNDER_ASAN
	cr_skip_test("AddressSanitizer reports an oversized malloc itself");
#endif
	cr_assert_eq(end_child(do_xmalloc, 1), SIGABRT);
	log = slurp(logpath);
	cr_assert_not_null(strstr(log, " CRIT sthenod: fatal at "), "%s", log);
	cr_assert_not_null(strstr(log, "xmalloc: allocating 9223372036854775807 "
	    "bytes\n"), "%s", log);
}

static void
do_abort(void)
{
	/* what a plugin's allocation wrapper or a library does */
	abort();
}

Test(fatal, abort_elsewhere_is_logged)
{
	const char *log, *crit;

	cr_assert_eq(end_child(do_abort, 1), SIGABRT);
	log = slurp(logpath);
	crit = strstr(log, " CRIT sthenod: aborted (SIGABRT)\n");
	cr_assert_not_null(crit, "%s", log);
	assert_stamp_now(crit - 23);
}

static void
do_kill_segv(void)
{
	kill(getpid(), SIGSEGV);
	/* a sent SIGSEGV must end the process too, not return here */
	_exit(0);
}

Test(fatal, crash_signal_is_logged_and_still_ends_the_process)
{
	const char *log;

#ifdef UNDER_ASAN
	/* the handler before ours is AddressSanitizer's: it reports, exits 1 */
	cr_assert_eq(end_child(do_kill_segv, 1), EXITED_NONZERO);
#else
	cr_assert_eq(end_child(do_kill_segv, 1), SIGSEGV);
#endif
	log = slurp(logpath);
	cr_assert_not_null(strstr(log, " CRIT sthenod: crashed (SIGSEGV)\n"),
	    "%s", log);
}

Test(fatal, before_the_log_opens_the_reason_and_early_lines_reach_stderr)
{
	const char *err;

	cr_assert_eq(end_child(do_fatalx, 0), SIGABRT);
	err = slurp(errpath);
	cr_assert_not_null(strstr(err, "INFO before the end\n"), "%s", err);
	cr_assert_not_null(strstr(err, "the table lost process 42"), "%s", err);
}
