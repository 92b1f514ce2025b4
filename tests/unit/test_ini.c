/*
 * test_ini.c — daemon/ini.c: supervisord's INI dialect, [include], caps.
 * Every case writes real files under a fresh temp dir.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ini.h"
#include "xmalloc.h"

static char tmpdir[PATH_MAX];

static void
setup(void)
{
	char	 t[] = "/tmp/sth-ini-XXXXXX";

	cr_assert_not_null(mkdtemp(t));
	/* The reader reports absolute, normalised paths. */
	cr_assert_not_null(realpath(t, tmpdir));
}

static void
teardown(void)
{
	char	*cmd;

	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

TestSuite(ini, .init = setup, .fini = teardown);

/* Write text to tmpdir/name (making dirs as needed); return the path. */
static char *
put(const char *name, const char *text)
{
	char	*path, *slash;
	FILE	*f;

	xasprintf(&path, "%s/%s", tmpdir, name);
	for (slash = strchr(path + strlen(tmpdir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static struct ini_doc *
load_ok(const char *text)
{
	struct ini_doc *doc;
	char	*path, *err = NULL;

	path = put("main.conf", text);
	doc = ini_load(path, &err);
	cr_assert_not_null(doc, "load failed: %s", err ? err : "?");
	free(path);
	return doc;
}

static char *
load_err(const char *text)
{
	struct ini_doc *doc;
	char	*path, *err = NULL;

	path = put("main.conf", text);
	doc = ini_load(path, &err);
	cr_assert_null(doc, "load of bad text succeeded");
	cr_assert_not_null(err);
	free(path);
	return err;
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, f);
	xvasprintf(&s, f, ap);
	va_end(ap);
	return s;
}

Test(ini, key_value_forms_and_lowercased_keys)
{
	struct ini_doc *doc;

	doc = load_ok("[program:Web]\n"
	    "Command = /bin/cat\n"
	    "PRIORITY: 5\n"
	    "a=b=c\n"
	    "x : y = z\n"
	    "empty=\n");
	cr_assert_null(ini_find(doc, "program:web"), "section names are "
	    "case-sensitive");
	cr_assert_str_eq(ini_get(doc, "program:Web", "command"), "/bin/cat");
	cr_assert_null(ini_get(doc, "program:Web", "Command"));
	cr_assert_str_eq(ini_get(doc, "program:Web", "priority"), "5");
	cr_assert_str_eq(ini_get(doc, "program:Web", "a"), "b=c");
	cr_assert_str_eq(ini_get(doc, "program:Web", "x"), "y = z");
	cr_assert_str_eq(ini_get(doc, "program:Web", "empty"), "");
	ini_free(doc);
}

Test(ini, comments_full_line_and_inline)
{
	struct ini_doc *doc;

	doc = load_ok("; a comment\n"
	    "# another\n"
	    "[s] ; trailing comment on a header\n"
	    "  ; indented comment\n"
	    "a = 1 ; inline\n"
	    "b = 2 # inline hash\n"
	    "c = 3;not a comment\n"
	    "d = x#y\n"
	    "e = ;\n"
	    "f=\tv\t#tab before hash\n");
	cr_assert_str_eq(ini_get(doc, "s", "a"), "1");
	cr_assert_str_eq(ini_get(doc, "s", "b"), "2");
	cr_assert_str_eq(ini_get(doc, "s", "c"), "3;not a comment");
	cr_assert_str_eq(ini_get(doc, "s", "d"), "x#y");
	cr_assert_str_eq(ini_get(doc, "s", "e"), "");
	cr_assert_str_eq(ini_get(doc, "s", "f"), "v");
	ini_free(doc);
}

/* supervisord's quirk: an inline comment cuts even inside quotes. */
Test(ini, inline_comment_inside_quotes_truncates)
{
	struct ini_doc *doc;

	doc = load_ok("[program:x]\n"
	    "command=bash -c 'a ; b'\n"
	    "other=echo \"x #y\"\n");
	cr_assert_str_eq(ini_get(doc, "program:x", "command"), "bash -c 'a");
	cr_assert_str_eq(ini_get(doc, "program:x", "other"), "echo \"x");
	ini_free(doc);
}

/* Python looks for ';' and '#' in rounds: the first round that finds a
 * comment start wins, even when a later ';' would start earlier. */
Test(ini, inline_comment_rounds_like_python)
{
	struct ini_doc *doc;

	doc = load_ok("[s]\nk=a;b ;c #d\n");
	cr_assert_str_eq(ini_get(doc, "s", "k"), "a;b ;c");
	ini_free(doc);
}

Test(ini, continuation_lines)
{
	struct ini_doc *doc;

	doc = load_ok("[s]\n"
	    "env = A=1,\n"
	    "  B=2,\n"
	    "\tC=3\n"
	    "next = x\n"
	    "gap = one\n"
	    "\n"
	    "  two\n"
	    "\n"
	    "\n"
	    "tail = t\n"
	    "  ; a comment does not end the value\n"
	    "  more\n"
	    "starts_empty =\n"
	    "    first\n"
	    "after = [not] a section\n"
	    "k = v\n"
	    "    [looks:like] a section\n");
	cr_assert_str_eq(ini_get(doc, "s", "env"), "A=1,\nB=2,\nC=3");
	cr_assert_str_eq(ini_get(doc, "s", "next"), "x");
	cr_assert_str_eq(ini_get(doc, "s", "gap"), "one\n\ntwo");
	cr_assert_str_eq(ini_get(doc, "s", "tail"), "t\nmore");
	cr_assert_str_eq(ini_get(doc, "s", "starts_empty"), "\nfirst");
	cr_assert_str_eq(ini_get(doc, "s", "k"), "v\n[looks:like] a section");
	cr_assert_null(ini_find(doc, "looks:like"));
	ini_free(doc);
}

/* Continuation is relative to the indent of the line that set the key. */
Test(ini, indented_keys_and_continuation)
{
	struct ini_doc *doc;

	doc = load_ok("[s]\n"
	    "  a = 1\n"
	    "  b = 2\n"
	    "    c\n");
	cr_assert_str_eq(ini_get(doc, "s", "a"), "1");
	cr_assert_str_eq(ini_get(doc, "s", "b"), "2\nc");
	ini_free(doc);
}

Test(ini, crlf_and_cr_line_ends)
{
	struct ini_doc *doc;

	doc = load_ok("[s]\r\na=1\r\nb=2\rc=3\r\n  more\r\n");
	cr_assert_str_eq(ini_get(doc, "s", "a"), "1");
	cr_assert_str_eq(ini_get(doc, "s", "b"), "2");
	cr_assert_str_eq(ini_get(doc, "s", "c"), "3\nmore");
	cr_assert_eq(ini_entry_line(ini_entry_find(ini_find(doc, "s"), "c")),
	    4);
	ini_free(doc);
}

Test(ini, section_header_forms)
{
	struct ini_doc *doc;

	doc = load_ok("[ spaced ]\na=1\n[x]y] trailing\nb=2\n");
	cr_assert_not_null(ini_find(doc, " spaced "));
	cr_assert_str_eq(ini_get(doc, "x]y", "b"), "2");
	ini_free(doc);
}

Test(ini, duplicates_merge_and_last_wins_in_first_position)
{
	struct ini_doc *doc;
	struct ini_section *s;
	struct ini_entry *e;

	doc = load_ok("[a]\nk1=first\nk2=x\n[b]\nq=1\n[a]\nk1=second\nk3=y\n");
	s = ini_first(doc);
	cr_assert_str_eq(ini_section_name(s), "a");
	cr_assert_eq(ini_section_line(s), 1);
	cr_assert_str_eq(ini_section_name(ini_next(s)), "b");
	cr_assert_null(ini_next(ini_next(s)));
	e = ini_entry_first(s);
	cr_assert_str_eq(ini_entry_key(e), "k1");
	cr_assert_str_eq(ini_entry_value(e), "second");
	cr_assert_eq(ini_entry_line(e), 7);
	e = ini_entry_next(e);
	cr_assert_str_eq(ini_entry_key(e), "k2");
	e = ini_entry_next(e);
	cr_assert_str_eq(ini_entry_key(e), "k3");
	cr_assert_null(ini_entry_next(e));
	ini_free(doc);
}

Test(ini, default_section_applies_everywhere)
{
	struct ini_doc *doc;
	struct ini_section *s;

	doc = load_ok("[DEFAULT]\nshared=yes\nover=default\n"
	    "[a]\nover=mine\n[b]\nx=1\n");
	cr_assert_null(ini_find(doc, "DEFAULT"), "DEFAULT is not a section");
	cr_assert_str_eq(ini_get(doc, "a", "shared"), "yes");
	cr_assert_str_eq(ini_get(doc, "a", "over"), "mine");
	cr_assert_str_eq(ini_get(doc, "b", "shared"), "yes");
	cr_assert_str_eq(ini_get(doc, "b", "over"), "default");
	s = ini_find(doc, "b");
	cr_assert_eq(ini_entry_line(ini_entry_find(s, "shared")), 2);
	cr_assert_str_eq(ini_section_name(ini_first(doc)), "a");
	ini_free(doc);
}

Test(ini, entry_file_line_and_here)
{
	struct ini_doc *doc;
	struct ini_entry *e;
	char	*main;

	doc = load_ok("\n\n[supervisord]\n\nlogfile=%(here)s/x.log\n");
	main = fmt("%s/main.conf", tmpdir);
	cr_assert_str_eq(ini_path(doc), main);
	e = ini_entry_find(ini_find(doc, "supervisord"), "logfile");
	cr_assert_str_eq(ini_entry_file(e), main);
	cr_assert_eq(ini_entry_line(e), 5);
	cr_assert_str_eq(ini_entry_here(e), tmpdir);
	/* The main file's %(here)s is left for expansion. */
	cr_assert_str_eq(ini_entry_value(e), "%(here)s/x.log");
	cr_assert_eq(ini_section_line(ini_find(doc, "supervisord")), 3);
	cr_assert_str_eq(ini_section_file(ini_find(doc, "supervisord")), main);
	free(main);
	ini_free(doc);
}

Test(ini, relative_path_is_made_absolute)
{
	struct ini_doc *doc;
	char	*err = NULL, cwd[PATH_MAX], *want;

	free(put("rel.conf", "[s]\na=1\n"));
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	cr_assert_eq(chdir(tmpdir), 0);
	doc = ini_load("./sub/../rel.conf", &err);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_not_null(doc, "%s", err ? err : "");
	want = fmt("%s/rel.conf", tmpdir);
	cr_assert_str_eq(ini_path(doc), want);
	free(want);
	ini_free(doc);
}

Test(ini, parse_error_names_file_and_line)
{
	char	*err, *want;

	err = load_err("[program:x]\ncommand=/bin/true\nthis line is bad\n"
	    "ok=1\n[programx\n");
	want = fmt("File contains parsing errors: %s/main.conf, line 3: "
	    "'this line is bad'; line 5: '[programx'", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
}

Test(ini, empty_key_is_an_error)
{
	char	*err, *want;

	err = load_err("[s]\n = value\n");
	want = fmt("File contains parsing errors: %s/main.conf, line 2: "
	    "' = value'", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
}

Test(ini, missing_section_header)
{
	char	*err, *want;

	err = load_err("; comment\n\nkey=value\n[s]\n");
	want = fmt("File contains no section headers: %s/main.conf, line 3: "
	    "'key=value'", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
}

Test(ini, missing_file)
{
	struct ini_doc *doc;
	char	*err = NULL, *path, *want;

	path = fmt("%s/nope.conf", tmpdir);
	doc = ini_load(path, &err);
	cr_assert_null(doc);
	want = fmt("could not find config file %s", path);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
	free(path);
}

Test(ini, nul_byte_refused)
{
	struct ini_doc *doc;
	char	*path, *err = NULL, *want;
	FILE	*f;

	path = fmt("%s/nul.conf", tmpdir);
	f = fopen(path, "w");
	fwrite("[s]\na=1\nb=x\0y\n", 1, 14, f);
	fclose(f);
	doc = ini_load(path, &err);
	cr_assert_null(doc);
	want = fmt("File contains parsing errors: %s, line 3: a NUL byte",
	    path);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
	free(path);
}

Test(ini, line_length_cap)
{
	char	*text, *err, *want;
	size_t	 n = 70 * 1024;

	text = xmalloc(n + 32);
	strcpy(text, "[s]\nk=");
	memset(text + 6, 'x', n);
	strcpy(text + 6 + n, "\n");
	err = load_err(text);
	want = fmt("File contains parsing errors: %s/main.conf, line 2: longer "
	    "than 65536 bytes", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
	free(text);
}

Test(ini, total_size_cap)
{
	struct ini_doc *doc;
	char	*err = NULL, *text;
	size_t	 n = 9 * 1024 * 1024, i;

	/* Many short lines: each is fine, the whole is too big. */
	text = xmalloc(n + 16);
	strcpy(text, "[s]\n");
	for (i = 4; i + 8 < n; i += 8)
		memcpy(text + i, "; 34567\n", 8);
	text[i] = '\0';
	doc = ini_load_string("/x/big.conf", text, &err);
	cr_assert_null(doc);
	cr_assert_str_eq(err, "/x/big.conf: the configuration is larger than "
	    "8388608 bytes in all");
	free(err);
	free(text);
}

Test(ini, load_string_names_and_here)
{
	struct ini_doc *doc;
	char	*err = NULL;

	doc = ini_load_string("/etc/stheno/x.conf", "[s]\na=1\n", &err);
	cr_assert_not_null(doc);
	cr_assert_str_eq(ini_path(doc), "/etc/stheno/x.conf");
	cr_assert_str_eq(ini_entry_here(ini_entry_find(ini_find(doc, "s"),
	    "a")), "/etc/stheno");
	ini_free(doc);
	doc = ini_load_string("/etc/stheno/x.conf", "[s]\nbad\n", &err);
	cr_assert_null(doc);
	cr_assert_str_eq(err, "File contains parsing errors: "
	    "/etc/stheno/x.conf, line 2: 'bad'");
	free(err);
}

Test(ini, include_globs_sorted_with_here_and_messages)
{
	struct ini_doc *doc;
	struct ini_entry *e;
	const char *m;
	char	*p, *want;
	int	 level;

	free(put("conf.d/b.conf", "[program:b]\ncommand=%(here)s/b\n"
	    "[program:shared]\nwho=b\n"));
	free(put("conf.d/a.conf", "[program:a]\ncommand=%(here)s/a\n"
	    "[program:shared]\nwho=a\nfrom_a=1\n"));
	free(put("conf.d/skip.txt", "[program:txt]\n"));
	free(put("other/c.ini", "[program:c]\ncommand=x\n"));
	doc = load_ok("[supervisord]\nlogfile=%(here)s/main.log\n"
	    "[include]\nfiles = conf.d/*.conf   other/*.ini\n"
	    "\tmissing/*.conf\n"
	    "[program:shared]\nwho=main\n");

	p = fmt("%s/conf.d/a", tmpdir);
	cr_assert_str_eq(ini_get(doc, "program:a", "command"), p);
	free(p);
	p = fmt("%s/conf.d/b", tmpdir);
	cr_assert_str_eq(ini_get(doc, "program:b", "command"), p);
	free(p);
	cr_assert_null(ini_find(doc, "program:txt"));
	cr_assert_not_null(ini_find(doc, "program:c"));
	/* Included files are read after the main file, a before b. */
	cr_assert_str_eq(ini_get(doc, "program:shared", "who"), "b");
	cr_assert_str_eq(ini_get(doc, "program:shared", "from_a"), "1");
	/* The main file's %(here)s is left to expansion. */
	cr_assert_str_eq(ini_get(doc, "supervisord", "logfile"),
	    "%(here)s/main.log");

	e = ini_entry_find(ini_find(doc, "program:a"), "command");
	p = fmt("%s/conf.d/a.conf", tmpdir);
	cr_assert_str_eq(ini_entry_file(e), p);
	free(p);
	cr_assert_eq(ini_entry_line(e), 2);
	p = fmt("%s/conf.d", tmpdir);
	cr_assert_str_eq(ini_entry_here(e), p);
	free(p);
	p = fmt("%s/conf.d/b.conf", tmpdir);
	cr_assert_str_eq(ini_section_file(ini_find(doc, "program:b")), p);
	free(p);
	/* A section keeps where it was first opened. */
	cr_assert_eq(ini_section_line(ini_find(doc, "program:shared")), 6);

	m = ini_message(doc, 0, &level);
	want = fmt("Included extra file \"%s/conf.d/a.conf\" during parsing",
	    tmpdir);
	cr_assert_str_eq(m, want);
	cr_assert_eq(level, 20);
	free(want);
	m = ini_message(doc, 1, &level);
	want = fmt("Included extra file \"%s/conf.d/b.conf\" during parsing",
	    tmpdir);
	cr_assert_str_eq(m, want);
	free(want);
	m = ini_message(doc, 2, &level);
	want = fmt("Included extra file \"%s/other/c.ini\" during parsing",
	    tmpdir);
	cr_assert_str_eq(m, want);
	free(want);
	m = ini_message(doc, 3, &level);
	want = fmt("No file matches via include \"%s/missing/*.conf\"",
	    tmpdir);
	cr_assert_str_eq(m, want);
	cr_assert_eq(level, 30);
	free(want);
	cr_assert_null(ini_message(doc, 4, &level));
	ini_free(doc);
}

Test(ini, include_absolute_pattern_and_expansion)
{
	struct ini_doc *doc;
	char	*text, *want;

	free(put("abs/one.conf", "[program:one]\ncommand=1\n"));
	setenv("STH_TEST_INCDIR", "abs", 1);
	text = fmt("[include]\nfiles=%s/abs/*.conf %%(here)s/%%(ENV_"
	    "STH_TEST_INCDIR)s/none*\n", tmpdir);
	doc = load_ok(text);
	cr_assert_not_null(ini_find(doc, "program:one"));
	want = fmt("No file matches via include \"%s/abs/none*\"", tmpdir);
	cr_assert_str_eq(ini_message(doc, 1, NULL), want);
	free(want);
	free(text);
	ini_free(doc);
}

Test(ini, include_is_not_recursive)
{
	struct ini_doc *doc;

	free(put("inc/a.conf", "[include]\nfiles=../deeper/*.conf\n"
	    "[program:a]\ncommand=a\n"));
	free(put("deeper/d.conf", "[program:d]\ncommand=d\n"));
	doc = load_ok("[include]\nfiles=inc/*.conf\n");
	cr_assert_not_null(ini_find(doc, "program:a"));
	cr_assert_null(ini_find(doc, "program:d"));
	ini_free(doc);
}

Test(ini, include_without_files_is_an_error)
{
	char	*err, *want;

	err = load_err("[supervisord]\n[include]\nfile=x.conf\n");
	want = fmt(".ini file has [include] section, but no files setting in "
	    "section 'include' (file: '%s/main.conf', line 2)", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
}

Test(ini, include_bad_expansion_is_an_error)
{
	char	*err;

	err = load_err("[include]\nfiles=%(nope)s/*.conf\n");
	cr_assert(strstr(err, "Format string '%(nope)s/*.conf' for "
	    "'include.files' contains names ('nope') which cannot be "
	    "expanded. Available names: ") == err, "%s", err);
	cr_assert(strstr(err, "here, host_node_name") != NULL, "%s", err);
	cr_assert(strstr(err, " in section 'include' (file: '") != NULL,
	    "%s", err);
	cr_assert(strstr(err, "main.conf', line 2)") != NULL, "%s", err);
	free(err);
}

Test(ini, parse_error_in_included_file_names_it)
{
	char	*err, *want;

	free(put("bad/x.conf", "[program:x]\ncommand=a\n\nnonsense\n"));
	err = load_err("[include]\nfiles=bad/*.conf\n");
	want = fmt("File contains parsing errors: %s/bad/x.conf, line 4: "
	    "'nonsense'", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
}

/* An included file starts without a section, like any file. */
Test(ini, included_file_needs_its_own_header)
{
	char	*err, *want;

	free(put("h/x.conf", "command=a\n"));
	err = load_err("[program:x]\n[include]\nfiles=h/x.conf\n");
	want = fmt("File contains no section headers: %s/h/x.conf, line 1: "
	    "'command=a'", tmpdir);
	cr_assert_str_eq(err, want);
	free(want);
	free(err);
}

/* A directory that matches a glob is skipped, as Python's read() does. */
Test(ini, include_skips_directories_with_a_warning)
{
	struct ini_doc *doc;
	const char *m;
	int	 level;

	free(put("d/ok.conf", "[program:ok]\ncommand=a\n"));
	free(put("d/sub.conf/inner", "x"));
	doc = load_ok("[include]\nfiles=d/*.conf\n");
	cr_assert_not_null(ini_find(doc, "program:ok"));
	m = ini_message(doc, 2, &level);
	cr_assert_not_null(m);
	cr_assert(strstr(m, "could not read included file") != NULL, "%s", m);
	cr_assert_eq(level, 30);
	ini_free(doc);
}

Test(ini, many_sections_and_keys)
{
	struct ini_doc *doc;
	char	*text, *p, name[32], key[32], val[32];
	size_t	 i, cap = 2000 * 64;
	int	 n;

	text = xmalloc(cap);
	p = text;
	for (i = 0; i < 2000; i++) {
		n = snprintf(p, cap - (size_t)(p - text), "[s%zu]\nk%zu=%zu\n",
		    i, i, i * 3);
		p += n;
	}
	doc = load_ok(text);
	for (i = 0; i < 2000; i += 37) {
		snprintf(name, sizeof name, "s%zu", i);
		snprintf(key, sizeof key, "k%zu", i);
		snprintf(val, sizeof val, "%zu", i * 3);
		cr_assert_str_eq(ini_get(doc, name, key), val);
	}
	cr_assert_null(ini_get(doc, "s1", "k2"));
	ini_free(doc);
	free(text);
}
