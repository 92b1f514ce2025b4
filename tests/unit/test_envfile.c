/*
 * test_envfile.c — daemon/envfile.c: the KEY=VALUE format of
 * environment_file=, its errors (with line numbers), and reading a list of
 * files (order, optional '-' files, caps).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "envfile.h"

static json_t *obj;
static char *err;
static char dir[] = "/tmp/test_envfile.XXXXXX";

static void
setup(void)
{
	obj = json_object();
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[64];

	json_decref(obj);
	free(err);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

TestSuite(envfile, .init = setup, .fini = teardown);

static int
parse(const char *text)
{
	free(err);
	err = NULL;
	return envfile_parse(text, strlen(text), obj, &err);
}

static const char *
get(const char *k)
{
	return json_string_value(json_object_get(obj, k));
}

static char *
file(const char *name, const char *text)
{
	static char path[8][128];
	static int i;
	FILE *f;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path[i], "w"));
	fputs(text, f);
	fclose(f);
	return path[i];
}

Test(envfile, every_form_of_line)
{
	cr_assert_eq(parse(
	    "# comment\n"
	    "  ; comment too\n"
	    "\n"
	    "A=1\n"
	    "export B=two words  \n"
	    "  C = spaced\t\n"
	    "D=\"dq \\\"x\\\" \\\\ \\$H \\` \\n\\t\\r \\q\"   # after\n"
	    "E='sq \\n $x \"'\n"
	    "F=\n"
	    "G=a=b=c\n"
	    "H=# not a comment\n"
	    "CRLF=yes\r\n"
	    "A=again\n"
	    "exportX=1\n"
	    "LAST=no newline"), 0, "%s", err);
	cr_assert_str_eq(get("A"), "again", "a later line wins");
	cr_assert_str_eq(get("B"), "two words");
	cr_assert_str_eq(get("C"), "spaced");
	cr_assert_str_eq(get("D"), "dq \"x\" \\ $H ` \n\t\r \\q");
	cr_assert_str_eq(get("E"), "sq \\n $x \"");
	cr_assert_str_eq(get("F"), "");
	cr_assert_str_eq(get("G"), "a=b=c");
	cr_assert_str_eq(get("H"), "# not a comment");
	cr_assert_str_eq(get("CRLF"), "yes");
	cr_assert_str_eq(get("exportX"), "1");
	cr_assert_str_eq(get("LAST"), "no newline");
	cr_assert_eq(json_object_size(obj), 11);
}

Test(envfile, bad_lines_are_errors_with_their_number)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "A=1\nnot a line\n", "line 2: expected KEY=VALUE" },
		{ "1A=x\n", "line 1: expected KEY=VALUE" },
		{ "A-B=x\n", "line 1: expected KEY=VALUE" },
		{ "=x\n", "line 1: expected KEY=VALUE" },
		{ "export\n", "line 1: expected KEY=VALUE" },
		{ "A\n", "line 1: expected KEY=VALUE" },
		{ "\n\nA=\"open\n", "line 3: unterminated quote" },
		{ "A='open\n", "line 1: unterminated quote" },
		{ "A=\"x\" y\n", "line 1: text after the closing quote" },
		{ "A='x'y\n", "line 1: text after the closing quote" },
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(parse(bad[i].text), -1, "%s", bad[i].text);
		cr_assert_str_eq(err, bad[i].err);
	}
	cr_assert_eq(envfile_parse("A=1\0B=2\n", 8, obj, &err), -1);
	cr_assert_str_eq(err, "contains a NUL byte");
}

Test(envfile, a_list_of_files_in_order_optional_ones_and_errors)
{
	char list[512], *a, *b;
	json_t *out = NULL;

	a = file("a.env", "X=a\nY=a\n");
	b = file("b.env", "Y=b\n");
	snprintf(list, sizeof list, " %s ,-%s/none.env,, %s ", a, dir, b);
	cr_assert_eq(envfile_load(list, &out, &err), 0, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(out, "X")), "a");
	cr_assert_str_eq(json_string_value(json_object_get(out, "Y")), "b");
	json_decref(out);

	snprintf(list, sizeof list, "%s,%s/none.env", a, dir);
	cr_assert_eq(envfile_load(list, &out, &err), -1);
	cr_assert_null(out);
	cr_assert(strstr(err, "/none.env: No such file or directory") != NULL,
	    "%s", err);
	free(err);
	err = NULL;

	b = file("bad.env", "OK=1\n\nno\n");
	cr_assert_eq(envfile_load(b, &out, &err), -1);
	cr_assert(strstr(err, "bad.env, line 3: expected KEY=VALUE") != NULL,
	    "%s", err);
	free(err);
	err = NULL;

	cr_assert_eq(envfile_load(dir, &out, &err), -1, "a folder");
	cr_assert(strstr(err, ": not a regular file") != NULL, "%s", err);
}

Test(envfile, a_file_over_the_cap_is_refused)
{
	char *big = malloc(ENVFILE_MAX + 2), *path;
	json_t *out = NULL;

	memset(big, '#', ENVFILE_MAX + 1);
	big[ENVFILE_MAX + 1] = '\0';
	path = file("big.env", big);
	free(big);
	cr_assert_eq(envfile_load(path, &out, &err), -1);
	cr_assert(strstr(err, "larger than 1048576 bytes") != NULL, "%s", err);
}
