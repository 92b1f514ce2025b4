/*
 * html.h — HTML escaping into a struct dbuf (lib/dbuf.h), for the pages of
 * the http family's extensions (status.so, webui.so).  These are separate
 * plugins, so html.c is compiled into each of them rather than exported by
 * one: it is no part of the host or SDK ABI.
 *
 * Ownership: the caller's struct dbuf, as dbuf.h says.
 */
#ifndef STHENO_PLUGIN_HTML_H
#define STHENO_PLUGIN_HTML_H

#include <stddef.h>

#include "dbuf.h"

/* len bytes of s with &, <, >, " and ' as HTML entities (text and
 * attribute values alike). */
void html_escape(struct dbuf *, const char *s, size_t len);

#endif /* STHENO_PLUGIN_HTML_H */
