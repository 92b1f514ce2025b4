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
