/*
 * plugin_trust.c — the rules a file passes before sthenod maps it as a
 * plugin, and the one form a live load request may take (plugin_trust.h).
 *
 * The folder walk opens each component of the folder's real path with
 * O_PATH | O_NOFOLLOW from its checked parent (openat), so what is checked
 * is what is opened: a component swapped for a symbolic link after
 * realpath is refused, not followed.  The file is first opened O_PATH and
 * fstat'ed (a FIFO or a device is refused without being opened for
 * reading), then opened for reading with O_NOFOLLOW | O_NONBLOCK and
 * fstat'ed again; the caller reads and copies from that fd only.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stheno/plugin.h>

#include "elf_check.h"
#include "expand.h"
#include "ini.h"
#include "plugin_trust.h"
#include "sthenod.h"
#include "xmalloc.h"

/* Says nothing about what was asked for: an RPC caller learns no more
 * about the file system by asking for /root/.bashrc than for /nonexistent. */
#define TRUST_NOT_A_NAME \
	"refused: plugin.load takes a plugin name ([a-z0-9_-]+), the NAME.so " \
	"of a plugin folder or the path= of a [plugin:NAME] section in the " \
	"config file, never a path"

#define TRUST_STRICT \
	"every folder from / to a plugin must belong to root or sthenod's " \
	"user, and only they may write it"

/* sthenod's user: our own, unless stheno-plugin-check asks about another */
static uid_t trust_uid = (uid_t)-1;

void
trust_set_uid(uid_t uid)
{
	trust_uid = uid;
}

static uid_t
trust_self(void)
{
	return trust_uid != (uid_t)-1 ? trust_uid : geteuid();
}

int
trust_valid_name(const char *name)
{
	const char *c;

	if (name == NULL || *name == '\0' || strlen(name) > 64)
		return 0;
	for (c = name; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    *c == '_' || *c == '-'))
			return 0;
	}
	return 1;
}

int
trust_config_path(const struct ini_section *s, char **path, char **err)
{
	struct ini_entry *e;
	json_t *vars;

	*path = NULL;
	if ((e = ini_entry_find(s, "path")) == NULL)
		return 0;
	vars = expand_vars(sth.env_vars, ini_entry_here(e), NULL);
	*path = expand(ini_entry_value(e), "path", vars, err);
	json_decref(vars);
	return *path == NULL ? -1 : 0;
}

int
trust_live_request(const struct ini_doc *doc, const char *what, char **path,
    char **err)
{
	const struct ini_section *s;
	char *section;
	int rc = 0;

	*path = NULL;
	if (!trust_valid_name(what)) {
		*err = xstrdup(TRUST_NOT_A_NAME);
		return -1;
	}
	if (doc == NULL)
		return 0;
	xasprintf(&section, "plugin:%s", what);
	if ((s = ini_find(doc, section)) != NULL)
		rc = trust_config_path(s, path, err);
	free(section);
	return rc;
}

/* Owned by root or us, and nobody else may write it (a sticky folder
 * only if root or we own it: then only an entry's owner replaces it). */
static const char *
trust_mode_fault(const struct stat *st, int folder, char *buf, size_t len)
{
	if (st->st_uid != 0 && st->st_uid != trust_self()) {
		snprintf(buf, len, "owned by uid %ld, neither root nor "
		    "sthenod's user", (long)st->st_uid);
		return buf;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(folder && (st->st_mode & S_ISVTX) != 0)) {
		snprintf(buf, len, "group- or world-writable (mode %04o)",
		    (unsigned)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

/* The real path of path's folder, opened O_PATH after checking every
 * folder from / down; -1 with *err. */
static int
trust_open_folder(const char *path, const char *folder, char **err)
{
	char *real, *rest, *comp, *walked, *next, buf[96];
	const char *fault;
	struct stat st;
	int dfd, nfd, e;

	if ((real = realpath(folder, NULL)) == NULL) {
		xasprintf(err, "cannot open plugin file %s: its folder: %s",
		    path, strerror(errno));
		return -1;
	}
	walked = xstrdup("/");
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	rest = real;
	for (;;) {
		if (dfd == -1 || fstat(dfd, &st) != 0) {
			xasprintf(err, "cannot open plugin file %s: folder "
			    "%s: %s", path, walked, strerror(errno));
			goto fail;
		}
		if ((fault = trust_mode_fault(&st, 1, buf, sizeof buf)) !=
		    NULL) {
			xasprintf(err, "refusing plugin file %s: folder %s is "
			    "%s; %s", path, walked, fault, TRUST_STRICT);
			goto fail;
		}
		while ((comp = strsep(&rest, "/")) != NULL && *comp == '\0')
			;
		if (comp == NULL)
			break;
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		e = errno;
		close(dfd);
		dfd = nfd;
		errno = e;
		xasprintf(&next, "%s%s%s", walked, walked[1] == '\0' ? "" :
		    "/", comp);
		free(walked);
		walked = next;
	}
	free(walked);
	free(real);
	return dfd;
fail:
	if (dfd != -1)
		close(dfd);
	free(walked);
	free(real);
	return -1;
}

static int
trust_file_fault(const char *path, const struct stat *st, char **err)
{
	char buf[96];
	const char *fault;

	if (S_ISLNK(st->st_mode)) {
		xasprintf(err, "refusing plugin file %s: it is a symbolic "
		    "link (install the file itself)", path);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		xasprintf(err, "plugin file %s is not a regular file", path);
		return -1;
	}
	if ((fault = trust_mode_fault(st, 0, buf, sizeof buf)) != NULL) {
		xasprintf(err, "refusing plugin file %s: it is %s", path,
		    fault);
		return -1;
	}
	return 0;
}

int
trust_open(const char *path, struct stat *st, char **err)
{
	const char *slash = strrchr(path, '/');
	char *folder;
	struct stat first;
	int dfd, pfd, fd = -1;

	if (slash == NULL)
		folder = xstrdup(".");
	else if (slash == path)
		folder = xstrdup("/");
	else
		folder = xstrndup(path, (size_t)(slash - path));
	dfd = trust_open_folder(path, folder, err);
	free(folder);
	if (dfd == -1)
		return -1;
	slash = slash != NULL ? slash + 1 : path;
	/* O_PATH first: a FIFO or a device is refused, never opened */
	if ((pfd = openat(dfd, slash, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(pfd, &first) != 0) {
		xasprintf(err, "cannot open plugin file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (trust_file_fault(path, &first, err) != 0)
		goto out;
	fd = openat(dfd, slash, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, st) != 0) {
		xasprintf(err, "cannot open plugin file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (st->st_dev != first.st_dev || st->st_ino != first.st_ino) {
		xasprintf(err, "refusing plugin file %s: it was replaced "
		    "while it was checked", path);
		goto out;
	}
	if (trust_file_fault(path, st, err) != 0)
		goto out;
	close(pfd);
	close(dfd);
	return fd;
out:
	if (fd != -1)
		close(fd);
	if (pfd != -1)
		close(pfd);
	close(dfd);
	return -1;
}

int
trust_check_elf(int fd, uint64_t size, const char *src, uint32_t abi[3],
    char **err)
{
	static const size_t at[3] = {
		offsetof(struct sth_plugin_descriptor, abi_major),
		offsetof(struct sth_plugin_descriptor, abi_minor),
		offsetof(struct sth_plugin_descriptor, struct_size),
	};
	struct elf_symbol_head h;
	char why[160];
	size_t i;

	switch (elf_check_symbol(fd, size, STHENO_PLUGIN_DESCRIPTOR_SYMBOL, &h,
	    why, sizeof why)) {
	case ELF_OK:
		break;
	case ELF_NOT_ELF:
	case ELF_FOREIGN:
	case ELF_MALFORMED:
		xasprintf(err, "%s is not a plugin: %s", src, why);
		return -1;
	default:
		xasprintf(err, "%s is not a stheno plugin: %s", src, why);
		return -1;
	}
	if (h.len < at[2] + sizeof abi[2]) {
		xasprintf(err, "%s is not a stheno plugin: its %s holds no "
		    "initialised descriptor", src,
		    STHENO_PLUGIN_DESCRIPTOR_SYMBOL);
		return -1;
	}
	for (i = 0; i < 3; i++)
		memcpy(&abi[i], h.head + at[i], sizeof abi[i]);
	return 0;
}
