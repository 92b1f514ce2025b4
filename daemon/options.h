/*
 * options.h — the daemon's own settings: the [supervisord] section
 * (docs/supervisord.md §1.6) with the command line's values on top (cli.h).
 *
 * Ownership: a struct sth_options owns every string and JSON object it holds
 * (options_free); main.c keeps the one in force in sth.opts, which other
 * components read (never write) for CLI-overridable keys such as identifier or
 * childlogdir.
 */
#ifndef STHENO_OPTIONS_H
#define STHENO_OPTIONS_H

#include <sys/types.h>
#include <jansson.h>

struct ini_doc;
struct sth_cli;

struct sth_options {
	char *configfile;	/* absolute path of the main config file */
	char *here;		/* its directory */
	int nodaemon;
	int silent;
	char *user;		/* NULL: no user= and no -u */
	uid_t uid;		/* valid when user != NULL */
	gid_t gid;
	long umask;		/* applied only when daemonizing */
	char *directory;	/* chdir here when daemonizing; NULL: none */
	char *logfile;		/* absolute, or "syslog" */
	long long logfile_maxbytes;
	long logfile_backups;
	int loglevel;		/* STH_LOG_* */
	char *pidfile;		/* absolute */
	char *identifier;
	char *childlogdir;
	int nocleanup;
	long minfds;
	long minprocs;
	int strip_ansi;
	int subreaper;		/* PR_SET_CHILD_SUBREAPER (stheno's own key) */
	json_t *environment;	/* [supervisord] environment= (object of
				 * strings, in order), or NULL */
};

/*
 * Read configfile (searched for by the caller when -c is absent) and merge
 * cli over its [supervisord] section.  On success returns 0 with *doc the
 * parsed file (the caller's, ini_free) and *env_vars the expansion names
 * every later section gets: ENV_* of the environment plus ENV_<K> for each
 * key of [supervisord] environment= (docs/supervisord.md §1.4; a new object,
 * the caller's).  On failure returns -1 with *err the text after "Error: ".
 */
int options_load(struct sth_options *o, const char *configfile,
		 const struct sth_cli *cli, struct ini_doc **doc,
		 json_t **env_vars, char **err);
void options_free(struct sth_options *o);

/*
 * Read the config file in force again, as supervisorctl's reread does: the
 * file sthenod was started with (sth.opts), else the path of the doc in
 * force (sth.ini; the unit tests).  Returns the new doc (the caller's) and,
 * if vars is not NULL, its expansion names in *vars; NULL with *err.
 */
struct ini_doc *options_reread(json_t **vars, char **err);

#endif
