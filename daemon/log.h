/*
 * log.h — the main (activity) log, in supervisord's exact format
 * (docs/supervisord.md §3.3): `YYYY-MM-DD HH:MM:SS,mmm LEVL message\n`, local
 * time.
 *
 * Ownership: log.c owns the open log file; callers pass borrowed strings.
 * Before log_open() succeeds, messages are kept in memory and replayed into
 * the log when it opens (supervisord replays parse messages the same way);
 * if the daemon exits first, they go to stderr.
 */
#ifndef STHENO_LOG_H
#define STHENO_LOG_H

#include <stdarg.h>
#include <stheno/host.h>	/* STH_LOG_* levels */

/*
 * Open the main log.  path may be "/dev/stdout" (then maxbytes must be 0),
 * or "syslog".  If to_stdout, every line is also copied to stdout (nodaemon
 * and not silent).  Returns -1 and sets *err (malloc'd) on failure.
 */
int log_open(const char *path, long long maxbytes, int backups, int level,
	     int to_stdout, char **err);
void log_set_level(int level);
/* Reopen after SIGUSR2 (external logrotate). */
void log_reopen(void);
void log_close(void);
const char *log_path(void);	/* the path in force, or NULL */

void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* log_msg with ": <strerror(errno)>" appended: for failed syscalls. */
void log_errno(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int log_enabled(int level);
/*
 * A fatal end: reason as a CRIT line in the main log (or syslog), and if
 * the log never opened, the lines kept so far on stderr.  No allocation,
 * no stdio: callable when memory ran out.  The caller then aborts.
 */
void log_fatal(const char *reason);
/* From now on SIGABRT, SIGSEGV, SIGBUS, SIGFPE and SIGILL leave a CRIT
 * line in the main log (unless log_fatal wrote one) before the handler
 * that was in place (the default, or a sanitizer's) ends the process. */
void log_catch_crashes(void);
/* "CRIT", "ERRO", ... for a level number. */
const char *log_level_name(int level);

#define log_crit(...) log_msg(STH_LOG_CRIT, __VA_ARGS__)
#define log_error(...) log_msg(STH_LOG_ERRO, __VA_ARGS__)
#define log_warn(...) log_msg(STH_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(STH_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(STH_LOG_DEBG, __VA_ARGS__)
#define log_trace(...) log_msg(STH_LOG_TRAC, __VA_ARGS__)
#define log_blather(...) log_msg(STH_LOG_BLAT, __VA_ARGS__)

#endif
