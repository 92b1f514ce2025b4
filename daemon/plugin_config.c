/*
 * plugin_config.c — the config policy: which plugins a config asks for
 * (its [plugin:NAME] sections, and those supervisor's sections imply: a
 * table), the config in force for plugins, and reread/update of plugin
 * sections as units beside the process groups (loader.h, plugin_int.h).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <ltdl.h>

#include "bus.h"
#include "ini.h"
#include "loader.h"
#include "log.h"
#include "net.h"
#include "options.h"
#include "plugin_int.h"
#include "plugin_trust.h"
#include "rpc.h"
#include "scope.h"
#include "service.h"
#include "sthenod.h"
#include "xmalloc.h"

/*
 * The config policy, as data: the plugins that supervisor's sections (and
 * Stheno's [http_server:x], [tls:x]) bring without a [plugin:NAME] of their
 * own.  `unit` marks the sections whose changes reread and update apply
 * live (by reloading the plugin); supervisord's own need a restart there
 * too.  `early` sections are wanted before all others, wherever they are
 * in the file: their plugins offer services that others' init acquires
 * without requiring them (http uses tls only for a server with tls =).
 */
static const struct plugin_implied {
	const char *section;	/* a name, or a prefix ending in ':' */
	const char *plugins[4];
	int unit;
	int early;
} plugin_implied[] = {
	{ "tls:", { "tls", NULL }, 1, 1 },
	{ "unix_http_server", { "http", "xmlrpc", "webui", NULL }, 0, 0 },
	{ "inet_http_server", { "http", "xmlrpc", "webui", NULL }, 0, 0 },
	{ "http_server:", { "http", NULL }, 1, 0 },
	{ "eventlistener:", { "eventlistener", NULL }, 0, 0 },
};

static const struct plugin_implied *
plugin_implied_by(const char *section)
{
	const struct plugin_implied *x;
	size_t i, len;

	for (i = 0; i < sizeof plugin_implied / sizeof plugin_implied[0];
	    i++) {
		x = &plugin_implied[i];
		len = strlen(x->section);
		if (x->section[len - 1] == ':' ?
		    strncmp(section, x->section, len) == 0 :
		    strcmp(section, x->section) == 0)
			return x;
	}
	return NULL;
}

/* What one [plugin:NAME] section asks for: NAME, or the file its path=
 * names.  0, or -1 with *err. */
static int
plugin_section_want(const struct ini_section *s, struct plugin_want **w,
    size_t *n, size_t *cap, char **err)
{
	const char *sname = ini_section_name(s);
	char *path;

	if (!trust_valid_name(sname + 7)) {
		xasprintf(err, "[%s]: '%s' is not a plugin name ([a-z0-9_-]+)",
		    sname, sname + 7);
		return -1;
	}
	if (trust_config_path(s, &path, err) != 0)
		return -1;
	plugin_want_add(w, n, cap, path != NULL ? path : sname + 7, sname, 0);
	free(path);
	return 0;
}

/* The plugins doc asks for, with the section that asks. */
static struct plugin_want *
plugin_wants(const struct ini_doc *doc, size_t *n, char **err)
{
	const struct plugin_implied *x;
	struct plugin_want *w = NULL;
	struct ini_section *s;
	const char *sname;
	size_t cap = 0, i;

	*n = 0;
	for (s = ini_first(doc); s != NULL; s = ini_next(s)) {
		sname = ini_section_name(s);
		if ((x = plugin_implied_by(sname)) == NULL || !x->early)
			continue;
		for (i = 0; x->plugins[i] != NULL; i++)
			plugin_want_add(&w, n, &cap, x->plugins[i], sname, 1);
	}
	for (s = ini_first(doc); s != NULL; s = ini_next(s)) {
		sname = ini_section_name(s);
		if ((x = plugin_implied_by(sname)) != NULL) {
			for (i = 0; x->plugins[i] != NULL; i++)
				plugin_want_add(&w, n, &cap, x->plugins[i],
				    sname, 1);
		} else if (strncmp(sname, "plugin:", 7) == 0 &&
		    plugin_section_want(s, &w, n, &cap, err) == -1) {
			plugin_wants_free(w, *n);
			return NULL;
		}
	}
	return w;
}

/*
 * supervisord's Python extension points have no meaning here: say so for
 * each, with what to do, instead of ignoring them silently.  supervisor's
 * own RPC interface is built in.
 */
static void
plugin_warn_python_sections(const struct ini_doc *doc)
{
	static const char main_factory[] =
	    "supervisor.rpcinterface:make_main_rpcinterface";
	struct ini_section *s;
	const char *sname, *f;

	for (s = ini_first(doc); s != NULL; s = ini_next(s)) {
		sname = ini_section_name(s);
		if (strncmp(sname, "rpcinterface:", 13) == 0) {
			f = ini_get(doc, sname,
			    "supervisor.rpcinterface_factory");
			if (f != NULL && strcmp(f, main_factory) == 0)
				continue;
			log_warn("section [%s] (file: '%s', line %d) is "
			    "ignored: sthenod cannot load a Python RPC "
			    "interface (%s); its methods must be written as "
			    "a plugin (docs/plugin-guide.md)", sname,
			    ini_section_file(s), ini_section_line(s),
			    f != NULL ? f : "no factory");
		} else if (strncmp(sname, "ctlplugin:", 10) == 0)
			log_warn("section [%s] (file: '%s', line %d) is for "
			    "supervisorctl, which reads it itself; sthenod "
			    "ignores it", sname, ini_section_file(s),
			    ini_section_line(s));
	}
}

int
plugins_apply_config(const struct ini_doc *doc, int startup, char **err)
{
	struct plugin_want *w;
	struct sth_plugin *p, *next;
	size_t n, i, k;
	int rc, found;

	*err = NULL;
	hostapi_config_reset();
	plugin_warn_python_sections(doc);
	if ((w = plugin_wants(doc, &n, err)) == NULL && *err != NULL)
		return -1;
	if (!startup) {
		/* Unload config-loaded plugins whose section is gone. */
		TAILQ_FOREACH_SAFE(p, &plugins, link, next) {
			if (p->state != PS_ACTIVE || p->section == NULL)
				continue;
			found = 0;
			for (i = 0; i < n && !found; i++)
				found = strcmp(w[i].section, p->section) == 0 ||
				    (strchr(w[i].what, '/') == NULL &&
				    strcmp(w[i].what, p->name) == 0);
			if (!found && plugin_unload(p->name, err) != 0) {
				log_error("%s", *err);
				free(*err);
				*err = NULL;
			}
		}
	}
	/* Keep only what is not loaded yet. */
	for (i = k = 0; i < n; i++) {
		if (plugin_by_section(w[i].section) != NULL ||
		    (strchr(w[i].what, '/') == NULL &&
		    plugin_find(w[i].what) != NULL)) {
			free(w[i].what);
			free(w[i].section);
			continue;
		}
		w[k++] = w[i];
	}
	rc = plugin_load_wants(&w, &k, startup, err);
	for (i = 0; i < k; i++) {
		free(w[i].what);
		free(w[i].section);
	}
	free(w);
	if (!startup)
		return 0;
	return rc;
}

/* --- reread and update: [plugin:x] and [http_server:x] as units ---------- */

/* Make doc the config in force (sth.ini); returns the one it replaces. */
struct ini_doc *
plugin_config_swap(struct ini_doc *doc)
{
	struct ini_doc *prev = sth.ini;

	sth.ini = doc;
	hostapi_config_reset();
	return prev;
}

/* "key=value\n" for each entry of s, in order (values raw). */
static json_t *
plugin_section_sig(const struct ini_section *s)
{
	struct ini_entry *e;
	char *sig = xstrdup(""), *t;
	json_t *j;

	for (e = ini_entry_first(s); e != NULL; e = ini_entry_next(e)) {
		xasprintf(&t, "%s%s=%s\n", sig, ini_entry_key(e),
		    ini_entry_value(e));
		free(sig);
		sig = t;
	}
	j = json_string(sig);
	free(sig);
	return j;
}

/* 1 if a change of section applies live: a unit of reread/update. */
static int
plugin_unit(const char *section)
{
	const struct plugin_implied *x;

	if (strncmp(section, "plugin:", 7) == 0)
		return 1;
	return (x = plugin_implied_by(section)) != NULL && x->unit;
}

/* The plugin a unit section belongs to. */
static const char *
plugin_unit_owner(const char *section)
{
	const struct plugin_implied *x;

	if (strncmp(section, "plugin:", 7) == 0)
		return section + 7;
	x = plugin_implied_by(section);
	return x != NULL ? x->plugins[0] : NULL;
}

/* The unit sections of the config in force that belong to name. */
json_t *
plugin_config_sig(const char *name)
{
	struct ini_section *s;
	const char *sname, *owner;
	json_t *o = json_object();

	for (s = sth.ini != NULL ? ini_first(sth.ini) : NULL; s != NULL;
	    s = ini_next(s)) {
		sname = ini_section_name(s);
		if (plugin_unit(sname) &&
		    (owner = plugin_unit_owner(sname)) != NULL &&
		    strcmp(owner, name) == 0)
			json_object_set_new(o, sname, plugin_section_sig(s));
	}
	return o;
}

int
plugin_unit_known(const char *section)
{
	return section != NULL && plugin_unit(section) &&
	    plugin_unit_owner(section) != NULL;
}

void
plugins_config_diff(const struct ini_doc *doc, json_t *added,
    json_t *changed, json_t *removed)
{
	struct ini_section *s;
	struct sth_plugin *p;
	const char *sname, *key;
	json_t *sig, *had, *v;

	for (s = ini_first(doc); s != NULL; s = ini_next(s)) {
		sname = ini_section_name(s);
		if (!plugin_unit_known(sname))
			continue;
		p = plugin_find(plugin_unit_owner(sname));
		had = p != NULL ? json_object_get(p->cfg, sname) : NULL;
		sig = plugin_section_sig(s);
		if (p == NULL)
			json_array_append_new(added, json_string(sname));
		else if (!json_equal(had, sig))
			json_array_append_new(changed, json_string(sname));
		json_decref(sig);
	}
	TAILQ_FOREACH(p, &plugins, link) {
		if (p->state != PS_ACTIVE)
			continue;
		json_object_foreach(p->cfg, key, v) {
			if (ini_find(doc, key) == NULL)
				json_array_append_new(removed,
				    json_string(key));
		}
	}
}

/* The wants loaded (rc 0): the new config stays and prev goes; else prev
 * is put back.  rc either way. */
static int
config_settle(struct ini_doc *prev, int rc)
{
	if (rc != 0)
		ini_free(plugin_config_swap(prev));
	else if (prev != NULL)
		ini_free(prev);
	return rc;
}

/*
 * Before a unit's plugin is reloaded: load the `early` plugins the file
 * now implies and that are not loaded yet, so that the new version finds
 * their services (update handles a changed [http_server:x] with a new
 * tls = NAME before the [tls:NAME] added with it).  0, or -1 with *err
 * and the config in force unchanged.
 */
static int
plugins_load_early(char **err)
{
	const struct plugin_implied *x;
	struct plugin_want *w = NULL;
	struct ini_doc *doc, *prev;
	struct ini_section *s;
	const char *sname;
	size_t n = 0, cap = 0, i;
	int rc;

	if ((doc = options_reread(NULL, err)) == NULL)
		return -1;
	for (s = ini_first(doc); s != NULL; s = ini_next(s)) {
		sname = ini_section_name(s);
		if ((x = plugin_implied_by(sname)) == NULL || !x->early)
			continue;
		for (i = 0; x->plugins[i] != NULL; i++)
			if (plugin_find(x->plugins[i]) == NULL)
				plugin_want_add(&w, &n, &cap, x->plugins[i],
				    sname, 0);
	}
	if (n == 0) {
		ini_free(doc);
		return 0;
	}
	prev = plugin_config_swap(doc);
	rc = plugin_load_wants(&w, &n, 1, err);
	plugin_wants_free(w, n);
	return config_settle(prev, rc);
}

/*
 * update's addProcessGroup of a unit: the config file is read again and
 * put in force, then the unit's plugin is reloaded (it was loaded: its
 * section changed; the early plugins it may use loaded first) or loaded
 * with what it requires.  A failure puts the old config back.
 */
int
plugins_config_add(const char *section, char **err)
{
	struct plugin_want *w = NULL;
	struct ini_doc *doc, *prev;
	const char *name;
	size_t n = 0, cap = 0;
	int rc;

	*err = NULL;
	if (!plugin_unit_known(section)) {
		xasprintf(err, "[%s] is not a plugin section", section);
		return -1;
	}
	name = plugin_unit_owner(section);
	if (plugin_find(name) != NULL)
		return plugins_load_early(err) == 0 ? plugin_reload(name, err) :
		    -1;
	if ((doc = options_reread(NULL, err)) == NULL)
		return -1;
	if (ini_find(doc, section) == NULL) {
		ini_free(doc);
		xasprintf(err, "[%s] is no longer in the config file",
		    section);
		return -1;
	}
	prev = plugin_config_swap(doc);
	if (strncmp(section, "plugin:", 7) == 0)
		rc = plugin_section_want(ini_find(doc, section), &w, &n, &cap,
		    err);
	else {
		plugin_want_add(&w, &n, &cap, name, section, 0);
		rc = 0;
	}
	if (rc == 0)
		rc = plugin_load_wants(&w, &n, 1, err);
	plugin_wants_free(w, n);
	return config_settle(prev, rc);
}

/*
 * update's removeProcessGroup of a unit.  A section still in the file
 * changed: nothing to do here, its addProcessGroup reloads.  A section
 * gone unloads its [plugin:x], or reloads http without the server.
 */
int
plugins_config_remove(const char *section, char **err)
{
	struct ini_doc *doc;
	struct sth_plugin *p;
	const char *name;
	int still;

	*err = NULL;
	if (!plugin_unit_known(section)) {
		xasprintf(err, "[%s] is not a plugin section", section);
		return -1;
	}
	if ((doc = options_reread(NULL, err)) == NULL)
		return -1;
	still = ini_find(doc, section) != NULL;
	ini_free(doc);
	name = plugin_unit_owner(section);
	if (still || (p = plugin_find(name)) == NULL)
		return 0;
	if (strncmp(section, "plugin:", 7) == 0)
		return plugin_unload(p->name, err);
	return plugin_reload(name, err);
}

void
plugins_config_implied(const char *section)
{
	const struct plugin_implied *x;
	struct plugin_want *w = NULL;
	size_t n = 0, cap = 0, i;
	char *err = NULL;

	if ((x = plugin_implied_by(section)) == NULL)
		return;
	for (i = 0; x->plugins[i] != NULL; i++)
		if (plugin_find(x->plugins[i]) == NULL)
			plugin_want_add(&w, &n, &cap, x->plugins[i], section,
			    1);
	if (n != 0 && plugin_load_wants(&w, &n, 0, &err) != 0) {
		log_error("%s", err);
		free(err);
	}
	plugin_wants_free(w, n);
}
