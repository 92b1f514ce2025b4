/*
 * cmd.c — the control channel's grammar: split a line into verb and
 * argument, find the verb in the command table, and say whether the
 * session may run it now.
 *
 * Ownership: nothing; the table is static const data.
 */
#include "config.h"

#include <ctype.h>

#include "ftp.h"

#define PRE FC_PRELOGIN
#define W FC_WRITE
#define A FC_ARG
#define X FC_XFER

/* Sorted by name (bsearch).  HELP lists them in this order. */
static const struct ftp_cmd cmds[] = {
	{ "ABOR", X, cmd_abor },
	{ "APPE", W | A, cmd_appe },
	{ "AUTH", PRE | A, cmd_auth },
	{ "CDUP", 0, cmd_cdup },
	{ "CWD", A, cmd_cwd },
	{ "DELE", W | A, cmd_dele },
	{ "EPRT", A, cmd_eprt },
	{ "EPSV", 0, cmd_epsv },
	{ "FEAT", PRE | X, cmd_feat },
	{ "HELP", PRE | X, cmd_help },
	{ "LIST", 0, cmd_list },
	{ "MDTM", A, cmd_mdtm },
	{ "MKD", W | A, cmd_mkd },
	{ "MLSD", 0, cmd_mlsd },
	{ "MLST", 0, cmd_mlst },
	{ "MODE", A, cmd_mode },
	{ "NLST", 0, cmd_nlst },
	{ "NOOP", PRE | X, cmd_noop },
	{ "OPTS", A, cmd_opts },
	{ "PASS", PRE, cmd_pass },
	{ "PASV", 0, cmd_pasv },
	{ "PBSZ", PRE | A, cmd_pbsz },
	{ "PORT", A, cmd_port },
	{ "PROT", PRE | A, cmd_prot },
	{ "PWD", 0, cmd_pwd },
	{ "QUIT", PRE | X, cmd_quit },
	{ "REST", A, cmd_rest },
	{ "RETR", A, cmd_retr },
	{ "RMD", W | A, cmd_rmd },
	{ "RNFR", W | A, cmd_rnfr },
	{ "RNTO", W | A, cmd_rnto },
	{ "SIZE", A, cmd_size },
	{ "STAT", X, cmd_stat },
	{ "STOR", W | A, cmd_stor },
	{ "STRU", A, cmd_stru },
	{ "SYST", PRE, cmd_syst },
	{ "TYPE", A, cmd_type },
	{ "USER", PRE | A, cmd_user },
	{ "XCUP", 0, cmd_cdup },
	{ "XCWD", A, cmd_cwd },
	{ "XMKD", W | A, cmd_mkd },
	{ "XPWD", 0, cmd_pwd },
	{ "XRMD", W | A, cmd_rmd },
};

#undef PRE
#undef W
#undef A
#undef X

const struct ftp_cmd *
ftp_cmd_table(size_t *n)
{
	*n = sizeof cmds / sizeof cmds[0];
	return cmds;
}

static int
cmd_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct ftp_cmd *)elt)->name);
}

const struct ftp_cmd *
ftp_cmd_find(const char *verb)
{
	return bsearch(verb, cmds, sizeof cmds / sizeof cmds[0],
	    sizeof cmds[0], cmd_cmp);
}

/* Drop telnet IAC sequences (IAC IAC is a literal 0xff), in place. */
static void
strip_telnet(char *line)
{
	unsigned char *r = (unsigned char *)line, *w = r;

	while (*r != '\0') {
		if (*r == 0xff && r[1] != '\0') {
			if (r[1] == 0xff)
				*w++ = 0xff;
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

int
ftp_split(char *line, char **verb, char **arg)
{
	char *p, *sp;

	strip_telnet(line);
	p = line;
	while (*p != '\0' && !isalpha((unsigned char)*p))
		p++;
	if (*p == '\0')
		return -1;
	*verb = p;
	sp = strchr(p, ' ');
	*arg = NULL;
	if (sp != NULL) {
		*sp = '\0';
		if (sp[1] != '\0')
			*arg = sp + 1;
	}
	for (; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return 0;
}

int
ftp_cmd_check(const struct ftp_cmd *cmd, int logged_in, int writable,
    const char *arg, const char **text)
{
	if (!logged_in && !(cmd->flags & FC_PRELOGIN)) {
		*text = "Please login with USER and PASS.";
		return 530;
	}
	if ((cmd->flags & FC_ARG) && (arg == NULL || *arg == '\0')) {
		*text = "Syntax error in parameters or arguments.";
		return 501;
	}
	if ((cmd->flags & FC_WRITE) && !writable) {
		*text = "Permission denied.";
		return 550;
	}
	return 0;
}
