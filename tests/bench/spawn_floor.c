/*
 * spawn_floor.c — the least any supervisor can do for bench_startup.sh:
 * start N programs and know that each is running, with no config, no
 * process table, no state machine and no child logs.
 *
 * "Running" is what sthenod and supervisord mean with startsecs=0: the
 * child has exec'ed its program.  Each child gets a pipe whose write end
 * is O_CLOEXEC; the kernel closes it at a successful execve, so EOF on the
 * read end (with no byte read) says "exec'ed", and a byte (the errno the
 * child writes before _exit(127)) says it failed.  The children are made
 * by vfork(2) (the parent resumes once the child has exec'ed or exited:
 * what glibc's posix_spawn and sthenod's clone(CLONE_VM|CLONE_VFORK) do),
 * or by fork(2) with FORK set as first argument "fork".  stdin, stdout
 * and stderr of every child are /dev/null.
 *
 * For each child seen running, one line "pNNN entered RUNNING state" is
 * appended to LOG (O_APPEND, one write), so that the bench times the
 * floor exactly as it times the daemons: from its exec to the Nth such
 * line.  Then it waits for SIGTERM, kills its children with SIGKILL,
 * reaps them and exits.
 *
 *   spawn_floor vfork|fork N LOG PROGRAM [ARG...]
 *
 * Not part of make check: built by tests/bench/bench_startup.sh with cc.
 */
#define _GNU_SOURCE		/* pipe2 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "spawn_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The child: /dev/null on 0..2, the default signal mask, exec. */
static void
child(int devnull, int wfd, const sigset_t *empty, char **argv)
{
	int e;

	if (dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 ||
	    dup2(devnull, 2) == -1)
		goto fail;
	sigprocmask(SIG_SETMASK, empty, NULL);
	execvp(argv[0], argv);
fail:
	e = errno;
	(void)write(wfd, &e, sizeof(e));
	_exit(127);
}

/* spawn — one child; returns the read end of its exec pipe. */
static int
spawn(int use_fork, int devnull, const sigset_t *empty, char **argv,
    pid_t *pidp)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		die("pipe2");
	pid = use_fork ? fork() : vfork();
	if (pid == -1)
		die("fork");
	if (pid == 0)
		child(devnull, p[1], empty, argv);
	close(p[1]);
	*pidp = pid;
	return p[0];
}

/* running — 1 once the child behind FD has exec'ed, 0 if it failed. */
static int
running(int fd)
{
	int e;
	ssize_t n;

	while ((n = read(fd, &e, sizeof(e))) == -1 && errno == EINTR)
		;
	close(fd);
	return n == 0;
}

int
main(int argc, char **argv)
{
	sigset_t term, empty;
	pid_t *pids;
	int *fds;
	int use_fork, n, i, log, devnull, sig, len;
	char line[64];

	if (argc < 5 || (strcmp(argv[1], "fork") != 0 &&
	    strcmp(argv[1], "vfork") != 0)) {
		fprintf(stderr,
		    "usage: spawn_floor vfork|fork N LOG PROGRAM [ARG...]\n");
		return 2;
	}
	use_fork = strcmp(argv[1], "fork") == 0;
	n = (int)strtol(argv[2], NULL, 10);
	if (n <= 0)
		return 2;
	sigemptyset(&empty);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, NULL);
	if ((log = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1)
		die(argv[3]);
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		die("/dev/null");
	pids = calloc(n, sizeof(*pids));
	fds = calloc(n, sizeof(*fds));
	if (pids == NULL || fds == NULL)
		die("calloc");

	/* All started first (as a supervisor does), then each one checked. */
	for (i = 0; i < n; i++)
		fds[i] = spawn(use_fork, devnull, &empty, argv + 4, &pids[i]);
	for (i = 0; i < n; i++) {
		if (!running(fds[i])) {
			fprintf(stderr, "spawn_floor: p%03d did not exec\n",
			    i);
			continue;
		}
		len = snprintf(line, sizeof(line),
		    "p%03d entered RUNNING state\n", i);
		if (write(log, line, len) != len)
			die("write");
	}

	sigwait(&term, &sig);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}
