/*
 * prom.c — Prometheus text exposition format 0.0.4: HELP and TYPE lines,
 * samples with escaped labels, and values.
 *
 * Ownership: nothing; output goes into the caller's buffer.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"

/* Escape the characters in special; each becomes '\\' + its code. */
static void
escape(struct dbuf *b, const char *s, const char *special)
{
	size_t n;

	while (*s != '\0') {
		n = strcspn(s, special);
		dbuf_add(b, s, n);
		s += n;
		if (*s == '\0')
			break;
		dbuf_add(b, "\\", 1);
		dbuf_add(b, *s == '\n' ? "n" : s, 1);
		s++;
	}
}

void
prom_escape_label(struct dbuf *b, const char *v)
{
	escape(b, v, "\\\"\n");
}

void
prom_family(struct dbuf *b, const char *name, const char *type,
    const char *help)
{
	dbuf_printf(b, "# HELP %s ", name);
	escape(b, help, "\\\n");
	dbuf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void
prom_value(struct dbuf *b, double v)
{
	if (isnan(v))
		dbuf_puts(b, "NaN");
	else if (isinf(v))
		dbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		dbuf_printf(b, "%.0f", v);
	else
		dbuf_printf(b, "%.17g", v);
}

void
prom_sample(struct dbuf *b, const char *name, const char *const *labels,
    double value)
{
	size_t i;

	dbuf_puts(b, name);
	if (labels != NULL && labels[0] != NULL) {
		dbuf_add(b, "{", 1);
		for (i = 0; labels[i] != NULL && labels[i + 1] != NULL;
		    i += 2) {
			if (i > 0)
				dbuf_add(b, ",", 1);
			dbuf_puts(b, labels[i]);
			dbuf_add(b, "=\"", 2);
			prom_escape_label(b, labels[i + 1]);
			dbuf_add(b, "\"", 1);
		}
		dbuf_add(b, "}", 1);
	}
	dbuf_add(b, " ", 1);
	prom_value(b, value);
	dbuf_add(b, "\n", 1);
}
