/*
 * daemonize.c — fork into the background, drop privileges, raise rlimits,
 * write the pidfile (daemonize.h; docs/supervisord.md §1.6, §8).  Log lines
 * and error texts are supervisord's.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemonize.h"
#include "log.h"
#include "xmalloc.h"

void
daemonize(const char *directory, mode_t mask)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1) {
		log_errno(STH_LOG_CRIT, "could not fork to daemonize");
		exit(1);
	}
	if (pid != 0) {
		log_blather("supervisord forked; parent exiting");
		_exit(0);
	}
	log_info("daemonizing the supervisord process");
	if (directory != NULL) {
		if (chdir(directory) == -1)
			log_crit("can't chdir into '%s': %s", directory,
			    strerror(errno));
		else
			log_info("set current directory: '%s'", directory);
	}
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	} else
		log_errno(STH_LOG_WARN, "open /dev/null");
	(void)setsid();
	umask(mask);
}

int
drop_privileges(const char *user, uid_t uid, gid_t gid, char **err)
{
	struct passwd *pw;

	if (getuid() == uid)
		return 0;
	if (getuid() != 0) {
		*err = xstrdup("Can't drop privilege as nonroot user");
		return -1;
	}
	pw = getpwuid(uid);
	if (initgroups(pw != NULL ? pw->pw_name : user, gid) == -1 &&
	    setgroups(1, &gid) == -1) {
		*err = xstrdup("Could not set groups of effective user");
		return -1;
	}
	if (setgid(gid) == -1) {
		*err = xstrdup("Could not set group id of effective user");
		return -1;
	}
	if (setuid(uid) == -1) {
		xasprintf(err, "Could not set user id of effective user: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* supervisord's set_rlimits_or_exit table; %ld are min then hard. */
static const struct {
	int resource;
	const char *name;
	const char *msg;
} rlimits[] = {
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE",
	  "The minimum number of file descriptors required to run this "
	  "process is %ld as per the \"minfds\" command-line argument or "
	  "config file setting. The current environment will only allow you "
	  "to open %ld file descriptors.  Either raise the number of usable "
	  "file descriptors in your environment (see README.rst) or lower "
	  "the minfds setting in the config file to allow the process to "
	  "start." },
	{ RLIMIT_NPROC, "RLIMIT_NPROC",
	  "The minimum number of available processes required to run this "
	  "program is %ld as per the \"minprocs\" command-line argument or "
	  "config file setting. The current environment will only allow you "
	  "to open %ld processes.  Either raise the number of usable "
	  "processes in your environment (see README.rst) or lower the "
	  "minprocs setting in the config file to allow the program to "
	  "start." },
};

int
set_rlimits(long minfds, long minprocs, char **err)
{
	struct rlimit rl;
	rlim_t min;
	size_t i;
	long hard;

	for (i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
		min = (rlim_t)(i == 0 ? minfds : minprocs);
		if (getrlimit(rlimits[i].resource, &rl) == -1)
			continue;
		if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= min)
			continue;
		hard = rl.rlim_max == RLIM_INFINITY ? -1 : (long)rl.rlim_max;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < min)
			rl.rlim_max = min;	/* only root may */
		rl.rlim_cur = min;
		if (setrlimit(rlimits[i].resource, &rl) == -1) {
			xasprintf(err, rlimits[i].msg, (long)min, hard);
			return -1;
		}
		log_info("Increased %s limit to %ld", rlimits[i].name,
		    (long)min);
	}
	return 0;
}

int
pidfile_write(const char *path, pid_t pid)
{
	char buf[32];
	int fd, len;
	ssize_t n;

	len = snprintf(buf, sizeof buf, "%ld\n", (long)pid);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_crit("could not write pidfile %s", path);
		return -1;
	}
	n = write(fd, buf, (size_t)len);
	if (close(fd) == -1 || n != len) {
		log_crit("could not write pidfile %s", path);
		return -1;
	}
	return 0;
}
