/*
 * ftp_fuzzer.c — fuzz target for what an FTP client sends that the ftp
 * plugin parses (plugins/ftp/cmd.c, addr.c, list.c): the command line
 * splitter, PORT's, EPRT's and EPSV's arguments, OPTS MLST's fact list,
 * and the LIST/MLSD/MDTM formatting of what stat(2) says of a file.
 *
 * cmd.c, addr.c and list.c are compiled in; the command handlers the table
 * points at are stand-ins that abort (the grammar never runs a command).
 *
 * Input: the whole input is a command line (CRLF removed, cut at the first
 * NUL as the session's reader would); the splitter gets it, and each
 * parser gets both the whole line and the argument the splitter found.
 * The bytes also fill a struct stat and a "now" for the formatting.  The
 * target aborts if:
 *  - the splitter gives a verb that is empty, not upper case, holds a
 *    blank or does not start with a letter, or an empty argument; or
 *    refuses a line that has a letter left after telnet stripping;
 *  - ftp_cmd_check lets a command run that its flags forbid, or answers a
 *    code other than 530/501/550;
 *  - PORT or EPRT accept something that a plain model refuses (PORT) or
 *    that does not round-trip (format the address back, parse it again,
 *    get the same bytes), or give a port outside 1..65535; PASV's reply
 *    for an accepted PORT address does not parse back to it;
 *  - EPSV disagrees with a model of its argument;
 *  - a fact mask holds unknown bits or does not survive FEAT's list;
 *  - a `ls -l` line, its date or MDTM's timestamp is not well-formed.
 */
#include "config.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "ftp.h"

/* --- the rest of the plugin: no handler may run ------------------------ */

#define STAND_IN(n) void cmd_##n(struct ftp_sess *s, const char *a) \
	{ (void)s; (void)a; abort(); }
STAND_IN(user) STAND_IN(pass) STAND_IN(quit) STAND_IN(noop) STAND_IN(syst)
STAND_IN(type) STAND_IN(mode) STAND_IN(stru) STAND_IN(feat) STAND_IN(opts)
STAND_IN(pwd) STAND_IN(cwd) STAND_IN(cdup) STAND_IN(help) STAND_IN(stat)
STAND_IN(size) STAND_IN(mdtm) STAND_IN(rest) STAND_IN(pasv) STAND_IN(epsv)
STAND_IN(port) STAND_IN(eprt) STAND_IN(list) STAND_IN(nlst) STAND_IN(mlsd)
STAND_IN(mlst) STAND_IN(retr) STAND_IN(stor) STAND_IN(appe) STAND_IN(dele)
STAND_IN(mkd) STAND_IN(rmd) STAND_IN(rnfr) STAND_IN(rnto) STAND_IN(abor)
STAND_IN(auth) STAND_IN(pbsz) STAND_IN(prot)

/* --- the command line -------------------------------------------------- */

/* Whether a letter is left once telnet IAC pairs are dropped. */
static int
m_has_letter(const unsigned char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == 0xff && s[1] != '\0') {
			s++;
			continue;
		}
		if (isalpha(*s))
			return 1;
	}
	return 0;
}

static void
check_cmd(const char *verb, const char *arg)
{
	static const int codes[] = { 0, 530, 501, 550 };
	const struct ftp_cmd *c;
	const char *text;
	int li, wr, r;
	size_t i;

	if ((c = ftp_cmd_find(verb)) == NULL)
		return;
	if (strcmp(c->name, verb) != 0 || c->fn == NULL)
		abort();
	for (li = 0; li < 2; li++)
		for (wr = 0; wr < 2; wr++) {
			r = ftp_cmd_check(c, li, wr, arg, &text);
			for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
				if (r == codes[i])
					break;
			if (i == sizeof codes / sizeof codes[0])
				abort();
			if (r != 0 && (text == NULL || *text == '\0'))
				abort();
			if (r == 0 && ((!li && !(c->flags & FC_PRELOGIN)) ||
			    ((c->flags & FC_ARG) && arg == NULL) ||
			    ((c->flags & FC_WRITE) && !wr)))
				abort();
		}
}

/* ftp_split on a copy of line; *argp the argument found (in *copy). */
static void
check_split(const char *line, char **copy, const char **argp)
{
	char *verb, *arg, *end;
	const char *p;
	int r;

	*copy = strdup(line);
	if (*copy == NULL)
		abort();
	*argp = NULL;
	end = *copy + strlen(*copy);
	r = ftp_split(*copy, &verb, &arg);
	if (r == -1) {
		if (m_has_letter((const unsigned char *)line))
			abort();
		return;
	}
	if (r != 0 || !m_has_letter((const unsigned char *)line))
		abort();
	if (verb < *copy || verb >= end || !isupper((unsigned char)verb[0]))
		abort();
	for (p = verb; *p != '\0'; p++)
		if (*p == ' ' || islower((unsigned char)*p))
			abort();
	if (arg != NULL && (arg != verb + strlen(verb) + 1 || *arg == '\0' ||
	    arg + strlen(arg) > end))
		abort();
	check_cmd(verb, arg);
	*argp = arg;
}

/* --- PORT, EPRT, EPSV ------------------------------------------------- */

/* A plain reading of RFC 959's host-port: six decimal numbers of 1..3
 * digits, each <= 255, comma-separated, nothing else; port 0 refused. */
static int
m_port(const char *s, unsigned char b[6])
{
	int i, n;
	unsigned v;

	for (i = 0; i < 6; i++) {
		if (i > 0 && *s++ != ',')
			return -1;
		for (v = 0, n = 0; *s >= '0' && *s <= '9'; s++, n++)
			v = v * 10 + (unsigned)(*s - '0');
		if (n == 0 || n > 3 || v > 255)
			return -1;
		b[i] = (unsigned char)v;
	}
	if (*s != '\0' || (b[4] == 0 && b[5] == 0))
		return -1;
	return 0;
}

static void
same_sa(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	if (!ftp_same_host((const struct sockaddr *)a,
	    (const struct sockaddr *)b))
		abort();
}

/* PASV's reply for the address, parsed back with PORT's parser. */
static void
check_pasv(const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_storage back;
	char text[128], *open, *close;
	socklen_t blen;
	int port = ftp_sa_port((const struct sockaddr *)ss);

	if (ftp_fmt_pasv((const struct sockaddr *)ss, port, text,
	    sizeof text) == -1)
		abort();
	if ((open = strchr(text, '(')) == NULL ||
	    (close = strchr(open, ')')) == NULL || strcmp(close, ").") != 0)
		abort();
	*close = '\0';
	if (ftp_parse_port(open + 1, &back, &blen) != 0)
		abort();
	same_sa(ss, len, &back, blen);
}

static void
check_port(const char *arg)
{
	struct sockaddr_storage ss, back;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
	unsigned char b[6];
	char text[64];
	socklen_t len, blen;
	int r, port;

	r = ftp_parse_port(arg, &ss, &len);
	if ((r == 0) != (m_port(arg, b) == 0) || (r != 0 && r != -1))
		abort();
	if (r != 0)
		return;
	port = ftp_sa_port((const struct sockaddr *)&ss);
	if (sin->sin_family != AF_INET || len != sizeof *sin ||
	    ftp_sa_len((const struct sockaddr *)&ss) != len ||
	    port < 1 || port > 65535 || port != (b[4] << 8 | b[5]) ||
	    memcmp(&sin->sin_addr, b, 4) != 0 ||
	    ftp_sa_family((const struct sockaddr *)&ss) != 1)
		abort();
	snprintf(text, sizeof text, "%u,%u,%u,%u,%u,%u", b[0], b[1], b[2],
	    b[3], b[4], b[5]);
	if (ftp_parse_port(text, &back, &blen) != 0)
		abort();
	same_sa(&ss, len, &back, blen);
	check_pasv(&ss, len);
}

static void
check_eprt(const char *arg)
{
	struct sockaddr_storage ss, back;
	char host[INET6_ADDRSTRLEN + 8], shown[INET6_ADDRSTRLEN + 8];
	char text[128];
	socklen_t len, blen;
	int r, port, af;

	r = ftp_parse_eprt(arg, &ss, &len);
	if (r != 0 && r != -1 && r != -2)
		abort();
	if (r != 0)
		return;
	port = ftp_sa_port((const struct sockaddr *)&ss);
	af = ss.ss_family == AF_INET ? 1 : ss.ss_family == AF_INET6 ? 2 : 0;
	if (af == 0 || port < 1 || port > 65535 ||
	    len != (af == 1 ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) ||
	    ftp_sa_len((const struct sockaddr *)&ss) != len)
		abort();
	/* the family is the one the client named */
	if (arg[1] != '0' + af)
		abort();
	if (inet_ntop(ss.ss_family, af == 1 ?
	    (const void *)&((const struct sockaddr_in *)&ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)&ss)->sin6_addr,
	    host, sizeof host) == NULL)
		abort();
	ftp_sa_host((const struct sockaddr *)&ss, shown, sizeof shown);
	if (strcmp(host, shown) != 0)
		abort();
	snprintf(text, sizeof text, "|%d|%s|%d|", af, host, port);
	if (ftp_parse_eprt(text, &back, &blen) != 0)
		abort();
	same_sa(&ss, len, &back, blen);
}

/* EPSV's argument, read plainly: none, ALL, or 1..3 digits. */
static int
m_epsv(const char *arg)
{
	size_t n;
	long v;

	if (arg == NULL || *arg == '\0')
		return 0;
	if (strcasecmp(arg, "ALL") == 0)
		return FTP_EPSV_ALL;
	n = strspn(arg, "0123456789");
	if (n == 0 || n > 3 || arg[n] != '\0')
		return -1;
	v = strtol(arg, NULL, 10);
	return v == 1 || v == 2 ? (int)v : -2;
}

static void
check_epsv(const char *arg)
{
	if (ftp_parse_epsv(arg) != m_epsv(arg))
		abort();
}

/* --- OPTS MLST, FEAT --------------------------------------------------- */

static void
check_facts(const char *arg)
{
	char list[128];
	unsigned mask = ftp_parse_facts(arg);
	size_t stars = 0;
	const char *p;
	int i;

	if (mask & ~(unsigned)MLST_ALL)
		abort();
	ftp_fmt_factlist(mask, 0, list, sizeof list);
	if (ftp_parse_facts(list) != mask)
		abort();
	/* FEAT's list: every fact, a star after those selected */
	ftp_fmt_factlist(mask, 1, list, sizeof list);
	for (p = list; (p = strchr(p, '*')) != NULL; p++) {
		if (p[1] != ';')
			abort();
		memmove((char *)p, p + 1, strlen(p));
		stars++;
	}
	if (ftp_parse_facts(list) != MLST_ALL)
		abort();
	for (i = 0; i < 5; i++)
		if (mask & (1u << i))
			stars--;
	if (stars != 0)
		abort();
}

/* --- LIST, MLSD, MDTM of a stat(2) the bytes make up ------------------- */

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* "Mmm dd hh:mm" or "Mmm dd  yyyy" (a year of 4 or more digits). */
static void
check_lsdate(const char *d)
{
	size_t i;

	for (i = 0; i < 12; i++)
		if (strncmp(d, months[i], 3) == 0)
			break;
	if (i == 12 || d[3] != ' ' || !(d[4] == ' ' || isdigit((unsigned
	    char)d[4])) || !isdigit((unsigned char)d[5]) || d[6] != ' ')
		abort();
	if (isdigit((unsigned char)d[7])) {
		if (!isdigit((unsigned char)d[8]) || d[9] != ':' ||
		    !isdigit((unsigned char)d[10]) ||
		    !isdigit((unsigned char)d[11]) || d[12] != '\0')
			abort();
		return;
	}
	if (d[7] != ' ')
		abort();
	d += d[8] == '-' ? 9 : 8;	/* "%d" of the year */
	if (strspn(d, "0123456789") == 0 || d[strspn(d, "0123456789")] != '\0')
		abort();
}

static uint64_t
bytes64(const uint8_t *data, size_t size, size_t at)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (at + i < size ? data[at + i] : 0);
	return v;
}

static void
check_format(const uint8_t *data, size_t size, const char *name)
{
	struct evbuffer *b;
	struct stat st;
	char mode[11], date[64], mdtm[15], perm[16], *line;
	time_t now;
	size_t n, i;

	memset(&st, 0, sizeof st);
	st.st_mode = (mode_t)bytes64(data, size, 0);
	st.st_mtime = (time_t)bytes64(data, size, 8);
	st.st_size = (off_t)bytes64(data, size, 16);
	st.st_nlink = (nlink_t)bytes64(data, size, 24);
	/* the clock is not the client's: a time between 1970 and 2242 */
	now = (time_t)(bytes64(data, size, 32) & 0x1ffffffffULL);

	ftp_fmt_mode(st.st_mode, mode);
	if (strlen(mode) != 10 || strchr("-dlcbps", mode[0]) == NULL ||
	    strspn(mode + 1, "rwxsStT-") != 9)
		abort();
	ftp_fmt_lsdate(st.st_mtime, now, date, sizeof date);
	check_lsdate(date);
	memset(mdtm, 'X', sizeof mdtm);
	ftp_fmt_mdtm(st.st_mtime, mdtm);
	if (strlen(mdtm) != 14 || strspn(mdtm, "0123456789") != 14)
		abort();
	ftp_fmt_perm(&st, (unsigned)data[0] & 0x0f, perm);
	if (strspn(perm, "acdefmlprw") != strlen(perm))
		abort();

	if ((b = evbuffer_new()) == NULL)
		abort();
	ftp_fmt_list(b, name, &st, "owner", "group", size & 1 ? name : NULL,
	    now);
	n = evbuffer_get_length(b);
	line = (char *)evbuffer_pullup(b, -1);
	if (n < 2 || memcmp(line + n - 2, "\r\n", 2) != 0 ||
	    memcmp(line, mode, 10) != 0 || line[10] != ' ')
		abort();
	evbuffer_drain(b, n);
	ftp_fmt_facts(b, name, &st, NULL, perm, (unsigned)data[0] & MLST_ALL);
	n = evbuffer_get_length(b);
	line = (char *)evbuffer_pullup(b, -1);
	for (i = 0; i < n && line[i] != ' '; i++)
		;
	if (i == n || n - i - 1 != strlen(name) ||
	    memcmp(line + i + 1, name, n - i - 1) != 0)
		abort();
	evbuffer_free(b);
}

/* --- the target -------------------------------------------------------- */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *arg;
	char *line, *copy;

	if ((line = malloc(size + 1)) == NULL)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	check_split(line, &copy, &arg);
	check_port(line);
	check_eprt(line);
	check_epsv(line);
	check_facts(line);
	if (arg != NULL) {
		check_port(arg);
		check_eprt(arg);
		check_epsv(arg);
		check_facts(arg);
	}
	check_epsv(NULL);
	check_format(data, size, arg != NULL ? arg : line);
	free(copy);
	free(line);
	return 0;
}
