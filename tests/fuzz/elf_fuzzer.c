/*
 * elf_fuzzer.c — fuzz target for the ELF reader that checks a plugin file
 * before it is mapped (daemon/elf_check.c).
 *
 * Input: the whole input is one file, handed to elf_check_symbol through
 * an anonymous file (memfd), as the loader hands it its private copy.  The
 * target aborts if:
 *  - the verdict is not one of enum elf_verdict;
 *  - a refusal comes without a reason, or a reason is not NUL-terminated
 *    within its buffer;
 *  - an accepted file reports more head bytes than ELF_HEAD_MAX, or an
 *    input shorter than an ELF header is accepted.
 * An accepted file is then read as stheno-plugin-check reads it
 * (elf_image_*): the descriptor's words with the file's relocations
 * applied, and the strings they point to.
 * AddressSanitizer catches any read outside the mapping.
 */
#include "config.h"

#include <sys/mman.h>

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_check.h"
#include "fuzz.h"

/* What stheno-plugin-check reads: the descriptor's words and the
 * strings they point to, with the relocations applied. */
static void
fuzz_image(int fd, size_t size)
{
	struct elf_image *im;
	uint64_t va, len, w;
	char why[160], str[64];
	size_t i;

	if ((im = elf_image_open(fd, size, why, sizeof why)) == NULL)
		abort();	/* elf_check_symbol accepted it */
	if (elf_image_symbol(im, "sth_plugin_descriptor", &va, &len, why,
	    sizeof why) != ELF_OK)
		abort();
	for (i = 0; i < 8; i++) {
		if (elf_image_word(im, va + i * sizeof(void *), &w) ==
		    ELF_WORD_FILE && elf_image_string(im, w, str,
		    sizeof str) == 0 && memchr(str, '\0', sizeof str) == NULL)
			abort();
	}
	elf_image_close(im);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_symbol_head h;
	enum elf_verdict v;
	char why[160];
	int fd;

	if ((fd = memfd_create("elf_fuzzer", MFD_CLOEXEC)) == -1)
		abort();
	if (size != 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	memset(why, 'x', sizeof why);
	why[0] = '\0';
	v = elf_check_symbol(fd, size, "sth_plugin_descriptor", &h, why,
	    sizeof why);
	if (v == ELF_OK)
		fuzz_image(fd, size);
	close(fd);
	if (v > ELF_NOT_OBJECT)
		abort();
	if (memchr(why, '\0', sizeof why) == NULL)
		abort();
	if (v != ELF_OK && why[0] == '\0')
		abort();
	if (v == ELF_OK && (h.len > ELF_HEAD_MAX ||
	    size < sizeof(ElfW(Ehdr))))
		abort();
	return 0;
}
