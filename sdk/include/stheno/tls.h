/*
 * stheno/tls.h — the "tls" service: server-side TLS on a host connection.
 *
 * Ownership: the tls plugin owns every context (one per [tls:NAME]
 * section, read at its init) and every session it stacks on a connection;
 * the connection stays the consumer's (host->conn_*), and its session is
 * freed with it.  A context pointer returned by context() is valid as long
 * as the consumer holds the service: a reload of tls (a renewed
 * certificate) reloads its consumers with it, so the new consumers get the
 * new contexts while the old ones finish their connections on the old.
 *
 * A consumer gets the table with
 *
 *	const struct sth_tls_api *tls = host->service_acquire(self,
 *	    STH_TLS_SERVICE, STH_TLS_API_VERSION, NULL);
 *
 * (NULL when no [tls:NAME] section loaded the plugin), looks its contexts
 * up once at init and, for each accepted connection, calls wrap() right
 * after host->conn_new, before the loop runs: from then on conn_bev(c)
 * reads and writes plaintext, the handshake (and its failure, reported as
 * STH_CONN_ERROR to the connection's event callback) happens underneath,
 * and the connection's read timeout bounds a client that stalls in it.
 * Never write to the descriptor itself (send(2), shutdown(2)) once wrapped.
 *
 * The table only grows (host.h's scheme): members are appended, each
 * commented with the version that added it; test newer ones with
 * STH_TLS_HAS.
 */
#ifndef STHENO_TLS_H
#define STHENO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <stheno/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STH_TLS_SERVICE "tls"
#define STH_TLS_API_VERSION 1

struct sth_conn;
struct sth_tls_ctx;		/* one [tls:NAME] section's context */

struct sth_tls_api {
	uint32_t size;		/* sizeof(struct sth_tls_api), provider */
	uint32_t version;	/* STH_TLS_API_VERSION, provider */

	/* The context of [tls:name], or NULL if there is no such section. */
	struct sth_tls_ctx *(*context)(const char *name);
	/* Stack a server-side TLS session with ctx on c, a connection just
	 * made by host->conn_new (nothing read or written yet).  0, or -1
	 * (c unchanged: the caller frees it). */
	int (*wrap)(struct sth_conn *c, struct sth_tls_ctx *ctx);
	/* The protocol of c's session ("TLSv1.3"; meaningful once the
	 * handshake is done), or NULL if c is not wrapped.  A static
	 * string. */
	const char *(*protocol)(struct sth_conn *c);
	/* Send TLS's close_notify on c now, before it is freed, when nothing
	 * is left to write (a client that closes its side of the session
	 * after it, as FTPS data connections do, sees a clean end).  No-op
	 * if c is not wrapped. */
	void (*shutdown)(struct sth_conn *c);
	/* 1 if c's handshake resumed an earlier session of the same context
	 * (a TLS 1.3 ticket or a TLS 1.2 session id), as an FTPS data
	 * connection resumes its control connection's; 0 otherwise. */
	int (*session_reused)(struct sth_conn *c);
	/* (appended: STH_TLS_HAS) 1 if ctx verifies client certificates
	 * ([tls:NAME] client_ca), 0 otherwise. */
	int (*verifies_clients)(struct sth_tls_ctx *ctx);
	/* (appended: STH_TLS_HAS) The subject CN of the certificate c's
	 * client presented, in
	 * buf (len bytes, NUL-terminated; bytes that are not printable
	 * ASCII, space, quotes and backslash as \xHH), and 1, if the
	 * handshake is done and the certificate verified against the
	 * context's client_ca; 0 (no name) otherwise. */
	int (*peer_name)(struct sth_conn *c, char *buf, size_t len);
};

#define STH_TLS_HAS(api, m)                                                    \
	((api)->size >= offsetof(struct sth_tls_api, m) + sizeof((api)->m) &&  \
	 (api)->m != NULL)

#ifdef __cplusplus
}
#endif
#endif /* STHENO_TLS_H */
