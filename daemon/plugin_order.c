/*
 * plugin_order.c — loading a set of plugins in dependency order: open each,
 * bring the requirements a config section needs, sort by `requires`
 * (refusing a missing one or a cycle with its chain), then init in order
 * (plugin_int.h).
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

void
plugin_want_add(struct plugin_want **w, size_t *n, size_t *cap,
    const char *what, const char *section, int implied)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*w)[i].what, what) == 0) {
			if (!implied)
				(*w)[i].implied = 0;
			return;
		}
	}
	if (*n + 1 >= *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		*w = xreallocarray(*w, *cap, sizeof **w);
	}
	memset(&(*w)[*n], 0, sizeof **w);
	(*w)[*n].what = xstrdup(what);
	(*w)[*n].section = xstrdup(section);
	(*w)[*n].implied = implied;
	(*n)++;
}

void
plugin_wants_free(struct plugin_want *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].what);
		free(w[i].section);
	}
	free(w);
}

static struct plugin_want *
plugin_want_find(struct plugin_want *w, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (w[i].p != NULL && strcmp(w[i].p->name, name) == 0)
			return &w[i];
	}
	return NULL;
}

/* Depth-first visit; appends to order[] and names a missing plugin or a
 * cycle in *err. */
static int
plugin_visit(struct plugin_want *w, size_t n, struct plugin_want *x,
    struct plugin_want **order, size_t *norder, char **chain, char **err)
{
	const char *const *r;
	struct plugin_want *y;
	char *c;
	int rc = 0;

	if (x->mark == 2)
		return 0;
	if (x->mark == 1) {
		xasprintf(err, "plugin dependency cycle: %s -> %s", *chain,
		    x->p->name);
		return -1;
	}
	x->mark = 1;
	if (*chain == NULL)
		*chain = xstrdup(x->p->name);
	else {
		xasprintf(&c, "%s -> %s", *chain, x->p->name);
		free(*chain);
		*chain = c;
	}
	for (r = x->p->d->requires; r != NULL && *r != NULL; r++) {
		if ((y = plugin_want_find(w, n, *r)) != NULL) {
			if ((rc = plugin_visit(w, n, y, order, norder, chain,
			    err)) != 0)
				return rc;
		} else if (plugin_find(*r) == NULL) {
			xasprintf(err, "plugin '%s' requires '%s', which is "
			    "not loaded: load '%s' first", x->p->name, *r, *r);
			return -1;
		}
	}
	if ((c = strrchr(*chain, '>')) != NULL && c - *chain >= 2)
		c[-2] = '\0';
	else {
		free(*chain);
		*chain = NULL;
	}
	x->mark = 2;
	order[(*norder)++] = x;
	return 0;
}

/*
 * A section brings what it needs: a plugin a config section wants that
 * requires one neither loaded nor wanted gets it wanted too, for the same
 * section, if it is installed ([plugin:files] loads http).  Appends to
 * *wp; returns the new count.
 */
static size_t
plugin_chase(struct plugin_want **wp, size_t n)
{
	const char *const *r;
	struct plugin_want *w;
	char *why = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		w = *wp;
		if (w[i].p == NULL || w[i].section == NULL ||
		    w[i].p->d->requires == NULL)
			continue;
		for (r = w[i].p->d->requires; *r != NULL; r++) {
			if (plugin_want_find(*wp, n, *r) != NULL ||
			    plugin_find(*r) != NULL)
				continue;
			*wp = xreallocarray(*wp, n + 2, sizeof **wp);
			w = *wp;
			memset(&w[n], 0, sizeof w[n]);
			w[n].what = xstrdup(*r);
			w[n].section = xstrdup(w[i].section);
			w[n].chased = 1;
			if ((w[n].p = plugin_open(*r, NULL, NULL,
			    &why)) == NULL) {
				/* visit then says "requires ..., not loaded" */
				log_error("section [%s] needs plugin '%s' for "
				    "'%s': %s", w[i].section, *r,
				    w[i].p->name, why);
				free(why);
				why = NULL;
				w[n].failed = 1;
			} else
				log_info("section [%s] needs plugin '%s' for "
				    "'%s': loading it", w[i].section, *r,
				    w[i].p->name);
			n++;
		}
	}
	return n;
}

/*
 * Open every wanted plugin, sort them, init them in order.  With
 * fail_fast, the first failure stops everything and is returned;
 * otherwise each failure is logged and the rest go on (SIGHUP).
 */
int
plugin_load_wants(struct plugin_want **wp, size_t *np, int fail_fast,
    char **err)
{
	struct plugin_want **order, *w = *wp;
	size_t i, k, n = *np, norder = 0;
	char *why = NULL, *chain = NULL;
	int rc = 0, missing;

	*err = NULL;
	for (i = 0; i < n; i++) {
		if (plugin_want_find(w, i, w[i].what) != NULL) {
			w[i].failed = 1; /* asked twice: once is enough */
			continue;
		}
		w[i].p = plugin_open(w[i].what, NULL, &missing, &why);
		if (w[i].p != NULL && plugin_want_find(w, i,
		    w[i].p->name) != NULL) {
			plugin_discard(w[i].p);
			w[i].p = NULL;
			w[i].failed = 1;
			continue;
		}
		if (w[i].p != NULL)
			continue;
		w[i].failed = 1;
		if (w[i].implied && missing) {
			log_crit("section [%s] wants plugin '%s', which is not "
			    "installed (searched %s); going on without it",
			    w[i].section, w[i].what, plugin_path);
			free(why);
			why = NULL;
			continue;
		}
		if (w[i].section != NULL) {
			char *m;

			xasprintf(&m, "%s (wanted by section [%s])", why,
			    w[i].section);
			free(why);
			why = m;
		}
		if (fail_fast) {
			*err = why;
			rc = -1;
			goto out;
		}
		log_error("%s", why);
		free(why);
		why = NULL;
	}
	n = plugin_chase(wp, n);
	w = *wp;

	order = xcalloc(n + 1, sizeof *order);
	for (i = 0; i < n; i++) {
		if (w[i].p == NULL || w[i].mark == 2)
			continue;
		if (plugin_visit(w, n, &w[i], order, &norder, &chain,
		    &why) == 0)
			continue;
		free(chain);
		chain = NULL;
		if (fail_fast) {
			*err = why;
			rc = -1;
			free(order);
			goto out;
		}
		log_error("%s", why);
		free(why);
		why = NULL;
		/* Drop what the failed walk was in the middle of: its
		 * dependents then fail as "requires ..., not loaded". */
		for (k = 0; k < n; k++) {
			if (w[k].mark == 1 && w[k].p != NULL) {
				plugin_discard(w[k].p);
				w[k].p = NULL;
				w[k].failed = 1;
				w[k].mark = 0;
			}
		}
	}
	for (i = 0; i < norder; i++) {
		struct plugin_want *x = order[i];

		TAILQ_INSERT_TAIL(&plugins, x->p, link);
		if (x->section != NULL)
			x->p->section = xstrdup(x->section);
		if (plugin_init(x->p, &why) == 0) {
			log_info("plugin '%s' %s loaded from %s", x->p->name,
			    x->p->d->version != NULL ? x->p->d->version : "",
			    x->p->src);
			x->p = NULL;	/* the list owns it now */
			continue;
		}
		x->p = NULL;		/* buried by plugin_init */
		if (fail_fast) {
			*err = why;
			rc = -1;
			free(order);
			goto out;
		}
		log_error("%s", why);
		free(why);
		why = NULL;
	}
	free(order);
out:
	/* Opened but not initialised (a failure stopped us, or a cycle). */
	for (i = 0; i < n; i++) {
		if (w[i].p != NULL) {
			plugin_discard(w[i].p);
			w[i].p = NULL;
		}
		if (w[i].chased) {
			free(w[i].what);
			free(w[i].section);
		}
	}
	return rc;
}

int
plugins_load_many(const char *const *names, size_t n, char **err)
{
	struct plugin_want *w;
	size_t i;
	int rc;

	w = xcalloc(n + 1, sizeof *w);
	for (i = 0; i < n; i++)
		w[i].what = (char *)names[i];
	rc = plugin_load_wants(&w, &n, 1, err);
	free(w);
	return rc;
}

/* A live load (plugin.load): a name only, from the plugin folders or the
 * config's own [plugin:NAME] path= (plugin_trust.h). */
int
plugin_load(const char *name, char **err)
{
	struct plugin_want *w;
	char *path = NULL;
	size_t n = 1;
	int rc;

	*err = NULL;
	if (trust_live_request(sth.ini, name, &path, err) != 0)
		return -1;
	w = xcalloc(2, sizeof *w);	/* plugin_load_wants may grow it */
	w[0].what = path != NULL ? path : (char *)name;
	if (path != NULL)
		xasprintf(&w[0].section, "plugin:%s", name);
	rc = plugin_load_wants(&w, &n, 1, err);
	free(w[0].section);
	free(w);
	free(path);
	return rc;
}
