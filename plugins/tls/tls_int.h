/*
 * tls_int.h — the tls plugin's internals: its contexts and the values of
 * [tls:NAME] it parses itself (tls_parse.c, free of OpenSSL so that the
 * unit test and the fuzz target need no library).
 *
 * Ownership: tls.c owns the list of contexts (one per section) and each
 * OpenSSL SSL_CTX in it; a session on a connection holds its own reference
 * to its SSL_CTX, so a context freed by unload outlives it in OpenSSL.
 */
#ifndef TLS_INT_H
#define TLS_INT_H

#include <stddef.h>

/* min_version: "1.2", "1.3" (or OpenSSL's "TLSv1.2", "TLSv1.3").  The
 * protocol version number (0x0303, 0x0304), or -1 with why in err. */
int tls_parse_min_version(const char *value, char *err, size_t errlen);

/* An ALPN client list (length-prefixed names): 1 if it offers
 * "http/1.1". */
int tls_alpn_offers_http11(const unsigned char *in, size_t inlen);

#endif /* TLS_INT_H */
