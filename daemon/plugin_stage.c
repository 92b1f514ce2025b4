/*
 * plugin_stage.c — making a plugin record: the search path, the trust
 * checks (plugin_trust.h), the private copy, lt_dlopen, and the checks of
 * the descriptor before any of the plugin's code is called (plugin_int.h).
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

char *plugin_path;		/* colon-separated folders */
static char *plugin_rundir;	/* private copies live here */
static unsigned long plugin_seq;
static int plugin_ltdl_ready;

/* Extra folders add to the installed one, never replace it: --plugin-dir,
 * then $STHENO_PLUGIN_PATH, then PLUGINDIR, searched in that order (so a
 * plugin of your own shadows an installed one of the same name, and the
 * installed http, xmlrpc, ... stay found). */
int
plugins_init(const char *path)
{
	const char *env = getenv("STHENO_PLUGIN_PATH");

	free(plugin_path);
	xasprintf(&plugin_path, "%s%s%s%s%s",
	    path != NULL && *path != '\0' ? path : "",
	    path != NULL && *path != '\0' ? ":" : "",
	    env != NULL && *env != '\0' ? env : "",
	    env != NULL && *env != '\0' ? ":" : "", PLUGINDIR);
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

/* NAME.so in the first folder of the search path that has it (*missing
 * set when none has). */
static char *
plugin_search(const char *name, int *missing, char **err)
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
	if (missing != NULL)
		*missing = 1;
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

void
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

/*
 * Resolve name_or_path, copy, map and check: a record in state "opened",
 * not yet in the list.  replacing (a reload) is exempt from the name
 * uniqueness check.
 */
struct sth_plugin *
plugin_open(const char *name_or_path, struct sth_plugin *replacing,
    int *missing, char **err)
{
	const struct sth_plugin_descriptor *d;
	struct sth_plugin *p, *other;
	lt_dladvise advise;
	lt_dlhandle h = NULL;
	Dl_info info;
	char *src, *copy = NULL, *base, *dot, why[256];
	const char *bad, *slash;

	*err = NULL;
	if (missing != NULL)
		*missing = 0;
	if (!plugin_ltdl_ready && plugins_init(NULL) != 0) {
		*err = xstrdup("cannot initialise libltdl");
		return NULL;
	}
	if (strchr(name_or_path, '/') != NULL)
		src = xstrdup(name_or_path);
	else if ((src = plugin_search(name_or_path, missing, err)) == NULL)
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
void
plugin_discard(struct sth_plugin *p)
{
	lt_dlclose(p->handle);
	unlink(p->copy);
	plugin_free(p);
}

void
plugin_stage_fini(void)
{
	if (plugin_rundir != NULL) {
		rmdir(plugin_rundir);
		free(plugin_rundir);
		plugin_rundir = NULL;
	}
}
