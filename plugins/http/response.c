/*
 * response.c — the response writers the API table points at (headers, the
 * status line, a whole body, a file, a chunked stream), status phrases,
 * Medusa's error page and the Date header.  Heads are built in a struct
 * dbuf (lib/dbuf.h); the connection they leave on is
 * reached through its struct http_conn_ops (conn.c's), so this file links
 * without the connection code (the parser's unit tests link it).
 *
 * Ownership: the phrase table and the cached pages and date are static and
 * owned here; a request's headers are its own (struct sth_http_req).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

#define CHUNK_HEAD_MAX 24

static const struct {
	int code;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 411, "Length Required" },
	{ 413, "Request Entity Too Large" },
	{ 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Requested Range Not Satisfiable" },
	{ 421, "Misdirected Request" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version not supported" },
};

const char *
http_reason(int code)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return code < 300 ? "OK" : code < 400 ? "Redirect" :
	    code < 500 ? "Client Error" : "Server Error";
}

/* medusa/http_server.py DEFAULT_ERROR_MESSAGE, byte for byte: the 401 page
 * is 137 bytes, as supervisorctl users have seen for years. */
const char *
http_error_page(int code, size_t *len)
{
	static char page[512];
	int n;

	n = snprintf(page, sizeof page, "<head>\r\n"
	    "<title>Error response</title>\r\n"
	    "</head>\r\n"
	    "<body>\r\n"
	    "<h1>Error response</h1>\r\n"
	    "<p>Error code %d.\r\n"
	    "<p>Message: %s.\r\n"
	    "</body>\r\n", code, http_reason(code));
	*len = (size_t)n;
	return page;
}

void
http_format_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

const char *
http_date(void)
{
	static char buf[64];
	static time_t last = -1;
	time_t now = time(NULL);

	if (now != last) {
		http_format_date(now, buf, sizeof buf);
		last = now;
	}
	return buf;
}

/* ------------------------------------------------------------- writers */

static int
answerable(struct sth_http_req *r)
{
	return r->r_state == RS_DISPATCH || r->r_state == RS_PENDING;
}

void
req_set_header(struct sth_http_req *r, const char *name, const char *value)
{
	if (!answerable(r) || name == NULL || value == NULL)
		return;
	/* No header splitting: a CR or LF from a handler is dropped. */
	if (strpbrk(name, "\r\n: ") != NULL || strpbrk(value, "\r\n") != NULL)
		return;
	if (strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0)
		return;
	if (strcasecmp(name, "Connection") == 0) {
		if (http_has_token(value, "close"))
			r->r_close = 1;
		return;
	}
	if (strcasecmp(name, "Content-Type") == 0) {
		free(r->r_ctype);
		r->r_ctype = xstrdup(value);
		return;
	}
	if (strcasecmp(name, "Server") == 0) {
		free(r->r_server_hdr);
		r->r_server_hdr = xstrdup(value);
		return;
	}
	dbuf_printf(&r->r_hdrs, "%s: %s\r\n", name, value);
}

/* Will the connection stay open after this response? */
static int
keep_alive(struct sth_http_req *r)
{
	struct http_conn *c = r->r_conn;

	return r->r_msg->keepalive && !r->r_close && c->c_ops->reusable(c);
}

/*
 * The status line and headers.  length >= 0: Content-Length; -1: chunked
 * (HTTP/1.1) or close-delimited (1.0); -2: no body by definition (204, 304).
 */
static void
build_head(struct sth_http_req *r, struct dbuf *b, int status,
    const char *reason, long long length)
{
	struct http_server *s = r->r_conn->c_srv;
	int keep;

	if (length == -1 && r->r_msg->version == 10)
		r->r_close = 1;
	keep = keep_alive(r);
	if (!keep)
		r->r_close = 1;
	dbuf_printf(b, "HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n",
	    status, reason != NULL ? reason : http_reason(status),
	    r->r_server_hdr != NULL ? r->r_server_hdr : s->s_server_hdr,
	    http_date());
	if (!keep)
		dbuf_add(b, "Connection: close\r\n", 19);
	else if (r->r_msg->version == 10)
		dbuf_add(b, "Connection: Keep-Alive\r\n", 24);
	if (r->r_hdrs.len > 0)
		dbuf_add(b, r->r_hdrs.data, r->r_hdrs.len);
	if (length >= 0)
		dbuf_printf(b, "Content-Length: %lld\r\n", length);
	else if (length == -1 && r->r_msg->version == 11)
		dbuf_add(b, "Transfer-Encoding: chunked\r\n", 28);
	if (r->r_ctype != NULL)
		dbuf_printf(b, "Content-Type: %s\r\n", r->r_ctype);
	dbuf_add(b, "\r\n", 2);
	r->r_status = status;
}

void
req_respond(struct sth_http_req *r, int status, const char *reason,
    const void *body, size_t len)
{
	struct dbuf b = DBUF_INIT;
	int nobody = status == 204 || status == 304 || status < 200;

	if (!answerable(r))
		return;
	build_head(r, &b, status, reason, nobody ? -2 : (long long)len);
	if (r->r_msg->head_method || nobody)
		len = 0;
	r->r_sent = len;
	r->r_conn->c_ops->send(r->r_conn, b.data, b.len, body, len);
	dbuf_free(&b);
	r->r_conn->c_ops->end(r);
}

void
req_respond_error(struct sth_http_req *r, int status)
{
	const char *page;
	size_t len;

	if (!answerable(r))
		return;
	free(r->r_ctype);
	r->r_ctype = xstrdup("text/html");
	page = http_error_page(status, &len);
	req_respond(r, status, NULL, page, len);
}

void
req_respond_file(struct sth_http_req *r, int status, int fd, off_t offset,
    off_t len)
{
	struct http_conn *c = r->r_conn;
	struct dbuf b = DBUF_INIT;

	if (!answerable(r)) {
		close(fd);
		return;
	}
	build_head(r, &b, status, NULL, (long long)len);
	if (!r->r_msg->head_method && len > 0)
		c->c_ops->cork(c, 1);
	c->c_ops->send(c, b.data, b.len, NULL, 0);
	dbuf_free(&b);
	if (r->r_msg->head_method || len == 0)
		close(fd);
	else if (c->c_ops->send_file(c, fd, offset, len) == -1)
		r->r_close = 1;		/* the head is out; no body follows */
	else {
		r->r_sent = (unsigned long long)len;
		c->c_srv->s_bytes_out += (unsigned long long)len;
	}
	c->c_ops->end(r);
}

void
req_stream_start(struct sth_http_req *r, int status, const char *reason)
{
	struct dbuf b = DBUF_INIT;

	if (!answerable(r))
		return;
	build_head(r, &b, status, reason, -1);
	r->r_conn->c_ops->send(r->r_conn, b.data, b.len, NULL, 0);
	dbuf_free(&b);
	r->r_state = RS_STREAMING;
}

int
req_stream_write(struct sth_http_req *r, const void *data, size_t len)
{
	struct http_conn *c = r->r_conn;
	char line[CHUNK_HEAD_MAX];
	struct dbuf b = DBUF_INIT;
	int n;

	if (r->r_state != RS_STREAMING)
		return -1;
	if (len == 0 || r->r_msg->head_method)
		return 0;
	if (r->r_msg->version == 11) {
		n = snprintf(line, sizeof line, "%zx\r\n", len);
		dbuf_add(&b, line, (size_t)n);
		dbuf_add(&b, data, len);
		dbuf_add(&b, "\r\n", 2);
	} else
		dbuf_add(&b, data, len);
	c->c_ops->send(c, b.data, b.len, NULL, 0);
	dbuf_free(&b);
	r->r_sent += len;
	return 0;
}

void
req_stream_end(struct sth_http_req *r)
{
	struct http_conn *c = r->r_conn;

	if (r->r_state != RS_STREAMING)
		return;
	if (r->r_msg->version == 11 && !r->r_msg->head_method)
		c->c_ops->send(c, "0\r\n\r\n", 5, NULL, 0);
	c->c_ops->end(r);
}

size_t
req_pending(struct sth_http_req *r)
{
	return r->r_conn->c_ops->pending(r->r_conn);
}
