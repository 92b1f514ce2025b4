/*
 * ini.h — supervisord's INI dialect, read into memory (docs/supervisord.md
 * §1.2, §1.5).
 *
 * Ownership: a struct ini_doc owns every section, entry and string read from
 * the main file and its [include]d files; everything returned by the
 * accessors below is borrowed from the doc and lives until ini_free().
 *
 * The reader does the syntax only: comments (full-line ; and #, inline ; and
 * # after whitespace, even inside quotes, as RawConfigParser does),
 * continuation lines, `key=value` and `key: value`, lower-cased keys,
 * case-sensitive section names, duplicate sections merged and duplicate keys
 * last-wins, [include] files= globs relative to the main file with %(here)s
 * replaced textually by each included file's directory.  Values are stored
 * unexpanded; expansion is expand.h's job.
 */
#ifndef STHENO_INI_H
#define STHENO_INI_H

#include <stddef.h>

struct ini_doc;
struct ini_section;
struct ini_entry;

/*
 * Read path (made absolute) and its includes.  On error returns NULL and
 * sets *err to a malloc'd message naming the file and line, e.g.
 * "File contains parsing errors: /etc/x.conf, line 7: '[program:x'".
 * Messages the reader would log (included files, unmatched include
 * patterns) are queued on the doc: see ini_messages.
 */
struct ini_doc *ini_load(const char *path, char **err);
/* The same from a string; name is used as the file name in messages, and
 * `here` for includes/%(here)s is the directory of name. */
struct ini_doc *ini_load_string(const char *name, const char *text,
				char **err);
void ini_free(struct ini_doc *);

/* The absolute path of the main file. */
const char *ini_path(const struct ini_doc *);

/* Sections in first-appearance order. */
struct ini_section *ini_first(const struct ini_doc *);
struct ini_section *ini_next(const struct ini_section *);
struct ini_section *ini_find(const struct ini_doc *, const char *name);

const char *ini_section_name(const struct ini_section *);
/* The file and line where the section was first opened. */
const char *ini_section_file(const struct ini_section *);
int ini_section_line(const struct ini_section *);

/* Entries of a section in first-appearance order (a key set twice keeps
 * its first position and its last value). */
struct ini_entry *ini_entry_first(const struct ini_section *);
struct ini_entry *ini_entry_next(const struct ini_entry *);
struct ini_entry *ini_entry_find(const struct ini_section *, const char *key);
const char *ini_entry_key(const struct ini_entry *);
const char *ini_entry_value(const struct ini_entry *);	/* raw, unexpanded */
/* Where the winning value was written: its file, line, and that file's
 * directory (the %(here)s of the value). */
const char *ini_entry_file(const struct ini_entry *);
int ini_entry_line(const struct ini_entry *);
const char *ini_entry_here(const struct ini_entry *);

/* Shortcut: the raw value of key in section, or NULL. */
const char *ini_get(const struct ini_doc *, const char *section,
		    const char *key);

/*
 * Messages queued while reading, to be replayed into the main log once it
 * is open (supervisord logs them after parsing): level is a STH_LOG_* value.
 * Call with i = 0, 1, ... until it returns NULL.
 */
const char *ini_message(const struct ini_doc *, size_t i, int *level);

#endif
