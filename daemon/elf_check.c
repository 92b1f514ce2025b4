/*
 * elf_check.c — find a symbol in a shared object's dynamic symbol table by
 * reading the file, never by mapping it as code (elf_check.h).
 *
 * The walk is the dynamic linker's: the program headers, the one
 * PT_DYNAMIC segment, its DT_SYMTAB / DT_STRTAB / DT_STRSZ and the
 * DT_GNU_HASH (else DT_HASH) table, the hash chain of the symbol's name.
 * Addresses are translated to file offsets through the PT_LOAD segments.
 * Every read is bounds-checked against the file and copied out with memcpy
 * (the file may put a structure at any offset), and every loop ends
 * within the file's size, so a truncated or hostile file is a verdict,
 * never a crash.
 */
#include "config.h"

#include <sys/mman.h>

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "elf_check.h"

/* This process's own ELF header (GNU ld, gold and lld define it): the
 * class, byte order and machine a plugin must share. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

struct elf_file {
	const unsigned char *base;
	uint64_t size;
	ElfW(Half) phnum;
	uint64_t phoff;
};

/* Copy len bytes at file offset off; -1 if they are not all in the file. */
static int
elf_read(const struct elf_file *f, uint64_t off, void *dst, uint64_t len)
{
	if (off > f->size || len > f->size - off)
		return -1;
	memcpy(dst, f->base + off, len);
	return 0;
}

static int
elf_phdr(const struct elf_file *f, size_t i, ElfW(Phdr) *ph)
{
	return elf_read(f, f->phoff + (uint64_t)i * sizeof *ph, ph,
	    sizeof *ph);
}

/* Copy len bytes at virtual address va, which must lie in the file-backed
 * part of one PT_LOAD segment; -1 otherwise. */
static int
elf_read_va(const struct elf_file *f, uint64_t va, void *dst, uint64_t len)
{
	ElfW(Phdr) ph;
	uint64_t delta;
	size_t i;

	for (i = 0; i < f->phnum; i++) {
		if (elf_phdr(f, i, &ph) != 0 || ph.p_type != PT_LOAD ||
		    va < ph.p_vaddr)
			continue;
		delta = va - ph.p_vaddr;
		if (delta > ph.p_filesz || len > ph.p_filesz - delta ||
		    ph.p_offset > f->size || delta > f->size - ph.p_offset)
			continue;
		return elf_read(f, ph.p_offset + delta, dst, len);
	}
	return -1;
}

struct elf_dyn {
	uint64_t symtab, strtab, strsz, syment, hash, gnu_hash;
	int have_symtab, have_strtab, have_hash, have_gnu_hash;
};

/* The dynamic section's entries the lookup needs. */
static int
elf_dynamic(const struct elf_file *f, struct elf_dyn *d, char *why,
    size_t len)
{
	ElfW(Phdr) ph;
	ElfW(Dyn) dyn;
	uint64_t off;
	size_t i, found = 0;

	memset(d, 0, sizeof *d);
	for (i = 0; i < f->phnum; i++) {
		if (elf_phdr(f, i, &ph) != 0) {
			snprintf(why, len, "its program headers lie outside "
			    "the file");
			return -1;
		}
		if (ph.p_type != PT_DYNAMIC)
			continue;
		if (found++ != 0) {
			snprintf(why, len, "it has two dynamic segments");
			return -1;
		}
		for (off = 0; off + sizeof dyn <= ph.p_filesz; off +=
		    sizeof dyn) {
			if (elf_read(f, ph.p_offset + off, &dyn,
			    sizeof dyn) != 0) {
				snprintf(why, len, "its dynamic segment lies "
				    "outside the file");
				return -1;
			}
			if (dyn.d_tag == DT_NULL)
				break;
			switch (dyn.d_tag) {
			case DT_SYMTAB:
				d->symtab = dyn.d_un.d_ptr;
				d->have_symtab = 1;
				break;
			case DT_STRTAB:
				d->strtab = dyn.d_un.d_ptr;
				d->have_strtab = 1;
				break;
			case DT_STRSZ:
				d->strsz = dyn.d_un.d_val;
				break;
			case DT_SYMENT:
				d->syment = dyn.d_un.d_val;
				break;
			case DT_HASH:
				d->hash = dyn.d_un.d_ptr;
				d->have_hash = 1;
				break;
			case DT_GNU_HASH:
				d->gnu_hash = dyn.d_un.d_ptr;
				d->have_gnu_hash = 1;
				break;
			default:
				break;
			}
		}
	}
	if (found == 0) {
		snprintf(why, len, "it has no dynamic segment");
		return -1;
	}
	if (!d->have_symtab || !d->have_strtab ||
	    (!d->have_hash && !d->have_gnu_hash)) {
		snprintf(why, len, "it has no dynamic symbol table");
		return -1;
	}
	if (d->syment != 0 && d->syment != sizeof(ElfW(Sym))) {
		snprintf(why, len, "its symbols are %llu bytes, not %zu",
		    (unsigned long long)d->syment, sizeof(ElfW(Sym)));
		return -1;
	}
	return 0;
}

/* Symbol i; 1 if it is called name, 0 if not, -1 if outside the file. */
static int
elf_sym_named(const struct elf_file *f, const struct elf_dyn *d,
    uint64_t i, const char *name, ElfW(Sym) *sym)
{
	size_t n = strlen(name) + 1;
	char buf[128];

	if (n > sizeof buf || i > (UINT64_MAX - d->symtab) / sizeof *sym)
		return -1;
	if (elf_read_va(f, d->symtab + i * sizeof *sym, sym,
	    sizeof *sym) != 0)
		return -1;
	if (sym->st_name >= d->strsz || n > d->strsz - sym->st_name)
		return 0;
	if (elf_read_va(f, d->strtab + sym->st_name, buf, n) != 0)
		return 0;
	return memcmp(buf, name, n) == 0;
}

static int
elf_u32(const struct elf_file *f, uint64_t va, uint64_t i, uint32_t *v)
{
	if (i > (UINT64_MAX - va) / 4)
		return -1;
	return elf_read_va(f, va + i * 4, v, 4);
}

/* DT_GNU_HASH: 1 found (*sym), 0 absent, -1 malformed. */
static int
elf_lookup_gnu(const struct elf_file *f, const struct elf_dyn *d,
    const char *name, ElfW(Sym) *sym)
{
	uint32_t hdr[4], h = 5381, i, c;
	uint64_t buckets, chain;
	const unsigned char *s;
	int r;

	for (s = (const unsigned char *)name; *s != '\0'; s++)
		h = h * 33 + *s;
	if (elf_read_va(f, d->gnu_hash, hdr, sizeof hdr) != 0)
		return -1;
	if (hdr[0] == 0)		/* nbuckets */
		return 0;
	buckets = d->gnu_hash + sizeof hdr +
	    (uint64_t)hdr[2] * sizeof(ElfW(Addr));
	chain = buckets + (uint64_t)hdr[0] * 4;
	if (elf_u32(f, buckets, h % hdr[0], &i) != 0)
		return -1;
	if (i == 0)
		return 0;
	if (i < hdr[1])			/* below symoffset */
		return -1;
	/* Each step reads the next word of the chain: the walk ends at the
	 * chain's last entry (low bit set) or at the end of the file. */
	for (;; i++) {
		if (elf_u32(f, chain, (uint64_t)i - hdr[1], &c) != 0)
			return -1;
		if ((c | 1) == (h | 1) &&
		    (r = elf_sym_named(f, d, i, name, sym)) != 0)
			return r;
		if (c & 1)
			return 0;
		if (i == UINT32_MAX)
			return -1;
	}
}

/* DT_HASH (SysV): 1 found (*sym), 0 absent, -1 malformed. */
static int
elf_lookup_sysv(const struct elf_file *f, const struct elf_dyn *d,
    const char *name, ElfW(Sym) *sym)
{
	uint32_t hdr[2], h = 0, g, i, steps;
	const unsigned char *s;
	int r;

	for (s = (const unsigned char *)name; *s != '\0'; s++) {
		h = (h << 4) + *s;
		if ((g = h & 0xf0000000u) != 0)
			h ^= g >> 24;
		h &= ~g;
	}
	if (elf_read_va(f, d->hash, hdr, sizeof hdr) != 0)
		return -1;
	if (hdr[0] == 0)		/* nbucket */
		return 0;
	if (elf_u32(f, d->hash + 8, h % hdr[0], &i) != 0)
		return -1;
	/* a chain longer than nchain has a cycle */
	for (steps = 0; i != STN_UNDEF; steps++) {
		if (i >= hdr[1] || steps >= hdr[1])
			return -1;
		if ((r = elf_sym_named(f, d, i, name, sym)) != 0)
			return r;
		if (elf_u32(f, d->hash + 8 + (uint64_t)hdr[0] * 4, i,
		    &i) != 0)
			return -1;
	}
	return 0;
}

static enum elf_verdict
elf_check_header(struct elf_file *f, char *why, size_t len)
{
	const ElfW(Ehdr) *self = &__ehdr_start;
	ElfW(Ehdr) eh;

	if (elf_read(f, 0, &eh, sizeof eh) != 0 ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		snprintf(why, len, "not an ELF shared object");
		return ELF_NOT_ELF;
	}
	if (eh.e_ident[EI_CLASS] != self->e_ident[EI_CLASS] ||
	    eh.e_ident[EI_DATA] != self->e_ident[EI_DATA] ||
	    eh.e_machine != self->e_machine) {
		snprintf(why, len, "it is built for another machine (ELF "
		    "class %u, byte order %u, machine %u; sthenod is %u, %u, "
		    "%u)", eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA],
		    eh.e_machine, self->e_ident[EI_CLASS],
		    self->e_ident[EI_DATA], self->e_machine);
		return ELF_FOREIGN;
	}
	if (eh.e_type != ET_DYN) {
		snprintf(why, len, "not an ELF shared object");
		return ELF_NOT_ELF;
	}
	if (eh.e_ident[EI_VERSION] != EV_CURRENT ||
	    eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
	    eh.e_phnum == PN_XNUM || eh.e_phoff > f->size ||
	    (uint64_t)eh.e_phnum * sizeof(ElfW(Phdr)) > f->size - eh.e_phoff) {
		snprintf(why, len, "its ELF program headers are malformed");
		return ELF_MALFORMED;
	}
	f->phoff = eh.e_phoff;
	f->phnum = eh.e_phnum;
	return ELF_OK;
}

static enum elf_verdict
elf_check_mapped(struct elf_file *f, const char *symbol,
    struct elf_symbol_head *out, char *why, size_t len)
{
	struct elf_dyn d;
	ElfW(Sym) sym;
	enum elf_verdict v;
	unsigned bind, vis;
	int r;

	if ((v = elf_check_header(f, why, len)) != ELF_OK)
		return v;
	if (elf_dynamic(f, &d, why, len) != 0)
		return ELF_MALFORMED;
	r = d.have_gnu_hash ? elf_lookup_gnu(f, &d, symbol, &sym) :
	    elf_lookup_sysv(f, &d, symbol, &sym);
	if (r < 0) {
		snprintf(why, len, "its dynamic symbol table is malformed");
		return ELF_MALFORMED;
	}
	/* the same bit fields in ELF32 and ELF64 */
	bind = ELF64_ST_BIND(sym.st_info);
	vis = ELF64_ST_VISIBILITY(sym.st_other);
	if (r == 0 || sym.st_shndx == SHN_UNDEF ||
	    (bind != STB_GLOBAL && bind != STB_WEAK &&
	    bind != STB_GNU_UNIQUE) ||
	    (vis != STV_DEFAULT && vis != STV_PROTECTED)) {
		snprintf(why, len, "it does not export %s", symbol);
		return ELF_NO_SYMBOL;
	}
	if (ELF64_ST_TYPE(sym.st_info) != STT_OBJECT ||
	    sym.st_shndx == SHN_ABS) {
		snprintf(why, len, "its %s is not a data object", symbol);
		return ELF_NOT_OBJECT;
	}
	out->len = sym.st_size < ELF_HEAD_MAX ? sym.st_size : ELF_HEAD_MAX;
	if (elf_read_va(f, sym.st_value, out->head, out->len) != 0)
		out->len = 0;		/* in .bss: nothing in the file */
	return ELF_OK;
}

enum elf_verdict
elf_check_symbol(int fd, uint64_t size, const char *symbol,
    struct elf_symbol_head *out, char *why, size_t len)
{
	struct elf_file f;
	enum elf_verdict v;
	void *map;

	memset(out, 0, sizeof *out);
	if (size < sizeof(ElfW(Ehdr)) || size > SIZE_MAX) {
		snprintf(why, len, "not an ELF shared object");
		return ELF_NOT_ELF;
	}
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(why, len, "it cannot be read: %s", strerror(errno));
		return ELF_MALFORMED;
	}
	memset(&f, 0, sizeof f);
	f.base = map;
	f.size = size;
	v = elf_check_mapped(&f, symbol, out, why, len);
	munmap(map, (size_t)size);
	return v;
}
