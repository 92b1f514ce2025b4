/*
 * proc_autolog.c — the AUTO child log files (docs/supervisord.md §3.2):
 * naming and creating one per AUTO channel the way supervisor's mkstemp
 * call does, and clearing a previous run's files of this identifier from
 * childlogdir when the daemon starts (supervisor's clear_autochildlogdir).
 *
 * Ownership: the paths made are stored in the process configs, which own
 * them (proc_config_free frees them); the files themselves are the log
 * writers' once made.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "pyrepr.h"
#include "xmalloc.h"

static const char *const chan_names[2] = { "stdout", "stderr" };

/*
 * Random bytes for AUTO log names, drawn from the kernel a block at a time
 * (arc4random_uniform() makes one getrandom() call per character, 16 a
 * process); a byte is taken only below the largest multiple of the
 * alphabet's size, so that every character stays equally likely.
 */
static struct {
	unsigned char b[512];
	size_t left;
} rndpool;

static int
rnd_char(const char *alpha, size_t n)
{
	unsigned int limit = 256 - 256 % n, c;
	ssize_t got;

	for (;;) {
		if (rndpool.left == 0) {
			got = getrandom(rndpool.b, sizeof rndpool.b, 0);
			if (got <= 0)
				return alpha[arc4random_uniform(n)];
			rndpool.left = (size_t)got;
		}
		c = rndpool.b[--rndpool.left];
		if (c < limit)
			return alpha[c % n];
	}
}

/* Python's mkstemp alphabet: 8 random characters. */
static int
make_auto(const char *dir, const char *name, const char *chan,
	  const char *ident, char **path)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	char rnd[9];
	int fd, i, tries;

	for (tries = 0; tries < 100; tries++) {
		for (i = 0; i < 8; i++)
			rnd[i] = (char)rnd_char(alpha, sizeof alpha - 1);
		rnd[8] = '\0';
		xasprintf(path, "%s/%s-%s---%s-%s.log", dir, name, chan, ident,
		    rnd);
		fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd != -1) {
			close(fd);
			return 0;
		}
		free(*path);
		*path = NULL;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
proc_make_autologs(struct group_config *gc, const struct proc_globals *g,
		   char **err)
{
	struct proc_config *pc;
	size_t i;
	int ch;

	for (i = 0; i < gc->nprocs; i++) {
		pc = gc->procs[i];
		for (ch = 0; ch < 2; ch++) {
			if (pc->log[ch].logfile.kind != CFG_LOGFILE_AUTO)
				continue;
			free(pc->log[ch].path);
			pc->log[ch].path = NULL;
			if (make_auto(g->childlogdir, pc->name, chan_names[ch],
			    g->identifier, &pc->log[ch].path) == -1) {
				xasprintf(err, "could not create AUTO log in "
				    "%s for '%s': %s", g->childlogdir,
				    pc->name, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* The regex of clear_autochildlogdir, identifier escaped. */
static int
auto_regex(regex_t *re, const char *ident)
{
	char *pat, *p;
	const char *s;
	int rc;

	static const char head[] = "^.+---", tail[] = "-[^[:space:]]+\\.log";

	pat = xmalloc(strlen(ident) * 2 + sizeof head + sizeof tail);
	memcpy(pat, head, sizeof head - 1);
	p = pat + sizeof head - 1;
	for (s = ident; *s != '\0'; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s) != NULL)
			*p++ = '\\';
		*p++ = *s;
	}
	memcpy(p, tail, sizeof tail);
	rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	free(pat);
	return rc;
}

void
proc_clean_autologs(const struct proc_globals *g)
{
	DIR *d;
	struct dirent *de;
	regex_t re;
	char *path;

	if (auto_regex(&re, g->identifier) != 0)
		return;
	if ((d = opendir(g->childlogdir)) == NULL) {
		log_warn("Could not clear childlog dir");
		regfree(&re);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (regexec(&re, de->d_name, 0, NULL, 0) != 0)
			continue;
		xasprintf(&path, "%s/%s", g->childlogdir, de->d_name);
		if (unlink(path) == -1) {
			char *r = pyrepr(path);

			log_warn("Failed to clean up %s", r);
			free(r);
		}
		free(path);
	}
	closedir(d);
	regfree(&re);
}
