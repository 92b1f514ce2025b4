/*
 * test_plugin.c — the loader (daemon/plugin.c, scope.c, hostapi.c, net.c)
 * driven on a real event_base with the test plugins of tests/plugins/.
 *
 * Each test runs in its own process (Criterion's default) with a scratch
 * folder as $TMPDIR, so the loader's private copies land there and can be
 * counted.  Plugins are talked to through the RPC registry.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "bus.h"
#include "ini.h"
#include "loader.h"
#include "log.h"
#include "net.h"
#include "readbuf.h"
#include "rpc.h"
#include "sthenod.h"
#include "test_hooks.h"

#include "harness.h"

#ifndef TP_DIR
#error "TP_DIR must name the folder of the built test plugins"
#endif

static char scratch[] = "/tmp/test_plugin.XXXXXX";

static void
setup(void)
{
	char *err = NULL;

	cr_assert_not_null(mkdtemp(scratch));
	setenv("TMPDIR", scratch, 1);
	unsetenv("TP_LISTEN");
	unsetenv("TP_UNIX");
	/* an open log: before log_open the log keeps lines in memory */
	cr_assert_eq(log_open("/dev/null", 0, 0, STH_LOG_INFO, 0, &err), 0,
	    "%s", err);
	sth.base = event_base_new();
	/* TP_DIR, then the installed folder: not make check's build tree */
	unsetenv("STHENO_PLUGIN_PATH");
	cr_assert_eq(plugins_init(TP_DIR), 0);
	plugins_set_grace(0.2);
	plugin_rpc_register();
}

static void
teardown(void)
{
	char *cmd;

	plugins_shutdown();
	log_close();
	event_base_free(sth.base);
	sth.base = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", scratch) > 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", scratch);
		free(cmd);
	}
}

TestSuite(plugin, .init = setup, .fini = teardown, .timeout = 60);

/* --- helpers -------------------------------------------------------------- */

static char *
tp(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s.so", TP_DIR, name);
	return buf[i];
}

/* Copy a test plugin into the scratch folder (by rename, as an installer
 * would) and return the destination. */
static char *
install(const char *name, const char *as, mode_t mode)
{
	static char dst[512];
	char tmp[600], buf[65536];
	ssize_t n;
	int in, out;

	snprintf(dst, sizeof dst, "%s/%s", scratch, as);
	snprintf(tmp, sizeof tmp, "%s.new", dst);
	in = open(tp(name), O_RDONLY);
	cr_assert(in >= 0, "open %s: %s", tp(name), strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		cr_assert_eq(write(out, buf, n), n);
	close(in);
	close(out);
	cr_assert_eq(chmod(tmp, mode), 0);
	cr_assert_eq(rename(tmp, dst), 0);
	return dst;
}

static void
spin(double secs)
{
	struct timeval tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - tv.tv_sec) * 1e6);
	event_base_loopexit(sth.base, &tv);
	event_base_dispatch(sth.base);
}

/* Records (any state) called name in plugin.list; *state set to the last
 * one's state (a static copy). */
static int
records(const char *name, const char **state)
{
	static char st[32];
	json_t *a = plugin_list(), *o;
	size_t i;
	int n = 0;

	json_array_foreach(a, i, o) {
		if (strcmp(json_string_value(json_object_get(o, "name")),
		    name) != 0)
			continue;
		n++;
		snprintf(st, sizeof st, "%s",
		    json_string_value(json_object_get(o, "state")));
	}
	json_decref(a);
	if (state != NULL)
		*state = n != 0 ? st : NULL;
	return n;
}

/* Turn the loop until no record of name is left (or 3 seconds pass). */
static int
spin_until_gone(const char *name)
{
	int i;

	for (i = 0; i < 300 && records(name, NULL) != 0; i++) {
		event_base_loop(sth.base, EVLOOP_NONBLOCK);
		if (i > 10)
			spin(0.01);
	}
	return records(name, NULL) == 0;
}

struct answer {
	json_t *result;
	int code;
	char fault[512];
};

static void
answer_cb(json_t *result, int code, const char *fstr, void *arg)
{
	struct answer *a = arg;

	a->result = result != NULL ? json_incref(result) : NULL;
	a->code = code;
	snprintf(a->fault, sizeof a->fault, "%s", fstr != NULL ? fstr : "");
}

/* Call method with no params; returns the result (caller decrefs) or NULL
 * with *code set. */
static json_t *
call(const char *method, int *code)
{
	struct answer a = { NULL, -1, "" };

	cr_assert_null(rpc_call(NULL, method, NULL, answer_cb, &a),
	    "%s answered later", method);
	if (code != NULL)
		*code = a.code;
	return a.result;
}

static long
call_int(const char *method)
{
	json_t *r = call(method, NULL);
	long v;

	cr_assert(json_is_integer(r), "%s did not return an integer", method);
	v = (long)json_integer_value(r);
	json_decref(r);
	return v;
}

static char *
call_str(const char *method)
{
	static char buf[64];
	json_t *r = call(method, NULL);

	cr_assert(json_is_string(r), "%s did not return a string", method);
	snprintf(buf, sizeof buf, "%s", json_string_value(r));
	json_decref(r);
	return buf;
}

static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int
count_cb(const struct event_base *b, const struct event *ev, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int
event_count(void)
{
	int n = 0;

	event_base_foreach_event(sth.base, count_cb, &n);
	return n;
}

struct found {
	const char *lib;
	struct event *ev[8];
	int n;
};

static int
find_cb(const struct event_base *b, const struct event *ev, void *arg)
{
	struct found *f = arg;
	union {
		event_callback_fn fn;
		void *ptr;
	} cb;
	Dl_info info;

	cb.ptr = NULL;
	cb.fn = event_get_callback(ev);
	if (dladdr(cb.ptr, &info) != 0 && info.dli_fname != NULL &&
	    strstr(info.dli_fname, f->lib) != NULL && f->n < 8)
		f->ev[f->n++] = (struct event *)ev;
	return 0;
}

/* Free the events whose callbacks lie in a library named like lib. */
static int
free_events_of(const char *lib)
{
	struct found f = { lib, { NULL }, 0 };
	int i;

	event_base_foreach_event(sth.base, find_cb, &f);
	for (i = 0; i < f.n; i++)
		event_free(f.ev[i]);
	return f.n;
}

static int
files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Send the main log to a file in the scratch folder. */
static void
log_to_scratch(void)
{
	char path[600], *err = NULL;

	log_close();
	snprintf(path, sizeof path, "%s/main.log", scratch);
	cr_assert_eq(log_open(path, 0, 0, STH_LOG_INFO, 0, &err), 0, "%s",
	    err);
}

/* Does the scratch log hold a line containing needle? */
static int
log_has(const char *needle)
{
	char path[600], line[2048];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof path, "%s/main.log", scratch);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* Where the loader keeps its private copies. */
static const char *
rundir(void)
{
	static char buf[600];
	glob_t g;

	/* the loader makes it with mkdtemp: sthenod-<pid>.XXXXXX */
	snprintf(buf, sizeof buf, "%s/sthenod-%ld.*", scratch,
	    (long)getpid());
	if (glob(buf, 0, NULL, &g) == 0) {
		snprintf(buf, sizeof buf, "%s", g.gl_pathv[0]);
		globfree(&g);
	}
	return buf;
}

static int
can_connect(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return ok;
}

/* Load a file by path, as the config's path= does (plugins_load_many);
 * a live plugin_load takes names only. */
static int
load(const char *path, char **err)
{
	return plugins_load_many(&path, 1, err);
}

/* The running ABI as the loader writes it, e.g. "1.3". */
#define STR(x) #x
#define XSTR(x) STR(x)
#define ABI_NOW XSTR(STHENO_ABI_MAJOR) "." XSTR(STHENO_ABI_MINOR)

static void
expect_refused(const char *what, const char *needle)
{
	char *err = NULL;

	cr_assert_eq(strchr(what, '/') != NULL ? load(what, &err) :
	    plugin_load(what, &err), -1, "%s loaded", what);
	cr_assert_not_null(err);
	cr_assert(strstr(err, needle) != NULL, "'%s' lacks '%s'", err, needle);
	free(err);
}

/* --- loading and its checks ----------------------------------------------- */

Test(plugin, loads_runs_and_lists)
{
	const char *state;
	json_t *a, *res;
	char *err = NULL;

	cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
	cr_assert_str_eq(call_str("tp.version"), "1");
	spin(0.06);
	cr_assert_gt(call_int("tp.ticks"), 0, "the plugin's timer never ran");
	cr_assert_gt(call_int("tp.port"), 0);
	cr_assert(can_connect(call_int("tp.port")));

	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_eq(state, "active");
	a = plugin_list();
	res = json_object_get(json_array_get(a, 0), "resources");
	cr_assert_eq(json_integer_value(json_object_get(res, "timers")), 1);
	cr_assert_eq(json_integer_value(json_object_get(res, "listeners")), 1);
	cr_assert_eq(json_integer_value(json_object_get(res, "methods")), 6);
	json_decref(a);
	/* one private copy, not the build file itself */
	cr_assert_eq(files_in(rundir()), 1);
}

Test(plugin, loads_by_name_from_the_search_path)
{
	char *err = NULL;

	cr_assert_eq(plugin_load("tp", &err), 0, "%s", err);
	cr_assert_str_eq(call_str("tp.version"), "1");
	expect_refused("tp", "plugin 'tp' is already loaded");
	/* tp_v2.so holds a plugin that calls itself "tp" */
	expect_refused("tp_v2", "it calls itself 'tp', not 'tp_v2'");
	expect_refused("nosuch", "plugin 'nosuch' is not installed");
	expect_refused("Bad Name", "refused: plugin.load takes a plugin name");
}

Test(plugin, refuses_abi_size_and_missing_functions)
{
	expect_refused(tp("tp_badabi"),
	    "built for plugin ABI 99." XSTR(STHENO_ABI_MINOR) " and sthenod "
	    "has " ABI_NOW ": the major versions must be equal");
	expect_refused(tp("tp_newminor"), "newer than sthenod's " ABI_NOW);
	expect_refused(tp("tp_badsize"), "its descriptor is 8 bytes");
	expect_refused(tp("tp_noinit"), "has no init function");
	cr_assert_eq(records("tp", NULL), 0);
	/* nothing stays mapped or copied */
	cr_assert_eq(files_in(rundir()), 0);
}

Test(plugin, refuses_files_that_are_not_plugins)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/text.so", scratch);
	f = fopen(path, "w");
	fputs("this is not a shared object\n", f);
	fclose(f);
	expect_refused(path, "is not a plugin: not an ELF shared object");
	expect_refused(tp("nodesc"),
	    "is not a stheno plugin: it does not export sth_plugin_descriptor");
	snprintf(path, sizeof path, "%s/absent.so", scratch);
	expect_refused(path, "cannot open plugin file");
}

Test(plugin, refuses_group_or_world_writable_files)
{
	char *err = NULL;

	expect_refused(install("tp", "tp.so", 0666),
	    "it is group- or world-writable (mode 0666)");
	expect_refused(install("tp", "tp.so", 0620),
	    "group- or world-writable (mode 0620)");
	cr_assert_eq(load(install("tp", "tp.so", 0644), &err), 0,
	    "%s", err);
}

/* --- dependencies --------------------------------------------------------- */

Test(plugin, refuses_a_missing_dependency)
{
	expect_refused(tp("tp_needy"),
	    "plugin 'tp_needy' requires 'tp_absent', which is not loaded");
	cr_assert_eq(records("tp_needy", NULL), 0);
}

Test(plugin, refuses_a_dependency_cycle)
{
	const char *both[] = { tp("tp_cyc_a"), tp("tp_cyc_b") };
	char *err = NULL;

	cr_assert_eq(plugins_load_many(both, 2, &err), -1);
	cr_assert(strstr(err, "plugin dependency cycle: tp_cyc_a -> tp_cyc_b "
	    "-> tp_cyc_a") != NULL, "%s", err);
	free(err);
	cr_assert_eq(records("tp_cyc_a", NULL) + records("tp_cyc_b", NULL), 0);
	cr_assert_eq(files_in(rundir()), 0);
}

Test(plugin, loads_in_dependency_order_and_refuses_unloading_a_required_one)
{
	const char *set[] = { tp("tp_user"), tp("tp") };
	const char *state;
	char *err = NULL;

	/* tp_user comes first in the list but requires tp */
	cr_assert_eq(plugins_load_many(set, 2, &err), 0, "%s", err);
	cr_assert_eq(records("tp_user", &state), 1);
	cr_assert_str_eq(state, "active");
	cr_assert_eq(plugin_unload("tp", &err), -1);
	cr_assert_str_eq(err, "plugin 'tp' is required by 'tp_user': unload "
	    "'tp_user' first");
	free(err);
	cr_assert_eq(plugin_unload("tp_user", &err), 0, "%s", err);
	cr_assert_eq(plugin_unload("tp", &err), 0, "%s", err);
	cr_assert(spin_until_gone("tp"));
	cr_assert(spin_until_gone("tp_user"));
	cr_assert_eq(plugin_unload("tp", &err), -1);
	cr_assert_str_eq(err, "plugin 'tp' is not loaded");
	free(err);
}

/* --- init failure, cycles, leaks ------------------------------------------ */

Test(plugin, failed_init_unwinds_everything_it_registered)
{
	int events = event_count(), fds = fd_count(), port = test_free_port(), code;
	char spec[64], *err = NULL;

	snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
	setenv("TP_LISTEN", spec, 1);
	cr_assert_eq(load(tp("tp_fail"), &err), -1);
	cr_assert(strstr(err, "plugin 'tp' failed to initialise: deliberate "
	    "failure of version bad") != NULL, "%s", err);
	free(err);
	/* its methods, listener, timer and deferred call are gone */
	cr_assert_null(call("tp.version", &code));
	cr_assert_eq(code, STH_FAULT_UNKNOWN_METHOD);
	cr_assert_not(can_connect(port), "the failed plugin still listens");
	cr_assert(spin_until_gone("tp"));
	cr_assert_eq(event_count(), events);
	cr_assert_eq(fd_count(), fds);
	cr_assert_eq(files_in(rundir()), 0);
	/* and the name is free again */
	cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
}

Test(plugin, thousand_load_unload_cycles_leak_no_fd_nor_memory,
    .timeout = 300)
{
	struct mallinfo2 m0, m1;
	int i, fds;
	char *err = NULL;

	for (i = 0; i < 20; i++) {	/* warm up caches and pools */
		cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
		cr_assert_eq(plugin_unload("tp", &err), 0, "%s", err);
		cr_assert(spin_until_gone("tp"));
	}
	fds = fd_count();
	m0 = mallinfo2();
	for (i = 0; i < 1000; i++) {
		cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
		cr_assert_eq(plugin_unload("tp", &err), 0, "%s", err);
		cr_assert(spin_until_gone("tp"), "cycle %d never closed", i);
	}
	m1 = mallinfo2();
	cr_assert_eq(fd_count(), fds, "fds grew from %d to %d", fds,
	    fd_count());
	cr_assert_lt(m1.uordblks, m0.uordblks + 64 * 1024,
	    "heap grew by %zu bytes over 1000 cycles",
	    m1.uordblks - m0.uordblks);
	cr_assert_eq(files_in(rundir()), 0);
}

Test(plugin, leaked_timers_listeners_and_holds_die_with_the_plugin)
{
	int events = event_count(), fds = fd_count(), port;
	const char *state;
	char *err = NULL;

	struct readbuf *rb, *other;
	char *pl;

	log_to_scratch();
	cr_assert_eq(load(tp("tp_leaky"), &err), 0, "%s", err);
	port = call_int("tp_leaky.port");
	/* a long read published where it lies: the plugin keeps it */
	rb = readbuf_get();
	pl = readbuf_base(rb) + READBUF_ROOM;
	memset(pl, 'y', READBUF_MAX / 2);
	pl[READBUF_MAX / 2] = '\0';
	cr_assert_geq(bus_publish_ref("PROCESS_LOG_STDOUT", pl,
	    READBUF_MAX / 2, rb), 0);
	readbuf_unref(rb);
	other = readbuf_get();
	cr_assert_neq(other, rb, "the plugin's hold was not kept");
	readbuf_unref(other);
	spin(0.03);
	cr_assert_gt(event_count(), events);
	cr_assert_eq(plugin_unload("tp_leaky", &err), 0, "%s", err);
	/* the drain closed the listener at once */
	cr_assert_not(can_connect(port));
	cr_assert(spin_until_gone("tp_leaky"), "still %d record(s)",
	    records("tp_leaky", &state));
	cr_assert_eq(event_count(), events, "a callback is still alive");
	cr_assert(log_has("WARN plugin 'tp_leaky' left 1 timers behind at "
	    "unload; sthenod released them"));
	cr_assert(log_has("WARN plugin 'tp_leaky' left 1 listeners behind"));
	cr_assert(log_has("WARN plugin 'tp_leaky' left 6 methods behind"));
	cr_assert(log_has("WARN plugin 'tp_leaky' left 1 holds behind"));
	/* the read buffer it held is a spare again, the last one given back */
	other = readbuf_get();
	cr_assert_eq(other, rb, "the held buffer was not released");
	readbuf_unref(other);
	readbuf_spares_free();
	cr_assert_eq(fd_count(), fds);
	/* and the loop runs on without jumping into unmapped code */
	spin(0.05);
}

Test(plugin, an_event_left_on_the_base_makes_a_zombie_not_a_crash)
{
	const char *state;
	char *err = NULL;
	int i;

	cr_assert_eq(load(tp("tp_zombie"), &err), 0, "%s", err);
	cr_assert_eq(plugin_unload("tp_zombie", &err), 0, "%s", err);
	for (i = 0; i < 50; i++)
		event_base_loop(sth.base, EVLOOP_NONBLOCK);
	spin(0.05);
	cr_assert_eq(records("tp_zombie", &state), 1);
	cr_assert_str_eq(state, "zombie");
	/* its copy stays, mapped, until the daemon exits */
	cr_assert_eq(files_in(rundir()), 1);
	/* this test plays the daemon's exit: free what the plugin left */
	cr_assert_eq(free_events_of("tp_zombie"), 1);
}

/* --- unload from inside, reload ------------------------------------------- */

Test(plugin, unload_requested_from_inside_its_own_callback)
{
	const char *state;
	char *err = NULL;
	json_t *r;

	cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
	r = call("tp.unload_self", NULL);
	cr_assert(json_is_true(r));
	json_decref(r);
	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_neq(state, "active");
	cr_assert(spin_until_gone("tp"));
	cr_assert_eq(files_in(rundir()), 0);
}

/* plugin.unload answers before the plugin is gone (it drains on the loop):
 * a call that follows at once must not reach it, and loading it again at
 * once must work (installcheck.py did both, and raced). */
Test(plugin, unload_then_call_and_load_at_once)
{
	const char *state;
	char *err = NULL;
	json_t *r;
	int code = 0;

	cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
	r = call("tp.schedule", NULL);	/* something to drain */
	json_decref(r);
	cr_assert_eq(plugin_unload("tp", &err), 0, "%s", err);
	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_eq(state, "draining");
	cr_assert_null(call("tp.version", &code), "answered after unload");
	cr_assert_eq(code, STH_FAULT_UNKNOWN_METHOD);

	cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
	cr_assert_eq(records("tp", NULL), 2, "old one still draining");
	cr_assert_str_eq(call_str("tp.version"), "1");
	spin(0.5);
	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_eq(state, "active");
	cr_assert_str_eq(call_str("tp.version"), "1");
	cr_assert_gt(call_int("tp.ticks"), 0, "the new copy's timer runs");
	cr_assert_eq(files_in(rundir()), 1);
}

Test(plugin, reload_while_a_callback_of_the_old_version_is_scheduled)
{
	const char *path, *state;
	char *err = NULL;
	json_t *r;
	int port;

	path = install("tp", "tp.so", 0755);
	cr_assert_eq(load(path, &err), 0, "%s", err);
	port = call_int("tp.port");
	r = call("tp.schedule", NULL);	/* a deferred call and a timer */
	json_decref(r);
	install("tp_v2", "tp.so", 0755);
	cr_assert_eq(plugin_reload("tp", &err), 0, "%s", err);
	/* the new version answers at once, on the same listener */
	cr_assert_str_eq(call_str("tp.version"), "2");
	cr_assert_eq(call_int("tp.port"), port);
	cr_assert_eq(records("tp", NULL), 2);
	spin(0.1);
	cr_assert_eq(records("tp", &state), 1, "the old version stayed");
	cr_assert_str_eq(state, "active");
	cr_assert_str_eq(call_str("tp.version"), "2");
	cr_assert(can_connect(port));
	spin(0.02);
	cr_assert_eq(call_int("tp.accepted"), 1);
	cr_assert_eq(files_in(rundir()), 1);
}

Test(plugin, reload_to_a_failing_file_keeps_the_old_version_serving)
{
	const char *path, *state;
	char spec[64], *err = NULL;
	int port = test_free_port();

	snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
	setenv("TP_LISTEN", spec, 1);
	path = install("tp", "tp.so", 0755);
	cr_assert_eq(load(path, &err), 0, "%s", err);
	install("tp_fail", "tp.so", 0755);
	cr_assert_eq(plugin_reload("tp", &err), -1);
	cr_assert(strstr(err, "reload of plugin 'tp' failed, the loaded "
	    "version keeps serving: plugin 'tp' failed to initialise: "
	    "deliberate failure of version bad") != NULL, "%s", err);
	free(err);
	/* the old version has its methods and its listener back */
	cr_assert_str_eq(call_str("tp.version"), "1");
	cr_assert(can_connect(port));
	spin(0.05);
	cr_assert_eq(call_int("tp.accepted"), 1);
	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_eq(state, "active");
	cr_assert_gt(call_int("tp.ticks"), 0);
}

/* --- listeners ------------------------------------------------------------ */

Test(plugin, unix_listener_replaces_a_stale_socket_and_refuses_a_live_one)
{
	struct sockaddr_un sun;
	struct stat st;
	char path[100], needle[300], *err = NULL;
	int fd;

	snprintf(path, sizeof path, "%s/s.sock", scratch);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	/* a stale socket: bound, then its program went away */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	setenv("TP_UNIX", path, 1);
	cr_assert_eq(load(tp("tp"), &err), 0, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(plugin_unload("tp", &err), 0, "%s", err);
	cr_assert(spin_until_gone("tp"));
	cr_assert_neq(stat(path, &st), 0, "the socket file outlived the "
	    "listener");

	/* a live one: someone listens there */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	cr_assert_eq(listen(fd, 1), 0);
	snprintf(needle, sizeof needle, "another program (pid %ld) is "
	    "already listening on the unix socket %s, owned by uid %ld",
	    (long)getpid(), path, (long)getuid());
	expect_refused(tp("tp"), needle);
	close(fd);
}

Test(plugin, parses_every_hostport_form)
{
	static const struct {
		const char *in, *host, *port;
	} ok[] = {
		{ "127.0.0.1:9001", "127.0.0.1", "9001" },
		{ ":9001", NULL, "9001" },
		{ "*:9001", NULL, "9001" },
		{ "9001", NULL, "9001" },
		{ "[::1]:9001", "::1", "9001" },
		{ "localhost:0", "localhost", "0" },
	};
	static const char *const bad[] = { "", "host:", "host:x", ":70000",
		"::1:9001", "[::1]9001" };
	char *host, *port, *err;
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		err = NULL;
		cr_assert_eq(net_parse_hostport(ok[i].in, &host, &port, &err),
		    0, "%s: %s", ok[i].in, err);
		if (ok[i].host == NULL)
			cr_assert_null(host, "%s", ok[i].in);
		else
			cr_assert_str_eq(host, ok[i].host);
		cr_assert_str_eq(port, ok[i].port);
		free(host);
		free(port);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		cr_assert_eq(net_parse_hostport(bad[i], &host, &port, &err),
		    -1, "'%s' was accepted", bad[i]);
		cr_assert(strstr(err, "invalid host:port value") != NULL);
		free(err);
	}
}

/* --- config --------------------------------------------------------------- */

Test(plugin, config_loads_sections_skips_uninstalled_implied_and_unloads_on_hup)
{
	struct ini_doc *doc;
	char text[1024], *err = NULL;
	const char *state;

	/* the plugin path ends with the installed folder */
	if (access(PLUGINDIR "/xmlrpc.so", F_OK) == 0)
		cr_skip_test("xmlrpc is installed in %s", PLUGINDIR);
	snprintf(text, sizeof text,
	    "[supervisord]\n"
	    "[unix_http_server]\nfile=%s/sock\n"
	    "[plugin:tp]\npath=%s\n"
	    "[plugin:tp_user]\n", scratch, tp("tp"));
	log_to_scratch();
	doc = ini_load_string("/tmp/x.conf", text, &err);
	cr_assert_not_null(doc, "%s", err);
	/* http, xmlrpc and webui are implied but not in TP_DIR nor
	 * installed: not fatal */
	cr_assert_eq(plugins_apply_config(doc, 1, &err), 0, "%s", err);
	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_eq(state, "active");
	cr_assert_eq(records("tp_user", NULL), 1);
	cr_assert(log_has("CRIT section [unix_http_server] wants plugin "
	    "'xmlrpc', which is not installed"));
	ini_free(doc);

	/* SIGHUP: tp_user's section is gone */
	snprintf(text, sizeof text, "[plugin:tp]\npath=%s\n", tp("tp"));
	doc = ini_load_string("/tmp/x.conf", text, &err);
	cr_assert_eq(plugins_apply_config(doc, 0, &err), 0, "%s", err);
	cr_assert(spin_until_gone("tp_user"));
	cr_assert_eq(records("tp", &state), 1);
	cr_assert_str_eq(state, "active");
	ini_free(doc);

	/* an explicit plugin that cannot load stops a startup */
	doc = ini_load_string("/tmp/x.conf", "[plugin:nosuch]\n", &err);
	cr_assert_eq(plugins_apply_config(doc, 1, &err), -1);
	cr_assert(strstr(err, "plugin 'nosuch' is not installed") != NULL &&
	    strstr(err, "[plugin:nosuch]") != NULL, "%s", err);
	free(err);
	ini_free(doc);
}

/* --- who may load code (plugin_trust.c, elf_check.c) ---------------------- */

#define NOT_A_NAME "refused: plugin.load takes a plugin name"

/* A live load of anything but a name: one answer, whatever the path is. */
Test(plugin, live_load_takes_a_name_never_a_path)
{
	const char *paths[] = { tp("tp"), "/etc/passwd", "/nonexistent/x.so",
	    "/root/.bashrc", "../tp", "tp.so", "Bad Name", "" };
	char *err = NULL, *first = NULL;
	size_t i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		cr_assert_eq(plugin_load(paths[i], &err), -1, "%s", paths[i]);
		cr_assert(strncmp(err, NOT_A_NAME, strlen(NOT_A_NAME)) == 0,
		    "%s: %s", paths[i], err);
		if (first == NULL)
			first = err;
		else {
			cr_assert_str_eq(err, first);
			free(err);
		}
	}
	free(first);
	cr_assert_eq(records("tp", NULL), 0);
	cr_assert_eq(files_in(rundir()), 0);
}

/* plugin.load NAME takes the path= of the config's [plugin:NAME]. */
Test(plugin, live_load_takes_the_path_the_config_names)
{
	struct ini_doc *doc;
	char text[1024], *err = NULL;
	json_t *a;

	install("tp", "mine.so", 0755);
	snprintf(text, sizeof text, "[plugin:tp]\npath=%s/mine.so\n",
	    scratch);
	doc = ini_load_string("/tmp/x.conf", text, &err);
	cr_assert_not_null(doc, "%s", err);
	sth.ini = doc;
	cr_assert_eq(plugin_load("tp", &err), 0, "%s", err);
	a = plugin_list();
	cr_assert(strstr(json_string_value(json_object_get(json_array_get(a,
	    0), "path")), "/mine.so") != NULL);
	json_decref(a);
	sth.ini = NULL;
	ini_free(doc);
}

/* A folder under scratch (on the search path) holding a copy of tp.so. */
static char *
folder_with_tp(const char *name, mode_t mode)
{
	static char dir[600];
	char cmd[1400];

	snprintf(dir, sizeof dir, "%s/%s", scratch, name);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s/tp.so'", tp("tp"), dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(chmod(dir, mode), 0);
	cr_assert_eq(plugins_init(dir), 0);
	return dir;
}

Test(plugin, refuses_a_folder_others_can_write)
{
	char *dir, *err = NULL;

	dir = folder_with_tp("open", 0777);
	expect_refused("tp", "is group- or world-writable (mode 0777); every "
	    "folder from / to a plugin must belong to root or sthenod's user");
	cr_assert_eq(chmod(dir, 0775), 0);
	expect_refused("tp", "is group- or world-writable (mode 0775)");
	cr_assert_eq(records("tp", NULL), 0);
	/* sticky, like /tmp: only an entry's owner (here root or us, which
	 * the file's own check holds to) may replace it */
	cr_assert_eq(chmod(dir, 01777), 0);
	cr_assert_eq(plugin_load("tp", &err), 0, "%s", err);
}

Test(plugin, refuses_a_folder_or_file_of_another_user)
{
	char *dir, path[700];

	if (geteuid() != 0)
		cr_skip_test("needs root to give a file away");
	dir = folder_with_tp("theirs", 0755);
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	expect_refused("tp", "is owned by uid 65534, neither root nor "
	    "sthenod's user");
	cr_assert_eq(chown(dir, 0, 0), 0);
	snprintf(path, sizeof path, "%s/tp.so", dir);
	cr_assert_eq(chown(path, 65534, 65534), 0);
	expect_refused("tp", "refusing plugin file");
	expect_refused("tp", "it is owned by uid 65534");
}

Test(plugin, refuses_a_symbolic_link)
{
	char *dir, path[700];

	dir = folder_with_tp("links", 0755);
	snprintf(path, sizeof path, "%s/tp.so", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink(tp("tp"), path), 0);
	expect_refused("tp", "it is a symbolic link");
	cr_assert_eq(records("tp", NULL), 0);
}

Test(plugin, refuses_a_fifo_without_blocking)
{
	struct timespec t0, t1;
	char *dir, path[700];

	dir = folder_with_tp("fifo", 0755);
	snprintf(path, sizeof path, "%s/tp.so", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkfifo(path, 0600), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_refused("tp", "is not a regular file");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 3, "the load waited on the FIFO");
}

/* The constructor test plugin: its mark appears only when it is mapped. */
static const char *
marker(void)
{
	static char m[600];

	snprintf(m, sizeof m, "%s/marker", scratch);
	setenv("TP_MARKER", m, 1);
	return m;
}

Test(plugin, checks_the_descriptor_before_any_constructor_runs)
{
	const char *m = marker();
	char *err = NULL;

	expect_refused(tp("ctor_nodesc"), "is not a stheno plugin: it does "
	    "not export sth_plugin_descriptor");
	expect_refused(tp("ctor_func"), "is not a stheno plugin: its "
	    "sth_plugin_descriptor is not a data object");
	expect_refused(tp("ctor_badabi"), "built for plugin ABI 99.");
	cr_assert_eq(access(m, F_OK), -1, "a refused file's constructor ran");
	cr_assert_eq(files_in(rundir()), 0);
	/* a plugin that needs only ABI 1.0 loads on this newer host */
	cr_assert_eq(load(tp("ctor_minor0"), &err), 0, "%s", err);
	cr_assert_eq(access(m, F_OK), 0);
	cr_assert_eq(plugin_unload("ctor", &err), 0, "%s", err);
	cr_assert(spin_until_gone("ctor"));
	cr_assert_eq(unlink(m), 0);
	/* the same constructor in a valid plugin does run: the mark works */
	cr_assert_eq(load(tp("ctor"), &err), 0, "%s", err);
	cr_assert_eq(access(m, F_OK), 0);
}

/*
 * One test at a time: the tests pick free ports and count fds, and
 * Criterion's parallel runner leaks a little under LeakSanitizer.
 */
int
main(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int rc = 0;

	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		rc = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return rc;
}
