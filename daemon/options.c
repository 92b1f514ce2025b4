/*
 * options.c — [supervisord] read through cfg_read() with the command line
 * on top (options.h; docs/supervisord.md §1.6, §1.4).
 *
 * The table below is supervisord's ServerOptions.read_config in order,
 * with its defaults; checks cfg_read does not do (directories that must
 * exist, paths made absolute, the user looked up) follow in one place, for
 * config and command-line values alike.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgval.h"
#include "cli.h"
#include "expand.h"
#include "ini.h"
#include "log.h"
#include "options.h"
#include "sthenod.h"
#include "xmalloc.h"

/* What cfg_read fills from the section. */
struct options_section {
	long minfds;
	long minprocs;
	char *directory;
	char *user;
	long umask;
	char *logfile;
	long long logfile_maxbytes;
	long logfile_backups;
	int loglevel;
	char *pidfile;
	char *identifier;
	int nodaemon;
	int silent;
	char *childlogdir;
	int nocleanup;
	int strip_ansi;
	int subreaper;
	json_t *environment;
};

#define OPT(m) offsetof(struct options_section, m)
static const struct cfg_option options_table[] = {
	{ "minfds", CFG_INT, OPT(minfds), "1024", 0, 0, 0 },
	{ "minprocs", CFG_INT, OPT(minprocs), "200", 0, 0, 0 },
	{ "directory", CFG_STR, OPT(directory), NULL, 0, 0, 0 },
	{ "user", CFG_STR, OPT(user), NULL, 0, 0, 0 },
	{ "umask", CFG_OCTAL, OPT(umask), "022", 0, 0, 0 },
	{ "logfile", CFG_STR, OPT(logfile), "supervisord.log", 0, 0, 0 },
	{ "logfile_maxbytes", CFG_BYTES, OPT(logfile_maxbytes), "50MB", 0,
	  0, 0 },
	{ "logfile_backups", CFG_INT, OPT(logfile_backups), "10", 0, 0, 0 },
	{ "loglevel", CFG_LOGLEVEL, OPT(loglevel), "info", 0, 0, 0 },
	{ "pidfile", CFG_STR, OPT(pidfile), "supervisord.pid", 0, 0, 0 },
	{ "identifier", CFG_STR, OPT(identifier), "supervisor", 0, 0, 0 },
	{ "nodaemon", CFG_BOOL, OPT(nodaemon), "false", 0, 0, 0 },
	{ "silent", CFG_BOOL, OPT(silent), "false", 0, 0, 0 },
	{ "childlogdir", CFG_STR, OPT(childlogdir), NULL, 0, 0, 0 },
	{ "nocleanup", CFG_BOOL, OPT(nocleanup), "false", 0, 0, 0 },
	{ "strip_ansi", CFG_BOOL, OPT(strip_ansi), "false", 0, 0, 0 },
	{ "environment", CFG_ENV, OPT(environment), NULL, 0, 0, 0 },
	/* stheno's own (docs/stheno.conf.5.md) */
	{ "subreaper", CFG_BOOL, OPT(subreaper), "false", 0, 0, 0 },
	{ NULL, CFG_STR, 0, NULL, 0, 0, 0 },
};

/* Replace *dst by a copy of src when the flag was given. */
static void
options_take_str(char **dst, const char *src, int given)
{
	if (!given)
		return;
	free(*dst);
	*dst = xstrdup(src);
}

/*
 * os.path.normpath(os.path.abspath(p)): relative to the current directory,
 * "." and ".." resolved lexically (the file need not exist).
 */
static char *
options_abspath(const char *p)
{
	char cwd[PATH_MAX], *full, *out, *seg, *save = NULL;
	size_t n = 0, len;

	if (p[0] == '/')
		full = xstrdup(p);
	else if (getcwd(cwd, sizeof cwd) != NULL)
		xasprintf(&full, "%s/%s", cwd, p);
	else
		xasprintf(&full, "/%s", p);
	out = xmalloc(strlen(full) + 2);
	for (seg = strtok_r(full, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		len = strlen(seg);
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(full);
	return out;
}

/* "<why> in section 'supervisord' (file: ..., line N)" for a config value,
 * just "<why>" for a command-line one (cli.c checked those already). */
static int
options_fail(const struct ini_section *sec, const char *key, char *why,
    char **err)
{
	char *where = cfg_where(sec, key);

	xasprintf(err, "%s %s", why, where);
	free(where);
	free(why);
	return -1;
}

/* A path key: the directory must exist; made absolute unless syslog. */
static int
options_path(const struct ini_section *sec, const char *key, char **path,
    int allow_syslog, char **err)
{
	char *checked, *why;

	if (allow_syslog && strcmp(*path, "syslog") == 0)
		return 0;
	if (cli_existing_dirpath(*path, &checked, &why) == -1)
		return options_fail(sec, key, why, err);
	free(*path);
	*path = options_abspath(checked);
	free(checked);
	return 0;
}

static int
options_dir(const struct ini_section *sec, const char *key, char **dir,
    char **err)
{
	char *checked, *why;

	if (*dir == NULL)
		return 0;
	if (cli_existing_dir(*dir, &checked, &why) == -1)
		return options_fail(sec, key, why, err);
	free(*dir);
	*dir = checked;
	return 0;
}

/* Move what cfg_read produced into o, the command line winning. */
static void
options_merge(struct sth_options *o, struct options_section *s,
    const struct sth_cli *c)
{
	o->minfds = CLI_GIVEN(c, CLI_MINFDS) ? c->minfds : s->minfds;
	o->minprocs = CLI_GIVEN(c, CLI_MINPROCS) ? c->minprocs : s->minprocs;
	o->umask = CLI_GIVEN(c, CLI_UMASK) ? c->umask : s->umask;
	o->logfile_maxbytes = CLI_GIVEN(c, CLI_LOGFILE_MAXBYTES) ?
	    c->logfile_maxbytes : s->logfile_maxbytes;
	o->logfile_backups = CLI_GIVEN(c, CLI_LOGFILE_BACKUPS) ?
	    c->logfile_backups : s->logfile_backups;
	o->loglevel = CLI_GIVEN(c, CLI_LOGLEVEL) ? c->loglevel : s->loglevel;
	o->nodaemon = CLI_GIVEN(c, CLI_NODAEMON) ? 1 : s->nodaemon;
	o->silent = CLI_GIVEN(c, CLI_SILENT) ? 1 : s->silent;
	o->nocleanup = CLI_GIVEN(c, CLI_NOCLEANUP) ? 1 : s->nocleanup;
	o->strip_ansi = CLI_GIVEN(c, CLI_STRIP_ANSI) ? 1 : s->strip_ansi;
	o->subreaper = s->subreaper;

	/* Strings: steal the section's, then let the command line replace. */
	o->directory = s->directory;
	o->user = s->user;
	o->logfile = s->logfile;
	o->pidfile = s->pidfile;
	o->identifier = s->identifier;
	o->childlogdir = s->childlogdir;
	o->environment = s->environment;
	memset(s, 0, sizeof *s);
	options_take_str(&o->directory, c->directory,
	    CLI_GIVEN(c, CLI_DIRECTORY));
	options_take_str(&o->user, c->user, CLI_GIVEN(c, CLI_USER));
	options_take_str(&o->logfile, c->logfile, CLI_GIVEN(c, CLI_LOGFILE));
	options_take_str(&o->pidfile, c->pidfile, CLI_GIVEN(c, CLI_PIDFILE));
	options_take_str(&o->identifier, c->identifier,
	    CLI_GIVEN(c, CLI_IDENTIFIER));
	options_take_str(&o->childlogdir, c->childlogdir,
	    CLI_GIVEN(c, CLI_CHILDLOGDIR));
}

/* Checks of docs/supervisord.md §1.6 that cfg_read does not make. */
static int
options_check(struct sth_options *o, const struct ini_section *sec,
    char **err)
{
	const char *tmp;
	char *why;

	if (options_dir(sec, "directory", &o->directory, err) == -1 ||
	    options_path(sec, "logfile", &o->logfile, 1, err) == -1 ||
	    options_path(sec, "pidfile", &o->pidfile, 0, err) == -1)
		return -1;
	if (o->childlogdir == NULL) {
		tmp = getenv("TMPDIR");
		o->childlogdir = xstrdup(tmp != NULL && *tmp != '\0' ? tmp :
		    "/tmp");
	}
	if (options_dir(sec, "childlogdir", &o->childlogdir, err) == -1)
		return -1;
	if (o->logfile_maxbytes != 0 && (strcmp(o->logfile, "/dev/stdout") ==
	    0 || strcmp(o->logfile, "/dev/stderr") == 0)) {
		xasprintf(err, "logfile=%s cannot be rotated: it needs "
		    "logfile_maxbytes=0 (in [supervisord] or -y 0)",
		    o->logfile);
		return -1;
	}
	if (o->logfile_backups < 0 || o->logfile_backups > INT_MAX) {
		xasprintf(err, "logfile_backups must be 0 or more, not %ld",
		    o->logfile_backups);
		return -1;
	}
	if (o->user != NULL && cfgval_user(o->user, &o->uid, &o->gid,
	    &why) == -1) {
		*err = why;
		return -1;
	}
	return 0;
}

/* ENV_* of our environment, plus ENV_<K> for [supervisord] environment=. */
static json_t *
options_env_vars(const json_t *environment)
{
	json_t *vars = expand_env_vars(), *v;
	const char *k;
	char *name;

	if (environment == NULL)
		return vars;
	json_object_foreach((json_t *)environment, k, v) {
		xasprintf(&name, "ENV_%s", k);
		json_object_set(vars, name, v);
		free(name);
	}
	return vars;
}

int
options_load(struct sth_options *o, const char *configfile,
    const struct sth_cli *cli, struct ini_doc **docp, json_t **env_vars,
    char **err)
{
	struct options_section s;
	const struct ini_section *sec;
	struct ini_doc *doc;
	json_t *vars;
	char *slash;

	memset(o, 0, sizeof *o);
	*docp = NULL;
	*env_vars = NULL;
	if (access(configfile, F_OK) == -1) {
		xasprintf(err, "could not find config file %s", configfile);
		return -1;
	}
	if ((doc = ini_load(configfile, err)) == NULL)
		return -1;
	if ((sec = ini_find(doc, "supervisord")) == NULL) {
		xasprintf(err,
		    ".ini file does not include supervisord section");
		ini_free(doc);
		return -1;
	}
	o->configfile = xstrdup(ini_path(doc));
	o->here = xstrdup(o->configfile);
	if ((slash = strrchr(o->here, '/')) != NULL)
		*(slash == o->here ? slash + 1 : slash) = '\0';

	vars = expand_vars(NULL, o->here, NULL);
	if (cfg_read(sec, options_table, &s, vars, err) == -1) {
		json_decref(vars);
		goto fail;
	}
	json_decref(vars);
	options_merge(o, &s, cli);
	if (options_check(o, sec, err) == -1)
		goto fail;
	*env_vars = options_env_vars(o->environment);
	*docp = doc;
	return 0;

fail:
	options_free(o);
	ini_free(doc);
	return -1;
}

void
options_free(struct sth_options *o)
{
	free(o->configfile);
	free(o->here);
	free(o->user);
	free(o->directory);
	free(o->logfile);
	free(o->pidfile);
	free(o->identifier);
	free(o->childlogdir);
	if (o->environment != NULL)
		json_decref(o->environment);
	memset(o, 0, sizeof *o);
}

struct ini_doc *
options_reread(json_t **vars, char **err)
{
	struct sth_options o;
	struct sth_cli nocli;
	struct ini_doc *doc = NULL;
	json_t *v = NULL;
	const char *path;

	*err = NULL;
	if (vars != NULL)
		*vars = NULL;
	if (sth.opts != NULL) {
		memset(&nocli, 0, sizeof nocli);
		if (options_load(&o, sth.opts->configfile, &nocli, &doc, &v,
		    err) == -1)
			return NULL;
		options_free(&o);
	} else {
		path = sth.ini != NULL ? ini_path(sth.ini) : NULL;
		if (path == NULL) {
			*err = xstrdup("no config file to read");
			return NULL;
		}
		if ((doc = ini_load(path, err)) == NULL)
			return NULL;
	}
	if (vars != NULL)
		*vars = v;
	else if (v != NULL)
		json_decref(v);
	return doc;
}
