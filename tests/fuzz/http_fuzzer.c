/*
 * http_fuzzer.c — fuzz target for the HTTP request parser
 * (plugins/http/parse.c): any bytes, split any way, must give requests that
 * respect the caps, or one of the error statuses the server sends.
 *
 * Input: the first byte selects the feeding (low 4 bits + 1: the size of
 * each piece fed; bit 4: tiny limits instead of the defaults); the rest is
 * the byte stream of one connection, requests one after another as a
 * pipelining client sends them.  The target aborts if:
 *  - the parser consumes more than it was given, or stalls (no progress on
 *    a non-empty input without a result);
 *  - a parsed request breaks a cap (body over max_body, more headers than
 *    max_headers) or lacks what the server relies on (method, path without
 *    NUL, version 10/11, a NUL-terminated body);
 *  - an error carries a status the server does not send.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "httpd.h"

static const int statuses[] = { 400, 411, 413, 414, 431, 501, 505 };

static void
check_msg(const struct http_parser *p)
{
	const struct http_msg *m = &p->msg;

	if (m->method == NULL || m->path == NULL || m->target == NULL)
		abort();
	if (m->version != 10 && m->version != 11)
		abort();
	if (m->body == NULL || m->body[m->bodylen] != '\0')
		abort();
	if (m->bodylen > p->lim.max_body || m->nhdrs > p->lim.max_headers)
		abort();
	if (m->path[0] != '/' && strcmp(m->path, "*") != 0)
		abort();
}

static void
check_error(const struct http_parser *p)
{
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (p->error == statuses[i])
			return;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_limits tiny = { 32, 128, 4, 16 };
	struct http_parser p;
	const char *s;
	size_t piece, off = 0, used, n;
	int r;

	if (size < 1)
		return 0;
	piece = (data[0] & 0x0f) + 1;
	http_parser_init(&p, (data[0] & 0x10) ? &tiny : NULL);
	s = (const char *)data + 1;
	size--;
	while (off < size || p.st == HP_COMPLETE) {
		n = size - off < piece ? size - off : piece;
		r = http_parser_feed(&p, s + off, n, &used);
		if (used > n)
			abort();
		off += used;
		if (r == HTTP_P_ERROR) {
			check_error(&p);
			break;
		}
		if (r == HTTP_P_DONE) {
			check_msg(&p);
			http_parser_reset(&p);
			continue;
		}
		if (r == HTTP_P_MORE && used == 0 && n > 0)
			abort();	/* stalled */
	}
	http_parser_free(&p);
	return 0;
}
