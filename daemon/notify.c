/*
 * notify.c — systemd's NOTIFY_SOCKET protocol (notify.h).  The socket is
 * an AF_UNIX datagram socket named by a path, or by "@name" in the
 * abstract namespace; each message is one datagram of newline-separated
 * KEY=VALUE assignments (sd_notify(3)).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct {
	struct sockaddr_un sun;
	socklen_t len;		/* 0: no manager to tell */
} nt;

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;

	nt.len = 0;
	if (path == NULL)
		return;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 ||
	    n >= sizeof nt.sun.sun_path) {
		log_warn("NOTIFY_SOCKET '%s' is not a socket path; ignored",
		    path);
	} else {
		memset(&nt.sun, 0, sizeof nt.sun);
		nt.sun.sun_family = AF_UNIX;
		memcpy(nt.sun.sun_path, path, n);
		if (path[0] == '@')
			nt.sun.sun_path[0] = '\0';	/* abstract */
		nt.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    n + (path[0] == '/'));
	}
	unsetenv("NOTIFY_SOCKET");
}

void
notify_send(const char *state)
{
	int fd;

	if (nt.len == 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_errno(STH_LOG_WARN, "notify: socket");
		return;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&nt.sun, nt.len) == -1)
		log_errno(STH_LOG_WARN, "notify: could not tell the service "
		    "manager '%.*s'", (int)strcspn(state, "\n"), state);
	close(fd);
}

/* "STATE=1\nMAINPID=n\nSTATUS=text" (+ MONOTONIC_USEC for a reload, which
 * systemd 253's Type=notify-reload requires and older ones ignore). */
static void
notify_state(const char *state, const char *status, int monotonic)
{
	char buf[256], mono[48] = "";
	struct timespec ts;

	if (nt.len == 0)
		return;
	if (monotonic && clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		snprintf(mono, sizeof mono, "MONOTONIC_USEC=%llu\n",
		    (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000ULL);
	snprintf(buf, sizeof buf, "%s\n%sMAINPID=%ld\nSTATUS=%s", state, mono,
	    (long)getpid(), status);
	notify_send(buf);
}

void
notify_ready(void)
{
	notify_state("READY=1", "running", 0);
}

void
notify_reloading(void)
{
	notify_state("RELOADING=1", "reloading the config (SIGHUP)", 1);
}

void
notify_stopping(void)
{
	notify_state("STOPPING=1", "stopping every program", 0);
}
