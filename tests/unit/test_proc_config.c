/*
 * test_proc_config.c — [program:x], [group:x] and [fcgi-program:x] into
 * group configs (daemon/proc_config.c), the command splitter and resolver
 * of daemon/proc_spawn.c, and the output helpers of daemon/proc_io.c.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <stheno/host.h>

#include "ini.h"
#include "proc.h"
#include "pyrepr.h"
#include "sthenod.h"
#include "xmalloc.h"

static struct proc_globals g;
static struct group_config **gcs;
static size_t ngcs;
static struct ini_doc *doc;

static char *
load(const char *text)
{
	char *err = NULL;

	doc = ini_load_string("/tmp/test.conf", text, &err);
	cr_assert(doc != NULL, "ini: %s", err);
	cr_assert(proc_globals_read(doc, &g, &err) == 0, "globals: %s", err);
	gcs = proc_configs_read(doc, &g, &ngcs, &err);
	return err;
}

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < ngcs; i++)
		group_config_free(gcs[i]);
	free(gcs);
	gcs = NULL;
	ngcs = 0;
	proc_globals_release(&g);
	if (doc != NULL)
		ini_free(doc);
	doc = NULL;
}

TestSuite(proc_config, .fini = cleanup);

Test(proc_config, defaults)
{
	struct proc_config *pc;

	cr_assert_null(load("[supervisord]\n[program:web]\ncommand=/bin/cat\n"));
	cr_assert_eq(ngcs, 1);
	cr_assert_str_eq(gcs[0]->name, "web");
	cr_assert_eq(gcs[0]->priority, 999);
	cr_assert_eq(gcs[0]->nprocs, 1);
	pc = gcs[0]->procs[0];
	cr_assert_str_eq(pc->name, "web");
	cr_assert_str_eq(pc->command, "/bin/cat");
	cr_assert_eq(pc->autostart, 1);
	cr_assert_eq(pc->startsecs, 1);
	cr_assert_eq(pc->startretries, 3);
	cr_assert_eq(pc->autorestart, PROC_AUTORESTART_UNEXPECTED);
	cr_assert_eq(pc->exitcodes.n, 1);
	cr_assert_eq(pc->exitcodes.codes[0], 0);
	cr_assert_eq(pc->stopsignal, SIGTERM);
	cr_assert_eq(pc->stopwaitsecs, 10);
	cr_assert_eq(pc->stopasgroup, 0);
	cr_assert_eq(pc->killasgroup, 0);
	cr_assert_eq(pc->umask, -1);
	cr_assert_null(pc->user);
	cr_assert_null(pc->directory);
	cr_assert_null(pc->serverurl);
	cr_assert_eq(pc->log[PROC_STDOUT].logfile.kind, CFG_LOGFILE_AUTO);
	cr_assert_eq(pc->log[PROC_STDOUT].maxbytes, 50LL * 1024 * 1024);
	cr_assert_eq(pc->log[PROC_STDOUT].backups, 10);
	cr_assert_eq(pc->log[PROC_STDERR].logfile.kind, CFG_LOGFILE_AUTO);
	cr_assert_str_eq(g.identifier, "supervisor");
}

Test(proc_config, numprocs_and_process_num_template)
{
	cr_assert_null(load("[supervisord]\n[program:w]\n"
	    "command=/bin/sleep %(process_num)d\n"
	    "process_name=%(program_name)s_%(process_num)02d\n"
	    "numprocs=3\nnumprocs_start=8\n"));
	cr_assert_eq(gcs[0]->nprocs, 3);
	cr_assert_str_eq(gcs[0]->procs[0]->name, "w_08");
	cr_assert_str_eq(gcs[0]->procs[2]->name, "w_10");
	cr_assert_str_eq(gcs[0]->procs[1]->command, "/bin/sleep 9");
}

Test(proc_config, numprocs_needs_process_num)
{
	char *err = load("[supervisord]\n[program:w]\ncommand=/bin/true\n"
	    "numprocs=2\n");

	cr_assert_not_null(err);
	cr_assert(strstr(err, "%(process_num) must be present within "
	    "process_name when numprocs > 1") != NULL, "%s", err);
	free(err);
}

Test(proc_config, bad_names)
{
	char *err = load("[supervisord]\n[program:a b]\ncommand=/bin/true\n");

	cr_assert_not_null(err);
	cr_assert(strstr(err, "Invalid name: 'a b' because of character: "
	    "' '") != NULL, "%s", err);
	free(err);
	cleanup();
	err = load("[supervisord]\n[program:x]\ncommand=/bin/true\n"
	    "process_name=a/b\n");
	cr_assert_not_null(err);
	cr_assert(strstr(err, "because of character: '/'") != NULL, "%s",
	    err);
	free(err);
	cr_assert(!proc_name_valid("a:b"));
	cr_assert(proc_name_valid("a_b-1.x"));
}

Test(proc_config, stopasgroup_implies_killasgroup)
{
	char *err;

	cr_assert_null(load("[supervisord]\n[program:x]\ncommand=/bin/true\n"
	    "stopasgroup=true\n"));
	cr_assert_eq(gcs[0]->procs[0]->killasgroup, 1);
	cleanup();
	err = load("[supervisord]\n[program:x]\ncommand=/bin/true\n"
	    "stopasgroup=true\nkillasgroup=false\n");
	cr_assert_not_null(err);
	cr_assert(strstr(err, "Cannot set stopasgroup=true and "
	    "killasgroup=false") != NULL, "%s", err);
	free(err);
}

Test(proc_config, missing_command)
{
	char *err = load("[supervisord]\n[program:x]\nautostart=false\n");

	cr_assert_not_null(err);
	cr_assert(strstr(err, "program section program:x does not specify a "
	    "command") != NULL, "%s", err);
	free(err);
}

Test(proc_config, redirect_stderr_forces_no_stderr_log)
{
	cr_assert_null(load("[supervisord]\n[program:x]\ncommand=/bin/true\n"
	    "redirect_stderr=true\nstderr_logfile=/tmp/x.err\n"));
	cr_assert_eq(gcs[0]->procs[0]->log[PROC_STDERR].logfile.kind,
	    CFG_LOGFILE_NONE);
	cr_assert_null(gcs[0]->procs[0]->log[PROC_STDERR].path);
}

Test(proc_config, groups_order_and_membership)
{
	cr_assert_null(load("[supervisord]\n"
	    "[program:a]\ncommand=/bin/true\npriority=5\n"
	    "[program:b]\ncommand=/bin/true\npriority=1\n"
	    "[program:c]\ncommand=/bin/true\n"
	    "[group:grp]\nprograms=a,b\npriority=500\n"
	    "[program:d]\ncommand=/bin/true\npriority=100\n"));
	cr_assert_eq(ngcs, 3);
	cr_assert_str_eq(gcs[0]->name, "d");
	cr_assert_str_eq(gcs[1]->name, "grp");
	cr_assert_str_eq(gcs[2]->name, "c");
	cr_assert_eq(gcs[1]->nprocs, 2);
	/* inside a group, processes are ordered by their own priority */
	cr_assert_str_eq(gcs[1]->procs[0]->name, "b");
	cr_assert_str_eq(gcs[1]->procs[1]->name, "a");
}

Test(proc_config, group_with_unknown_program)
{
	char *err = load("[supervisord]\n[group:g]\nprograms=nope\n");

	cr_assert_not_null(err);
	cr_assert_str_eq(err, "[group:g] names unknown program or "
	    "fcgi-program nope");
	free(err);
}

Test(proc_config, expansions_and_environment)
{
	struct proc_config *pc;

	cr_assert_null(load("[supervisord]\nenvironment=GLOBAL=1\n"
	    "[program:e]\ncommand=/bin/echo %(ENV_FOO)s %(group_name)s\n"
	    "environment=FOO=\"bar baz\",N=%(process_num)d\n"
	    "directory=%(here)s\n"));
	pc = gcs[0]->procs[0];
	cr_assert_str_eq(pc->command, "/bin/echo bar baz e");
	cr_assert_str_eq(json_string_value(json_object_get(pc->environment,
	    "N")), "0");
	cr_assert_str_eq(pc->directory, "/tmp");
	cr_assert_str_eq(json_string_value(json_object_get(g.environment,
	    "GLOBAL")), "1");
}

Test(proc_config, process_num_not_in_section_keys)
{
	char *err = load("[supervisord]\n[program:x]\ncommand=/bin/true\n"
	    "priority=%(process_num)d\n");

	cr_assert_not_null(err);
	free(err);
}

Test(proc_config, serverurl_auto_from_unix_server)
{
	cr_assert_null(load("[supervisord]\n[unix_http_server]\n"
	    "file=/tmp/s.sock\n[program:x]\ncommand=/bin/true\n"));
	cr_assert_str_eq(g.serverurl, "unix:///tmp/s.sock");
}

Test(proc_config, fcgi_program_needs_socket)
{
	char *err = load("[supervisord]\n[fcgi-program:f]\n"
	    "command=/bin/true\n");

	cr_assert_not_null(err);
	cr_assert(strstr(err, "[fcgi-program:f] section requires a \"socket\" "
	    "line") != NULL, "%s", err);
	free(err);
	cleanup();
	cr_assert_null(load("[supervisord]\n[fcgi-program:f]\n"
	    "command=/bin/true\nsocket=unix:///tmp/f.sock\n"));
	cr_assert_eq(gcs[0]->kind, GROUP_FCGI);
	cr_assert_str_eq(gcs[0]->socket, "unix:///tmp/f.sock");
}

/* --- the command: shlex.split, PATH search, spawnerr texts ---------------- */

Test(proc_spawn, split_like_shlex)
{
	char *err = NULL;
	char **argv = proc_split_command(
	    "/bin/sh -c 'echo \"a b\"' x\\ y \"q\\\"t\" ''", &err);

	cr_assert_not_null(argv, "%s", err);
	cr_assert_str_eq(argv[0], "/bin/sh");
	cr_assert_str_eq(argv[1], "-c");
	cr_assert_str_eq(argv[2], "echo \"a b\"");
	cr_assert_str_eq(argv[3], "x y");
	cr_assert_str_eq(argv[4], "q\"t");
	cr_assert_str_eq(argv[5], "");
	cr_assert_null(argv[6]);
	proc_argv_free(argv);
	cr_assert_null(proc_split_command("echo 'open", &err));
	cr_assert_str_eq(err, "No closing quotation");
	free(err);
}

Test(proc_spawn, resolve_errors)
{
	struct proc_config pc;
	char *argv[2] = { NULL, NULL }, *err = NULL, *file;
	int fault;

	memset(&pc, 0, sizeof pc);
	argv[0] = "sh";
	file = proc_resolve_command(&pc, argv, &fault, &err);
	cr_assert_not_null(file, "%s", err);
	cr_assert(strcmp(file, "/bin/sh") == 0 ||
	    strcmp(file, "/usr/bin/sh") == 0 ||
	    strcmp(file, "/usr/local/bin/sh") == 0 ||
	    strstr(file, "/sh") != NULL, "%s", file);
	free(file);

	argv[0] = "/no/such/thing";
	cr_assert_null(proc_resolve_command(&pc, argv, &fault, &err));
	cr_assert_str_eq(err, "can't find command '/no/such/thing'");
	cr_assert_eq(fault, STH_FAULT_NO_FILE);
	free(err);

	argv[0] = "/tmp";
	cr_assert_null(proc_resolve_command(&pc, argv, &fault, &err));
	cr_assert_str_eq(err, "command at '/tmp' is a directory");
	cr_assert_eq(fault, STH_FAULT_NOT_EXECUTABLE);
	free(err);

	argv[0] = "/etc/passwd";
	if (access(argv[0], F_OK) == 0) {
		cr_assert_null(proc_resolve_command(&pc, argv, &fault, &err));
		cr_assert_str_eq(err, "command at '/etc/passwd' is not "
		    "executable");
		free(err);
	}

	argv[0] = "no-such-program-here";
	cr_assert_null(proc_resolve_command(&pc, argv, &fault, &err));
	cr_assert_str_eq(err, "can't find command 'no-such-program-here'");
	free(err);
}

Test(proc_spawn, pyrepr)
{
	char *r;

	r = pyrepr("a'b");
	cr_assert_str_eq(r, "\"a'b\"");
	free(r);
	r = pyrepr("tab\there");
	cr_assert_str_eq(r, "'tab\\there'");
	free(r);
	r = pyrepr_bytes("\xff\n'", 3);
	cr_assert_str_eq(r, "b\"\\xff\\n'\"");
	free(r);
}

/* --- output helpers ---------------------------------------------------------- */

Test(proc_io, strip_ansi)
{
	char buf[] = "\033[1;31mred\033[0m plain \033[2Jx";
	size_t n = proc_strip_ansi(buf, strlen(buf));

	buf[n] = '\0';
	cr_assert_str_eq(buf, "red plain x");
}

Test(proc_io, decode_data)
{
	char *t;

	t = proc_decode_data("h\xc3\xa9llo", 6);
	cr_assert_str_eq(t, "h\xc3\xa9llo");
	free(t);
	t = proc_decode_data("a\xffz", 3);
	cr_assert_str_eq(t, "Undecodable: b'a\\xffz'");
	free(t);
	t = proc_decode_data("\xc3", 1);	/* cut in the middle */
	cr_assert_str_eq(t, "Undecodable: b'\\xc3'");
	free(t);
}

/* --- depends_on (proc_deps.c) ------------------------------------------- */

static struct group_config *
gc_named(const char *name)
{
	size_t i;

	for (i = 0; i < ngcs; i++)
		if (strcmp(gcs[i]->name, name) == 0)
			return gcs[i];
	cr_assert_fail("no group %s", name);
	return NULL;
}

Test(proc_config, depends_on_errors_name_the_section_or_the_cycle)
{
	char *err;

	err = load("[program:a]\ncommand=/bin/cat\ndepends_on=b, zz\n"
	    "[program:b]\ncommand=/bin/cat\n");
	cr_assert_str_eq(err, "depends_on: [program:a] names no program or "
	    "group 'zz'");
	free(err);
	cleanup();
	err = load("[group:g]\nprograms=x,y\n[program:x]\ncommand=/bin/cat\n"
	    "[program:y]\ncommand=/bin/cat\n[program:z]\ncommand=/bin/cat\n"
	    "depends_on=x\n");
	cr_assert_str_eq(err, "depends_on: [program:z] names no program or "
	    "group 'x'", "a member of [group:g] is reached as g");
	free(err);
	cleanup();
	err = load("[program:a]\ncommand=/bin/cat\ndepends_on=b\n"
	    "[program:b]\ncommand=/bin/cat\ndepends_on=c\n"
	    "[program:c]\ncommand=/bin/cat\ndepends_on=b\n");
	cr_assert_str_eq(err, "depends_on: a cycle: b -> c -> b");
	free(err);
}

/* Shutdown stops from the end: each group must come after what it needs,
 * and otherwise stay in priority order. */
Test(proc_config, stop_order_puts_dependents_after_their_dependencies)
{
	struct proc_group grp[5], *v[5];
	const char *names[] = { "web", "a", "db", "b", "cache" };
	size_t i;

	cr_assert_null(load(
	    "[program:web]\ncommand=/bin/cat\npriority=1\ndepends_on=db,cache\n"
	    "[program:a]\ncommand=/bin/cat\npriority=2\n"
	    "[program:db]\ncommand=/bin/cat\npriority=3\n"
	    "[program:b]\ncommand=/bin/cat\npriority=4\n"
	    "[program:cache]\ncommand=/bin/cat\npriority=5\ndepends_on=db\n"));
	memset(grp, 0, sizeof grp);
	for (i = 0; i < 5; i++) {
		grp[i].cfg = gc_named(names[i]);
		v[i] = &grp[i];
	}
	proc_deps_stop_order(v, 5);
	cr_assert_str_eq(v[0]->cfg->name, "a");
	cr_assert_str_eq(v[1]->cfg->name, "db");
	cr_assert_str_eq(v[2]->cfg->name, "b");
	cr_assert_str_eq(v[3]->cfg->name, "cache");
	cr_assert_str_eq(v[4]->cfg->name, "web", "stopped first");
}

Test(proc_config, healthcheck_defaults_and_off_by_default)
{
	struct proc_config *pc;

	cr_assert_null(load("[program:a]\ncommand=/bin/cat\n"
	    "[program:b]\ncommand=/bin/cat\n"
	    "healthcheck=http://127.0.0.1:80%(process_num)02d/h\n"));
	pc = gc_named("a")->procs[0];
	cr_assert_null(pc->healthcheck);
	cr_assert_null(pc->hc, "no check unless asked for");
	cr_assert_eq(pc->hc_interval, 10);
	cr_assert_eq(pc->hc_timeout, 5);
	cr_assert_eq(pc->hc_retries, 3);
	cr_assert_eq(pc->hc_start_period, 0);
	cr_assert_eq(pc->hc_restart, 1);
	pc = gc_named("b")->procs[0];
	cr_assert_str_eq(pc->healthcheck, "http://127.0.0.1:8000/h",
	    "expanded like any value");
	cr_assert_not_null(pc->hc);
}

Test(proc_config, healthcheck_values)
{
	static const struct {
		const char *spec;
		const char *err;	/* NULL: valid */
	} t[] = {
		{ "exec:/bin/true", NULL },
		{ "exec:  sh -c 'exit 0'", NULL },
		{ "http://127.0.0.1", NULL },
		{ "http://localhost:8080/health?x=1", NULL },
		{ "http://[::1]:8080/", NULL },
		{ "tcp:127.0.0.1:5432", NULL },
		{ "tcp:[::1]:5432", NULL },
		{ "log:^ready( to accept)?$", NULL },
		{ "exec:", "healthcheck exec: names no command" },
		{ "http://:80/", "not a valid host:port in healthcheck: ':80'" },
		{ "http://h:0/", "not a valid host:port in healthcheck: 'h:0'" },
		{ "http://h:x/", "not a valid host:port in healthcheck: 'h:x'" },
		{ "http://[::1/", "not a valid host:port in healthcheck: '[::1'" },
		{ "tcp:h", "not a valid host:port in healthcheck: 'h'" },
		{ "tcp:h:65536", "not a valid host:port in healthcheck: "
		  "'h:65536'" },
		{ "HTTP://h/", "not a valid healthcheck: 'HTTP://h/' "
		  "(exec:COMMAND, http://HOST:PORT/PATH, tcp:HOST:PORT or "
		  "log:REGEX)" },
	};
	struct proc_hc *hc;
	char *err;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		hc = NULL;
		err = NULL;
		if (t[i].err == NULL) {
			cr_assert_eq(proc_hc_parse(t[i].spec, &hc, &err), 0,
			    "%s: %s", t[i].spec, err);
			proc_hc_free(hc);
			continue;
		}
		cr_assert_eq(proc_hc_parse(t[i].spec, &hc, &err), -1, "%s",
		    t[i].spec);
		cr_assert_str_eq(err, t[i].err);
		free(err);
	}
	cr_assert_eq(proc_hc_parse("log:a(", &hc, &err), -1);
	cr_assert(strncmp(err, "not a valid regular expression in "
	    "healthcheck: 'a(' (", 46) == 0, "%s", err);
	free(err);
}

Test(proc_config, healthcheck_errors_name_file_line_and_key)
{
	char *err;

	err = load("[program:a]\ncommand=/bin/cat\nhealthcheck=udp:x\n");
	cr_assert(strstr(err, "not a valid healthcheck: 'udp:x'") != NULL,
	    "%s", err);
	cr_assert(strstr(err, "in section 'program:a' (file: "
	    "'/tmp/test.conf', line 3)") != NULL, "%s", err);
	free(err);
	cleanup();
	err = load("[program:a]\ncommand=/bin/cat\nhealthcheck_retries=0\n");
	cr_assert(strstr(err, "'healthcheck_retries'") != NULL, "%s", err);
	free(err);
}

Test(proc_config, depends_on_conditions)
{
	char *err;
	struct proc_group grp[3], *v[3];
	const char *names[] = { "web", "db", "migrate" };
	size_t i;

	cr_assert_null(load(
	    "[program:web]\ncommand=/bin/cat\npriority=1\n"
	    "depends_on = db:healthy, migrate:completed\n"
	    "[program:db]\ncommand=/bin/cat\npriority=2\n"
	    "[program:migrate]\ncommand=/bin/cat\npriority=3\n"
	    "depends_on=db:started\n"));
	memset(grp, 0, sizeof grp);
	for (i = 0; i < 3; i++) {
		grp[i].cfg = gc_named(names[i]);
		v[i] = &grp[i];
	}
	proc_deps_stop_order(v, 3);
	cr_assert_str_eq(v[0]->cfg->name, "db");
	cr_assert_str_eq(v[1]->cfg->name, "migrate");
	cr_assert_str_eq(v[2]->cfg->name, "web", "stopped first");
	cleanup();
	err = load("[program:a]\ncommand=/bin/cat\ndepends_on=b:ready\n"
	    "[program:b]\ncommand=/bin/cat\n");
	cr_assert_str_eq(err, "depends_on: [program:a] names an unknown "
	    "condition 'ready' of 'b' (started, healthy or completed)");
	free(err);
	cleanup();
	err = load("[program:a]\ncommand=/bin/cat\ndepends_on=b:healthy\n"
	    "[program:b]\ncommand=/bin/cat\ndepends_on=a:started\n");
	cr_assert_str_eq(err, "depends_on: a cycle: a -> b -> a");
	free(err);
	cleanup();
	err = load("[program:a]\ncommand=/bin/cat\ndepends_on=zz:healthy\n");
	cr_assert_str_eq(err, "depends_on: [program:a] names no program or "
	    "group 'zz'");
	free(err);
}

/* ---- proc_config_equal --------------------------------------------------- */

/* Change the member o reads in pc to a value it cannot have had. */
static void
change_member(const struct cfg_option *o, struct proc_config *pc)
{
	static int codes[] = { 0, 1, 2, 3 };
	static char other[] = "\001changed";
	void *m = (char *)pc + o->offset;
	struct cfg_logpath *lp = m;

	switch (o->type) {
	case CFG_STR:
		*(char **)m = other;
		break;
	case CFG_BOOL:
	case CFG_SIGNAL:
	case CFG_LOGLEVEL:
	case CFG_AUTORESTART:
		(*(int *)m)++;
		break;
	case CFG_INT:
	case CFG_OCTAL:
		(*(long *)m)++;
		break;
	case CFG_BYTES:
		(*(long long *)m)++;
		break;
	case CFG_EXITCODES:
		((struct cfg_codes *)m)->codes = codes;
		((struct cfg_codes *)m)->n = 4;
		break;
	case CFG_ENV:
		*(json_t **)m = json_pack("{s:s}", "CHANGED", "1");
		break;
	case CFG_LOGFILE:
		if (lp->kind == CFG_LOGFILE_PATH)
			lp->path = other;
		else
			lp->kind = lp->kind == CFG_LOGFILE_AUTO ?
			    CFG_LOGFILE_NONE : CFG_LOGFILE_AUTO;
		break;
	default:
		cr_assert_fail("option %s: a type this test does not know (%d):"
		    " teach change_member", o->key, (int)o->type);
	}
}

/* Every option of the tables counts: change each in a copy (a shallow
 * one; what change_member points it at is this test's), and the copy is
 * a different config.  An option added to a table is tested here with
 * nothing to add. */
Test(proc_config, equal_notices_every_option)
{
	const struct cfg_option *t, *o;
	struct proc_config copy, *pc;
	size_t i, n = 0;

	cr_assert_null(load("[supervisord]\n[program:web]\n"
	    "command=/bin/cat\nstdout_logfile=/tmp/web.log\n"));
	pc = gcs[0]->procs[0];
	copy = *pc;
	cr_assert(proc_config_equal(pc, &copy));
	for (i = 0; (t = proc_config_table(i)) != NULL; i++) {
		for (o = t; o->key != NULL; o++, n++) {
			copy = *pc;
			change_member(o, &copy);
			cr_expect_not(proc_config_equal(pc, &copy),
			    "a change of %s is not seen", o->key);
			if (o->type == CFG_ENV)
				json_decref(*(json_t **)((char *)&copy +
				    o->offset));
		}
	}
	cr_assert_gt(n, 30, "the tables hold %zu options", n);
}

/* The members no table reads are compared by hand. */
Test(proc_config, equal_notices_the_members_read_by_hand)
{
	struct proc_config copy, *pc;
	json_t *env;

	cr_assert_null(load("[supervisord]\n[program:web]\n"
	    "command=/bin/cat\n"));
	pc = gcs[0]->procs[0];
	copy = *pc;
	copy.name = "other";
	cr_expect_not(proc_config_equal(pc, &copy), "name");
	copy = *pc;
	copy.user = "nobody";
	cr_expect_not(proc_config_equal(pc, &copy), "user");
	copy = *pc;
	copy.uid++;
	cr_expect_not(proc_config_equal(pc, &copy), "uid");
	copy = *pc;
	copy.gid++;
	cr_expect_not(proc_config_equal(pc, &copy), "gid");
	copy = *pc;
	copy.killasgroup = !copy.killasgroup;
	cr_expect_not(proc_config_equal(pc, &copy), "killasgroup");
	copy = *pc;
	copy.environment = env = json_pack("{s:s}", "A", "1");
	cr_expect_not(proc_config_equal(pc, &copy), "environment");
	json_decref(env);
	/* an AUTO log file's name is made at random: not a change */
	copy = *pc;
	copy.log[PROC_STDOUT].path = "/tmp/web-stdout---supervisor-x.log";
	cr_expect(proc_config_equal(pc, &copy), "AUTO path");
}
