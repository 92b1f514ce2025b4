/*
 * cfgval.h — supervisord's typed config values (docs/supervisord.md §1.3), and
 * the section reader that applies a table of options to a struct.
 *
 * Ownership: parsers write into caller-owned outputs; strings they return
 * are malloc'd and the caller's, as is *err.  Error messages say what was
 * wrong with the value only ("not a valid boolean value: 'maybe'"); the
 * section reader adds where: cfg_where() below.
 */
#ifndef STHENO_CFGVAL_H
#define STHENO_CFGVAL_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

struct ini_section;
struct ini_entry;

int cfgval_bool(const char *s, int *out, char **err);
int cfgval_int(const char *s, long *out, char **err);
/* "1024", "10KB", "50MB", "1GB" (case-insensitive suffixes, powers of 1024) */
int cfgval_bytes(const char *s, long long *out, char **err);
int cfgval_octal(const char *s, long *out, char **err);
/* "TERM", "SIGTERM", "term", "15" -> the signal number */
int cfgval_signal(const char *s, int *out, char **err);
/* The name without SIG ("TERM") of a signal number, or NULL. */
const char *cfgval_signame(int sig);
/* "0,2" -> a malloc'd array of codes 0..255 */
int cfgval_exitcodes(const char *s, int **codes, size_t *n, char **err);
/* 'A=1,B="x,y"' -> a new JSON object of string values, in order */
int cfgval_envlist(const char *s, json_t **out, char **err);
/* loglevel names: critical error warn info debug trace blather -> STH_LOG_* */
int cfgval_loglevel(const char *s, int *out, char **err);
/* A user name or uid that exists: uid and primary gid. */
int cfgval_user(const char *s, uid_t *uid, gid_t *gid, char **err);
/* "user" or "user:group", names or ids. */
int cfgval_owner(const char *s, uid_t *uid, gid_t *gid, char **err);
/* autorestart: "unexpected" -> 2, true -> 1, false -> 0 */
int cfgval_autorestart(const char *s, int *out, char **err);
/* Logfile values: AUTO -> CFG_LOGFILE_AUTO, NONE/none/off -> _NONE, syslog
 * -> _SYSLOG, stdout / stderr -> _STDOUT / _STDERR (sthenod's own, stheno's
 * addition), else a path (~ expanded) whose directory must exist, returned
 * in *path (malloc'd). */
enum cfg_logfile { CFG_LOGFILE_PATH, CFG_LOGFILE_AUTO, CFG_LOGFILE_NONE,
	CFG_LOGFILE_SYSLOG, CFG_LOGFILE_STDOUT, CFG_LOGFILE_STDERR };
int cfgval_logfile(const char *s, enum cfg_logfile *kind, char **path,
		   char **err);
/* "host:port", ":port", "*:port", "port" -> host (malloc'd, NULL = any) and
 * port 1..65535 */
int cfgval_hostport(const char *s, char **host, int *port, char **err);

/*
 * A malloc'd "in section 'S' (file: 'F', line N)" suffix for an error about
 * key in section, using the entry's own file and line when it exists.
 * Every config error the daemon prints ends with it.
 */
char *cfg_where(const struct ini_section *sec, const char *key);
/*
 * The next item of a comma-separated list value ("a, b,,c"), trimmed of
 * blanks, empty items skipped: 1 with *item and *len (not NUL-terminated,
 * pointing into the list), or 0 at the end.  Start with *cur = the list.
 */
int cfg_list_next(const char **cur, const char **item, size_t *len);

/*
 * Table-driven section reading (tmux's options-table.c).  Each option says its
 * key, its type, where in the target struct it goes, its default (as the
 * text a user would write, parsed like a value from the file, or NULL for
 * "unset"), and whether it is required.  Values are expanded with vars
 * before parsing.  Unknown keys are ignored, as supervisord does.
 */
enum cfg_type {
	CFG_STR,	/* char *, malloc'd (NULL if unset) */
	CFG_BOOL,	/* int */
	CFG_INT,	/* long */
	CFG_BYTES,	/* long long */
	CFG_OCTAL,	/* long (-1 if unset) */
	CFG_SIGNAL,	/* int */
	CFG_LOGLEVEL,	/* int */
	CFG_EXITCODES,	/* struct cfg_codes */
	CFG_ENV,	/* json_t * (object; NULL if unset) */
	CFG_AUTORESTART,/* int */
	CFG_LOGFILE,	/* struct cfg_logpath */
};
struct cfg_codes {
	int *codes;
	size_t n;
};
struct cfg_logpath {
	enum cfg_logfile kind;
	char *path;		/* CFG_LOGFILE_PATH only */
};
#define CFG_REQUIRED 0x1
#define CFG_EXPAND_TWICE 0x2	/* *_logfile values are expanded twice */
#define CFG_NO_EXPAND 0x4
#define CFG_EMPTY_NULL 0x8	/* CFG_STR: an empty value reads as NULL */
struct cfg_option {
	const char *key;
	enum cfg_type type;
	size_t offset;		/* offsetof(struct target, member) */
	const char *def;	/* default, as config text; NULL = unset */
	int flags;
	long min, max;		/* INT, BYTES, OCTAL: bounds when min < max */
};
/*
 * Fill target from sec (which may be NULL: defaults only).  On error
 * returns -1 and sets *err to "<what is wrong> <cfg_where()>".
 */
int cfg_read(const struct ini_section *sec, const struct cfg_option *opts,
	     void *target, const json_t *vars, char **err);
/*
 * cfg_read where a key absent from sec is taken from fallback (NULL: none),
 * as a server section over its plugin's defaults; an error names the
 * section the value came from.
 */
int cfg_read_over(const struct ini_section *sec,
		  const struct ini_section *fallback,
		  const struct cfg_option *opts, void *target,
		  const json_t *vars, char **err);
/* Free what cfg_read allocated in target (strings, codes, env objects). */
void cfg_release(const struct cfg_option *opts, void *target);
/*
 * 1 if every member opts names holds the same value in a and b (targets
 * cfg_read filled), else 0: a LOGFILE's path counts only for a path.
 */
int cfg_equal(const struct cfg_option *opts, const void *a, const void *b);

#endif
