/*
 * evl_floor.c — the least any event-listener daemon can do for
 * bench_events.sh and bench_flood.sh: the same writer and the same
 * listener (evl_listener), joined by a loop that does nothing else.
 *
 * One poll(2) loop.  A read of the writer's pipe is one event, read
 * straight into a free slot of a ring of BUFFER_SIZE events (default 10,
 * supervisor's buffer_size); when the ring is full the oldest event is
 * discarded without a word, as a full pool buffer discards it (the slot is
 * reused: no copy, no allocation).  The listener's "RESULT 2\nOKREADY\n"
 * makes it READY, and the oldest buffered event goes to it with its header
 * line in one write (its stdin pipe is sized with F_SETPIPE_SZ to hold a
 * whole event).  The listener is served before the writer is read again.
 * No log file, no main log, no event bus, no config: what is left is the
 * pipes and the scheduler, the floor under any daemon on this machine.
 *
 *   evl_floor LISTENER SECONDS COUNTFILE WRITER [BUFFER_SIZE]
 *
 * LISTENER is evl_listener, run as "LISTENER - SECONDS COUNTFILE" (it
 * writes the count exactly as under the daemons); WRITER is run by
 * /bin/sh.  Exits after the count file is written.
 */
#define _GNU_SOURCE		/* F_SETPIPE_SZ */
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
#define HEADROOM 256		/* room for the header line before a payload */

static const char pl[] = "processname:writer groupname:writer pid:1 "
    "channel:stdout\n";
#define PL_LEN (sizeof pl - 1)

struct slot {
	char *buf;		/* HEADROOM + PL_LEN + READ_MAX */
	size_t len;		/* payload bytes after pl */
	unsigned long serial;
};

static struct slot *ring;
static size_t cap, head, qlen;	/* cap = buffer_size + 1 */

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

/* One read of the writer into the slot after the last: 0, or -1 at EOF. */
static int
read_writer(int fd, unsigned long *serial)
{
	struct slot *s = &ring[(head + qlen) % cap];
	ssize_t n;

	if (s->buf == NULL) {
		if ((s->buf = malloc(HEADROOM + PL_LEN + READ_MAX)) == NULL)
			abort();
		memcpy(s->buf + HEADROOM, pl, PL_LEN);
	}
	n = read(fd, s->buf + HEADROOM + PL_LEN, READ_MAX);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	s->len = (size_t)n;
	s->serial = (*serial)++;
	if (qlen == cap - 1)
		head = (head + 1) % cap;	/* the oldest is discarded */
	else
		qlen++;
	return 0;
}

/* The oldest buffered event to the listener, header and payload in one
 * write. */
static void
send_oldest(int fd)
{
	struct slot *s = &ring[head];
	char hdr[HEADROOM];
	int hl;

	hl = snprintf(hdr, sizeof hdr, "ver:3.0 server:supervisor "
	    "serial:%lu pool:ack poolserial:%lu eventname:PROCESS_LOG_STDOUT "
	    "len:%zu\n", s->serial, s->serial, PL_LEN + s->len);
	memcpy(s->buf + HEADROOM - hl, hdr, (size_t)hl);
	send_all(fd, s->buf + HEADROOM - hl, (size_t)hl + PL_LEN + s->len);
	head = (head + 1) % cap;
	qlen--;
}

int
main(int argc, char **argv)
{
	static const char ready[] = "READY\n";
	int wp[2], lin[2], lout[2], listener_ready = 0;
	unsigned long serial = 0;
	char ans[4096];
	size_t anslen = 0;
	struct pollfd pfd[2];
	struct stat st;
	pid_t wpid, lpid;
	ssize_t n;
	long bs = 10;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: evl_floor LISTENER SECONDS COUNTFILE "
		    "WRITER [BUFFER_SIZE]\n");
		return 2;
	}
	if (argc == 6 && (bs = strtol(argv[5], NULL, 10)) < 1) {
		fprintf(stderr, "evl_floor: BUFFER_SIZE must be 1 or more\n");
		return 2;
	}
	cap = (size_t)bs + 1;
	if ((ring = calloc(cap, sizeof *ring)) == NULL)
		abort();
	signal(SIGPIPE, SIG_IGN);
	if (pipe(wp) == -1 || pipe(lin) == -1 || pipe(lout) == -1) {
		perror("pipe");
		return 1;
	}
	(void)fcntl(lin[1], F_SETPIPE_SZ, HEADROOM + PL_LEN + READ_MAX);
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
		if (listener_ready && qlen > 0) {
			send_oldest(lin[1]);
			listener_ready = 0;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP)) &&
		    read_writer(wp[0], &serial) == -1)
			break;
		if (listener_ready && qlen > 0) {
			send_oldest(lin[1]);
			listener_ready = 0;
		}
	}
	kill(-wpid, SIGTERM);
	kill(-lpid, SIGTERM);
	waitpid(wpid, NULL, 0);
	waitpid(lpid, NULL, 0);
	return 0;
}
