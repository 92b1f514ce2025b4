/*
 * auth.c — nonces, endpoint names and the proofs of the monitor's mutual
 * challenge-response (auth.h; the protocol is README.md's).
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "../common/digest.h"
#include "codec.h"

void
mon_nonce(char out[MON_NONCE_LEN + 1])
{
	unsigned char rnd[MON_NONCE_LEN / 2];

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		abort();	/* getrandom cannot fail for 16 bytes */
	hex_encode(rnd, sizeof rnd, out);
	explicit_bzero(rnd, sizeof rnd);
}

int
mon_nonce_valid(const char *s)
{
	return strlen(s) == MON_NONCE_LEN &&
	    strspn(s, "0123456789abcdef") == MON_NONCE_LEN;
}

int
mon_endpoint_inet(const struct sockaddr *sa, char *out, size_t outlen)
{
	const struct sockaddr_in *in = (const void *)sa;
	const struct sockaddr_in6 *in6 = (const void *)sa;
	char host[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(out, outlen, "tcp:%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		memcpy(&v4, &in6->sin6_addr.s6_addr[12], sizeof v4);
		inet_ntop(AF_INET, &v4, host, sizeof host);
		snprintf(out, outlen, "tcp:%s:%u", host, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(out, outlen, "tcp:[%s]:%u", host,
		    ntohs(in6->sin6_port));
	} else
		return -1;
	return 0;
}

void
mon_endpoint_unix(const char *path, char *out, size_t outlen)
{
	char real[PATH_MAX];

	snprintf(out, outlen, "unix:%s", realpath(path, real) != NULL ?
	    real : path);
}

void
mon_proof(const void *key, size_t klen, const char *role, const char *sn,
    const char *cn, const char *endpoint, char out[MON_PROOF_LEN + 1])
{
	struct dbuf msg = DBUF_INIT;

	dbuf_printf(&msg, "stheno-monitor %s\n%s\n%s\n%s", role, sn, cn,
	    endpoint);
	digest_hmac_sha256_hex(key, klen, msg.data, msg.len, out);
	dbuf_free(&msg);
}
