/*
 * loadcheck.c — load one plugin file through the real loader, call one of
 * its RPC methods, compare the answer, and unload it.  `make installcheck`
 * runs it on the SDK example built against the installed SDK, so the
 * headers, stheno.pc and the loader are checked together.
 *
 * Usage: loadcheck PLUGIN.so METHOD PARAMS-JSON EXPECTED-RESULT-JSON
 * Exits 0 if the plugin loads, answers exactly as expected and unloads.
 *
 * Ownership: everything here lives for the run of the program.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "loader.h"
#include "rpc.h"
#include "sthenod.h"

static json_t *answer;

static void
done(json_t *result, int code, const char *fstr, void *arg)
{
	if (result != NULL)
		answer = json_incref(result);
	else
		fprintf(stderr, "loadcheck: fault %d: %s\n", code, fstr);
}

int
main(int argc, char *argv[])
{
	json_t *params, *expected, *list;
	json_error_t jerr;
	char *err = NULL, *got;
	int i, rc = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: loadcheck PLUGIN.so METHOD PARAMS "
		    "EXPECTED\n");
		return 2;
	}
	if ((params = json_loads(argv[3], 0, &jerr)) == NULL ||
	    (expected = json_loads(argv[4], JSON_DECODE_ANY, &jerr)) == NULL) {
		fprintf(stderr, "loadcheck: bad JSON: %s\n", jerr.text);
		return 2;
	}
	sth.base = event_base_new();
	plugins_init(NULL);
	/* a path, as the config's path= gives one (plugin.load takes names) */
	if (plugins_load_many((const char *const *)&argv[1], 1, &err) != 0) {
		fprintf(stderr, "loadcheck: %s\n", err);
		goto out;
	}
	if (rpc_call(NULL, argv[2], params, done, NULL) != NULL) {
		fprintf(stderr, "loadcheck: %s did not answer at once\n",
		    argv[2]);
		goto out;
	}
	if (answer == NULL)
		goto out;
	if (!json_equal(answer, expected)) {
		got = json_dumps(answer, JSON_ENCODE_ANY);
		fprintf(stderr, "loadcheck: %s answered %s, expected %s\n",
		    argv[2], got, argv[4]);
		free(got);
		goto out;
	}
	if (plugin_unload(json_string_value(json_object_get(
	    json_array_get(list = plugin_list(), 0), "name")), &err) != 0) {
		fprintf(stderr, "loadcheck: %s\n", err);
		json_decref(list);
		goto out;
	}
	json_decref(list);
	for (i = 0; i < 100; i++) {
		list = plugin_list();
		rc = json_array_size(list) == 0 ? 0 : 1;
		json_decref(list);
		if (rc == 0)
			break;
		event_base_loop(sth.base, EVLOOP_NONBLOCK);
	}
	if (rc != 0)
		fprintf(stderr, "loadcheck: the plugin never finished "
		    "unloading\n");
	else
		printf("loadcheck: %s %s -> %s: ok\n", argv[1], argv[2],
		    argv[4]);
out:
	free(err);
	json_decref(answer);
	json_decref(params);
	json_decref(expected);
	plugins_shutdown();
	event_base_free(sth.base);
	return rc;
}
