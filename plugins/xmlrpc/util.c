/*
 * util.c — Python's repr for log lines (lib/pyrepr.c, cut) and integer
 * text for the encoders.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrepr.h"
#include "xmlrpc.h"

char *
xr_repr(const char *buf, size_t len, size_t max)
{
	struct dbuf b = DBUF_INIT;

	pyrepr_add(&b, buf, len > max ? max : len, 0);
	if (len > max)
		DBUF_LIT(&b, "...");
	return dbuf_take(&b);
}

/* "00" to "99": two digits a division (timestamps have ten). */
static const char xr_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

char *
xr_itoa(json_int_t v, char *end)
{
	unsigned long long u;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	while (u >= 100) {
		end -= 2;
		memcpy(end, xr_pairs + u % 100 * 2, 2);
		u /= 100;
	}
	if (u >= 10) {
		end -= 2;
		memcpy(end, xr_pairs + u * 2, 2);
	} else
		*--end = (char)('0' + u);
	if (v < 0)
		*--end = '-';
	return end;
}
