/*
 * tls.c — the tls plugin: one OpenSSL server context per [tls:NAME]
 * section, and the "tls" service (stheno/tls.h) that stacks a TLS session
 * on a host connection (host->conn_wrap: a libevent OpenSSL bufferevent on
 * the connection's descriptor; README.md says why).
 *
 * Ownership: the list of contexts T.ctxs and their SSL_CTX, made by init
 * and freed by fini; sessions belong to the connections they are stacked
 * on (freed with them, by the host) and hold their SSL_CTX's reference.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stheno/stheno.h>
#include <stheno/tls.h>

#include "tls_int.h"
#include "xmalloc.h"

struct sth_tls_ctx {
	TAILQ_ENTRY(sth_tls_ctx) entry;
	char *name;		/* NAME of [tls:NAME] */
	SSL_CTX *ssl;
	int client_ca;		/* client certificates are verified */
};

static struct {
	struct sth_plugin *self;
	const struct sth_host *host;
	TAILQ_HEAD(, sth_tls_ctx) ctxs;
	struct sth_tls_api api;
} T;

/* The reason of OpenSSL's last error, its queue emptied. */
static const char *
tls_why(char *buf, size_t len)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		return "unknown error";
	ERR_error_string_n(last, buf, len);
	return buf;
}

/* ALPN: http/1.1 when the client offers it; otherwise none (a client
 * that offers only h2 is not refused: it then speaks HTTP/1.1 or goes). */
static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	if (!tls_alpn_offers_http11(in, inlen))
		return SSL_TLSEXT_ERR_NOACK;
	*out = (const unsigned char *)"http/1.1";
	*outlen = 8;
	return SSL_TLSEXT_ERR_OK;
}

/* One [tls:NAME] section as read (host->cfg_read), while its context is
 * made. */
struct tls_conf {
	char *cert;
	char *key;
	char *client_ca;
	char *verify_client;
	char *min_version;
	char *ciphers;
	char *groups;
	int session_tickets;
};

#define TO(k, t, fl, d)                                                        \
	STH_CFG_OPTION(#k, STH_CFG_##t, fl, struct tls_conf, k, d, 0, 0)
static const struct sth_cfg_option tls_opts[] = {
	TO(cert, STR, STH_CFG_EMPTY_NULL, NULL),
	TO(key, STR, STH_CFG_EMPTY_NULL, NULL),
	TO(client_ca, STR, STH_CFG_EMPTY_NULL, NULL),
	TO(verify_client, STR, 0, "on"),
	TO(min_version, STR, 0, "1.2"),
	TO(ciphers, STR, STH_CFG_EMPTY_NULL, NULL),
	TO(groups, STR, STH_CFG_EMPTY_NULL, NULL),
	TO(session_tickets, BOOL, 0, "true"),
	STH_CFG_END
};
#undef TO

/* A file key: present, readable.  0, or -1 with the error recorded. */
static int
tls_file(const char *sect, const char *key, const char *path)
{
	if (access(path, R_OK) == 0)
		return 0;
	return T.host->fail(T.self, "[%s] %s: cannot read %s: %s", sect, key,
	    path, strerror(errno));
}

/* The certificate chain and its key, checked against each other. */
static int
tls_ctx_cert(struct sth_tls_ctx *t, const struct tls_conf *c,
    const char *sect)
{
	const char *cert = c->cert, *key = c->key;
	X509 *x;
	char why[256];

	if (cert == NULL || key == NULL)
		return T.host->fail(T.self, "[%s] needs cert and key (PEM "
		    "files)", sect);
	if (tls_file(sect, "cert", cert) == -1 ||
	    tls_file(sect, "key", key) == -1)
		return -1;
	if (SSL_CTX_use_certificate_chain_file(t->ssl, cert) != 1)
		return T.host->fail(T.self, "[%s] cert: %s is not a PEM "
		    "certificate chain: %s", sect, cert, tls_why(why,
		    sizeof why));
	if (SSL_CTX_use_PrivateKey_file(t->ssl, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) ==
	    X509_R_KEY_VALUES_MISMATCH) {
		ERR_clear_error();
		return T.host->fail(T.self, "[%s] key: %s does not match cert "
		    "%s", sect, key, cert);
	}
	if (SSL_CTX_get0_privatekey(t->ssl) == NULL)
		return T.host->fail(T.self, "[%s] key: %s is not a PEM private "
		    "key for cert %s: %s", sect, key, cert, tls_why(why,
		    sizeof why));
	if (SSL_CTX_check_private_key(t->ssl) != 1)
		return T.host->fail(T.self, "[%s] key: %s does not match cert "
		    "%s", sect, key, cert);
	x = SSL_CTX_get0_certificate(t->ssl);
	if (x != NULL && X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
		T.host->log(T.self, STH_LOG_WARN, "tls: [%s] cert %s has "
		    "expired: clients will refuse it", sect, cert);
	return 0;
}

/*
 * client_ca: mutual TLS, a client certificate signed by one of them (and
 * only them: no default paths are loaded).  verify_client, as nginx's
 * ssl_verify_client: "on" (the default) refuses the handshake of a client
 * without a certificate, "optional" lets it through unauthenticated; a
 * certificate that does not verify is refused either way.
 */
static int
tls_ctx_client_ca(struct sth_tls_ctx *t, const struct tls_conf *c,
    const char *sect)
{
	const char *ca = c->client_ca, *vc = c->verify_client;
	STACK_OF(X509_NAME) *names;
	char why[256];
	int mode = SSL_VERIFY_PEER;

	if (strcmp(vc, "on") == 0)
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	else if (strcmp(vc, "optional") != 0)
		return T.host->fail(T.self, "[%s] verify_client: '%s' is "
		    "neither on nor optional", sect, vc);
	if (ca == NULL)
		return 0;
	if (tls_file(sect, "client_ca", ca) == -1)
		return -1;
	if (SSL_CTX_load_verify_locations(t->ssl, ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca)) == NULL)
		return T.host->fail(T.self, "[%s] client_ca: %s holds no PEM "
		    "certificate: %s", sect, ca, tls_why(why, sizeof why));
	SSL_CTX_set_client_CA_list(t->ssl, names);
	SSL_CTX_set_verify(t->ssl, mode, NULL);
	t->client_ca = 1;
	return 0;
}

/* min_version, ciphers, groups, session_tickets. */
static int
tls_ctx_params(struct sth_tls_ctx *t, const struct tls_conf *c,
    const char *sect)
{
	char err[160], why[256];
	int ver;

	if ((ver = tls_parse_min_version(c->min_version, err,
	    sizeof err)) == -1)
		return T.host->fail(T.self, "[%s] min_version: %s", sect, err);
	SSL_CTX_set_min_proto_version(t->ssl, ver);
	if (c->ciphers != NULL && SSL_CTX_set_cipher_list(t->ssl,
	    c->ciphers) != 1)
		return T.host->fail(T.self, "[%s] ciphers: '%s' names no "
		    "cipher OpenSSL knows: %s", sect, c->ciphers, tls_why(why,
		    sizeof why));
	if (c->groups != NULL && SSL_CTX_set1_groups_list(t->ssl,
	    c->groups) != 1)
		return T.host->fail(T.self, "[%s] groups: '%s' is not a list "
		    "of groups OpenSSL knows: %s", sect, c->groups,
		    tls_why(why, sizeof why));
	if (!c->session_tickets)
		SSL_CTX_set_options(t->ssl, SSL_OP_NO_TICKET);
	return 0;
}

static struct sth_tls_ctx *
tls_ctx_new(struct sth_section *sec)
{
	const char *sect = T.host->section_name(sec);
	struct sth_tls_ctx *t;
	struct tls_conf c;
	char why[256];
	int rc;

	t = xcalloc(1, sizeof *t);
	t->name = xstrdup(sect + 4);
	TAILQ_INSERT_TAIL(&T.ctxs, t, entry);
	if ((t->ssl = SSL_CTX_new(TLS_server_method())) == NULL) {
		T.host->fail(T.self, "[%s]: %s", sect, tls_why(why,
		    sizeof why));
		return NULL;
	}
	/* An idle keep-alive session keeps no 34 kB of buffers. */
	SSL_CTX_set_mode(t->ssl, SSL_MODE_RELEASE_BUFFERS);
	/* A client gone without close_notify is an EOF (tls_make says why),
	 * so no decode_error alert is built for it and written to a socket
	 * that is already closed. */
	SSL_CTX_set_options(t->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_id_context(t->ssl, (const unsigned char *)
	    t->name, (unsigned)strnlen(t->name, SSL_MAX_SID_CTX_LENGTH));
	SSL_CTX_set_alpn_select_cb(t->ssl, tls_alpn_cb, NULL);
	if (T.host->cfg_read(T.self, sec, NULL, tls_opts, &c) == -1)
		return NULL;
	rc = tls_ctx_params(t, &c, sect) == -1 ||
	    tls_ctx_cert(t, &c, sect) == -1 ||
	    tls_ctx_client_ca(t, &c, sect) == -1 ? -1 : 0;
	T.host->cfg_release(tls_opts, &c);
	return rc == 0 ? t : NULL;
}

/* --- the service ------------------------------------------------------ */

static struct sth_tls_ctx *
tls_context(const char *name)
{
	struct sth_tls_ctx *t;

	TAILQ_FOREACH(t, &T.ctxs, entry) {
		if (strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

/* conn_wrap's make(): a server session on fd, handshake pending. */
static struct bufferevent *
tls_make(struct event_base *base, int fd, void *arg)
{
	struct sth_tls_ctx *t = arg;
	struct bufferevent *b;
	SSL *ssl;

	if ((ssl = SSL_new(t->ssl)) == NULL)
		return NULL;
	b = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (b == NULL)
		return NULL;
	/* A client that closes without close_notify is an EOF, as on a
	 * plain connection: the answer it had is complete (Content-Length
	 * or the chunked end), and a truncation cannot pass for one. */
	bufferevent_openssl_set_allow_dirty_shutdown(b, 1);
	return b;
}

static int
tls_wrap(struct sth_conn *c, struct sth_tls_ctx *t)
{
	if (c == NULL || t == NULL || !STH_HOST_HAS(T.host, conn_wrap))
		return -1;
	return T.host->conn_wrap(c, tls_make, t);
}

static const char *
tls_protocol(struct sth_conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(T.host->conn_bev(c));

	return ssl != NULL ? SSL_get_version(ssl) : NULL;
}

static void
tls_shutdown(struct sth_conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(T.host->conn_bev(c));

	/* non-blocking: what the socket does not take is dropped */
	if (ssl != NULL && SSL_is_init_finished(ssl) &&
	    SSL_shutdown(ssl) < 0)
		ERR_clear_error();
}

static int
tls_session_reused(struct sth_conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(T.host->conn_bev(c));

	return ssl != NULL && SSL_session_reused(ssl) == 1;
}

static int
tls_verifies_clients(struct sth_tls_ctx *t)
{
	return t != NULL && t->client_ca;
}

/* The subject CN of c's client certificate, if it verified against the
 * context's client_ca: bytes outside printable ASCII (and space, quote,
 * backslash) as \xHH, so that it is safe in a log line. */
static int
tls_peer_name(struct sth_conn *c, char *buf, size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(T.host->conn_bev(c));
	X509 *x;
	X509_NAME_ENTRY *e;
	unsigned char *cn = NULL;
	size_t i, o = 0;
	int at, n;

	if (len == 0 || ssl == NULL || !SSL_is_init_finished(ssl) ||
	    (x = SSL_get0_peer_certificate(ssl)) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	if ((at = X509_NAME_get_index_by_NID(X509_get_subject_name(x),
	    NID_commonName, -1)) < 0 ||
	    (e = X509_NAME_get_entry(X509_get_subject_name(x), at)) == NULL ||
	    (n = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(e))) <= 0)
		return 0;
	for (i = 0; i < (size_t)n && o + 5 < len; i++) {
		if (cn[i] > 0x20 && cn[i] < 0x7f && cn[i] != '"' &&
		    cn[i] != '\'' && cn[i] != '\\')
			buf[o++] = (char)cn[i];
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x",
			    cn[i]);
	}
	buf[o] = '\0';
	OPENSSL_free(cn);
	return o > 0;
}

/* --- the plugin ------------------------------------------------------- */

static void tls_fini(struct sth_plugin *);

static int
tls_init(struct sth_plugin *self, const struct sth_host *host)
{
	struct sth_section *sec = NULL;
	unsigned n = 0;

	memset(&T, 0, sizeof T);
	T.self = self;
	T.host = host;
	TAILQ_INIT(&T.ctxs);
	if (!STH_HOST_HAS(host, conn_wrap))
		return host->fail(self, "this sthenod cannot stack a session "
		    "on a connection (host ABI 1.5 needed)");
	while ((sec = host->section_next(self, sec, "tls:")) != NULL) {
		if (tls_ctx_new(sec) == NULL)
			goto err;
		n++;
	}
	T.api.size = sizeof T.api;
	T.api.version = STH_TLS_API_VERSION;
	T.api.context = tls_context;
	T.api.wrap = tls_wrap;
	T.api.protocol = tls_protocol;
	T.api.shutdown = tls_shutdown;
	T.api.session_reused = tls_session_reused;
	T.api.verifies_clients = tls_verifies_clients;
	T.api.peer_name = tls_peer_name;
	if (host->service_register(self, STH_TLS_SERVICE, STH_TLS_API_VERSION,
	    &T.api) == -1) {
		host->fail(self, "cannot register the \"%s\" service",
		    STH_TLS_SERVICE);
		goto err;
	}
	host->log(self, STH_LOG_INFO, "tls: %s, %u context%s",
	    OpenSSL_version(OPENSSL_VERSION), n, n == 1 ? "" : "s");
	return 0;
err:
	tls_fini(self);
	return -1;
}

static void
tls_fini(struct sth_plugin *self)
{
	struct sth_tls_ctx *t;

	if (T.host != NULL)
		T.host->service_unregister(self, STH_TLS_SERVICE);
	while ((t = TAILQ_FIRST(&T.ctxs)) != NULL) {
		TAILQ_REMOVE(&T.ctxs, t, entry);
		SSL_CTX_free(t->ssl);
		free(t->name);
		free(t);
	}
	memset(&T, 0, sizeof T);
}

STHENO_PLUGIN("tls", PACKAGE_VERSION,
    "TLS server sessions with OpenSSL, one context per [tls:NAME] (the "
    "\"tls\" service)", NULL, tls_init, NULL, tls_fini);
