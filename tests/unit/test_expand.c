/*
 * test_expand.c — daemon/expand.c: Python %-formatting of config values
 * and supervisord's error texts.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "expand.h"

static json_t *vars;

static void
setup(void)
{
	vars = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}",
	    "program_name", "web", "here", "/etc/sv", "process_num", 3,
	    "numprocs", 12, "quote", "it's", "ENV_HOME", "/root");
}

static void
teardown(void)
{
	json_decref(vars);
}

TestSuite(expand, .init = setup, .fini = teardown);

static void
expect(const char *in, const char *want)
{
	char	*out, *err = NULL;

	out = expand(in, "command", vars, &err);
	cr_assert_not_null(out, "expand(%s) failed: %s", in, err ? err : "");
	cr_assert_str_eq(out, want, "expand(%s)", in);
	cr_assert_null(err);
	free(out);
}

static void
expect_err(const char *in, const char *want)
{
	char	*out, *err = NULL;

	out = expand(in, "command", vars, &err);
	cr_assert_null(out, "expand(%s) gave %s", in, out);
	cr_assert_not_null(err);
	cr_assert_str_eq(err, want);
	free(err);
}

Test(expand, plain_text_and_percent_percent)
{
	expect("", "");
	expect("/bin/cat -n", "/bin/cat -n");
	expect("100%% sure", "100% sure");
	expect("%%(here)s", "%(here)s");
	expect("%%%%", "%%");
}

Test(expand, string_names)
{
	expect("%(here)s/bin/%(program_name)s", "/etc/sv/bin/web");
	expect("%(ENV_HOME)s", "/root");
	expect("%(process_num)s of %(numprocs)s", "3 of 12");
}

Test(expand, integer_formats)
{
	expect("%(process_num)d", "3");
	expect("%(process_num)i", "3");
	expect("%(process_num)02d", "03");
	expect("x_%(process_num)03d", "x_003");
	expect("%(process_num)5d|", "    3|");
	expect("%(process_num)-5d|", "3    |");
	expect("%(process_num)+d", "+3");
	expect("%(numprocs)x %(numprocs)X %(numprocs)o", "c C 14");
	expect("%(numprocs)#x %(numprocs)#o", "0xc 0o14");
	expect("%(process_num).3d", "003");
	expect("%(process_num)ld", "3");
	expect("%(numprocs)f", "12.000000");
	expect("%(numprocs).1e", "1.2e+01");
}

Test(expand, string_flags_and_repr)
{
	expect("%(program_name)5s|", "  web|");
	expect("%(program_name)-5s|", "web  |");
	expect("%(program_name)05s|", "  web|");
	expect("%(program_name).2s", "we");
	expect("%(program_name)r", "'web'");
	expect("%(quote)r", "\"it's\"");
	expect("%(process_num)r", "3");
}

Test(expand, unknown_name_lists_available_names_sorted)
{
	expect_err("%(foo)s -x",
	    "Format string '%(foo)s -x' for 'command' contains names ('foo') "
	    "which cannot be expanded. Available names: ENV_HOME, here, "
	    "numprocs, process_num, program_name, quote");
}

Test(expand, bad_formats)
{
	expect_err("50%", "Format string '50%' for 'command' is badly "
	    "formatted: incomplete format");
	expect_err("%(here)", "Format string '%(here)' for 'command' is badly "
	    "formatted: incomplete format");
	expect_err("%(here", "Format string '%(here' for 'command' is badly "
	    "formatted: incomplete format key");
	expect_err("%(here)y", "Format string '%(here)y' for 'command' is "
	    "badly formatted: unsupported format character 'y' (0x79) at "
	    "index 7");
	expect_err("%(here)%", "Format string '%(here)%' for 'command' is "
	    "badly formatted: unsupported format character '%' (0x25) at "
	    "index 7");
	expect_err("%(here)d", "Format string '%(here)d' for 'command' is "
	    "badly formatted: %d format: a real number is required, not str");
	expect_err("%(here)x", "Format string '%(here)x' for 'command' is "
	    "badly formatted: %x format: an integer is required, not str");
	expect_err("%(process_num)*d", "Format string '%(process_num)*d' for "
	    "'command' is badly formatted: not enough arguments for format "
	    "string");
	expect_err("100% sure", "Format string '100% sure' for 'command' is "
	    "badly formatted: format requires a mapping key at index 3");
	expect_err("%(here)99999s", "Format string '%(here)99999s' for "
	    "'command' is badly formatted: width too big");
}

Test(expand, no_vars_at_all)
{
	char	*err = NULL;

	cr_assert_null(expand("%(x)s", "k", NULL, &err));
	cr_assert_str_eq(err, "Format string '%(x)s' for 'k' contains names "
	    "('x') which cannot be expanded. Available names: ");
	free(err);
}

Test(expand, env_vars_object)
{
	json_t	*env;

	setenv("STH_EXPAND_TEST", "v=1", 1);
	env = expand_env_vars();
	cr_assert_str_eq(json_string_value(json_object_get(env,
	    "ENV_STH_EXPAND_TEST")), "v=1");
	cr_assert_null(json_object_get(env, "STH_EXPAND_TEST"));
	json_decref(env);
}

Test(expand, vars_add_here_and_the_node_to_a_copy)
{
	json_t	*env, *v;
	char	*out, *err = NULL;

	setenv("STH_EXPAND_TEST", "x", 1);
	v = expand_vars(NULL, "/etc/sv", "node1");
	out = expand("%(here)s %(host_node_name)s %(ENV_STH_EXPAND_TEST)s",
	    "command", v, &err);
	cr_assert_str_eq(out, "/etc/sv node1 x", "%s", err);
	free(out);
	json_decref(v);
	/* the daemon's ENV_* object: copied, never changed */
	env = json_pack("{s:s}", "ENV_A", "1");
	v = expand_vars(env, "/srv", NULL);
	cr_assert_str_eq(json_string_value(json_object_get(v, "here")),
	    "/srv");
	cr_assert_null(json_object_get(v, "host_node_name"));
	cr_assert_null(json_object_get(v, "ENV_STH_EXPAND_TEST"));
	cr_assert_null(json_object_get(env, "here"));
	cr_assert_eq(json_object_size(env), 1);
	json_decref(v);
	json_decref(env);
}
