/*
 * ini.c — supervisord's INI dialect (see ini.h).
 *
 * supervisord reads its file with Python 3's RawConfigParser(strict=False,
 * inline_comment_prefixes=(';', '#')).  This file is a line-by-line port of
 * that parser's _read() loop, so that any supervisord.conf reads the same:
 *
 *  - A line whose stripped text starts with ';' or '#' is a comment.
 *  - An inline comment is ';' or '#' at the start of the line or right
 *    after a whitespace character.  It truncates the line wherever it is,
 *    even inside quotes: `command=sh -c 'a ; b'` reads as `sh -c 'a`.  This
 *    is supervisord's quirk and we keep it, since configs in the wild are
 *    written around it.  Python looks for the two prefixes in rounds (the
 *    first ';' and the first '#', then the second of each...) and stops at
 *    the first round that finds one, which we reproduce too.
 *  - A line indented deeper than the line that started the current key
 *    continues its value; the pieces are joined with '\n'.  A blank line
 *    inside a value is kept (as an empty piece) and trailing blank pieces
 *    are dropped when the file ends.  An indented `[x]` after a key is a
 *    continuation, not a section.
 *  - `[name]` opens a section: name is everything between the first '['
 *    and the last ']', not stripped, case-sensitive; text after the ']' is
 *    ignored.  Sections opened twice (in one file or across files) merge.
 *  - `key = value` or `key: value`, split at the first '=' or ':'; the key
 *    is right-stripped and lower-cased; a key set twice keeps its first
 *    position and its last value.  A line that is neither is a parse error;
 *    errors are collected and reported when the file ends, as Python does.
 *  - `[DEFAULT]` keys apply to every section that lacks them.
 *
 * [include] is supervisord's (options.py read_config): `files` is split on
 * whitespace after %-expansion (here, host_node_name, ENV_*), each pattern
 * is joined to the main file's directory and globbed; matches are read in
 * sorted order and %(here)s in what each file set is replaced textually by
 * that file's directory.  Only the main file's [include] is honoured.
 *
 * Bytes are not decoded: a config is read as bytes, NUL is refused.
 * Every input is capped (line length, total size) with a clear error.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <stheno/host.h>

#include "expand.h"
#include "ini.h"
#include "pyrepr.h"
#include "xmalloc.h"

#define INI_MAX_LINE	(64 * 1024)		/* bytes in one line */
#define INI_MAX_TOTAL	(8 * 1024 * 1024)	/* bytes in all files read */
#define INI_MAX_ERRORS	10			/* parse errors listed */

struct ini_entry {
	struct ini_entry	*next;		/* in the section, in order */
	struct ini_entry	*hnext;		/* hash chain */
	struct ini_section	*sec;
	char			*key;
	char			*value;
	size_t			 len;
	size_t			 cap;
	const char		*file;		/* of the winning value */
	const char		*here;
	int			 line;
};

struct ini_section {
	struct ini_section	*next;		/* in first-appearance order */
	struct ini_section	*hnext;		/* hash chain */
	struct ini_doc		*doc;
	char			*name;
	const char		*file;
	int			 line;
	struct ini_entry	*entries;
	struct ini_entry	**tail;
};

struct ini_file {
	struct ini_file		*next;
	char			*path;		/* as opened, for messages */
	char			*here;		/* its absolute directory */
};

struct ini_msg {
	int			 level;
	char			*text;
};

struct ini_doc {
	char			*path;		/* absolute main file */
	struct ini_file		*files;
	struct ini_section	*sections;
	struct ini_section	**stail;
	struct ini_section	*defaults;	/* [DEFAULT], not listed */

	struct ini_section	**sbuckets;
	size_t			 nsbuckets;
	size_t			 nsections;
	struct ini_entry	**ebuckets;
	size_t			 nebuckets;
	size_t			 nentries;

	struct ini_msg		*msgs;
	size_t			 nmsgs;
	size_t			 total;		/* bytes read so far */
};

/* Python's str.isspace() on ASCII: it includes the \x1c-\x1f separators. */
static int
py_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t
entry_hash(const struct ini_section *sec, const char *key, size_t n)
{
	return (size_t)((hash_str(key) ^
	    ((uintptr_t)sec * 0x9e3779b97f4a7c15ULL)) % n);
}

/* ---- doc building ---------------------------------------------------- */

static void
doc_message(struct ini_doc *doc, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
doc_message(struct ini_doc *doc, int level, const char *fmt, ...)
{
	va_list	 ap;

	doc->msgs = xreallocarray(doc->msgs, doc->nmsgs + 1,
	    sizeof *doc->msgs);
	va_start(ap, fmt);
	xvasprintf(&doc->msgs[doc->nmsgs].text, fmt, ap);
	va_end(ap);
	doc->msgs[doc->nmsgs++].level = level;
}

static struct ini_file *
doc_file(struct ini_doc *doc, const char *path, const char *here)
{
	struct ini_file *f, **fp;

	f = xcalloc(1, sizeof *f);
	f->path = xstrdup(path);
	f->here = xstrdup(here);
	for (fp = &doc->files; *fp != NULL; fp = &(*fp)->next)
		;
	*fp = f;
	return f;
}

static struct ini_section *
section_lookup(const struct ini_doc *doc, const char *name)
{
	struct ini_section *s;

	if (doc->nsbuckets == 0)
		return NULL;
	s = doc->sbuckets[hash_str(name) % doc->nsbuckets];
	for (; s != NULL; s = s->hnext)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void
section_rehash(struct ini_doc *doc)
{
	struct ini_section *s;
	size_t	 n, h;

	n = doc->nsbuckets ? doc->nsbuckets * 2 : 64;
	free(doc->sbuckets);
	doc->sbuckets = xcalloc(n, sizeof *doc->sbuckets);
	doc->nsbuckets = n;
	for (s = doc->sections; s != NULL; s = s->next) {
		h = hash_str(s->name) % n;
		s->hnext = doc->sbuckets[h];
		doc->sbuckets[h] = s;
	}
}

static struct ini_section *
section_new(struct ini_doc *doc, const char *name, const char *file, int line)
{
	struct ini_section *s;

	s = xcalloc(1, sizeof *s);
	s->doc = doc;
	s->name = xstrdup(name);
	s->file = file;
	s->line = line;
	s->tail = &s->entries;
	return s;
}

static struct ini_section *
section_open(struct ini_doc *doc, const char *name, const char *file,
    int line)
{
	struct ini_section *s;
	size_t	 h;

	if ((s = section_lookup(doc, name)) != NULL)
		return s;
	s = section_new(doc, name, file, line);
	*doc->stail = s;
	doc->stail = &s->next;
	if (++doc->nsections > doc->nsbuckets)
		section_rehash(doc);
	else {
		h = hash_str(name) % doc->nsbuckets;
		s->hnext = doc->sbuckets[h];
		doc->sbuckets[h] = s;
	}
	return s;
}

static struct ini_entry *
entry_lookup(const struct ini_doc *doc, const struct ini_section *sec,
    const char *key)
{
	struct ini_entry *e;

	if (doc->nebuckets == 0)
		return NULL;
	e = doc->ebuckets[entry_hash(sec, key, doc->nebuckets)];
	for (; e != NULL; e = e->hnext)
		if (e->sec == sec && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
entry_rehash_section(struct ini_doc *doc, struct ini_section *s)
{
	struct ini_entry *e;
	size_t	 h;

	for (e = s->entries; e != NULL; e = e->next) {
		h = entry_hash(s, e->key, doc->nebuckets);
		e->hnext = doc->ebuckets[h];
		doc->ebuckets[h] = e;
	}
}

static void
entry_rehash(struct ini_doc *doc)
{
	struct ini_section *s;
	size_t	 n;

	n = doc->nebuckets ? doc->nebuckets * 2 : 256;
	free(doc->ebuckets);
	doc->ebuckets = xcalloc(n, sizeof *doc->ebuckets);
	doc->nebuckets = n;
	for (s = doc->sections; s != NULL; s = s->next)
		entry_rehash_section(doc, s);
	if (doc->defaults != NULL)
		entry_rehash_section(doc, doc->defaults);
}

/* The entry for key in sec, made (empty, at the end) if it is new. */
static struct ini_entry *
entry_open(struct ini_doc *doc, struct ini_section *sec, const char *key)
{
	struct ini_entry *e;
	size_t	 h;

	if ((e = entry_lookup(doc, sec, key)) != NULL)
		return e;
	e = xcalloc(1, sizeof *e);
	e->sec = sec;
	e->key = xstrdup(key);
	*sec->tail = e;
	sec->tail = &e->next;
	if (++doc->nentries > doc->nebuckets)
		entry_rehash(doc);
	else {
		h = entry_hash(sec, key, doc->nebuckets);
		e->hnext = doc->ebuckets[h];
		doc->ebuckets[h] = e;
	}
	return e;
}

static void
entry_append(struct ini_entry *e, const char *s, size_t n)
{
	if (e->len + n + 1 > e->cap) {
		while (e->len + n + 1 > e->cap)
			e->cap = e->cap ? e->cap * 2 : 32;
		e->value = xreallocarray(e->value, 1, e->cap);
	}
	memcpy(e->value + e->len, s, n);
	e->len += n;
	e->value[e->len] = '\0';
}

static void
entry_set(struct ini_entry *e, const char *s, size_t n,
    const struct ini_file *f, int line)
{
	e->len = 0;
	entry_append(e, s, n);
	e->file = f->path;
	e->here = f->here;
	e->line = line;
}

/* ---- paths ----------------------------------------------------------- */

/* os.path.abspath: made absolute against the cwd, then normalised. */
static char *
abspath(const char *path)
{
	char	*full, *out, *cwd, *p, *seg, *save;
	size_t	 n;

	if (path[0] == '/')
		full = xstrdup(path);
	else {
		if ((cwd = getcwd(NULL, 0)) == NULL)
			cwd = xstrdup("/");
		xasprintf(&full, "%s/%s", cwd, path);
		free(cwd);
	}
	out = xmalloc(strlen(full) + 2);
	n = 0;
	for (p = full; (seg = strtok_r(p, "/", &save)) != NULL; p = NULL) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, seg, strlen(seg));
		n += strlen(seg);
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(full);
	return out;
}

/* os.path.dirname of an absolute, normalised path. */
static char *
dirname_of(const char *path)
{
	const char *slash;

	slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/*
 * Read a whole file, refusing more than room bytes.  Returns 0, or -1 with
 * errno set (EFBIG when the file is over room).
 */
static int
read_file(const char *path, size_t room, char **text, size_t *len)
{
	struct stat st;
	char	*buf;
	size_t	 n, cap;
	ssize_t	 r;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	cap = 4096;
	buf = xmalloc(cap);
	n = 0;
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, 1, cap);
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > room) {
			free(buf);
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	*text = buf;
	*len = n;
	return 0;

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* ---- the parser ------------------------------------------------------ */

struct parse {
	struct ini_doc		*doc;
	const struct ini_file	*file;
	struct ini_section	*cursect;
	struct ini_entry	*opt;		/* the key being continued */
	size_t			 indent;
	char			*errors;	/* "line N: 'x'; ..." */
	int			 nerrors;
};

static void
parse_error(struct parse *ps, int lineno, const char *line, size_t n)
{
	char	*copy, *r, *prev;

	if (++ps->nerrors > INI_MAX_ERRORS) {
		if (ps->nerrors == INI_MAX_ERRORS + 1) {
			prev = ps->errors;
			xasprintf(&ps->errors, "%s; ...", prev);
			free(prev);
		}
		return;
	}
	copy = xstrndup(line, n);
	r = pyrepr(copy);
	prev = ps->errors;
	if (prev == NULL)
		xasprintf(&ps->errors, "line %d: %s", lineno, r);
	else
		xasprintf(&ps->errors, "%s; line %d: %s", prev, lineno, r);
	free(prev);
	free(r);
	free(copy);
}

/* Where an inline comment starts in line, or n if none: Python's rounds. */
static size_t
comment_start(const char *line, size_t n)
{
	static const char prefixes[2] = { ';', '#' };
	ssize_t	 idx[2] = { -1, -1 };
	int	 active[2] = { 1, 1 };
	size_t	 cs, i;
	const char *hit;
	int	 p;

	cs = n;
	while (cs == n && (active[0] || active[1])) {
		for (p = 0; p < 2; p++) {
			if (!active[p])
				continue;
			i = (size_t)(idx[p] + 1);
			hit = i < n ? memchr(line + i, prefixes[p], n - i) :
			    NULL;
			if (hit == NULL) {
				active[p] = 0;
				continue;
			}
			idx[p] = hit - line;
			if (idx[p] == 0 ||
			    py_isspace((unsigned char)line[idx[p] - 1])) {
				if ((size_t)idx[p] < cs)
					cs = (size_t)idx[p];
			}
		}
	}
	/* A full-line comment: the stripped line starts with a prefix. */
	for (i = 0; i < n && py_isspace((unsigned char)line[i]); i++)
		;
	if (i < n && (line[i] == ';' || line[i] == '#'))
		cs = 0;
	return cs;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * One line (without its terminator).  Returns 0, or -1 with *err set for
 * an error that stops the file at once.
 */
static int
parse_line(struct parse *ps, int lineno, const char *line, size_t n,
    char **err)
{
	struct ini_doc *doc = ps->doc;
	const char *v, *d, *close;
	size_t	 cs, vn, indent, kn;
	char	*name, *r;

	cs = comment_start(line, n);
	v = line;
	vn = cs;
	while (vn > 0 && py_isspace((unsigned char)*v)) {
		v++;
		vn--;
	}
	while (vn > 0 && py_isspace((unsigned char)v[vn - 1]))
		vn--;

	if (vn == 0) {
		/* A blank line (not a comment) is kept inside a value. */
		if (cs == n && ps->cursect != NULL && ps->opt != NULL)
			entry_append(ps->opt, "\n", 1);
		return 0;
	}
	indent = (size_t)(v - line);

	if (ps->cursect != NULL && ps->opt != NULL && indent > ps->indent) {
		entry_append(ps->opt, "\n", 1);
		entry_append(ps->opt, v, vn);
		return 0;
	}
	ps->indent = indent;

	/* \[(?P<header>.+)\] matched at the start of the stripped value. */
	if (v[0] == '[' && vn >= 3) {
		close = NULL;
		for (d = v + 2; d < v + vn; d++)
			if (*d == ']')
				close = d;
		if (close != NULL) {
			name = xstrndup(v + 1, (size_t)(close - v - 1));
			if (section_lookup(doc, name) == NULL &&
			    strcmp(name, "DEFAULT") == 0) {
				if (doc->defaults == NULL)
					doc->defaults = section_new(doc, name,
					    ps->file->path, lineno);
				ps->cursect = doc->defaults;
			} else
				ps->cursect = section_open(doc, name,
				    ps->file->path, lineno);
			free(name);
			ps->opt = NULL;
			return 0;
		}
	}

	if (ps->cursect == NULL) {
		name = xstrndup(line, n);
		r = pyrepr(name);
		xasprintf(err, "File contains no section headers: %s, line %d: "
		    "%s", ps->file->path, lineno, r);
		free(r);
		free(name);
		return -1;
	}

	/* (?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$ */
	for (d = v; d < v + vn && *d != '=' && *d != ':'; d++)
		;
	if (d == v + vn) {
		parse_error(ps, lineno, line, n);
		return 0;
	}
	kn = (size_t)(d - v);
	while (kn > 0 && py_isspace((unsigned char)v[kn - 1]))
		kn--;
	if (kn == 0) {
		parse_error(ps, lineno, line, n);
		ps->opt = NULL;
		return 0;
	}
	name = xstrndup(v, kn);
	lower(name);
	ps->opt = entry_open(doc, ps->cursect, name);
	free(name);
	d++;
	while (d < v + vn && py_isspace((unsigned char)*d))
		d++;
	entry_set(ps->opt, d, (size_t)(v + vn - d), ps->file, lineno);
	return 0;
}

/* Replace every "%(here)s" in e's value with here. */
static void
replace_here(struct ini_entry *e, const char *here)
{
	static const char tok[] = "%(here)s";
	char	*old, *p, *hit;

	if (e->value == NULL || strstr(e->value, tok) == NULL)
		return;
	old = e->value;
	e->value = NULL;
	e->len = e->cap = 0;
	entry_append(e, "", 0);
	for (p = old; (hit = strstr(p, tok)) != NULL;
	    p = hit + sizeof tok - 1) {
		entry_append(e, p, (size_t)(hit - p));
		entry_append(e, here, strlen(here));
	}
	entry_append(e, p, strlen(p));
	free(old);
}

/*
 * What ends a file: values set in it lose trailing blank pieces (Python's
 * _join_multiline_values), and in an included file %(here)s is replaced.
 */
static void
finish_file(struct ini_doc *doc, const struct ini_file *f, int included)
{
	struct ini_section *s;
	struct ini_entry *e;
	int	 pass;

	for (pass = 0; pass < 2; pass++) {
		s = pass == 0 ? doc->sections : doc->defaults;
		for (; s != NULL; s = pass == 0 ? s->next : NULL) {
			for (e = s->entries; e != NULL; e = e->next) {
				if (e->file != f->path)
					continue;
				while (e->len > 0 && py_isspace(
				    (unsigned char)e->value[e->len - 1]))
					e->value[--e->len] = '\0';
				if (included)
					replace_here(e, f->here);
			}
		}
	}
}

static int
parse_text(struct ini_doc *doc, const struct ini_file *f, const char *text,
    size_t len, int included, char **err)
{
	struct parse ps;
	const char *line, *end, *nl;
	size_t	 n;
	int	 lineno;

	memset(&ps, 0, sizeof ps);
	ps.doc = doc;
	ps.file = f;
	*err = NULL;

	if ((nl = memchr(text, '\0', len)) != NULL) {
		for (lineno = 1, line = text; line < nl; line++)
			if (*line == '\n' || (*line == '\r' && line[1] != '\n'))
				lineno++;
		xasprintf(err, "File contains parsing errors: %s, line %d: "
		    "a NUL byte", f->path, lineno);
		return -1;
	}
	end = text + len;
	/* Universal newlines, as Python's text mode: \n, \r\n and \r. */
	for (line = text, lineno = 1; line < end; lineno++) {
		for (nl = line; nl < end && *nl != '\n' && *nl != '\r'; nl++)
			;
		n = (size_t)(nl - line);
		if (n > INI_MAX_LINE) {
			xasprintf(err, "File contains parsing errors: %s, "
			    "line %d: longer than %d bytes", f->path, lineno,
			    INI_MAX_LINE);
			goto fail;
		}
		if (parse_line(&ps, lineno, line, n, err) == -1)
			goto fail;
		if (nl < end && *nl == '\r' && nl + 1 < end && nl[1] == '\n')
			nl++;
		line = nl + 1;
	}
	finish_file(doc, f, included);
	if (ps.errors != NULL) {
		xasprintf(err, "File contains parsing errors: %s, %s", f->path,
		    ps.errors);
		goto fail;
	}
	return 0;

fail:
	free(ps.errors);
	return -1;
}

/* ---- [include] ------------------------------------------------------- */

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct ini_entry *
lookup_with_defaults(const struct ini_doc *doc, const struct ini_section *s,
    const char *key)
{
	struct ini_entry *e;

	if ((e = entry_lookup(doc, s, key)) == NULL && doc->defaults != NULL)
		e = entry_lookup(doc, doc->defaults, key);
	return e;
}

/* An error "<what> in section 'S' (file: 'F', line N)". */
static char *
where_error(const char *what, const char *section, const char *file,
    int line)
{
	char	*rs, *rf, *msg;

	rs = pyrepr(section);
	rf = pyrepr(file);
	xasprintf(&msg, "%s in section %s (file: %s, line %d)", what, rs, rf,
	    line);
	free(rs);
	free(rf);
	return msg;
}

static int
include_one(struct ini_doc *doc, const char *path, char **err)
{
	struct ini_file *f;
	char	*text, *abs, *here;
	size_t	 len;

	doc_message(doc, STH_LOG_INFO, "Included extra file \"%s\" during "
	    "parsing", path);
	if (read_file(path, INI_MAX_TOTAL - doc->total, &text, &len) == -1) {
		if (errno == EFBIG) {
			xasprintf(err, "%s: the configuration is larger than "
			    "%d bytes in all", path, INI_MAX_TOTAL);
			return -1;
		}
		/* RawConfigParser.read() skips what it cannot open. */
		doc_message(doc, STH_LOG_WARN, "could not read included file "
		    "\"%s\": %s", path, strerror(errno));
		return 0;
	}
	doc->total += len;
	abs = abspath(path);
	here = dirname_of(abs);
	f = doc_file(doc, path, here);
	free(here);
	free(abs);
	if (parse_text(doc, f, text, len, 1, err) == -1) {
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int
do_includes(struct ini_doc *doc, const char *here, char **err)
{
	struct ini_section *inc;
	struct ini_entry *e;
	struct utsname un;
	json_t	*vars;
	glob_t	 g;
	char	*files, *pattern, *tok, *save, *why, **paths;
	size_t	 i, n;
	int	 rv, gr;

	if ((inc = section_lookup(doc, "include")) == NULL)
		return 0;
	if ((e = lookup_with_defaults(doc, inc, "files")) == NULL) {
		*err = where_error(".ini file has [include] section, but no "
		    "files setting", inc->name, inc->file, inc->line);
		return -1;
	}

	vars = expand_vars(NULL, here, uname(&un) == 0 ? un.nodename : NULL);
	files = expand(e->value, "include.files", vars, &why);
	json_decref(vars);
	if (files == NULL) {
		*err = where_error(why, inc->name, e->file, e->line);
		free(why);
		return -1;
	}

	rv = 0;
	for (tok = strtok_r(files, " \t\n\r\v\f\x1c\x1d\x1e\x1f", &save);
	    tok != NULL && rv == 0;
	    tok = strtok_r(NULL, " \t\n\r\v\f\x1c\x1d\x1e\x1f", &save)) {
		if (tok[0] == '/')
			pattern = xstrdup(tok);
		else if (strcmp(here, "/") == 0)
			xasprintf(&pattern, "/%s", tok);
		else
			xasprintf(&pattern, "%s/%s", here, tok);
		memset(&g, 0, sizeof g);
		gr = glob(pattern, GLOB_NOSORT | GLOB_NOESCAPE, NULL, &g);
		if (gr != 0 || g.gl_pathc == 0) {
			doc_message(doc, STH_LOG_WARN, "No file matches via "
			    "include \"%s\"", pattern);
			globfree(&g);
			free(pattern);
			continue;
		}
		n = g.gl_pathc;
		paths = g.gl_pathv;
		qsort(paths, n, sizeof *paths, path_cmp);
		for (i = 0; i < n && rv == 0; i++)
			rv = include_one(doc, paths[i], err);
		globfree(&g);
		free(pattern);
	}
	free(files);
	return rv;
}

/* Give every section the [DEFAULT] keys it lacks (ConfigParser's lookup). */
static void
apply_defaults(struct ini_doc *doc)
{
	struct ini_section *s;
	struct ini_entry *d, *e;

	if (doc->defaults == NULL)
		return;
	for (s = doc->sections; s != NULL; s = s->next) {
		for (d = doc->defaults->entries; d != NULL; d = d->next) {
			if (entry_lookup(doc, s, d->key) != NULL)
				continue;
			e = entry_open(doc, s, d->key);
			e->len = 0;
			entry_append(e, d->value != NULL ? d->value : "",
			    d->len);
			e->file = d->file;
			e->here = d->here;
			e->line = d->line;
		}
	}
}

/* ---- the API --------------------------------------------------------- */

static struct ini_doc *
load(const char *name, const char *text, size_t len, char **err)
{
	struct ini_doc *doc;
	struct ini_file *f;
	char	*here;

	doc = xcalloc(1, sizeof *doc);
	doc->path = abspath(name);
	doc->stail = &doc->sections;
	doc->total = len;
	here = dirname_of(doc->path);
	f = doc_file(doc, doc->path, here);
	if (parse_text(doc, f, text, len, 0, err) == -1 ||
	    do_includes(doc, here, err) == -1) {
		free(here);
		ini_free(doc);
		return NULL;
	}
	free(here);
	apply_defaults(doc);
	return doc;
}

struct ini_doc *
ini_load(const char *path, char **err)
{
	struct ini_doc *doc;
	char	*abs, *text;
	size_t	 len;

	*err = NULL;
	abs = abspath(path);
	if (read_file(abs, INI_MAX_TOTAL, &text, &len) == -1) {
		if (errno == ENOENT)
			xasprintf(err, "could not find config file %s", abs);
		else if (errno == EFBIG)
			xasprintf(err, "%s: the configuration is larger than "
			    "%d bytes in all", abs, INI_MAX_TOTAL);
		else
			xasprintf(err, "could not read config file %s: %s",
			    abs, strerror(errno));
		free(abs);
		return NULL;
	}
	doc = load(abs, text, len, err);
	free(text);
	free(abs);
	return doc;
}

struct ini_doc *
ini_load_string(const char *name, const char *text, char **err)
{
	size_t	 len;

	*err = NULL;
	len = strlen(text);
	if (len > INI_MAX_TOTAL) {
		xasprintf(err, "%s: the configuration is larger than %d bytes "
		    "in all", name, INI_MAX_TOTAL);
		return NULL;
	}
	return load(name, text, len, err);
}

static void
section_free(struct ini_section *s)
{
	struct ini_entry *e, *next;

	for (e = s->entries; e != NULL; e = next) {
		next = e->next;
		free(e->key);
		free(e->value);
		free(e);
	}
	free(s->name);
	free(s);
}

void
ini_free(struct ini_doc *doc)
{
	struct ini_section *s, *snext;
	struct ini_file *f, *fnext;
	size_t	 i;

	if (doc == NULL)
		return;
	for (s = doc->sections; s != NULL; s = snext) {
		snext = s->next;
		section_free(s);
	}
	if (doc->defaults != NULL)
		section_free(doc->defaults);
	for (f = doc->files; f != NULL; f = fnext) {
		fnext = f->next;
		free(f->path);
		free(f->here);
		free(f);
	}
	for (i = 0; i < doc->nmsgs; i++)
		free(doc->msgs[i].text);
	free(doc->msgs);
	free(doc->sbuckets);
	free(doc->ebuckets);
	free(doc->path);
	free(doc);
}

const char *
ini_path(const struct ini_doc *doc)
{
	return doc->path;
}

struct ini_section *
ini_first(const struct ini_doc *doc)
{
	return doc->sections;
}

struct ini_section *
ini_next(const struct ini_section *s)
{
	return s->next;
}

struct ini_section *
ini_find(const struct ini_doc *doc, const char *name)
{
	return section_lookup(doc, name);
}

const char *
ini_section_name(const struct ini_section *s)
{
	return s->name;
}

const char *
ini_section_file(const struct ini_section *s)
{
	return s->file;
}

int
ini_section_line(const struct ini_section *s)
{
	return s->line;
}

struct ini_entry *
ini_entry_first(const struct ini_section *s)
{
	return s->entries;
}

struct ini_entry *
ini_entry_next(const struct ini_entry *e)
{
	return e->next;
}

struct ini_entry *
ini_entry_find(const struct ini_section *s, const char *key)
{
	return entry_lookup(s->doc, s, key);
}

const char *
ini_entry_key(const struct ini_entry *e)
{
	return e->key;
}

const char *
ini_entry_value(const struct ini_entry *e)
{
	return e->value != NULL ? e->value : "";
}

const char *
ini_entry_file(const struct ini_entry *e)
{
	return e->file;
}

int
ini_entry_line(const struct ini_entry *e)
{
	return e->line;
}

const char *
ini_entry_here(const struct ini_entry *e)
{
	return e->here;
}

const char *
ini_get(const struct ini_doc *doc, const char *section, const char *key)
{
	struct ini_section *s;
	struct ini_entry *e;

	if ((s = section_lookup(doc, section)) == NULL ||
	    (e = entry_lookup(doc, s, key)) == NULL)
		return NULL;
	return ini_entry_value(e);
}

const char *
ini_message(const struct ini_doc *doc, size_t i, int *level)
{
	if (i >= doc->nmsgs)
		return NULL;
	if (level != NULL)
		*level = doc->msgs[i].level;
	return doc->msgs[i].text;
}
