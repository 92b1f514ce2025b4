/*
 * test_options.c — daemon/options.c: [supervisord] with its defaults, the
 * command line on top, paths made absolute, the checks of docs/supervisord.md
 * §1.6.
 */
#include "config.h"

#include <sys/stat.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ini.h"
#include "log.h"
#include "options.h"
#include "xmalloc.h"

static char dir[] = "/tmp/sth-options-XXXXXX";
static char *conf;

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	xasprintf(&conf, "%s/s.conf", dir);
	cr_assert_eq(chdir(dir), 0);
}

TestSuite(options, .init = setup);

static void
write_conf(const char *text)
{
	FILE *f = fopen(conf, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* options_load on text with argv (NULL-terminated, without argv[0]). */
static int
load(struct sth_options *o, const char *text, char *const *args,
    json_t **vars, char **err)
{
	char *argv[32] = { "sthenod" };
	struct sth_cli cli;
	struct ini_doc *doc = NULL;
	int argc = 1, rc;

	while (args != NULL && args[argc - 1] != NULL) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	cr_assert_eq(cli_parse(&cli, argc, argv, err), 0, "%s", *err);
	write_conf(text);
	rc = options_load(o, conf, &cli, &doc, vars, err);
	if (doc != NULL)
		ini_free(doc);
	cli_free(&cli);
	return rc;
}

Test(options, defaults_are_supervisords)
{
	struct sth_options o;
	json_t *vars;
	char *err = NULL, *want;

	cr_assert_eq(load(&o, "[supervisord]\n", NULL, &vars, &err), 0, "%s",
	    err);
	xasprintf(&want, "%s/supervisord.log", dir);
	cr_assert_str_eq(o.logfile, want);
	free(want);
	xasprintf(&want, "%s/supervisord.pid", dir);
	cr_assert_str_eq(o.pidfile, want);
	free(want);
	cr_assert_str_eq(o.configfile, conf);
	cr_assert_str_eq(o.here, dir);
	cr_assert_eq(o.logfile_maxbytes, 50LL * 1024 * 1024);
	cr_assert_eq(o.logfile_backups, 10);
	cr_assert_eq(o.loglevel, STH_LOG_INFO);
	cr_assert_eq(o.umask, 022);
	cr_assert_eq(o.minfds, 1024);
	cr_assert_eq(o.minprocs, 200);
	cr_assert_eq(o.nodaemon, 0);
	cr_assert_eq(o.silent, 0);
	cr_assert_eq(o.nocleanup, 0);
	cr_assert_eq(o.strip_ansi, 0);
	cr_assert_str_eq(o.identifier, "supervisor");
	cr_assert_null(o.user);
	cr_assert_null(o.directory);
	cr_assert_null(o.environment);
	cr_assert_not_null(o.childlogdir);
	options_free(&o);
	json_decref(vars);
}

Test(options, command_line_wins)
{
	struct sth_options o;
	json_t *vars;
	char *err = NULL;

	cr_assert_eq(load(&o, "[supervisord]\nloglevel=warn\nidentifier=conf\n"
	    "logfile=conf.log\nlogfile_maxbytes=1MB\nnodaemon=false\n"
	    "minfds=10\n",
	    (char *const[]){ "-e", "debug", "-i", "cli", "-l", "/tmp/cli.log",
	    "-y", "0", "-n", "-k", "-t", "-s", "-a", "20", "--minprocs", "30",
	    "-m", "077", "-z", "0", "-q", "/", "-d", "/",
	    NULL }, &vars, &err), 0, "%s", err);
	cr_assert_eq(o.loglevel, STH_LOG_DEBG);
	cr_assert_str_eq(o.identifier, "cli");
	cr_assert_str_eq(o.logfile, "/tmp/cli.log");
	cr_assert_eq(o.logfile_maxbytes, 0);
	cr_assert_eq(o.logfile_backups, 0);
	cr_assert(o.nodaemon && o.nocleanup && o.strip_ansi && o.silent);
	cr_assert_eq(o.minfds, 20);
	cr_assert_eq(o.minprocs, 30);
	cr_assert_eq(o.umask, 077);
	cr_assert_str_eq(o.childlogdir, "/");
	cr_assert_str_eq(o.directory, "/");
	options_free(&o);
	json_decref(vars);
}

Test(options, paths_are_normalised_and_here_expands)
{
	struct sth_options o;
	json_t *vars;
	char *err = NULL, *want;

	mkdir("sub", 0755);
	cr_assert_eq(load(&o, "[supervisord]\nlogfile=./sub/../sub/./a.log\n"
	    "pidfile=%(here)s/sub/p.pid\nchildlogdir=%(here)s\n", NULL, &vars,
	    &err), 0, "%s", err);
	xasprintf(&want, "%s/sub/a.log", dir);
	cr_assert_str_eq(o.logfile, want);
	free(want);
	xasprintf(&want, "%s/sub/p.pid", dir);
	cr_assert_str_eq(o.pidfile, want);
	free(want);
	cr_assert_str_eq(o.childlogdir, dir);
	options_free(&o);
	json_decref(vars);
}

Test(options, syslog_is_not_a_path)
{
	struct sth_options o;
	json_t *vars;
	char *err = NULL;

	cr_assert_eq(load(&o, "[supervisord]\nlogfile=syslog\n", NULL, &vars,
	    &err), 0, "%s", err);
	cr_assert_str_eq(o.logfile, "syslog");
	options_free(&o);
	json_decref(vars);
}

Test(options, environment_becomes_expansion_names)
{
	struct sth_options o;
	json_t *vars;
	char *err = NULL;

	setenv("STH_TEST_VAR", "from-env", 1);
	cr_assert_eq(load(&o, "[supervisord]\nenvironment=A=\"1,2\",B=%(ENV_"
	    "STH_TEST_VAR)s\n", NULL, &vars, &err), 0, "%s", err);
	cr_assert_not_null(o.environment);
	cr_assert_str_eq(json_string_value(json_object_get(o.environment,
	    "A")), "1,2");
	cr_assert_str_eq(json_string_value(json_object_get(o.environment,
	    "B")), "from-env");
	cr_assert_str_eq(json_string_value(json_object_get(vars, "ENV_A")),
	    "1,2");
	cr_assert_str_eq(json_string_value(json_object_get(vars,
	    "ENV_STH_TEST_VAR")), "from-env");
	options_free(&o);
	json_decref(vars);
}

Test(options, errors)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[program:x]\ncommand=/bin/true\n",
		  ".ini file does not include supervisord section" },
		{ "[supervisord]\nlogfile=/dev/stdout\n",
		  "logfile=/dev/stdout cannot be rotated" },
		{ "[supervisord]\nlogfile=/no/such/dir/x.log\n",
		  "The directory named as part of the path /no/such/dir/x.log "
		  "does not exist in section 'supervisord'" },
		{ "[supervisord]\ndirectory=/no/such/dir\n",
		  "/no/such/dir is not an existing directory" },
		{ "[supervisord]\nchildlogdir=/no/such/dir\n",
		  "/no/such/dir is not an existing directory" },
		{ "[supervisord]\nuser=no-such-user-xyz\n",
		  "Invalid user name no-such-user-xyz" },
		{ "[supervisord]\nminfds=lots\n",
		  "invalid literal for int() with base 10: 'lots'" },
		{ "[supervisord]\nlogfile_backups=-1\n",
		  "logfile_backups must be 0 or more" },
		{ "[supervisord]\nlogfile=%(nope)s\n", "nope" },
	};
	struct sth_options o;
	json_t *vars;
	char *err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err = NULL;
		cr_assert_eq(load(&o, cases[i].text, NULL, &vars, &err), -1,
		    "%s", cases[i].text);
		cr_assert_not_null(strstr(err, cases[i].want), "%s: got %s",
		    cases[i].text, err);
		cr_assert_null(vars);
		free(err);
	}
}

Test(options, missing_file)
{
	struct sth_options o;
	struct sth_cli cli;
	struct ini_doc *doc;
	json_t *vars;
	char *err = NULL;

	memset(&cli, 0, sizeof cli);
	cr_assert_eq(options_load(&o, "/no/such.conf", &cli, &doc, &vars,
	    &err), -1);
	cr_assert_str_eq(err, "could not find config file /no/such.conf");
	free(err);
}
