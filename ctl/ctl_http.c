/*
 * ctl_http.c — supervisor's XML-RPC as supervisorctl speaks it: POST /RPC2
 * over HTTP/1.1 to a unix://, http:// or https:// server, Basic auth when a
 * username is set, the connection kept open between calls; and the GET
 * streams of /logtail and /mainlogtail for tail -f, maintail -f and fg.
 * https:// is OpenSSL, the server's certificate verified against the
 * system's CAs or --cafile, and its name against the URL's host.
 *
 * The XML is plugins/xmlrpc's codec (xml_encode.c, xml_decode.c), compiled
 * in.  Failures are raised as supervisorctl's exceptions are printed
 * (ctl.h): "error: <class '...'>, ..." without Python's file and line.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "codec.h"
#include "ctl.h"
#include "xmalloc.h"
#include "../plugins/xmlrpc/xmlrpc.h"

/* An answer as big as a fleet's getAllProcessInfo or a long tail. */
static const struct xr_limits sup_limits = {
	256 * 1024 * 1024, 64, 64 * 1024 * 1024, 0
};
#define SUP_MAX_HEADER (64 * 1024)

static const struct {
	int err;
	const char *name;
} sup_classes[] = {
	{ ECONNREFUSED, "ConnectionRefusedError" },
	{ ENOENT, "FileNotFoundError" },
	{ EACCES, "PermissionError" },
	{ EPERM, "PermissionError" },
	{ ECONNRESET, "ConnectionResetError" },
	{ EPIPE, "BrokenPipeError" },
	{ ETIMEDOUT, "TimeoutError" },
};

const char *
sup_errno_class(int err)
{
	size_t i;

	for (i = 0; i < sizeof sup_classes / sizeof sup_classes[0]; i++)
		if (sup_classes[i].err == err)
			return sup_classes[i].name;
	return "OSError";
}

void
sup_raise(struct sup *s, const char *line)
{
	sup_out(s, "%s", line);
	s->exitstatus = X_GENERIC;
	if (s->raise == NULL)
		fatalx("an error raised outside a command: %s", line);
	longjmp(*s->raise, 1);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
sup_raisef(struct sup *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sup_raise(s, line);
}

void
sup_raise_errno(struct sup *s, int err)
{
	sup_raisef(s, "error: <class '%s'>, [Errno %d] %s",
	    sup_errno_class(err), err, strerror(err));
}

/* Python's repr of a str, enough for fault strings: '...' with \\ and '
 * escaped, or "..." when it holds a ' and no ". */
static void
repr(char *out, size_t len, const char *s)
{
	char q = strchr(s, '\'') != NULL && strchr(s, '"') == NULL ? '"' :
	    '\'';
	size_t o = 0;

	if (len < 3)
		return;
	out[o++] = q;
	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == q || *s == '\\')
			out[o++] = '\\';
		else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			continue;
		}
		out[o++] = *s;
	}
	out[o++] = q;
	out[o] = '\0';
}

char *
sup_fault_text(json_t *fault)
{
	const char *fs = json_string_value(json_object_get(fault,
	    "faultString"));
	char r[2048], *t;

	repr(r, sizeof r, fs != NULL ? fs : "");
	xasprintf(&t, "<Fault %lld: %s>", (long long)json_integer_value(
	    json_object_get(fault, "faultCode")), r);
	return t;
}

void
sup_raise_fault(struct sup *s, json_t *fault)
{
	char *t = sup_fault_text(fault);
	char line[2200];

	snprintf(line, sizeof line, "error: <class 'xmlrpc.client.Fault'>, "
	    "%s", t);
	free(t);
	sup_raise(s, line);
}

/* --- the connection ------------------------------------------------------ */

void
sup_disconnect(struct sup *s)
{
	if (s->ssl != NULL)
		SSL_free(s->ssl);
	s->ssl = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->rlen = 0;
}

static int
is_https(const char *url)
{
	return strncmp(url, "https://", 8) == 0;
}

/* host and port of an http:// or https:// URL (default port 80 or 443),
 * malloc'd. */
static void
url_hostport(const char *url, char **host, char **port)
{
	const char *h = url + (is_https(url) ? 8 : 7);
	const char *end = h + strcspn(h, "/?#"), *colon;

	if (*h == '[' && (colon = memchr(h, ']', (size_t)(end - h))) != NULL) {
		*host = xstrndup(h + 1, (size_t)(colon - h - 1));
		colon++;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		*host = xstrndup(h,
		    (size_t)((colon != NULL ? colon : end) - h));
	}
	if (colon != NULL && *colon == ':' && colon + 1 < end)
		*port = xstrndup(colon + 1, (size_t)(end - colon - 1));
	else
		*port = xstrdup(is_https(url) ? "443" : "80");
}

static int
connect_unix_url(const char *path)
{
	struct sockaddr_un sun;
	int fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
connect_http_url(const char *url)
{
	struct addrinfo hints, *res, *ai;
	char *host, *port;
	int fd = -1, saved = ECONNREFUSED;

	url_hostport(url, &host, &port);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(*host != '\0' ? host : "localhost", port, &hints,
	    &res) != 0) {
		free(host);
		free(port);
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd != -1 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	free(host);
	free(port);
	if (fd == -1)
		errno = saved;
	return fd;
}

/* The client context: TLS 1.2 at least, the peer verified. */
static SSL_CTX *
tls_ctx(struct sup *s)
{
	static SSL_CTX *ctx;

	if (ctx != NULL)
		return ctx;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (s->cafile != NULL ? SSL_CTX_load_verify_locations(ctx, s->cafile,
	    NULL) != 1 : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		fprintf(stderr, "sthenoctl: cannot load the CA file %s\n",
		    s->cafile != NULL ? s->cafile : "(the system's)");
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* Say why a handshake failed: the verification's verdict if it was that. */
static void
tls_say(struct sup *s, SSL *ssl, const char *host)
{
	long v = SSL_get_verify_result(ssl);
	char why[256];

	if (v != X509_V_OK)
		fprintf(stderr, "sthenoctl: %s: certificate verify failed: "
		    "%s\n", host, X509_verify_cert_error_string(v));
	else {
		ERR_error_string_n(ERR_get_error(), why, sizeof why);
		fprintf(stderr, "sthenoctl: %s: TLS handshake failed: %s\n",
		    host, why);
	}
	ERR_clear_error();
}

/* A verified TLS session on s->fd with the URL's host.  -1 (errno
 * EPROTO) on a failure, said on stderr. */
static int
tls_connect(struct sup *s)
{
	SSL_CTX *ctx = tls_ctx(s);
	char *host, *port;
	int rc = -1;

	url_hostport(s->serverurl, &host, &port);
	if (ctx != NULL && (s->ssl = SSL_new(ctx)) != NULL) {
		SSL_set_fd(s->ssl, s->fd);
		/* an IP address is checked as one, a name as a name */
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl),
		    host) != 1) {
			SSL_set_tlsext_host_name(s->ssl, host);
			SSL_set1_host(s->ssl, host);
		}
		SSL_set_alpn_protos(s->ssl, (const unsigned char *)
		    "\x08http/1.1", 9);
		if (SSL_connect(s->ssl) == 1)
			rc = 0;
		else
			tls_say(s, s->ssl, host);
	}
	free(host);
	free(port);
	if (rc == -1) {
		sup_disconnect(s);
		errno = EPROTO;
	}
	return rc;
}

static int
sup_connect(struct sup *s)
{
	const char *u = s->serverurl;

	sup_disconnect(s);
	if (strncmp(u, "unix://", 7) == 0)
		s->fd = connect_unix_url(u + 7);
	else if (strncmp(u, "http://", 7) == 0 || is_https(u))
		s->fd = connect_http_url(u);
	else {
		errno = EINVAL;
		return -1;
	}
	if (s->fd != -1 && is_https(u))
		return tls_connect(s);
	return s->fd == -1 ? -1 : 0;
}

/* read(2) or SSL_read: bytes, 0 at EOF, -1 with errno. */
static ssize_t
io_read(int fd, SSL *ssl, void *buf, size_t len)
{
	ssize_t n;
	int e;

	if (ssl == NULL) {
		do
			n = read(fd, buf, len);
		while (n == -1 && errno == EINTR);
		return n;
	}
	if ((n = SSL_read(ssl, buf, len > INT_MAX ? INT_MAX : (int)len)) > 0)
		return n;
	e = SSL_get_error(ssl, (int)n);
	ERR_clear_error();
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL &&
	    errno == 0) || e == SSL_ERROR_SSL)
		return e == SSL_ERROR_SSL ? (errno = ECONNRESET, -1) : 0;
	if (errno == 0)
		errno = ECONNRESET;
	return -1;
}

static int
send_all(struct sup *s, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (s->ssl != NULL) {
			n = SSL_write(s->ssl, p, len > INT_MAX ? INT_MAX :
			    (int)len);
			if (n <= 0) {
				ERR_clear_error();
				errno = errno != 0 ? errno : EPIPE;
				return -1;
			}
		} else if ((n = send(s->fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read more into rbuf: bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct sup *s)
{
	ssize_t n;

	if (s->rcap - s->rlen < 65536) {
		s->rcap = s->rcap * 2 + 65536;
		s->rbuf = xreallocarray(s->rbuf, 1, s->rcap);
	}
	n = io_read(s->fd, s->ssl, s->rbuf + s->rlen, s->rcap - s->rlen);
	if (n > 0)
		s->rlen += (size_t)n;
	return n;
}

static void
consume(struct sup *s, size_t n)
{
	memmove(s->rbuf, s->rbuf + n, s->rlen - n);
	s->rlen -= n;
}

/* The request head up to and including the blank line. */
static void
request_head(struct sup *s, struct dbuf *b, const char *verb,
    const char *path, size_t clen)
{
	char line[128];
	char *cred;

	dbuf_add(b, verb, strlen(verb));
	DBUF_LIT(b, " ");
	dbuf_add(b, path, strlen(path));
	DBUF_LIT(b, " HTTP/1.1\r\nHost: localhost\r\n"
	    "Accept-Encoding: identity\r\nUser-Agent: sthenoctl\r\n");
	if (s->username != NULL) {
		xasprintf(&cred, "%s:%s", s->username,
		    s->password != NULL ? s->password : "");
		DBUF_LIT(b, "Authorization: Basic ");
		base64_encode(b, cred, strlen(cred));
		DBUF_LIT(b, "\r\n");
		free(cred);
	}
	if (strcmp(verb, "POST") == 0) {
		snprintf(line, sizeof line, "Content-Type: text/xml\r\n"
		    "Content-Length: %zu\r\n", clen);
		dbuf_add(b, line, strlen(line));
	}
	DBUF_LIT(b, "\r\n");
}

struct resp {
	int status;
	char reason[128];
	long long clen;		/* -1: not given */
	int chunked;
	int close;
};

/* Parse the head at rbuf (hlen bytes with the blank line). */
static int
parse_head(const char *h, size_t hlen, struct resp *r)
{
	const char *p = h, *eol, *v;
	size_t n;

	memset(r, 0, sizeof *r);
	r->clen = -1;
	if (hlen < 12 || strncmp(h, "HTTP/1.", 7) != 0)
		return -1;
	r->status = (int)strtol(h + 9, NULL, 10);
	eol = memchr(h, '\r', hlen);
	n = eol != NULL && eol > h + 13 ? (size_t)(eol - h - 13) : 0;
	if (n >= sizeof r->reason)
		n = sizeof r->reason - 1;
	memcpy(r->reason, h + 13, n);
	r->reason[n] = '\0';
	r->close = h[7] == '0';
	for (p = eol; p != NULL && p < h + hlen; p = eol) {
		p += 2;
		if ((eol = memmem(p, (size_t)(h + hlen - p), "\r\n", 2)) ==
		    NULL || eol == p)
			break;
		if ((v = memchr(p, ':', (size_t)(eol - p))) == NULL)
			continue;
		n = (size_t)(v - p);
		for (v++; *v == ' '; v++)
			;
		if (n == 14 && strncasecmp(p, "content-length", n) == 0)
			r->clen = strtoll(v, NULL, 10);
		else if (n == 17 && strncasecmp(p, "transfer-encoding", n) ==
		    0 && strncasecmp(v, "chunked", 7) == 0)
			r->chunked = 1;
		else if (n == 10 && strncasecmp(p, "connection", n) == 0)
			r->close = strncasecmp(v, "close", 5) == 0 ? 1 :
			    strncasecmp(v, "keep-alive", 10) == 0 ? 0 :
			    r->close;
	}
	return 0;
}

/* Wait for the whole head; its length, 0 at EOF before any byte, -1 on a
 * failure (errno) or a head that is not HTTP (errno EPROTO). */
static ssize_t
read_head(struct sup *s)
{
	char *end;
	ssize_t n;

	for (;;) {
		if ((end = memmem(s->rbuf != NULL ? s->rbuf : "", s->rlen,
		    "\r\n\r\n", 4)) != NULL)
			return end - s->rbuf + 4;
		if (s->rlen > SUP_MAX_HEADER) {
			errno = EPROTO;
			return -1;
		}
		if ((n = fill(s)) <= 0) {
			if (n == 0 && s->rlen > 0) {
				errno = EPROTO;
				return -1;
			}
			return n;
		}
	}
}

/* The body after the head into b; -1 on failure (errno). */
static int
read_body(struct sup *s, const struct resp *r, struct dbuf *b)
{
	size_t want, hex;
	char *eol;

	if (!r->chunked) {
		while (r->clen < 0 || s->rlen < (size_t)r->clen) {
			if (fill(s) <= 0) {
				if (r->clen < 0)
					break;
				errno = ECONNRESET;
				return -1;
			}
		}
		want = r->clen < 0 ? s->rlen : (size_t)r->clen;
		dbuf_add(b, s->rbuf != NULL ? s->rbuf : "", want);
		consume(s, want);
		return 0;
	}
	for (;;) {
		while ((eol = memmem(s->rbuf, s->rlen, "\r\n", 2)) == NULL)
			if (fill(s) <= 0)
				goto cut;
		hex = (size_t)strtoul(s->rbuf, NULL, 16);
		consume(s, (size_t)(eol - s->rbuf) + 2);
		while (s->rlen < hex + 2)
			if (fill(s) <= 0)
				goto cut;
		if (hex == 0) {
			consume(s, 2);
			return 0;
		}
		dbuf_add(b, s->rbuf, hex);
		consume(s, hex + 2);
	}
cut:
	errno = ECONNRESET;
	return -1;
}

/* One exchange on the kept connection, reconnecting once when a kept
 * connection turns out closed.  -1 with errno on failure. */
static int
exchange(struct sup *s, const struct dbuf *req, struct resp *r,
    struct dbuf *body)
{
	int attempt, reused;
	ssize_t hlen;

	for (attempt = 0; attempt < 2; attempt++) {
		reused = s->fd != -1;
		if (!reused && sup_connect(s) == -1)
			return -1;
		if (send_all(s, req->data, req->len) == -1) {
			sup_disconnect(s);
			if (reused)
				continue;
			return -1;
		}
		if ((hlen = read_head(s)) <= 0) {
			sup_disconnect(s);
			if (hlen == 0 && reused)
				continue;
			if (hlen == 0)
				errno = ECONNRESET;
			return -1;
		}
		if (parse_head(s->rbuf, (size_t)hlen, r) == -1) {
			sup_disconnect(s);
			errno = EPROTO;
			return -1;
		}
		consume(s, (size_t)hlen);
		if (read_body(s, r, body) == -1) {
			sup_disconnect(s);
			return -1;
		}
		if (r->close)
			sup_disconnect(s);
		return 0;
	}
	return -1;
}

enum sup_rc
sup_call(struct sup *s, const char *method, json_t *params, json_t **result,
    int catch_errno)
{
	struct dbuf req = DBUF_INIT, xml = DBUF_INIT;
	struct dbuf body = DBUF_INIT;
	struct resp r;
	char err[256];
	json_t *rec;
	int rc;

	*result = NULL;
	if (params == NULL)
		params = json_array();
	if (xr_encode_call_buf(&xml, method, params) == -1)
		fatalx("cannot encode the call of %s", method);
	json_decref(params);
	request_head(s, &req, "POST", "/RPC2", xml.len);
	dbuf_add(&req, xml.data, xml.len);
	dbuf_free(&xml);
	rc = exchange(s, &req, &r, &body);
	dbuf_free(&req);
	if (rc == -1) {
		dbuf_free(&body);
		s->err_errno = errno;
		if (catch_errno)
			return SUP_ERRNO;
		if (errno == EPROTO)
			sup_raise(s, "error: <class 'http.client."
			    "RemoteDisconnected'>, Remote end closed "
			    "connection without response");
		sup_raise_errno(s, errno);
	}
	if (r.status == 401 && s->unauth == 0) {
		dbuf_free(&body);
		s->unauth = 1;
		sup_raise(s, "Server requires authentication");
	}
	if (r.status != 200) {
		dbuf_free(&body);
		sup_raisef(s, "error: <class 'xmlrpc.client.ProtocolError'>, "
		    "<ProtocolError for 127.0.0.1/RPC2: %d %s>", r.status,
		    r.reason);
	}
	rc = xr_decode_response(body.data != NULL ? body.data : "", body.len,
	    &sup_limits, result, err, sizeof err);
	dbuf_free(&body);
	if (rc == -1)
		sup_raisef(s, "error: <class 'xml.parsers.expat.ExpatError'>, "
		    "%s", err);
	json_array_append_new(s->held, *result);
	rec = json_pack("{s:s,s:O}", "method", method, rc == 1 ? "fault" :
	    "result", *result);
	if (s->records != NULL && rec != NULL)
		json_array_append(json_object_get(s->records, "calls"), rec);
	json_decref(rec);
	return rc == 1 ? SUP_FAULT : SUP_OK;
}

json_t *
sup_must(struct sup *s, const char *method, json_t *params)
{
	json_t *v;

	if (sup_call(s, method, params, &v, 0) == SUP_FAULT)
		sup_raise_fault(s, v);
	return v;
}

/* --- streams: /logtail, /mainlogtail -------------------------------------- */

/* Write out what the stream's bytes carry, decoding chunks. */
static int
stream_feed(struct sup_stream *st, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		if (!st->chunked || st->state == 1) {
			k = st->chunked && st->left < n ? st->left : n;
			fwrite(p, 1, k, stdout);
			p += k;
			n -= k;
			if (st->chunked && (st->left -= k) == 0)
				st->state = 2;
			continue;
		}
		if (st->llen + 1 >= sizeof st->line)
			return -1;
		st->line[st->llen++] = *p++;
		n--;
		if (st->line[st->llen - 1] != '\n')
			continue;
		st->line[st->llen] = '\0';
		st->llen = 0;
		if (st->state == 2) {		/* the CRLF after a chunk */
			st->state = 0;
			continue;
		}
		st->left = (size_t)strtoul(st->line, NULL, 16);
		if (st->left == 0)
			return 0;		/* the last chunk */
		st->state = 1;
	}
	fflush(stdout);
	return 1;
}

int
sup_stream_open(struct sup *s, const char *path, struct sup_stream *st)
{
	struct dbuf req = DBUF_INIT;
	struct resp r;
	ssize_t hlen = -1;
	int rc;

	memset(st, 0, sizeof *st);
	st->fd = -1;
	sup_disconnect(s);
	if (sup_connect(s) == -1) {
		fprintf(stderr, "%s %s\n", path, strerror(errno));
		return -1;
	}
	request_head(s, &req, "GET", path, 0);
	errno = ECONNRESET;
	if (send_all(s, req.data, req.len) == -1 ||
	    (hlen = read_head(s)) <= 0 ||
	    parse_head(s->rbuf, (size_t)hlen, &r) == -1) {
		dbuf_free(&req);
		fprintf(stderr, "%s %s\n", path, strerror(errno));
		sup_disconnect(s);
		return -1;
	}
	dbuf_free(&req);
	consume(s, (size_t)hlen);
	st->chunked = r.chunked;
	st->fd = s->fd;
	st->ssl = s->ssl;
	s->fd = -1;		/* the stream's own now */
	s->ssl = NULL;
	rc = stream_feed(st, s->rbuf, s->rlen);
	s->rlen = 0;
	fflush(stdout);
	if (rc <= 0) {
		if (st->ssl != NULL)
			SSL_free(st->ssl);
		st->ssl = NULL;
		close(st->fd);
		st->fd = -1;
		return -1;
	}
	return 0;
}

int
sup_stream_pump(struct sup_stream *st)
{
	char buf[65536];
	ssize_t n;

	int rc;

	/* A TLS session may hold more records than one read took: they
	 * never wake poll(2), so take them all now. */
	do {
		if ((n = io_read(st->fd, st->ssl, buf, sizeof buf)) <= 0)
			return (int)n;
		if ((rc = stream_feed(st, buf, (size_t)n)) <= 0)
			return rc;
	} while (st->ssl != NULL && SSL_pending(st->ssl) > 0);
	return rc;
}

void
sup_stream_close(struct sup_stream *st)
{
	if (st->ssl != NULL)
		SSL_free(st->ssl);
	st->ssl = NULL;
	if (st->fd != -1)
		close(st->fd);
	st->fd = -1;
}
