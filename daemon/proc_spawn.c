/*
 * proc_spawn.c — command resolution with supervisord's spawnerr texts,
 * pipes, fork and the child's side up to execve (docs/supervisord.md §2.3,
 * §3.7).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "dbuf.h"
#include "envfile.h"
#include "log.h"
#include "proc.h"
#include "pyrepr.h"
#include "sthenod.h"
#include "xmalloc.h"

extern char **environ;

void
proc_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* shlex.split(cmd): POSIX mode, whitespace_split, no comments. */
char **
proc_split_command(const char *cmd, char **err)
{
	char **argv = NULL;
	size_t argc = 0;
	struct dbuf tok = DBUF_INIT;
	int in_tok = 0;
	const char *p;
	char quote = 0;

	for (p = cmd;; p++) {
		char c = *p;

		if (quote == '\'') {
			if (c == '\0')
				goto noclose;
			if (c == '\'')
				quote = 0;
			else
				dbuf_addc(&tok, c);
			continue;
		}
		if (quote == '"') {
			if (c == '\0')
				goto noclose;
			if (c == '"')
				quote = 0;
			else if (c == '\\') {
				if (p[1] == '\0')
					goto noclose;
				if (p[1] == '"' || p[1] == '\\')
					dbuf_addc(&tok, *++p);
				else
					dbuf_addc(&tok, c);
			} else
				dbuf_addc(&tok, c);
			continue;
		}
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' ||
		    c == '\r') {
			if (in_tok) {
				argv = xreallocarray(argv, argc + 2,
				    sizeof *argv);
				argv[argc++] = dbuf_take(&tok);
				argv[argc] = NULL;
				in_tok = 0;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_tok = 1;
		if (c == '\'' || c == '"')
			quote = c;
		else if (c == '\\') {
			if (p[1] == '\0') {
				*err = xstrdup("No escaped character");
				goto fail;
			}
			dbuf_addc(&tok, *++p);
		} else
			dbuf_addc(&tok, c);
	}
	if (argv == NULL)
		argv = xcalloc(1, sizeof *argv);
	return argv;
noclose:
	*err = xstrdup("No closing quotation");
fail:
	dbuf_free(&tok);
	proc_argv_free(argv);
	return NULL;
}

/* The PATH to search: the program's environment, supervisord's, or a
 * default (Options.get_path). */
static char *
search_path(const struct proc_config *pc)
{
	json_t *v;
	const char *p;

	if (pc->environment != NULL &&
	    (v = json_object_get(pc->environment, "PATH")) != NULL &&
	    json_is_string(v))
		return xstrdup(json_string_value(v));
	if ((p = getenv("PATH")) != NULL && *p != '\0')
		return xstrdup(p);
	return xstrdup("/bin:/usr/bin:/usr/local/bin");
}

char *
proc_resolve_command(const struct proc_config *pc, char **argv, int *fault,
		     char **err)
{
	struct stat st;
	char *file = NULL, *path, *dir, *next, *r;
	int found = 0;

	*fault = 0;
	if (argv[0] == NULL) {
		*err = xstrdup("command is empty");
		*fault = STH_FAULT_NO_FILE;
		return NULL;
	}
	if (strchr(argv[0], '/') != NULL) {
		file = xstrdup(argv[0]);
		found = stat(file, &st) == 0;
	} else {
		path = search_path(pc);
		for (dir = path; dir != NULL; dir = next) {
			if ((next = strchr(dir, ':')) != NULL)
				*next++ = '\0';
			free(file);
			if (*dir == '\0')
				file = xstrdup(argv[0]);
			else if (dir[strlen(dir) - 1] == '/')
				xasprintf(&file, "%s%s", dir, argv[0]);
			else
				xasprintf(&file, "%s/%s", dir, argv[0]);
			if (stat(file, &st) == 0) {
				found = 1;
				break;
			}
		}
		free(path);
		if (!found) {
			free(file);
			file = xstrdup(argv[0]);
		}
	}
	r = pyrepr(file);
	if (!found) {
		xasprintf(err, "can't find command %s", r);
		*fault = STH_FAULT_NO_FILE;
	} else if (S_ISDIR(st.st_mode)) {
		xasprintf(err, "command at %s is a directory", r);
		*fault = STH_FAULT_NOT_EXECUTABLE;
	} else if ((st.st_mode & 0111) == 0) {
		xasprintf(err, "command at %s is not executable", r);
		*fault = STH_FAULT_NOT_EXECUTABLE;
	} else if (access(file, X_OK) != 0) {
		xasprintf(err, "no permission to run command %s", r);
		*fault = STH_FAULT_NOT_EXECUTABLE;
	}
	free(r);
	if (*fault != 0) {
		free(file);
		return NULL;
	}
	return file;
}

static const char *
errname(int e)
{
	const char *n = strerrorname_np(e);

	return n != NULL ? n : "EUNKNOWN";
}

/*
 * The child's environment (docs/supervisord.md §3.7) under construction: "K=V"
 * strings, ours or environ's own, in the order supervisord's dict has them (a
 * key set again keeps its place).  Building it is per spawn, so no JSON and
 * no copy of the variables that come through unchanged.
 */
struct envbuf {
	char **v;
	unsigned char *own;	/* 1: v[i] is ours to free */
	size_t n, cap;
};

static void
env_put(struct envbuf *e, const char *kv, size_t klen, int own)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], kv, klen + 1) == 0)
			break;
	if (i == e->n) {
		if (e->n + 2 > e->cap) {
			e->cap = (e->n + 2) * 2;
			e->v = xreallocarray(e->v, e->cap, sizeof *e->v);
			e->own = xreallocarray(e->own, e->cap,
			    sizeof *e->own);
		}
		e->n++;
	} else if (e->own[i])
		free(e->v[i]);
	e->v[i] = (char *)kv;
	e->own[i] = own;
}

static void
env_set(struct envbuf *e, const char *k, const char *v)
{
	char *kv;

	xasprintf(&kv, "%s=%s", k, v);
	env_put(e, kv, strlen(k), 1);
}

static void
env_update(struct envbuf *e, const json_t *env)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)env, k, v)
		if (json_is_string(v))
			env_set(e, k, json_string_value(v));
}

/* filed: the program's environment files, read for this spawn (or NULL):
 * over [supervisord]'s environment=, under the program's own. */
static void
child_env(struct envbuf *e, const struct proc *p, const json_t *filed)
{
	const char *eq, *url;
	size_t i;

	memset(e, 0, sizeof *e);
	for (i = 0; environ[i] != NULL; i++)
		if ((eq = strchr(environ[i], '=')) != NULL)
			env_put(e, environ[i], eq - environ[i], 0);
	env_set(e, "SUPERVISOR_ENABLED", "1");
	url = p->cfg->serverurl != NULL ? p->cfg->serverurl :
	    proc_globals.serverurl;
	if (url != NULL)
		env_set(e, "SUPERVISOR_SERVER_URL", url);
	env_set(e, "SUPERVISOR_PROCESS_NAME", p->cfg->name);
	env_set(e, "SUPERVISOR_GROUP_NAME", p->group != NULL ?
	    p->group->cfg->name : p->cfg->program);
	if (proc_globals.environment != NULL)
		env_update(e, proc_globals.environment);
	if (filed != NULL)
		env_update(e, filed);
	if (p->cfg->environment != NULL)
		env_update(e, p->cfg->environment);
	e->v[e->n] = NULL;
}

static void
env_free(struct envbuf *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->own[i])
			free(e->v[i]);
	free(e->v);
	free(e->own);
}

/*
 * Everything the child needs, made before the clone.  The child runs in
 * our memory (CLONE_VM) until its execve while we wait (CLONE_VFORK), so
 * it touches nothing but this and its own stack, and only makes system
 * calls: no malloc, no stdio, no lock, no global written (errno aside,
 * which we do not read after a successful clone).
 */
struct spawn_child {
	const char *file;
	char **argv;
	char **envp;		/* env.v */
	struct envbuf env;
	int fds[3];		/* the child's 0, 1, 2 */
	int on_stdio;		/* they are our 0, 1, 2 now (stdio_swap) */
	long maxfd;		/* minfds: close() up to this or the rlimit
				 * without close_range */
	int setuser;		/* 0: keep ours; 1: switch; -1: not root */
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* getgrouplist() of the user, or NULL */
	int ngroups;
	const char *directory;
	long umask;
};

/*
 * The child's stack: it runs on its own, so that nothing it does can
 * clobber a frame of ours.  Only the pages it touches become resident.
 */
#define SPAWN_STACK_SIZE (64 * 1024)
static char spawn_stack[SPAWN_STACK_SIZE] __attribute__((aligned(64)));

/*
 * The child's functions are not instrumented by ASan: it would see a
 * stack it does not know (spawn_stack) at each noreturn call and say so
 * on the child's stderr, which goes to the program's log.
 */
#define CHILD_CODE __attribute__((no_sanitize_address))

/* Append s to the message in b (at most len bytes); the child's printf. */
static size_t CHILD_CODE
child_cat(char *b, size_t at, size_t len, const char *s)
{
	while (*s != '\0' && at < len)
		b[at++] = *s++;
	return at;
}

/* "supervisor: " a b c d "\n" on fd 2, then the exit supervisord makes. */
static void CHILD_CODE __attribute__((noreturn))
child_fail(const char *a, const char *b, const char *c, const char *d)
{
	static const char tail[] = "supervisor: child process was not "
	    "spawned\n";
	char buf[1024];
	size_t n = 0;

	n = child_cat(buf, n, sizeof buf - 1, "supervisor: ");
	n = child_cat(buf, n, sizeof buf - 1, a);
	n = child_cat(buf, n, sizeof buf - 1, b);
	n = child_cat(buf, n, sizeof buf - 1, c);
	n = child_cat(buf, n, sizeof buf - 1, d);
	buf[n++] = '\n';
	(void)!write(2, buf, n);
	(void)!write(2, tail, sizeof tail - 1);
	_exit(127);
}

/* close() 3 .. max(minfds, RLIMIT_NOFILE), where the kernel has no
 * close_range (ENOSYS: before Linux 5.9). */
static void CHILD_CODE
child_close_from3(const struct spawn_child *c)
{
	long i, maxfd = c->maxfd, open_max;

	if ((open_max = sysconf(_SC_OPEN_MAX)) > maxfd)
		maxfd = open_max;
	for (i = 3; i < maxfd; i++)
		close((int)i);
}

/* The child, on spawn_stack: never returns. */
static int CHILD_CODE
child(void *arg)
{
	const struct spawn_child *c = arg;
	struct sigaction sa;
	char num[24], *np;
	int fds[3], i;
	unsigned long u;
	sigset_t set;

	/* a new process group: a Ctrl-C at the terminal stays ours */
	setpgid(0, 0);
	/*
	 * Default signal dispositions, then the mask for the program.  Every
	 * signal is blocked since before the clone: the daemon's handlers
	 * write into libevent's signal socketpair, which the child shares
	 * with the daemon, so a SIGTERM meant for this child must not run
	 * one here (the daemon would shut down); it stays pending until the
	 * default action is back, then acts on the child as after exec.  The
	 * dispositions are the child's own (no CLONE_SIGHAND).
	 */
	for (i = 1; i < NSIG; i++)
		if (sigaction(i, NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			signal(i, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if (c->on_stdio) {
		/*
		 * The pipe ends are already our 0, 1, 2 in the fd table we
		 * share with the daemon (CLONE_FILES): take a table of our own
		 * holding only those, rather than a copy of the daemon's
		 * thousands of fds to close one by one.
		 */
		if (close_range(3, ~0U, CLOSE_RANGE_UNSHARE) == -1) {
			if (unshare(CLONE_FILES) == -1)
				_exit(127);
			child_close_from3(c);
		}
	} else {
		/*
		 * dup2 the pipe ends onto 0, 1, 2 (which needs no free fd, so
		 * a daemon at its RLIMIT_NOFILE still spawns); only an end
		 * that sits on 0..2 itself is first moved above 2, so that
		 * none is clobbered and each loses O_CLOEXEC in the dup2.
		 */
		for (i = 0; i < 3; i++)
			if ((fds[i] = c->fds[i]) < 3 &&
			    (fds[i] = fcntl(fds[i], F_DUPFD, 3)) == -1)
				_exit(127);
		for (i = 0; i < 3; i++)
			if (dup2(fds[i], i) == -1)
				_exit(127);
		if (close_range(3, ~0U, 0) == -1)
			child_close_from3(c);
	}

	if (c->setuser != 0) {
		const char *why = NULL;

		if (c->setuser == -1)
			why = "Can't drop privilege as nonroot user";
		else if (c->groups == NULL ||
		    setgroups((size_t)c->ngroups, c->groups) == -1)
			why = "Could not set groups of effective user";
		else if (setgid(c->gid) == -1)
			why = "Could not set group id of effective user";
		else if (setuid(c->uid) == -1)
			why = "Could not set user id of effective user";
		if (why != NULL) {
			np = num + sizeof num;
			*--np = '\0';
			u = (unsigned long)c->uid;
			do
				*--np = (char)('0' + u % 10);
			while ((u /= 10) != 0);
			child_fail("couldn't setuid to ", np, ": ", why);
		}
	}
	if (c->directory != NULL && chdir(c->directory) == -1)
		child_fail("couldn't chdir to ", c->directory, ": ",
		    errname(errno));
	if (c->umask >= 0)
		umask((mode_t)c->umask);
	execve(c->file, c->argv, c->envp);
	child_fail("couldn't exec ", c->argv[0], ": ", errname(errno));
}

/*
 * Our own 0, 1, 2 while a child is cloned onto them.  A child that shares
 * our fd table (CLONE_FILES) and unshares it keeping 0..2 only costs the
 * same with 10 fds open or 5000; a child with a copy of the table has to
 * copy and then close every one of them, which with 500 programs made up
 * most of each spawn.  Only while every signal is blocked, and only if
 * none of the child's ends is on 0..2 already and three fds are free to
 * keep ours in: 0 (swapped), or -1 (nothing changed).
 */
struct stdio_saved {
	int fd[3];		/* our 0, 1, 2 dup'd above 2; -1: was closed */
	int flags[3];		/* their FD_CLOEXEC */
};

static int
stdio_swap(const int fds[3], struct stdio_saved *sv)
{
	int i, j;

	for (i = 0; i < 3; i++)
		if (fds[i] < 3)
			return -1;
	for (i = 0; i < 3; i++) {
		sv->fd[i] = -1;
		if ((sv->flags[i] = fcntl(i, F_GETFD)) == -1)
			continue;	/* closed: closed again afterwards */
		if ((sv->fd[i] = fcntl(i, F_DUPFD_CLOEXEC, 3)) == -1) {
			for (j = 0; j < i; j++)
				if (sv->fd[j] != -1)
					close(sv->fd[j]);
			return -1;
		}
	}
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			fatalx("%s: dup2 onto %d: %s", __func__, i,
			    strerror(errno));
	return 0;
}

static void
stdio_restore(const struct stdio_saved *sv)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (sv->fd[i] == -1) {
			close(i);
			continue;
		}
		if (dup3(sv->fd[i], i, (sv->flags[i] & FD_CLOEXEC) ?
		    O_CLOEXEC : 0) == -1)
			fatalx("%s: dup3 onto %d: %s", __func__, i,
			    strerror(errno));
		close(sv->fd[i]);
	}
}

/*
 * valgrind runs a clone() only when its flags are a vfork's (CLONE_VM |
 * CLONE_VFORK, which it makes a fork) and exits on CLONE_FILES ("Unsupported
 * clone() flags"), so under valgrind no child shares our fd table: each
 * gets a copy and closes it down (slower, the same child).  valgrind
 * announces itself by preloading its core into the program it runs.
 */
static int
under_valgrind(void)
{
	static int known = -1;
	const char *pre;

	if (known == -1) {
		pre = getenv("LD_PRELOAD");
		known = pre != NULL && strstr(pre, "/vgpreload_core") != NULL;
	}
	return known;
}

/* The groups initgroups() would set for user: a new array, or NULL. */
static gid_t *
user_groups(const char *user, gid_t gid, int *n)
{
	gid_t *groups = NULL;
	int cap = 32;

	while (cap <= 65536) {
		groups = xreallocarray(groups, cap, sizeof *groups);
		*n = cap;
		if (getgrouplist(user, gid, groups, n) != -1)
			return groups;
		cap = *n > cap ? *n : cap * 2;
	}
	free(groups);
	*n = 0;
	return NULL;
}

/* Fill c with what p's child needs but its pipes. */
static void
child_prepare(struct spawn_child *c, const struct proc *p, const char *file,
	      char **argv, const json_t *filed)
{
	struct passwd *pw;
	const char *user;

	memset(c, 0, sizeof *c);
	c->file = file;
	c->argv = argv;
	child_env(&c->env, p, filed);
	c->envp = c->env.v;
	c->maxfd = proc_globals.minfds > 0 ? proc_globals.minfds : 1024;
	c->directory = p->cfg->directory;
	c->umask = p->cfg->umask;
	if (p->cfg->user == NULL || getuid() == p->cfg->uid)
		return;
	c->uid = p->cfg->uid;
	c->gid = p->cfg->gid;
	if (getuid() != 0) {
		c->setuser = -1;
		return;
	}
	c->setuser = 1;
	user = (pw = getpwuid(p->cfg->uid)) != NULL ? pw->pw_name :
	    p->cfg->user;
	c->groups = user_groups(user, p->cfg->gid, &c->ngroups);
}

/* make_dispatchers' failure (pipes or log files): supervisord's text. */
static void
dispatch_err(char **spawnerr, const char *name, int e)
{
	if (e == EMFILE)
		xasprintf(spawnerr, "too many open files to spawn '%s'", name);
	else
		xasprintf(spawnerr, "unknown error making dispatchers for "
		    "'%s': %s", name, errname(e));
}

static int
make_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC);
}

int
proc_command_prepare(struct proc *p, int *fault, char **err)
{
	char **argv, *e = NULL, *r;

	proc_command_drop(p);
	if ((argv = proc_split_command(p->cfg->command, &e)) == NULL) {
		r = pyrepr(p->cfg->command);
		xasprintf(err, "can't parse command %s: %s", r, e);
		free(r);
		free(e);
		*fault = STH_FAULT_NOT_EXECUTABLE;
		return -1;
	}
	if ((p->cmd_file = proc_resolve_command(p->cfg, argv, fault,
	    err)) == NULL) {
		proc_argv_free(argv);
		return -1;
	}
	p->cmd_argv = argv;
	return 0;
}

void
proc_command_drop(struct proc *p)
{
	proc_argv_free(p->cmd_argv);
	free(p->cmd_file);
	p->cmd_argv = NULL;
	p->cmd_file = NULL;
}

int
proc_spawn_real(struct proc *p, char **spawnerr)
{
	char **argv, *file, *err = NULL;
	json_t *filed = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	int fault, e, sock = -1;
	const char *name = p->cfg->name;
	struct spawn_child c;
	struct stdio_saved sv;
	sigset_t all, old;
	pid_t pid;

	/* startProcess prepared it already; autostart and retries not */
	if (p->cmd_argv == NULL &&
	    proc_command_prepare(p, &fault, spawnerr) == -1)
		return -1;
	argv = p->cmd_argv;
	file = p->cmd_file;
	p->cmd_argv = NULL;
	p->cmd_file = NULL;
	/* read at each spawn: edit the file, restart the program */
	if (p->cfg->environment_file != NULL &&
	    envfile_load(p->cfg->environment_file, &filed, &err) == -1) {
		xasprintf(spawnerr, "can't read environment_file %s", err);
		free(err);
		goto fail;
	}
	if (proc_io_open_logs(p) == -1) {
		/* supervisord opens the logs with the pipes, one message */
		dispatch_err(spawnerr, name, errno);
		goto fail;
	}
	/* fcgi-program: the group's socket is fd 0, there is no stdin pipe */
	if (p->group != NULL && p->group->cfg->kind == GROUP_FCGI &&
	    (sock = proc_fcgi_acquire(p, spawnerr)) == -1)
		goto fail;
	if ((sock == -1 && make_pipe(in) == -1) || make_pipe(out) == -1 ||
	    (!p->cfg->redirect_stderr && make_pipe(er) == -1)) {
		dispatch_err(spawnerr, name, errno);
		goto fail;
	}
	child_prepare(&c, p, file, argv, filed);
	c.fds[0] = sock != -1 ? sock : in[0];
	c.fds[1] = out[1];
	c.fds[2] = er[1] != -1 ? er[1] : out[1];
	/*
	 * vfork's way, which copies no page table and takes no copy-on-write
	 * fault afterwards: we sleep until the child has exec'd or died.  No
	 * handler of ours may run in the child before exec (child()).
	 */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	c.on_stdio = !under_valgrind() && stdio_swap(c.fds, &sv) == 0;
	pid = clone(child, spawn_stack + sizeof spawn_stack, CLONE_VM |
	    CLONE_VFORK | (c.on_stdio ? CLONE_FILES : 0) | SIGCHLD, &c);
	e = errno;
	if (c.on_stdio)
		stdio_restore(&sv);
	sigprocmask(SIG_SETMASK, &old, NULL);
	env_free(&c.env);
	json_decref(filed);
	filed = NULL;
	free(c.groups);
	if (pid == -1) {
		if (e == EAGAIN)
			xasprintf(spawnerr, "Too many processes in process "
			    "table to spawn '%s'", name);
		else
			xasprintf(spawnerr, "unknown error during fork for "
			    "'%s': %s", name, errname(e));
		goto fail;
	}
	if (in[0] != -1)
		close(in[0]);
	close(out[1]);
	if (er[1] != -1)
		close(er[1]);
	p->pid = pid;
	proc_io_attach(p, in[1], out[0], er[0]);
	proc_argv_free(argv);
	free(file);
	return 0;
fail:
	for (e = 0; e < 2; e++) {
		if (in[e] != -1)
			close(in[e]);
		if (out[e] != -1)
			close(out[e]);
		if (er[e] != -1)
			close(er[e]);
	}
	proc_fcgi_release(p);
	proc_io_close_logs(p);	/* BACKOFF holds no fd until the next try */
	json_decref(filed);
	proc_argv_free(argv);
	free(file);
	return -1;
}

/*
 * healthcheck=exec: (proc_health.c): command run as p's program is (its
 * user, environment, directory and umask), stdin on /dev/null, stdout and
 * stderr on out.  0 with *pid set, or -1 with *err set.
 */
int
proc_spawn_check(struct proc *p, const char *command, int out, pid_t *pid,
		 char **err)
{
	char **argv, *file, *e2 = NULL;
	json_t *filed = NULL;
	struct spawn_child c;
	struct stdio_saved sv;
	sigset_t all, old;
	int fault, nul, e;

	if ((argv = proc_split_command(command, &e2)) == NULL) {
		xasprintf(err, "can't parse command: %s", e2);
		free(e2);
		return -1;
	}
	if ((file = proc_resolve_command(p->cfg, argv, &fault, err)) == NULL) {
		proc_argv_free(argv);
		return -1;
	}
	if (p->cfg->environment_file != NULL &&
	    envfile_load(p->cfg->environment_file, &filed, &e2) == -1) {
		xasprintf(err, "can't read environment_file %s", e2);
		free(e2);
		proc_argv_free(argv);
		free(file);
		return -1;
	}
	if ((nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(err, "open /dev/null: %s", errname(errno));
		json_decref(filed);
		proc_argv_free(argv);
		free(file);
		return -1;
	}
	child_prepare(&c, p, file, argv, filed);
	c.fds[0] = nul;
	c.fds[1] = out;
	c.fds[2] = out;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	c.on_stdio = !under_valgrind() && stdio_swap(c.fds, &sv) == 0;
	*pid = clone(child, spawn_stack + sizeof spawn_stack, CLONE_VM |
	    CLONE_VFORK | (c.on_stdio ? CLONE_FILES : 0) | SIGCHLD, &c);
	e = errno;
	if (c.on_stdio)
		stdio_restore(&sv);
	sigprocmask(SIG_SETMASK, &old, NULL);
	env_free(&c.env);
	json_decref(filed);
	free(c.groups);
	close(nul);
	proc_argv_free(argv);
	free(file);
	if (*pid == -1) {
		xasprintf(err, "fork: %s", errname(e));
		return -1;
	}
	return 0;
}
