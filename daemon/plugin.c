/*
 * plugin.c — the loader: find, check, load, unload and reload .so plugins
 * while the loop runs (plugin.h; DESIGN.md decisions 3 and 4;
 * medusa-and-plugins.md §C).
 *
 * Life of a plugin record:
 *
 *   opened --init--> active --unload--> draining --quiet or grace--> stopping
 *     (mapped, checked)          (listeners closed,        (force, fini,
 *                                 drain() called)           leftovers freed)
 *   stopping --audit clean--> unloaded --two loop turns--> lt_dlclose, freed
 *   stopping --audit finds live events--> zombie (kept mapped, reported)
 *
 * Every step after "draining" runs from host-owned events on the loop, never
 * from a stack that holds a frame of the plugin (frames are counted by the
 * trampolines: plugin_enter / plugin_leave).
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
#include "log.h"
#include "net.h"
#include "options.h"
#include "plugin.h"
#include "plugin_trust.h"
#include "rpc.h"
#include "scope.h"
#include "service.h"
#include "sthenod.h"
#include "xmalloc.h"

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

static const char *const plugin_state_names[PS_NSTATES] = {
	[PS_OPENED] = "opened",
	[PS_LOADING] = "loading",
	[PS_ACTIVE] = "active",
	[PS_DRAINING] = "draining",
	[PS_STOPPING] = "stopping",
	[PS_UNLOADED] = "unloaded",
	[PS_ZOMBIE] = "zombie",
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
	void *text;		/* the .so's load address (dladdr's dli_fbase) */
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
static TAILQ_HEAD(plugin_list, sth_plugin) plugins =
    TAILQ_HEAD_INITIALIZER(plugins);

static char *plugin_path;	/* colon-separated folders */
static char *plugin_rundir;	/* private copies live here */
static unsigned long plugin_seq;
static double plugin_grace_secs = 5.0;
static int plugin_ltdl_ready;

static void plugin_step_cb(evutil_socket_t, short, void *);
static void plugin_grace_cb(evutil_socket_t, short, void *);
static void plugin_finish(struct sth_plugin *, int now);
static void plugin_close(struct sth_plugin *);

/* --- accessors for the other host files (scope.h) ----------------------- */

void
plugin_check(const struct sth_plugin *p)
{
	if (p == NULL || p->magic != PLUGIN_MAGIC)
		fatalx("host call with a handle that is not a plugin (%p)",
		    (const void *)p);
}

struct scope *
plugin_scope(struct sth_plugin *p)
{
	return p->scope;
}

const char *
plugin_name(const struct sth_plugin *p)
{
	return p->name;
}

struct sth_plugin *
plugin_replacing(const struct sth_plugin *p)
{
	return p->replacing;
}

int
plugin_enter(struct sth_plugin *p)
{
	switch (p->state) {
	case PS_LOADING:
	case PS_ACTIVE:
	case PS_DRAINING:
	case PS_STOPPING:
		p->depth++;
		return 1;
	default:
		return 0;
	}
}

void
plugin_leave(struct sth_plugin *p)
{
	if (p->depth <= 0)
		fatalx("plugin '%s' left more frames than it entered",
		    p->name);
	p->depth--;
}

void
plugin_set_error(struct sth_plugin *p, const char *msg)
{
	free(p->error);
	p->error = xstrdup(msg);
}

void
plugin_set_data(struct sth_plugin *p, void *data)
{
	plugin_check(p);
	p->data = data;
}

void *
plugin_get_data(struct sth_plugin *p)
{
	plugin_check(p);
	return p->data;
}

/* --- lookups ------------------------------------------------------------- */

static int
plugin_is_live(const struct sth_plugin *p)
{
	return p->state == PS_OPENED || p->state == PS_LOADING ||
	    p->state == PS_ACTIVE;
}

/* The live plugin called name, or NULL. */
static struct sth_plugin *
plugin_find(const char *name)
{
	struct sth_plugin *p;

	TAILQ_FOREACH(p, &plugins, link) {
		if (plugin_is_live(p) && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

static struct sth_plugin *
plugin_by_section(const char *section)
{
	struct sth_plugin *p;

	TAILQ_FOREACH(p, &plugins, link) {
		if (plugin_is_live(p) && p->section != NULL &&
		    strcmp(p->section, section) == 0 &&
		    strncmp(section, "plugin:", 7) == 0)
			return p;
	}
	return NULL;
}

static int
plugin_requires(const struct sth_plugin *p, const char *name)
{
	const char *const *r;

	if (p->d->requires == NULL)
		return 0;
	for (r = p->d->requires; *r != NULL; r++) {
		if (strcmp(*r, name) == 0)
			return 1;
	}
	return 0;
}

/* An active plugin that requires p, other than the one replacing it. */
static struct sth_plugin *
plugin_dependent(const struct sth_plugin *p)
{
	struct sth_plugin *q;

	TAILQ_FOREACH(q, &plugins, link) {
		if (q != p && plugin_is_live(q) && q->replacing != p &&
		    plugin_requires(q, p->name))
			return q;
	}
	return NULL;
}

/* --- the search path and the private copy -------------------------------- */

int
plugins_init(const char *path)
{
	if (path == NULL || *path == '\0')
		path = getenv("STHENO_PLUGIN_PATH");
	if (path == NULL || *path == '\0')
		path = PLUGINDIR;
	free(plugin_path);
	plugin_path = xstrdup(path);
	sth.plugin_path = plugin_path;
	if (!plugin_ltdl_ready) {
		if (lt_dlinit() != 0) {
			log_error("cannot initialise libltdl: %s",
			    lt_dlerror());
			return -1;
		}
		plugin_ltdl_ready = 1;
	}
	return 0;
}

void
plugins_set_grace(double seconds)
{
	plugin_grace_secs = seconds < 0 ? 0 : seconds;
}

/* NAME.so in the first folder of the search path that has it. */
static char *
plugin_search(const char *name, char **err)
{
	char *dirs, *dir, *last = NULL, *file;
	struct stat st;

	if (!trust_valid_name(name)) {
		xasprintf(err, "'%s' is not a plugin name ([a-z0-9_-]+) "
		    "nor a path to a .so", name);
		return NULL;
	}
	dirs = xstrdup(plugin_path != NULL ? plugin_path : PLUGINDIR);
	for (dir = strtok_r(dirs, ":", &last); dir != NULL;
	    dir = strtok_r(NULL, ":", &last)) {
		xasprintf(&file, "%s/%s.so", dir, name);
		/* lstat: a symbolic link is found, and refused by name */
		if (lstat(file, &st) == 0) {
			free(dirs);
			return file;
		}
		free(file);
	}
	free(dirs);
	xasprintf(err, "plugin '%s' is not installed (no %s.so in %s)", name,
	    name, plugin_path != NULL ? plugin_path : PLUGINDIR);
	return NULL;
}

static const char *
plugin_rundir_get(char **err)
{
	const char *tmp;

	if (plugin_rundir != NULL)
		return plugin_rundir;
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	/* mkdtemp, never a predictable name: an existing folder may be
	 * another user's (a swapped .so would run as us) or a stale one left
	 * by a killed daemon whose pid we reuse. */
	xasprintf(&plugin_rundir, "%s/sthenod-%ld.XXXXXX", tmp,
	    (long)getpid());
	if (mkdtemp(plugin_rundir) == NULL) {
		xasprintf(err, "cannot create the plugin copy folder %s: %s",
		    plugin_rundir, strerror(errno));
		free(plugin_rundir);
		plugin_rundir = NULL;
		return NULL;
	}
	return plugin_rundir;
}

/* The descriptor's numbers: read from the file before it is mapped
 * (plugin_copy), and again from the mapped descriptor. */
static const char *
plugin_check_abi(uint32_t major, uint32_t minor, uint32_t size, char *buf,
    size_t len)
{
	if (major != STHENO_ABI_MAJOR) {
		snprintf(buf, len, "it was built for plugin ABI %u.%u and "
		    "sthenod has %u.%u: the major versions must be equal",
		    major, minor, STHENO_ABI_MAJOR, STHENO_ABI_MINOR);
		return buf;
	}
	if (minor > STHENO_ABI_MINOR) {
		snprintf(buf, len, "it needs plugin ABI %u.%u, newer than "
		    "sthenod's %u.%u: upgrade sthenod, or build it for an "
		    "older minor (STHENO_PLUGIN_ABI_MINOR)", major, minor,
		    STHENO_ABI_MAJOR, STHENO_ABI_MINOR);
		return buf;
	}
	if (size < sizeof(struct sth_plugin_descriptor)) {
		snprintf(buf, len, "its descriptor is %u bytes and sthenod "
		    "needs at least %zu: it was not built with STHENO_PLUGIN "
		    "from a compatible SDK", size,
		    sizeof(struct sth_plugin_descriptor));
		return buf;
	}
	return NULL;
}

/* Open the file under the trust rules (plugin_trust.h), copy it from that
 * same fd to the private folder, and check the copy's ELF headers and
 * descriptor numbers: what the dynamic linker then maps has passed. */
static char *
plugin_copy(const char *src, const char *base, char **err)
{
	static const char elf[4] = { 0x7f, 'E', 'L', 'F' };
	struct stat st;
	const char *dir, *bad;
	char magic[4], *dst = NULL, why[256];
	uint32_t abi[3];
	off_t off = 0;
	ssize_t n;
	int in, out = -1;

	if ((in = trust_open(src, &st, err)) == -1)
		return NULL;
	if (pread(in, magic, 4, 0) != 4 || memcmp(magic, elf, 4) != 0) {
		xasprintf(err, "%s is not a plugin: not an ELF shared object",
		    src);
		goto fail;
	}
	if ((dir = plugin_rundir_get(err)) == NULL)
		goto fail;
	xasprintf(&dst, "%s/%s.%lu.%lu.so", dir, base,
	    (unsigned long)st.st_ino, ++plugin_seq);
	out = open(dst, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out == -1) {
		xasprintf(err, "cannot copy plugin file %s to %s: %s", src,
		    dst, strerror(errno));
		goto fail;
	}
	/* in the kernel: a 64 KiB buffer on the stack stayed resident */
	while (off < st.st_size) {
		n = sendfile(out, in, &off, (size_t)(st.st_size - off));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			xasprintf(err, "cannot copy plugin file %s to %s: %s",
			    src, dst, n == 0 ? "file shrank while copied" :
			    strerror(errno));
			goto fail;
		}
	}
	if (trust_check_elf(out, (uint64_t)st.st_size, src, abi, err) != 0)
		goto fail;
	if ((bad = plugin_check_abi(abi[0], abi[1], abi[2], why,
	    sizeof why)) != NULL) {
		xasprintf(err, "refusing plugin file %s: %s", src, bad);
		goto fail;
	}
	if (close(out) != 0) {
		out = -1;
		xasprintf(err, "cannot copy plugin file %s to %s: %s", src,
		    dst, strerror(errno));
		goto fail;
	}
	close(in);
	return dst;
fail:
	if (out != -1)
		close(out);
	if (dst != NULL)
		unlink(dst);
	free(dst);
	close(in);
	return NULL;
}

/* --- open: map the copy and check the descriptor ------------------------- */

static const char *
plugin_check_descriptor(const struct sth_plugin_descriptor *d, char *buf,
    size_t len)
{
	const char *bad;

	if ((bad = plugin_check_abi(d->abi_major, d->abi_minor,
	    d->struct_size, buf, len)) != NULL)
		return bad;
	if (!trust_valid_name(d->name))
		return "its descriptor has no valid name ([a-z0-9_-]+)";
	if (d->init == NULL)
		return "its descriptor has no init function";
	if (d->fini == NULL)
		return "its descriptor has no fini function";
	return NULL;
}

static void
plugin_free(struct sth_plugin *p)
{
	if (p->step != NULL)
		event_free(p->step);
	if (p->grace != NULL)
		event_free(p->grace);
	scope_free(p->scope);
	p->magic = 0;
	free(p->name);
	free(p->src);
	free(p->copy);
	free(p->section);
	free(p->error);
	json_decref(p->cfg);
	free(p);
}

static json_t *plugin_config_sig(const char *);
static void plugin_poke(struct sth_plugin *);
static void plugin_poke_others(struct sth_plugin *);

static void
plugin_scope_changed(void *arg)
{
	struct sth_plugin *p = arg;

	if (p->state != PS_DRAINING)
		return;
	plugin_poke(p);
	plugin_poke_others(p);
}

/*
 * Resolve name_or_path, copy, map and check: a record in state "opened",
 * not yet in the list.  replacing (a reload) is exempt from the name
 * uniqueness check.
 */
static struct sth_plugin *
plugin_open(const char *name_or_path, struct sth_plugin *replacing,
    char **err)
{
	const struct sth_plugin_descriptor *d;
	struct sth_plugin *p, *other;
	lt_dladvise advise;
	lt_dlhandle h = NULL;
	Dl_info info;
	char *src, *copy = NULL, *base, *dot, why[256];
	const char *bad, *slash;

	*err = NULL;
	if (!plugin_ltdl_ready && plugins_init(NULL) != 0) {
		*err = xstrdup("cannot initialise libltdl");
		return NULL;
	}
	if (strchr(name_or_path, '/') != NULL)
		src = xstrdup(name_or_path);
	else if ((src = plugin_search(name_or_path, err)) == NULL)
		return NULL;
	slash = strrchr(src, '/');
	base = xstrdup(slash != NULL ? slash + 1 : src);
	if ((dot = strstr(base, ".so")) != NULL)
		*dot = '\0';
	copy = plugin_copy(src, base, err);
	free(base);
	if (copy == NULL)
		goto fail;

	if (lt_dladvise_init(&advise) != 0 || lt_dladvise_local(&advise) != 0)
		fatalx("lt_dladvise: %s", lt_dlerror());
	h = lt_dlopenadvise(copy, advise);
	lt_dladvise_destroy(&advise);
	if (h == NULL) {
		xasprintf(err, "cannot load plugin file %s: %s", src,
		    lt_dlerror());
		goto fail;
	}
	d = lt_dlsym(h, STHENO_PLUGIN_DESCRIPTOR_SYMBOL);
	if (d == NULL) {
		xasprintf(err, "%s is not a stheno plugin: it does not export "
		    "%s", src, STHENO_PLUGIN_DESCRIPTOR_SYMBOL);
		goto fail;
	}
	if ((bad = plugin_check_descriptor(d, why, sizeof why)) != NULL) {
		xasprintf(err, "refusing plugin file %s: %s", src, bad);
		goto fail;
	}
	if (strchr(name_or_path, '/') == NULL &&
	    strcmp(d->name, name_or_path) != 0) {
		xasprintf(err, "refusing plugin file %s: it calls itself '%s', "
		    "not '%s'", src, d->name, name_or_path);
		goto fail;
	}
	if ((other = plugin_find(d->name)) != NULL && other != replacing) {
		xasprintf(err, "plugin '%s' is already loaded (from %s)",
		    d->name, other->src);
		goto fail;
	}
	if (dladdr(d, &info) == 0 || info.dli_fbase == NULL)
		fatalx("dladdr cannot place the descriptor of %s", src);

	p = xcalloc(1, sizeof *p);
	p->magic = PLUGIN_MAGIC;
	p->state = PS_OPENED;
	p->d = d;
	p->name = xstrdup(d->name);
	p->src = src;
	p->copy = copy;
	p->handle = h;
	p->text = info.dli_fbase;
	p->replacing = replacing;
	p->seq = plugin_seq;
	p->scope = scope_new(plugin_scope_changed, p);
	return p;
fail:
	if (h != NULL)
		lt_dlclose(h);
	if (copy != NULL)
		unlink(copy);
	free(copy);
	free(src);
	return NULL;
}

/* A record that never ran: unmap it now. */
static void
plugin_discard(struct sth_plugin *p)
{
	lt_dlclose(p->handle);
	unlink(p->copy);
	plugin_free(p);
}

/* --- init, and unwinding a failed one ------------------------------------ */

/* Release whatever is left in p's scope; warn (leak = 1) or not. */
static void
plugin_release(struct sth_plugin *p, int leak)
{
	static const enum scope_kind order[] = {
		SCOPE_LISTENER, SCOPE_CONN, SCOPE_DEFER, SCOPE_CALL,
		SCOPE_BINDING, SCOPE_TIMER, SCOPE_WATCH, SCOPE_METHOD, SCOPE_SUB,
		SCOPE_SERVICE, SCOPE_VFS,
	};
	size_t i;
	unsigned n;
	int m;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		n = scope_release(p->scope, order[i]);
		if (n != 0 && leak)
			log_warn("plugin '%s' left %u %s behind at unload; "
			    "sthenod released them", p->name, n,
			    scope_kind_name(order[i]));
	}
	/* Backstops: anything the registries hold that bypassed the table. */
	if ((m = rpc_unregister_owner(p)) != 0)
		log_warn("plugin '%s': %d more RPC methods released", p->name,
		    m);
	rpc_cancel_owner(p);
	if ((m = bus_unsubscribe_owner(p)) != 0)
		log_warn("plugin '%s': %d more subscriptions released",
		    p->name, m);
	service_drop_owner(p);
	if ((m = hostapi_unbind_provider(p)) != 0)
		log_warn("plugin '%s' kept %d binding(s) of other plugins "
		    "past its fini; sthenod released them", p->name, m);
}

struct plugin_audit {
	void *text;
	int found;
	void *first;
};

static int
plugin_audit_cb(const struct event_base *base, const struct event *ev,
    void *arg)
{
	struct plugin_audit *a = arg;
	union {
		event_callback_fn fn;
		void *ptr;
	} cb;
	Dl_info info;

	cb.ptr = NULL;
	cb.fn = event_get_callback(ev);
	if (cb.ptr != NULL && dladdr(cb.ptr, &info) != 0 &&
	    info.dli_fbase == a->text) {
		if (a->found++ == 0)
			a->first = cb.ptr;
	}
	return 0;
}

/* After fini: any live event whose callback lies in the .so keeps it
 * mapped.  Returns the number of such events. */
static int
plugin_audit(struct sth_plugin *p)
{
	struct plugin_audit a = { p->text, 0, NULL };
	Dl_info info;
	const char *sym = "?";

	if (sth.base == NULL)
		return 0;
	event_base_foreach_event(sth.base, plugin_audit_cb, &a);
	if (a.found != 0) {
		if (dladdr(a.first, &info) != 0 && info.dli_sname != NULL)
			sym = info.dli_sname;
		log_error("plugin '%s': %d live event(s) still call into it "
		    "after fini (first: %p, %s); keeping it mapped as a "
		    "zombie", p->name, a.found, a.first, sym);
	}
	return a.found;
}

/* The end of a record that ran: release, audit, then close from the loop. */
static void
plugin_bury(struct sth_plugin *p, int leak, int now)
{
	struct timeval zero = { 0, 0 };

	p->state = PS_UNLOADED;
	plugin_release(p, leak);
	if (plugin_audit(p) != 0) {
		p->state = PS_ZOMBIE;
		return;
	}
	if (now || sth.base == NULL) {
		plugin_close(p);
		return;
	}
	p->hops = 2;
	if (p->step == NULL)
		p->step = evtimer_new(sth.base, plugin_step_cb, p);
	evtimer_add(p->step, &zero);
}

static int
plugin_init(struct sth_plugin *p, char **err)
{
	const char *const *r;
	struct sth_plugin *dep;
	int rc;

	for (r = p->d->requires; r != NULL && *r != NULL; r++) {
		dep = plugin_find(*r);
		if (dep == NULL || dep->state != PS_ACTIVE) {
			xasprintf(err, "plugin '%s' requires '%s', which is "
			    "not loaded: load '%s' first", p->name, *r, *r);
			return -1;
		}
	}
	if (p->step == NULL && sth.base != NULL)
		p->step = evtimer_new(sth.base, plugin_step_cb, p);
	p->state = PS_LOADING;
	p->depth++;
	rc = p->d->init(p, hostapi_table());
	p->depth--;
	if (rc == 0) {
		p->state = PS_ACTIVE;
		p->cfg = plugin_config_sig(p->name);
		return 0;
	}
	xasprintf(err, "plugin '%s' failed to initialise: %s", p->name,
	    p->error != NULL ? p->error : "init failed");
	if (p->replacing != NULL)
		hostapi_settle(p, 0);
	p->state = PS_STOPPING;
	plugin_bury(p, 0, 0);
	return -1;
}

/* --- loading a set in dependency order ----------------------------------- */

struct plugin_want {
	char *what;		/* name or path */
	char *section;		/* config section that wants it, or NULL */
	int implied;		/* brought in by a supervisor section */
	struct sth_plugin *p;	/* once opened */
	int mark;		/* 0 new, 1 visiting, 2 done */
	int failed;
	int chased;		/* added for a section's requirement */
};

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
			if ((w[n].p = plugin_open(*r, NULL, &why)) == NULL) {
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
static int
plugin_load_wants(struct plugin_want **wp, size_t *np, int fail_fast,
    char **err)
{
	struct plugin_want **order, *w = *wp;
	size_t i, k, n = *np, norder = 0;
	char *why = NULL, *chain = NULL;
	int rc = 0;

	*err = NULL;
	for (i = 0; i < n; i++) {
		if (plugin_want_find(w, i, w[i].what) != NULL) {
			w[i].failed = 1;	/* asked twice: once is enough */
			continue;
		}
		w[i].p = plugin_open(w[i].what, NULL, &why);
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
		if (w[i].implied && strstr(why, "is not installed") != NULL) {
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

/* --- unload -------------------------------------------------------------- */

/* Run p's step on the next loop turn, if it is draining. */
static void
plugin_poke(struct sth_plugin *p)
{
	struct timeval zero = { 0, 0 };

	if (p->state == PS_DRAINING && p->step != NULL &&
	    !evtimer_pending(p->step, NULL))
		evtimer_add(p->step, &zero);
}

/* Something p's draining neighbours wait for changed: p's connections
 * (its superseded consumers wait for none to be left), or p is gone (its
 * providers wait for their users).  A handful of plugins: walk them all. */
static void
plugin_poke_others(struct sth_plugin *p)
{
	struct sth_plugin *q;

	TAILQ_FOREACH(q, &plugins, link) {
		if (q != p)
			plugin_poke(q);
	}
}

static int
plugin_quiet(struct sth_plugin *p)
{
	return p->wait_for == NULL &&
	    scope_count(p->scope, SCOPE_CONN) == 0 &&
	    scope_count(p->scope, SCOPE_DEFER) == 0 &&
	    scope_count(p->scope, SCOPE_CALL) == 0 &&
	    rpc_pending_owner(p) == 0 &&
	    service_users(p, NULL, NULL) == 0;
}

/* New work no longer reaches p; what it has in hand finishes. */
static void
plugin_retire(struct sth_plugin *p, const char *why)
{
	p->state = PS_DRAINING;
	log_info("plugin '%s' unloading%s", p->name, why);
	rpc_retire_owner(p);
	service_retire_owner(p);
	net_listeners_close(p);
	if (sth.base != NULL && p->step == NULL)
		p->step = evtimer_new(sth.base, plugin_step_cb, p);
}

/* Tell p to stop starting new work, and bound the wait for the rest. */
static void
plugin_drain(struct sth_plugin *p)
{
	struct timeval zero = { 0, 0 }, tv;

	p->wait_for = NULL;
	if (p->d->drain != NULL) {
		p->depth++;
		p->d->drain(p);
		p->depth--;
	}
	if (sth.base == NULL)
		return;
	if (p->grace == NULL)
		p->grace = evtimer_new(sth.base, plugin_grace_cb, p);
	tv.tv_sec = (time_t)plugin_grace_secs;
	tv.tv_usec = (suseconds_t)((plugin_grace_secs - tv.tv_sec) * 1e6);
	evtimer_add(p->grace, &tv);
	evtimer_add(p->step, &zero);
}

static void
plugin_begin_unload(struct sth_plugin *p)
{
	plugin_retire(p, "");
	plugin_drain(p);
}

/*
 * A consumer whose provider was reloaded: the old provider's connections
 * still dispatch to it, so it drains (and its grace starts) only once that
 * provider has no connection left; until then requests in hand and on
 * those connections are answered as before.
 */
static void
plugin_supersede(struct sth_plugin *p, struct sth_plugin *provider)
{
	struct timeval zero = { 0, 0 };

	plugin_retire(p, ", superseded by the reload of its provider");
	p->wait_for = provider;
	if (p->step != NULL)
		evtimer_add(p->step, &zero);
}

/* A draining plugin that waits for p or holds one of its services. */
static struct sth_plugin *
plugin_draining_user(struct sth_plugin *p)
{
	struct sth_plugin *q;

	TAILQ_FOREACH(q, &plugins, link) {
		if (q != p && q->state == PS_DRAINING &&
		    (q->wait_for == p || service_user_of(q, p)))
			return q;
	}
	return NULL;
}

/* force → fini → release leftovers → audit → (deferred) close */
static void
plugin_finish(struct sth_plugin *p, int now)
{
	struct sth_plugin *q;
	unsigned n;

	if (p->grace != NULL)
		evtimer_del(p->grace);
	p->state = PS_STOPPING;
	p->wait_for = NULL;
	/* Its draining users go first: their fini may still call into it. */
	while ((q = plugin_draining_user(p)) != NULL) {
		log_warn("plugin '%s' is still used by '%s'; unloading '%s' "
		    "first", p->name, q->name, q->name);
		plugin_finish(q, now);
	}
	if ((n = net_conn_force_close(p)) != 0)
		log_warn("plugin '%s': closed %u connection(s) still open "
		    "after the unload grace period", p->name, n);
	scope_release(p->scope, SCOPE_DEFER);
	scope_release(p->scope, SCOPE_CALL);
	rpc_cancel_owner(p);
	p->depth++;
	p->d->fini(p);
	p->depth--;
	plugin_bury(p, 1, now);
	plugin_poke_others(p);
}

static void
plugin_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_plugin *p = arg;
	struct timeval zero = { 0, 0 }, poll = { 0, 50000 };

	if (p->depth > 0) {		/* a frame of it is below us */
		evtimer_add(p->step, &zero);
		return;
	}
	switch (p->state) {
	case PS_DRAINING:
		if (p->wait_for != NULL) {
			/* woken again when the provider's count changes */
			if (p->wait_for->state == PS_DRAINING &&
			    scope_count(p->wait_for->scope, SCOPE_CONN) != 0)
				break;
			plugin_drain(p);
			break;
		}
		if (plugin_quiet(p))
			plugin_finish(p, 0);
		else if (scope_count(p->scope, SCOPE_CONN) == 0 &&
		    scope_count(p->scope, SCOPE_DEFER) == 0 &&
		    scope_count(p->scope, SCOPE_CALL) == 0 &&
		    service_users(p, NULL, NULL) == 0)
			/* only answers owed to RPC callers: no event tells
			 * us when they are done */
			evtimer_add(p->step, &poll);
		break;
	case PS_UNLOADED:
		if (--p->hops > 0)
			evtimer_add(p->step, &zero);
		else
			plugin_close(p);
		break;
	default:
		break;
	}
}

static void
plugin_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_plugin *p = arg;
	struct timeval zero = { 0, 0 };

	if (p->state != PS_DRAINING)
		return;
	if (p->depth > 0) {
		evtimer_add(p->grace, &zero);
		return;
	}
	plugin_finish(p, 0);
}

static void
plugin_close(struct sth_plugin *p)
{
	if (lt_dlclose(p->handle) != 0)
		log_warn("plugin '%s': lt_dlclose: %s", p->name, lt_dlerror());
	unlink(p->copy);
	log_info("plugin '%s' unloaded", p->name);
	TAILQ_REMOVE(&plugins, p, link);
	plugin_free(p);
}

int
plugin_unload(const char *name, char **err)
{
	struct sth_plugin *p, *q, *user = NULL;
	const char *svc = NULL;

	*err = NULL;
	if ((p = plugin_find(name)) == NULL) {
		xasprintf(err, "plugin '%s' is not loaded", name);
		return -1;
	}
	if (p->state != PS_ACTIVE) {
		xasprintf(err, "plugin '%s' is still initialising", name);
		return -1;
	}
	if ((q = plugin_dependent(p)) != NULL) {
		xasprintf(err, "plugin '%s' is required by '%s': unload '%s' "
		    "first", name, q->name, q->name);
		return -1;
	}
	if (service_users(p, &user, &svc) != 0 && user != NULL) {
		xasprintf(err, "plugin '%s' is in use by '%s' (service '%s'): "
		    "unload '%s' first", name, user->name, svc, user->name);
		return -1;
	}
	plugin_begin_unload(p);
	return 0;
}

/* 1 if q needs p: it requires p by name or holds one of p's services. */
static int
plugin_needs(struct sth_plugin *q, struct sth_plugin *p)
{
	return plugin_requires(q, p->name) || service_user_of(q, p);
}

/*
 * The plugins a reload of root must take along: root, then every active
 * plugin that needs one of them (a consumer holds pointers into the
 * provider it was bound to), providers before their consumers.  Returns
 * how many, at most max.
 */
static size_t
plugin_cohort(struct sth_plugin *root, struct sth_plugin **set, size_t max)
{
	struct sth_plugin *q;
	size_t n = 1, i, j, placed;
	int grew = 1, ready;

	set[0] = root;
	while (grew && n < max) {	/* the closure */
		grew = 0;
		TAILQ_FOREACH(q, &plugins, link) {
			if (q->state != PS_ACTIVE || n == max)
				continue;
			for (i = 0; i < n && set[i] != q; i++)
				;
			if (i < n)
				continue;
			for (i = 0; i < n && !plugin_needs(q, set[i]); i++)
				;
			if (i < n) {
				set[n++] = q;
				grew = 1;
			}
		}
	}
	/* a topological order: place a member once those it needs are */
	for (placed = 1; placed < n; placed++) {
		for (i = placed; i < n; i++) {
			ready = 1;
			for (j = placed; j < n && ready; j++)
				if (j != i && plugin_needs(set[i], set[j]))
					ready = 0;
			if (ready)
				break;
		}
		if (i == n)	/* a cycle among consumers: keep list order */
			break;
		q = set[i];
		memmove(&set[placed + 1], &set[placed],
		    (i - placed) * sizeof set[0]);
		set[placed] = q;
	}
	return n;
}

/* A new version that initialised but must not stay: undo its takeover and
 * unload it at once (its own consumers are gone already). */
static void
plugin_rollback(struct sth_plugin *p)
{
	hostapi_settle(p, 0);
	p->replacing = NULL;
	plugin_retire(p, " (rolled back)");
	plugin_finish(p, 0);
}

/* Make doc the config in force (sth.ini); returns the one it replaces. */
static struct ini_doc *
plugin_config_swap(struct ini_doc *doc)
{
	struct ini_doc *prev = sth.ini;

	sth.ini = doc;
	hostapi_config_reset();
	return prev;
}

/*
 * Reload name, and with it every plugin bound to it (plugin_cohort), in
 * one loop turn.  The config file is read again first, so that the new
 * versions see their sections as they are now (plugin.reload is how an
 * option change applies); if any refuses its options, the old config
 * stays in force with the old versions.  Then: each new version is loaded beside the old one and takes
 * over its names and sockets, consumers bind to the new provider, and no
 * request is dispatched in between.  If any fails, every new version is
 * rolled back and the old ones keep serving.  Then the old provider
 * drains; its old consumers answer what its connections still bring and
 * drain after it (plugin_supersede).
 */
int
plugin_reload(const char *name, char **err)
{
	struct sth_plugin *old, *set[32], *neu[32];
	struct ini_doc *doc = NULL, *prev = NULL;
	char *why = NULL;
	size_t n, i, k;

	*err = NULL;
	if ((old = plugin_find(name)) == NULL || old->state != PS_ACTIVE) {
		xasprintf(err, "plugin '%s' is not loaded", name);
		return -1;
	}
	if (sth.opts != NULL) {
		if ((doc = options_reread(NULL, &why)) == NULL) {
			xasprintf(err, "reload of plugin '%s' refused, the "
			    "loaded version keeps serving: %s", name, why);
			free(why);
			return -1;
		}
		prev = plugin_config_swap(doc);
	}
	n = plugin_cohort(old, set, sizeof set / sizeof set[0]);
	for (k = 0; k < n; k++) {
		if ((neu[k] = plugin_open(set[k]->src, set[k], &why)) == NULL)
			break;
		if (strcmp(neu[k]->name, set[k]->name) != 0) {
			xasprintf(&why, "the file %s now holds plugin '%s'",
			    set[k]->src, neu[k]->name);
			plugin_discard(neu[k]);
			break;
		}
		if (set[k]->section != NULL)
			neu[k]->section = xstrdup(set[k]->section);
		TAILQ_INSERT_TAIL(&plugins, neu[k], link);
		if (plugin_init(neu[k], &why) != 0)
			break;
	}
	if (k < n) {
		while (k-- > 0)
			plugin_rollback(neu[k]);
		if (doc != NULL)
			ini_free(plugin_config_swap(prev));
		xasprintf(err, "reload of plugin '%s' failed, the loaded "
		    "version keeps serving: %s", name, why);
		free(why);
		return -1;
	}
	if (prev != NULL)
		ini_free(prev);
	for (i = 0; i < n; i++) {
		hostapi_settle(neu[i], 1);
		neu[i]->replacing = NULL;
		log_info("plugin '%s' reloaded from %s (%s replaces %s)%s%s",
		    neu[i]->name, neu[i]->src,
		    neu[i]->d->version != NULL ? neu[i]->d->version : "?",
		    set[i]->d->version != NULL ? set[i]->d->version : "?",
		    i > 0 ? ", with " : "", i > 0 ? name : "");
	}
	plugin_begin_unload(old);
	for (i = 1; i < n; i++)
		plugin_supersede(set[i], old);
	return 0;
}

/* --- config -------------------------------------------------------------- */

static void
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

/*
 * The config policy, as data: the plugins that supervisor's sections (and
 * Stheno's [http_server:x]) bring without a [plugin:NAME] of their own.
 * `unit` marks the sections whose changes reread and update apply live
 * (by reloading the plugin); supervisord's own need a restart there too.
 */
static const struct plugin_implied {
	const char *section;	/* a name, or a prefix ending in ':' */
	const char *plugins[4];
	int unit;
} plugin_implied[] = {
	{ "unix_http_server", { "http", "xmlrpc", "webui", NULL }, 0 },
	{ "inet_http_server", { "http", "xmlrpc", "webui", NULL }, 0 },
	{ "http_server:", { "http", NULL }, 1 },
	{ "eventlistener:", { "eventlistener", NULL }, 0 },
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

static void
plugin_wants_free(struct plugin_want *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].what);
		free(w[i].section);
	}
	free(w);
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
static json_t *
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

/*
 * update's addProcessGroup of a unit: the config file is read again and
 * put in force, then the unit's plugin is reloaded (it was loaded: its
 * section changed) or loaded with what it requires.  A failure puts the
 * old config back.
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
		return plugin_reload(name, err);
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
	if (rc != 0)
		ini_free(plugin_config_swap(prev));
	else if (prev != NULL)
		ini_free(prev);
	return rc;
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

/* --- listing and shutdown ------------------------------------------------ */

json_t *
plugin_list(void)
{
	struct sth_plugin *p, *q, *user;
	const char *const *r;
	const char *svc;
	json_t *a, *o, *req, *used, *res;
	int k;

	a = json_array();
	TAILQ_FOREACH(p, &plugins, link) {
		req = json_array();
		for (r = p->d->requires; r != NULL && *r != NULL; r++)
			json_array_append_new(req, json_string(*r));
		used = json_array();
		TAILQ_FOREACH(q, &plugins, link) {
			if (q != p && plugin_is_live(q) &&
			    plugin_requires(q, p->name))
				json_array_append_new(used,
				    json_string(q->name));
		}
		user = NULL;
		if (service_users(p, &user, &svc) != 0 && user != NULL &&
		    !plugin_requires(user, p->name))
			json_array_append_new(used, json_string(user->name));
		res = json_object();
		for (k = 0; k < SCOPE_NKINDS; k++)
			json_object_set_new(res, scope_kind_name(k),
			    json_integer(scope_count(p->scope, k)));
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
		    "name", p->name,
		    "version", p->d->version != NULL ? p->d->version : "",
		    "description",
		    p->d->description != NULL ? p->d->description : "",
		    "state", plugin_state_names[p->state],
		    "path", p->src,
		    "copy", p->copy,
		    "requires", req, "used_by", used, "resources", res);
		if (o == NULL)
			fatalx("json_pack failed for plugin '%s'", p->name);
		json_array_append_new(a, o);
	}
	return a;
}

void
plugins_shutdown(void)
{
	struct sth_plugin *p, *next;
	int progress = 1;

	/* Unload, dependents first: an active plugin nobody requires. */
	while (progress) {
		progress = 0;
		TAILQ_FOREACH_SAFE(p, &plugins, link, next) {
			if (p->state != PS_ACTIVE || plugin_dependent(p) ||
			    service_users(p, NULL, NULL) != 0)
				continue;
			plugin_begin_unload(p);
			plugin_finish(p, 1);
			progress = 1;
			break;
		}
	}
	TAILQ_FOREACH_SAFE(p, &plugins, link, next) {
		switch (p->state) {
		case PS_ACTIVE:		/* a dependency cycle: cannot be */
		case PS_DRAINING:
			plugin_finish(p, 1);
			break;
		case PS_UNLOADED:
			plugin_close(p);
			break;
		default:		/* zombies stay mapped to the end */
			unlink(p->copy);
			break;
		}
	}
	if (plugin_rundir != NULL) {
		rmdir(plugin_rundir);
		free(plugin_rundir);
		plugin_rundir = NULL;
	}
}
