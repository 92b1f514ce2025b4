/*
 * expand.h — Python %-format expansion of config values (docs/supervisord.md
 * §1.2, §1.4).
 *
 * Ownership: the caller owns the vars object (a jansson object) and the
 * returned string (free(3)); the error string is malloc'd and the caller's.
 *
 * `%(name)s` (and the other Python conversions supervisord's configs use:
 * `%(name)d`, `%(name)02d`, `%(name)r`...) are replaced from vars, whose
 * values are JSON strings or integers; `%%` is a literal `%`.  An unknown
 * name is an error that lists the available names the way supervisord does:
 * "Format string '%(foo)s' for 'command' contains names ('foo') which cannot
 * be expanded. Available names: ENV_HOME, group_name, here, ..."
 */
#ifndef STHENO_EXPAND_H
#define STHENO_EXPAND_H

#include <jansson.h>

/* key is used in the error message only. */
char *expand(const char *in, const char *key, const json_t *vars, char **err);

/* A new object with ENV_<NAME> for every variable of environ. */
json_t *expand_env_vars(void);

/*
 * The names a config value can expand, as a new object: a copy of env
 * (the ENV_* names: sth.env_vars in the daemon; those of environ when
 * NULL), plus `here` and `host_node_name` unless NULL (or not UTF-8).
 */
json_t *expand_vars(const json_t *env, const char *here, const char *node);

#endif
