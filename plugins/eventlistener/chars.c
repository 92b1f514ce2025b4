/*
 * chars.c — len() of an event payload as a Python str, the number that
 * supervisord puts in the len: header field (spec §6.2): one per UTF-8 lead
 * byte, that is the byte count less the continuation bytes (10xxxxxx).
 *
 * Every PROCESS_LOG event up to 128 KiB is counted once, so this reads eight
 * bytes at a time: a byte is a continuation byte when its bit 7 is set and
 * its bit 6 is clear, which (w & ~(w << 1)) exposes in bit 7 of each lane.
 */
#include <stdint.h>
#include <string.h>

#include "evl.h"

#define HI8	0x8080808080808080ULL
#define LO16	0x00ff00ff00ff00ffULL
#define SUM16	0x0001000100010001ULL

size_t
evl_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cont = 0, k;
	uint64_t w, acc;

	while (len - i >= 8) {
		/* each lane of acc counts to at most 255 */
		acc = 0;
		for (k = 0; k < 255 && len - i >= 8; k++, i += 8) {
			memcpy(&w, p + i, 8);
			acc += (w & ~(w << 1) & HI8) >> 7;
		}
		acc = (acc & LO16) + ((acc >> 8) & LO16);
		cont += (size_t)((acc * SUM16) >> 48);
	}
	for (; i < len; i++)
		if ((p[i] & 0xc0) == 0x80)
			cont++;
	return len - cont;
}
