/*
 * stheno-plugin-check — say what a plugin file is and whether this sthenod
 * would load it, without running any of its code (docs/plugin-guide.md,
 * "Check a plugin before you load it").
 *
 *	stheno-plugin-check [-u USER] FILE.so
 *
 * Ownership: a command of its own; everything it allocates lives until it
 * exits.  It judges the file with the loader's own code: the folder and
 * file rules of daemon/plugin_trust.c (as sthenod's user would: -u, else
 * whoever runs the check), the ELF reader of daemon/elf_check.c for the
 * descriptor, and the loader's ABI rule.  The file is read as data only:
 * it is never dlopen()ed, so none of its constructors run here or in any
 * child.  The descriptor's strings and its requires list are pointers the
 * dynamic linker would fix up at load time; they are read by applying the
 * file's relative relocations to the descriptor's words (elf_image_word).
 *
 * Exit status: 0 it would load, 1 it would be refused (a file that
 * cannot be opened included), 2 a usage error.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stheno/plugin.h>

#include "elf_check.h"
#include "plugin_trust.h"
#include "xmalloc.h"

#define CHECK_STR_MAX 256
#define CHECK_REQUIRES_MAX 64

struct check {
	const char *file;
	struct elf_image *im;
	uint64_t va;		/* the descriptor */
	uint32_t abi[3];	/* major, minor, struct_size */
	char *refusal;		/* the first reason sthenod would give */
	int unreadable;		/* stop after the trust checks */
};

static void
check_refuse(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
check_refuse(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->refusal != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&c->refusal, fmt, ap) == -1)
		c->refusal = NULL;
	va_end(ap);
}

/* The loader's ABI rule, in its words (daemon/plugin.c). */
static void
check_abi(struct check *c)
{
	uint32_t major = c->abi[0], minor = c->abi[1], size = c->abi[2];

	if (major != STHENO_ABI_MAJOR)
		check_refuse(c, "refusing plugin file %s: it was built for "
		    "plugin ABI %u.%u and sthenod has %u.%u: the major "
		    "versions must be equal", c->file, major, minor,
		    STHENO_ABI_MAJOR, STHENO_ABI_MINOR);
	else if (minor > STHENO_ABI_MINOR)
		check_refuse(c, "refusing plugin file %s: it needs plugin "
		    "ABI %u.%u, newer than sthenod's %u.%u: upgrade sthenod, "
		    "or build it for an older minor (STHENO_PLUGIN_ABI_MINOR)",
		    c->file, major, minor, STHENO_ABI_MAJOR,
		    STHENO_ABI_MINOR);
	else if (size < sizeof(struct sth_plugin_descriptor))
		check_refuse(c, "refusing plugin file %s: its descriptor is "
		    "%u bytes and sthenod needs at least %zu: it was not "
		    "built with STHENO_PLUGIN from a compatible SDK", c->file,
		    size, sizeof(struct sth_plugin_descriptor));
}

/* The descriptor's pointer member at off: 1 set, 0 NULL, -1 unknown. */
static int
check_word(struct check *c, size_t off, uint64_t *val)
{
	switch (elf_image_word(c->im, c->va + off, val)) {
	case ELF_WORD_FILE:
		return *val != 0;
	case ELF_WORD_SYMBOL:
		*val = 0;
		return 1;
	default:
		return -1;
	}
}

/* The string the descriptor's member at off points to, or a note. */
static const char *
check_string(struct check *c, size_t off, char *buf, size_t len)
{
	uint64_t va;

	switch (check_word(c, off, &va)) {
	case 0:
		return NULL;
	case 1:
		if (va != 0 && elf_image_string(c->im, va, buf, len) == 0)
			return buf;
		/* FALLTHROUGH */
	default:
		return "(cannot be read without running the plugin)";
	}
}

static void
check_requires(struct check *c, const char *plugindir)
{
	uint64_t list, va;
	char name[CHECK_STR_MAX], *so;
	size_t i;
	int r;

	r = check_word(c, offsetof(struct sth_plugin_descriptor, requires),
	    &list);
	if (r == 0) {
		printf("requires:    (nothing)\n");
		return;
	}
	for (i = 0; r == 1 && list != 0 && i < CHECK_REQUIRES_MAX; i++) {
		if (elf_image_word(c->im, list + i * sizeof(void *), &va) !=
		    ELF_WORD_FILE)
			break;
		if (va == 0)
			return;
		if (elf_image_string(c->im, va, name, sizeof name) != 0)
			break;
		xasprintf(&so, "%s/%s.so", plugindir, name);
		printf("requires:    %s (%s)\n", name, access(so, F_OK) == 0 ?
		    so : "not in the installed plugin folder");
		free(so);
	}
	printf("requires:    (the rest cannot be read without running the "
	    "plugin)\n");
}

static void
check_descriptor(struct check *c, const char *asname)
{
	char name[CHECK_STR_MAX], buf[CHECK_STR_MAX];
	const char *s;
	uint64_t fn;
	size_t i;
	static const struct {
		size_t off;
		const char *what;
	} fns[] = {
		{ offsetof(struct sth_plugin_descriptor, init), "init" },
		{ offsetof(struct sth_plugin_descriptor, fini), "fini" },
	};

	s = check_string(c, offsetof(struct sth_plugin_descriptor, name),
	    name, sizeof name);
	printf("name:        %s\n", s != NULL ? s : "(none)");
	if (s != name || !trust_valid_name(name))
		check_refuse(c, "refusing plugin file %s: its descriptor has "
		    "no valid name ([a-z0-9_-]+)", c->file);
	else if (strcmp(name, asname) != 0)
		printf("note:        loaded by name it must be %s.so; as %s it "
		    "loads only from a [plugin:%s] path=\n", name, c->file,
		    name);
	s = check_string(c, offsetof(struct sth_plugin_descriptor, version),
	    buf, sizeof buf);
	printf("version:     %s\n", s != NULL ? s : "(none)");
	s = check_string(c, offsetof(struct sth_plugin_descriptor,
	    description), buf, sizeof buf);
	printf("description: %s\n", s != NULL ? s : "(none)");
	printf("abi:         %u.%u (this sthenod: %u.%u)\n", c->abi[0],
	    c->abi[1], STHENO_ABI_MAJOR, STHENO_ABI_MINOR);
	for (i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (check_word(c, fns[i].off, &fn) == 0)
			check_refuse(c, "refusing plugin file %s: its "
			    "descriptor has no %s function", c->file,
			    fns[i].what);
}

static int
check_file(struct check *c, const char *plugindir)
{
	struct stat st;
	char why[160], *err = NULL, *asname, *dot;
	uint64_t size;
	int fd;

	if ((fd = trust_open(c->file, &st, &err)) == -1) {
		check_refuse(c, "%s", err);
		free(err);
		return -1;
	}
	printf("file:        %s (%lld bytes, uid %ld, mode %04o)\n", c->file,
	    (long long)st.st_size, (long)st.st_uid,
	    (unsigned)(st.st_mode & 07777));
	if (trust_check_elf(fd, (uint64_t)st.st_size, c->file, c->abi,
	    &err) != 0) {
		check_refuse(c, "%s", err);
		free(err);
		close(fd);
		return -1;
	}
	if ((c->im = elf_image_open(fd, (uint64_t)st.st_size, why,
	    sizeof why)) == NULL || elf_image_symbol(c->im,
	    STHENO_PLUGIN_DESCRIPTOR_SYMBOL, &c->va, &size, why,
	    sizeof why) != ELF_OK) {
		check_refuse(c, "%s is not a plugin: %s", c->file, why);
		close(fd);
		return -1;
	}
	close(fd);
	asname = xstrdup(strrchr(c->file, '/') != NULL ?
	    strrchr(c->file, '/') + 1 : c->file);
	if ((dot = strrchr(asname, '.')) != NULL)
		*dot = '\0';
	check_abi(c);
	if (c->abi[0] != STHENO_ABI_MAJOR ||
	    c->abi[2] < sizeof(struct sth_plugin_descriptor)) {
		/* another major's descriptor: its layout is not ours */
		printf("abi:         %u.%u (this sthenod: %u.%u; the rest of "
		    "its descriptor is not read)\n", c->abi[0], c->abi[1],
		    STHENO_ABI_MAJOR, STHENO_ABI_MINOR);
		free(asname);
		return -1;
	}
	check_descriptor(c, asname);
	check_requires(c, plugindir);
	free(asname);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: stheno-plugin-check [-u USER] FILE.so\n"
	    "Print a plugin's descriptor and say whether sthenod (running as "
	    "USER,\nelse as you) would load it, without running its code.\n");
	exit(2);
}

static uid_t
check_user(const char *user)
{
	struct passwd *pw;
	char *end;
	unsigned long u;

	if ((pw = getpwnam(user)) != NULL)
		return pw->pw_uid;
	errno = 0;
	u = strtoul(user, &end, 10);
	if (*user == '\0' || *end != '\0' || errno != 0 ||
	    u >= (unsigned long)(uid_t)-1) {
		fprintf(stderr, "stheno-plugin-check: no user %s\n", user);
		exit(2);
	}
	return (uid_t)u;
}

int
main(int argc, char **argv)
{
	struct check c;
	uid_t uid = geteuid();
	int ch;

	while ((ch = getopt(argc, argv, "u:h")) != -1) {
		switch (ch) {
		case 'u':
			uid = check_user(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	memset(&c, 0, sizeof c);
	c.file = argv[optind];
	trust_set_uid(uid);
	check_file(&c, PLUGINDIR);
	if (c.refusal != NULL) {
		printf("verdict:     sthenod %s (plugin ABI %u.%u, running as "
		    "uid %ld) would refuse it: %s\n", PACKAGE_VERSION,
		    STHENO_ABI_MAJOR, STHENO_ABI_MINOR, (long)uid, c.refusal);
		free(c.refusal);
	} else
		printf("verdict:     sthenod %s (plugin ABI %u.%u, running as "
		    "uid %ld) would load it\n", PACKAGE_VERSION,
		    STHENO_ABI_MAJOR, STHENO_ABI_MINOR, (long)uid);
	elf_image_close(c.im);
	return c.refusal != NULL ? 1 : 0;
}
