/*
 * plugin_int.h — the loader's private state, shared by daemon/plugin*.c and
 * nothing else (the rest of sthenod uses loader.h and scope.h).
 *
 * Ownership: plugin.c owns the list of records (plugins) and each record's
 * life from init to lt_dlclose; plugin_stage.c makes a record (search path,
 * trust checks, private copy, map, descriptor checks) and frees one;
 * plugin_order.c loads a set of them in dependency order; plugin_config.c
 * decides from the config what to load and which config is in force.
 */
#ifndef STHENO_PLUGIN_INT_H
#define STHENO_PLUGIN_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <ltdl.h>

#include <stheno/plugin.h>

struct event;
struct ini_doc;

#ifndef TAILQ_FOREACH_SAFE		/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                             \
	for ((var) = TAILQ_FIRST(head);                                        \
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);             \
	    (var) = (tvar))
#endif

#define PLUGIN_MAGIC 0x53544850u	/* "STHP" */

enum plugin_state {
	PS_OPENED,		/* mapped and checked; init not called yet */
	PS_LOADING,		/* init is running */
	PS_ACTIVE,
	PS_DRAINING,		/* unload: waiting for connections and calls */
	PS_STOPPING,		/* force, fini, leftovers */
	PS_UNLOADED,		/* its code never runs again; close pending */
	PS_ZOMBIE,		/* live events point into it: kept mapped */
	PS_NSTATES
};

struct sth_plugin {
	TAILQ_ENTRY(sth_plugin) link;
	uint32_t magic;
	enum plugin_state state;
	const struct sth_plugin_descriptor *d;
	char *name;
	char *src;		/* the file asked for */
	char *copy;		/* the private copy that is mapped */
	char *section;		/* the config section that wants it, if any */
	lt_dlhandle handle;
	void *text;		/* the .so's load address (dladdr's
				 * dli_fbase) */
	struct scope *scope;
	void *data;		/* host->set_data */
	char *error;		/* host->fail */
	int depth;		/* frames of the plugin on the stack */
	struct sth_plugin *replacing;	/* reload: the version being replaced */
	/* A consumer superseded by its provider's reload: it keeps serving
	 * what the old provider still dispatches, and drains only once that
	 * provider has no connection left. */
	struct sth_plugin *wait_for;
	/* The config sections it was initialised with (its [plugin:NAME]
	 * and, for http, every [http_server:x]): name -> "key=value\n"...,
	 * so that reread and update can tell what changed. */
	json_t *cfg;
	struct event *step;	/* drives the unload forward */
	struct event *grace;	/* bounds the wait */
	int hops;		/* loop turns left before lt_dlclose */
	unsigned long seq;
};

TAILQ_HEAD(plugin_list, sth_plugin);
extern struct plugin_list plugins;	/* plugin.c: every record, in order */
extern char *plugin_path;		/* plugin_stage.c: colon-separated */

struct plugin_want {
	char *what;		/* name or path */
	char *section;		/* config section that wants it, or NULL */
	int implied;		/* brought in by a supervisor section */
	struct sth_plugin *p;	/* once opened */
	int mark;		/* 0 new, 1 visiting, 2 done */
	int failed;
	int chased;		/* added for a section's requirement */
};

/* plugin.c */
int plugin_is_live(const struct sth_plugin *);
/* The live plugin called name, or NULL. */
struct sth_plugin *plugin_find(const char *name);
struct sth_plugin *plugin_by_section(const char *section);
int plugin_requires(const struct sth_plugin *, const char *name);
struct sth_plugin *plugin_dependent(const struct sth_plugin *);
/* The scope's "a record went away" hook: moves an unload forward. */
void plugin_scope_changed(void *arg);
/* Run a record's init: 0, or -1 with *err (the record is then buried). */
int plugin_init(struct sth_plugin *, char **err);

/* plugin_stage.c */
/* Resolve, check, copy, map and check the descriptor of name_or_path: a
 * record in state "opened", not yet in the list (replacing: a reload's
 * old version, exempt from the unique-name check).  NULL with *err; with
 * *missing set when name_or_path is a name no plugin folder has. */
struct sth_plugin *plugin_open(const char *name_or_path,
			       struct sth_plugin *replacing, int *missing,
			       char **err);
/* A record that never ran: unmap and free it. */
void plugin_discard(struct sth_plugin *);
void plugin_free(struct sth_plugin *);
/* At exit: remove the folder of private copies. */
void plugin_stage_fini(void);

/* plugin_order.c */
void plugin_want_add(struct plugin_want **w, size_t *n, size_t *cap,
		     const char *what, const char *section, int implied);
void plugin_wants_free(struct plugin_want *w, size_t n);
/* Open every want of *wp, sort them, init them in order (*wp may grow:
 * requirements a section brings); fail_fast stops at the first error. */
int plugin_load_wants(struct plugin_want **wp, size_t *np, int fail_fast,
		      char **err);

/* plugin_config.c */
/* Make doc the config in force (sth.ini); returns the one it replaces. */
struct ini_doc *plugin_config_swap(struct ini_doc *doc);
/* The unit sections of the config in force that belong to name. */
json_t *plugin_config_sig(const char *name);

#endif
