/*
 * prom.h — the metrics extension's internal header: a writer for
 * Prometheus' text exposition format, version 0.0.4 (prom.c), and the
 * plugin's state (metrics.c).
 *
 * Ownership: prom.c writes into the caller's struct dbuf and keeps
 * nothing; metrics.c owns the one struct metrics_ctx and its start
 * counters.
 */
#ifndef STHENO_PLUGIN_PROM_H
#define STHENO_PLUGIN_PROM_H

#include "../status/ext.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help\n# TYPE name type\n", help escaped (\\ and \n). */
void prom_family(struct dbuf *, const char *name, const char *type,
    const char *help);
/*
 * One sample: name{k="v",...} value.  labels is k, v, k, v, ..., NULL
 * (may be NULL); values are escaped (\\, \" and \n).
 */
void prom_sample(struct dbuf *, const char *name,
    const char *const *labels, double value);
/* v as a label value, escaped. */
void prom_escape_label(struct dbuf *, const char *v);
/* A sample value: integers exactly, NaN and infinities by their names. */
void prom_value(struct dbuf *, double);

#endif /* STHENO_PLUGIN_PROM_H */
