/*
 * plugin.c — the files extension's descriptor, init and fini: one vfs root
 * and one catch-all handler per [http_server:NAME] section with root=.
 *
 * Ownership: the one struct files_ctx F; every root, its vfs, its cache
 * and its handler are made in init and freed in fini (the host would free
 * the vfs too, but as a leak).
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "xmalloc.h"

struct files_ctx F;

#define SERVER_PREFIX "http_server:"

static void files_fini(struct sth_plugin *);

/* [plugin:files] settings, shared by every root (host->cfg_read). */
static struct files_conf {
	long long cache;	/* bytes of files kept in memory, per root */
	long cache_valid;	/* seconds a kept file is trusted */
} conf;

static const struct sth_cfg_option conf_opts[] = {
	STH_CFG_OPTION("cache", STH_CFG_BYTES, 0, struct files_conf, cache,
	    "4MB", 0, LONG_MAX),
	STH_CFG_OPTION("cache_valid", STH_CFG_INT, 0, struct files_conf,
	    cache_valid, "1", 1, 3600),
	STH_CFG_END
};

static int
root_add(struct sth_section *sec, const char *root)
{
	const struct sth_host *host = F.host;
	const char *name = host->section_name(sec) + strlen(SERVER_PREFIX);
	struct files_root *r;
	char *err = NULL;

	r = xcalloc(1, sizeof *r);
	r->r_server = xstrdup(name);
	r->r_root = xstrdup(root);
	files_cache_init(&r->r_cache, (size_t)conf.cache,
	    (unsigned)conf.cache_valid);
	TAILQ_INSERT_TAIL(&F.roots, r, r_entry);
	if ((r->r_vfs = host->vfs_new(F.self, root, &err)) == NULL) {
		host->fail(F.self, "[%s] root=%s: %s", host->section_name(sec),
		    root, err != NULL ? err : "cannot open");
		free(err);
		return -1;
	}
	/* At the back: the catch-all of its server (Medusa's default
	 * handler is checked last). */
	r->r_handler = F.http->handler_add(F.self, name, NULL, NULL,
	    files_handle, r, STH_HTTP_BACK, &err);
	if (r->r_handler == NULL) {
		host->fail(F.self, "[%s]: cannot add the files handler: %s",
		    host->section_name(sec), err != NULL ? err : "failed");
		free(err);
		return -1;
	}
	host->log(F.self, STH_LOG_INFO, "files: serving %s on server '%s'",
	    root, name);
	return 0;
}

static int
files_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *sec = NULL;
	const char *root;

	memset(&F, 0, sizeof F);
	F.self = self;
	F.host = host;
	TAILQ_INIT(&F.roots);
	F.http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (F.http == NULL)
		return host->fail(self, "the \"%s\" service (version %d) is "
		    "not available", STH_HTTP_SERVICE, STH_HTTP_API_VERSION);
	if (host->cfg_read(self, host->config(self), NULL, conf_opts,
	    &conf) == -1)
		goto err;
	while ((sec = host->section_next(self, sec, SERVER_PREFIX)) != NULL) {
		root = host->cfg_str(sec, "root", NULL);
		if (root == NULL || *root == '\0')
			continue;
		if (root_add(sec, root) == -1)
			goto err;
	}
	if (TAILQ_EMPTY(&F.roots)) {
		host->fail(self, "no [%sNAME] section sets root=, so there "
		    "is nothing to serve", SERVER_PREFIX);
		goto err;
	}
	return 0;
err:
	files_fini(self);
	return -1;
}

static void
files_fini(struct sth_plugin *self)
{
	struct files_root *r;

	if (F.http != NULL)
		F.http->handler_remove_all(self);
	while ((r = TAILQ_FIRST(&F.roots)) != NULL) {
		TAILQ_REMOVE(&F.roots, r, r_entry);
		if (r->r_vfs != NULL)
			F.host->vfs_free(r->r_vfs);
		files_cache_clear(&r->r_cache);
		free(r->r_server);
		free(r->r_root);
		free(r);
	}
	if (F.http != NULL)
		F.host->service_release(self, STH_HTTP_SERVICE);
	memset(&F, 0, sizeof F);
}

static const char *const files_requires[] = { "http", NULL };

STHENO_PLUGIN("files", PACKAGE_VERSION,
    "Static files from a vfs root on [http_server:NAME] servers "
    "(Medusa's default handler)",
    files_requires, files_init, NULL, files_fini);
