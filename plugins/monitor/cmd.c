/*
 * cmd.c — the monitor's commands: one table of name, usage, help, word
 * counts and handler; mon_dispatch tokenizes a line, finds the command,
 * checks auth and arity, and runs it.  Commands that are RPC methods
 * (plugin.*) call the registry through mon_call and format the result with
 * their text function; `rpc` calls any method.  Nothing here evaluates
 * code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "monitor.h"

static void cmd_help(struct mon_sess *, int, char **);
static void cmd_ping(struct mon_sess *, int, char **);
static void cmd_quit(struct mon_sess *, int, char **);
static void cmd_challenge(struct mon_sess *, int, char **);
static void cmd_banner(struct mon_sess *, int, char **);
static void cmd_status(struct mon_sess *, int, char **);
static void cmd_method(struct mon_sess *, int, char **);
static void cmd_rpc(struct mon_sess *, int, char **);
static void text_plugin_list(struct dbuf *, json_t *, json_t *);
static void text_plugin_op(struct dbuf *, json_t *, json_t *);
static void text_json(struct dbuf *, json_t *, json_t *);

static const struct mon_cmd mon_cmds[] = {
	{ "help", "help [command]", "List the commands, or explain one.",
	  0, 1, 1, cmd_help, NULL, NULL },
	{ "ping", "ping", "Answer PONG <unix time> 1.0.",
	  0, 0, 1, cmd_ping, NULL, NULL },
	{ "auth", "auth <nonce> <proof>", "Answer the challenge with your "
	  "own nonce (32 of [0-9a-f]) and the hex HMAC-SHA256, keyed by the "
	  "secret file, of \"stheno-monitor client\", the challenge, your "
	  "nonce and the endpoint, one a line.  The answer begins with the "
	  "server's proof, the same with \"server\".",
	  2, 2, 1, mon_auth, NULL, NULL },
	{ "challenge", "challenge", "Show the challenge (also when no "
	  "authentication is needed, to make the server prove itself).",
	  0, 0, 1, cmd_challenge, NULL, NULL },
	{ "quit", "quit", "Close the session.",
	  0, 0, 1, cmd_quit, NULL, NULL },
	{ "banner", "banner", "Show the banner again.",
	  0, 0, 0, cmd_banner, NULL, NULL },
	{ "status", "status", "Uptime of the monitor, sessions, failed "
	  "authentications and plugins loaded.",
	  0, 0, 0, cmd_status, NULL, NULL },
	{ "plugin.list", "plugin.list", "The loaded plugins: name, version, "
	  "state and file.",
	  0, 0, 0, cmd_method, "plugin.list", text_plugin_list },
	{ "plugin.load", "plugin.load <name>", "Load a plugin by name: "
	  "NAME.so from the plugin folders, or the path= of its [plugin:NAME] "
	  "section in the config file.",
	  1, 1, 0, cmd_method, "plugin.load", text_plugin_op },
	{ "plugin.unload", "plugin.unload <name>", "Unload a plugin: it "
	  "stops accepting, finishes its work in flight, then goes.",
	  1, 1, 0, cmd_method, "plugin.unload", text_plugin_op },
	{ "plugin.reload", "plugin.reload <name>", "Load a plugin's file again "
	  "beside the running version and switch to it.",
	  1, 1, 0, cmd_method, "plugin.reload", text_plugin_op },
	{ "rpc", "rpc <method> [json-array]", "Call any RPC method with the "
	  "given params (default []) and print its result as JSON.",
	  1, 2, 0, cmd_rpc, NULL, text_json },
};
#define NCMDS (sizeof mon_cmds / sizeof mon_cmds[0])

const struct mon_cmd *
mon_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(mon_cmds[i].name, name) == 0)
			return &mon_cmds[i];
	return NULL;
}

void
mon_help_text(struct dbuf *b, const struct mon_cmd *cmd, int authed)
{
	size_t i;

	if (cmd != NULL) {
		dbuf_printf(b, "%s\n    %s", cmd->usage, cmd->help);
		return;
	}
	for (i = 0; i < NCMDS; i++)
		if (authed || mon_cmds[i].preauth)
			dbuf_printf(b, "%s%s", i > 0 ? "\n" : "",
			    mon_cmds[i].usage);
}

static json_t *
argv_json(int argc, char **argv)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < argc; i++)
		json_array_append_new(a,
		    json_stringn(argv[i], strlen(argv[i])));
	return a;
}

void
mon_dispatch(struct mon_sess *s, const char *line, size_t len)
{
	const struct mon_cmd *c;
	struct mon_argv a;
	const char *err;
	int argc, json = 0;
	char **argv;

	if (mon_tokenize(line, len, &a, &err) == -1) {
		mon_replyf(s, MON_SYNTAX, "Syntax error: %s", err);
		return;
	}
	argc = a.argc;
	argv = a.argv;
	if (argc > 0 && strcmp(argv[0], "-j") == 0) {
		json = 1;
		argc--;
		argv++;
	}
	if (argc == 0) {	/* an empty line gets no answer */
		if (json)
			mon_replyf(s, MON_PARAMS, "-j needs a command");
		mon_argv_free(&a);
		return;
	}
	if ((c = mon_cmd_find(argv[0])) == NULL)
		mon_replyf(s, MON_UNKNOWN, "Unknown request.\nType 'help' for "
		    "more info.");
	else if (!s->authed && !c->preauth)
		mon_challenge(s);
	else if (argc - 1 < c->min || argc - 1 > c->max)
		mon_replyf(s, MON_PARAMS, "%s parameters.\nUsage: %s",
		    argc - 1 < c->min ? "Too few" : "Too many", c->usage);
	else {
		json_decref(s->argv);
		s->argv = argv_json(a.argc, a.argv);
		s->json = json;
		s->cmd = c;
		c->run(s, argc, argv);
	}
	mon_argv_free(&a);
}

static void
cmd_help(struct mon_sess *s, int argc, char **argv)
{
	struct dbuf b = DBUF_INIT;
	const struct mon_cmd *c = NULL;
	json_t *data;
	size_t i;

	if (argc == 2 && ((c = mon_cmd_find(argv[1])) == NULL ||
	    (!s->authed && !c->preauth))) {
		mon_replyf(s, MON_UNKNOWN, "Unknown request.\nType 'help' for "
		    "more info.");
		return;
	}
	mon_help_text(&b, c, s->authed);
	if (c != NULL)
		data = json_pack("{s:s, s:s}", "usage", c->usage, "help",
		    c->help);
	else {
		data = json_array();
		for (i = 0; i < NCMDS; i++)
			if (s->authed || mon_cmds[i].preauth)
				json_array_append_new(data,
				    json_string(mon_cmds[i].usage));
	}
	mon_reply_data(s, MON_OK, data, b.data);
	dbuf_free(&b);
}

static void
cmd_ping(struct mon_sess *s, int argc, char **argv)
{
	struct dbuf b = DBUF_INIT;

	dbuf_printf(&b, "PONG %ld 1.0", (long)time(NULL));
	mon_reply_data(s, MON_OK, json_string(b.data), b.data);
	dbuf_free(&b);
}

static void
cmd_quit(struct mon_sess *s, int argc, char **argv)
{
	mon_replyf(s, MON_CLOSE, "Closing CLI connection");
	s->closing = 1;
}

static void
cmd_challenge(struct mon_sess *s, int argc, char **argv)
{
	mon_challenge(s);
}

static void
cmd_banner(struct mon_sess *s, int argc, char **argv)
{
	mon_banner(s);
}

/* plugin.list answers at once (a core method); -1 if it did not. */
static void
count_plugins(json_t *result, int code, const char *fault, void *arg)
{
	*(long *)arg = code == 0 ? (long)json_array_size(result) : -1;
}

static void
cmd_status(struct mon_sess *s, int argc, char **argv)
{
	struct dbuf b = DBUF_INIT;
	struct sth_rpc_call *call;
	json_t *params = json_array();
	long nplugins = -1, penalised;
	long uptime = (long)(time(NULL) - M.started);

	call = M.host->rpc_call(M.self, "plugin.list", params, count_plugins,
	    &nplugins);
	json_decref(params);
	if (call != NULL)
		M.host->rpc_cancel(call);
	penalised = mon_penalty_active(&M.pen, mon_now());
	dbuf_printf(&b, "uptime: %ld\nconnections: %ld\n"
	    "total_connections: %ld\nrefused_connections: %ld\n"
	    "failed_auths: %ld\npenalized_peers: %ld\n"
	    "penalty_refused: %ld\nplugins_loaded: %ld", uptime, M.nconns,
	    M.total_conns, M.refused, M.failed_auths, penalised,
	    M.penalty_refused, nplugins);
	mon_reply_data(s, MON_OK, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I}",
	    "uptime", (json_int_t)uptime, "connections", (json_int_t)M.nconns,
	    "total_connections", (json_int_t)M.total_conns,
	    "refused_connections", (json_int_t)M.refused,
	    "failed_auths", (json_int_t)M.failed_auths,
	    "penalized_peers", (json_int_t)penalised,
	    "penalty_refused", (json_int_t)M.penalty_refused,
	    "plugins_loaded", (json_int_t)nplugins), b.data);
	dbuf_free(&b);
}

/* A command that is an RPC method taking its words as strings. */
static void
cmd_method(struct mon_sess *s, int argc, char **argv)
{
	json_t *params = argv_json(argc - 1, argv + 1);

	mon_call(s, s->cmd->method, params);
	json_decref(params);
}

static void
cmd_rpc(struct mon_sess *s, int argc, char **argv)
{
	json_error_t jerr;
	json_t *params;

	if (argc < 3)
		params = json_array();
	else if ((params = json_loads(argv[2], JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		mon_replyf(s, MON_BADJSON, "params are not JSON: %s (at "
		    "character %d)", jerr.text, jerr.position);
		return;
	} else if (!json_is_array(params)) {
		json_decref(params);
		mon_replyf(s, MON_BADJSON, "params must be a JSON array, "
		    "e.g. '[\"name\", true]'");
		return;
	}
	mon_call(s, argv[1], params);
	json_decref(params);
}

/* --- text forms of results ------------------------------------------------ */

static const char *
field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static void
text_plugin_list(struct dbuf *b, json_t *result, json_t *argv)
{
	static const char *const cols[] = { "name", "version", "state",
	    "path" };
	size_t w[4], i, k, n;
	json_t *o;

	for (k = 0; k < 4; k++)
		w[k] = strlen(cols[k]);
	json_array_foreach(result, i, o)
		for (k = 0; k < 4; k++)
			if ((n = strlen(field(o, cols[k]))) > w[k])
				w[k] = n;
	dbuf_printf(b, "%-*s  %-*s  %-*s  %s", (int)w[0], "NAME", (int)w[1],
	    "VERSION", (int)w[2], "STATE", "PATH");
	json_array_foreach(result, i, o)
		dbuf_printf(b, "\n%-*s  %-*s  %-*s  %s", (int)w[0],
		    field(o, "name"), (int)w[1], field(o, "version"),
		    (int)w[2], field(o, "state"), field(o, "path"));
}

static void
text_plugin_op(struct dbuf *b, json_t *result, json_t *argv)
{
	const char *cmd = json_string_value(json_array_get(argv, 0));
	const char *what = json_string_value(json_array_get(argv, 1));

	dbuf_printf(b, "%s: %s", what != NULL ? what : "?",
	    cmd == NULL ? "done" : strcmp(cmd, "plugin.load") == 0 ? "loaded" :
	    strcmp(cmd, "plugin.unload") == 0 ? "unloading" : "reloaded");
}

static void
text_json(struct dbuf *b, json_t *result, json_t *argv)
{
	char *t = json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (t == NULL)
		dbuf_printf(b, "(the result cannot be written as JSON)");
	else
		dbuf_add(b, t, strlen(t));
	free(t);
}
