/*
 * loader.h — the loader: load, unload and reload .so plugins live
 * (docs/design.md, decisions 3 and 4).
 *
 * Ownership: the loader owns every struct sth_plugin, its private copy of
 * the .so, its ltdl handle and its scope (scope.h); callers get names and
 * JSON snapshots, never pointers that outlive a call.
 */
#ifndef STHENO_LOADER_H
#define STHENO_LOADER_H

#include <stddef.h>
#include <jansson.h>
#include <stheno/plugin.h>

struct ini_doc;

/* Once, at startup: the plugin search path (colon-separated folders:
 * --plugin-dir, then STHENO_PLUGIN_PATH, then PLUGINDIR, all searched). */
int plugins_init(const char *path);

/*
 * Bring the loaded set in line with doc: every [plugin:NAME] section, plus
 * the plugins supervisor's own sections imply ([unix_http_server] and
 * [inet_http_server] bring http, xmlrpc and webui; [http_server:x] brings
 * http; [eventlistener:x] brings eventlistener), loaded in dependency
 * order.  At startup
 * (startup = 1) any failure returns -1 with *err set and the daemon exits
 * 2; on SIGHUP (startup = 0) plugins whose section is gone are unloaded,
 * new ones loaded, and a failure is logged while the rest keeps serving.
 */
int plugins_apply_config(const struct ini_doc *doc, int startup, char **err);

/* Live operations (also the plugin.* RPC methods).  Each takes a plugin
 * name, never a path: plugin_load finds NAME.so in the plugin folders, or
 * loads the path= of the config's own [plugin:NAME] section
 * (plugin_trust.h).  Each returns 0, or -1 with *err set to a malloc'd
 * message that says which check refused and why. */
int plugin_load(const char *name, char **err);
int plugin_unload(const char *name, char **err);
int plugin_reload(const char *name, char **err);
/* [{name, version, description, state, path, requires:[...], used_by:[...],
 *   resources:{timers, watches, listeners, conns, methods, subs, services}}]
 */
json_t *plugin_list(void);

/*
 * supervisorctl reread/update for plugins: [plugin:x] and [http_server:x]
 * sections are units beside the process groups.  plugin_unit_known says if
 * a group name is one; plugins_config_diff appends to added/changed/removed
 * the units of doc (a config file just read) that differ from what the
 * loaded plugins were initialised with; plugins_config_add and _remove are
 * addProcessGroup and removeProcessGroup for a unit (0, or -1 with *err).
 */
int plugin_unit_known(const char *section);
void plugins_config_diff(const struct ini_doc *doc, json_t *added,
			 json_t *changed, json_t *removed);
int plugins_config_add(const char *section, char **err);
int plugins_config_remove(const char *section, char **err);
/* Load what section implies and is not loaded yet (the first
 * [eventlistener:x] added by update brings the eventlistener plugin). */
void plugins_config_implied(const char *section);

/* Load several plugins (names, or paths the caller trusts: the config's,
 * a test's) in dependency order: requirements
 * must be among them or already loaded; a missing one or a cycle is
 * refused with a message naming it.  Stops at the first failure (plugins
 * already initialised stay loaded). */
int plugins_load_many(const char *const *names_or_paths, size_t n,
		      char **err);

/* Unload everything in reverse dependency order (at exit). */
void plugins_shutdown(void);

/* Register plugin.load/unload/reload/list in the RPC registry. */
void plugin_rpc_register(void);

#endif
