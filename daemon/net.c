/*
 * net.c — listeners and connections for plugins (net.h).
 *
 * Listeners are plain persistent read events on a listening socket, one
 * accept per wake-up (the loop calls again while more are queued), so that a
 * listener freed from inside its own accept callback is never touched again.
 * Connections are socket bufferevents whose callbacks are host trampolines.
 *
 * Descriptors (docs/stheno.conf.5.md, "DESCRIPTORS"): of RLIMIT_NOFILE (N),
 * supervision keeps 64 + 8 per process (S) that no connection may take,
 * control listeners' connections a further share C = max(16, N / 16) that
 * public listeners' connections never reach.  An accept beyond is closed at
 * once, with a rate-limited WARN.  Counted are the connections made here
 * (conn_new); an accepted fd whose number shows that fewer descriptors are
 * free (the kernel gives the lowest free one) is refused the same way, for
 * the descriptors nobody counts (files being sent, data connections).  At
 * EMFILE anyway, a spare descriptor is given up for a moment to accept and
 * close the connection (the "reserve fd" trick), so that the listener
 * neither spins nor leaves the client waiting; without a spare it rests.
 */
#include "config.h"

#include <sys/queue.h>

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>	/* ev_write: net_write_idle() */

#include "cfgval.h"
#include "log.h"
#include "net.h"
#include "proc.h"
#include "scope.h"
#include "sthenod.h"
#include "xmalloc.h"

struct sth_listener {
	struct sth_plugin *owner;
	struct scope_res *res;
	struct event *ev;
	int fd;
	int is_unix;
	char *spec;		/* as asked for: a reload matches on it */
	char *addr;		/* as bound, for listener_addr */
	int port;
	char *path;		/* unix: the socket file, unlinked at free */
	dev_t dev;
	ino_t ino;
	sth_accept_fn fn;
	void *arg;
	/* reload: the old plugin's listener whose socket this one took */
	struct sth_listener *prev;
	/* reload, the other way: the new listener that took this socket,
	 * to which an idle connection can be handed (net_conn_handover) */
	struct sth_listener *heir;
	TAILQ_ENTRY(sth_listener) all;
	struct event *pause;	/* out of fds: accepting again later */
	int starved;		/* said so; until the next accept works */
	int control;		/* its connections are control connections */
	time_t warned;		/* last "refused" WARN */
	unsigned long unsaid;	/* refusals since, not yet in a WARN */
};

/* How long a listener rests when accept(2) runs out of fds or memory. */
#define NET_ACCEPT_PAUSE_MS 250
/* The descriptor budget (docs/stheno.conf.5.md, "DESCRIPTORS"). */
#define NET_KEEP_BASE 64	/* S = NET_KEEP_BASE + NET_KEEP_PER_PROC * P */
#define NET_KEEP_PER_PROC 8	/* 3 pipe ends, 2 logs, a spawn's 3 more */
#define NET_CONTROL_MIN 16	/* C = max(NET_CONTROL_MIN, N / 16) */
#define NET_SPAWN_FDS 16	/* what one spawn needs free, at least */
/* At most one "refused" WARN per listener in this many seconds. */
#define NET_WARN_SECS 10

struct sth_conn {
	struct sth_plugin *owner;
	struct scope_res *res;
	struct bufferevent *bev;
	sth_conn_fn readfn;
	sth_conn_fn writefn;
	sth_conn_event_fn eventfn;
	void *arg;
	int closing;		/* close_after_write: no more callbacks */
	int forced;		/* the unload's force step has told the
				 * plugin */
	int control;		/* counted in net_conns[1], else [0] */
	int wrapped;		/* conn_wrap stacked a session on it */
	struct sth_listener *from;	/* the listener that accepted it */
};

/*
 * The descriptor budget now: nofile N is the soft RLIMIT_NOFILE, keep S =
 * 64 + 8 per process is what no connection may take, control C = max(16,
 * N / 16) what only control connections may; all connections together at
 * most all = N - S, public ones at most public = N - S - C.
 */
struct net_budget {
	long nofile;
	long keep;
	long control;
	long all;
	long public;
	long conns_public;	/* live connections of each class */
	long conns_control;
};

/* Live connections: [0] public, [1] control. */
static long net_conns[2];
/* During an accept callback: the fd handed over and its listener's class,
 * so that conn_new on that fd counts it in the right class. */
static int net_accepted_fd = -1;
static int net_accepted_control;
static struct sth_listener *net_accepted_listener;
/* Every listener record, for checking a connection's `from`. */
static TAILQ_HEAD(, sth_listener) net_listeners =
    TAILQ_HEAD_INITIALIZER(net_listeners);
/* A descriptor given up at EMFILE to accept and close (-1: none), kept
 * while there is a listener record (net_nlisteners). */
static int net_spare = -1;
static unsigned net_nlisteners;

/* --- listeners ---------------------------------------------------------- */

static void
net_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct sth_listener *l = arg;

	if (l->fd != -1)
		event_add(l->ev, NULL);
}

/*
 * Out of fds (or memory): the connection stays queued, so the listener
 * would wake again at once, forever.  Rest it a while, saying so once
 * until an accept works again.
 */
static void
net_accept_pause(struct sth_listener *l)
{
	struct timeval tv = { 0, NET_ACCEPT_PAUSE_MS * 1000 };

	if (l->pause == NULL)
		l->pause = evtimer_new(sth.base, net_accept_resume, l);
	if (evtimer_pending(l->pause, NULL))
		return;
	if (!l->starved)
		log_errno(STH_LOG_WARN, "accept on %s (retrying every %d ms)",
		    l->addr, NET_ACCEPT_PAUSE_MS);
	l->starved = 1;
	event_del(l->ev);
	evtimer_add(l->pause, &tv);
}

/* N, the soft RLIMIT_NOFILE (read each time: it is one system call, and a
 * prlimit(1) from outside counts from the next connection on). */
static long
net_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX)
		return INT_MAX;
	return (long)rl.rlim_cur;
}

/* P, the processes in the table. */
static long
net_nprocs(void)
{
	size_t i, n = 0, ng = proctable_ngroups();

	for (i = 0; i < ng; i++)
		n += proctable_group_at(i)->nprocs;
	return (long)n;
}

static void
net_budget(struct net_budget *b)
{
	b->nofile = net_nofile();
	b->keep = NET_KEEP_BASE + NET_KEEP_PER_PROC * net_nprocs();
	b->control = b->nofile / 16 > NET_CONTROL_MIN ? b->nofile / 16 :
	    NET_CONTROL_MIN;
	b->all = b->nofile - b->keep;
	b->public = b->all - b->control;
	b->conns_public = net_conns[0];
	b->conns_control = net_conns[1];
}

/*
 * May l keep the connection it just accepted on fd?  0 if so, else -1 and
 * why not in why.  fd + 1 descriptors at least are open now (fd is the
 * lowest free one the kernel had).
 */
static int
net_over_budget(struct sth_listener *l, int fd, char *why, size_t len)
{
	struct net_budget b;
	long total;

	net_budget(&b);
	total = b.conns_public + b.conns_control;
	/* Control connections are bounded by their share alone: at true
	 * exhaustion they wait in the backlog (net_accept_cb) rather than
	 * being refused. */
	if (!l->control && b.nofile - (long)fd - 1 < NET_SPAWN_FDS + b.control)
		snprintf(why, len, "descriptors nearly exhausted (fd %d of "
		    "RLIMIT_NOFILE %ld)", fd, b.nofile);
	else if (total >= b.all &&
	    (!l->control || b.conns_control >= b.control))
		/* control connections always have their own share: many
		 * programs under a small RLIMIT_NOFILE can make the keep
		 * larger than the limit itself */
		snprintf(why, len, "%ld connections, all that RLIMIT_NOFILE "
		    "%ld leaves beside supervision's %ld", b.all, b.nofile,
		    b.keep);
	else if (!l->control && b.conns_public >= b.public)
		snprintf(why, len, "%ld public connections, all that "
		    "RLIMIT_NOFILE %ld leaves beside supervision's %ld and "
		    "the control servers' %ld", b.public, b.nofile, b.keep,
		    b.control);
	else
		return 0;
	return -1;
}

/* A WARN for a refused connection, at most one per NET_WARN_SECS. */
static void
net_refused(struct sth_listener *l, const struct sockaddr *sa,
    socklen_t salen, const char *why)
{
	char host[INET6_ADDRSTRLEN] = "local", more[64] = "";
	time_t now = time(NULL);

	if (l->warned != 0 && now - l->warned < NET_WARN_SECS &&
	    now >= l->warned) {
		l->unsaid++;
		return;
	}
	if (salen > 0 && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, host, sizeof host);
	else if (salen > 0 && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, host, sizeof host);
	if (l->unsaid > 0)
		snprintf(more, sizeof more, " (and %lu more since the last "
		    "such line)", l->unsaid);
	log_warn("connection from %s to %s refused: %s%s", host, l->addr, why,
	    more);
	l->warned = now;
	l->unsaid = 0;
}

/*
 * accept(2) ran out of descriptors: give up the spare one, accept and
 * close the connection at once, take the spare back.  0 if done, -1 if
 * there is no spare (or it could not be taken back).
 */
static int
net_accept_spare(struct sth_listener *l, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t salen = sizeof ss;
	int fd;

	if (net_spare == -1)
		return -1;
	close(net_spare);
	fd = accept4(lfd, (struct sockaddr *)&ss, &salen, SOCK_CLOEXEC);
	if (fd != -1)
		close(fd);
	net_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return net_spare == -1 ? -1 : 0;
	net_refused(l, (struct sockaddr *)&ss, l->is_unix ? 0 : salen,
	    "out of descriptors (EMFILE)");
	return net_spare == -1 ? -1 : 0;
}

/* Hand fd to l's plugin (entered by the caller) as a new connection. */
static void
net_accept_deliver(struct sth_listener *l, int fd, struct sockaddr *sa,
    socklen_t salen)
{
	net_accepted_fd = fd;
	net_accepted_control = l->control;
	net_accepted_listener = l;
	/* l may be freed by the callback: nothing touches it afterwards. */
	l->fn(l, fd, sa, salen, l->arg);
	net_accepted_fd = -1;
	net_accepted_listener = NULL;
}

static void
net_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct sth_listener *l = arg;
	struct sockaddr_storage ss;
	socklen_t salen = sizeof ss;
	struct sth_plugin *p = l->owner;
	char why[160];
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &salen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		/* A public client is told at once; a control client (the
		 * people who run the daemon) waits in the backlog for the
		 * moment a descriptor frees up (a child exits). */
		if ((errno == EMFILE || errno == ENFILE) && !l->control &&
		    net_accept_spare(l, lfd) == 0)
			return;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			net_accept_pause(l);
		else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			log_errno(STH_LOG_WARN, "accept on %s", l->addr);
		return;
	}
	if (l->starved) {
		log_info("accepting on %s again", l->addr);
		l->starved = 0;
	}
	if (l->is_unix)
		salen = 0;
	if (net_over_budget(l, fd, why, sizeof why) == -1) {
		close(fd);
		net_refused(l, (struct sockaddr *)&ss, salen, why);
		return;
	}
	if (!plugin_enter(p)) {
		close(fd);
		return;
	}
	net_accept_deliver(l, fd, (struct sockaddr *)&ss, salen);
	plugin_leave(p);
}

/* Stop accepting: the socket and its file go, the record stays. */
static void
net_listener_close(struct sth_listener *l)
{
	struct stat st;

	if (l->fd == -1)
		return;
	event_del(l->ev);
	if (l->pause != NULL)
		evtimer_del(l->pause);
	close(l->fd);
	l->fd = -1;
	if (l->path != NULL && stat(l->path, &st) == 0 &&
	    st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
}

/*
 * l took its socket over from the old version's listener l->prev in a
 * reload not yet settled: give the socket back, to go on accepting there.
 */
static void
net_listener_giveback(struct sth_listener *l)
{
	struct sth_listener *o = l->prev;

	l->prev = NULL;
	if (o == NULL || l->fd == -1)
		return;
	o->heir = NULL;
	event_del(l->ev);
	o->fd = l->fd;
	l->fd = -1;
	event_free(o->ev);
	o->ev = event_new(sth.base, o->fd, EV_READ | EV_PERSIST,
	    net_accept_cb, o);
	if (o->ev == NULL)
		fatalx("event_new failed");
	event_add(o->ev, NULL);
}

static void
net_listener_destroy(void *obj)
{
	struct sth_listener *l = obj, *o;

	TAILQ_REMOVE(&net_listeners, l, all);
	TAILQ_FOREACH(o, &net_listeners, all) {
		if (o->heir == l)
			o->heir = NULL;
		if (o->prev == l)
			o->prev = NULL;
	}
	/* A new version whose init fails frees what it made before the
	 * reload is settled: the adopted socket is not its to close. */
	net_listener_giveback(l);
	net_listener_close(l);
	if (--net_nlisteners == 0 && net_spare != -1) {
		close(net_spare);
		net_spare = -1;
	}
	event_free(l->ev);
	if (l->pause != NULL)
		event_free(l->pause);
	free(l->spec);
	free(l->addr);
	free(l->path);
	free(l);
}

void
net_listener_free(struct sth_listener *l)
{
	if (l == NULL)
		return;
	scope_del(l->res);
	net_listener_destroy(l);
}

const char *
net_listener_addr(struct sth_listener *l)
{
	return l->addr;
}

int
net_listener_port(struct sth_listener *l)
{
	return l->port;
}

void
net_listener_set_control(struct sth_listener *l, int control)
{
	l->control = control != 0;
}

static int
net_match_open(void *obj, void *arg)
{
	struct sth_listener *l = obj;

	return l->fd != -1;
}

unsigned
net_listeners_close(struct sth_plugin *p)
{
	struct scope_res *r;
	unsigned n = 0;

	while ((r = scope_find(plugin_scope(p), SCOPE_LISTENER,
	    net_match_open, NULL)) != NULL) {
		net_listener_close(scope_res_obj(r));
		n++;
	}
	return n;
}

static int
net_match_spec(void *obj, void *arg)
{
	struct sth_listener *l = obj;

	return l->fd != -1 && strcmp(l->spec, arg) == 0;
}

static struct sth_listener *net_listener_make(struct sth_plugin *, int,
    const char *, sth_accept_fn, void *);
static void net_listener_start(struct sth_plugin *, struct sth_listener *);

/*
 * During a reload, take over the socket of the old plugin's listener on
 * spec, if any.  The new plugin gets a listener of its own on the same fd;
 * the old one's record stays with the old plugin, closed but harmless to
 * free, and gets the socket back if the new plugin's init fails.
 */
static struct sth_listener *
net_adopt(struct sth_plugin *p, const char *spec, sth_accept_fn fn,
    void *arg)
{
	struct sth_plugin *old = plugin_replacing(p);
	struct scope_res *r;
	struct sth_listener *o, *l;

	if (old == NULL)
		return NULL;
	r = scope_find(plugin_scope(old), SCOPE_LISTENER, net_match_spec,
	    (void *)spec);
	if (r == NULL)
		return NULL;
	o = scope_res_obj(r);
	l = net_listener_make(p, o->fd, spec, fn, arg);
	l->is_unix = o->is_unix;
	l->addr = xstrdup(o->addr);
	l->port = o->port;
	l->path = o->path != NULL ? xstrdup(o->path) : NULL;
	l->dev = o->dev;
	l->ino = o->ino;
	l->prev = o;
	o->heir = l;
	event_del(o->ev);
	o->fd = -1;
	net_listener_start(p, l);
	log_debug("plugin '%s' took over listener %s", plugin_name(p),
	    l->addr);
	return l;
}

static int
net_match_adopted(void *obj, void *arg)
{
	struct sth_listener *l = obj;

	return l->prev != NULL;
}

void
net_listeners_settle(struct sth_plugin *p, int commit)
{
	struct scope_res *r;
	struct sth_listener *l;

	while ((r = scope_find(plugin_scope(p), SCOPE_LISTENER,
	    net_match_adopted, NULL)) != NULL) {
		l = scope_res_obj(r);
		if (commit)
			l->prev = NULL;
		else
			net_listener_giveback(l);
	}
}

static struct sth_listener *
net_listener_make(struct sth_plugin *p, int fd, const char *spec,
    sth_accept_fn fn, void *arg)
{
	struct sth_listener *l;

	l = xcalloc(1, sizeof *l);
	TAILQ_INSERT_TAIL(&net_listeners, l, all);
	l->owner = p;
	l->fd = fd;
	l->spec = xstrdup(spec);
	l->fn = fn;
	l->arg = arg;
	l->ev = event_new(sth.base, fd, EV_READ | EV_PERSIST, net_accept_cb, l);
	if (l->ev == NULL)
		fatalx("event_new failed");
	if (net_nlisteners++ == 0 && net_spare == -1 &&
	    (net_spare = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		log_errno(STH_LOG_WARN, "cannot keep a spare descriptor");
	return l;
}

static void
net_listener_start(struct sth_plugin *p, struct sth_listener *l)
{
	event_add(l->ev, NULL);
	l->res = scope_add(plugin_scope(p), SCOPE_LISTENER, l,
	    net_listener_destroy);
}

int
net_parse_hostport(const char *spec, char **host, char **port, char **err)
{
	const char *colon, *end, *h = NULL, *pt;
	size_t hlen = 0;
	char *ep;
	long n;

	*host = *port = NULL;
	if (spec == NULL || *spec == '\0')
		goto bad;
	if (*spec == '[') {
		if ((end = strchr(spec, ']')) == NULL || end[1] != ':')
			goto bad;
		h = spec + 1;
		hlen = end - h;
		pt = end + 2;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		h = spec;
		hlen = colon - spec;
		pt = colon + 1;
		if (memchr(spec, ':', hlen) != NULL)
			goto bad;	/* a bare v6 address needs brackets */
	} else
		pt = spec;
	errno = 0;
	n = strtol(pt, &ep, 10);
	if (*pt == '\0' || *ep != '\0' || errno != 0 || n < 0 || n > 65535)
		goto bad;
	if (h != NULL && hlen != 0 && !(hlen == 1 && *h == '*'))
		*host = xstrndup(h, hlen);
	xasprintf(port, "%ld", n);
	return 0;
bad:
	xasprintf(err, "invalid host:port value '%s'", spec ? spec : "");
	return -1;
}

static void
net_format_addr(const struct sockaddr *sa, char **addr, int *port)
{
	char buf[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
		*port = ntohs(s6->sin6_port);
		xasprintf(addr, "[%s]:%d", buf, *port);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
		*port = ntohs(s4->sin_port);
		xasprintf(addr, "%s:%d", buf, *port);
	}
}

struct sth_listener *
net_listen_tcp(struct sth_plugin *p, const char *spec, sth_accept_fn fn,
    void *arg, char **err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	struct sth_listener *l;
	char *host = NULL, *port = NULL;
	int fd = -1, on = 1, rc, saved = 0;

	*err = NULL;
	if ((l = net_adopt(p, spec, fn, arg)) != NULL)
		return l;
	if (net_parse_hostport(spec, &host, &port, err) != 0)
		return NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = host == NULL ? AF_INET : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		xasprintf(err, "cannot resolve '%s': %s", spec,
		    gai_strerror(rc));
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, NET_BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	if (fd == -1) {
		if (saved == EADDRINUSE)
			*err = xstrdup(NET_ADDR_IN_USE);
		else
			xasprintf(err, "cannot listen on %s: %s", spec,
			    strerror(saved));
		goto out;
	}
	l = net_listener_make(p, fd, spec, fn, arg);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		net_format_addr((struct sockaddr *)&ss, &l->addr, &l->port);
	else
		l->addr = xstrdup(spec);
	net_listener_start(p, l);
out:
	if (res != NULL)
		freeaddrinfo(res);
	free(host);
	free(port);
	return l;
}

/* supervisord's checkused(): does a live program answer on path?  If it
 * does, *cred is who listens there (pid 0 if the kernel will not say). */
static int
net_unix_in_use(const char *path, struct ucred *cred)
{
	struct sockaddr_un sun;
	struct timeval tv = { 1, 0 };
	const char req[] = "GET / HTTP/1.0\r\n\r\n";
	socklen_t len = sizeof *cred;
	char c;
	int fd, used = 0;

	memset(cred, 0, sizeof *cred);
	if (strlen(path) >= sizeof sun.sun_path)
		return 0;	/* nothing can listen there */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 &&
	    send(fd, req, sizeof req - 1, MSG_NOSIGNAL) >= 0 &&
	    (recv(fd, &c, 1, 0) >= 0 || errno == EAGAIN)) {
		used = 1;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) != 0)
			memset(cred, 0, sizeof *cred);
	}
	close(fd);
	return used;
}

/* Who holds path: supervisord's "Another program is already listening on
 * a port that one of our HTTP servers ..." fits a TCP port, not a socket
 * that may be an attacker's, so name the path, the process and the owner. */
static char *
net_unix_in_use_msg(const char *path, const struct ucred *cred)
{
	struct stat st;
	struct passwd *pw;
	char pid[32] = "", owner[128] = "";
	char *msg;

	if (cred->pid > 0)
		snprintf(pid, sizeof pid, " (pid %ld)", (long)cred->pid);
	if (lstat(path, &st) == 0 && (pw = getpwuid(st.st_uid)) != NULL)
		snprintf(owner, sizeof owner, ", owned by uid %ld (%s)",
		    (long)st.st_uid, pw->pw_name);
	else if (lstat(path, &st) == 0)
		snprintf(owner, sizeof owner, ", owned by uid %ld",
		    (long)st.st_uid);
	xasprintf(&msg, "another program%s is already listening on the unix "
	    "socket %s%s: shut it down, or configure another path", pid, path,
	    owner);
	return msg;
}

struct sth_listener *
net_listen_unix(struct sth_plugin *p, const char *path, int mode,
    const char *owner, sth_accept_fn fn, void *arg, char **err)
{
	struct sockaddr_un sun;
	struct sth_listener *l;
	struct ucred cred;
	struct stat st;
	char *tmp = NULL, *why = NULL;
	uid_t uid;
	gid_t gid;
	int fd = -1, tries;

	*err = NULL;
	if ((l = net_adopt(p, path, fn, arg)) != NULL)
		return l;
	l = NULL;
	xasprintf(&tmp, "%s.%ld", path, (long)getpid());
	if (strlen(tmp) >= sizeof sun.sun_path) {
		xasprintf(err, "unix socket path too long: %s", path);
		goto fail;
	}
	if (owner != NULL && cfgval_owner(owner, &uid, &gid, &why) != 0) {
		xasprintf(err, "bad socket owner for %s: %s", path, why);
		goto fail;
	}
	unlink(tmp);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, tmp, strlen(tmp));	/* checked above */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    listen(fd, NET_BACKLOG) != 0) {
		xasprintf(err, "cannot listen on %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (chmod(tmp, mode) != 0) {
		xasprintf(err, "cannot chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	if (owner != NULL && chown(tmp, uid, gid) != 0) {
		xasprintf(err, "cannot chown %s to %s: %s", path, owner,
		    strerror(errno));
		goto fail;
	}
	for (tries = 0;; tries++) {
		if (link(tmp, path) == 0)
			break;
		if (errno != EEXIST || tries == 5) {
			xasprintf(err, "cannot create %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (net_unix_in_use(path, &cred)) {
			*err = net_unix_in_use_msg(path, &cred);
			goto fail;
		}
		log_warn("Unlinking stale socket %s", path);
		if (unlink(path) != 0 && errno != ENOENT) {
			xasprintf(err, "cannot unlink stale socket %s: %s",
			    path, strerror(errno));
			goto fail;
		}
	}
	unlink(tmp);
	l = net_listener_make(p, fd, path, fn, arg);
	l->is_unix = 1;
	l->addr = xstrdup(path);
	l->path = xstrdup(path);
	if (stat(path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	net_listener_start(p, l);
	free(tmp);
	free(why);
	return l;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	free(why);
	return NULL;
}

/* --- connections -------------------------------------------------------- */

/*
 * Free bev but not its descriptor, and return the descriptor: the same
 * open file goes on under a new owner (a TLS session, or the new version
 * of a plugin).  Never a dup(): with epoll's changelist (main.c), a
 * descriptor cloned and then closed leaves a stale registration behind.
 */
static int
net_bev_detach(struct bufferevent *bev)
{
	int fd = bufferevent_getfd(bev);

	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	bufferevent_setfd(bev, -1);
	bufferevent_free(bev);
	return fd;
}

static void
net_conn_destroy(void *obj)
{
	struct sth_conn *c = obj;

	net_conns[c->control]--;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c);
}

void
net_conn_free(struct sth_conn *c)
{
	if (c == NULL)
		return;
	scope_del(c->res);
	net_conn_destroy(c);
}

/*
 * bufferevent_enable(EV_WRITE) adds the write event even when there is
 * nothing to write, and level-triggered epoll then wakes the loop at once
 * for a write callback that does nothing: one turn and two epoll_ctl a
 * connection, two a TLS handshake.  Take the event off while the output
 * is empty; adding to the output puts it back (libevent's own output
 * callbacks, for sockets and for TLS sessions alike).
 */
static void
net_write_idle(struct bufferevent *bev)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		event_del(&bev->ev_write);
}

static void
net_read_cb(struct bufferevent *bev, void *arg)
{
	struct sth_conn *c = arg;
	struct sth_plugin *p = c->owner;

	if (c->closing) {
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	if (c->readfn == NULL || !plugin_enter(p))
		return;
	c->readfn(c, c->arg);
	plugin_leave(p);
}

static void
net_write_cb(struct bufferevent *bev, void *arg)
{
	struct sth_conn *c = arg;
	struct sth_plugin *p = c->owner;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			net_conn_free(c);
		return;
	}
	if (c->writefn == NULL || !plugin_enter(p))
		return;
	c->writefn(c, c->arg);
	plugin_leave(p);
}

static void
net_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sth_conn *c = arg;
	struct sth_plugin *p = c->owner;

	if (c->closing) {
		if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR |
		    BEV_EVENT_TIMEOUT))
			net_conn_free(c);
		return;
	}
	/* a TLS handshake done: its end re-adds the write event */
	if (what & BEV_EVENT_CONNECTED)
		net_write_idle(bev);
	if (c->eventfn == NULL || !plugin_enter(p))
		return;
	c->eventfn(c, what, c->arg);
	plugin_leave(p);
}

struct sth_conn *
net_conn_new(struct sth_plugin *p, int fd, sth_conn_fn readfn,
    sth_conn_fn writefn, sth_conn_event_fn eventfn, void *arg)
{
	struct sth_conn *c;

	/* an accepted fd is non-blocking already (accept4) */
	if (fd != net_accepted_fd && evutil_make_socket_nonblocking(fd) != 0) {
		close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->owner = p;
	c->readfn = readfn;
	c->writefn = writefn;
	c->eventfn = eventfn;
	c->arg = arg;
	c->control = fd == net_accepted_fd && net_accepted_control;
	c->from = fd == net_accepted_fd ? net_accepted_listener : NULL;
	net_conns[c->control]++;
	c->bev = bufferevent_socket_new(sth.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, net_read_cb, net_write_cb, net_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	net_write_idle(c->bev);
	c->res = scope_add(plugin_scope(p), SCOPE_CONN, c, net_conn_destroy);
	return c;
}

/*
 * A reload: c, idle (nothing read and unanswered, nothing left to write),
 * was accepted by a listener whose socket the new version of its plugin
 * took.  Give it to that version as if it had just accepted it, so that the
 * client's next request on this keep-alive connection reaches the new
 * version's handlers.  0 if done (c is freed, as by conn_free), -1 if c
 * stays the caller's.
 */
int
net_conn_handover(struct sth_conn *c)
{
	struct sth_listener *l, *h;
	struct sockaddr_storage ss;
	socklen_t salen = sizeof ss;
	struct sth_plugin *p;
	int fd;

	if (c == NULL || c->closing || c->wrapped || (l = c->from) == NULL)
		return -1;
	TAILQ_FOREACH(h, &net_listeners, all) {
		if (h == l)
			break;
	}
	if (h == NULL || (h = l->heir) == NULL || h->fd == -1 ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) != 0 ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) != 0)
		return -1;
	fd = net_bev_detach(c->bev);
	c->bev = NULL;
	if (h->is_unix || getpeername(fd, (struct sockaddr *)&ss,
	    &salen) != 0)
		salen = 0;
	net_conn_free(c);
	p = h->owner;
	if (!plugin_enter(p)) {
		close(fd);
		return 0;
	}
	net_accept_deliver(h, fd, (struct sockaddr *)&ss, salen);
	plugin_leave(p);
	return 0;
}

/*
 * Stack a bufferevent that make() builds on c's descriptor in place of the
 * socket one (a TLS session: net.h).  The old one is freed with its
 * descriptor detached, so that it does not close it.
 */
int
net_conn_wrap(struct sth_conn *c,
    struct bufferevent *(*make)(struct event_base *, int, void *), void *arg)
{
	struct bufferevent *nbev;
	int fd;

	if (c == NULL || c->closing || c->wrapped ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) != 0 ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) != 0)
		return -1;
	fd = bufferevent_getfd(c->bev);
	if ((nbev = make(sth.base, fd, arg)) == NULL)
		return -1;
	if (bufferevent_getfd(nbev) != fd)
		fatalx("conn_wrap: the new bufferevent is not on fd %d", fd);
	(void)net_bev_detach(c->bev);
	c->bev = nbev;
	c->wrapped = 1;
	bufferevent_setcb(c->bev, net_read_cb, net_write_cb, net_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* a server session writes nothing before the ClientHello is read */
	net_write_idle(c->bev);
	return 0;
}

struct bufferevent *
net_conn_bev(struct sth_conn *c)
{
	return c->bev;
}

void
net_conn_close_after_write(struct sth_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		net_conn_free(c);
	else
		bufferevent_enable(c->bev, EV_WRITE);
}

static int
net_match_unforced(void *obj, void *arg)
{
	struct sth_conn *c = obj;

	return !c->forced;
}

unsigned
net_conn_force_close(struct sth_plugin *p)
{
	struct scope *s = plugin_scope(p);
	struct scope_res *r;
	struct sth_conn *c;
	unsigned n = scope_count(s, SCOPE_CONN);

	/* Each callback may free any number of connections: look again. */
	while ((r = scope_find(s, SCOPE_CONN, net_match_unforced,
	    NULL)) != NULL) {
		c = scope_res_obj(r);
		c->forced = 1;
		if (c->closing || c->eventfn == NULL || !plugin_enter(p))
			continue;
		c->eventfn(c, STH_CONN_EOF | STH_CONN_ERROR, c->arg);
		plugin_leave(p);
	}
	scope_release(s, SCOPE_CONN);
	return n;
}
