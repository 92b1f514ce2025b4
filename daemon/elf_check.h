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

#endif
