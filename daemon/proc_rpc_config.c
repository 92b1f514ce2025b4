/*
 * proc_rpc_config.c — reread and update (docs/supervisord.md §4.4):
 * reloadConfig reads the config file again into the "pending" group configs
 * and says what differs from the running groups; addProcessGroup and
 * removeProcessGroup move one group; getAllConfigInfo shows every pending
 * process config.
 *
 * Nothing that runs changes on reloadConfig, exactly as in supervisord.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ini.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

/* A pending group config: owned here, or lent to the table (cfg NULL),
 * where it runs; supervisord shares one object the same way. */
struct pending {
	char *name;
	struct group_config *cfg;
};
static struct pending *pend;
static size_t npend;

static void
pend_free(void)
{
	size_t i;

	for (i = 0; i < npend; i++) {
		free(pend[i].name);
		group_config_free(pend[i].cfg);
	}
	free(pend);
	pend = NULL;
	npend = 0;
}

void
proc_rpc_config_set(struct group_config *const *gcs, size_t n)
{
	size_t i;

	pend_free();
	if (n == 0)
		return;
	pend = xcalloc(n, sizeof *pend);
	for (i = 0; i < n; i++)
		pend[i].name = xstrdup(gcs[i]->name);
	npend = n;
}

static struct pending *
pend_find(const char *name)
{
	size_t i;

	for (i = 0; i < npend; i++)
		if (strcmp(pend[i].name, name) == 0)
			return &pend[i];
	return NULL;
}

/* The config of a pending entry, wherever it is. */
static const struct group_config *
pend_cfg(const struct pending *e)
{
	struct proc_group *g;

	if (e->cfg != NULL)
		return e->cfg;
	if ((g = proctable_group(e->name)) == NULL)
		fatalx("pending group %s is lent but not in the table",
		    e->name);
	return g->cfg;
}

int
proc_rpc_config_giveback(struct group_config *gc)
{
	struct pending *e = pend_find(gc->name);

	if (e == NULL || e->cfg != NULL)
		return 0;
	e->cfg = gc;
	return 1;
}

/*
 * Read the config file again, as the daemon would at a restart but without
 * the command line (it only overrides daemon-wide keys): the new group
 * configs, or NULL with *err set (*n = 0 and no error: no groups).  The
 * plugin sections that differ from what the plugins run with are appended
 * to added/changed/removed (plugins_config_diff).
 */
static struct group_config **
reread(size_t *n, json_t *added, json_t *changed, json_t *removed,
    char **err)
{
	struct proc_globals g;
	struct group_config **gcs = NULL;
	struct ini_doc *doc;
	json_t *vars, *saved;

	*n = 0;
	if ((doc = options_reread(&vars, err)) == NULL)
		return NULL;
	/* %(ENV_x)s of the new [supervisord] environment= */
	saved = sth.env_vars;
	if (vars != NULL)
		sth.env_vars = vars;
	if (proc_globals_read(doc, &g, err) == 0) {
		gcs = proc_configs_read(doc, &g, n, err);
		proc_globals_release(&g);
	}
	sth.env_vars = saved;
	if (vars != NULL)
		json_decref(vars);
	if (gcs != NULL || *err == NULL)
		plugins_config_diff(doc, added, changed, removed);
	ini_free(doc);
	return gcs;
}

static void
m_reload_config(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct group_config **gcs;
	struct proc_group *g;
	json_t *added, *changed, *removed;
	char *err = NULL;
	size_t n, i;

	added = json_array();
	changed = json_array();
	removed = json_array();
	gcs = reread(&n, added, changed, removed, &err);
	if (gcs == NULL && err != NULL) {
		rpc_fault(call, STH_FAULT_CANT_REREAD, "%s", err);
		free(err);
		json_decref(added);
		json_decref(changed);
		json_decref(removed);
		return;
	}
	pend_free();
	pend = xcalloc(n ? n : 1, sizeof *pend);
	for (i = 0; i < n; i++) {
		pend[i].name = xstrdup(gcs[i]->name);
		pend[i].cfg = gcs[i];
	}
	npend = n;
	free(gcs);

	for (i = 0; i < npend; i++) {
		if ((g = proctable_group(pend[i].name)) == NULL)
			json_array_append_new(added, json_string(pend[i].name));
		else if (!group_config_equal(pend[i].cfg, g->cfg))
			json_array_append_new(changed,
			    json_string(pend[i].name));
	}
	for (i = 0; (g = proctable_group_at(i)) != NULL; i++)
		if (pend_find(g->cfg->name) == NULL)
			json_array_append_new(removed,
			    json_string(g->cfg->name));
	rpc_return(call, json_pack("[[o,o,o]]", added, changed, removed));
}

/* addProcessGroup / removeProcessGroup of a plugin section (a "unit"). */
static void
config_unit(struct sth_rpc_call *call, int (*op)(const char *, char **),
    const char *name)
{
	char *err = NULL;

	if (op(name, &err) == -1) {
		rpc_fault(call, STH_FAULT_FAILED, "%s: %s", name,
		    err != NULL ? err : "failed");
		free(err);
		return;
	}
	rpc_return(call, json_true());
}

static void
m_add_process_group(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct pending *e;
	struct proc_group *g;
	const char *name;
	char *err = NULL;

	name = json_string_value(json_array_get(pa, 0));
	if (plugin_unit_known(name)) {
		config_unit(call, plugins_config_add, name);
		return;
	}
	if ((e = pend_find(name)) == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", name);
		return;
	}
	if (e->cfg == NULL || proctable_group(name) != NULL) {
		rpc_fault(call, STH_FAULT_ALREADY_ADDED, "%s", name);
		return;
	}
	if (proc_fcgi_check(e->cfg, &err) == -1 ||
	    proc_make_autologs(e->cfg, &proc_globals, &err) == -1) {
		rpc_fault(call, STH_FAULT_FAILED, "%s", err);
		free(err);
		return;
	}
	if ((g = proctable_add(e->cfg)) == NULL)
		fatalx("group %s appeared while adding it", name);
	e->cfg = NULL;		/* lent to the table */
	group_autostart(g);
	if (g->cfg->pool != NULL) {	/* the first pool brings its plugin */
		xasprintf(&err, "eventlistener:%s", name);
		plugins_config_implied(err);
		free(err);
	}
	rpc_return(call, json_true());
}

static void
m_remove_process_group(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc_group *g;
	const char *name;

	name = json_string_value(json_array_get(pa, 0));
	if (proctable_group(name) == NULL && plugin_unit_known(name)) {
		config_unit(call, plugins_config_remove, name);
		return;
	}
	if ((g = proctable_group(name)) == NULL) {
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", name);
		return;
	}
	if (!group_stopped(g) || proctable_remove(name) == -1) {
		rpc_fault(call, STH_FAULT_STILL_RUNNING, "%s", name);
		return;
	}
	rpc_return(call, json_true());
}

/* A log path as supervisor shows it: "auto", "none" or the file. */
static json_t *
logfile_value(const struct proc_logcfg *lc)
{
	if (lc->path != NULL)
		return json_string(lc->path);
	if (lc->logfile.kind == CFG_LOGFILE_AUTO)
		return json_string("auto");
	if (lc->console != 0)
		return json_string(lc->console == STDOUT_FILENO ? "stdout" :
		    "stderr");
	return json_string("none");
}

static json_t *
config_info(const struct group_config *gc, const struct proc_config *pc)
{
	static const char *const chan[2] = { "stdout", "stderr" };
	json_t *o = json_object(), *codes = json_array();
	char key[64];
	size_t i;
	int ch;

	for (i = 0; i < pc->exitcodes.n; i++)
		json_array_append_new(codes,
		    json_integer(pc->exitcodes.codes[i]));
	json_object_set_new(o, "autostart", json_boolean(pc->autostart));
	json_object_set_new(o, "directory", json_string(pc->directory !=
	    NULL ? pc->directory : "none"));
	json_object_set_new(o, "uid", pc->user != NULL ?
	    json_integer(pc->uid) : json_string("none"));
	json_object_set_new(o, "command", json_string(pc->command));
	json_object_set_new(o, "exitcodes", codes);
	json_object_set_new(o, "group", json_string(gc->name));
	json_object_set_new(o, "group_prio", json_integer(gc->priority));
	json_object_set_new(o, "inuse",
	    json_boolean(proctable_group(gc->name) != NULL));
	json_object_set_new(o, "killasgroup", json_boolean(pc->killasgroup));
	json_object_set_new(o, "name", json_string(pc->name));
	json_object_set_new(o, "process_prio", json_integer(pc->priority));
	json_object_set_new(o, "redirect_stderr",
	    json_boolean(pc->redirect_stderr));
	json_object_set_new(o, "startretries", json_integer(pc->startretries));
	json_object_set_new(o, "startsecs", json_integer(pc->startsecs));
	json_object_set_new(o, "stopsignal", json_integer(pc->stopsignal));
	json_object_set_new(o, "stopwaitsecs", json_integer(pc->stopwaitsecs));
	json_object_set_new(o, "serverurl", json_string(pc->serverurl !=
	    NULL ? pc->serverurl : "none"));
	for (ch = 0; ch < 2; ch++) {
		const struct proc_logcfg *lc = &pc->log[ch];

		snprintf(key, sizeof key, "%s_capture_maxbytes", chan[ch]);
		json_object_set_new(o, key, json_integer(lc->capture_maxbytes));
		snprintf(key, sizeof key, "%s_events_enabled", chan[ch]);
		json_object_set_new(o, key, json_boolean(lc->events_enabled));
		snprintf(key, sizeof key, "%s_logfile", chan[ch]);
		json_object_set_new(o, key, logfile_value(lc));
		snprintf(key, sizeof key, "%s_logfile_backups", chan[ch]);
		json_object_set_new(o, key, json_integer(lc->backups));
		snprintf(key, sizeof key, "%s_logfile_maxbytes", chan[ch]);
		json_object_set_new(o, key, json_integer(lc->maxbytes));
		snprintf(key, sizeof key, "%s_syslog", chan[ch]);
		json_object_set_new(o, key, json_boolean(lc->syslog));
	}
	return o;
}

static void
m_get_all_config_info(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	const struct group_config *gc;
	json_t **v = NULL, *t, *r;
	size_t n = 0, i, j;

	for (i = 0; i < npend; i++) {
		gc = pend_cfg(&pend[i]);
		for (j = 0; j < gc->nprocs; j++) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = config_info(gc, gc->procs[j]);
		}
	}
	/* sorted by name, stable like Python's sort */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(json_string_value(json_object_get(
		    v[j - 1], "name")), json_string_value(json_object_get(v[j],
		    "name"))) > 0; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	r = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(r, v[i]);
	free(v);
	rpc_return(call, r);
}

static const struct proc_method config_methods[] = {
	{ "supervisor.reloadConfig", m_reload_config,
	  PROC_PARAMS(0, 0), "[\"array\"]",
	  "\n"
	  "        Reload the configuration.\n"
	  "\n"
	  "        The result contains three arrays containing names of "
	  "process\n"
	  "        groups:\n"
	  "\n"
	  "        * `added` gives the process groups that have been added\n"
	  "        * `changed` gives the process groups whose contents have\n"
	  "          changed\n"
	  "        * `removed` gives the process groups that are no longer\n"
	  "          in the configuration\n"
	  "\n"
	  "        @return array result  [[added, changed, removed]]\n"
	  "\n"
	  "        " },
	{ "supervisor.addProcessGroup", m_add_process_group,
	  PROC_PARAMS(1, 0), "[\"boolean\",\"string\"]",
	  " Update the config for a running process from config file.\n"
	  "\n"
	  "        @param string name         name of process group to add\n"
	  "        @return boolean result     true if successful\n"
	  "        " },
	{ "supervisor.removeProcessGroup", m_remove_process_group,
	  PROC_PARAMS(1, 0), "[\"boolean\",\"string\"]",
	  " Remove a stopped process from the active configuration.\n"
	  "\n"
	  "        @param string name         name of process group to remove\n"
	  "        @return boolean result     Indicates whether the removal "
	  "was successful\n"
	  "        " },
	{ "supervisor.getAllConfigInfo", m_get_all_config_info,
	  PROC_PARAMS(0, 0), "[\"array\"]",
	  " Get info about all available process configurations. Each struct\n"
	  "        represents a single process (i.e. groups get flattened).\n"
	  "\n"
	  "        @return array result  An array of process config info "
	  "structs\n"
	  "        " },
};

void
proc_rpc_config_register(void)
{
	proc_rpc_table(config_methods, sizeof config_methods /
	    sizeof config_methods[0]);
}
