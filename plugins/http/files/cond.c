/*
 * cond.c — the pure parts of the files extension: request paths, HTTP
 * dates, validators (ETag, Last-Modified), conditional requests and Range.
 *
 * Ownership: nothing; every function works on the caller's strings and
 * buffers, with no host call, so tests/unit/test_files_cond.c links it
 * alone.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"

static const char *const months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char *const wdays[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static int
month_index(const char *m)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strcasecmp(m, months[i]) == 0)
			return i;
	return -1;
}

/* The three formats of RFC 9110 5.6.7, each tried in turn. */
time_t
files_parse_date(const char *s)
{
	struct tm tm;
	char mon[4];
	int d, y, hh, mm, ss, n = 0;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%*[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n",
	    &d, mon, &y, &hh, &mm, &ss, &n) == 6 && n > 0)
		;		/* IMF-fixdate */
	else if (sscanf(s, "%*[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n",
	    &d, mon, &y, &hh, &mm, &ss, &n) == 6 && n > 0)
		y += y < 70 ? 2000 : 1900;	/* RFC 850 */
	else if (sscanf(s, "%*[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n",
	    mon, &d, &hh, &mm, &ss, &y, &n) == 6 && n > 0)
		;		/* asctime */
	else
		return -1;
	if ((tm.tm_mon = month_index(mon)) < 0 || d < 1 || d > 31 ||
	    hh > 23 || mm > 59 || ss > 60 || y < 1970 || hh < 0 || mm < 0 ||
	    ss < 0)
		return -1;
	tm.tm_mday = d;
	tm.tm_year = y - 1900;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	return timegm(&tm);
}

/* Not strftime: its %a and %b follow the locale. */
void
files_format_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wdays[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
files_etag(const struct stat *st, char *buf, size_t len)
{
	snprintf(buf, len, "\"%jx-%jx-%jx\"", (uintmax_t)st->st_ino,
	    (uintmax_t)st->st_size,
	    (uintmax_t)st->st_mtim.tv_sec * 1000000u +
	    (uintmax_t)st->st_mtim.tv_nsec / 1000u);
}

/* The opaque-tag of an entity-tag without W/, as [*tag, *tag + *n). */
static const char *
next_tag(const char *s, const char **tag, size_t *n, int *weak)
{
	const char *e;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (*s == '\0')
		return NULL;
	*weak = 0;
	if (s[0] == 'W' && s[1] == '/') {
		*weak = 1;
		s += 2;
	}
	if (*s == '"') {
		if ((e = strchr(s + 1, '"')) == NULL)
			return NULL;
		e++;
	} else
		e = s + strcspn(s, ", \t");
	*tag = s;
	*n = (size_t)(e - s);
	return e;
}

int
files_etag_match(const char *inm, const char *etag)
{
	const char *tag;
	size_t n, elen = strlen(etag);
	int weak;

	while (*inm == ' ' || *inm == '\t')
		inm++;
	if (strcmp(inm, "*") == 0)
		return 1;
	while ((inm = next_tag(inm, &tag, &n, &weak)) != NULL)
		if (n == elen && memcmp(tag, etag, n) == 0)
			return 1;
	return 0;
}

int
files_not_modified(const char *inm, const char *ims, const char *etag,
    time_t mtime, off_t size, time_t now)
{
	const char *semi, *len;
	char date[64];
	time_t t;

	if (inm != NULL)
		return files_etag_match(inm, etag);
	if (ims == NULL)
		return 0;
	/* Netscape's "date; length=N" (Medusa honoured it). */
	if ((semi = strchr(ims, ';')) != NULL) {
		len = semi + 1;
		while (*len == ' ')
			len++;
		if (strncasecmp(len, "length=", 7) == 0 &&
		    strtoll(len + 7, NULL, 10) != (long long)size)
			return 0;
		snprintf(date, sizeof date, "%.*s", (int)(semi - ims), ims);
		ims = date;
	}
	if ((t = files_parse_date(ims)) == -1 || t > now)
		return 0;
	return mtime <= t;
}

int
files_if_range_ok(const char *ifr, const char *etag, time_t mtime)
{
	while (*ifr == ' ')
		ifr++;
	if (ifr[0] == '"')
		return strcmp(ifr, etag) == 0;
	if (ifr[0] == 'W' && ifr[1] == '/')
		return 0;	/* a weak tag never matches If-Range */
	return files_parse_date(ifr) == mtime;
}

/* Digits into *v, saturating; the end, or NULL if there are none. */
static const char *
digits(const char *s, off_t *v)
{
	const char *b = s;
	uintmax_t x = 0;
	const uintmax_t max = (uintmax_t)INT64_MAX;

	while (*s >= '0' && *s <= '9') {
		x = x > max / 10 ? max : x * 10 + (uintmax_t)(*s - '0');
		if (x > max)
			x = max;
		s++;
	}
	*v = (off_t)x;
	return s == b ? NULL : s;
}

enum files_range
files_parse_range(const char *h, off_t size, off_t *off, off_t *len)
{
	off_t a, b;
	const char *s;

	while (*h == ' ')
		h++;
	if (strncasecmp(h, "bytes=", 6) != 0)
		return FILES_RANGE_NONE;
	s = h + 6;
	while (*s == ' ')
		s++;
	if (strchr(s, ',') != NULL)
		return FILES_RANGE_NONE;	/* several: send it all */
	if (*s == '-') {
		/* The last b bytes. */
		if ((s = digits(s + 1, &b)) == NULL)
			return FILES_RANGE_NONE;
		while (*s == ' ')
			s++;
		if (*s != '\0')
			return FILES_RANGE_NONE;
		if (b == 0 || size == 0)
			return FILES_RANGE_UNSAT;
		*len = b < size ? b : size;
		*off = size - *len;
		return FILES_RANGE_OK;
	}
	if ((s = digits(s, &a)) == NULL || *s++ != '-')
		return FILES_RANGE_NONE;
	b = -1;
	if (*s >= '0' && *s <= '9') {
		if ((s = digits(s, &b)) == NULL || b < a)
			return FILES_RANGE_NONE;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return FILES_RANGE_NONE;
	if (a >= size)
		return FILES_RANGE_UNSAT;
	if (b == -1 || b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return FILES_RANGE_OK;
}

/*
 * Dot-segments are resolved lexically, but one that would rise above the
 * root is refused outright (as nginx does) rather than silently clamped.
 */
static int
check_dots(const char *p)
{
	const char *seg;
	size_t n;
	long depth = 0;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		seg = p;
		n = strcspn(p, "/");
		p += n;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (--depth < 0)
				return -1;
		} else
			depth++;
	}
	return 0;
}

int
files_target_path(const char *target,
    int (*decode)(const char *, char *, size_t), char *out, size_t outlen,
    int *slash)
{
	char raw[FILES_PATH_MAX];
	const char *p = target;
	size_t n;
	int rc;

	/* Absolute form: "http://host/path". */
	if (strncasecmp(p, "http://", 7) == 0 ||
	    strncasecmp(p, "https://", 8) == 0) {
		p = strchr(strstr(p, "//") + 2, '/');
		if (p == NULL)
			p = "/";
	}
	if (*p != '/')
		return 400;
	n = strcspn(p, "?#");
	if (n >= sizeof raw)
		return 414;
	memcpy(raw, p, n);
	raw[n] = '\0';
	if ((rc = decode(raw, out, outlen)) != 0)
		return rc == -ENAMETOOLONG ? 414 : 400;
	if (strchr(out, '\\') != NULL || check_dots(out) == -1)
		return 400;
	n = strlen(out);
	*slash = n > 0 && out[n - 1] == '/';
	return 0;
}

int
files_encode_path(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	unsigned char c;

	for (; (c = (unsigned char)*in) != '\0'; in++) {
		if (isalnum(c) || strchr("/-._~!$&'()*+,;=:@", c) != NULL) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = (char)c;
		} else {
			if (n + 3 >= outlen)
				return -1;
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (n >= outlen)
		return -1;
	out[n] = '\0';
	return 0;
}
