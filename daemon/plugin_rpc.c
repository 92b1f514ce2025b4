/*
 * plugin_rpc.c — plugin.load, plugin.unload, plugin.reload and plugin.list
 * in the RPC registry (loader.h), so the monitor console, XML-RPC and
 * JSON-RPC can drive the loader.  Every one takes a plugin name: what a
 * name may stand for is the loader's rule (plugin_trust.h).
 */
#include "config.h"

#include <stdlib.h>

#include "loader.h"
#include "rpc.h"
#include "xmalloc.h"

typedef int (*plugin_op_fn)(const char *, char **);

struct plugin_rpc_method {
	const char *name;
	sth_rpc_fn fn;
	plugin_op_fn op;
	const char *help;
	const char *sig;
};

static void
plugin_rpc_op(struct sth_rpc_call *call, json_t *params, void *arg)
{
	const struct plugin_rpc_method *m = arg;
	const char *name;
	char *err = NULL;

	if (json_array_size(params) != 1 ||
	    (name = json_string_value(json_array_get(params, 0))) == NULL) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS,
		    "expected one string: a plugin name");
		return;
	}
	if (m->op(name, &err) != 0) {
		rpc_fault(call, STH_FAULT_FAILED, "%s", err);
		free(err);
		return;
	}
	rpc_return(call, json_true());
}

static void
plugin_rpc_list(struct sth_rpc_call *call, json_t *params, void *arg)
{
	if (json_array_size(params) != 0) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	rpc_return(call, plugin_list());
}

static const struct plugin_rpc_method plugin_rpc_methods[] = {
	{ "plugin.load", plugin_rpc_op, plugin_load,
	  "Load a plugin by name: NAME.so from the plugin folders, or the "
	  "path= of the config file's [plugin:NAME] section (never a path "
	  "given by the caller).\n@param string name\n@return boolean result",
	  "[\"boolean\", \"string\"]" },
	{ "plugin.unload", plugin_rpc_op, plugin_unload,
	  "Unload a plugin: stop accepting, let work in flight finish, then "
	  "free it.\n@param string name\n@return boolean result",
	  "[\"boolean\", \"string\"]" },
	{ "plugin.reload", plugin_rpc_op, plugin_reload,
	  "Load a plugin's file again beside the running version and switch "
	  "to it; if the new one fails, the old one keeps serving.\n"
	  "@param string name\n@return boolean result",
	  "[\"boolean\", \"string\"]" },
	{ "plugin.list", plugin_rpc_list, NULL,
	  "The loaded plugins: name, version, state, path, requires, "
	  "used_by and resource counts.\n@return array result",
	  "[\"array\"]" },
};

void
plugin_rpc_register(void)
{
	size_t i;

	for (i = 0; i < sizeof plugin_rpc_methods /
	    sizeof plugin_rpc_methods[0]; i++) {
		if (rpc_register(NULL, plugin_rpc_methods[i].name,
		    plugin_rpc_methods[i].fn, (void *)&plugin_rpc_methods[i],
		    plugin_rpc_methods[i].help,
		    plugin_rpc_methods[i].sig) != 0)
			fatalx("cannot register %s",
			    plugin_rpc_methods[i].name);
	}
}
