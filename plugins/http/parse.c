/*
 * parse.c — an incremental HTTP/1.0 and 1.1 request parser with caps.
 *
 * Ownership: the parser owns its head buffer, header array and body until
 * http_parser_reset or http_parser_free; the caller borrows msg in between.
 * It knows nothing of sockets or libevent: bytes in, a request out, so that
 * the unit tests and the fuzzer drive it alone.
 *
 * Errors are answers: the parser stops in HP_ERROR with `error` set to the
 * status the server sends (400, 411, 413, 414, 431, 501, 505) before it
 * closes the connection.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "codec.h"
#include "httpd.h"

static const struct http_limits default_limits = {
	HTTP_MAX_LINE, HTTP_MAX_HEAD, HTTP_MAX_HEADERS, HTTP_MAX_BODY
};

/* Methods we know; any other is 501 (RFC 9110 §9.1). */
static const char *const known_methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
	NULL
};

/* Methods whose request must say how long its body is (else 411). */
static const char *const body_methods[] = { "POST", "PUT", "PATCH", NULL };

void
http_parser_init(struct http_parser *p, const struct http_limits *lim)
{
	memset(p, 0, sizeof *p);
	p->lim = lim != NULL ? *lim : default_limits;
	p->msg.clen = -1;
	p->st = HP_START;
}

void
http_parser_reset(struct http_parser *p)
{
	struct http_limits lim = p->lim;

	http_parser_free(p);
	http_parser_init(p, &lim);
}

void
http_parser_free(struct http_parser *p)
{
	free(p->head);
	free(p->msg.hdrs);
	free(p->msg.path);
	free(p->msg.body);
	p->head = NULL;
	p->msg.hdrs = NULL;
	p->msg.path = NULL;
	p->msg.body = NULL;
}

int
http_parser_started(const struct http_parser *p)
{
	return p->st != HP_START || p->headlen > 0;
}

static int
fail(struct http_parser *p, int status)
{
	p->st = HP_ERROR;
	p->error = status;
	return HTTP_P_ERROR;
}

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int
is_tchar(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

char *
http_pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			if (s[i] == '\0')
				goto bad;
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n)
			goto bad;
		hi = hex_digit((unsigned char)s[i + 1]);
		lo = hex_digit((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int
http_has_token(const char *value, const char *token)
{
	size_t tl = strlen(token), n;
	const char *s = value;

	if (value == NULL)
		return 0;
	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		n = strcspn(s, ",");
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == tl && strncasecmp(s, token, tl) == 0)
			return 1;
		s += strcspn(s, ",");
	}
	return 0;
}

const char *
http_msg_header(const struct http_msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++)
		if (strcasecmp(m->hdrs[i].name, name) == 0)
			return m->hdrs[i].value;
	return NULL;
}

/* "METHOD SP target SP HTTP/1.x" */
static int
parse_request_line(struct http_parser *p, char *line)
{
	struct http_msg *m = &p->msg;
	char *sp1, *sp2, *t, *q;

	sp1 = strchr(line, ' ');
	if (sp1 == NULL || sp1 == line)
		return fail(p, 400);
	*sp1 = '\0';
	for (t = line; *t != '\0'; t++)
		if (!is_tchar((unsigned char)*t))
			return fail(p, 400);
	m->method = line;
	t = sp1 + 1;
	sp2 = strchr(t, ' ');
	if (sp2 == NULL || sp2 == t)
		return fail(p, 400);	/* no version: HTTP/0.9 is not served */
	*sp2 = '\0';
	m->target = t;
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		if (strncmp(sp2 + 1, "HTTP/", 5) == 0 &&
		    isdigit((unsigned char)sp2[6]))
			return fail(p, 505);
		return fail(p, 400);
	}
	if (strcmp(sp2 + 8, "1") == 0)
		m->version = 11;
	else if (strcmp(sp2 + 8, "0") == 0)
		m->version = 10;
	else
		return fail(p, 505);
	for (q = t; *q != '\0'; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return fail(p, 400);
	/* absolute-form: keep the path (RFC 9112 §3.2.2). */
	if (strncasecmp(t, "http://", 7) == 0 ||
	    strncasecmp(t, "https://", 8) == 0) {
		t = strchr(strstr(t, "://") + 3, '/');
		if (t == NULL)
			t = "/";
	}
	if (*t != '/' && strcmp(t, "*") != 0)
		return fail(p, 400);
	q = strchr(t, '?');
	if (q != NULL)
		m->query = q + 1;
	m->path = http_pct_decode(t, q != NULL ? (size_t)(q - t) : strcspn(t,
	    "#"));
	if (m->path == NULL)
		return fail(p, 400);
	if (q != NULL)
		q[strcspn(q, "#")] = '\0';
	if (!in_list(known_methods, m->method))
		return fail(p, 501);
	m->head_method = strcmp(m->method, "HEAD") == 0;
	return 0;
}

static int
add_header(struct http_parser *p, char *name, char *value)
{
	struct http_msg *m = &p->msg;

	if (m->nhdrs >= p->lim.max_headers)
		return fail(p, 431);
	if (m->nhdrs % 8 == 0)
		m->hdrs = xrealloc(m->hdrs,
		    (m->nhdrs + 8) * sizeof *m->hdrs);
	m->hdrs[m->nhdrs].name = name;
	m->hdrs[m->nhdrs].value = value;
	m->nhdrs++;
	return 0;
}

/* Trim OWS on both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Join an obs-fold continuation onto the previous header's value. */
static int
fold(struct http_parser *p, char *line)
{
	struct http_msg *m = &p->msg;
	struct http_hdr *h;
	char *prev, *cont = trim(line);
	size_t a, b;

	if (m->nhdrs == 0)
		return fail(p, 400);
	h = &m->hdrs[m->nhdrs - 1];
	prev = h->value;
	a = strlen(prev);
	b = strlen(cont);
	/* The joined value is rebuilt in place: the continuation line lies
	 * after the previous value in the head buffer, so moving it down is
	 * safe. */
	if (a > 0 && b > 0)
		prev[a++] = ' ';
	memmove(prev + a, cont, b + 1);
	return 0;
}

static int
parse_header_line(struct http_parser *p, char *line)
{
	char *colon, *c;

	if (*line == ' ' || *line == '\t')
		return fold(p, line);
	colon = strchr(line, ':');
	if (colon == NULL || colon == line)
		return fail(p, 400);
	*colon = '\0';
	for (c = line; *c != '\0'; c++)
		if (!is_tchar((unsigned char)*c))
			return fail(p, 400);	/* also "Name :" smuggling */
	for (c = colon + 1; *c != '\0'; c++)
		if (((unsigned char)*c < ' ' && *c != '\t') || *c == 0x7f)
			return fail(p, 400);
	return add_header(p, line, trim(colon + 1));
}

static int
parse_length(const char *s, long long *out)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Work out the body framing and keep-alive once every header is in. */
static int
frame(struct http_parser *p)
{
	struct http_msg *m = &p->msg;
	const char *conn, *te = NULL;
	long long v;
	size_t i;
	int ncl = 0;

	for (i = 0; i < m->nhdrs; i++) {
		if (strcasecmp(m->hdrs[i].name, "Content-Length") == 0) {
			if (parse_length(m->hdrs[i].value, &v) == -1)
				return fail(p, 400);
			if (ncl++ > 0 && v != m->clen)
				return fail(p, 400);
			m->clen = v;
		} else if (strcasecmp(m->hdrs[i].name,
		    "Transfer-Encoding") == 0) {
			if (te != NULL)
				return fail(p, 501);
			te = m->hdrs[i].value;
		}
	}
	if (te != NULL) {
		if (ncl > 0)
			return fail(p, 400);	/* smuggling: refuse both */
		if (strcasecmp(te, "chunked") != 0)
			return fail(p, 501);
		if (m->version == 10)
			return fail(p, 400);
		m->chunked = 1;
	} else if (m->clen < 0 && in_list(body_methods, m->method))
		return fail(p, 411);
	if (m->clen > 0 && (unsigned long long)m->clen > p->lim.max_body)
		return fail(p, 413);

	conn = http_msg_header(m, "Connection");
	if (m->version == 11)
		m->keepalive = !http_has_token(conn, "close");
	else
		m->keepalive = http_has_token(conn, "keep-alive");
	m->expect_continue = m->version == 11 &&
	    http_has_token(http_msg_header(m, "Expect"), "100-continue");
	return 0;
}

/* The whole head is in p->head: split it into lines and parse them. */
static int
parse_head(struct http_parser *p)
{
	char *s = p->head, *end = p->head + p->headlen, *nl;
	int first = 1;

	while (s < end) {
		nl = memchr(s, '\n', end - s);
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > s && nl[-1] == '\r')
			nl[-1] = '\0';
		if (strchr(s, '\r') != NULL)
			return fail(p, 400);	/* a bare CR */
		if (*s == '\0')
			break;			/* the empty line */
		if (first) {
			if (parse_request_line(p, s) == HTTP_P_ERROR)
				return HTTP_P_ERROR;
			first = 0;
		} else if (parse_header_line(p, s) == HTTP_P_ERROR)
			return HTTP_P_ERROR;
		s = nl + 1;
	}
	if (first)
		return fail(p, 400);
	return frame(p);
}

static void
body_add(struct http_parser *p, const char *data, size_t n)
{
	struct http_msg *m = &p->msg;
	size_t want = m->bodylen + n + 1;

	if (want > p->bodycap) {
		p->bodycap = p->bodycap != 0 ? p->bodycap : 256;
		while (p->bodycap < want)
			p->bodycap *= 2;
		if (m->clen >= 0 && p->bodycap > (size_t)m->clen + 1)
			p->bodycap = (size_t)m->clen + 1;
		if (p->bodycap < want)
			p->bodycap = want;
		m->body = xrealloc(m->body, p->bodycap);
	}
	memcpy(m->body + m->bodylen, data, n);
	m->bodylen += n;
	m->body[m->bodylen] = '\0';
}

/*
 * True if the n bytes just copied to head + off hold a byte that cannot be
 * in a method, before the request line's first space.  Checked as bytes
 * arrive, so a client speaking another protocol gets its 400 at once.
 */
static int
bad_method_byte(const char *head, size_t off, size_t n)
{
	size_t k;

	if (memchr(head, ' ', off) != NULL)
		return 0;
	for (k = off; k < off + n; k++) {
		if (head[k] == ' ' || head[k] == '\r' || head[k] == '\n')
			return 0;
		if (!is_tchar((unsigned char)head[k]))
			return 1;
	}
	return 0;
}

/* Read the head: copy bytes until the empty line, enforcing the caps. */
static int
feed_head(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	const char *nl;
	size_t n, linelen, i = 0;
	int first;

	while (i < len) {
		if (p->st == HP_START) {
			/* Skip empty lines before a request (RFC 9112 §2.2). */
			if (data[i] == '\r' || data[i] == '\n') {
				if (++p->linestart > p->lim.max_line) {
					*used = i + 1;
					return fail(p, 400);
				}
				i++;
				continue;
			}
			p->st = HP_HEAD;
			p->linestart = 0;
		}
		nl = memchr(data + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (data + i)) + 1 : len - i;
		first = p->linestart == 0;
		if (p->headlen + n > p->lim.max_head) {
			*used = i + n;
			return fail(p, first ? 414 : 431);
		}
		if (p->headlen + n + 1 > p->headcap) {
			p->headcap = p->headcap ? p->headcap * 2 : 512;
			while (p->headcap < p->headlen + n + 1)
				p->headcap *= 2;
			if (p->headcap > p->lim.max_head + 1)
				p->headcap = p->lim.max_head + 1;
			p->head = xrealloc(p->head, p->headcap);
		}
		memcpy(p->head + p->headlen, data + i, n);
		if (first && bad_method_byte(p->head, p->headlen, n)) {
			/* TLS, binary junk: no need to wait for a line end. */
			*used = i + n;
			return fail(p, 400);
		}
		p->headlen += n;
		p->head[p->headlen] = '\0';
		i += n;
		linelen = p->headlen - p->linestart;
		if (linelen > p->lim.max_line + 2) {
			*used = i;
			return fail(p, first ? 414 : 431);
		}
		if (nl == NULL)
			continue;
		if (linelen == 1 || (linelen == 2 &&
		    p->head[p->linestart] == '\r')) {
			*used = i;
			if (parse_head(p) == HTTP_P_ERROR)
				return HTTP_P_ERROR;
			if (p->msg.chunked)
				p->st = HP_CHUNK_SIZE;
			else if (p->msg.clen > 0) {
				p->st = HP_BODY;
				p->remain = p->msg.clen;
			} else
				p->st = HP_COMPLETE;
			p->head_reported = 1;
			return HTTP_P_HEAD;
		}
		p->linestart = p->headlen;
	}
	*used = len;
	return HTTP_P_MORE;
}

/* "1a2b;ext=1" -> 0x1a2b; -1 on anything else. */
static long long
chunk_size(const char *line)
{
	long long v = 0;
	int d, any = 0;

	for (; (d = hex_digit((unsigned char)*line)) >= 0; line++) {
		if (v > (LLONG_MAX >> 4))
			return -1;
		v = v << 4 | d;
		any = 1;
	}
	while (*line == ' ' || *line == '\t')
		line++;
	if (!any || (*line != '\0' && *line != ';'))
		return -1;
	return v;
}

/* Read one short line (chunk size, CRLF, trailer) into p->line. */
static int
feed_line(struct http_parser *p, const char *data, size_t len, size_t *i,
    int *done)
{
	char c;

	*done = 0;
	while (*i < len) {
		c = data[(*i)++];
		if (c == '\n') {
			if (p->linelen > 0 && p->line[p->linelen - 1] == '\r')
				p->linelen--;
			p->line[p->linelen] = '\0';
			p->linelen = 0;
			*done = 1;
			return 0;
		}
		if (p->linelen + 1 >= sizeof p->line) {
			/* a long chunk extension or trailer: only counted */
			if (p->st != HP_TRAILER)
				return fail(p, 400);
			p->line[0] = 'x';
			p->linelen = 1;
		} else
			p->line[p->linelen++] = c;
		if (p->st == HP_TRAILER && ++p->trailerlen > p->lim.max_head)
			return fail(p, 431);
	}
	return 0;
}

static int
feed_body(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	struct http_msg *m = &p->msg;
	size_t i = 0, n;
	long long sz;
	int done;

	while (i < len || p->st == HP_COMPLETE) {
		switch (p->st) {
		case HP_BODY:
		case HP_CHUNK_DATA:
			n = len - i;
			if ((long long)n > p->remain)
				n = (size_t)p->remain;
			body_add(p, data + i, n);
			i += n;
			p->remain -= n;
			if (p->remain == 0)
				p->st = p->st == HP_BODY ? HP_COMPLETE :
				    HP_CHUNK_CRLF;
			break;
		case HP_CHUNK_SIZE:
			if (feed_line(p, data, len, &i, &done) == HTTP_P_ERROR)
				goto err;
			if (!done)
				break;
			sz = chunk_size(p->line);
			if (sz < 0) {
				fail(p, 400);
				goto err;
			}
			if ((unsigned long long)sz + m->bodylen >
			    p->lim.max_body) {
				fail(p, 413);
				goto err;
			}
			p->remain = sz;
			p->st = sz == 0 ? HP_TRAILER : HP_CHUNK_DATA;
			break;
		case HP_CHUNK_CRLF:
			if (feed_line(p, data, len, &i, &done) == HTTP_P_ERROR)
				goto err;
			if (!done)
				break;
			if (p->line[0] != '\0') {
				fail(p, 400);
				goto err;
			}
			p->st = HP_CHUNK_SIZE;
			break;
		case HP_TRAILER:
			if (feed_line(p, data, len, &i, &done) == HTTP_P_ERROR)
				goto err;
			if (done && p->line[0] == '\0')
				p->st = HP_COMPLETE;
			break;
		case HP_COMPLETE:
			if (m->body == NULL)
				body_add(p, "", 0);
			p->st = HP_DONE;
			*used = i;
			return HTTP_P_DONE;
		default:
			abort(); /* feed() routes only body states here */
		}
	}
	*used = i;
	return HTTP_P_MORE;
err:
	*used = i;
	return HTTP_P_ERROR;
}

int
http_parser_feed(struct http_parser *p, const char *data, size_t len,
    size_t *used)
{
	*used = 0;
	switch (p->st) {
	case HP_START:
	case HP_HEAD:
		return feed_head(p, data, len, used);
	case HP_DONE:
		return HTTP_P_DONE;
	case HP_ERROR:
		return HTTP_P_ERROR;
	default:
		return feed_body(p, data, len, used);
	}
}
