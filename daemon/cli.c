/*
 * cli.c — sthenod's command line (cli.h; docs/supervisord.md §1.1).
 *
 * One table says every option: its short and long names, how its value is
 * checked, where it is stored, and its line of the -h text.  getopt_long's
 * own messages are off; errors are worded as supervisord words them
 * ("option -x not recognized", "invalid value for -y 'abc': ...").
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgval.h"
#include "cli.h"
#include "log.h"
#include "xmalloc.h"

enum cli_kind {
	CLI_K_FLAG,		/* no value */
	CLI_K_STR,		/* char * */
	CLI_K_DIR,		/* char *, an existing directory */
	CLI_K_DIRPATH,		/* char *, a path whose directory exists */
	CLI_K_OCTAL,		/* long */
	CLI_K_BYTES,		/* long long */
	CLI_K_INT,		/* long */
	CLI_K_LOGLEVEL,		/* int */
	CLI_K_IGNORED,		/* accepted, warned about, dropped */
};

#define CLI_OFF(m) offsetof(struct sth_cli, m)
#define CLI_NONE ((size_t)-1)

static const struct cli_opt {
	enum cli_id id;
	int sname;		/* 0: long form only */
	const char *lname;
	enum cli_kind kind;
	size_t offset;
	const char *help;	/* the -h line after the names */
} cli_opts[] = {
	{ CLI_CONFIGURATION, 'c', "configuration", CLI_K_STR,
	  CLI_OFF(configuration),
	  "FILENAME -- configuration file path (searches if not given)" },
	{ CLI_NODAEMON, 'n', "nodaemon", CLI_K_FLAG, CLI_NONE,
	  "-- run in the foreground (same as 'nodaemon=true' in config file)" },
	{ CLI_SILENT, 's', "silent", CLI_K_FLAG, CLI_NONE,
	  "-- no logs to stdout (maps to 'silent=true' in config file)" },
	{ CLI_HELP, 'h', "help", CLI_K_FLAG, CLI_NONE,
	  "-- print this usage message and exit" },
	{ CLI_VERSION, 'v', "version", CLI_K_FLAG, CLI_NONE,
	  "-- print sthenod version number and exit" },
	{ CLI_USER, 'u', "user", CLI_K_STR, CLI_OFF(user),
	  "USER -- run sthenod as this user (or numeric uid)" },
	{ CLI_UMASK, 'm', "umask", CLI_K_OCTAL, CLI_OFF(umask),
	  "UMASK -- use this umask for daemon subprocess (default is 022)" },
	{ CLI_DIRECTORY, 'd', "directory", CLI_K_DIR, CLI_OFF(directory),
	  "DIRECTORY -- directory to chdir to when daemonized" },
	{ CLI_LOGFILE, 'l', "logfile", CLI_K_DIRPATH, CLI_OFF(logfile),
	  "FILENAME -- use FILENAME as logfile path" },
	{ CLI_LOGFILE_MAXBYTES, 'y', "logfile_maxbytes", CLI_K_BYTES,
	  CLI_OFF(logfile_maxbytes),
	  "BYTES -- use BYTES to limit the max size of logfile" },
	{ CLI_LOGFILE_BACKUPS, 'z', "logfile_backups", CLI_K_INT,
	  CLI_OFF(logfile_backups),
	  "NUM -- number of backups to keep when max bytes reached" },
	{ CLI_LOGLEVEL, 'e', "loglevel", CLI_K_LOGLEVEL, CLI_OFF(loglevel),
	  "LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)" },
	{ CLI_PIDFILE, 'j', "pidfile", CLI_K_DIRPATH, CLI_OFF(pidfile),
	  "FILENAME -- write a pid file for the daemon process to FILENAME" },
	{ CLI_IDENTIFIER, 'i', "identifier", CLI_K_STR, CLI_OFF(identifier),
	  "STR -- identifier used for this instance of sthenod" },
	{ CLI_CHILDLOGDIR, 'q', "childlogdir", CLI_K_DIR, CLI_OFF(childlogdir),
	  "DIRECTORY -- the log directory for child process logs" },
	{ CLI_NOCLEANUP, 'k', "nocleanup", CLI_K_FLAG, CLI_NONE,
	  "--  prevent the process from performing cleanup (removal of\n"
	  "                   old automatic child log files) at startup." },
	{ CLI_MINFDS, 'a', "minfds", CLI_K_INT, CLI_OFF(minfds),
	  "NUM -- the minimum number of file descriptors for start success" },
	{ CLI_STRIP_ANSI, 't', "strip_ansi", CLI_K_FLAG, CLI_NONE,
	  "-- strip ansi escape codes from process output" },
	{ CLI_MINPROCS, 0, "minprocs", CLI_K_INT, CLI_OFF(minprocs),
	  "NUM  -- the minimum number of processes available for start "
	  "success" },
	{ CLI_PROFILE_OPTIONS, 0, "profile_options", CLI_K_IGNORED, CLI_NONE,
	  "OPTIONS -- accepted for supervisord compatibility; ignored" },
	{ CLI_PLUGIN_DIR, 0, "plugin-dir", CLI_K_STR, CLI_OFF(plugin_dir),
	  "DIR -- search DIR (colon-separated list) for plugins, before the "
	  "installed plugin folder" },
	{ CLI_PRINT_CONFIG, 0, "print-config", CLI_K_FLAG, CLI_NONE,
	  "-- print a commented sample config file and exit" },
};
#define CLI_NOPTS (sizeof cli_opts / sizeof cli_opts[0])

/* getopt_long's value for a long-only option. */
#define CLI_LONGVAL(i) (0x100 + (int)(i))

static int
cli_takes_arg(const struct cli_opt *o)
{
	return o->kind != CLI_K_FLAG;
}

/* os.path.expanduser: "~" and "~/x" from $HOME, "~user/x" from passwd. */
static char *
cli_expanduser(const char *s)
{
	const char *rest, *home = NULL;
	struct passwd *pw;
	char *name, *out;

	if (s[0] != '~')
		return xstrdup(s);
	rest = strchr(s, '/');
	if (rest == NULL)
		rest = s + strlen(s);
	if (rest == s + 1) {
		home = getenv("HOME");
		if (home == NULL && (pw = getpwuid(getuid())) != NULL)
			home = pw->pw_dir;
	} else {
		name = xstrndup(s + 1, (size_t)(rest - s - 1));
		if ((pw = getpwnam(name)) != NULL)
			home = pw->pw_dir;
		free(name);
	}
	if (home == NULL)
		return xstrdup(s);
	xasprintf(&out, "%s%s", home, rest);
	return out;
}

static int
cli_isdir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cli_existing_dir(const char *s, char **out, char **err)
{
	char *nv = cli_expanduser(s);

	if (!cli_isdir(nv)) {
		free(nv);
		xasprintf(err, "%s is not an existing directory", s);
		return -1;
	}
	*out = nv;
	return 0;
}

int
cli_existing_dirpath(const char *s, char **out, char **err)
{
	char *nv = cli_expanduser(s), *dir, *slash;
	int ok;

	if ((slash = strrchr(nv, '/')) == NULL) {
		*out = nv;	/* no directory part: the current one */
		return 0;
	}
	dir = slash == nv ? xstrdup("/") : xstrndup(nv, (size_t)(slash - nv));
	ok = cli_isdir(dir);
	free(dir);
	if (!ok) {
		free(nv);
		xasprintf(err, "The directory named as part of the path %s "
		    "does not exist", s);
		return -1;
	}
	*out = nv;
	return 0;
}

/* Check and store one value. */
static int
cli_store(struct sth_cli *cli, const struct cli_opt *o, const char *arg,
    char **why)
{
	void *dst = o->offset == CLI_NONE ? NULL : (char *)cli + o->offset;

	switch (o->kind) {
	case CLI_K_FLAG:
		return 0;
	case CLI_K_IGNORED:
		log_warn("--%s is not supported by sthenod; ignored",
		    o->lname);
		return 0;
	case CLI_K_STR:
		*(char **)dst = xstrdup(arg);
		return 0;
	case CLI_K_DIR:
		return cli_existing_dir(arg, dst, why);
	case CLI_K_DIRPATH:
		return cli_existing_dirpath(arg, dst, why);
	case CLI_K_OCTAL:
		return cfgval_octal(arg, dst, why);
	case CLI_K_BYTES:
		return cfgval_bytes(arg, dst, why);
	case CLI_K_INT:
		return cfgval_int(arg, dst, why);
	case CLI_K_LOGLEVEL:
		return cfgval_loglevel(arg, dst, why);
	}
	fatalx("cli: option %s has kind %d", o->lname, o->kind);
}

/* The name of a long option as typed in arg ("--log=x" -> "log"). */
static char *
cli_typed_long(const char *arg)
{
	size_t n = strcspn(arg + 2, "=");

	return xstrndup(arg + 2, n);
}

/* Python's repr() of a list of str, as supervisord prints positionals. */
static char *
cli_repr_list(int n, char *const v[])
{
	char *out = xstrdup("["), *next;
	int i;

	for (i = 0; i < n; i++) {
		xasprintf(&next, "%s%s'%s'", out, i > 0 ? ", " : "", v[i]);
		free(out);
		out = next;
	}
	xasprintf(&next, "%s]", out);
	free(out);
	return next;
}

/* The message for an option getopt refused; `bad` is argv[optind - 1]. */
static void
cli_refused(int c, const char *bad, char **err)
{
	char *name;
	size_t i, len, matches = 0;
	const struct cli_opt *hit = NULL;

	if (bad == NULL || strncmp(bad, "--", 2) != 0) {
		if (c == ':')
			xasprintf(err, "option -%c requires argument", optopt);
		else
			xasprintf(err, "option -%c not recognized", optopt);
		return;
	}
	name = cli_typed_long(bad);
	len = strlen(name);
	for (i = 0; i < CLI_NOPTS; i++) {
		if (strncmp(cli_opts[i].lname, name, len) != 0)
			continue;
		if (cli_opts[i].lname[len] == '\0') {
			hit = &cli_opts[i];
			matches = 1;
			break;
		}
		hit = &cli_opts[i];
		matches++;
	}
	if (matches > 1)
		xasprintf(err, "option --%s not a unique prefix", name);
	else if (hit == NULL)
		xasprintf(err, "option --%s not recognized", name);
	else if (c == ':')
		xasprintf(err, "option --%s requires argument", hit->lname);
	else
		xasprintf(err, "option --%s must not have an argument",
		    hit->lname);
	free(name);
}

int
cli_parse(struct sth_cli *cli, int argc, char *const argv[], char **err)
{
	struct option lopts[CLI_NOPTS + 1];
	char shorts[3 + 2 * CLI_NOPTS + 1], *typed, *why;
	const struct cli_opt *o;
	size_t i, n = 0;
	int c, li;

	memset(cli, 0, sizeof *cli);
	*err = NULL;
	shorts[n++] = '+';	/* stop at the first positional */
	shorts[n++] = ':';	/* ':' for a missing argument */
	for (i = 0; i < CLI_NOPTS; i++) {
		o = &cli_opts[i];
		lopts[i].name = o->lname;
		lopts[i].has_arg = cli_takes_arg(o) ? required_argument :
		    no_argument;
		lopts[i].flag = NULL;
		lopts[i].val = o->sname != 0 ? o->sname : CLI_LONGVAL(i);
		if (o->sname != 0) {
			shorts[n++] = (char)o->sname;
			if (cli_takes_arg(o))
				shorts[n++] = ':';
		}
	}
	memset(&lopts[CLI_NOPTS], 0, sizeof lopts[CLI_NOPTS]);
	shorts[n] = '\0';

	optind = 0;	/* glibc: start over (tests parse many times) */
	opterr = 0;
	for (;;) {
		li = -1;
		c = getopt_long(argc, argv, shorts, lopts, &li);
		if (c == -1)
			break;
		if (c == '?' && optopt == '?')
			c = 'h';	/* -? is -h */
		else if (c == '?' || c == ':') {
			cli_refused(c, optind > 0 && optind <= argc ?
			    argv[optind - 1] : NULL, err);
			return -1;
		}
		for (i = 0; i < CLI_NOPTS; i++)
			if (lopts[i].val == c)
				break;
		if (i == CLI_NOPTS)
			fatalx("cli: getopt_long returned %d", c);
		o = &cli_opts[i];
		if (li >= 0)
			xasprintf(&typed, "--%s", o->lname);
		else
			xasprintf(&typed, "-%c", o->sname);
		if (CLI_GIVEN(cli, o->id)) {
			xasprintf(err, "conflicting command line option '%s'",
			    typed);
			free(typed);
			return -1;
		}
		cli->given |= 1UL << o->id;
		if (cli_store(cli, o, optarg, &why) == -1) {
			xasprintf(err, "invalid value for %s '%s': %s", typed,
			    optarg, why);
			free(why);
			free(typed);
			return -1;
		}
		free(typed);
		if (o->id == CLI_HELP || o->id == CLI_VERSION ||
		    o->id == CLI_PRINT_CONFIG)
			return 0;
	}
	if (optind < argc) {
		why = cli_repr_list(argc - optind, argv + optind);
		xasprintf(err, "positional arguments are not supported: %s",
		    why);
		free(why);
		return -1;
	}
	return 0;
}

void
cli_free(struct sth_cli *cli)
{
	size_t i;

	for (i = 0; i < CLI_NOPTS; i++) {
		switch (cli_opts[i].kind) {
		case CLI_K_STR:
		case CLI_K_DIR:
		case CLI_K_DIRPATH:
			free(*(char **)((char *)cli + cli_opts[i].offset));
			break;
		default:
			break;
		}
	}
	memset(cli, 0, sizeof *cli);
}

void
cli_usage(FILE *f, const char *prog)
{
	const struct cli_opt *o;
	size_t i;

	fprintf(f, "sthenod -- run a set of applications as daemons.\n\n"
	    "Usage: %s [options]\n\nOptions:\n", prog);
	for (i = 0; i < CLI_NOPTS; i++) {
		o = &cli_opts[i];
		if (o->sname != 0 && o->id == CLI_HELP)
			fprintf(f, "-h/-?/--%s %s\n", o->lname, o->help);
		else if (o->sname != 0)
			fprintf(f, "-%c/--%s %s\n", o->sname, o->lname,
			    o->help);
		else
			fprintf(f, "--%s %s\n", o->lname, o->help);
	}
}

/* Where to look, in order, each folder with stheno.conf then
 * supervisord.conf; "@" is the parent of the executable's folder.  Then
 * the packaged default (docs/stheno.conf.5.md, FILES), last so that every
 * place supervisord searches keeps its precedence. */
static const char *const cli_search_dirs[] = {
	"@/etc", "@", ".", "etc", "/etc", "/etc/supervisor",
};
static const char *const cli_search_names[] = {
	"stheno.conf", "supervisord.conf",
};
static const char *const cli_search_last[] = {
	"/etc/stheno/stheno.conf",
};
#define CLI_NDIRS (sizeof cli_search_dirs / sizeof cli_search_dirs[0])
#define CLI_NNAMES (sizeof cli_search_names / sizeof cli_search_names[0])
#define CLI_NLAST (sizeof cli_search_last / sizeof cli_search_last[0])

/* The i-th place to look, malloc'd; NULL past the last. */
static char *
cli_search_path(const char *prefix, size_t i)
{
	const char *dir, *name;
	char *p;

	if (i >= CLI_NDIRS * CLI_NNAMES)
		return i - CLI_NDIRS * CLI_NNAMES < CLI_NLAST ?
		    xstrdup(cli_search_last[i - CLI_NDIRS * CLI_NNAMES]) : NULL;
	dir = cli_search_dirs[i / CLI_NNAMES];
	name = cli_search_names[i % CLI_NNAMES];
	if (dir[0] == '@')
		xasprintf(&p, "%s%s/%s", prefix, dir + 1, name);
	else if (strcmp(dir, ".") == 0)
		p = xstrdup(name);
	else
		xasprintf(&p, "%s/%s", dir, name);
	return p;
}

char *
cli_find_config(const char *exedir, char **err)
{
	char *prefix, *slash, *p, *list = NULL, *next;
	size_t i;

	prefix = xstrdup(exedir);
	if ((slash = strrchr(prefix, '/')) != NULL)
		*(slash == prefix ? slash + 1 : slash) = '\0';
	else {
		free(prefix);
		prefix = xstrdup(".");
	}
	for (i = 0; (p = cli_search_path(prefix, i)) != NULL; i++) {
		if (access(p, F_OK) == 0) {
			free(prefix);
			free(list);
			return p;
		}
		if (list == NULL)
			list = p;
		else {
			xasprintf(&next, "%s, %s", list, p);
			free(list);
			free(p);
			list = next;
		}
	}
	free(prefix);
	xasprintf(err, "No config file found at default paths (%s); use the "
	    "-c option to specify a config file at a different path", list);
	free(list);
	return NULL;
}

char *
cli_exe_dir(const char *argv0)
{
	char buf[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0)
		buf[n] = '\0';
	else if (argv0 == NULL || realpath(argv0, buf) == NULL)
		return xstrdup(".");
	if ((slash = strrchr(buf, '/')) == NULL)
		return xstrdup(".");
	*(slash == buf ? slash + 1 : slash) = '\0';
	return xstrdup(buf);
}
