/*
 * proc_config.c — [program:x], [group:x] and [fcgi-program:x] sections into
 * group and process configs (docs/supervisord.md §1.4, §1.6).  The AUTO
 * child log files they name are proc_autolog.c's.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include <errno.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgval.h"
#include "expand.h"
#include "ini.h"
#include "log.h"
#include "options.h"
#include "proc.h"
#include "pyrepr.h"
#include "sthenod.h"
#include "xmalloc.h"

/* Section-wide keys that only shape the expansion (not kept). */
struct prog_sect {
	long numprocs;
	long numprocs_start;
	char *process_name;
	char *user;
};

#define SO(m) offsetof(struct prog_sect, m)
static const struct cfg_option sect_opts[] = {
	{ "numprocs", CFG_INT, SO(numprocs), "1", 0, 0, 0 },
	{ "numprocs_start", CFG_INT, SO(numprocs_start), "0", 0, 0, 0 },
	{ "process_name", CFG_STR, SO(process_name), "%(program_name)s",
	  CFG_NO_EXPAND, 0, 0 },
	{ "user", CFG_STR, SO(user), NULL, 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};
#undef SO

/* Keys evaluated once per section, before process_num exists. */
#define PO(m) offsetof(struct proc_config, m)
static const struct cfg_option common_opts[] = {
	{ "priority", CFG_INT, PO(priority), "999", 0, 0, 0 },
	{ "autostart", CFG_BOOL, PO(autostart), "true", 0, 0, 0 },
	{ "autorestart", CFG_AUTORESTART, PO(autorestart), "unexpected", 0,
	  0, 0 },
	{ "startsecs", CFG_INT, PO(startsecs), "1", 0, 0, 0 },
	{ "startretries", CFG_INT, PO(startretries), "3", 0, 0, 0 },
	{ "maxbackoff", CFG_INT, PO(maxbackoff), "0", 0, 0, 86400 },
	{ "depends_on", CFG_STR, PO(depends_on), NULL, 0, 0, 0 },
	{ "stopsignal", CFG_SIGNAL, PO(stopsignal), "TERM", 0, 0, 0 },
	{ "stopwaitsecs", CFG_INT, PO(stopwaitsecs), "10", 0, 0, 0 },
	{ "stopasgroup", CFG_BOOL, PO(stopasgroup), "false", 0, 0, 0 },
	{ "exitcodes", CFG_EXITCODES, PO(exitcodes), "0", 0, 0, 0 },
	{ "redirect_stderr", CFG_BOOL, PO(redirect_stderr), "false", 0, 0,
	  0 },
	{ "stdout_capture_maxbytes", CFG_BYTES,
	  PO(log[PROC_STDOUT].capture_maxbytes), "0", 0, 0, 0 },
	{ "stdout_events_enabled", CFG_BOOL,
	  PO(log[PROC_STDOUT].events_enabled), "false", 0, 0, 0 },
	{ "stderr_capture_maxbytes", CFG_BYTES,
	  PO(log[PROC_STDERR].capture_maxbytes), "0", 0, 0, 0 },
	{ "stderr_events_enabled", CFG_BOOL,
	  PO(log[PROC_STDERR].events_enabled), "false", 0, 0, 0 },
	{ "stdout_timestamps", CFG_BOOL, PO(log[PROC_STDOUT].timestamps),
	  "false", 0, 0, 0 },
	{ "stderr_timestamps", CFG_BOOL, PO(log[PROC_STDERR].timestamps),
	  "false", 0, 0, 0 },
	{ "serverurl", CFG_STR, PO(serverurl), NULL, 0, 0, 0 },
	{ "umask", CFG_OCTAL, PO(umask), NULL, 0, 0, 0 },
	{ "healthcheck_interval", CFG_INT, PO(hc_interval), "10", 0, 1,
	  86400 },
	{ "healthcheck_timeout", CFG_INT, PO(hc_timeout), "5", 0, 1, 86400 },
	{ "healthcheck_retries", CFG_INT, PO(hc_retries), "3", 0, 1, 1000000 },
	{ "healthcheck_start_period", CFG_INT, PO(hc_start_period), "0", 0, 0,
	  86400 },
	{ "healthcheck_restart", CFG_BOOL, PO(hc_restart), "true", 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};

/* Keys evaluated per process, with process_num and numprocs. */
static const struct cfg_option perproc_opts[] = {
	{ "command", CFG_STR, PO(command), NULL, 0, 0, 0 },
	{ "directory", CFG_STR, PO(directory), NULL, 0, 0, 0 },
	{ "environment_file", CFG_STR, PO(environment_file), NULL, 0, 0, 0 },
	{ "healthcheck", CFG_STR, PO(healthcheck), NULL, 0, 0, 0 },
	{ "stdout_logfile", CFG_LOGFILE, PO(log[PROC_STDOUT].logfile), "AUTO",
	  CFG_EXPAND_TWICE, 0, 0 },
	{ "stdout_logfile_maxbytes", CFG_BYTES, PO(log[PROC_STDOUT].maxbytes),
	  "50MB", 0, 0, 0 },
	{ "stdout_logfile_backups", CFG_INT, PO(log[PROC_STDOUT].backups),
	  "10", 0, 0, 0 },
	{ "stdout_syslog", CFG_BOOL, PO(log[PROC_STDOUT].syslog), "false", 0,
	  0, 0 },
	{ "stderr_logfile", CFG_LOGFILE, PO(log[PROC_STDERR].logfile), "AUTO",
	  CFG_EXPAND_TWICE, 0, 0 },
	{ "stderr_logfile_maxbytes", CFG_BYTES, PO(log[PROC_STDERR].maxbytes),
	  "50MB", 0, 0, 0 },
	{ "stderr_logfile_backups", CFG_INT, PO(log[PROC_STDERR].backups),
	  "10", 0, 0, 0 },
	{ "stderr_syslog", CFG_BOOL, PO(log[PROC_STDERR].syslog), "false", 0,
	  0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};
#undef PO

static const char *const chan_names[2] = { "stdout", "stderr" };

/* [supervisord] keys the table needs (the runtime reads the rest). */
struct sup_sect {
	char *childlogdir;
	char *identifier;
	int nocleanup;
	int strip_ansi;
	long minfds;
};
#define GO(m) offsetof(struct sup_sect, m)
static const struct cfg_option sup_opts[] = {
	{ "childlogdir", CFG_STR, GO(childlogdir), NULL, 0, 0, 0 },
	{ "identifier", CFG_STR, GO(identifier), "supervisor", 0, 0, 0 },
	{ "nocleanup", CFG_BOOL, GO(nocleanup), "false", 0, 0, 0 },
	{ "strip_ansi", CFG_BOOL, GO(strip_ansi), "false", 0, 0, 0 },
	{ "minfds", CFG_INT, GO(minfds), "1024", 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};
#undef GO

static void
set_here(json_t *vars, const struct ini_section *sec, const struct ini_doc *doc)
{
	const char *file;
	char *copy;

	file = sec != NULL ? ini_section_file(sec) : ini_path(doc);
	if (file == NULL)
		return;
	copy = xstrdup(file);
	json_object_set_new(vars, "here", json_string(dirname(copy)));
	free(copy);
}

/* Add ENV_K for every key of an environment object. */
static void
add_env(json_t *vars, const json_t *env)
{
	const char *k;
	json_t *v;
	char *name;

	if (env == NULL)
		return;
	json_object_foreach((json_t *)env, k, v) {
		xasprintf(&name, "ENV_%s", k);
		json_object_set(vars, name, v);
		free(name);
	}
}

static char *
section_env_raw(const struct ini_section *sec)
{
	struct ini_entry *e;

	if (sec == NULL || (e = ini_entry_find(sec, "environment")) == NULL)
		return NULL;
	return xstrdup(ini_entry_value(e));
}

int
proc_globals_read(const struct ini_doc *doc, struct proc_globals *g,
		  char **err)
{
	const struct ini_section *sec;
	struct sup_sect s;
	json_t *vars;
	const char *raw, *tmp;
	char *exp, *file;
	int rc = -1;

	memset(g, 0, sizeof *g);
	memset(&s, 0, sizeof s);
	sec = ini_find(doc, "supervisord");
	vars = expand_vars(sth.env_vars, NULL, NULL);
	set_here(vars, sec, doc);
	if (cfg_read(sec, sup_opts, &s, vars, err) == -1)
		goto done;
	if (s.childlogdir != NULL)
		g->childlogdir = xstrdup(s.childlogdir);
	else {
		tmp = getenv("TMPDIR");
		g->childlogdir = xstrdup(tmp != NULL && *tmp != '\0' ?
		    tmp : "/tmp");
	}
	g->identifier = xstrdup(s.identifier);
	g->nocleanup = s.nocleanup;
	g->strip_ansi = s.strip_ansi;
	g->minfds = s.minfds;
	if (sth.opts != NULL && doc == sth.ini) {
		/* the runtime merged the command line over the same keys */
		free(g->childlogdir);
		g->childlogdir = xstrdup(sth.opts->childlogdir);
		free(g->identifier);
		g->identifier = xstrdup(sth.opts->identifier);
		g->nocleanup = sth.opts->nocleanup;
		g->strip_ansi = sth.opts->strip_ansi;
		g->minfds = sth.opts->minfds;
	}

	if (sth.opts != NULL && doc == sth.ini) {
		if (sth.opts->environment != NULL)
			g->environment = json_deep_copy(sth.opts->environment);
	} else if ((raw = ini_get(doc, "supervisord", "environment")) !=
	    NULL) {
		if ((exp = expand(raw, "environment", vars, err)) == NULL)
			goto done;
		if (cfgval_envlist(exp, &g->environment, err) == -1) {
			free(exp);
			goto done;
		}
		free(exp);
	}

	/* serverurl AUTO: the first unix server, else the first inet one. */
	if ((raw = ini_get(doc, "unix_http_server", "file")) != NULL) {
		sec = ini_find(doc, "unix_http_server");
		set_here(vars, sec, doc);
		if ((file = expand(raw, "file", vars, err)) == NULL)
			goto done;
		xasprintf(&g->serverurl, "unix://%s", file);
		free(file);
	} else if ((raw = ini_get(doc, "inet_http_server", "port")) != NULL) {
		char *host = NULL;
		int port;

		if (cfgval_hostport(raw, &host, &port, err) == 0) {
			xasprintf(&g->serverurl, "http://%s:%d",
			    host != NULL ? host : "localhost", port);
			free(host);
		} else {
			free(*err);
			*err = NULL;
		}
	}
	rc = 0;
done:
	cfg_release(sup_opts, &s);
	json_decref(vars);
	return rc;
}

void
proc_globals_release(struct proc_globals *g)
{
	free(g->childlogdir);
	free(g->identifier);
	free(g->serverurl);
	json_decref(g->environment);
	memset(g, 0, sizeof *g);
}

int
proc_name_valid(const char *name)
{
	return name[0] != '\0' && strpbrk(name, " :/") == NULL;
}

static char *
bad_name(const char *name, const struct ini_section *sec)
{
	char *w, *r, *msg;
	const char *bad;
	char c[2] = { 0, 0 };

	bad = strpbrk(name, " :/");
	c[0] = bad != NULL ? *bad : ' ';
	r = pyrepr(name);
	w = cfg_where(sec, NULL);
	xasprintf(&msg, "Invalid name: %s because of character: '%s' %s", r,
	    c, w);
	free(r);
	free(w);
	return msg;
}

void
proc_config_free(struct proc_config *pc)
{
	if (pc == NULL)
		return;
	cfg_release(common_opts, pc);
	cfg_release(perproc_opts, pc);
	free(pc->log[0].path);
	free(pc->log[1].path);
	free(pc->name);
	free(pc->program);
	free(pc->section);
	free(pc->user);
	json_decref(pc->environment);
	proc_hc_free(pc->hc);
	free(pc);
}

void
group_config_free(struct group_config *gc)
{
	size_t i;

	if (gc == NULL)
		return;
	for (i = 0; i < gc->nprocs; i++)
		proc_config_free(gc->procs[i]);
	free(gc->procs);
	free(gc->name);
	free(gc->socket);
	free(gc->socket_owner);
	proc_pool_config_free(gc->pool);
	free(gc);
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
json_eq(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return json_equal((json_t *)a, (json_t *)b);
}

const struct cfg_option *
proc_config_table(size_t i)
{
	static const struct cfg_option *const tables[] = { common_opts,
	    perproc_opts };

	return i < sizeof tables / sizeof tables[0] ? tables[i] : NULL;
}

/*
 * What update and reread call a change.  Every option of the tables is
 * compared by cfg_equal (an AUTO log file's random name is not a change),
 * so an option added to a table is compared too.  The members no table
 * fills are compared by hand: name (process_name, expanded: the table
 * keeps its template), user, uid and gid (user, resolved), killasgroup
 * (its default is stopasgroup's) and environment (expanded per process).
 * Not compared: program, section and process_num (a group is matched by
 * name; what process_num expands into is compared), log[].path and
 * log[].console (made from the logfile option), hc (parsed from
 * healthcheck).
 */
int
proc_config_equal(const struct proc_config *a, const struct proc_config *b)
{
	const struct cfg_option *t;
	size_t i;

	if (!str_eq(a->name, b->name) || !str_eq(a->user, b->user) ||
	    a->uid != b->uid || a->gid != b->gid ||
	    a->killasgroup != b->killasgroup ||
	    !json_eq(a->environment, b->environment))
		return 0;
	for (i = 0; (t = proc_config_table(i)) != NULL; i++)
		if (!cfg_equal(t, a, b))
			return 0;
	return 1;
}

int
group_config_equal(const struct group_config *a, const struct group_config *b)
{
	size_t i;

	if (strcmp(a->name, b->name) != 0 || a->priority != b->priority ||
	    a->kind != b->kind || a->nprocs != b->nprocs ||
	    !str_eq(a->socket, b->socket) ||
	    a->socket_backlog != b->socket_backlog ||
	    a->socket_mode != b->socket_mode ||
	    !str_eq(a->socket_owner, b->socket_owner))
		return 0;
	if (!proc_pool_config_equal(a->pool, b->pool))
		return 0;
	for (i = 0; i < a->nprocs; i++)
		if (!proc_config_equal(a->procs[i], b->procs[i]))
			return 0;
	return 1;
}

static int
cmp_proc_prio(const void *a, const void *b)
{
	const struct proc_config *x = *(struct proc_config *const *)a;
	const struct proc_config *y = *(struct proc_config *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	/* stable: config order, kept in process_num and position */
	return 0;
}

/*
 * 1 if a value of sec holds a '%'.  A section without one reads the same
 * whatever the names (expand() copies such a value as it is, and no
 * default that cfg_read() expands holds one; process_name's default needs
 * program_name alone), so it is read without the ENV_ names: cfg_read()
 * copies the names it is given once per value, 30 values a section, which
 * was most of the time spent reading 500 sections.
 */
static int
section_expands(const struct ini_section *sec)
{
	struct ini_entry *e;

	for (e = ini_entry_first(sec); e != NULL; e = ini_entry_next(e))
		if (strchr(ini_entry_value(e), '%') != NULL)
			return 1;
	return 0;
}

/* host_node_name for one proc_configs_read(): one uname(), not one a
 * section. */
static struct utsname cfg_uname;
static int cfg_uname_ok;

/* What every process of one program section shares while it is read. */
struct prog_ctx {
	const struct ini_section *sec;
	const char *secname;	/* "program:x" */
	const char *program;	/* "x" */
	const struct proc_globals *g;
	struct prog_sect ps;	/* the section-wide keys */
	json_t *vars;		/* the section's expansion variables */
	char *envraw;		/* environment= unexpanded, or NULL */
	int expands;		/* some value has a '%' */
	uid_t uid;		/* of ps.user */
	gid_t gid;
};

/* Append " <cfg_where(sec, key)>" to the message in *err. */
static void
err_where(char **err, const struct ini_section *sec, const char *key)
{
	char *w = cfg_where(sec, key), *e = *err;

	xasprintf(err, "%s %s", e, w);
	free(e);
	free(w);
}

/* The variables every process of the section can expand. */
static json_t *
program_vars(const struct ini_doc *doc, const struct prog_ctx *c,
	     const char *group_name)
{
	json_t *vars;

	vars = c->expands ? expand_vars(sth.env_vars, NULL, NULL) :
	    json_object();
	set_here(vars, c->sec, doc);
	json_object_set_new(vars, "program_name", json_string(c->program));
	json_object_set_new(vars, "group_name", json_string(group_name));
	if (cfg_uname_ok)
		json_object_set_new(vars, "host_node_name",
		    json_string(cfg_uname.nodename));
	return vars;
}

/* The section-wide keys (numprocs, process_name, user): 0, or -1. */
static int
read_prog_sect(struct prog_ctx *c, char **err)
{
	struct prog_sect *ps = &c->ps;

	if (cfg_read(c->sec, sect_opts, ps, c->vars, err) == -1)
		return -1;
	if (!proc_name_valid(ps->process_name)) {
		*err = bad_name(ps->process_name, c->sec);
		return -1;
	}
	if (ps->numprocs > 1 && strstr(ps->process_name, "%(process_num)") ==
	    NULL) {
		*err = xstrdup("%(process_num) must be present within "
		    "process_name when numprocs > 1");
		err_where(err, c->sec, "process_name");
		return -1;
	}
	if (ps->user != NULL && cfgval_user(ps->user, &c->uid, &c->gid,
	    err) == -1) {
		err_where(err, c->sec, "user");
		return -1;
	}
	return 0;
}

/* killasgroup defaults to stopasgroup, and cannot be false when
 * stopasgroup is true: 0, or -1. */
static int
read_killasgroup(const struct ini_section *sec, struct proc_config *pc,
		 char **err)
{
	struct ini_entry *kag = ini_entry_find(sec, "killasgroup");

	pc->killasgroup = pc->stopasgroup;
	if (kag != NULL && cfgval_bool(ini_entry_value(kag),
	    &pc->killasgroup, err) == -1) {
		err_where(err, sec, "killasgroup");
		return -1;
	}
	if (pc->stopasgroup && !pc->killasgroup) {
		*err = xstrdup("Cannot set stopasgroup=true and "
		    "killasgroup=false");
		err_where(err, sec, "killasgroup");
		return -1;
	}
	return 0;
}

/* The variables of process num: the section's, process_num, numprocs and
 * the environment (the daemon's, then the section's environment=, which
 * is expanded here into pc->environment).  NULL with *err set. */
static json_t *
process_vars(const struct prog_ctx *c, long num, struct proc_config *pc,
	     char **err)
{
	json_t *pvars = json_copy(c->vars);
	char *exp;

	json_object_set_new(pvars, "process_num", json_integer(num));
	json_object_set_new(pvars, "numprocs", json_integer(c->ps.numprocs));
	if (c->expands)
		add_env(pvars, c->g->environment);
	if (c->envraw == NULL)
		return pvars;
	if ((exp = expand(c->envraw, "environment", pvars, err)) == NULL) {
		json_decref(pvars);
		return NULL;
	}
	if (cfgval_envlist(exp, &pc->environment, err) == -1) {
		free(exp);
		json_decref(pvars);
		return NULL;
	}
	free(exp);
	if (c->expands)
		add_env(pvars, pc->environment);
	return pvars;
}

/* supervisor's warnings about the log settings, redirect_stderr, and the
 * paths of the PATH logs. */
static void
settle_logs(struct proc_config *pc, const char *secname)
{
	struct proc_logcfg *lc;
	int ch;

	for (ch = 0; ch < 2; ch++) {
		lc = &pc->log[ch];
		if (lc->logfile.kind == CFG_LOGFILE_SYSLOG) {
			log_warn("For [%s], %s_logfile=syslog but this "
			    "is deprecated and will be removed.  Use "
			    "%s_syslog=true to enable syslog instead.",
			    secname, chan_names[ch], chan_names[ch]);
			lc->logfile.kind = CFG_LOGFILE_NONE;
			lc->syslog = 1;
		}
		if (lc->logfile.kind == CFG_LOGFILE_AUTO && lc->maxbytes == 0)
			log_warn("For [%s], AUTO logging used for "
			    "%s_logfile without rollover, set maxbytes "
			    "> 0 to avoid filling up filesystem "
			    "unintentionally", secname, chan_names[ch]);
	}
	if (pc->redirect_stderr) {
		if (pc->log[PROC_STDERR].logfile.kind == CFG_LOGFILE_PATH)
			log_warn("For [%s], redirect_stderr=true but "
			    "stderr_logfile has also been set to a "
			    "filename, the filename has been ignored",
			    secname);
		pc->log[PROC_STDERR].logfile.kind = CFG_LOGFILE_NONE;
	}
	for (ch = 0; ch < 2; ch++) {
		if (pc->log[ch].logfile.kind == CFG_LOGFILE_PATH)
			pc->log[ch].path = xstrdup(pc->log[ch].logfile.path);
		if (pc->log[ch].logfile.kind == CFG_LOGFILE_STDOUT)
			pc->log[ch].console = STDOUT_FILENO;
		if (pc->log[ch].logfile.kind == CFG_LOGFILE_STDERR)
			pc->log[ch].console = STDERR_FILENO;
	}
}

/* The config of process num of the section, or NULL with *err set. */
static struct proc_config *
read_process(const struct prog_ctx *c, long num, char **err)
{
	struct proc_config *pc = xcalloc(1, sizeof *pc);
	json_t *pvars = NULL;

	pc->umask = -1;
	if (cfg_read(c->sec, common_opts, pc, c->vars, err) == -1 ||
	    read_killasgroup(c->sec, pc, err) == -1)
		goto fail;
	if (pc->serverurl != NULL && strcasecmp(pc->serverurl, "AUTO") == 0) {
		free(pc->serverurl);
		pc->serverurl = NULL;
	}
	if ((pvars = process_vars(c, num, pc, err)) == NULL ||
	    cfg_read(c->sec, perproc_opts, pc, pvars, err) == -1)
		goto fail;
	if (pc->command == NULL) {
		xasprintf(err, "program section %s does not specify a "
		    "command", c->secname);
		err_where(err, c->sec, NULL);
		goto fail;
	}
	if (pc->healthcheck != NULL &&
	    proc_hc_parse(pc->healthcheck, &pc->hc, err) == -1) {
		err_where(err, c->sec, "healthcheck");
		goto fail;
	}
	pc->name = expand(c->ps.process_name, "process_name", pvars, err);
	if (pc->name == NULL)
		goto fail;
	if (!proc_name_valid(pc->name)) {
		*err = bad_name(pc->name, c->sec);
		goto fail;
	}
	pc->program = xstrdup(c->program);
	pc->section = xstrdup(c->secname);
	pc->process_num = num;
	if (c->ps.user != NULL) {
		pc->user = xstrdup(c->ps.user);
		pc->uid = c->uid;
		pc->gid = c->gid;
	}
	settle_logs(pc, c->secname);
	json_decref(pvars);
	return pc;
fail:
	json_decref(pvars);
	proc_config_free(pc);
	return NULL;
}

/* Make the one-process configs of sec; appended to *out. */
static int
read_program(const struct ini_doc *doc, const struct ini_section *sec,
	     const char *group_name, const struct proc_globals *g,
	     struct proc_config ***out, size_t *nout, char **err)
{
	struct prog_ctx c;
	struct proc_config *pc;
	long num;
	int rc = -1;

	memset(&c, 0, sizeof c);
	c.sec = sec;
	c.secname = ini_section_name(sec);
	c.program = strchr(c.secname, ':') + 1;
	c.g = g;
	if (!proc_name_valid(c.program)) {
		*err = bad_name(c.program, sec);
		return -1;
	}
	c.expands = section_expands(sec);
	c.vars = program_vars(doc, &c, group_name);
	if (read_prog_sect(&c, err) == -1)
		goto done;
	c.envraw = section_env_raw(sec);
	for (num = c.ps.numprocs_start;
	    num < c.ps.numprocs_start + c.ps.numprocs; num++) {
		if ((pc = read_process(&c, num, err)) == NULL)
			goto done;
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = pc;
	}
	rc = 0;
done:
	json_decref(c.vars);
	free(c.envraw);
	cfg_release(sect_opts, &c.ps);
	return rc;
}

static struct group_config *
group_new(const char *name, long priority, enum group_kind kind)
{
	struct group_config *gc;

	gc = xcalloc(1, sizeof *gc);
	gc->name = xstrdup(name);
	gc->priority = priority;
	gc->kind = kind;
	return gc;
}

static void
group_sort(struct group_config *gc)
{
	/* qsort is not stable: order by (priority, position) by hand. */
	size_t i, j;
	struct proc_config *t;

	for (i = 1; i < gc->nprocs; i++)
		for (j = i; j > 0 && cmp_proc_prio(&gc->procs[j - 1],
		    &gc->procs[j]) > 0; j--) {
			t = gc->procs[j];
			gc->procs[j] = gc->procs[j - 1];
			gc->procs[j - 1] = t;
		}
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group_config *x = *(struct group_config *const *)a;
	const struct group_config *y = *(struct group_config *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
read_priority(const struct ini_doc *doc, const struct ini_section *sec,
	      long *prio, char **err)
{
	static const struct cfg_option o[] = {
		{ "priority", CFG_INT, 0, "999", 0, 0, 0 },
		{ NULL, 0, 0, NULL, 0, 0, 0 }
	};
	json_t *vars;
	int rc;

	vars = section_expands(sec) ? expand_vars(sth.env_vars, NULL, NULL) :
	    json_object();
	set_here(vars, sec, doc);
	rc = cfg_read(sec, o, prio, vars, err);
	json_decref(vars);
	return rc;
}

/* fcgi-program keys beyond a program's. */
static int
read_fcgi(const struct ini_doc *doc, const struct ini_section *sec,
	  struct group_config *gc, char **err)
{
	struct ini_entry *e;
	json_t *vars;
	char *w;
	int rc = -1;

	vars = expand_vars(sth.env_vars, NULL, NULL);
	set_here(vars, sec, doc);
	json_object_set_new(vars, "program_name", json_string(gc->name));
	gc->socket_backlog = -1;
	gc->socket_mode = 0700;
	if ((e = ini_entry_find(sec, "socket")) == NULL ||
	    *ini_entry_value(e) == '\0') {
		w = cfg_where(sec, NULL);
		xasprintf(err, "[%s] section requires a \"socket\" line %s",
		    ini_section_name(sec), w);
		free(w);
		goto done;
	}
	if ((gc->socket = expand(ini_entry_value(e), "socket", vars, err)) ==
	    NULL)
		goto done;
	if (strncmp(gc->socket, "unix://", 7) != 0 &&
	    strncmp(gc->socket, "tcp://", 6) != 0) {
		w = cfg_where(sec, "socket");
		xasprintf(err, "Unknown socket type '%s' %s", gc->socket, w);
		free(w);
		goto done;
	}
	if ((e = ini_entry_find(sec, "socket_backlog")) != NULL) {
		if (cfgval_int(ini_entry_value(e), &gc->socket_backlog,
		    err) == -1)
			goto done;
		if (gc->socket_backlog < 1 || gc->socket_backlog > 65535) {
			xasprintf(err, "Invalid socket_backlog value %ld",
			    gc->socket_backlog);
			goto done;
		}
	}
	if ((e = ini_entry_find(sec, "socket_mode")) != NULL &&
	    cfgval_octal(ini_entry_value(e), &gc->socket_mode, err) == -1)
		goto done;
	if ((e = ini_entry_find(sec, "socket_owner")) != NULL)
		gc->socket_owner = xstrdup(ini_entry_value(e));
	if (strncmp(gc->socket, "tcp://", 6) == 0 &&
	    (ini_entry_find(sec, "socket_owner") != NULL ||
	    ini_entry_find(sec, "socket_mode") != NULL)) {
		w = cfg_where(sec, NULL);
		xasprintf(err, "socket_owner and socket_mode params should "
		    "only be used with a Unix domain socket %s", w);
		free(w);
		goto done;
	}
	rc = 0;
done:
	json_decref(vars);
	return rc;
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

struct group_config **
proc_configs_read(const struct ini_doc *doc, const struct proc_globals *g,
		  size_t *n, char **err)
{
	struct group_config **out = NULL, *gc = NULL;
	struct ini_section *sec, *psec;
	char **members = NULL, *name, *w;
	const char *cur, *item;
	size_t ilen;
	size_t nmembers = 0, nout = 0, i;
	int member;

	*n = 0;
	*err = NULL;
	cfg_uname_ok = uname(&cfg_uname) == 0;
	/* heterogeneous groups first, as supervisord does */
	for (sec = ini_first(doc); sec != NULL; sec = ini_next(sec)) {
		const char *sname = ini_section_name(sec);
		const char *gname = sname + 6;
		const char *programs;
		long prio;

		if (!has_prefix(sname, "group:"))
			continue;
		if (!proc_name_valid(gname)) {
			*err = bad_name(gname, sec);
			goto fail;
		}
		if (read_priority(doc, sec, &prio, err) == -1)
			goto fail;
		gc = group_new(gname, prio, GROUP_HETEROGENEOUS);
		programs = ini_get(doc, sname, "programs");
		if (programs == NULL) {
			w = cfg_where(sec, "programs");
			xasprintf(err, "[%s] section requires a \"programs\" "
			    "line %s", sname, w);
			free(w);
			goto fail;
		}
		for (cur = programs; cfg_list_next(&cur, &item, &ilen);) {
			struct ini_section *fsec;

			xasprintf(&name, "program:%.*s", (int)ilen, item);
			psec = ini_find(doc, name);
			free(name);
			xasprintf(&name, "fcgi-program:%.*s", (int)ilen, item);
			fsec = ini_find(doc, name);
			free(name);
			if (psec == NULL && fsec == NULL) {
				xasprintf(err, "[%s] names unknown program or "
				    "fcgi-program %.*s", sname, (int)ilen,
				    item);
				goto fail;
			}
			if (psec != NULL && fsec != NULL) {
				xasprintf(err, "[%s] name %.*s is ambiguous "
				    "(exists as program and fcgi-program)",
				    sname, (int)ilen, item);
				goto fail;
			}
			if (psec == NULL)
				psec = fsec;
			members = xreallocarray(members, nmembers + 1,
			    sizeof *members);
			members[nmembers++] = xstrdup(ini_section_name(psec));
			if (read_program(doc, psec, gname, g, &gc->procs,
			    &gc->nprocs, err) == -1)
				goto fail;
		}
		group_sort(gc);
		out = xreallocarray(out, nout + 1, sizeof *out);
		out[nout++] = gc;
		gc = NULL;
	}

	/* homogeneous groups: program and fcgi-program sections */
	for (sec = ini_first(doc); sec != NULL; sec = ini_next(sec)) {
		const char *sname = ini_section_name(sec);
		const char *pname;
		enum group_kind kind;
		long prio;

		if (has_prefix(sname, "program:"))
			kind = GROUP_PROGRAM;
		else if (has_prefix(sname, "fcgi-program:"))
			kind = GROUP_FCGI;
		else if (has_prefix(sname, "eventlistener:"))
			kind = GROUP_PROGRAM;	/* a pool: proc_listener.c */
		else
			continue;
		pname = strchr(sname, ':') + 1;
		member = 0;
		for (i = 0; i < nmembers; i++)
			if (strcmp(members[i], sname) == 0)
				member = 1;
		if (member)
			continue;
		if (!proc_name_valid(pname)) {
			*err = bad_name(pname, sec);
			goto fail;
		}
		if (read_priority(doc, sec, &prio, err) == -1)
			goto fail;
		gc = group_new(pname, prio, kind);
		if (kind == GROUP_FCGI && read_fcgi(doc, sec, gc, err) == -1)
			goto fail;
		if (has_prefix(sname, "eventlistener:") &&
		    proc_pool_config_read(sec, gc, err) == -1)
			goto fail;
		if (read_program(doc, sec, pname, g, &gc->procs, &gc->nprocs,
		    err) == -1)
			goto fail;
		group_sort(gc);
		for (i = 0; i < nout; i++)
			if (strcmp(out[i]->name, gc->name) == 0) {
				w = cfg_where(sec, NULL);
				xasprintf(err, "Duplicate group name '%s' %s",
				    gc->name, w);
				free(w);
				goto fail;
			}
		out = xreallocarray(out, nout + 1, sizeof *out);
		out[nout++] = gc;
		gc = NULL;
	}
	for (i = 0; i < nmembers; i++)
		free(members[i]);
	free(members);
	members = NULL;
	nmembers = 0;
	if (proc_deps_check(out, nout, err) == -1)
		goto fail;
	if (nout > 1)
		qsort(out, nout, sizeof *out, cmp_group);
	*n = nout;
	return out;
fail:
	group_config_free(gc);
	for (i = 0; i < nout; i++)
		group_config_free(out[i]);
	free(out);
	for (i = 0; i < nmembers; i++)
		free(members[i]);
	free(members);
	if (*err == NULL)
		*err = xstrdup("invalid process configuration");
	return NULL;
}
