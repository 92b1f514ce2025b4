/*
 * pyrepr.c — Python's repr() (see pyrepr.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pyrepr.h"

void
pyrepr_add(struct dbuf *b, const void *s, size_t len, int flags)
{
	const unsigned char *u = s;
	char q, esc[8];
	size_t i;

	if (flags & PYREPR_BYTES) {
		flags |= PYREPR_ASCII;
		dbuf_addc(b, 'b');
	}
	q = len > 0 && memchr(s, '\'', len) != NULL &&
	    memchr(s, '"', len) == NULL ? '"' : '\'';
	dbuf_addc(b, q);
	for (i = 0; i < len; i++) {
		if (u[i] == '\\' || u[i] == (unsigned char)q) {
			dbuf_addc(b, '\\');
			dbuf_addc(b, (char)u[i]);
		} else if (u[i] == '\n')
			dbuf_add(b, "\\n", 2);
		else if (u[i] == '\r')
			dbuf_add(b, "\\r", 2);
		else if (u[i] == '\t')
			dbuf_add(b, "\\t", 2);
		else if (u[i] < 0x20 || u[i] == 0x7f ||
		    ((flags & PYREPR_ASCII) && u[i] >= 0x80)) {
			snprintf(esc, sizeof esc, "\\x%02x", u[i]);
			dbuf_add(b, esc, 4);
		} else
			dbuf_addc(b, (char)u[i]);
	}
	dbuf_addc(b, q);
}

char *
pyrepr(const char *s)
{
	struct dbuf b = DBUF_INIT;

	pyrepr_add(&b, s, strlen(s), 0);
	return dbuf_take(&b);
}

char *
pyrepr_bytes(const void *s, size_t len)
{
	struct dbuf b = DBUF_INIT;

	pyrepr_add(&b, s, len, PYREPR_BYTES);
	return dbuf_take(&b);
}
