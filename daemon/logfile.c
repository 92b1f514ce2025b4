/*
 * logfile.c — an append-only file with supervisord's size rotation
 * (logfile.h; docs/supervisord.md §3.2).  The main log (log.c) and every child
 * log (proc_io.c) write through it.
 *
 * "/dev/stdout" and "/dev/stderr" are duplicates of fds 1 and 2 rather
 * than opens of the /dev paths, so that they also work when those fds are
 * sockets (systemd's journal), where open(2) fails with ENXIO.  Only a
 * regular file is ever rotated: renaming a device or a FIFO would be wrong
 * whatever maxbytes says.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logfile.h"
#include "test_hooks.h"
#include "xmalloc.h"

struct logfile {
	char *path;
	int fd;			/* -1 after a failed reopen */
	long long maxbytes;	/* 0: never rotate, never seek */
	int backups;
	long long size;		/* position in a regular file, else count */
	int regular;		/* the target is a regular file */
};

/* Targets that are an existing fd of ours, not a file to open. */
static const struct {
	const char *path;
	int fd;
} logfile_stdfds[] = {
	{ "/dev/stdout", STDOUT_FILENO },
	{ "/dev/stderr", STDERR_FILENO },
};

static int
logfile_open_fd(struct logfile *lf, int trunc)
{
	struct stat st;
	size_t i;
	int fd = -1, flags;

	for (i = 0; i < sizeof logfile_stdfds / sizeof logfile_stdfds[0]; i++) {
		if (strcmp(lf->path, logfile_stdfds[i].path) == 0) {
			fd = fcntl(logfile_stdfds[i].fd, F_DUPFD_CLOEXEC, 3);
			if (fd == -1)
				return -1;
			break;
		}
	}
	if (fd == -1) {
		flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY;
		if (trunc)
			flags |= O_TRUNC;
		if ((fd = open(lf->path, flags, 0666)) == -1)
			return -1;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	lf->fd = fd;
	lf->regular = S_ISREG(st.st_mode);
	lf->size = lf->regular ? (long long)st.st_size : 0;
	return 0;
}

struct logfile *
logfile_open(const char *path, long long maxbytes, int backups, char **err)
{
	struct logfile *lf;

	if (maxbytes < 0 || backups < 0) {
		xasprintf(err, "%s: negative maxbytes or backups", path);
		return NULL;
	}
	lf = xcalloc(1, sizeof *lf);
	lf->path = xstrdup(path);
	lf->maxbytes = maxbytes;
	lf->backups = backups;
	if (logfile_open_fd(lf, 0) == -1) {
		xasprintf(err, "could not open %s: %s", path, strerror(errno));
		free(lf->path);
		free(lf);
		return NULL;
	}
	return lf;
}

/* Wait until fd can take more bytes (a non-blocking pipe or tty). */
static int
logfile_wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	for (;;) {
		if (poll(&pfd, 1, -1) >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/*
 * Write all of p, or nothing: when a regular file takes part of it and then
 * fails (ENOSPC), the part is cut off again, so that the next write starts
 * where this one did (a main-log line is never glued to a partial one).
 */
static int
logfile_write_all(struct logfile *lf, const char *p, size_t len)
{
	size_t done = 0;
	ssize_t n;
	off_t end;
	int e;

	while (done < len) {
		n = write(lf->fd, p + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    logfile_wait_writable(lf->fd) == 0)
				continue;
			e = errno;
			if (lf->regular && done > 0 &&
			    (end = lseek(lf->fd, 0, SEEK_CUR)) != (off_t)-1)
				(void)!ftruncate(lf->fd, end - (off_t)done);
			errno = e;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* base.N-1 -> base.N ... base -> base.1, reopen base empty. */
static int
logfile_rotate(struct logfile *lf)
{
	char *from, *to;
	int i;

	close(lf->fd);
	lf->fd = -1;
	for (i = lf->backups - 1; i >= 1; i--) {
		xasprintf(&from, "%s.%d", lf->path, i);
		xasprintf(&to, "%s.%d", lf->path, i + 1);
		(void)rename(from, to);		/* ENOENT: no such backup yet */
		free(from);
		free(to);
	}
	if (lf->backups > 0) {
		xasprintf(&to, "%s.1", lf->path);
		(void)rename(lf->path, to);
		free(to);
	}
	return logfile_open_fd(lf, 1);
}

ssize_t
logfile_write(struct logfile *lf, const void *buf, size_t len)
{
	off_t pos;

	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (lf->fd == -1 && logfile_open_fd(lf, 0) == -1)
		return -1;
	if (logfile_write_all(lf, buf, len) == -1)
		return -1;
	if (lf->regular && lf->maxbytes > 0 &&
	    (pos = lseek(lf->fd, 0, SEEK_CUR)) != (off_t)-1)
		lf->size = (long long)pos;
	else
		lf->size += (long long)len;
	if (lf->regular && lf->maxbytes > 0 && lf->size >= lf->maxbytes &&
	    logfile_rotate(lf) == -1)
		return -1;
	return (ssize_t)len;
}

int
logfile_reopen(struct logfile *lf)
{
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = -1;
	return logfile_open_fd(lf, 0);
}

int
logfile_clear(struct logfile *lf)
{
	if (lf->fd == -1 && logfile_open_fd(lf, 0) == -1)
		return -1;
	if (!lf->regular)
		return 0;
	if (ftruncate(lf->fd, 0) == -1)
		return -1;
	lf->size = 0;
	return 0;
}

int
logfile_clear_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	return truncate(path, 0);
}

const char *
logfile_path(const struct logfile *lf)
{
	return lf->path;
}

long long
logfile_size(const struct logfile *lf)
{
	return lf->size;
}

void
logfile_close(struct logfile *lf)
{
	if (lf == NULL)
		return;
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->path);
	free(lf);
}
