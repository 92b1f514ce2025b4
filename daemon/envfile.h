/*
 * envfile.h — environment files ([program:x] environment_file=, the
 * request of supervisor#242 and systemd's EnvironmentFile=): KEY=VALUE
 * lines read at each spawn, so editing the file and restarting the
 * program is enough.
 *
 * Ownership: the JSON object a call fills is the caller's; *err is
 * malloc'd for the caller.  Nothing is kept between calls.
 */
#ifndef STHENO_ENVFILE_H
#define STHENO_ENVFILE_H

#include <stddef.h>

#include <jansson.h>

#define ENVFILE_MAX (1024 * 1024)	/* bytes of one file */

/*
 * Parse text (len bytes) as an environment file into obj (string values;
 * a later line wins).  0, or -1 with *err naming the line ("line 3:
 * expected KEY=VALUE").
 */
int envfile_parse(const char *text, size_t len, json_t *obj, char **err);

/*
 * Read the files of list ("a.env, -b.env": comma-separated, a leading '-'
 * makes a missing file no error) in order into *out, a new object (later
 * files win).  0, or -1 with *err naming the file.
 */
int envfile_load(const char *list, json_t **out, char **err);

#endif
