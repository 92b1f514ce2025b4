/*
 * proc_fcgi.c — the listening socket of an [fcgi-program:x] group
 * (docs/supervisord.md §1.6): made by the parent, handed to every child as its
 * fd 0, counted per running child, closed when the last one exits and made
 * again at the next spawn, as supervisor's SocketManager does.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgval.h"
#include "log.h"
#include "proc.h"
#include "xmalloc.h"

static int
fcgi_fail(char **err, const struct group_config *gc, const char *why)
{
	xasprintf(err, "Could not create FastCGI socket %s: %s", gc->socket,
	    why);
	return -1;
}

/* Who owns a unix socket: socket_owner, else the program's user. */
static int
fcgi_owner(const struct group_config *gc, uid_t *uid, gid_t *gid,
	   char **err)
{
	char *why = NULL;

	if (gc->socket_owner != NULL) {
		if (cfgval_owner(gc->socket_owner, uid, gid, &why) == -1) {
			fcgi_fail(err, gc, why);
			free(why);
			return -1;
		}
		return 1;
	}
	if (gc->nprocs > 0 && gc->procs[0]->user != NULL &&
	    gc->procs[0]->uid != getuid()) {
		*uid = gc->procs[0]->uid;
		*gid = gc->procs[0]->gid;
		return 1;
	}
	return 0;
}

static int
fcgi_unix(const struct group_config *gc, char **err)
{
	const char *path = gc->socket + strlen("unix://");
	struct sockaddr_un sun;
	uid_t uid;
	gid_t gid;
	int fd, own;

	if (strlen(path) >= sizeof sun.sun_path)
		return fcgi_fail(err, gc, "path too long");
	if ((own = fcgi_owner(gc, &uid, &gid, err)) == -1)
		return -1;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return fcgi_fail(err, gc, strerror(errno));
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    (own && chown(path, uid, gid) == -1) ||
	    chmod(path, (mode_t)gc->socket_mode) == -1) {
		fcgi_fail(err, gc, strerror(errno));
		close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

static int
fcgi_tcp(const struct group_config *gc, char **err)
{
	struct addrinfo hints, *res;
	char *host = NULL;
	int port, fd, on = 1, rc;
	char sport[16];

	if (cfgval_hostport(gc->socket + strlen("tcp://"), &host, &port,
	    err) == -1)
		return -1;
	snprintf(sport, sizeof sport, "%d", port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, sport, &hints, &res);
	free(host);
	if (rc != 0)
		return fcgi_fail(err, gc, gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof on) == -1 || bind(fd, res->ai_addr, res->ai_addrlen) ==
	    -1) {
		fcgi_fail(err, gc, strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* A new listening socket for gc, logged as supervisord does. */
static int
fcgi_open(const struct group_config *gc, char **err)
{
	int fd;

	log_info("Creating socket %s", gc->socket);
	if (strncmp(gc->socket, "unix://", 7) == 0)
		fd = fcgi_unix(gc, err);
	else
		fd = fcgi_tcp(gc, err);
	if (fd == -1)
		return -1;
	if (listen(fd, gc->socket_backlog > 0 ? (int)gc->socket_backlog :
	    SOMAXCONN) == -1) {
		fcgi_fail(err, gc, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
fcgi_close(const struct group_config *gc, int fd)
{
	log_info("Closing socket %s", gc->socket);
	close(fd);
}

int
proc_fcgi_check(const struct group_config *gc, char **err)
{
	int fd;

	if (gc->kind != GROUP_FCGI)
		return 0;
	if ((fd = fcgi_open(gc, err)) == -1)
		return -1;
	fcgi_close(gc, fd);
	return 0;
}

int
proc_fcgi_acquire(struct proc *p, char **err)
{
	struct proc_group *g = p->group;

	if (g == NULL || g->cfg->kind != GROUP_FCGI)
		fatalx("%s is not an fcgi-program", p->cfg->name);
	if (p->fcgi_held)
		return g->fcgi_fd;
	if (g->fcgi_refs == 0 && (g->fcgi_fd = fcgi_open(g->cfg, err)) == -1)
		return -1;
	g->fcgi_refs++;
	p->fcgi_held = 1;
	return g->fcgi_fd;
}

void
proc_fcgi_release(struct proc *p)
{
	struct proc_group *g = p->group;

	if (!p->fcgi_held)
		return;
	p->fcgi_held = 0;
	if (--g->fcgi_refs > 0)
		return;
	fcgi_close(g->cfg, g->fcgi_fd);
	g->fcgi_fd = -1;
}
