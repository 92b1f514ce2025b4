/*
 * actions.c — the web UI's actions as tables: their names in ?action=,
 * the links each process state offers, the CSS class of a state, and the
 * message each answer turns into (docs/supervisord.md §7.1, supervisor's
 * web.py).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <stheno/host.h>

#include "webui.h"

/* ok: the message of a success; its %s is the namespec for a process
 * action, the time (ctime) for the others. */
static const struct {
	const char *name;
	int needs_process;
	const char *ok;
} acts[WU_ACT_MAX] = {
	[WU_ACT_REFRESH] = { "refresh", 0, "Page refreshed at %s" },
	[WU_ACT_STOPALL] = { "stopall", 0, "All stopped at %s" },
	[WU_ACT_RESTARTALL] = { "restartall", 0, "All restarted at %s" },
	[WU_ACT_START] = { "start", 1, "Process %s started" },
	[WU_ACT_STOP] = { "stop", 1, "Process %s stopped" },
	[WU_ACT_RESTART] = { "restart", 1, "Process %s restarted" },
	[WU_ACT_CLEARLOG] = { "clearlog", 1, "Log for %s cleared" },
};

/* The action named s, or -1. */
int
wu_act_parse(const char *s)
{
	int i;

	for (i = 0; i < WU_ACT_MAX; i++)
		if (strcmp(acts[i].name, s) == 0)
			return i;
	return -1;
}

int
wu_act_needs_process(int act)
{
	return acts[act].needs_process;
}

/* startProcess faults, as the page words them (web.py). */
static const struct {
	int code;
	const char *text;
} start_faults[] = {
	{ STH_FAULT_NO_FILE, "no such file" },
	{ STH_FAULT_NOT_EXECUTABLE, "file not executable" },
	{ STH_FAULT_ALREADY_STARTED, "already started" },
	{ STH_FAULT_SPAWN_ERROR, "spawn error" },
	{ STH_FAULT_ABNORMAL_TERMINATION, "abnormal termination" },
};

/*
 * The message an action's answer becomes (a malloc'd string).  fault_code
 * 0 means success; STH_FAULT_BAD_NAME on a process action means the name
 * did not resolve to one process.  restart and restartall report success
 * whatever their multicall results hold, as supervisord does.
 */
char *
wu_act_message(int act, const char *ns, int code, const char *fstr,
    time_t now)
{
	struct dbuf b = DBUF_INIT;
	char *when;
	size_t i;

	if (fstr == NULL)
		fstr = "";
	if (acts[act].needs_process && code == STH_FAULT_BAD_NAME) {
		dbuf_printf(&b, "No such process named %s", ns);
		return dbuf_take(&b);
	}
	if (code != 0 && act == WU_ACT_START) {
		for (i = 0; i < sizeof start_faults / sizeof start_faults[0];
		    i++)
			if (start_faults[i].code == code)
				break;
		dbuf_printf(&b, "ERROR: Process %s: ", ns);
		if (i < sizeof start_faults / sizeof start_faults[0])
			dbuf_puts(&b, start_faults[i].text);
		else
			dbuf_printf(&b, "unexpected rpc fault [%d] %s", code,
			    fstr);
		return dbuf_take(&b);
	}
	if (code != 0 && act != WU_ACT_RESTART && act != WU_ACT_RESTARTALL &&
	    act != WU_ACT_REFRESH) {
		dbuf_printf(&b, "unexpected rpc fault [%d] %s", code, fstr);
		return dbuf_take(&b);
	}
	if (act < 0 || act >= WU_ACT_MAX)
		abort();	/* an impossible action */
	when = wu_ctime(now);
	dbuf_printf(&b, acts[act].ok, acts[act].needs_process ? ns : when);
	free(when);
	return dbuf_take(&b);
}

/* --- the Action column ------------------------------------------------ */

static const struct wu_link l_start = { "Start", "start", NULL };
static const struct wu_link l_restart = { "Restart", "restart", NULL };
static const struct wu_link l_stop = { "Stop", "stop", NULL };
static const struct wu_link l_clear = { "Clear Log", "clearlog", NULL };
static const struct wu_link l_out = { "Tail -f Stdout", NULL, "" };
static const struct wu_link l_err = { "Tail -f Stderr", NULL, "/stderr" };

/* Process states (docs/supervisord.md §2.1) and what their rows offer; NULL is
 * a hidden placeholder that keeps the columns aligned. */
static const struct {
	int state;
	const char *css;
	const struct wu_link *links[WU_ROW_LINKS];
} states[] = {
	{ 0, "statusnominal", { &l_start, NULL, &l_clear, &l_out, &l_err } },
	{ 10, "statusnominal", { NULL, NULL, &l_clear, &l_out, &l_err } },
	{ 20, "statusrunning", { &l_restart, &l_stop, &l_clear, &l_out,
	    &l_err } },
	{ 30, "statuserror", { NULL, NULL, &l_clear, &l_out, &l_err } },
	{ 40, "statusnominal", { NULL, NULL, &l_clear, &l_out, &l_err } },
	{ 100, "statusnominal", { &l_start, NULL, &l_clear, &l_out, &l_err } },
	{ 200, "statuserror", { &l_start, NULL, &l_clear, &l_out, &l_err } },
};
static const struct wu_link *const other_links[WU_ROW_LINKS] = {
	NULL, NULL, &l_clear, &l_out, &l_err
};

void
wu_state_links(int state, const struct wu_link *out[WU_ROW_LINKS])
{
	size_t i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (states[i].state == state) {
			memcpy(out, states[i].links, sizeof states[i].links);
			return;
		}
	memcpy(out, other_links, sizeof other_links);
}

const char *
wu_state_class(int state)
{
	size_t i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (states[i].state == state)
			return states[i].css;
	return "statusnominal";
}
