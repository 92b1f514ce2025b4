/*
 * cfgval_fuzzer.c — fuzz target for supervisord's typed config values
 * (daemon/cfgval.c): booleans, integers, byte sizes, octal, signals, exit
 * codes, environment lists, log levels, autorestart, host:port and the
 * comma-list splitter.  (user/owner and logfile are left out: they ask
 * NSS and the filesystem.)
 *
 * Input: byte 0 picks the parser, the rest is the value (a value holding a
 * NUL is skipped: the INI reader never hands one over).  The target aborts
 * if:
 *  - a parser fails without an error message, or succeeds with one;
 *  - an accepted value is out of its type's range (bool 0/1, exit codes
 *    0..255 and none only for an empty value, as supervisor's
 *    list_of_ints, a port 1..65535, autorestart 0..2, a signal
 *    1..64, a log level of the table);
 *  - an accepted integer, byte size or octal number, written back in
 *    decimal (octal), does not parse to the same value; a signal's name
 *    does not parse back to its number;
 *  - an environment list is not an object of strings;
 *  - a list item is empty, holds a comma or starts or ends with a blank,
 *    or lies outside the list.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stheno/host.h>

#include "cfgval.h"
#include "fuzz.h"

/* rc and err agree: 0 without an error, -1 with one (freed). */
static int
outcome(int rc, char **err)
{
	if ((rc == 0) != (*err == NULL) || (rc != 0 && rc != -1))
		abort();
	free(*err);
	*err = NULL;
	return rc;
}

static void
f_bool(const char *s)
{
	char *err = NULL;
	int v;

	if (outcome(cfgval_bool(s, &v, &err), &err) == 0 && v != 0 && v != 1)
		abort();
}

static void
f_int(const char *s)
{
	char *err = NULL, buf[32];
	long v, w;

	if (outcome(cfgval_int(s, &v, &err), &err) != 0)
		return;
	snprintf(buf, sizeof buf, "%ld", v);
	if (outcome(cfgval_int(buf, &w, &err), &err) != 0 || w != v)
		abort();
}

static void
f_bytes(const char *s)
{
	char *err = NULL, buf[32];
	long long v, w;

	if (outcome(cfgval_bytes(s, &v, &err), &err) != 0)
		return;
	snprintf(buf, sizeof buf, "%lld", v);
	if (outcome(cfgval_bytes(buf, &w, &err), &err) != 0 || w != v)
		abort();
}

static void
f_octal(const char *s)
{
	char *err = NULL, buf[32];
	long v, w;

	if (outcome(cfgval_octal(s, &v, &err), &err) != 0)
		return;
	if (v < 0)
		abort();
	snprintf(buf, sizeof buf, "%lo", v);
	if (outcome(cfgval_octal(buf, &w, &err), &err) != 0 || w != v)
		abort();
}

static void
f_signal(const char *s)
{
	char *err = NULL;
	const char *name;
	int v, w;

	if (outcome(cfgval_signal(s, &v, &err), &err) != 0)
		return;
	if (v < 1 || v > 64)
		abort();
	if ((name = cfgval_signame(v)) != NULL &&
	    (outcome(cfgval_signal(name, &w, &err), &err) != 0 || w != v))
		abort();
}

static void
f_exitcodes(const char *s)
{
	char *err = NULL;
	int *codes = NULL;
	size_t n = 0, i;

	if (outcome(cfgval_exitcodes(s, &codes, &n, &err), &err) != 0)
		return;
	if ((n == 0) != (*s == '\0'))
		abort();
	for (i = 0; i < n; i++)
		if (codes[i] < 0 || codes[i] > 255)
			abort();
	free(codes);
}

static void
f_envlist(const char *s)
{
	char *err = NULL;
	const char *k;
	json_t *obj = NULL, *v;

	if (outcome(cfgval_envlist(s, &obj, &err), &err) != 0)
		return;
	if (!json_is_object(obj))
		abort();
	json_object_foreach(obj, k, v)
		if (!json_is_string(v))
			abort();
	json_decref(obj);
}

static void
f_loglevel(const char *s)
{
	static const int levels[] = { STH_LOG_CRIT, STH_LOG_ERRO, STH_LOG_WARN,
		STH_LOG_INFO, STH_LOG_DEBG, STH_LOG_TRAC, STH_LOG_BLAT };
	char *err = NULL;
	size_t i;
	int v;

	if (outcome(cfgval_loglevel(s, &v, &err), &err) != 0)
		return;
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (levels[i] == v)
			return;
	abort();
}

static void
f_autorestart(const char *s)
{
	char *err = NULL;
	int v;

	if (outcome(cfgval_autorestart(s, &v, &err), &err) == 0 &&
	    (v < 0 || v > 2))
		abort();
}

static void
f_hostport(const char *s)
{
	char *err = NULL, *host = NULL;
	int port;

	if (outcome(cfgval_hostport(s, &host, &port, &err), &err) != 0)
		return;
	if (port < 1 || port > 65535)
		abort();
	free(host);
}

static void
f_list(const char *s)
{
	const char *cur = s, *item, *end = s + strlen(s);
	size_t len;

	while (cfg_list_next(&cur, &item, &len)) {
		if (len == 0 || item < s || item + len > end ||
		    memchr(item, ',', len) != NULL ||
		    item[0] == ' ' || item[0] == '\t' ||
		    item[len - 1] == ' ' || item[len - 1] == '\t')
			abort();
	}
}

static void (*const parsers[])(const char *) = {
	f_bool, f_int, f_bytes, f_octal, f_signal, f_exitcodes, f_envlist,
	f_loglevel, f_autorestart, f_hostport, f_list,
};
#define NPARSERS (sizeof parsers / sizeof parsers[0])

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || memchr(data + 1, '\0', size - 1) != NULL)
		return 0;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	parsers[data[0] % NPARSERS](s);
	free(s);
	return 0;
}
