/*
 * cli.h — sthenod's command line: supervisord's flags (docs/supervisord.md
 * §1.1) plus --plugin-dir, and the search for a config file.
 *
 * Ownership: a struct sth_cli owns the strings it holds (cli_free); error
 * messages are malloc'd and the caller's.
 *
 * Each value given on the command line overrides the matching
 * [supervisord] key (options.c merges them); a flag may be given once.
 * Values are checked here with supervisord's types and wording, so a bad
 * value fails before any file is read.
 */
#ifndef STHENO_CLI_H
#define STHENO_CLI_H

#include <stdio.h>

/* One id per option; CLI_GIVEN() says whether it was on the command line. */
enum cli_id {
	CLI_CONFIGURATION,
	CLI_NODAEMON,
	CLI_SILENT,
	CLI_USER,
	CLI_UMASK,
	CLI_DIRECTORY,
	CLI_LOGFILE,
	CLI_LOGFILE_MAXBYTES,
	CLI_LOGFILE_BACKUPS,
	CLI_LOGLEVEL,
	CLI_PIDFILE,
	CLI_IDENTIFIER,
	CLI_CHILDLOGDIR,
	CLI_NOCLEANUP,
	CLI_MINFDS,
	CLI_MINPROCS,
	CLI_STRIP_ANSI,
	CLI_PROFILE_OPTIONS,
	CLI_PLUGIN_DIR,
	CLI_HELP,
	CLI_VERSION,
	CLI_MAX
};

struct sth_cli {
	unsigned long given;		/* 1UL << CLI_* */
	char *configuration;		/* as given (made absolute later) */
	char *user;
	long umask;
	char *directory;
	char *logfile;
	long long logfile_maxbytes;
	long logfile_backups;
	int loglevel;			/* STH_LOG_* */
	char *pidfile;
	char *identifier;
	char *childlogdir;
	long minfds;
	long minprocs;
	char *plugin_dir;
};

#define CLI_GIVEN(c, id) ((((c)->given) >> (id)) & 1UL)

/*
 * Parse argv.  Returns 0, or -1 with *err set to the text that follows
 * "Error: " (e.g. "conflicting command line option '-n'").  Parsing stops
 * at -h or -v, which the caller acts on.
 */
int cli_parse(struct sth_cli *cli, int argc, char *const argv[], char **err);
void cli_free(struct sth_cli *cli);

/* The -h text; prog is how sthenod was invoked. */
void cli_usage(FILE *f, const char *prog);

/*
 * The first config file that exists (docs/supervisord.md §1.1, stheno.conf
 * searched before each supervisord.conf): in prefix/etc, prefix (the parent of
 * the folder that holds the executable, exedir), ./, ./etc, /etc,
 * /etc/supervisor. Returns a malloc'd path, or NULL with *err set to the list
 * searched.
 */
char *cli_find_config(const char *exedir, char **err);

/* The folder that holds the running executable (malloc'd). */
char *cli_exe_dir(const char *argv0);

/*
 * supervisord's path checks (datatypes.existing_directory and
 * existing_dirpath), "~" expanded: 0 with *out malloc'd, or -1 with *err.
 */
int cli_existing_dir(const char *s, char **out, char **err);
int cli_existing_dirpath(const char *s, char **out, char **err);

#endif
