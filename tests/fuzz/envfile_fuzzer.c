/*
 * envfile_fuzzer.c — fuzz target for environment files (daemon/envfile.c,
 * the format at the top of that file).
 *
 * Input: the whole input is one file's text.  The target aborts if:
 *  - a file is accepted that holds a NUL byte, or a key that is not
 *    [A-Za-z_][A-Za-z0-9_]*;
 *  - an error does not start with "line N: " (N within the file's lines),
 *    or is "contains a NUL byte" for a file without one;
 *  - writing every variable back, each as KEY="value" with \\ \" \$ \`
 *    \n \t \r escaped, gives a file that does not parse, or parses to
 *    other variables (the quoting round trip).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"
#include "fuzz.h"

static int
key_ok(const char *k)
{
	const char *p;

	if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
	    *k == '_'))
		return 0;
	for (p = k + 1; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* KEY="value" lines for every variable of obj, in out (malloc'd). */
static char *
write_back(json_t *obj, size_t *len)
{
	const char *k, *v;
	json_t *jv;
	size_t n = 0, cap = 64, i, vl;
	char *out = malloc(cap), c;

	json_object_foreach(obj, k, jv) {
		v = json_string_value(jv);
		vl = json_string_length(jv);
		if (n + strlen(k) + 2 * vl + 8 > cap) {
			cap = (n + strlen(k) + 2 * vl + 8) * 2;
			out = realloc(out, cap);
		}
		n += (size_t)sprintf(out + n, "%s=\"", k);
		for (i = 0; i < vl; i++) {
			c = v[i];
			if (c == '\\' || c == '"' || c == '$' || c == '`') {
				out[n++] = '\\';
				out[n++] = c;
			} else if (c == '\n' || c == '\t' || c == '\r') {
				out[n++] = '\\';
				out[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			} else
				out[n++] = c;
		}
		out[n++] = '"';
		out[n++] = '\n';
	}
	*len = n;
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *k;
	json_t *obj = json_object(), *again, *jv;
	char *err = NULL, *back;
	size_t blen, lines = 1, i;
	long line;
	int has_nul = memchr(text, '\0', size) != NULL;

	for (i = 0; i < size; i++)
		lines += text[i] == '\n';
	if (envfile_parse(text, size, obj, &err) == -1) {
		if (has_nul) {
			if (strcmp(err, "contains a NUL byte") != 0)
				abort();
		} else if (sscanf(err, "line %ld: ", &line) != 1 || line < 1 ||
		    (size_t)line > lines)
			abort();
		free(err);
		json_decref(obj);
		return 0;
	}
	if (has_nul)
		abort();
	json_object_foreach(obj, k, jv)
		if (!key_ok(k) || !json_is_string(jv))
			abort();
	back = write_back(obj, &blen);
	again = json_object();
	if (envfile_parse(back, blen, again, &err) == -1 ||
	    !json_equal(obj, again))
		abort();
	free(back);
	json_decref(again);
	json_decref(obj);
	return 0;
}
