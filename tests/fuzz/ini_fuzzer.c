/*
 * ini_fuzzer.c — libFuzzer target for the config reader (daemon/ini.c):
 * the bytes are a config file read by ini_load_string(), then every
 * section and entry is walked and every value %-expanded, so both parsers
 * see fuzzed text.  Seeds: tests/fuzz/corpus/ini/.
 *
 * Built by the fuzz wiring (--enable-fuzzing), or by hand:
 *   clang -g -fsanitize=fuzzer,address -I_build/x -Idaemon -Ilib \
 *     -Isdk/include -Itests/fuzz tests/fuzz/ini_fuzzer.c daemon/ini.c \
 *     daemon/expand.c lib/xmalloc.c -ljansson
 *
 * The name given to the reader lives in a directory that does not exist,
 * so a relative [include] pattern matches nothing; an absolute one may
 * read real files, which is harmless.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "expand.h"
#include "fuzz.h"
#include "ini.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini_doc *doc;
	struct ini_section *s;
	struct ini_entry *e;
	json_t	*vars;
	char	*text, *err, *out;
	size_t	 i;
	int	 level;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err = NULL;
	doc = ini_load_string("/nonexistent-sth-fuzz/fuzz.conf", text, &err);
	free(text);
	if (doc == NULL) {
		free(err);
		return 0;
	}
	vars = json_pack("{s:s, s:i, s:s}", "here", "/h", "process_num", 1,
	    "program_name", "p");
	for (s = ini_first(doc); s != NULL; s = ini_next(s)) {
		(void)ini_section_file(s);
		for (e = ini_entry_first(s); e != NULL; e = ini_entry_next(e)) {
			if (ini_entry_find(s, ini_entry_key(e)) != e)
				abort();
			err = NULL;
			out = expand(ini_entry_value(e), ini_entry_key(e), vars,
			    &err);
			free(out);
			free(err);
		}
	}
	for (i = 0; ini_message(doc, i, &level) != NULL; i++)
		;
	json_decref(vars);
	ini_free(doc);
	return 0;
}
