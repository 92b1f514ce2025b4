/*
 * check.c — real users' logins are checked by a small fixed pool of
 * threads, so that PAM never holds the loop: a yescrypt or SHA-512 hash
 * costs milliseconds, one with many rounds seconds, and a PAM module may
 * ask a slow network service (slow calls never block the loop:
 * docs/ARCHITECTURE.md).  The pool is bounded: a thread per CPU, from 2 to
 * FTP_CHECK_WORKERS (a check is CPU-bound: more would only share), each
 * check holding at most one hash's memory (yescrypt's default: 16 MB), and
 * a queue of at most FTP_CHECK_QUEUE_MAX checks waiting their turn; a PASS
 * beyond that is refused with 421 by the caller.  A thread per PASS, as
 * before, made 101 threads and 1.28 GB for 100 simultaneous wrong
 * passwords.
 *
 * A worker does only the reentrant work of ftp_auth_local() on copies of
 * USER, PASS and the peer's address, then writes the check's pointer into
 * one pipe the loop watches (a pointer is less than PIPE_BUF: one write is
 * atomic); the loop finishes the login with the answer.
 *
 * Ownership: the pool owns every check from ftp_check_start until the loop
 * has read its pointer back (or fini has dropped it).  A session that goes
 * away first is only detached: a queued check is dropped at once, a
 * running one loses its session (sess = NULL) and is freed when it comes
 * back.  The threads start with the first check and are joined by fini
 * (after at most one check each).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "ftp.h"

struct ftp_check {
	TAILQ_ENTRY(ftp_check) entry;	/* in the queue, under the lock */
	int queued;			/* under the lock */
	struct ftp_sess *sess;		/* the loop's: NULL once gone */
	ftp_check_fn done;
	char *user;
	char *pass;
	char *rhost;
	/* the answer, written by the worker before the pointer */
	int rc;
	struct ftp_ident id;
	char *home;
	char *why;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	TAILQ_HEAD(, ftp_check) queue;	/* under the lock */
	int nqueued;			/* under the lock */
	int stop;			/* under the lock */
	int nthreads;
	pthread_t threads[FTP_CHECK_WORKERS];
	int wfd;			/* the workers' end of the pipe */
	int rfd;
	struct sth_watch *watch;	/* watches rfd (and owns it) */
} P = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.queue = TAILQ_HEAD_INITIALIZER(P.queue),
	.wfd = -1,
	.rfd = -1,
};

static void
check_free(struct ftp_check *c)
{
	explicit_bzero(c->pass, strlen(c->pass));
	free(c->pass);
	free(c->user);
	free(c->rhost);
	free(c->home);
	free(c->why);
	free(c);
}

static void *
worker(void *arg)
{
	struct ftp_check *c;
	ssize_t n;

	for (;;) {
		pthread_mutex_lock(&P.lock);
		while (!P.stop && TAILQ_EMPTY(&P.queue))
			pthread_cond_wait(&P.wake, &P.lock);
		if (P.stop) {
			pthread_mutex_unlock(&P.lock);
			return NULL;
		}
		c = TAILQ_FIRST(&P.queue);
		TAILQ_REMOVE(&P.queue, c, entry);
		c->queued = 0;
		P.nqueued--;
		pthread_mutex_unlock(&P.lock);

		c->rc = ftp_auth_local(c->user, c->pass, c->rhost, &c->id,
		    &c->home, &c->why);
		do
			n = write(P.wfd, &c, sizeof c);
		while (n == -1 && errno == EINTR);
		if (n != (ssize_t)sizeof c)	/* a blocking pipe: cannot be */
			abort();
	}
}

/* One finished check back on the loop: answer its session, if any. */
static void
check_finish(struct ftp_check *c)
{
	struct ftp_sess *s = c->sess;
	struct ftp_ident id;

	memset(&id, 0, sizeof id);
	if (c->rc == 0)
		id = c->id;
	if (s != NULL) {
		s->check = NULL;
		c->done(s, c->rc, &id, c->home, c->why);
	}
	check_free(c);
}

static void
check_ready(struct sth_watch *w, int fd, short what, void *arg)
{
	struct ftp_check *c;
	ssize_t n;

	while ((n = read(fd, &c, sizeof c)) == (ssize_t)sizeof c)
		check_finish(c);
	if (n > 0)	/* whole pointers only, written at once */
		abort();
}

/* The pipe and the threads, at the first check.  0 or -1 (logged). */
static int
pool_start(void)
{
	sigset_t all, old;
	long want = sysconf(_SC_NPROCESSORS_ONLN);
	int p[2], err = 0;

	if (P.watch != NULL)
		return 0;
	want = want < 2 ? 2 : want > FTP_CHECK_WORKERS ? FTP_CHECK_WORKERS :
	    want;
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		F.host->log(F.self, STH_LOG_ERRO, "ftp: pipe: %s",
		    strerror(errno));
		return -1;
	}
	P.watch = F.host->watch_new(F.self, p[0], STH_READ, check_ready, NULL,
	    1);
	if (P.watch == NULL) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	P.wfd = p[1];
	P.rfd = p[0];
	P.stop = 0;
	/* The loop's thread takes every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (P.nthreads < want && (err = pthread_create(
	    &P.threads[P.nthreads], NULL, worker, NULL)) == 0)
		P.nthreads++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (P.nthreads == 0) {
		F.host->log(F.self, STH_LOG_ERRO, "ftp: pthread_create: %s",
		    strerror(err));
		ftp_checks_join();
		return -1;
	}
	return 0;
}

int
ftp_check_start(struct ftp_sess *s, const char *pass, ftp_check_fn done)
{
	struct ftp_check *c;
	char host[64];
	int full;

	if (pool_start() == -1)
		return -1;
	c = xcalloc(1, sizeof *c);
	c->sess = s;
	c->done = done;
	c->user = xstrdup(s->user);
	c->pass = xstrdup(pass);
	ftp_sa_host((struct sockaddr *)&s->peer, host, sizeof host);
	c->rhost = xstrdup(host);
	c->rc = -1;
	pthread_mutex_lock(&P.lock);
	full = P.nqueued >= FTP_CHECK_QUEUE_MAX;
	if (!full) {
		TAILQ_INSERT_TAIL(&P.queue, c, entry);
		c->queued = 1;
		P.nqueued++;
		pthread_cond_signal(&P.wake);
	}
	pthread_mutex_unlock(&P.lock);
	if (full) {
		check_free(c);
		return -2;
	}
	s->check = c;
	return 0;
}

void
ftp_check_detach(struct ftp_sess *s)
{
	struct ftp_check *c = s->check;
	int queued;

	if (c == NULL)
		return;
	s->check = NULL;
	c->sess = NULL;
	pthread_mutex_lock(&P.lock);
	if ((queued = c->queued)) {
		TAILQ_REMOVE(&P.queue, c, entry);
		P.nqueued--;
	}
	pthread_mutex_unlock(&P.lock);
	if (queued)
		check_free(c);
}

void
ftp_checks_join(void)
{
	struct ftp_check *c;
	int i;

	pthread_mutex_lock(&P.lock);
	P.stop = 1;
	while ((c = TAILQ_FIRST(&P.queue)) != NULL) {
		TAILQ_REMOVE(&P.queue, c, entry);
		check_free(c);
	}
	P.nqueued = 0;
	pthread_cond_broadcast(&P.wake);
	pthread_mutex_unlock(&P.lock);
	for (i = 0; i < P.nthreads; i++)
		pthread_join(P.threads[i], NULL);
	P.nthreads = 0;
	/* what the workers finished meanwhile: sessions are all gone */
	if (P.watch != NULL) {
		check_ready(P.watch, P.rfd, STH_READ, NULL);
		F.host->watch_free(P.watch);
		P.watch = NULL;
	}
	if (P.wfd != -1)
		close(P.wfd);
	P.wfd = P.rfd = -1;
}
