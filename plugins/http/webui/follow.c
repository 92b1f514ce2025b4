/*
 * follow.c — follow one log file as supervisor's tail_f_producer does, and
 * as `supervisorctl tail -f` and `fg` expect (docs/supervisord.md §7.3): start
 * with the last `head` bytes, then send what is appended; a new file at the
 * path (rotation: renamed and recreated, or deleted and recreated by
 * clearProcessLogs) is followed from its first byte once the old one has
 * been read to its end; a file that shrank (truncation) yields
 * "==> File truncated <==\n" and is read again from 0.  A path that is
 * gone keeps the old descriptor until something reappears there.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "webui.h"

/* Open path and position at its last head bytes: 0, or -1 with errno. */
int
wu_follow_open(struct wu_follow *f, const char *path, off_t head)
{
	struct stat st;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (fstat(f->fd, &st) == -1) {
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	f->path = xstrdup(path);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pos = st.st_size >= head ? st.st_size - head : 0;
	return 0;
}

/* Append up to max bytes of fd from f->pos to out; bytes read or -1. */
static ssize_t
follow_pread(struct wu_follow *f, struct dbuf *out, size_t max)
{
	char buf[16384];
	size_t total = 0;
	ssize_t n;

	while (total < max) {
		n = pread(f->fd, buf, max - total < sizeof buf ? max - total :
		    sizeof buf, f->pos);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return total > 0 ? (ssize_t)total : -1;
		if (n == 0)
			break;
		dbuf_add(out, buf, (size_t)n);
		f->pos += n;
		total += (size_t)n;
	}
	return (ssize_t)total;
}

/*
 * What happened since the last call, appended to out (at most about max
 * bytes): the bytes written, the truncation notice, the rotation.
 * Returns the number of bytes appended, or -1 if the file cannot be read
 * any more (errno set).
 */
ssize_t
wu_follow_read(struct wu_follow *f, struct dbuf *out, size_t max)
{
	struct stat st, now;
	size_t before = out->len;
	ssize_t n;
	int fd;

	if (fstat(f->fd, &st) == -1)
		return -1;
	if (st.st_size < f->pos) {
		dbuf_puts(out, WU_TRUNCATED);
		f->pos = 0;
	}
	if (st.st_size > f->pos &&
	    (n = follow_pread(f, out, max)) == -1)
		return -1;
	if (out->len - before >= max)
		return (ssize_t)(out->len - before);
	/* Drained: is there another file at the path now? */
	if (stat(f->path, &now) == -1 ||
	    (now.st_dev == f->dev && now.st_ino == f->ino))
		return (ssize_t)(out->len - before);
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return (ssize_t)(out->len - before);
	if (fstat(fd, &now) == -1) {
		close(fd);
		return (ssize_t)(out->len - before);
	}
	close(f->fd);
	f->fd = fd;
	f->dev = now.st_dev;
	f->ino = now.st_ino;
	f->pos = 0;
	if ((n = follow_pread(f, out, max - (out->len - before))) == -1)
		return -1;
	return (ssize_t)(out->len - before);
}

void
wu_follow_close(struct wu_follow *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	free(f->path);
	f->path = NULL;
}
