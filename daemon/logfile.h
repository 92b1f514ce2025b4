/*
 * logfile.h — an append-only file with supervisord's size rotation
 * (docs/supervisord.md §3.2), shared by the main log and every child log.
 *
 * Ownership: a struct logfile owns its fd and path copy; logfile_close()
 * frees both.
 *
 * After every write, if maxbytes > 0 and the file position is >= maxbytes,
 * the file is rotated: base.N-1 -> base.N ... base -> base.1, then base is
 * reopened empty; with backups = 0 it is truncated instead.  maxbytes = 0
 * never rotates and never seeks (for /dev/stdout and pipes).  Writes are
 * complete or fail: a short write is retried, EAGAIN on a non-blocking
 * target waits, nothing is dropped silently.
 */
#ifndef STHENO_LOGFILE_H
#define STHENO_LOGFILE_H

#include <stddef.h>
#include <sys/types.h>

struct logfile;

struct logfile *logfile_open(const char *path, long long maxbytes,
			     int backups, char **err);
/* Returns len, or -1 with errno set. */
ssize_t logfile_write(struct logfile *, const void *buf, size_t len);
/* Close and reopen the same path (after an external rotation). */
int logfile_reopen(struct logfile *);
/* Truncate the current file (clearLog); backups are left alone. */
int logfile_clear(struct logfile *);
/* The same for a log that is not open: truncate path if it is a regular
 * file; 0 if it is something else (a device, a pipe) or does not exist. */
int logfile_clear_path(const char *path);
const char *logfile_path(const struct logfile *);
void logfile_close(struct logfile *);

#endif
