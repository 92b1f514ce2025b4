/*
 * auth.h — the monitor's mutual challenge-response (README.md,
 * "Authentication"), shared by monitor.so, sthenoctl and the unit tests:
 * random nonces, the name of the endpoint a connection reached, and the
 * two HMAC-SHA256 proofs, each over both nonces and that name, so that an
 * answer is good for one session with one server only and the server
 * proves it knows the secret too.
 *
 * Ownership: callers own every buffer; nothing here keeps state.
 */
#ifndef STHENO_MON_AUTH_H
#define STHENO_MON_AUTH_H

#include <sys/socket.h>

#include <stddef.h>

#include "proto.h"

#define MON_NONCE_LEN 32		/* [0-9a-f] characters */
#define MON_PROOF_LEN 64		/* hex of an HMAC-SHA256 */
#define MON_ENDPOINT_MAX 4200		/* "unix:" and a path, or tcp:... */

/* Which side a proof is from: its first word in the MAC'd message. */
#define MON_ROLE_CLIENT "client"
#define MON_ROLE_SERVER "server"

/* MON_NONCE_LEN lowercase hex characters from getrandom(2), NUL-ended. */
void mon_nonce(char out[MON_NONCE_LEN + 1]);
/* 1 if s is MON_NONCE_LEN lowercase hex characters and nothing more. */
int mon_nonce_valid(const char *s);

/* The endpoint of a TCP connection as both ends name it: "tcp:ADDR:PORT",
 * "tcp:[ADDR6]:PORT", an IPv4-mapped address as IPv4.  The server names
 * its own side (getsockname), the client the side it reached
 * (getpeername).  -1 if sa is neither AF_INET nor AF_INET6. */
int mon_endpoint_inet(const struct sockaddr *sa, char *out, size_t outlen);
/* "unix:" and realpath(path) (path as given if it cannot be resolved). */
void mon_endpoint_unix(const char *path, char *out, size_t outlen);

/* The lowercase hex of HMAC-SHA256(key, "stheno-monitor ROLE\nSN\nCN\n
 * ENDPOINT"): role MON_ROLE_CLIENT or MON_ROLE_SERVER, sn the server's
 * nonce, cn the client's. */
void mon_proof(const void *key, size_t klen, const char *role,
    const char *sn, const char *cn, const char *endpoint,
    char out[MON_PROOF_LEN + 1]);

#endif
