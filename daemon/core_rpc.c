/*
 * core_rpc.c — the stheno.* methods of core_rpc.h.
 *
 * stheno.getMainLogPath answers the main log's path in force (log_path()):
 * the -l command-line flag when given, else [supervisord] logfile, made
 * absolute; "syslog" when the log goes to syslog(3).  The web UI's
 * /mainlogtail asks for it rather than reading the config, which knows
 * neither -l nor a later SIGHUP.
 */
#include "config.h"

#include <stddef.h>

#include "core_rpc.h"
#include "log.h"
#include "rpc.h"
#include "xmalloc.h"

static void
core_main_log_path(struct sth_rpc_call *call, json_t *params, void *arg)
{
	const char *path;

	if (json_array_size(params) != 0) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	/* NULL only between log_close and log_open of a reload */
	if ((path = log_path()) == NULL) {
		rpc_fault(call, STH_FAULT_NO_FILE, "the main log is not open");
		return;
	}
	rpc_return(call, json_string(path));
}

static const struct {
	const char *name;
	sth_rpc_fn fn;
	const char *help;
	const char *sig;
} core_methods[] = {
	{ "stheno.getMainLogPath", core_main_log_path,
	  "Return the path of the main log in force: the -l command-line "
	  "flag if given, else [supervisord] logfile, as an absolute path, "
	  "or \"syslog\".\n@return string path",
	  "[\"string\"]" },
};

void
core_rpc_register(void)
{
	size_t i;

	for (i = 0; i < sizeof core_methods / sizeof core_methods[0]; i++)
		if (rpc_register(NULL, core_methods[i].name,
		    core_methods[i].fn, NULL, core_methods[i].help,
		    core_methods[i].sig) != 0)
			fatalx("cannot register %s", core_methods[i].name);
}
