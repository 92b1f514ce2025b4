/*
 * test_webui.c — the webui plugin's pure parts: the form as supervisor's
 * web UI reads it, URL quoting and the 301's Location, the messages of
 * actions, the links each state offers, the pages, and the log follower
 * on real files (growth, truncation, rotation).
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <stheno/host.h>

#include "webui.h"

static char *
get(const char *q, const char *body, const char *key)
{
	return wu_form_get(q, body, body != NULL ? strlen(body) : 0, key);
}

#define cr_assert_form(q, body, key, want)                                    \
	do {                                                                  \
		char *v_ = get((q), (body), (key));                           \
		if ((want) == NULL)                                           \
			cr_assert_null(v_, "%s: got %s", (key), v_);          \
		else                                                          \
			cr_assert_str_eq(v_ != NULL ? v_ : "(null)",          \
			    (const char *)(want));                            \
		free(v_);                                                     \
	} while (0)

Test(form, decodes_like_parse_qs)
{
	cr_assert_form("processname=multi%3Amulti_00&action=start", NULL,
	    "processname", "multi:multi_00");
	cr_assert_form("message=Process+x%20started", NULL, "message",
	    "Process x started");
	/* a bad escape stays as it is */
	cr_assert_form("a=%zz%4", NULL, "a", "%zz%4");
	/* blank values and pairs without '=' are dropped */
	cr_assert_form("processname=&action=stop", NULL, "processname", NULL);
	cr_assert_form("processname&x=1", NULL, "processname", NULL);
	cr_assert_form(NULL, NULL, "x", NULL);
	/* the key is decoded too */
	cr_assert_form("proc%65ssname=y", NULL, "processname", "y");
	/* the query's first value wins */
	cr_assert_form("a=1&a=2", NULL, "a", "1");
	/* found by tests/fuzz/form_fuzzer.c: %00 cut a value short, and a
	 * pair with an empty name took the name of the pair before it */
	cr_assert_form("processname=a%00b", NULL, "processname", NULL);
	cr_assert_form("processname=a%00b&processname=c", NULL,
	    "processname", "c");
	cr_assert_form(NULL, "action=stop&=start", "action", "stop");
	cr_assert_form("pr%00=x", NULL, "pr", NULL);
}

Test(form, post_body_wins_over_query)
{
	cr_assert_form("action=stop", "action=start", "action", "start");
	cr_assert_form("action=stop", "other=1", "action", "stop");
	/* the body's last value wins */
	cr_assert_form(NULL, "action=start&action=restart", "action",
	    "restart");
}

static char *
quote(const char *s)
{
	struct dbuf b = DBUF_INIT;

	wu_quote(&b, s);
	return dbuf_take(&b);
}

Test(form, quote_is_urllib_quote)
{
	char *q;

	q = quote("multi:multi_00");
	cr_assert_str_eq(q, "multi%3Amulti_00");
	free(q);
	q = quote("a b/c_d.e-f~g&h=i");
	cr_assert_str_eq(q, "a%20b/c_d.e-f~g%26h%3Di");
	free(q);
	q = quote("caf\xc3\xa9");
	cr_assert_str_eq(q, "caf%C3%A9");
	free(q);
}

Test(form, location_is_supervisords)
{
	char *l;

	/* docs/supervisord.md §A.6 */
	l = wu_location(NULL, "Process multi:multi_03 started");
	cr_assert_str_eq(l,
	    "http://localhost/?message=Process%20multi%3Amulti_03%20started");
	free(l);
	l = wu_location("127.0.0.1:19231", "x");
	cr_assert_str_eq(l, "http://127.0.0.1:19231/?message=x");
	free(l);
	/* port 80 is dropped, as get_server_url does */
	l = wu_location("foo:80", "x");
	cr_assert_str_eq(l, "http://foo/?message=x");
	free(l);
	l = wu_location("[::1]:8080", "x");
	cr_assert_str_eq(l, "http://[::1]:8080/?message=x");
	free(l);
	l = wu_location("  example.org  ", "x");
	cr_assert_str_eq(l, "http://example.org/?message=x");
	free(l);
	/* a Host that is no host[:port] cannot send the browser elsewhere */
	l = wu_location("a@evil.com/x?", "x");
	cr_assert_str_eq(l, "/?message=x");
	free(l);
	l = wu_location("evil.com\\@x", "x");
	cr_assert_str_eq(l, "/?message=x");
	free(l);
}

static void
assert_message(int act, int code, const char *fstr, const char *want)
{
	char *m = wu_act_message(act, "g:p", code, fstr, 0);

	cr_assert_str_eq(m, want);
	free(m);
}

Test(actions, messages)
{
	cr_assert_eq(wu_act_parse("start"), WU_ACT_START);
	cr_assert_eq(wu_act_parse("clearlog"), WU_ACT_CLEARLOG);
	cr_assert_eq(wu_act_parse("bogus"), -1);
	cr_assert(wu_act_needs_process(WU_ACT_STOP));
	cr_assert(!wu_act_needs_process(WU_ACT_STOPALL));

	assert_message(WU_ACT_START, 0, NULL, "Process g:p started");
	assert_message(WU_ACT_STOP, 0, NULL, "Process g:p stopped");
	assert_message(WU_ACT_RESTART, 0, NULL, "Process g:p restarted");
	assert_message(WU_ACT_CLEARLOG, 0, NULL, "Log for g:p cleared");
	assert_message(WU_ACT_STOP, STH_FAULT_BAD_NAME, "BAD_NAME: g:p",
	    "No such process named g:p");
	assert_message(WU_ACT_START, STH_FAULT_SPAWN_ERROR, "SPAWN_ERROR: p",
	    "ERROR: Process g:p: spawn error");
	assert_message(WU_ACT_START, STH_FAULT_ALREADY_STARTED, "x",
	    "ERROR: Process g:p: already started");
	assert_message(WU_ACT_START, STH_FAULT_ABNORMAL_TERMINATION, "x",
	    "ERROR: Process g:p: abnormal termination");
	assert_message(WU_ACT_START, STH_FAULT_NO_FILE, "x",
	    "ERROR: Process g:p: no such file");
	assert_message(WU_ACT_START, STH_FAULT_NOT_EXECUTABLE, "x",
	    "ERROR: Process g:p: file not executable");
	assert_message(WU_ACT_START, STH_FAULT_SHUTDOWN_STATE,
	    "SHUTDOWN_STATE", "ERROR: Process g:p: unexpected rpc fault [6] "
	    "SHUTDOWN_STATE");
	assert_message(WU_ACT_STOP, STH_FAULT_NOT_RUNNING, "NOT_RUNNING: p",
	    "unexpected rpc fault [70] NOT_RUNNING: p");
	assert_message(WU_ACT_CLEARLOG, STH_FAULT_FAILED, "FAILED",
	    "unexpected rpc fault [30] FAILED");
	/* restart reports success whatever its multicall held */
	assert_message(WU_ACT_RESTART, STH_FAULT_FAILED, "FAILED",
	    "Process g:p restarted");
}

Test(actions, timed_messages_use_ctime)
{
	regex_t rx;
	char *m;

	cr_assert_eq(regcomp(&rx, "^All stopped at [A-Z][a-z]{2} [A-Z][a-z]{2}"
	    " [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$",
	    REG_EXTENDED | REG_NOSUB), 0);
	m = wu_act_message(WU_ACT_STOPALL, NULL, 0, NULL, 1795628297);
	cr_assert_eq(regexec(&rx, m, 0, NULL, 0), 0, "%s", m);
	free(m);
	regfree(&rx);
	m = wu_act_message(WU_ACT_REFRESH, NULL, 0, NULL, 0);
	cr_assert(strncmp(m, "Page refreshed at ", 18) == 0);
	free(m);
	m = wu_act_message(WU_ACT_RESTARTALL, NULL, 0, NULL, 0);
	cr_assert(strncmp(m, "All restarted at ", 17) == 0);
	free(m);
}

Test(actions, links_per_state)
{
	const struct wu_link *l[WU_ROW_LINKS];

	wu_state_links(20, l);	/* RUNNING */
	cr_assert_str_eq(l[0]->label, "Restart");
	cr_assert_str_eq(l[1]->label, "Stop");
	cr_assert_str_eq(l[2]->label, "Clear Log");
	cr_assert_str_eq(l[3]->label, "Tail -f Stdout");
	cr_assert_str_eq(l[4]->tail, "/stderr");
	wu_state_links(100, l);	/* EXITED */
	cr_assert_str_eq(l[0]->action, "start");
	cr_assert_null(l[1]);
	wu_state_links(200, l);	/* FATAL */
	cr_assert_str_eq(l[0]->label, "Start");
	wu_state_links(10, l);	/* STARTING */
	cr_assert_null(l[0]);
	cr_assert_null(l[1]);
	cr_assert_str_eq(l[2]->label, "Clear Log");
	wu_state_links(1000, l);	/* UNKNOWN */
	cr_assert_null(l[0]);
	cr_assert_str_eq(wu_state_class(20), "statusrunning");
	cr_assert_str_eq(wu_state_class(30), "statuserror");
	cr_assert_str_eq(wu_state_class(200), "statuserror");
	cr_assert_str_eq(wu_state_class(0), "statusnominal");
	cr_assert_str_eq(wu_state_class(1000), "statusnominal");
}

static json_t *
info(const char *group, const char *name, int state, const char *sn,
    const char *desc)
{
	return json_pack("{s:s,s:s,s:i,s:s,s:s}", "group", group, "name", name,
	    "state", state, "statename", sn, "description", desc);
}

Test(render, status_page)
{
	struct dbuf b = DBUF_INIT;
	json_t *infos = json_array();
	char *p, *q, *r;

	json_array_append_new(infos, info("web", "web", 20, "RUNNING",
	    "pid 12, uptime 0:01:00"));
	json_array_append_new(infos, info("multi", "multi_01", 0, "STOPPED",
	    "Not started"));
	json_array_append_new(infos, info("multi", "multi_00", 200, "FATAL",
	    "Exited <too> quickly"));
	wu_render_status(&b, infos, "Process <x> started", "0.1.0");
	json_decref(infos);

	cr_assert_not_null(strstr(b.data, "<title>Supervisor Status</title>"));
	cr_assert_not_null(strstr(b.data,
	    "<div class=\"status_msg\">Process &lt;x&gt; started</div>"));
	/* sorted by (group, name), alternate rows shaded */
	p = strstr(b.data, ">multi:multi_00</a>");
	q = strstr(b.data, ">multi:multi_01</a>");
	r = strstr(b.data, ">web</a>");
	cr_assert(p != NULL && q != NULL && r != NULL && p < q && q < r);
	cr_assert_not_null(strstr(b.data, "<tr class=\"shade\"><td class="
	    "\"status\"><span class=\"statusnominal\">stopped</span>"));
	cr_assert_not_null(strstr(b.data, "<span class=\"statuserror\">fatal"
	    "</span>"));
	cr_assert_not_null(strstr(b.data, "Exited &lt;too&gt; quickly"));
	cr_assert_not_null(strstr(b.data, "href=\"tail.html?processname="
	    "multi%3Amulti_00\" target=\"_blank\""));
	cr_assert_not_null(strstr(b.data, "href=\"index.html?processname="
	    "multi%3Amulti_00&amp;action=start\" name=\"Start\">Start</a>"));
	cr_assert_not_null(strstr(b.data, "href=\"index.html?processname=web"
	    "&amp;action=stop\" name=\"Stop\">Stop</a>"));
	cr_assert_not_null(strstr(b.data, "href=\"logtail/web/stderr\" "
	    "target=\"_blank\" name=\"Tail -f Stderr\""));
	cr_assert_not_null(strstr(b.data, "index.html?action=restartall"));
	cr_assert_not_null(strstr(b.data, "index.html?action=stopall"));
	cr_assert_null(strstr(b.data, "No programs to manage"));
	cr_assert_not_null(strstr(b.data, "Stheno 0.1.0"));
	dbuf_free(&b);

	infos = json_array();
	wu_render_status(&b, infos, NULL, "0.1.0");
	json_decref(infos);
	cr_assert_not_null(strstr(b.data, "No programs to manage"));
	cr_assert_null(strstr(b.data, "status_msg\">"));
	cr_assert_null(strstr(b.data, "<table"));
	dbuf_free(&b);
}

Test(render, tail_page)
{
	struct dbuf b = DBUF_INIT;

	wu_render_tail(&b, "g:p", "a<b>&c\n", 7, 2048);
	cr_assert_not_null(strstr(b.data,
	    "<title>Supervisor tail of process g:p</title>"));
	cr_assert_not_null(strstr(b.data,
	    "<pre id=\"tailbody\">a&lt;b&gt;&amp;c\n</pre>"));
	cr_assert_not_null(strstr(b.data,
	    "href=\"tail.html?processname=g%3Ap&amp;limit=2048\""));
	dbuf_free(&b);
	wu_render_tail(&b, NULL, "No process name found", 21, 1024);
	cr_assert_not_null(strstr(b.data, "process None</title>"));
	cr_assert_not_null(strstr(b.data, ">No process name found</pre>"));
	cr_assert_null(strstr(b.data, "refresh_anchor"));
	dbuf_free(&b);
}

/* --- the follower, on real files ------------------------------------- */

static char dir[] = "/tmp/test_webui.XXXXXX";
static char path[256];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/log", dir);
}

static void
teardown(void)
{
	char p[300];

	unlink(path);
	snprintf(p, sizeof p, "%s.1", path);
	unlink(p);
	rmdir(dir);
}

static void
append(const char *file, const char *s, size_t n)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0600);

	cr_assert_neq(fd, -1);
	cr_assert_eq(write(fd, s, n), (ssize_t)n);
	close(fd);
}

static void
expect(struct wu_follow *f, size_t max, const char *want)
{
	struct dbuf b = DBUF_INIT;
	ssize_t n = wu_follow_read(f, &b, max);

	cr_assert_eq(n, (ssize_t)strlen(want), "read %zd, want %zu (%s)", n,
	    strlen(want), b.data != NULL ? b.data : "");
	if (n > 0)
		cr_assert_eq(memcmp(b.data, want, (size_t)n), 0, "got %.*s",
		    (int)n, b.data);
	dbuf_free(&b);
}

TestSuite(follow, .init = setup, .fini = teardown);

Test(follow, starts_with_the_last_head_bytes)
{
	struct wu_follow f;
	char big[3001];

	memset(big, 'a', 3000);
	big[3000] = '\0';
	big[2995] = 'Z';
	append(path, big, 3000);
	cr_assert_eq(wu_follow_open(&f, path, 1024), 0);
	cr_assert_eq(f.pos, 3000 - 1024);
	expect(&f, 65536, big + 3000 - 1024);
	expect(&f, 65536, "");
	wu_follow_close(&f);
}

Test(follow, a_small_file_whole_then_growth)
{
	struct wu_follow f;

	append(path, "hello\n", 6);
	cr_assert_eq(wu_follow_open(&f, path, 1024), 0);
	expect(&f, 65536, "hello\n");
	append(path, "world\n", 6);
	expect(&f, 65536, "world\n");
	/* at most max bytes a call; the rest next time */
	append(path, "0123456789", 10);
	expect(&f, 4, "0123");
	expect(&f, 100, "456789");
	wu_follow_close(&f);
}

Test(follow, truncation_is_announced_and_read_from_zero)
{
	struct wu_follow f;

	append(path, "first line\n", 11);
	cr_assert_eq(wu_follow_open(&f, path, 1024), 0);
	expect(&f, 65536, "first line\n");
	cr_assert_eq(truncate(path, 0), 0);
	append(path, "new\n", 4);
	expect(&f, 65536, WU_TRUNCATED "new\n");
	wu_follow_close(&f);
}

Test(follow, rotation_reads_the_old_file_out_then_the_new)
{
	struct wu_follow f;
	char old[300];

	snprintf(old, sizeof old, "%s.1", path);
	append(path, "one\n", 4);
	cr_assert_eq(wu_follow_open(&f, path, 1024), 0);
	expect(&f, 65536, "one\n");
	append(path, "two\n", 4);	/* written just before the rename */
	cr_assert_eq(rename(path, old), 0);
	/* between rename and reopen the path is gone: keep the old fd */
	expect(&f, 65536, "two\n");
	append(old, "late\n", 5);
	append(path, "three\n", 6);
	expect(&f, 65536, "late\nthree\n");
	append(path, "four\n", 5);
	expect(&f, 65536, "four\n");
	wu_follow_close(&f);
}

Test(follow, a_missing_file_is_an_error)
{
	struct wu_follow f;

	cr_assert_eq(wu_follow_open(&f, path, 1024), -1);
}
