/*
 * test_cli.c — daemon/cli.c: supervisord's flags and their error wording
 * (docs/supervisord.md §1.1), and the config file search.
 */
#include "config.h"

#include <sys/stat.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "xmalloc.h"

/* Parse a NULL-terminated argv; returns cli_parse's value. */
static int
parse(struct sth_cli *cli, char **err, char *const *argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return cli_parse(cli, argc, argv, err);
}

/* The error message for argv, which must fail. */
static char *
error_of(char *const *argv)
{
	struct sth_cli cli;
	char *err = NULL;

	cr_assert_eq(parse(&cli, &err, argv), -1, "%s should fail", argv[1]);
	cr_assert_not_null(err);
	cli_free(&cli);
	return err;
}

static void
assert_error(char *const *argv, const char *want)
{
	char *err = error_of(argv);

	cr_assert_str_eq(err, want);
	free(err);
}

Test(cli, every_value_flag_is_stored)
{
	char *const argv[] = { "sthenod", "-c", "/x.conf", "-n", "-s", "-u",
		"nobody", "-m", "027", "-d", "/tmp", "-l", "/tmp/m.log", "-y",
		"1KB", "-z", "3", "-e", "debug", "-j", "/tmp/p.pid", "-i", "me",
		"-q", "/tmp", "-k", "-a", "2048", "--minprocs", "300", "-t",
		"--plugin-dir", "/p:/q", NULL };
	struct sth_cli cli;
	char *err = NULL;

	cr_assert_eq(parse(&cli, &err, argv), 0, "%s", err);
	cr_assert_str_eq(cli.configuration, "/x.conf");
	cr_assert(CLI_GIVEN(&cli, CLI_NODAEMON));
	cr_assert(CLI_GIVEN(&cli, CLI_SILENT));
	cr_assert(CLI_GIVEN(&cli, CLI_NOCLEANUP));
	cr_assert(CLI_GIVEN(&cli, CLI_STRIP_ANSI));
	cr_assert_not(CLI_GIVEN(&cli, CLI_HELP));
	cr_assert_str_eq(cli.user, "nobody");
	cr_assert_eq(cli.umask, 027);
	cr_assert_str_eq(cli.directory, "/tmp");
	cr_assert_str_eq(cli.logfile, "/tmp/m.log");
	cr_assert_eq(cli.logfile_maxbytes, 1024);
	cr_assert_eq(cli.logfile_backups, 3);
	cr_assert_eq(cli.loglevel, STH_LOG_DEBG);
	cr_assert_str_eq(cli.pidfile, "/tmp/p.pid");
	cr_assert_str_eq(cli.identifier, "me");
	cr_assert_str_eq(cli.childlogdir, "/tmp");
	cr_assert_eq(cli.minfds, 2048);
	cr_assert_eq(cli.minprocs, 300);
	cr_assert_str_eq(cli.plugin_dir, "/p:/q");
	cli_free(&cli);
}

Test(cli, long_forms_with_equals_and_space)
{
	char *const argv[] = { "sthenod", "--configuration=/a.conf",
		"--nodaemon", "--loglevel", "warn", "--logfile_maxbytes=0",
		"--identifier=x y", NULL };
	struct sth_cli cli;
	char *err = NULL;

	cr_assert_eq(parse(&cli, &err, argv), 0, "%s", err);
	cr_assert_str_eq(cli.configuration, "/a.conf");
	cr_assert(CLI_GIVEN(&cli, CLI_NODAEMON));
	cr_assert_eq(cli.loglevel, STH_LOG_WARN);
	cr_assert(CLI_GIVEN(&cli, CLI_LOGFILE_MAXBYTES));
	cr_assert_eq(cli.logfile_maxbytes, 0);
	cr_assert_str_eq(cli.identifier, "x y");
	cr_assert_not(CLI_GIVEN(&cli, CLI_LOGFILE));
	cr_assert_null(cli.logfile);
	cli_free(&cli);
}

Test(cli, a_flag_given_twice_conflicts)
{
	assert_error((char *const[]){ "sthenod", "-n", "-n", NULL },
	    "conflicting command line option '-n'");
	assert_error((char *const[]){ "sthenod", "-n", "--nodaemon", NULL },
	    "conflicting command line option '--nodaemon'");
	assert_error((char *const[]){ "sthenod", "-c", "a", "-c", "b", NULL },
	    "conflicting command line option '-c'");
}

Test(cli, positional_arguments_are_refused)
{
	assert_error((char *const[]){ "sthenod", "foo", NULL },
	    "positional arguments are not supported: ['foo']");
	assert_error((char *const[]){ "sthenod", "-n", "a", "-s", NULL },
	    "positional arguments are not supported: ['a', '-s']");
}

Test(cli, unknown_and_incomplete_options)
{
	assert_error((char *const[]){ "sthenod", "-x", NULL },
	    "option -x not recognized");
	assert_error((char *const[]){ "sthenod", "--bogus", NULL },
	    "option --bogus not recognized");
	assert_error((char *const[]){ "sthenod", "-y", NULL },
	    "option -y requires argument");
	assert_error((char *const[]){ "sthenod", "--logfile", NULL },
	    "option --logfile requires argument");
	assert_error((char *const[]){ "sthenod", "--nodaemon=1", NULL },
	    "option --nodaemon must not have an argument");
}

Test(cli, bad_values_say_which_option_and_why)
{
	assert_error((char *const[]){ "sthenod", "-y", "abc", NULL },
	    "invalid value for -y 'abc': value 'abc' is not a valid byte size");
	assert_error((char *const[]){ "sthenod", "-z", "x", NULL },
	    "invalid value for -z 'x': invalid literal for int() with base "
	    "10: 'x'");
	assert_error((char *const[]){ "sthenod", "--minfds=abc", NULL },
	    "invalid value for --minfds 'abc': invalid literal for int() "
	    "with base 10: 'abc'");
	assert_error((char *const[]){ "sthenod", "-m", "99", NULL },
	    "invalid value for -m '99': 99 can not be converted to an octal "
	    "type");
	assert_error((char *const[]){ "sthenod", "-d", "/nonexist", NULL },
	    "invalid value for -d '/nonexist': /nonexist is not an existing "
	    "directory");
	assert_error((char *const[]){ "sthenod", "-l", "/nonexist/x.log",
	    NULL }, "invalid value for -l '/nonexist/x.log': The directory "
	    "named as part of the path /nonexist/x.log does not exist");
}

Test(cli, bad_loglevel)
{
	char *err = error_of((char *const[]){ "sthenod", "-e", "bogus",
	    NULL });

	cr_assert(strncmp(err, "invalid value for -e 'bogus': ", 30) == 0,
	    "%s", err);
	cr_assert_not_null(strstr(err, "bogus"));
	free(err);
}

Test(cli, help_and_version_stop_parsing)
{
	struct sth_cli cli;
	char *err = NULL;

	cr_assert_eq(parse(&cli, &err, (char *const[]){ "sthenod", "-v",
	    "positional", NULL }), 0);
	cr_assert(CLI_GIVEN(&cli, CLI_VERSION));
	cli_free(&cli);
	cr_assert_eq(parse(&cli, &err, (char *const[]){ "sthenod", "-?",
	    NULL }), 0);
	cr_assert(CLI_GIVEN(&cli, CLI_HELP));
	cli_free(&cli);
	cr_assert_eq(parse(&cli, &err, (char *const[]){ "sthenod", "--help",
	    NULL }), 0);
	cr_assert(CLI_GIVEN(&cli, CLI_HELP));
	cli_free(&cli);
}

Test(cli, profile_options_is_accepted)
{
	struct sth_cli cli;
	char *err = NULL;

	cr_assert_eq(parse(&cli, &err, (char *const[]){ "sthenod",
	    "--profile_options=cumulative", "-n", NULL }), 0, "%s", err);
	cr_assert(CLI_GIVEN(&cli, CLI_NODAEMON));
	cli_free(&cli);
}

Test(cli, usage_names_every_flag)
{
	static const char *const want[] = { "-c/--configuration", "-n/--nodaemon",
		"-s/--silent", "-u/--user", "-m/--umask", "-d/--directory",
		"-l/--logfile", "-y/--logfile_maxbytes", "-z/--logfile_backups",
		"-e/--loglevel", "-j/--pidfile", "-i/--identifier",
		"-q/--childlogdir", "-k/--nocleanup", "-a/--minfds",
		"--minprocs", "-t/--strip_ansi", "-v/--version",
		"-h/-?/--help", "--plugin-dir", "--profile_options" };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	cli_usage(f, "sthenod");
	fclose(f);
	cr_assert_not_null(strstr(buf, "Usage: sthenod [options]"));
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert_not_null(strstr(buf, want[i]), "no %s in:\n%s",
		    want[i], buf);
	free(buf);
}

/* A prefix tree: <d>/bin is the executable's folder. */
static char tree[] = "/tmp/sth-cli-XXXXXX";

static void
touch(const char *rel)
{
	char *p;
	FILE *f;

	xasprintf(&p, "%s/%s", tree, rel);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fclose(f);
	free(p);
}

Test(cli, search_prefers_stheno_conf_in_each_folder)
{
	char *bin, *etc, *found, *want, *err = NULL;

	cr_assert_not_null(mkdtemp(tree));
	xasprintf(&bin, "%s/bin", tree);
	xasprintf(&etc, "%s/etc", tree);
	cr_assert_eq(mkdir(bin, 0755), 0);
	cr_assert_eq(mkdir(etc, 0755), 0);

	touch("supervisord.conf");
	found = cli_find_config(bin, &err);
	xasprintf(&want, "%s/supervisord.conf", tree);
	cr_assert_str_eq(found, want);
	free(found);
	free(want);

	touch("stheno.conf");
	found = cli_find_config(bin, &err);
	xasprintf(&want, "%s/stheno.conf", tree);
	cr_assert_str_eq(found, want, "stheno.conf comes first");
	free(found);
	free(want);

	touch("etc/supervisord.conf");
	found = cli_find_config(bin, &err);
	xasprintf(&want, "%s/etc/supervisord.conf", tree);
	cr_assert_str_eq(found, want, "EXE/../etc comes before EXE/..");
	free(found);
	free(want);

	touch("etc/stheno.conf");
	found = cli_find_config(bin, &err);
	xasprintf(&want, "%s/etc/stheno.conf", tree);
	cr_assert_str_eq(found, want);
	free(found);
	free(want);
	free(bin);
	free(etc);
}

Test(cli, search_failure_lists_the_paths)
{
	char *err = NULL, *found;

	/* Only meaningful where no system-wide file exists. */
	if (access("/etc/supervisor/supervisord.conf", F_OK) == 0 ||
	    access("/etc/supervisord.conf", F_OK) == 0 ||
	    access("/etc/stheno.conf", F_OK) == 0 ||
	    access("/etc/supervisor/stheno.conf", F_OK) == 0 ||
	    access("/etc/stheno/stheno.conf", F_OK) == 0)
		cr_skip_test("a system config exists");
	cr_assert_eq(chdir("/"), 0);
	found = cli_find_config("/nonexistent/bin", &err);
	cr_assert_null(found);
	cr_assert_not_null(strstr(err, "No config file found at default "
	    "paths (/nonexistent/etc/stheno.conf, "
	    "/nonexistent/etc/supervisord.conf, "), "%s", err);
	/* the packaged default is searched last */
	cr_assert_not_null(strstr(err, "/etc/supervisor/supervisord.conf, "
	    "/etc/stheno/stheno.conf); use the -c option"), "%s", err);
	free(err);
}

Test(cli, dirpath_checks)
{
	char *out = NULL, *err = NULL;

	cr_assert_eq(cli_existing_dirpath("plain.log", &out, &err), 0);
	cr_assert_str_eq(out, "plain.log");
	free(out);
	cr_assert_eq(cli_existing_dirpath("/x.log", &out, &err), 0);
	free(out);
	setenv("HOME", "/tmp", 1);
	cr_assert_eq(cli_existing_dirpath("~/x.log", &out, &err), 0);
	cr_assert_str_eq(out, "/tmp/x.log");
	free(out);
	cr_assert_eq(cli_existing_dir("~", &out, &err), 0);
	cr_assert_str_eq(out, "/tmp");
	free(out);
}
