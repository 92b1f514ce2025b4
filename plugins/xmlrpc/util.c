/*
 * util.c — Python's repr for log lines and integer text.  Allocation is
 * lib/xmalloc.c's: every input has a cap, so running out of memory is an
 * impossible state and aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlrpc.h"

/*
 * Like Python's repr() of a str: single quotes, or double quotes when the
 * text has a ' and no "; \n \r \t \\ and the quote escaped, other control
 * bytes as \xNN.  Bytes >= 0x80 are copied as they are (the log is UTF-8).
 * Past max bytes of input, "..." marks the cut.
 */
char *
xr_repr(const char *buf, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i, n, cut;
	char *out, q;

	cut = len > max;
	if (cut)
		len = max;
	out = xmalloc(len * 4 + 8);
	q = memchr(buf, '\'', len) != NULL && memchr(buf, '"', len) == NULL ?
	    '"' : '\'';
	n = 0;
	out[n++] = q;
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\n':
			out[n++] = '\\';
			out[n++] = 'n';
			break;
		case '\r':
			out[n++] = '\\';
			out[n++] = 'r';
			break;
		case '\t':
			out[n++] = '\\';
			out[n++] = 't';
			break;
		case '\\':
			out[n++] = '\\';
			out[n++] = '\\';
			break;
		default:
			if (s[i] == (unsigned char)q) {
				out[n++] = '\\';
				out[n++] = q;
			} else if (s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(out + n, 5, "\\x%02x", s[i]);
				n += 4;
			} else
				out[n++] = (char)s[i];
		}
	}
	out[n++] = q;
	if (cut) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

char *
xr_itoa(json_int_t v, char *end)
{
	unsigned long long u;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--end = '-';
	return end;
}
