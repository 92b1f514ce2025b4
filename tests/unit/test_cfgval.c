/*
 * test_cfgval.c — daemon/cfgval.c: supervisord's typed values, their error
 * texts, and cfg_read() naming file, line, section and key in every error.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <stheno/host.h>

#include "cfgval.h"
#include "ini.h"
#include "xmalloc.h"

static char *err;

static void
clear(void)
{
	free(err);
	err = NULL;
}

TestSuite(cfgval, .fini = clear);

#define EXPECT_ERR(call, text) do {					\
	free(err);							\
	err = NULL;							\
	cr_assert_eq((call), -1, "%s succeeded", #call);		\
	cr_assert_not_null(err);					\
	cr_assert_str_eq(err, (text));					\
} while (0)

Test(cfgval, booleans)
{
	static const char *yes[] = { "true", "YES", "On", "1" };
	static const char *no[] = { "false", "no", "OFF", "0" };
	size_t	 i;
	int	 b;

	for (i = 0; i < 4; i++) {
		b = -1;
		cr_assert_eq(cfgval_bool(yes[i], &b, &err), 0);
		cr_assert_eq(b, 1, "%s", yes[i]);
		cr_assert_eq(cfgval_bool(no[i], &b, &err), 0);
		cr_assert_eq(b, 0, "%s", no[i]);
	}
	EXPECT_ERR(cfgval_bool("maybe", &b, &err),
	    "not a valid boolean value: 'maybe'");
	EXPECT_ERR(cfgval_bool("", &b, &err), "not a valid boolean value: ''");
	EXPECT_ERR(cfgval_bool("2", &b, &err), "not a valid boolean value: '2'");
}

Test(cfgval, integers_like_python_int)
{
	long	 v;

	cr_assert_eq(cfgval_int("42", &v, &err), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(cfgval_int("-7", &v, &err), 0);
	cr_assert_eq(v, -7);
	cr_assert_eq(cfgval_int(" +12 ", &v, &err), 0);
	cr_assert_eq(v, 12);
	cr_assert_eq(cfgval_int("1_000", &v, &err), 0);
	cr_assert_eq(v, 1000);
	cr_assert_eq(cfgval_int("010", &v, &err), 0);
	cr_assert_eq(v, 10);
	EXPECT_ERR(cfgval_int("x", &v, &err),
	    "invalid literal for int() with base 10: 'x'");
	EXPECT_ERR(cfgval_int("1.5", &v, &err),
	    "invalid literal for int() with base 10: '1.5'");
	EXPECT_ERR(cfgval_int("", &v, &err),
	    "invalid literal for int() with base 10: ''");
	EXPECT_ERR(cfgval_int("1__0", &v, &err),
	    "invalid literal for int() with base 10: '1__0'");
	EXPECT_ERR(cfgval_int("99999999999999999999", &v, &err),
	    "value '99999999999999999999' is out of range");
}

Test(cfgval, byte_sizes)
{
	long long v;

	cr_assert_eq(cfgval_bytes("1024", &v, &err), 0);
	cr_assert_eq(v, 1024);
	cr_assert_eq(cfgval_bytes("10KB", &v, &err), 0);
	cr_assert_eq(v, 10240);
	cr_assert_eq(cfgval_bytes("50mb", &v, &err), 0);
	cr_assert_eq(v, 50LL * 1024 * 1024);
	cr_assert_eq(cfgval_bytes("2Gb", &v, &err), 0);
	cr_assert_eq(v, 2LL * 1024 * 1024 * 1024);
	cr_assert_eq(cfgval_bytes("0", &v, &err), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(cfgval_bytes("10 KB", &v, &err), 0);
	cr_assert_eq(v, 10240);
	EXPECT_ERR(cfgval_bytes("x", &v, &err),
	    "value 'x' is not a valid byte size");
	EXPECT_ERR(cfgval_bytes("10TB", &v, &err),
	    "value '10TB' is not a valid byte size");
	EXPECT_ERR(cfgval_bytes("KB", &v, &err),
	    "value 'KB' is not a valid byte size");
	EXPECT_ERR(cfgval_bytes("-1", &v, &err),
	    "value '-1' is not a valid byte size");
	EXPECT_ERR(cfgval_bytes("99999999999GB", &v, &err),
	    "value '99999999999GB' is not a valid byte size");
}

Test(cfgval, octal)
{
	long	 v;

	cr_assert_eq(cfgval_octal("022", &v, &err), 0);
	cr_assert_eq(v, 022);
	cr_assert_eq(cfgval_octal("0700", &v, &err), 0);
	cr_assert_eq(v, 0700);
	cr_assert_eq(cfgval_octal("0o77", &v, &err), 0);
	cr_assert_eq(v, 077);
	cr_assert_eq(cfgval_octal("7", &v, &err), 0);
	cr_assert_eq(v, 7);
	EXPECT_ERR(cfgval_octal("089", &v, &err),
	    "089 can not be converted to an octal type");
	EXPECT_ERR(cfgval_octal("", &v, &err),
	    " can not be converted to an octal type");
}

Test(cfgval, signals)
{
	int	 s;

	cr_assert_eq(cfgval_signal("TERM", &s, &err), 0);
	cr_assert_eq(s, SIGTERM);
	cr_assert_eq(cfgval_signal("sigterm", &s, &err), 0);
	cr_assert_eq(s, SIGTERM);
	cr_assert_eq(cfgval_signal(" hup ", &s, &err), 0);
	cr_assert_eq(s, SIGHUP);
	cr_assert_eq(cfgval_signal("9", &s, &err), 0);
	cr_assert_eq(s, SIGKILL);
	cr_assert_eq(cfgval_signal("USR2", &s, &err), 0);
	cr_assert_eq(s, SIGUSR2);
	cr_assert_eq(cfgval_signal("RTMIN", &s, &err), 0);
	cr_assert_eq(s, SIGRTMIN);
	EXPECT_ERR(cfgval_signal("FOO", &s, &err),
	    "value 'FOO' is not a valid signal name");
	EXPECT_ERR(cfgval_signal("SIG", &s, &err),
	    "value 'SIG' is not a valid signal name");
	EXPECT_ERR(cfgval_signal("99", &s, &err),
	    "value '99' is not a valid signal number");
	EXPECT_ERR(cfgval_signal("0", &s, &err),
	    "value '0' is not a valid signal number");
	cr_assert_str_eq(cfgval_signame(SIGTERM), "TERM");
	cr_assert_str_eq(cfgval_signame(SIGCHLD), "CHLD");
	cr_assert_str_eq(cfgval_signame(SIGABRT), "ABRT");
	cr_assert_null(cfgval_signame(0));
	cr_assert_null(cfgval_signame(1000));
}

Test(cfgval, exit_codes)
{
	int	*codes;
	size_t	 n;

	cr_assert_eq(cfgval_exitcodes("0", &codes, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(codes[0], 0);
	free(codes);
	cr_assert_eq(cfgval_exitcodes("0, 2,255", &codes, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(codes[1], 2);
	cr_assert_eq(codes[2], 255);
	free(codes);
	cr_assert_eq(cfgval_exitcodes("", &codes, &n, &err), 0);
	cr_assert_eq(n, 0);
	EXPECT_ERR(cfgval_exitcodes("256", &codes, &n, &err),
	    "not a valid list of exit codes: '256'");
	EXPECT_ERR(cfgval_exitcodes("-1", &codes, &n, &err),
	    "not a valid list of exit codes: '-1'");
	EXPECT_ERR(cfgval_exitcodes("0,,2", &codes, &n, &err),
	    "not a valid list of exit codes: '0,,2'");
	EXPECT_ERR(cfgval_exitcodes("a", &codes, &n, &err),
	    "not a valid list of exit codes: 'a'");
}

static void
env_is(const char *text, const char *json)
{
	json_t	*got, *want;
	char	*dump;

	cr_assert_eq(cfgval_envlist(text, &got, &err), 0, "%s: %s", text,
	    err ? err : "");
	want = json_loads(json, 0, NULL);
	cr_assert_not_null(want);
	dump = json_dumps(got, JSON_SORT_KEYS);
	cr_assert(json_equal(got, want), "%s gave %s", text, dump);
	free(dump);
	json_decref(got);
	json_decref(want);
}

Test(cfgval, environment_lists)
{
	static const char *order[] = { "Z", "A", "M" };
	json_t	*o;
	const char *k;
	json_t	*v;
	int	 i;

	env_is("", "{}");
	env_is("A=1", "{\"A\":\"1\"}");
	env_is("A=1,B=two", "{\"A\":\"1\",\"B\":\"two\"}");
	env_is("KEY=\"v,2\",K2='x y'", "{\"KEY\":\"v,2\",\"K2\":\"x y\"}");
	env_is("PATH=/usr/bin:/bin,X=a.b+c-(d)",
	    "{\"PATH\":\"/usr/bin:/bin\",\"X\":\"a.b+c-(d)\"}");
	env_is("A=1,\nB=2", "{\"A\":\"1\",\"B\":\"2\"}");
	env_is("A = 1 , B = 2", "{\"A\":\"1\",\"B\":\"2\"}");
	env_is("A=1,A=2", "{\"A\":\"2\"}");
	env_is("A=x#comment\n,B=y", "{\"A\":\"x\",\"B\":\"y\"}");
	env_is("HOME=\"/h\"", "{\"HOME\":\"/h\"}");
	env_is("U=\"\xc3\xa9t\xc3\xa9\"", "{\"U\":\"\xc3\xa9t\xc3\xa9\"}");
	/* Order is kept. */
	cr_assert_eq(cfgval_envlist("Z=1,A=2,M=3", &o, &err), 0);
	i = 0;
	json_object_foreach(o, k, v) {
		cr_assert_str_eq(k, order[i]);
		i++;
	}
	json_decref(o);
	EXPECT_ERR(cfgval_envlist("A", &o, &err),
	    "Unexpected end of key/value pairs in value 'A'");
	EXPECT_ERR(cfgval_envlist("A=1,B", &o, &err),
	    "Unexpected end of key/value pairs in value 'A=1,B'");
	/* The separator is not checked: "A=x y" is A=x and a skipped y. */
	env_is("A=x y", "{\"A\":\"x\"}");
	EXPECT_ERR(cfgval_envlist("A=x y z", &o, &err),
	    "Unexpected end of key/value pairs in value 'A=x y z'");
	/* Python's shlex: a non-ASCII letter outside quotes is punctuation. */
	EXPECT_ERR(cfgval_envlist("U=\xc3\xa9t\xc3\xa9", &o, &err),
	    "Unexpected end of key/value pairs in value 'U=\xc3\xa9t\xc3\xa9'");
	EXPECT_ERR(cfgval_envlist("A=\"open", &o, &err),
	    "No closing quotation");
}

Test(cfgval, log_levels)
{
	static const struct {
		const char *name;
		int level;
	} t[] = {
		{ "critical", STH_LOG_CRIT }, { "error", STH_LOG_ERRO },
		{ "warn", STH_LOG_WARN }, { "INFO", STH_LOG_INFO },
		{ "debug", STH_LOG_DEBG }, { "trace", STH_LOG_TRAC },
		{ "blather", STH_LOG_BLAT },
	};
	size_t	 i;
	int	 l;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cr_assert_eq(cfgval_loglevel(t[i].name, &l, &err), 0);
		cr_assert_eq(l, t[i].level, "%s", t[i].name);
	}
	EXPECT_ERR(cfgval_loglevel("warning", &l, &err),
	    "bad logging level name 'warning'");
}

Test(cfgval, users_and_owners)
{
	uid_t	 u;
	gid_t	 g;

	cr_assert_eq(cfgval_user("root", &u, &g, &err), 0);
	cr_assert_eq(u, 0);
	cr_assert_eq(g, 0);
	cr_assert_eq(cfgval_user("0", &u, &g, &err), 0);
	cr_assert_eq(u, 0);
	EXPECT_ERR(cfgval_user("no_such_user_sth", &u, &g, &err),
	    "Invalid user name no_such_user_sth");
	EXPECT_ERR(cfgval_user("4000000000", &u, &g, &err),
	    "Invalid user id 4000000000");

	cr_assert_eq(cfgval_owner("root", &u, &g, &err), 0);
	cr_assert_eq(u, 0);
	cr_assert_eq(g, (gid_t)-1);
	cr_assert_eq(cfgval_owner("root:root", &u, &g, &err), 0);
	cr_assert_eq(g, 0);
	cr_assert_eq(cfgval_owner("0:0", &u, &g, &err), 0);
	cr_assert_eq(g, 0);
	EXPECT_ERR(cfgval_owner("root:no_such_group_sth", &u, &g, &err),
	    "Invalid user:group definition root:no_such_group_sth");
	EXPECT_ERR(cfgval_owner("no_such_user_sth:root", &u, &g, &err),
	    "Invalid user:group definition no_such_user_sth:root");
}

Test(cfgval, autorestart)
{
	int	 a;

	cr_assert_eq(cfgval_autorestart("unexpected", &a, &err), 0);
	cr_assert_eq(a, 2);
	cr_assert_eq(cfgval_autorestart("TRUE", &a, &err), 0);
	cr_assert_eq(a, 1);
	cr_assert_eq(cfgval_autorestart("off", &a, &err), 0);
	cr_assert_eq(a, 0);
	EXPECT_ERR(cfgval_autorestart("Maybe", &a, &err),
	    "invalid 'autorestart' value 'maybe'");
}

Test(cfgval, logfiles)
{
	enum cfg_logfile k;
	char	*p;

	cr_assert_eq(cfgval_logfile("AUTO", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_AUTO);
	cr_assert_null(p);
	cr_assert_eq(cfgval_logfile("none", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_NONE);
	cr_assert_eq(cfgval_logfile("NONE", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_NONE);
	cr_assert_eq(cfgval_logfile("off", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_NONE);
	cr_assert_eq(cfgval_logfile("syslog", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_SYSLOG);
	cr_assert_eq(cfgval_logfile("stdout", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_STDOUT);
	cr_assert_null(p);
	cr_assert_eq(cfgval_logfile("stderr", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_STDERR);
	/* a file of that name is still reachable */
	cr_assert_eq(cfgval_logfile("./stdout", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_PATH);
	free(p);
	cr_assert_eq(cfgval_logfile("/tmp/x.log", &k, &p, &err), 0);
	cr_assert_eq(k, CFG_LOGFILE_PATH);
	cr_assert_str_eq(p, "/tmp/x.log");
	free(p);
	cr_assert_eq(cfgval_logfile("relative.log", &k, &p, &err), 0);
	cr_assert_str_eq(p, "relative.log");
	free(p);
	setenv("HOME", "/tmp", 1);
	cr_assert_eq(cfgval_logfile("~/y.log", &k, &p, &err), 0);
	cr_assert_str_eq(p, "/tmp/y.log");
	free(p);
	cr_assert_eq(cfgval_logfile("~root/z.log", &k, &p, &err), 0);
	cr_assert_str_eq(p, "/root/z.log");
	free(p);
	EXPECT_ERR(cfgval_logfile("/no/such/dir/x.log", &k, &p, &err),
	    "The directory named as part of the path /no/such/dir/x.log "
	    "does not exist");
}

Test(cfgval, host_and_port)
{
	char	*h;
	int	 p;

	cr_assert_eq(cfgval_hostport("127.0.0.1:9001", &h, &p, &err), 0);
	cr_assert_str_eq(h, "127.0.0.1");
	cr_assert_eq(p, 9001);
	free(h);
	cr_assert_eq(cfgval_hostport("LocalHost:80", &h, &p, &err), 0);
	cr_assert_str_eq(h, "localhost");
	free(h);
	cr_assert_eq(cfgval_hostport(":9001", &h, &p, &err), 0);
	cr_assert_null(h);
	cr_assert_eq(cfgval_hostport("*:9001", &h, &p, &err), 0);
	cr_assert_null(h);
	cr_assert_eq(cfgval_hostport("9001", &h, &p, &err), 0);
	cr_assert_null(h);
	cr_assert_eq(p, 9001);
	cr_assert_eq(cfgval_hostport("::1:8080", &h, &p, &err), 0);
	cr_assert_str_eq(h, "::1");
	free(h);
	EXPECT_ERR(cfgval_hostport("host:", &h, &p, &err),
	    "no port number specified in 'host:'");
	EXPECT_ERR(cfgval_hostport("host:x", &h, &p, &err),
	    "invalid literal for int() with base 10: 'x'");
	EXPECT_ERR(cfgval_hostport("host:70000", &h, &p, &err),
	    "70000 is above upper bound (65535)");
	EXPECT_ERR(cfgval_hostport("host:0", &h, &p, &err),
	    "0 is below lower bound (1)");
	EXPECT_ERR(cfgval_hostport("nope", &h, &p, &err),
	    "not a valid port number: 'nope'");
}

/* ---- cfg_read ---------------------------------------------------------- */

struct target {
	char		*command;
	int		 autostart;
	long		 priority;
	long long	 maxbytes;
	long		 umask;
	int		 stopsignal;
	int		 loglevel;
	struct cfg_codes exitcodes;
	json_t		*env;
	int		 autorestart;
	struct cfg_logpath logfile;
	char		*raw;
	char		*unset;
};

#define T(m) offsetof(struct target, m)
static const struct cfg_option opts[] = {
	{ "command", CFG_STR, T(command), NULL, CFG_REQUIRED, 0, 0 },
	{ "autostart", CFG_BOOL, T(autostart), "true", 0, 0, 0 },
	{ "priority", CFG_INT, T(priority), "999", 0, -1, 1000 },
	{ "maxbytes", CFG_BYTES, T(maxbytes), "50MB", 0, 0, 0 },
	{ "umask", CFG_OCTAL, T(umask), NULL, 0, 0, 0 },
	{ "stopsignal", CFG_SIGNAL, T(stopsignal), "TERM", 0, 0, 0 },
	{ "loglevel", CFG_LOGLEVEL, T(loglevel), "info", 0, 0, 0 },
	{ "exitcodes", CFG_EXITCODES, T(exitcodes), "0", 0, 0, 0 },
	{ "environment", CFG_ENV, T(env), NULL, CFG_NO_EXPAND, 0, 0 },
	{ "autorestart", CFG_AUTORESTART, T(autorestart), "unexpected", 0, 0,
	  0 },
	{ "logfile", CFG_LOGFILE, T(logfile), "AUTO", CFG_EXPAND_TWICE, 0, 0 },
	{ "raw", CFG_STR, T(raw), "%(program_name)s", CFG_NO_EXPAND, 0, 0 },
	{ "unset", CFG_STR, T(unset), NULL, 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};
#undef T

static char tmpdir[PATH_MAX];
static struct ini_doc *doc;
static json_t *vars;

static void
rsetup(void)
{
	char	 t[] = "/tmp/sth-cfg-XXXXXX";

	cr_assert_not_null(mkdtemp(t));
	cr_assert_not_null(realpath(t, tmpdir));
	vars = json_pack("{s:s, s:i}", "program_name", "web", "process_num",
	    2);
}

static void
rteardown(void)
{
	char	*cmd;

	ini_free(doc);
	doc = NULL;
	json_decref(vars);
	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	clear();
}

TestSuite(cfgread, .init = rsetup, .fini = rteardown);

static struct ini_section *
section(const char *text, const char *name)
{
	char	*path, *lerr = NULL;
	FILE	*f;

	ini_free(doc);
	xasprintf(&path, "%s/x.conf", tmpdir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	doc = ini_load(path, &lerr);
	cr_assert_not_null(doc, "%s", lerr ? lerr : "");
	free(path);
	return ini_find(doc, name);
}

/* The expected error: text, then where it was, in our file. */
static void
read_fails(const char *text, const char *want_fmt, int line)
{
	struct target t;
	char	*want;

	clear();
	memset(&t, 0xa5, sizeof t);
	cr_assert_eq(cfg_read(section(text, "program:web"), opts, &t, vars,
	    &err), -1);
	xasprintf(&want, want_fmt, tmpdir, line);
	cr_assert_str_eq(err, want);
	free(want);
	/* Nothing is left for the caller to release. */
	cr_assert_null(t.command);
	cr_assert_null(t.env);
	cr_assert_null(t.exitcodes.codes);
	cr_assert_null(t.logfile.path);
}

Test(cfgread, defaults_and_values)
{
	struct target t;
	struct ini_section *s;

	s = section("[program:web]\n"
	    "command=/bin/%(program_name)s -n %(process_num)02d\n"
	    "autostart=false\n"
	    "umask=077\n"
	    "stopsignal=KILL\n"
	    "exitcodes=0,3\n"
	    "environment=A=\"%(here)s\",B=2\n"
	    "logfile=%(here)s/%%%%(x)s-%(program_name)s.log\n", "program:web");
	cr_assert_eq(cfg_read(s, opts, &t, vars, &err), 0, "%s", err);
	cr_assert_str_eq(t.command, "/bin/web -n 02");
	cr_assert_eq(t.autostart, 0);
	cr_assert_eq(t.priority, 999);
	cr_assert_eq(t.maxbytes, 50LL * 1024 * 1024);
	cr_assert_eq(t.umask, 077);
	cr_assert_eq(t.stopsignal, SIGKILL);
	cr_assert_eq(t.loglevel, STH_LOG_INFO);
	cr_assert_eq(t.exitcodes.n, 2);
	cr_assert_eq(t.exitcodes.codes[1], 3);
	/* NO_EXPAND: environment keeps its %(here)s for the caller. */
	cr_assert_str_eq(json_string_value(json_object_get(t.env, "A")),
	    "%(here)s");
	cr_assert_eq(t.autorestart, 2);
	/* Expanded twice: %%%% becomes %% then %; here is the file's dir. */
	cr_assert_eq(t.logfile.kind, CFG_LOGFILE_PATH);
	{
		char *want;

		xasprintf(&want, "%s/%%(x)s-web.log", tmpdir);
		cr_assert_str_eq(t.logfile.path, want);
		free(want);
	}
	cr_assert_str_eq(t.raw, "%(program_name)s");
	cr_assert_null(t.unset);
	cfg_release(opts, &t);
	cr_assert_null(t.command);
	cr_assert_null(t.env);
	cr_assert_null(t.logfile.path);
}

Test(cfgread, default_logfile_auto_and_octal_unset)
{
	struct target t;

	cr_assert_eq(cfg_read(section("[program:web]\ncommand=x\n",
	    "program:web"), opts, &t, vars, &err), 0);
	cr_assert_eq(t.logfile.kind, CFG_LOGFILE_AUTO);
	cr_assert_eq(t.umask, -1);
	cr_assert_null(t.env);
	cfg_release(opts, &t);
}

Test(cfgread, null_section_means_defaults)
{
	static const struct cfg_option o[] = {
		{ "autostart", CFG_BOOL, offsetof(struct target, autostart),
		  "yes", 0, 0, 0 },
		{ "command", CFG_STR, offsetof(struct target, command),
		  "%(program_name)s", 0, 0, 0 },
		{ NULL, 0, 0, NULL, 0, 0, 0 }
	};
	struct target t;

	cr_assert_eq(cfg_read(NULL, o, &t, vars, &err), 0);
	cr_assert_eq(t.autostart, 1);
	cr_assert_str_eq(t.command, "web");
	cfg_release(o, &t);
}

Test(cfgread, required_missing)
{
	read_fails("[program:web]\nautostart=true\n",
	    "section [program:web] has no command value (file: '%s/x.conf', "
	    "line %d)", 1);
}

Test(cfgread, bad_bool_names_key_section_file_line)
{
	read_fails("[program:web]\ncommand=x\n\nautostart=maybe\n",
	    "not a valid boolean value: 'maybe' for 'autostart' in section "
	    "'program:web' (file: '%s/x.conf', line %d)", 4);
}

Test(cfgread, bad_values_of_each_type)
{
	read_fails("[program:web]\ncommand=x\nmaxbytes=x\n",
	    "value 'x' is not a valid byte size for 'maxbytes' in section "
	    "'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\nstopsignal=FOO\n",
	    "value 'FOO' is not a valid signal name for 'stopsignal' in "
	    "section 'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\nexitcodes=0,256\n",
	    "not a valid list of exit codes: '0,256' for 'exitcodes' in "
	    "section 'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\numask=9\n",
	    "9 can not be converted to an octal type for 'umask' in section "
	    "'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\nenvironment=A\n",
	    "Unexpected end of key/value pairs in value 'A' for 'environment' "
	    "in section 'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\nlogfile=/no/such/x.log\n",
	    "The directory named as part of the path /no/such/x.log does not "
	    "exist for 'logfile' in section 'program:web' (file: "
	    "'%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\nloglevel=loud\n",
	    "bad logging level name 'loud' for 'loglevel' in section "
	    "'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\nautorestart=sometimes\n",
	    "invalid 'autorestart' value 'sometimes' for 'autorestart' in "
	    "section 'program:web' (file: '%s/x.conf', line %d)", 3);
}

Test(cfgread, integer_bounds)
{
	read_fails("[program:web]\ncommand=x\npriority=1001\n",
	    "1001 is above upper bound (1000) for 'priority' in section "
	    "'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\npriority=-2\n",
	    "-2 is below lower bound (-1) for 'priority' in section "
	    "'program:web' (file: '%s/x.conf', line %d)", 3);
	read_fails("[program:web]\ncommand=x\npriority=high\n",
	    "invalid literal for int() with base 10: 'high' for 'priority' in "
	    "section 'program:web' (file: '%s/x.conf', line %d)", 3);
}

Test(cfgread, expansion_error_names_section_key_file_line)
{
	char	*where;

	read_fails("[program:web]\ncommand=%(nope)s\n",
	    "Format string '%%(nope)s' for 'program:web.command' contains "
	    "names ('nope') which cannot be expanded. Available names: here, "
	    "process_num, program_name in section 'program:web' (file: "
	    "'%s/x.conf', line %d)", 2);
	/* The second expansion of a logfile can fail too. */
	read_fails("[program:web]\ncommand=x\nlogfile=/tmp/%%(y)s\n",
	    "Format string '/tmp/%%(y)s' for 'program:web.logfile' contains "
	    "names ('y') which cannot be expanded. Available names: here, "
	    "process_num, program_name in section 'program:web' (file: "
	    "'%s/x.conf', line %d)", 3);
	where = cfg_where(ini_find(doc, "program:web"), "logfile");
	clear();
	xasprintf(&err, "in section 'program:web' (file: '%s/x.conf', line 3)",
	    tmpdir);
	cr_assert_str_eq(where, err);
	free(where);
}

Test(cfgread, where_in_an_included_file)
{
	struct ini_section *s;
	struct target t;
	char	*path, *want;
	FILE	*f;

	xasprintf(&path, "%s/inc.conf", tmpdir);
	f = fopen(path, "w");
	fputs("[program:web]\ncommand=%(here)s/bin\n\nstopsignal=NOPE\n", f);
	fclose(f);
	free(path);
	s = section("[include]\nfiles=inc.conf\n", "program:web");
	cr_assert_eq(cfg_read(s, opts, &t, vars, &err), -1);
	xasprintf(&want, "value 'NOPE' is not a valid signal name for "
	    "'stopsignal' in section 'program:web' (file: '%s/inc.conf', "
	    "line 4)", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	/* A key that is not there: the section's own file and line. */
	want = cfg_where(s, "autostart");
	xasprintf(&path, "in section 'program:web' (file: '%s/inc.conf', "
	    "line 1)", tmpdir);
	cr_assert_str_eq(want, path);
	free(want);
	free(path);
}

/* A server section over its plugin's defaults: each key from the first
 * section that has it, and the error names that section and line. */
Test(cfgread, fallback_section_per_key)
{
	static const struct cfg_option o[] = {
		{ "priority", CFG_INT, offsetof(struct target, priority), "5",
		  0, 1, 100 },
		{ "maxbytes", CFG_BYTES, offsetof(struct target, maxbytes),
		  "1KB", 0, 1, 1024 * 1024 },
		{ "command", CFG_STR, offsetof(struct target, command), NULL,
		  CFG_REQUIRED, 0, 0 },
		{ NULL, 0, 0, NULL, 0, 0, 0 }
	};
	struct ini_section *own, *global;
	struct target t;
	char	*want;

	own = section("[plugin:http]\npriority=7\nmaxbytes=2KB\n"
	    "command=g\n[http_server:www]\nmaxbytes=3KB\n", "http_server:www");
	global = ini_find(doc, "plugin:http");
	cr_assert_eq(cfg_read_over(own, global, o, &t, vars, &err), 0, "%s",
	    err);
	cr_assert_eq(t.priority, 7);
	cr_assert_eq(t.maxbytes, 3 * 1024);
	cr_assert_str_eq(t.command, "g");
	cfg_release(o, &t);
	/* neither has it: the default */
	own = section("[plugin:http]\ncommand=g\n[http_server:www]\n",
	    "http_server:www");
	global = ini_find(doc, "plugin:http");
	cr_assert_eq(cfg_read_over(own, global, o, &t, vars, &err), 0);
	cr_assert_eq(t.priority, 5);
	cfg_release(o, &t);
	/* a bad value in the fallback: its section and line */
	own = section("[plugin:http]\ncommand=g\npriority=0\n"
	    "[http_server:www]\n", "http_server:www");
	global = ini_find(doc, "plugin:http");
	cr_assert_eq(cfg_read_over(own, global, o, &t, vars, &err), -1);
	xasprintf(&want, "0 is below lower bound (1) for 'priority' in "
	    "section 'plugin:http' (file: '%s/x.conf', line 3)", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	clear();
	/* byte sizes have bounds too */
	own = section("[plugin:http]\ncommand=g\n"
	    "[http_server:www]\nmaxbytes=2MB\n", "http_server:www");
	global = ini_find(doc, "plugin:http");
	cr_assert_eq(cfg_read_over(own, global, o, &t, vars, &err), -1);
	xasprintf(&want, "2097152 is above upper bound (1048576) for "
	    "'maxbytes' in section 'http_server:www' (file: '%s/x.conf', "
	    "line 4)", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	cr_assert_null(t.command);
}

Test(cfgread, empty_null_strings)
{
	static const struct cfg_option o[] = {
		{ "command", CFG_STR, offsetof(struct target, command), "d",
		  CFG_EMPTY_NULL, 0, 0 },
		{ "raw", CFG_STR, offsetof(struct target, raw), "d", 0, 0, 0 },
		{ NULL, 0, 0, NULL, 0, 0, 0 }
	};
	struct target t;

	cr_assert_eq(cfg_read(section("[x]\ncommand=\nraw=\n", "x"), o, &t,
	    vars, &err), 0);
	cr_assert_null(t.command);
	cr_assert_str_eq(t.raw, "");
	cfg_release(o, &t);
}

/* cfg_equal: each member of the table counts; a logfile's path only for
 * a path. */
Test(cfgread, equal_compares_every_member)
{
	struct target a, b;

	cr_assert_eq(cfg_read(section("[program:web]\ncommand=x\n"
	    "environment=A=1\n", "program:web"), opts, &a, vars, &err), 0);
	cr_assert_eq(cfg_read(ini_find(doc, "program:web"), opts, &b, vars,
	    &err), 0);
	cr_assert(cfg_equal(opts, &a, &b));
	b.priority++;
	cr_assert_not(cfg_equal(opts, &a, &b));
	b.priority--;
	b.exitcodes.codes[0] = 3;
	cr_assert_not(cfg_equal(opts, &a, &b));
	b.exitcodes.codes[0] = 0;
	json_object_set_new(b.env, "A", json_string("2"));
	cr_assert_not(cfg_equal(opts, &a, &b));
	json_object_set_new(b.env, "A", json_string("1"));
	cr_assert(cfg_equal(opts, &a, &b));
	b.logfile.path = xstrdup("/elsewhere");	/* AUTO: ignored */
	cr_assert(cfg_equal(opts, &a, &b));
	b.logfile.kind = CFG_LOGFILE_PATH;
	cr_assert_not(cfg_equal(opts, &a, &b));
	cfg_release(opts, &a);
	cfg_release(opts, &b);
}

/* The comma-list splitter of programs=, depends_on= and environment_file=. */
Test(cfgval, list_items_are_trimmed_and_empty_ones_skipped)
{
	const char *cur = " a ,\tbb,, , c d ,", *item;
	const char *want[] = { "a", "bb", "c d" };
	size_t len, n = 0;

	while (cfg_list_next(&cur, &item, &len)) {
		cr_assert_lt(n, 3);
		cr_assert_eq(len, strlen(want[n]));
		cr_assert_eq(memcmp(item, want[n], len), 0, "item %zu", n);
		n++;
	}
	cr_assert_eq(n, 3);
	cur = "  ";
	cr_assert_eq(cfg_list_next(&cur, &item, &len), 0);
}
