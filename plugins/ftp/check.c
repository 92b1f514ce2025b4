/*
 * check.c — a real user's password is checked on a thread of its own, so
 * that crypt(3) never holds the loop: a SHA-512 or yescrypt hash costs
 * milliseconds, and one with many rounds seconds (DESIGN.md decision 6:
 * slow calls never block the loop).  The thread does only the reentrant
 * work of ftp_auth_local() on copies of USER and PASS, then writes one
 * byte into a pipe the loop watches; the loop joins it and finishes the
 * login with the answer.
 *
 * Ownership: F.checks owns every check until the loop has joined its
 * thread.  A session that goes away first is only detached (sess = NULL);
 * fini joins what is still running, which lasts at most one crypt.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "ftp.h"

struct ftp_check {
	LIST_ENTRY(ftp_check) entry;
	struct ftp_sess *sess;		/* NULL once the session is gone */
	ftp_check_fn done;
	pthread_t thread;
	int wfd;			/* the thread's end of the pipe */
	struct sth_watch *watch;	/* the loop's end (owns the fd) */
	char *user;
	char *pass;
	/* the answer, written by the thread before its byte */
	int rc;
	struct ftp_ident id;
	char *home;
};

static LIST_HEAD(, ftp_check) checks = LIST_HEAD_INITIALIZER(checks);

static void *
check_thread(void *arg)
{
	struct ftp_check *c = arg;
	ssize_t n;

	c->rc = ftp_auth_local(c->user, c->pass, &c->id, &c->home);
	do
		n = write(c->wfd, "", 1);
	while (n == -1 && errno == EINTR);
	return NULL;
}

/* Forget c, whose thread has been joined (or never started). */
static void
check_release(struct ftp_check *c)
{
	if (c->watch != NULL)
		F.host->watch_free(c->watch);
	if (c->wfd != -1)
		close(c->wfd);
	explicit_bzero(c->pass, strlen(c->pass));
	free(c->pass);
	free(c->user);
	free(c->home);
	if (c->sess != NULL)
		c->sess->check = NULL;
	free(c);
}

static void
check_ready(struct sth_watch *w, int fd, short what, void *arg)
{
	struct ftp_check *c = arg;
	struct ftp_sess *s = c->sess;
	ftp_check_fn done = c->done;
	struct ftp_ident id;
	char *home;
	int rc;

	pthread_join(c->thread, NULL);
	LIST_REMOVE(c, entry);
	rc = c->rc;
	memset(&id, 0, sizeof id);
	if (rc == 0)
		id = c->id;
	home = c->home;
	c->home = NULL;
	check_release(c);
	if (s != NULL)
		done(s, rc, &id, home);
	free(home);
}

int
ftp_check_start(struct ftp_sess *s, const char *pass, ftp_check_fn done)
{
	struct ftp_check *c;
	sigset_t all, old;
	int p[2], err;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		F.host->log(F.self, STH_LOG_ERRO, "ftp: pipe: %s",
		    strerror(errno));
		return -1;
	}
	c = plug_xcalloc(1, sizeof *c);
	c->sess = s;
	c->done = done;
	c->wfd = p[1];
	c->user = plug_xstrdup(s->user);
	c->pass = plug_xstrdup(pass);
	c->rc = -1;
	c->watch = F.host->watch_new(F.self, p[0], STH_READ, check_ready, c,
	    1);
	if (c->watch == NULL) {
		close(p[0]);
		check_release(c);
		return -1;
	}
	/* The loop's thread takes every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&c->thread, NULL, check_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		F.host->log(F.self, STH_LOG_ERRO, "ftp: pthread_create: %s",
		    strerror(err));
		c->sess = NULL;
		check_release(c);
		return -1;
	}
	LIST_INSERT_HEAD(&checks, c, entry);
	s->check = c;
	return 0;
}

void
ftp_check_detach(struct ftp_sess *s)
{
	if (s->check != NULL)
		s->check->sess = NULL;
	s->check = NULL;
}

void
ftp_checks_join(void)
{
	struct ftp_check *c;

	while ((c = LIST_FIRST(&checks)) != NULL) {
		pthread_join(c->thread, NULL);
		LIST_REMOVE(c, entry);
		c->sess = NULL;
		check_release(c);
	}
}
