/*
 * service.h — named, versioned interfaces one plugin offers to others
 * (docs/design.md, decision 3): "http" offers "add a handler", and plugins
 * that want it look it up here instead of linking against it.
 *
 * Ownership: service.c owns the name -> {provider, version, iface} records
 * and the used-by edges (user plugin -> service).  iface is the provider's
 * and is never dereferenced here; names are copied.  The semantics are those
 * of the service_* members of stheno/host.h.  The loader (plugin.c) asks
 * service_users() before unloading a provider and calls service_drop_owner()
 * when any plugin unloads.
 */
#ifndef STHENO_SERVICE_H
#define STHENO_SERVICE_H

struct sth_plugin;	/* owner; NULL means the core */

/* 0, or -1 if name is empty or already registered (by anyone). */
int service_register(struct sth_plugin *provider, const char *name,
		     unsigned version, const void *iface);
/* Remove provider's service name (no-op if provider does not own it); the
 * edges of its users go with it. */
void service_unregister(struct sth_plugin *provider, const char *name);

/* The iface of name if its version >= min_version (*version set when not
 * NULL), recording that user uses it; NULL if absent or too old.  Acquiring
 * twice needs two releases.  A plugin that acquires its own service records
 * no edge (it cannot block its own unload). */
const void *service_acquire(struct sth_plugin *user, const char *name,
			    unsigned min_version, unsigned *version);
/* Undo one service_acquire (no-op if user holds none). */
void service_release(struct sth_plugin *user, const char *name);

/* Unload: drop every service owner provides (and their users' edges) and
 * every edge where owner is the user.  Returns the services removed. */
int service_drop_owner(struct sth_plugin *owner);
/* owner has begun to unload: its services are hidden from new acquirers
 * and their names may be registered again before service_drop_owner. */
void service_retire_owner(struct sth_plugin *owner);

/* A reload takes provider's name for the new version: retired = 1 hides it
 * as service_retire_owner does (its users keep their edges, so the old
 * provider is not buried before them); retired = 0 gives it back (a rolled
 * back reload).  -1 if provider has no such service, or the name is taken. */
int service_retire(struct sth_plugin *provider, const char *name,
		   int retired);

/*
 * How many distinct other plugins use a service provider offers.  When it
 * is not 0 and user/service are not NULL, they are set to the earliest such
 * user and the name of the service it holds, for the loader's refusal
 * "in use by 'x'".  The name is valid until the service is unregistered.
 */
int service_users(struct sth_plugin *provider, struct sth_plugin **user,
		  const char **service);

/* 1 if user holds a service of provider's (retired ones included). */
int service_user_of(struct sth_plugin *user, struct sth_plugin *provider);

#endif
