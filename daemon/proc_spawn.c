/*
 * proc_spawn.c — command resolution with supervisord's spawnerr texts,
 * pipes, fork and the child's side up to execve (spec §2.3, §3.7).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "proc.h"
#include "sthenod.h"
#include "xmalloc.h"

extern char **environ;

/* A growable string. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void
sb_add(struct sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

char *
proc_pyrepr(const char *s)
{
	struct sbuf b = { NULL, 0, 0 };
	char q = '\'', esc[8];
	const unsigned char *p;

	if (strchr(s, '\'') != NULL && strchr(s, '"') == NULL)
		q = '"';
	sb_addc(&b, q);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\' || *p == (unsigned char)q) {
			sb_addc(&b, '\\');
			sb_addc(&b, (char)*p);
		} else if (*p == '\n')
			sb_add(&b, "\\n", 2);
		else if (*p == '\r')
			sb_add(&b, "\\r", 2);
		else if (*p == '\t')
			sb_add(&b, "\\t", 2);
		else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", *p);
			sb_add(&b, esc, 4);
		} else
			sb_addc(&b, (char)*p);
	}
	sb_addc(&b, q);
	return b.s;
}

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
	struct sbuf tok = { NULL, 0, 0 };
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
				sb_addc(&tok, c);
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
					sb_addc(&tok, *++p);
				else
					sb_addc(&tok, c);
			} else
				sb_addc(&tok, c);
			continue;
		}
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' ||
		    c == '\r') {
			if (in_tok) {
				argv = xreallocarray(argv, argc + 2,
				    sizeof *argv);
				argv[argc++] = tok.s != NULL ? tok.s :
				    xstrdup("");
				argv[argc] = NULL;
				tok.s = NULL;
				tok.len = tok.cap = 0;
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
			sb_addc(&tok, *++p);
		} else
			sb_addc(&tok, c);
	}
	if (argv == NULL)
		argv = xcalloc(1, sizeof *argv);
	return argv;
noclose:
	*err = xstrdup("No closing quotation");
fail:
	free(tok.s);
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
	r = proc_pyrepr(file);
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

/* The child's environment (spec §3.7), as "K=V" strings. */
static char **
child_env(const struct proc *p)
{
	json_t *env, *v;
	const char *k, *url;
	char **envp, *eq, *key;
	size_t i, n;

	env = json_object();
	for (i = 0; environ[i] != NULL; i++) {
		if ((eq = strchr(environ[i], '=')) == NULL)
			continue;
		key = xstrndup(environ[i], eq - environ[i]);
		json_object_set_new(env, key, json_string(eq + 1));
		free(key);
	}
	json_object_set_new(env, "SUPERVISOR_ENABLED", json_string("1"));
	url = p->cfg->serverurl != NULL ? p->cfg->serverurl :
	    proc_globals.serverurl;
	if (url != NULL)
		json_object_set_new(env, "SUPERVISOR_SERVER_URL",
		    json_string(url));
	json_object_set_new(env, "SUPERVISOR_PROCESS_NAME",
	    json_string(p->cfg->name));
	json_object_set_new(env, "SUPERVISOR_GROUP_NAME",
	    json_string(p->group != NULL ? p->group->cfg->name :
	    p->cfg->program));
	if (proc_globals.environment != NULL)
		json_object_update(env, proc_globals.environment);
	if (p->cfg->environment != NULL)
		json_object_update(env, p->cfg->environment);

	n = json_object_size(env);
	envp = xcalloc(n + 1, sizeof *envp);
	i = 0;
	json_object_foreach(env, k, v) {
		if (json_is_string(v))
			xasprintf(&envp[i++], "%s=%s", k,
			    json_string_value(v));
	}
	envp[i] = NULL;
	json_decref(env);
	return envp;
}

static void
child_write(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	(void)!write(2, buf, n);
}

/* The child: never returns. */
static void __attribute__((noreturn))
child(const struct proc *p, const char *file, char **argv, char **envp,
      int in, int out, int err, const char *username)
{
	struct sigaction sa;
	int fds[3], i;
	long maxfd;
	sigset_t set;

	/* a new process group: a Ctrl-C at the terminal stays ours */
	setpgid(0, 0);
	/*
	 * Default signal dispositions, then the mask for the program.  Every
	 * signal is blocked since before the fork: the daemon's handlers
	 * write into libevent's signal socketpair, which this copy shares
	 * with the daemon, so a SIGTERM meant for this child must not run
	 * one here (the daemon would shut down); it stays pending until the
	 * default action is back, then acts on the child as after exec.
	 */
	for (i = 1; i < NSIG; i++)
		if (sigaction(i, NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			signal(i, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	/*
	 * dup2 the pipe ends onto 0, 1, 2 (which needs no free fd, so a
	 * daemon at its RLIMIT_NOFILE still spawns); only an end that sits
	 * on 0..2 itself is first moved above 2, so that none is clobbered
	 * and each loses O_CLOEXEC in the dup2.
	 */
	fds[0] = in;
	fds[1] = out;
	fds[2] = err != -1 ? err : out;
	for (i = 0; i < 3; i++)
		if (fds[i] < 3 && (fds[i] = fcntl(fds[i], F_DUPFD, 3)) == -1)
			_exit(127);
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			_exit(127);
#ifdef HAVE_CLOSE_RANGE
	if (close_range(3, ~0U, 0) == -1)
#endif
	{
		maxfd = proc_globals.minfds > 0 ? proc_globals.minfds : 1024;
		if (sysconf(_SC_OPEN_MAX) > maxfd)
			maxfd = sysconf(_SC_OPEN_MAX);
		for (i = 3; i < maxfd; i++)
			close(i);
	}

	if (p->cfg->user != NULL && getuid() != p->cfg->uid) {
		const char *why = NULL;

		if (getuid() != 0)
			why = "Can't drop privilege as nonroot user";
		else if (initgroups(username, p->cfg->gid) == -1)
			why = "Could not set groups of effective user";
		else if (setgid(p->cfg->gid) == -1)
			why = "Could not set group id of effective user";
		else if (setuid(p->cfg->uid) == -1)
			why = "Could not set user id of effective user";
		if (why != NULL) {
			child_write("supervisor: couldn't setuid to %ld: %s\n",
			    (long)p->cfg->uid, why);
			goto fail;
		}
	}
	if (p->cfg->directory != NULL && chdir(p->cfg->directory) == -1) {
		child_write("supervisor: couldn't chdir to %s: %s\n",
		    p->cfg->directory, errname(errno));
		goto fail;
	}
	if (p->cfg->umask >= 0)
		umask((mode_t)p->cfg->umask);
	execve(file, argv, envp);
	child_write("supervisor: couldn't exec %s: %s\n", argv[0],
	    errname(errno));
fail:
	child_write("supervisor: child process was not spawned\n");
	_exit(127);
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
proc_spawn_real(struct proc *p, char **spawnerr)
{
	char **argv, **envp, *file, *err = NULL, *r;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	int fault, e, sock = -1;
	const char *name = p->cfg->name;
	char *username = NULL;
	struct passwd *pw;
	sigset_t all, old;
	pid_t pid;

	if ((argv = proc_split_command(p->cfg->command, &err)) == NULL) {
		r = proc_pyrepr(p->cfg->command);
		xasprintf(spawnerr, "can't parse command %s: %s", r, err);
		free(r);
		free(err);
		return -1;
	}
	if ((file = proc_resolve_command(p->cfg, argv, &fault, spawnerr)) ==
	    NULL) {
		proc_argv_free(argv);
		return -1;
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
	if (p->cfg->user != NULL && (pw = getpwuid(p->cfg->uid)) != NULL)
		username = xstrdup(pw->pw_name);
	envp = child_env(p);
	/* no handler of ours may run in the child before exec (child()) */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(p, file, argv, envp, sock != -1 ? sock : in[0], out[1],
		    er[1],
		    username != NULL ? username : p->cfg->user);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	proc_argv_free(envp);
	free(username);
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
	proc_argv_free(argv);
	free(file);
	return -1;
}
