/*
 * scope.h — the resources a plugin made through the host API, and the
 * guard every host trampoline passes before jumping into plugin code
 * (docs/design.md, decision 4).
 *
 * Ownership: a struct scope owns its records (struct scope_res), not the
 * objects they point to; each record carries the destructor that frees its
 * object, so the loader can tear down whatever a plugin left behind without
 * asking the plugin.  The objects themselves are owned by the file that made
 * them (hostapi.c, net.c) and remove their record when freed normally.
 * struct sth_plugin itself is the loader's (plugin.c); the accessors at the
 * end are how the other host files reach it.
 */
#ifndef STHENO_SCOPE_H
#define STHENO_SCOPE_H

#include <sys/types.h>

struct sth_plugin;
struct sth_host;
struct scope;
struct scope_res;

/* What a record holds; the order is the order of release at unload. */
enum scope_kind {
	SCOPE_LISTENER,
	SCOPE_CONN,
	SCOPE_DEFER,
	SCOPE_TIMER,
	SCOPE_WATCH,
	SCOPE_METHOD,
	SCOPE_SUB,
	SCOPE_SERVICE,
	SCOPE_VFS,
	SCOPE_BINDING,		/* what it registered through a service */
	SCOPE_HOLD,		/* event payloads kept (event_hold) */
	SCOPE_NKINDS
};

typedef void (*scope_dtor)(void *obj);

/* changed(arg) runs after a record is removed (NULL: nothing runs). */
struct scope *scope_new(void (*changed)(void *), void *arg);
/* The scope must be empty: freeing one that is not is an impossible state. */
void scope_free(struct scope *);

struct scope_res *scope_add(struct scope *, enum scope_kind, void *obj,
			    scope_dtor dtor);
/* Forget a record without running its destructor (the object is being freed
 * by its owner). */
void scope_del(struct scope_res *);
void *scope_res_obj(const struct scope_res *);

unsigned scope_count(const struct scope *, enum scope_kind);
unsigned scope_total(const struct scope *);
/* Run the destructor of every record of kind (newest first); returns how
 * many ran.  Destructors may add or remove other records. */
unsigned scope_release(struct scope *, enum scope_kind);
/* The first record of kind for which match(obj, arg) is true, or NULL. */
struct scope_res *scope_find(const struct scope *, enum scope_kind,
			     int (*match)(void *obj, void *arg), void *arg);
/* "timers", "listeners", ... (the keys of plugin.list's resources). */
const char *scope_kind_name(enum scope_kind);

/* --- the loader's side (plugin.c) ---------------------------------------- */

struct scope *plugin_scope(struct sth_plugin *);
const char *plugin_name(const struct sth_plugin *);
/* The plugin that this one replaces while a reload initialises it, or NULL. */
struct sth_plugin *plugin_replacing(const struct sth_plugin *);

/*
 * Every trampoline brackets its call into plugin code with these:
 * plugin_enter returns 0 (and the call must be skipped) once the plugin is
 * past the point where its code may run; otherwise it counts a frame of the
 * plugin on the stack, which plugin_leave uncounts.  The loader never
 * dlcloses while the count is above zero.
 */
int plugin_enter(struct sth_plugin *);
void plugin_leave(struct sth_plugin *);

/* Something p's unload may wait for ended outside its scope (a call it
 * made, rpc.c): as a record leaving the scope. */
void plugin_changed(struct sth_plugin *);

/* Record why an operation of the plugin failed (host->fail). */
void plugin_set_error(struct sth_plugin *, const char *msg);

void plugin_set_data(struct sth_plugin *, void *);
void *plugin_get_data(struct sth_plugin *);

/* Check that p is a live plugin record (host calls pass `self`): a pointer
 * that is not is an impossible state and aborts. */
void plugin_check(const struct sth_plugin *);

/* --- the host API table (hostapi.c) ------------------------------------ */

const struct sth_host *hostapi_table(void);
/* Reload: make final (commit = 1) or undo (commit = 0) what the new plugin
 * p took over from the one it replaces: methods, services, listeners. */
void hostapi_settle(struct sth_plugin *p, int commit);
/* The provider unloads: free the binding records it still holds in its
 * consumers' scopes (without a drop: its state is gone).  Returns how
 * many. */
int hostapi_unbind_provider(struct sth_plugin *provider);
/* Forget cached config strings (the config doc is being replaced). */
void hostapi_config_reset(void);

#endif
