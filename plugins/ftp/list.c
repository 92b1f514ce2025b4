/*
 * list.c — listing formats: `ls -l` lines for LIST (our own code, no
 * /bin/ls, no glob), RFC 3659 fact lines for MLSD/MLST, MDTM's timestamp.
 * Every time is UTC, as MDTM's must be (vsftpd's default too).
 *
 * Ownership: nothing; output goes to the caller's evbuffer or buffer.
 */
#include "config.h"

#include <stdio.h>
#include <strings.h>

#include <event2/buffer.h>

#include "ftp.h"

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static char
type_char(mode_t m)
{
	static const struct {
		mode_t fmt;
		char c;
	} types[] = {
		{ S_IFDIR, 'd' }, { S_IFLNK, 'l' }, { S_IFCHR, 'c' },
		{ S_IFBLK, 'b' }, { S_IFIFO, 'p' }, { S_IFSOCK, 's' },
	};
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if ((m & S_IFMT) == types[i].fmt)
			return types[i].c;
	return '-';
}

void
ftp_fmt_mode(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = type_char(m);
	for (i = 0; i < 9; i++)
		out[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

/*
 * gmtime_r, but a time it cannot break down (a year past INT_MAX: tmpfs
 * keeps any 64-bit mtime, `touch -d @1e17` makes one) is shown as the
 * epoch instead of leaving tm unset for months[] and strftime.
 */
static int
utc(time_t t, struct tm *tm)
{
	static const time_t epoch = 0;

	if (gmtime_r(&t, tm) != NULL)
		return 0;
	gmtime_r(&epoch, tm);
	return -1;
}

void
ftp_fmt_lsdate(time_t t, time_t now, char *out, size_t outlen)
{
	struct tm tm;

	utc(t, &tm);
	if (t > now - FTP_RECENT_SECS && t <= now + 3600)
		snprintf(out, outlen, "%s %2d %02d:%02d", months[tm.tm_mon],
		    tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		snprintf(out, outlen, "%s %2d  %d", months[tm.tm_mon],
		    tm.tm_mday, tm.tm_year + 1900);
}

void
ftp_fmt_list(struct evbuffer *b, const char *name, const struct stat *st,
    const char *owner, const char *group, const char *link, time_t now)
{
	char mode[11], date[32];

	ftp_fmt_mode(st->st_mode, mode);
	ftp_fmt_lsdate(st->st_mtime, now, date, sizeof date);
	evbuffer_add_printf(b, "%s %4lu %-8s %-8s %12lld %s %s%s%s\r\n", mode,
	    (unsigned long)st->st_nlink, owner, group,
	    (long long)st->st_size, date, name, link != NULL ? " -> " : "",
	    link != NULL ? link : "");
}

void
ftp_fmt_mdtm(time_t t, char out[15])
{
	struct tm tm;

	/* a year that is not 4 digits would not fit: the nearest end */
	if (utc(t, &tm) == -1 || tm.tm_year < 1000 - 1900 ||
	    tm.tm_year > 9999 - 1900)
		memcpy(out, t < 0 ? "00000101000000" : "99991231235959", 15);
	else
		strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

static const char *
fact_type(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "OS.unix=slink";
	default:
		return "OS.unix=special";
	}
}

static const char *const fact_names[] = {
	"type", "size", "modify", "perm", "UNIX.mode"
};
#define NFACTS (sizeof fact_names / sizeof fact_names[0])

void
ftp_fmt_facts(struct evbuffer *b, const char *name, const struct stat *st,
    const char *type, const char *perm, unsigned facts)
{
	char t[15];

	if (facts & MLST_TYPE)
		evbuffer_add_printf(b, "type=%s;", type != NULL ? type :
		    fact_type(st));
	if ((facts & MLST_SIZE) && !S_ISDIR(st->st_mode))
		evbuffer_add_printf(b, "size=%lld;", (long long)st->st_size);
	if (facts & MLST_MODIFY) {
		ftp_fmt_mdtm(st->st_mtime, t);
		evbuffer_add_printf(b, "modify=%s;", t);
	}
	if (facts & MLST_PERM)
		evbuffer_add_printf(b, "perm=%s;", perm);
	if (facts & MLST_UNIX_MODE)
		evbuffer_add_printf(b, "UNIX.mode=0%o;",
		    (unsigned)(st->st_mode & 07777));
	evbuffer_add_printf(b, " %s", name);
}

void
ftp_fmt_perm(const struct stat *st, unsigned may, char out[16])
{
	/* RFC 3659 7.5.5's letters, in its order, and what each needs */
	static const struct {
		char c;
		int dir;
		unsigned need;
	} letters[] = {
		{ 'a', 0, FTP_MAY_WRITE },	/* APPE */
		{ 'c', 1, FTP_MAY_WRITE },	/* STOR into it */
		{ 'd', -1, FTP_MAY_REMOVE },	/* DELE, RMD */
		{ 'f', -1, FTP_MAY_REMOVE },	/* RNFR */
		{ 'm', 1, FTP_MAY_WRITE },	/* MKD in it */
		{ 'p', 1, FTP_MAY_WRITE },	/* delete its entries */
		{ 'w', 0, FTP_MAY_WRITE },	/* STOR over it */
		{ 'e', 1, FTP_MAY_ENTER },	/* CWD */
		{ 'l', 1, FTP_MAY_READ | FTP_MAY_ENTER },	/* LIST */
		{ 'r', 0, FTP_MAY_READ },	/* RETR */
	};
	int isdir = S_ISDIR(st->st_mode);
	size_t i, n = 0;

	for (i = 0; i < sizeof letters / sizeof letters[0]; i++)
		if ((letters[i].dir == -1 || letters[i].dir == isdir) &&
		    (may & letters[i].need) == letters[i].need)
			out[n++] = letters[i].c;
	out[n] = '\0';
}

unsigned
ftp_parse_facts(const char *arg)
{
	unsigned mask = 0;
	size_t i, n;
	const char *p = arg;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ";");
		for (i = 0; i < NFACTS; i++)
			if (strlen(fact_names[i]) == n &&
			    strncasecmp(p, fact_names[i], n) == 0)
				mask |= 1u << i;
		p += n;
		if (*p == ';')
			p++;
	}
	return mask;
}

void
ftp_fmt_factlist(unsigned mask, int stars, char *out, size_t outlen)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < NFACTS && len < outlen; i++) {
		if (!stars && !(mask & (1u << i)))
			continue;
		len += (size_t)snprintf(out + len, outlen - len, "%s%s;",
		    fact_names[i], stars && (mask & (1u << i)) ? "*" : "");
	}
}
