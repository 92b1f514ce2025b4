/*
 * response.c — status phrases, Medusa's error page and the Date header.
 * Responses are built in a struct dbuf (lib/dbuf.h).
 *
 * Ownership: the phrase table and the cached pages and date are static and
 * owned here.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "httpd.h"

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
