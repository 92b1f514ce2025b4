/*
 * chars.c — len() of an event payload as a Python str, the number that
 * supervisord puts in the len: header field (docs/supervisord.md §6.2): one
 * per UTF-8 lead byte, that is the byte count less the continuation bytes
 * (10xxxxxx).
 *
 * Every PROCESS_LOG event sent (up to 128 KiB) is counted once, so ASCII is
 * skipped 128 bytes a step and the rest is read eight bytes at a time: a
 * byte is a continuation byte when its bit 7 is set and its bit 6 is clear,
 * which (w & ~(w << 1)) exposes in bit 7 of each lane.
 */
#include <stdint.h>
#include <string.h>

#include "../common/ascii.h"
#include "evl.h"

#define HI8	0x8080808080808080ULL
#define LO16	0x00ff00ff00ff00ffULL
#define SUM16	0x0001000100010001ULL
#define CONT(w)	(((w) & ~((w) << 1) & HI8) >> 7)	/* 1 per lane */

size_t
evl_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cont = 0, k;
	uint64_t w[4], acc;

	while (len - i >= 8) {
		i += ascii_blocks(p + i, len - i);
		if (len - i < 8)
			break;
		/* each lane of acc counts to at most 255; 32 ASCII bytes
		 * (the usual log line) cost one test */
		acc = 0;
		for (k = 0; k < 252 && len - i >= 32; k += 4, i += 32) {
			memcpy(w, p + i, 32);
			if (((w[0] | w[1] | w[2] | w[3]) & HI8) == 0)
				continue;
			acc += CONT(w[0]) + CONT(w[1]) + CONT(w[2]) +
			    CONT(w[3]);
		}
		for (; k < 255 && len - i >= 8; k++, i += 8) {
			memcpy(w, p + i, 8);
			acc += CONT(w[0]);
		}
		acc = (acc & LO16) + ((acc >> 8) & LO16);
		cont += (size_t)((acc * SUM16) >> 48);
	}
	for (; i < len; i++)
		if ((p[i] & 0xc0) == 0x80)
			cont++;
	return len - cont;
}
