/*
 * daemonize.h — detach sthenod from its terminal the way supervisord does
 * (docs/supervisord.md §8), and the process-wide setup around it: privileges,
 * rlimits, the pidfile.
 *
 * Ownership: messages returned through *err are malloc'd and the caller's.
 */
#ifndef STHENO_DAEMONIZE_H
#define STHENO_DAEMONIZE_H

#include <sys/types.h>

/*
 * One fork: the parent exits 0 at once; the child chdirs to directory (if
 * not NULL; a failure is logged CRIT and ignored, as supervisord does),
 * reopens fds 0-2 on /dev/null, calls setsid() and sets umask.  Returns in
 * the child only.  The caller must event_reinit() its loop afterwards.
 */
void daemonize(const char *directory, mode_t umask);

/*
 * Switch to user (uid/gid and its supplementary groups) if we are root;
 * if we are already uid, nothing.  0, or -1 with *err (supervisord's
 * wording: "Can't drop privilege as nonroot user").
 */
int drop_privileges(const char *user, uid_t uid, gid_t gid, char **err);

/*
 * Raise RLIMIT_NOFILE to minfds and RLIMIT_NPROC to minprocs (soft, and
 * hard if needed and allowed).  0, or -1 with *err saying which limit and
 * how to fix it.  Each raise is logged at INFO.
 */
int set_rlimits(long minfds, long minprocs, char **err);

/* Write "<pid>\n" to path: 0, or -1 (logged CRIT). */
int pidfile_write(const char *path, pid_t pid);

#endif
