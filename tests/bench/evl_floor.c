/*
 * evl_floor.c — the least any event-listener daemon can do for
 * bench_events.sh: the same writer and the same listener (evl_listener),
 * joined by a loop that does nothing else.  One poll(2) loop: a read of
 * the writer's pipe is one event (kept while the listener is busy, the
 * older one dropped without a word, as a full buffer drops it), sent with
 * its header line in one write when the listener is READY; the listener's
 * "RESULT 2\nOKREADY\n" makes it READY again.  No log file, no main log,
 * no event bus, no config: what is left is the pipes and the scheduler,
 * the floor under any daemon on this machine.
 *
 *   evl_floor LISTENER SECONDS COUNTFILE WRITER
 *
 * LISTENER is evl_listener, run as "LISTENER - SECONDS COUNTFILE" (it
 * writes the count exactly as under the daemons); WRITER is run by
 * /bin/sh.  Exits after the count file is written.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_MAX (128 * 1024)	/* one read of the writer, as the daemons */

static char ev[READ_MAX + 256];	/* the pending event: header + payload */
static size_t evlen;
static char data[READ_MAX];

static pid_t
run(const char *path, char *const argv[], int in, int out)
{
	pid_t pid = fork();

	if (pid == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		setpgid(0, 0);	/* killed as a group: sh may fork the writer */
		if (in != -1)
			dup2(in, 0);
		if (out != -1)
			dup2(out, 1);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("write to listener");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

int
main(int argc, char **argv)
{
	static const char ready[] = "READY\n";
	static const char pl[] = "processname:writer groupname:writer "
	    "pid:1 channel:stdout\n";
	int wp[2], lin[2], lout[2], listener_ready = 0;
	unsigned long serial = 0;
	char ans[4096];
	size_t anslen = 0;
	struct pollfd pfd[2];
	struct stat st;
	pid_t wpid, lpid;
	ssize_t n;
	int hl;

	if (argc != 5) {
		fprintf(stderr, "usage: evl_floor LISTENER SECONDS COUNTFILE "
		    "WRITER\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(wp) == -1 || pipe(lin) == -1 || pipe(lout) == -1) {
		perror("pipe");
		return 1;
	}
	{
		char *wargv[] = { "sh", "-c", argv[4], NULL };
		char *largv[] = { argv[1], "-", argv[2], argv[3], NULL };

		wpid = run("/bin/sh", wargv, -1, wp[1]);
		lpid = run(argv[1], largv, lin[0], lout[1]);
	}
	close(wp[1]);
	close(lin[0]);
	close(lout[1]);
	fcntl(wp[0], F_SETFL, O_NONBLOCK);
	fcntl(lout[0], F_SETFL, O_NONBLOCK);
	pfd[0].fd = wp[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = lout[0];
	pfd[1].events = POLLIN;
	while (stat(argv[3], &st) == -1 || st.st_size == 0) {
		if (poll(pfd, 2, 200) == -1 && errno != EINTR)
			break;
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			n = read(wp[0], data, sizeof data);
			if (n <= 0)
				break;
			hl = snprintf(ev, 256, "ver:3.0 server:supervisor "
			    "serial:%lu pool:ack poolserial:%lu eventname:"
			    "PROCESS_LOG_STDOUT len:%zu\n", serial, serial,
			    (size_t)n + sizeof pl - 1);
			memcpy(ev + hl, pl, sizeof pl - 1);
			memcpy(ev + hl + sizeof pl - 1, data, (size_t)n);
			evlen = (size_t)hl + sizeof pl - 1 + (size_t)n;
			serial++;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			n = read(lout[0], ans + anslen, sizeof ans - anslen);
			if (n <= 0)
				break;
			anslen += (size_t)n;
			if (anslen >= 6 &&
			    memcmp(ans + anslen - 6, ready, 6) == 0) {
				listener_ready = 1;
				anslen = 0;
			} else if (anslen == sizeof ans)
				anslen = 0;
		}
		if (listener_ready && evlen > 0) {
			send_all(lin[1], ev, evlen);
			evlen = 0;
			listener_ready = 0;
		}
	}
	kill(-wpid, SIGTERM);
	kill(-lpid, SIGTERM);
	waitpid(wpid, NULL, 0);
	waitpid(lpid, NULL, 0);
	return 0;
}
