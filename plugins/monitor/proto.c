/*
 * proto.c — framing, tokenizing and quoting of the monitor protocol
 * (proto.h).  Plain libc: sthenoctl links it without libevent.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "proto.h"

void
mon_frame_header(char out[MON_HEADER_LEN + 1], int status, size_t len)
{
	if (status < 100 || status > 999 || len > 99999999)
		abort();	/* callers cap the body at MON_MAX_BODY */
	snprintf(out, MON_HEADER_LEN + 1, "%-3d %-8zu\n", status, len);
}

int
mon_parse_header(const char *hdr, int *status, size_t *len)
{
	size_t i, n = 0;
	int st = 0;

	for (i = 0; i < 3; i++) {
		if (hdr[i] < '0' || hdr[i] > '9')
			return -1;
		st = st * 10 + (hdr[i] - '0');
	}
	if (hdr[3] != ' ' || hdr[MON_HEADER_LEN - 1] != '\n')
		return -1;
	for (i = 4; i < MON_HEADER_LEN - 1 && hdr[i] == ' '; i++)
		;
	if (i == MON_HEADER_LEN - 1)
		return -1;
	for (; i < MON_HEADER_LEN - 1 && hdr[i] >= '0' && hdr[i] <= '9'; i++)
		n = n * 10 + (size_t)(hdr[i] - '0');
	for (; i < MON_HEADER_LEN - 1; i++)
		if (hdr[i] != ' ')
			return -1;
	*status = st;
	*len = n;
	return 0;
}

/* One escape after a backslash inside double quotes, at p (< end): the
 * byte in *out, the position after it returned. */
static const char *
unescape(const char *p, const char *end, char *out)
{
	static const char from[] = "nrt\"\\", to[] = "\n\r\t\"\\";
	const char *f;
	int v, n, d;

	if (*p == 'x' && end - p >= 3 && hex_digit(p[1]) >= 0 &&
	    hex_digit(p[2]) >= 0) {
		*out = (char)(hex_digit(p[1]) << 4 | hex_digit(p[2]));
		return p + 3;
	}
	if (*p >= '0' && *p <= '7') {
		for (v = 0, n = 0; n < 3 && p < end && *p >= '0' && *p <= '7';
		    n++, p++) {
			d = *p - '0';
			v = v * 8 + d;
		}
		*out = (char)v;
		return p;
	}
	if ((f = strchr(from, *p)) != NULL && *f != '\0') {
		*out = to[f - from];
		return p + 1;
	}
	*out = *p;		/* any other byte stands for itself */
	return p + 1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
mon_tokenize(const char *line, size_t len, struct mon_argv *out,
    const char **err)
{
	const char *p = line, *end = line + len;
	char *w, quote;

	memset(out, 0, sizeof *out);
	if (memchr(line, '\0', len) != NULL) {
		*err = "a NUL byte in the line";
		return -1;
	}
	out->buf = xmalloc(len + 1);
	out->argv = xmalloc((MON_MAX_ARGS + 1) * sizeof *out->argv);
	w = out->buf;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		if (out->argc == MON_MAX_ARGS) {
			*err = "too many words in the line";
			goto fail;
		}
		out->argv[out->argc++] = w;
		quote = 0;
		while (p < end && (quote != 0 || !is_blank(*p))) {
			if (quote == 0 && (*p == '"' || *p == '\'')) {
				quote = *p++;
			} else if (quote != 0 && *p == quote) {
				quote = 0;
				p++;
			} else if (*p == '\\' && quote != '\'' && p + 1 < end) {
				if (quote == '"') {
					p = unescape(p + 1, end, w);
					if (*w++ == '\0')	/* \0, \x00 */
						goto nul;
				} else {
					*w++ = p[1];
					p += 2;
				}
			} else
				*w++ = *p++;
		}
		if (quote != 0) {
			*err = quote == '"' ? "unterminated \"quote\"" :
			    "unterminated 'quote'";
			goto fail;
		}
		*w++ = '\0';
	}
	out->argv[out->argc] = NULL;
	return 0;
nul:
	*err = "a NUL byte in the line";
fail:
	mon_argv_free(out);
	return -1;
}

void
mon_argv_free(struct mon_argv *a)
{
	free(a->argv);
	free(a->buf);
	memset(a, 0, sizeof *a);
}

static int
is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("_-./:,=+@%[]{}", c) != NULL ||
	    c >= 0x80;
}

void
mon_quote(struct dbuf *s, const char *arg)
{
	static const char from[] = "\n\r\t\"\\", to[] = "nrt\"\\";
	const unsigned char *p;
	const char *f;
	char esc[5];

	for (p = (const unsigned char *)arg; *p != '\0' && is_plain(*p); p++)
		;
	if (*arg != '\0' && *p == '\0') {
		dbuf_add(s, arg, strlen(arg));
		return;
	}
	dbuf_add(s, "\"", 1);
	for (p = (const unsigned char *)arg; *p != '\0'; p++) {
		if ((f = strchr(from, *p)) != NULL) {
			esc[0] = '\\';
			esc[1] = to[f - from];
			dbuf_add(s, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", *p);
			dbuf_add(s, esc, 4);
		} else
			dbuf_add(s, p, 1);
	}
	dbuf_add(s, "\"", 1);
}

