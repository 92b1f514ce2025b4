/*
 * test_ftp_cmd.c — plugins/ftp/cmd.c: splitting a command line (telnet
 * bytes, case, arguments) and the command table's rules (before login,
 * arguments, write permission, the table's order for bsearch).
 */
#include "config.h"

#include <criterion/criterion.h>

#include "ftp.h"

static void
split_ok(const char *in, const char *verb, const char *arg)
{
	char buf[256], *v, *a;

	snprintf(buf, sizeof buf, "%s", in);
	cr_assert_eq(ftp_split(buf, &v, &a), 0, "%s", in);
	cr_assert_str_eq(v, verb, "%s", in);
	if (arg == NULL)
		cr_assert_null(a, "%s: arg %s", in, a);
	else
		cr_assert_str_eq(a, arg, "%s", in);
}

Test(ftp_cmd, split)
{
	char empty[] = "", spaces[] = "   ", iac[] = "\xff\xf4\xff\xf2";
	char *v, *a;

	split_ok("noop", "NOOP", NULL);
	split_ok("RETR a file with spaces", "RETR", "a file with spaces");
	split_ok("Cwd /x", "CWD", "/x");
	split_ok("USER ", "USER", NULL);
	split_ok("PASS  two", "PASS", " two");
	/* Telnet IP + Synch before ABOR (RFC 959 4.1.3) */
	split_ok("\xff\xf4\xff\xf2" "ABOR", "ABOR", NULL);
	split_ok("\xf2" "ABOR", "ABOR", NULL);
	split_ok("RETR a\xff\xff" "b", "RETR", "a\xff" "b");
	cr_assert_eq(ftp_split(empty, &v, &a), -1);
	cr_assert_eq(ftp_split(spaces, &v, &a), -1);
	cr_assert_eq(ftp_split(iac, &v, &a), -1);
}

Test(ftp_cmd, table_sorted_and_found)
{
	const struct ftp_cmd *t;
	size_t i, n;

	t = ftp_cmd_table(&n);
	cr_assert_gt(n, 30);
	for (i = 0; i < n; i++) {
		if (i > 0)
			cr_assert_lt(strcmp(t[i - 1].name, t[i].name), 0,
			    "%s before %s", t[i - 1].name, t[i].name);
		cr_assert_eq(ftp_cmd_find(t[i].name), &t[i]);
		cr_assert_not_null(t[i].fn);
	}
	cr_assert_null(ftp_cmd_find("XYZ"));
	cr_assert_null(ftp_cmd_find("retr"));	/* split upper-cases first */
	cr_assert_null(ftp_cmd_find("SITE"));
}

Test(ftp_cmd, before_login)
{
	static const char *const pre[] = { "USER", "PASS", "QUIT", "HELP",
	    "FEAT", "SYST", "NOOP", "AUTH", "PBSZ", "PROT" };
	const struct ftp_cmd *t;
	const char *text;
	size_t i, j, n;
	int allowed;

	t = ftp_cmd_table(&n);
	for (i = 0; i < n; i++) {
		allowed = 0;
		for (j = 0; j < sizeof pre / sizeof pre[0]; j++)
			allowed |= strcmp(pre[j], t[i].name) == 0;
		cr_assert_eq(ftp_cmd_check(&t[i], 0, 0, "x", &text),
		    allowed ? 0 : 530, "%s", t[i].name);
	}
	cr_assert_str_eq(text, "Please login with USER and PASS.");
}

Test(ftp_cmd, arguments_and_write)
{
	const char *text;

	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("RETR"), 1, 0, NULL, &text),
	    501);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("RETR"), 1, 0, "", &text),
	    501);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("RETR"), 1, 0, "f", &text),
	    0);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("LIST"), 1, 0, NULL, &text),
	    0);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("REST"), 1, 0, NULL, &text),
	    501);
	/* every write command is refused to a read-only session */
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("STOR"), 1, 0, "f", &text),
	    550);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("APPE"), 1, 0, "f", &text),
	    550);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("DELE"), 1, 0, "f", &text),
	    550);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("XMKD"), 1, 0, "f", &text),
	    550);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("RNTO"), 1, 0, "f", &text),
	    550);
	cr_assert_eq(ftp_cmd_check(ftp_cmd_find("STOR"), 1, 1, "f", &text),
	    0);
	/* only a few run while a transfer does */
	cr_assert(ftp_cmd_find("ABOR")->flags & FC_XFER);
	cr_assert(ftp_cmd_find("STAT")->flags & FC_XFER);
	cr_assert_not(ftp_cmd_find("RETR")->flags & FC_XFER);
	cr_assert_not(ftp_cmd_find("CWD")->flags & FC_XFER);
}
