/*
 * test_elf_check.c — daemon/elf_check.c on the built test plugins and on
 * damaged copies of them: every truncation, and seeded random byte flips
 * in the headers and tables.  A damaged file is a verdict, never a crash
 * or a read outside the file (run it under --enable-asan).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <stheno/plugin.h>

#include "elf_check.h"

#ifndef TP_DIR
#error "TP_DIR must name the folder of the built test plugins"
#endif

#define SYM STHENO_PLUGIN_DESCRIPTOR_SYMBOL

struct blob {
	unsigned char *data;
	size_t len;
};

static struct blob
slurp(const char *name)
{
	struct blob b;
	struct stat st;
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/%s.so", TP_DIR, name);
	fd = open(path, O_RDONLY);
	cr_assert(fd >= 0, "%s", path);
	cr_assert_eq(fstat(fd, &st), 0);
	b.len = (size_t)st.st_size;
	b.data = malloc(b.len);
	cr_assert_eq(read(fd, b.data, b.len), (ssize_t)b.len);
	close(fd);
	return b;
}

/* The verdict on len bytes of data, through an anonymous file. */
static enum elf_verdict
check(const unsigned char *data, size_t len, struct elf_symbol_head *h)
{
	struct elf_symbol_head dummy;
	enum elf_verdict v;
	char why[160];
	int fd;

	fd = memfd_create("elf", MFD_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	why[0] = '\0';
	v = elf_check_symbol(fd, len, SYM, h != NULL ? h : &dummy, why,
	    sizeof why);
	cr_assert(v == ELF_OK || why[0] != '\0', "verdict %d without a "
	    "reason", (int)v);
	close(fd);
	return v;
}

static enum elf_verdict
check_plugin(const char *name, struct elf_symbol_head *h)
{
	struct blob b = slurp(name);
	enum elf_verdict v = check(b.data, b.len, h);

	free(b.data);
	return v;
}

Test(elf, finds_the_descriptor_and_its_abi_numbers)
{
	static const char *const names[] = { "tp", "tp_sysv", "ctor" };
	struct elf_symbol_head h;
	uint32_t abi[3];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		cr_assert_eq(check_plugin(names[i], &h), ELF_OK, "%s",
		    names[i]);
		cr_assert_geq(h.len, sizeof abi);
		memcpy(abi, h.head, sizeof abi);
		cr_assert_eq(abi[0], STHENO_ABI_MAJOR);
		cr_assert_eq(abi[1], STHENO_ABI_MINOR);
		cr_assert_eq(abi[2], sizeof(struct sth_plugin_descriptor));
	}
	/* STHENO_PLUGIN stamps the oldest minor the plugin declares */
	cr_assert_eq(check_plugin("ctor_minor0", &h), ELF_OK);
	memcpy(abi, h.head, sizeof abi);
	cr_assert_eq(abi[0], STHENO_ABI_MAJOR);
	cr_assert_eq(abi[1], 0);
	cr_assert_eq(check_plugin("tp_badabi", &h), ELF_OK);
	memcpy(abi, h.head, sizeof abi);
	cr_assert_eq(abi[0], 99);
}

Test(elf, tells_what_is_wrong)
{
	static const unsigned char text[] = "this is not a shared object, "
	    "but it is long enough to hold an ELF header's worth of bytes..";
	struct blob b = slurp("tp");

	cr_assert_eq(check_plugin("nodesc", NULL), ELF_NO_SYMBOL);
	cr_assert_eq(check_plugin("ctor_nodesc", NULL), ELF_NO_SYMBOL);
	cr_assert_eq(check_plugin("ctor_func", NULL), ELF_NOT_OBJECT);
	cr_assert_eq(check(text, sizeof text, NULL), ELF_NOT_ELF);
	cr_assert_eq(check(b.data, 10, NULL), ELF_NOT_ELF);
	b.data[EI_CLASS] = b.data[EI_CLASS] == ELFCLASS64 ? ELFCLASS32 :
	    ELFCLASS64;
	cr_assert_eq(check(b.data, b.len, NULL), ELF_FOREIGN);
	b.data[EI_CLASS] ^= 3;
	b.data[18] ^= 0x40;		/* e_machine */
	cr_assert_eq(check(b.data, b.len, NULL), ELF_FOREIGN);
	b.data[18] ^= 0x40;
	b.data[16] = ET_EXEC;		/* e_type */
	cr_assert_eq(check(b.data, b.len, NULL), ELF_NOT_ELF);
	free(b.data);
}

Test(elf, every_truncation_is_a_verdict)
{
	static const char *const names[] = { "tp", "tp_sysv" };
	struct blob b;
	size_t i, len, step;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		b = slurp(names[i]);
		for (len = 0; len < b.len; len += step) {
			step = len < 16384 ? 1 : 61;
			(void)check(b.data, len, NULL);
		}
		free(b.data);
	}
}

/* Flip bytes where the walk reads (headers, dynamic segment, hash and
 * symbol tables sit in the first pages of a small .so). */
Test(elf, random_damage_is_a_verdict)
{
	static const char *const names[] = { "tp", "tp_sysv" };
	unsigned char *m;
	struct blob b;
	size_t i, k, span;
	int round;

	srandom(20261207);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		b = slurp(names[i]);
		m = malloc(b.len);
		span = b.len < 16384 ? b.len : 16384;
		for (round = 0; round < 1500; round++) {
			memcpy(m, b.data, b.len);
			for (k = 0; k < 1 + (size_t)(random() % 8); k++)
				m[random() % span] = (unsigned char)random();
			(void)check(m, b.len, NULL);
		}
		free(m);
		free(b.data);
	}
}
