/*
 * service.c — the service registry (service.h).
 *
 * Two small lists: the services, and the used-by edges, each edge one
 * (user, service) pair with a count of acquires.  Both stay short (a few
 * dozen at most), so a linear walk is the whole index.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"
#include "test_hooks.h"
#include "xmalloc.h"

struct service {
	char *name;
	struct sth_plugin *provider;
	unsigned version;
	const void *iface;
	int retired;		/* provider unloading: hidden, name free */
	TAILQ_ENTRY(service) entry;
};

struct service_use {
	struct service *svc;
	struct sth_plugin *user;
	int count;
	TAILQ_ENTRY(service_use) entry;
};

static TAILQ_HEAD(, service) services = TAILQ_HEAD_INITIALIZER(services);
static TAILQ_HEAD(, service_use) service_uses =
    TAILQ_HEAD_INITIALIZER(service_uses);

/*
 * The service called name.  A provider that has begun to unload keeps its
 * records until it is buried, but they are invisible to new users and its
 * names are free to be registered again (unload, then load at once).
 */
static struct service *
service_find(const char *name, const struct sth_plugin *provider)
{
	struct service *s;

	if (name == NULL)
		return (NULL);
	TAILQ_FOREACH(s, &services, entry) {
		if (strcmp(s->name, name) != 0)
			continue;
		if (provider != NULL ? s->provider == provider : !s->retired)
			return (s);
	}
	return (NULL);
}

static struct service_use *
service_find_use(struct service *s, struct sth_plugin *user)
{
	struct service_use *u;

	TAILQ_FOREACH(u, &service_uses, entry) {
		if (u->svc == s && u->user == user)
			return (u);
	}
	return (NULL);
}

static void
service_free(struct service *s)
{
	struct service_use *u, *next;

	for (u = TAILQ_FIRST(&service_uses); u != NULL; u = next) {
		next = TAILQ_NEXT(u, entry);
		if (u->svc == s) {
			TAILQ_REMOVE(&service_uses, u, entry);
			free(u);
		}
	}
	TAILQ_REMOVE(&services, s, entry);
	free(s->name);
	free(s);
}

int
service_register(struct sth_plugin *provider, const char *name,
    unsigned version, const void *iface)
{
	struct service *s;

	if (name == NULL || *name == '\0' || service_find(name, NULL) != NULL)
		return (-1);
	s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(name);
	s->provider = provider;
	s->version = version;
	s->iface = iface;
	TAILQ_INSERT_TAIL(&services, s, entry);
	return (0);
}

void
service_unregister(struct sth_plugin *provider, const char *name)
{
	struct service *s;

	if ((s = service_find(name, provider)) != NULL)
		service_free(s);
}

const void *
service_acquire(struct sth_plugin *user, const char *name,
    unsigned min_version, unsigned *version)
{
	struct service *s;
	struct service_use *u;

	if ((s = service_find(name, NULL)) == NULL || s->version < min_version)
		return (NULL);
	if (s->provider != user) {
		if ((u = service_find_use(s, user)) == NULL) {
			u = xcalloc(1, sizeof(*u));
			u->svc = s;
			u->user = user;
			TAILQ_INSERT_TAIL(&service_uses, u, entry);
		}
		u->count++;
	}
	if (version != NULL)
		*version = s->version;
	return (s->iface);
}

void
service_release(struct sth_plugin *user, const char *name)
{
	struct service_use *u;

	TAILQ_FOREACH(u, &service_uses, entry) {
		if (u->user == user && strcmp(u->svc->name, name) == 0)
			break;
	}
	if (u == NULL)
		return;
	if (--u->count == 0) {
		TAILQ_REMOVE(&service_uses, u, entry);
		free(u);
	}
}

int
service_retire(struct sth_plugin *provider, const char *name, int retired)
{
	struct service *s;

	if ((s = service_find(name, provider)) == NULL)
		return (-1);
	if (!retired && service_find(name, NULL) != NULL)
		return (-1);
	s->retired = retired;
	return (0);
}

void
service_retire_owner(struct sth_plugin *owner)
{
	struct service *s;

	TAILQ_FOREACH(s, &services, entry) {
		if (s->provider == owner)
			s->retired = 1;
	}
}

int
service_drop_owner(struct sth_plugin *owner)
{
	struct service *s, *snext;
	struct service_use *u, *unext;
	int n = 0;

	for (u = TAILQ_FIRST(&service_uses); u != NULL; u = unext) {
		unext = TAILQ_NEXT(u, entry);
		if (u->user == owner) {
			TAILQ_REMOVE(&service_uses, u, entry);
			free(u);
		}
	}
	for (s = TAILQ_FIRST(&services); s != NULL; s = snext) {
		snext = TAILQ_NEXT(s, entry);
		if (s->provider == owner) {
			service_free(s);
			n++;
		}
	}
	return (n);
}

int
service_users(struct sth_plugin *provider, struct sth_plugin **user,
    const char **service)
{
	struct service_use *u, *v;
	int n = 0, seen;

	TAILQ_FOREACH(u, &service_uses, entry) {
		if (u->svc->provider != provider || u->user == provider)
			continue;
		/* Count each user once, at its earliest edge. */
		seen = 0;
		for (v = TAILQ_FIRST(&service_uses); v != u;
		    v = TAILQ_NEXT(v, entry)) {
			if (v->user == u->user && v->svc->provider == provider)
				seen = 1;
		}
		if (seen)
			continue;
		if (n == 0) {
			if (user != NULL)
				*user = u->user;
			if (service != NULL)
				*service = u->svc->name;
		}
		n++;
	}
	return (n);
}

int
service_user_of(struct sth_plugin *user, struct sth_plugin *provider)
{
	struct service_use *u;

	TAILQ_FOREACH(u, &service_uses, entry) {
		if (u->user == user && u->svc->provider == provider)
			return (1);
	}
	return (0);
}

int
service_count(struct sth_plugin *provider)
{
	struct service *s;
	int n = 0;

	TAILQ_FOREACH(s, &services, entry) {
		if (s->provider == provider)
			n++;
	}
	return (n);
}
