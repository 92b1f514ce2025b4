/*
 * html.c — HTML escaping for the http extensions (html.h).
 */
#include "config.h"

#include <string.h>

#include "html.h"

void
html_escape(struct dbuf *b, const char *s, size_t len)
{
	static const struct {
		char c;
		const char *ent;
	} ents[] = {
		{ '&', "&amp;" }, { '<', "&lt;" }, { '>', "&gt;" },
		{ '"', "&quot;" }, { '\'', "&#39;" },
	};
	size_t i, j, run = 0;

	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof ents / sizeof ents[0]; j++)
			if (s[i] == ents[j].c)
				break;
		if (j == sizeof ents / sizeof ents[0])
			continue;
		dbuf_add(b, s + run, i - run);
		dbuf_puts(b, ents[j].ent);
		run = i + 1;
	}
	dbuf_add(b, s + run, len - run);
}
