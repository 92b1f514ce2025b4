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
#include <stdlib.h>
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
	/* relocation tables (elf_image_word) */
	uint64_t rela, relasz, rel, relsz;
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
			case DT_RELA:
				d->rela = dyn.d_un.d_ptr;
				break;
			case DT_RELASZ:
				d->relasz = dyn.d_un.d_val;
				break;
			case DT_REL:
				d->rel = dyn.d_un.d_ptr;
				break;
			case DT_RELSZ:
				d->relsz = dyn.d_un.d_val;
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

/* The exported data object called symbol, in *sym. */
static enum elf_verdict
elf_find_object(const struct elf_file *f, const struct elf_dyn *dp,
    const char *symbol, ElfW(Sym) *out, char *why, size_t len)
{
	const struct elf_dyn d = *dp;
	ElfW(Sym) sym;
	unsigned bind, vis;
	int r;

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
	*out = sym;
	return ELF_OK;
}

static enum elf_verdict
elf_check_mapped(struct elf_file *f, const char *symbol,
    struct elf_symbol_head *out, char *why, size_t len)
{
	struct elf_dyn d;
	ElfW(Sym) sym;
	enum elf_verdict v;

	if ((v = elf_check_header(f, why, len)) != ELF_OK)
		return v;
	if (elf_dynamic(f, &d, why, len) != 0)
		return ELF_MALFORMED;
	if ((v = elf_find_object(f, &d, symbol, &sym, why, len)) != ELF_OK)
		return v;
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

/* --- a symbol's data as the dynamic linker leaves it -------------------- */

#if __ELF_NATIVE_CLASS == 64
#define ELF_R_TYPE(info) ELF64_R_TYPE(info)
#else
#define ELF_R_TYPE(info) ELF32_R_TYPE(info)
#endif

struct elf_image {
	struct elf_file f;
	struct elf_dyn d;
	void *map;
	size_t maplen;
	unsigned relative;	/* this machine's R_*_RELATIVE */
};

/* The relocation type that adds the load address and nothing else. */
static const struct {
	unsigned machine, type;
} elf_relative_types[] = {
#ifdef R_X86_64_RELATIVE
	{ EM_X86_64, R_X86_64_RELATIVE },
#endif
#ifdef R_386_RELATIVE
	{ EM_386, R_386_RELATIVE },
#endif
#ifdef R_AARCH64_RELATIVE
	{ EM_AARCH64, R_AARCH64_RELATIVE },
#endif
#ifdef R_ARM_RELATIVE
	{ EM_ARM, R_ARM_RELATIVE },
#endif
#if defined(EM_RISCV) && defined(R_RISCV_RELATIVE)
	{ EM_RISCV, R_RISCV_RELATIVE },
#endif
#ifdef R_PPC64_RELATIVE
	{ EM_PPC64, R_PPC64_RELATIVE },
#endif
#ifdef R_390_RELATIVE
	{ EM_S390, R_390_RELATIVE },
#endif
};

struct elf_image *
elf_image_open(int fd, uint64_t size, char *why, size_t len)
{
	struct elf_image *im;
	size_t i;

	if (size < sizeof(ElfW(Ehdr)) || size > SIZE_MAX) {
		snprintf(why, len, "not an ELF shared object");
		return NULL;
	}
	if ((im = calloc(1, sizeof *im)) == NULL) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	im->maplen = (size_t)size;
	im->map = mmap(NULL, im->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
	if (im->map == MAP_FAILED) {
		snprintf(why, len, "it cannot be read: %s", strerror(errno));
		free(im);
		return NULL;
	}
	im->f.base = im->map;
	im->f.size = size;
	if (elf_check_header(&im->f, why, len) != ELF_OK ||
	    elf_dynamic(&im->f, &im->d, why, len) != 0) {
		elf_image_close(im);
		return NULL;
	}
	im->relative = UINT32_MAX;
	for (i = 0; i < sizeof elf_relative_types /
	    sizeof elf_relative_types[0]; i++)
		if (elf_relative_types[i].machine == __ehdr_start.e_machine)
			im->relative = elf_relative_types[i].type;
	return im;
}

void
elf_image_close(struct elf_image *im)
{
	if (im == NULL)
		return;
	munmap(im->map, im->maplen);
	free(im);
}

enum elf_verdict
elf_image_symbol(struct elf_image *im, const char *symbol, uint64_t *va,
    uint64_t *size, char *why, size_t len)
{
	ElfW(Sym) sym;
	enum elf_verdict v;

	if ((v = elf_find_object(&im->f, &im->d, symbol, &sym, why,
	    len)) != ELF_OK)
		return v;
	*va = sym.st_value;
	*size = sym.st_size;
	return ELF_OK;
}

/* Apply the relocation at r_offset to the word at va: 1 if it is the
 * word's, with *kind and *val updated; 0 if it is another word's. */
static int
elf_apply(const struct elf_image *im, uint64_t va, uint64_t off,
    unsigned type, int has_addend, uint64_t addend, enum elf_word *kind,
    uint64_t *val)
{
	if (off + sizeof(ElfW(Addr)) <= va || off >= va + sizeof(ElfW(Addr)))
		return 0;
	if (off != va || type != im->relative) {
		*kind = ELF_WORD_SYMBOL;
		return 1;
	}
	if (has_addend)
		*val = addend;	/* + load address 0 */
	/* REL: the implicit addend is the word in the file */
	return 1;
}

enum elf_word
elf_image_word(struct elf_image *im, uint64_t va, uint64_t *val)
{
	enum elf_word kind = ELF_WORD_FILE;
	ElfW(Addr) w;
	ElfW(Rela) ra;
	ElfW(Rel) r;
	uint64_t i;

	if (elf_read_va(&im->f, va, &w, sizeof w) != 0)
		return ELF_WORD_BAD;
	*val = w;
	/* Every table is read within the file: a walk ends at its size. */
	for (i = 0; i + sizeof ra <= im->d.relasz; i += sizeof ra) {
		if (elf_read_va(&im->f, im->d.rela + i, &ra, sizeof ra) != 0)
			return ELF_WORD_BAD;
		if (elf_apply(im, va, ra.r_offset, ELF_R_TYPE(ra.r_info), 1,
		    (uint64_t)ra.r_addend, &kind, val))
			break;
	}
	for (i = 0; i + sizeof r <= im->d.relsz; i += sizeof r) {
		if (elf_read_va(&im->f, im->d.rel + i, &r, sizeof r) != 0)
			return ELF_WORD_BAD;
		if (elf_apply(im, va, r.r_offset, ELF_R_TYPE(r.r_info), 0, 0,
		    &kind, val))
			break;
	}
	/* DT_RELR entries are relative with the file's word as addend:
	 * at load address 0 they leave the word as it is. */
	return kind;
}

int
elf_image_string(struct elf_image *im, uint64_t va, char *dst, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i > UINT64_MAX - va ||
		    elf_read_va(&im->f, va + i, &dst[i], 1) != 0)
			return -1;
		if (dst[i] == '\0')
			return 0;
	}
	return -1;
}
