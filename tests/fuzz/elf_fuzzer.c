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
