/*
 * elf_check.h — read a plugin file's ELF headers from a file descriptor,
 * as data, before the dynamic linker ever sees it: the file is a shared
 * object for this process's class, byte order and machine, and its dynamic
 * symbol table (looked up through its hash table, as dlsym does) defines a
 * given symbol as a data object (docs/plugin-guide.md, "Who may load a
 * plugin").
 *
 * Ownership: the loader's (plugin.c through plugin_trust.c).  The caller
 * owns fd: it is read with mmap(PROT_READ) and never closed or moved here.
 * Nothing in the file is executed and no state is kept between calls.
 */
#ifndef STHENO_ELF_CHECK_H
#define STHENO_ELF_CHECK_H

#include <stddef.h>
#include <stdint.h>

enum elf_verdict {
	ELF_OK,
	ELF_NOT_ELF,		/* no ELF magic, or not a shared object */
	ELF_FOREIGN,		/* another class, byte order or machine */
	ELF_MALFORMED,		/* headers point outside the file */
	ELF_NO_SYMBOL,		/* the symbol is not defined */
	ELF_NOT_OBJECT,		/* defined, but not a data object */
};

/* The first bytes of the symbol's initialised data, as the file holds
 * them (before any relocation: fit for plain integers only). */
#define ELF_HEAD_MAX 16
struct elf_symbol_head {
	size_t len;		/* bytes in head (0: not file-backed) */
	unsigned char head[ELF_HEAD_MAX];
};

/*
 * Check fd (a regular file of size bytes) for symbol.  Returns ELF_OK and
 * fills *out, or another verdict with a short reason in why (never naming
 * the file: the caller does).
 */
enum elf_verdict elf_check_symbol(int fd, uint64_t size, const char *symbol,
    struct elf_symbol_head *out, char *why, size_t len);

/*
 * A file held open for reading an exported data object as the dynamic
 * linker would leave it at load address 0 — with the file's relative
 * relocations applied, still without running anything — for
 * stheno-plugin-check, which prints a descriptor's strings.  The image
 * owns a read-only mapping of fd; the caller still owns fd.
 */
struct elf_image;

/* NULL with a reason in why if fd is not a shared object for this
 * machine or its dynamic segment is malformed. */
struct elf_image *elf_image_open(int fd, uint64_t size, char *why,
    size_t len);
void elf_image_close(struct elf_image *im);
/* The data object symbol's address and size (verdicts as above). */
enum elf_verdict elf_image_symbol(struct elf_image *im, const char *symbol,
    uint64_t *va, uint64_t *size, char *why, size_t len);

enum elf_word {
	ELF_WORD_FILE,		/* *val: the file's word, relocated */
	ELF_WORD_SYMBOL,	/* set from a symbol at load time: unknown */
	ELF_WORD_BAD,		/* not in the file */
};
/* The pointer-sized word at va. */
enum elf_word elf_image_word(struct elf_image *im, uint64_t va,
    uint64_t *val);
/* The NUL-terminated string at va, at most len bytes with its NUL: 0, or
 * -1 if it leaves the file or is longer. */
int elf_image_string(struct elf_image *im, uint64_t va, char *dst,
    size_t len);

#endif
