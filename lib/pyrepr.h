/*
 * pyrepr.h — Python's repr() of a str or a bytes object, as supervisord's
 * messages and log lines quote values: 'x', or "it's" when the text holds
 * a single quote and no double quote; backslash, the quote, \n, \r, \t
 * escaped; other control bytes and DEL as \xNN.  Bytes >= 0x80 are taken
 * to be printable UTF-8 text and copied, unless PYREPR_ASCII (Python's
 * ascii(), and every bytes object) makes them \xNN too.
 *
 * Ownership: the strings returned are malloc'd and the caller's; pyrepr_add
 * appends to the caller's struct dbuf.
 */
#ifndef STHENO_PYREPR_H
#define STHENO_PYREPR_H

#include <stddef.h>

#include "dbuf.h"

#define PYREPR_ASCII	0x01	/* bytes >= 0x80 as \xNN */
#define PYREPR_BYTES	0x02	/* b'...': a bytes object (implies ASCII) */

/* The repr of len bytes at s (NUL bytes included) appended to b. */
void pyrepr_add(struct dbuf *b, const void *s, size_t len, int flags);
/* The repr of the string s. */
char *pyrepr(const char *s);
/* The repr of len bytes as a bytes object: b'...'. */
char *pyrepr_bytes(const void *s, size_t len);

#endif /* STHENO_PYREPR_H */
