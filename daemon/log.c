/*
 * log.c — the main (activity) log (log.h; docs/supervisord.md §3.3).
 *
 * One line per message, `YYYY-MM-DD HH:MM:SS,mmm LEVL message\n` in local
 * time, written through logfile.c (so rotation is the child logs' own), or
 * to syslog(3) when the path is "syslog".  Until log_open() succeeds every
 * message is kept in memory with the time it was logged; log_open() writes
 * those at or above the level, and if the process exits before any log
 * opens they go to stderr, so a startup failure is never silent.
 *
 * A fatal end (fatalx, an allocation that fails, abort(3) in a plugin or a
 * library, a crash signal) writes its reason to the main log before the
 * process ends: stderr is /dev/null once daemonized.  That path allocates
 * nothing and calls no stdio or localtime (the crash may hold their locks):
 * the line is formatted by hand with the UTC offset seen when the log
 * opened or a line was last logged, and written to the log's path opened
 * afresh.
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "xmalloc.h"

/* supervisord's level numbers and four-letter names (docs/supervisord.md
 * §3.3). */
static const struct {
	int level;
	const char *name;
	int syslog_prio;
} log_levels[] = {
	{ STH_LOG_CRIT, "CRIT", LOG_CRIT },
	{ STH_LOG_ERRO, "ERRO", LOG_ERR },
	{ STH_LOG_WARN, "WARN", LOG_WARNING },
	{ STH_LOG_INFO, "INFO", LOG_INFO },
	{ STH_LOG_DEBG, "DEBG", LOG_DEBUG },
	{ STH_LOG_TRAC, "TRAC", LOG_DEBUG },
	{ STH_LOG_BLAT, "BLAT", LOG_DEBUG },
};
#define LOG_NLEVELS (sizeof log_levels / sizeof log_levels[0])

/* A line logged before the log opened. */
struct log_pending {
	int level;
	char *line;		/* full line, timestamp and newline included */
	struct log_pending *next;
};

static struct {
	struct logfile *file;	/* NULL: not open, or syslog */
	char *path;		/* the path in force */
	int is_syslog;
	int opened;		/* log_open succeeded at least once */
	int level;
	int to_stdout;
	struct log_pending *pending, **pending_tail;
	int atexit_set;
	long gmtoff;		/* local time's, at open or last line */
	volatile sig_atomic_t crash_logged;
} log_state = {
	.level = STH_LOG_INFO,
};

const char *
log_level_name(int level)
{
	size_t i;

	for (i = 0; i < LOG_NLEVELS; i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	/* An odd number: the name of the nearest level at or below it. */
	for (i = 0; i < LOG_NLEVELS; i++)
		if (log_levels[i].level < level)
			return log_levels[i].name;
	return "BLAT";
}

static int
log_syslog_prio(int level)
{
	size_t i;

	for (i = 0; i < LOG_NLEVELS; i++)
		if (log_levels[i].level <= level)
			return log_levels[i].syslog_prio;
	return LOG_DEBUG;
}

int
log_enabled(int level)
{
	/* Before the log opens, everything is kept: the level is not known. */
	return !log_state.opened || level >= log_state.level;
}

void
log_set_level(int level)
{
	log_state.level = level;
}

const char *
log_path(void)
{
	return log_state.path;
}

static void
log_write_fd(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* Deliver one formatted line (already level-filtered). */
static void
log_emit(int level, const char *line, size_t len)
{
	int saved = errno;
	const char *msg;

	if (log_state.is_syslog) {
		/* syslog stamps its own time: send "LEVL message". */
		msg = strchr(line, ' ');
		msg = msg != NULL ? strchr(msg + 1, ' ') : NULL;
		msg = msg != NULL ? msg + 1 : line;
		syslog(log_syslog_prio(level), "%.*s", (int)(len -
		    (size_t)(msg - line) - 1), msg);
	} else if (log_state.file != NULL &&
	    logfile_write(log_state.file, line, len) == -1) {
		/* Nowhere better to say it than stderr (/dev/null once
		 * daemonized). */
		fprintf(stderr, "sthenod: cannot write the log %s: %s\n",
		    log_state.path, strerror(errno));
	}
	if (log_state.to_stdout)
		log_write_fd(STDOUT_FILENO, line, len);
	errno = saved;
}

static void
log_flush_pending_stderr(void)
{
	struct log_pending *p;

	if (log_state.opened)
		return;
	for (p = log_state.pending; p != NULL; p = p->next)
		if (p->level >= log_state.level)
			log_write_fd(STDERR_FILENO, p->line, strlen(p->line));
}

static void
log_keep(int level, char *line)
{
	struct log_pending *p;

	if (!log_state.atexit_set) {
		atexit(log_flush_pending_stderr);
		log_state.atexit_set = 1;
	}
	if (log_state.pending_tail == NULL)
		log_state.pending_tail = &log_state.pending;
	p = xcalloc(1, sizeof *p);
	p->level = level;
	p->line = line;
	*log_state.pending_tail = p;
	log_state.pending_tail = &p->next;
}

static void
log_pending_free(void)
{
	struct log_pending *p, *next;

	for (p = log_state.pending; p != NULL; p = next) {
		next = p->next;
		free(p->line);
		free(p);
	}
	log_state.pending = NULL;
	log_state.pending_tail = NULL;
}

/*
 * "YYYY-MM-DD HH:MM:SS" of the second last stamped: localtime_r and
 * strftime run once a second, not once a line (a listener pool that
 * overflows logs a line per event discarded, tens of thousands a second).
 */
static struct {
	time_t sec;
	char text[32];
	size_t len;
} log_stamp = { .sec = -1 };

/* "YYYY-MM-DD HH:MM:SS,mmm LEVL " for now at p (room for 64 bytes): its
 * length. */
static size_t
log_prefix(char *p, int level)
{
	struct timeval tv;
	struct tm tm;
	const char *name = log_level_name(level);
	size_t n, nl = strlen(name);
	unsigned int ms;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != log_stamp.sec) {
		localtime_r(&tv.tv_sec, &tm);
		log_stamp.len = strftime(log_stamp.text,
		    sizeof log_stamp.text, "%Y-%m-%d %H:%M:%S", &tm);
		log_stamp.sec = tv.tv_sec;
		log_state.gmtoff = tm.tm_gmtoff;
	}
	n = log_stamp.len;
	memcpy(p, log_stamp.text, n);
	ms = (unsigned int)(tv.tv_usec / 1000);
	p[n++] = ',';
	p[n++] = (char)('0' + ms / 100);
	p[n++] = (char)('0' + ms / 10 % 10);
	p[n++] = (char)('0' + ms % 10);
	p[n++] = ' ';
	memcpy(p + n, name, nl);
	n += nl;
	p[n++] = ' ';
	return n;
}

/* One line formatted into a buffer on the stack (the heap only for a long
 * one) and written at once. */
void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char buf[1024], *line = buf;
	size_t plen;
	va_list ap2;
	int mlen;

	if (!log_enabled(level))
		return;
	plen = log_prefix(buf, level);
	va_copy(ap2, ap);
	mlen = vsnprintf(buf + plen, sizeof buf - plen, fmt, ap2);
	va_end(ap2);
	if (mlen < 0)
		return;		/* EOVERFLOW: a message over 2 GiB */
	if (plen + (size_t)mlen + 2 > sizeof buf) {
		line = xmalloc(plen + (size_t)mlen + 2);
		memcpy(line, buf, plen);
		if (vsnprintf(line + plen, (size_t)mlen + 1, fmt, ap) != mlen)
			fatalx("log: vsnprintf changed its mind");
	}
	line[plen + (size_t)mlen] = '\n';
	line[plen + (size_t)mlen + 1] = '\0';
	if (!log_state.opened) {
		log_keep(level, line == buf ? xstrdup(buf) : line);
		return;
	}
	log_emit(level, line, plen + (size_t)mlen + 1);
	if (line != buf)
		free(line);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_errno(int level, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int saved = errno;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_msg(level, "%s: %s", msg, strerror(saved));
	free(msg);
	errno = saved;
}

/* The local time's offset from UTC now (for log_crash's stamps). */
static long
log_gmtoff_now(void)
{
	struct tm tm;
	time_t now = time(NULL);

	localtime_r(&now, &tm);
	return tm.tm_gmtoff;
}

int
log_open(const char *path, long long maxbytes, int backups, int level,
    int to_stdout, char **err)
{
	struct logfile *lf = NULL;
	struct log_pending *p;
	int is_syslog;

	is_syslog = strcmp(path, "syslog") == 0;
	if (!is_syslog && maxbytes != 0 && (strcmp(path, "/dev/stdout") == 0 ||
	    strcmp(path, "/dev/stderr") == 0)) {
		xasprintf(err, "logfile %s cannot be rotated: set "
		    "logfile_maxbytes = 0 for it", path);
		return -1;
	}
	if (!is_syslog && (lf = logfile_open(path, maxbytes, backups,
	    err)) == NULL)
		return -1;
	log_close();
	log_state.file = lf;
	log_state.path = xstrdup(path);
	log_state.is_syslog = is_syslog;
	if (is_syslog)
		openlog("sthenod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_state.level = level;
	log_state.gmtoff = log_gmtoff_now();
	/* A log that is stdout already needs no copy on stdout. */
	log_state.to_stdout = to_stdout && strcmp(path, "/dev/stdout") != 0;
	log_state.opened = 1;
	for (p = log_state.pending; p != NULL; p = p->next)
		if (p->level >= level)
			log_emit(p->level, p->line, strlen(p->line));
	log_pending_free();
	return 0;
}

void
log_reopen(void)
{
	if (log_state.file != NULL && logfile_reopen(log_state.file) == -1)
		fprintf(stderr, "sthenod: cannot reopen the log %s: %s\n",
		    log_state.path, strerror(errno));
}

/*
 * Close the log.  Later messages are kept in memory again (and reach
 * stderr at exit) until the next log_open(), as a SIGHUP reload does.
 */
void
log_close(void)
{
	if (log_state.file != NULL)
		logfile_close(log_state.file);
	if (log_state.is_syslog)
		closelog();
	free(log_state.path);
	log_state.file = NULL;
	log_state.path = NULL;
	log_state.is_syslog = 0;
	log_state.opened = 0;
}

/* --- fatal ends ------------------------------------------------------ */

/* v in decimal, zero-padded to width, at p; returns the end. */
static char *
crash_num(char *p, unsigned long long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof tmp);
	while (n < width--)
		*p++ = '0';
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* "YYYY-MM-DD HH:MM:SS,mmm " for now, local time by the offset last seen
 * (days to civil date: Howard Hinnant's algorithm). */
static char *
crash_stamp(char *p)
{
	struct timespec ts;
	long long t, days, z, era, doe, yoe, doy, mp, y, m, d, sec;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (long long)ts.tv_sec + log_state.gmtoff;
	days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	sec = t - days * 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	p = crash_num(p, (unsigned long long)y, 4);
	*p++ = '-';
	p = crash_num(p, (unsigned long long)m, 2);
	*p++ = '-';
	p = crash_num(p, (unsigned long long)d, 2);
	*p++ = ' ';
	p = crash_num(p, (unsigned long long)(sec / 3600), 2);
	*p++ = ':';
	p = crash_num(p, (unsigned long long)(sec / 60 % 60), 2);
	*p++ = ':';
	p = crash_num(p, (unsigned long long)(sec % 60), 2);
	*p++ = ',';
	p = crash_num(p, (unsigned long long)(ts.tv_nsec / 1000000), 3);
	*p++ = ' ';
	return p;
}

/* Async-signal-safe: the CRIT line to the log file and stdout copy. */
static void
log_crash_write(const char *reason)
{
	char line[1024], *p = line, *end = line + sizeof line - 1;
	size_t n;
	int fd;

	p = crash_stamp(p);
	memcpy(p, "CRIT ", 5);
	p += 5;
	n = strlen(reason);
	if (n > (size_t)(end - p))
		n = (size_t)(end - p);
	memcpy(p, reason, n);
	p += n;
	*p++ = '\n';
	if (log_state.opened && log_state.path != NULL &&
	    !log_state.is_syslog &&
	    (fd = open(log_state.path, O_WRONLY | O_APPEND | O_NOCTTY |
	    O_CLOEXEC)) != -1) {
		log_write_fd(fd, line, (size_t)(p - line));
		close(fd);
	}
	if (log_state.to_stdout)
		log_write_fd(STDOUT_FILENO, line, (size_t)(p - line));
}

void
log_fatal(const char *reason)
{
	log_state.crash_logged = 1;
	if (log_state.is_syslog)
		syslog(LOG_CRIT, "%s", reason);
	else
		log_crash_write(reason);
	/* not open yet: what was kept goes to stderr with the reason */
	log_flush_pending_stderr();
}

/* --- crash signals --------------------------------------------------- */

static const struct {
	int sig;
	const char *reason;
} log_crash_sigs[] = {
	{ SIGABRT, "sthenod: aborted (SIGABRT)" },
	{ SIGSEGV, "sthenod: crashed (SIGSEGV)" },
	{ SIGBUS, "sthenod: crashed (SIGBUS)" },
	{ SIGFPE, "sthenod: crashed (SIGFPE)" },
	{ SIGILL, "sthenod: crashed (SIGILL)" },
};
#define LOG_NCRASH (sizeof log_crash_sigs / sizeof log_crash_sigs[0])
static struct sigaction log_crash_old[LOG_NCRASH];

static void
log_on_crash(int sig, siginfo_t *si, void *uctx)
{
	int saved = errno;
	size_t i;

	for (i = 0; i < LOG_NCRASH; i++) {
		if (log_crash_sigs[i].sig != sig)
			continue;
		if (!log_state.crash_logged)
			log_crash_write(log_crash_sigs[i].reason);
		log_state.crash_logged = 1;
		/* whoever handled it before (the default, a sanitizer) ends
		 * the process: a fault re-faults when we return, a signal
		 * sent (abort's, kill's) is sent again */
		sigaction(sig, &log_crash_old[i], NULL);
		/* PID 1 ignores a signal it raises without a handler: end
		 * with the status a shell would show (sthenod(8)) */
		if ((sig == SIGABRT || si == NULL || si->si_code <= 0) &&
		    getpid() == 1)
			_exit(128 + sig);
		if (sig == SIGABRT || si == NULL || si->si_code <= 0)
			raise(sig);
	}
	errno = saved;
}

void
log_catch_crashes(void)
{
	struct sigaction sa;
	size_t i;

	/* fatalx and a failed allocation (lib/xmalloc.c) say why here first */
	xmalloc_on_fatal(log_fatal);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = log_on_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	for (i = 0; i < LOG_NCRASH; i++)
		sigaction(log_crash_sigs[i].sig, &sa, &log_crash_old[i]);
}
