/*
 * stheno/plugin.h — the one descriptor a plugin exports.
 *
 * Ownership: the descriptor and every string it points to belong to the
 * plugin's .so and must be static const data; the host reads them and never
 * frees or modifies them.
 *
 * A plugin is a shared object that exports exactly one data symbol,
 * `sth_plugin_descriptor` (use STHENO_PLUGIN below).  sthenod checks the ABI
 * version and the struct size before it calls anything in the plugin, then
 * calls init() with the host API table (stheno/host.h).  Nothing else in the
 * .so is looked up: a plugin never resolves daemon symbols.
 */
#ifndef STHENO_PLUGIN_H
#define STHENO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ABI rule (Varnish/GStreamer): a plugin loads when its abi_major equals the
 * host's and its abi_minor is not above the host's.  Minor versions only ever
 * append members to struct sth_host, each commented with the minor that
 * added it.
 *
 * A plugin's abi_minor is the oldest minor it needs: by default the minor of
 * the headers it is built with, so it uses every member they show freely
 * (the loader refuses it on an older host).  To load on older hosts too,
 * define STHENO_PLUGIN_ABI_MINOR lower before including <stheno/stheno.h>,
 * and test each member newer than it with STH_HOST_HAS before using it.
 * The tables the host and services hand out follow the same scheme: a
 * version that grows with each appended member, the version a client needs
 * checked when it gets the table, newer members tested with STH_EVPOOL_HAS
 * (stheno/evpool.h) or STH_HTTP_HAS (stheno/http.h).
 */
#define STHENO_ABI_MAJOR 1
/* 1.1: host->evpools; 1.2: bind, unbind; 1.3: listener_set_control;
 * 1.4: conn_handover; 1.5: conn_wrap; 1.6: cfg_read, cfg_release;
 * 1.7: event_hold, event_release */
#define STHENO_ABI_MINOR 7

#ifndef STHENO_PLUGIN_ABI_MINOR
#define STHENO_PLUGIN_ABI_MINOR STHENO_ABI_MINOR
#endif
#if STHENO_PLUGIN_ABI_MINOR > STHENO_ABI_MINOR
#error "STHENO_PLUGIN_ABI_MINOR is newer than these headers"
#endif

struct sth_plugin;		/* the host's record of one loaded plugin */
struct sth_host;		/* the host API table, stheno/host.h */

struct sth_plugin_descriptor {
	uint32_t abi_major;	/* STHENO_ABI_MAJOR at build time */
	uint32_t abi_minor;	/* the oldest minor it needs:
				 * STHENO_PLUGIN_ABI_MINOR */
	uint32_t struct_size;	/* sizeof(struct sth_plugin_descriptor) */
	uint32_t flags;		/* STH_PLUGIN_F_* */
	const char *name;	/* [a-z0-9_-]+, unique in a daemon */
	const char *version;	/* free-form, shown by plugin.list */
	const char *description;
	/* NULL-terminated list of plugin names that must be loaded first
	 * (may be NULL).  Unloading one of them is refused while this plugin
	 * is loaded. */
	const char *const *requires;

	/*
	 * init: mandatory.  Called once, after the checks.  `self` is the
	 * plugin's handle for every host call; `host` stays valid until fini
	 * returns.  Return 0 on success.  On failure return -1 after calling
	 * host->fail(self, "why") (or not: the host then says "init failed");
	 * the host releases everything the plugin registered so far, so init
	 * need not unwind by hand.
	 */
	int (*init)(struct sth_plugin *self, const struct sth_host *host);

	/*
	 * drain: optional.  Unload has begun: stop starting new work (the host
	 * has already closed the plugin's listeners).  In-flight work may
	 * go on; the host waits for the plugin's connections and pending
	 * calls to end, within a bound, before forcing them closed.
	 */
	void (*drain)(struct sth_plugin *self);

	/*
	 * fini: mandatory.  Free the plugin's own state.  Resources made
	 * through the host API that are still alive are released by the host
	 * after fini returns, and reported as leaks in the log.
	 */
	void (*fini)(struct sth_plugin *self);
};

/* flags */
#define STH_PLUGIN_F_RESIDENT 0x1 /* never dlclose: unload = disable only */

#define STHENO_PLUGIN_DESCRIPTOR_SYMBOL "sth_plugin_descriptor"

/*
 * STHENO_PLUGIN(name, version, description, requires, init, drain, fini)
 * defines the exported descriptor: ABI major STHENO_ABI_MAJOR, minor
 * STHENO_PLUGIN_ABI_MINOR (the oldest the plugin needs, see above).
 */
#define STHENO_PLUGIN(n, v, d, req, i, dr, f)                                  \
	__attribute__((visibility("default")))                                 \
	const struct sth_plugin_descriptor sth_plugin_descriptor = {           \
		STHENO_ABI_MAJOR, STHENO_PLUGIN_ABI_MINOR,                     \
		(uint32_t)sizeof(struct sth_plugin_descriptor), 0,             \
		(n), (v), (d), (req), (i), (dr), (f)                           \
	}

#ifdef __cplusplus
}
#endif
#endif /* STHENO_PLUGIN_H */
