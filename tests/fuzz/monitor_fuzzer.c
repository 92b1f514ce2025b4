/*
 * monitor_fuzzer.c — fuzz target for the monitor's wire format
 * (plugins/monitor/proto.c, README.md "Protocol"): the tokenizer of
 * request lines, the quoting sthenoctl uses to send argv back as a line,
 * and the 13-byte response header.
 *
 * Input: the whole input is one request line (without its \n), given to
 * mon_tokenize in a buffer of exactly its size; its first 13 bytes are
 * also a response header for mon_parse_header, and its first 8 bytes make
 * a status and a length for mon_frame_header.  The target aborts if:
 *  - the tokenizer and a plain model of README.md's "Words" written here
 *    disagree on whether the line is refused, on the number of words or on
 *    their bytes (a word the model reads with a NUL in it, from \0 or
 *    \x00, must be refused: a C string cannot carry it);
 *  - a line is accepted with more than MON_MAX_ARGS words, or argv is not
 *    NULL-terminated;
 *  - quoting the words (mon_quote, space-separated) gives a line with a
 *    newline or NUL in it, or one that tokenizes to other words;
 *  - mon_parse_header disagrees with a model of "NNN LLLLLLLL\n"
 *    (3 digits, a space, blanks-digits-blanks in 8 columns, \n), or a
 *    header mon_frame_header writes does not parse back to its values.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"

/* --- a model of README.md's "Words" ------------------------------------ */

struct m_words {
	int argc;		/* -1: refused */
	size_t len[MON_MAX_ARGS];
	char *w[MON_MAX_ARGS];
	char *buf;
};

static int
m_blank(char c)
{
	/* space and tab; \r too, so that a telnet user's CRLF is a blank */
	return c == ' ' || c == '\t' || c == '\r';
}

static int
m_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* One escape inside double quotes: s points after the backslash (s < e);
 * the byte in *out, the bytes used returned. */
static size_t
m_escape(const char *s, const char *e, char *out)
{
	static const char *const map[] = { "nn", "rr", "tt", "\"\"", "\\\\" };
	size_t i, n;
	int v;

	if (*s == 'x' && e - s >= 3 && m_hex(s[1]) >= 0 && m_hex(s[2]) >= 0) {
		*out = (char)(m_hex(s[1]) * 16 + m_hex(s[2]));
		return 3;
	}
	for (n = 0, v = 0; n < 3 && s + n < e && s[n] >= '0' && s[n] <= '7';
	    n++)
		v = v * 8 + (s[n] - '0');
	if (n > 0) {
		*out = (char)v;
		return n;
	}
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (*s == map[i][0]) {
			*out = "\n\r\t\"\\"[i];
			return 1;
		}
	*out = *s;
	return 1;
}

static void
m_tokenize(const char *s, size_t len, struct m_words *m)
{
	const char *e = s + len;
	char *w, q;

	memset(m, 0, sizeof *m);
	m->argc = -1;
	if (memchr(s, '\0', len) != NULL)
		return;
	w = m->buf = xmalloc(len + 1);
	m->argc = 0;
	for (;;) {
		while (s < e && m_blank(*s))
			s++;
		if (s == e)
			return;
		if (m->argc == MON_MAX_ARGS)
			goto refuse;
		m->w[m->argc] = w;
		for (q = 0; s < e && (q != 0 || !m_blank(*s));) {
			if (q == 0 && (*s == '"' || *s == '\''))
				q = *s++;
			else if (q != 0 && *s == q) {
				q = 0;
				s++;
			} else if (*s == '\\' && q == '"' && s + 1 < e)
				s += 1 + m_escape(s + 1, e, w++);
			else if (*s == '\\' && q == 0 && s + 1 < e) {
				*w++ = s[1];
				s += 2;
			} else
				*w++ = *s++;
		}
		if (q != 0)
			goto refuse;
		m->len[m->argc] = (size_t)(w - m->w[m->argc]);
		m->argc++;
	}
refuse:
	m->argc = -1;
}

/* --- the tokenizer, and the round trip through mon_quote --------------- */

static void
same_words(const struct mon_argv *a, const struct m_words *m)
{
	int i;

	if (a->argc != m->argc || a->argc > MON_MAX_ARGS ||
	    a->argv[a->argc] != NULL)
		abort();
	for (i = 0; i < a->argc; i++)
		if (strlen(a->argv[i]) != m->len[i] ||
		    memcmp(a->argv[i], m->w[i], m->len[i]) != 0)
			abort();
}

/* Whether a model word holds a NUL (which no C string word can carry). */
static int
m_has_nul(const struct m_words *m)
{
	int i;

	for (i = 0; i < m->argc; i++)
		if (memchr(m->w[i], '\0', m->len[i]) != NULL)
			return 1;
	return 0;
}

static void
check_requote(const struct mon_argv *a)
{
	struct dbuf line = DBUF_INIT;
	struct mon_argv b;
	const char *err = NULL;
	int i;

	for (i = 0; i < a->argc; i++) {
		if (i > 0)
			dbuf_add(&line, " ", 1);
		mon_quote(&line, a->argv[i]);
	}
	if (a->argc == 0)
		dbuf_add(&line, "", 0);
	if (memchr(line.data, '\n', line.len) != NULL || strlen(line.data) !=
	    line.len)
		abort();
	if (mon_tokenize(line.data, line.len, &b, &err) != 0)
		abort();
	if (b.argc != a->argc || b.argv[b.argc] != NULL)
		abort();
	for (i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b.argv[i]) != 0)
			abort();
	mon_argv_free(&b);
	dbuf_free(&line);
}

static void
check_tokenize(const uint8_t *data, size_t size)
{
	struct mon_argv a;
	struct m_words m;
	const char *err = NULL;
	char *line;
	int r;

	/* exactly size bytes: reading past the line is an ASan report */
	line = xmalloc(size);
	memcpy(line, data, size);
	m_tokenize(line, size, &m);
	r = mon_tokenize(line, size, &a, &err);
	if (r == -1) {
		if (err == NULL || *err == '\0' || a.argv != NULL ||
		    a.buf != NULL)
			abort();
		if (m.argc != -1 && !m_has_nul(&m))
			abort();
	} else {
		if (r != 0 || m.argc == -1 || m_has_nul(&m))
			abort();
		same_words(&a, &m);
		check_requote(&a);
		mon_argv_free(&a);
	}
	free(m.buf);
	free(line);
}

/* --- the response header ----------------------------------------------- */

static int
m_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
m_header(const char *h, int *status, size_t *len)
{
	int i;

	if (!m_digit(h[0]) || !m_digit(h[1]) || !m_digit(h[2]) ||
	    h[3] != ' ' || h[12] != '\n')
		return -1;
	*status = (h[0] - '0') * 100 + (h[1] - '0') * 10 + (h[2] - '0');
	for (i = 4; i < 12 && h[i] == ' '; i++)
		;
	if (i == 12 || !m_digit(h[i]))
		return -1;
	for (*len = 0; i < 12 && m_digit(h[i]); i++)
		*len = *len * 10 + (size_t)(h[i] - '0');
	for (; i < 12; i++)
		if (h[i] != ' ')
			return -1;
	return 0;
}

static void
check_frame(int status, size_t len)
{
	char hdr[MON_HEADER_LEN + 1];
	size_t blen;
	int bst;

	memset(hdr, 'X', sizeof hdr);
	mon_frame_header(hdr, status, len);
	if (strlen(hdr) != MON_HEADER_LEN)
		abort();
	if (mon_parse_header(hdr, &bst, &blen) != 0 || bst != status ||
	    blen != len)
		abort();
}

static void
check_header(const uint8_t *data, size_t size)
{
	char hdr[MON_HEADER_LEN];
	size_t len, mlen;
	int st, mst, r;
	uint32_t v;

	if (size >= 8) {
		v = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
		    (uint32_t)data[6] << 8 | data[7];
		check_frame(100 + (data[0] << 8 | data[1]) % 900,
		    v % 100000000);
	}
	if (size < MON_HEADER_LEN)
		return;
	memcpy(hdr, data, sizeof hdr);
	r = mon_parse_header(hdr, &st, &len);
	if (r != m_header(hdr, &mst, &mlen))
		abort();
	if (r != 0)
		return;
	if (st != mst || len != mlen || st < 0 || st > 999 ||
	    len > 99999999)
		abort();
	if (st >= 100)
		check_frame(st, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_tokenize(data, size);
	check_header(data, size);
	return 0;
}
