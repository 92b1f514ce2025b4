/*
 * peer.c — live connections per client address on one server, for
 * max_connections_per_address (nginx's limit_conn keyed on the address).
 *
 * Ownership: a server owns its table (s_peers, made at the first TCP
 * connection) and every entry in it; a connection holds a reference to its
 * entry (c_peerent), given back by peer_put.  An IPv4 address is counted
 * as itself (also when it comes as ::ffff:a.b.c.d), an IPv6 one by its
 * /64 prefix, since one host commonly owns a whole /64.  Unix-socket
 * clients have no address and are not counted.
 */
#include "config.h"

#include <sys/random.h>

#include <netinet/in.h>

#include <stdint.h>

#include "httpd.h"

#define PEER_BUCKETS 256	/* a power of 2 */

static uint32_t peer_salt;

/* The key of sa into key (4 or 8 bytes); its length, or 0: uncounted. */
static size_t
peer_key(const struct sockaddr *sa, socklen_t salen, unsigned char *key)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };

	if (salen >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		return 4;
	}
	if (salen >= sizeof(struct sockaddr_in6) &&
	    sa->sa_family == AF_INET6) {
		const unsigned char *a = ((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof mapped) == 0) {
			memcpy(key, a + 12, 4);
			return 4;
		}
		memcpy(key, a, 8);
		return 8;
	}
	return 0;
}

/* FNV-1a, salted so that a client cannot aim at one bucket. */
static size_t
peer_hash(const unsigned char *key, size_t len)
{
	uint32_t h = 2166136261u ^ peer_salt;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h & (PEER_BUCKETS - 1);
}

struct http_peer *
peer_get(struct http_server *s, const struct sockaddr *sa, socklen_t salen)
{
	unsigned char key[8];
	struct http_peer_list *b;
	struct http_peer *p;
	size_t len;

	if ((len = peer_key(sa, salen, key)) == 0)
		return NULL;
	if (peer_salt == 0 && getrandom(&peer_salt, sizeof peer_salt,
	    GRND_NONBLOCK) != sizeof peer_salt)
		peer_salt = (uint32_t)(uintptr_t)&peer_salt ^
		    (uint32_t)time(NULL);
	if (s->s_peers == NULL)
		s->s_peers = xcalloc(PEER_BUCKETS, sizeof *s->s_peers);
	b = &s->s_peers[peer_hash(key, len)];
	LIST_FOREACH(p, b, p_entry)
		if (p->p_len == len && memcmp(p->p_key, key, len) == 0)
			return p;
	p = xcalloc(1, sizeof *p);
	memcpy(p->p_key, key, len);
	p->p_len = (unsigned char)len;
	LIST_INSERT_HEAD(b, p, p_entry);
	return p;
}

void
peer_put(struct http_peer *p)
{
	if (p == NULL || --p->p_n > 0)
		return;
	LIST_REMOVE(p, p_entry);
	free(p);
}

/* An entry with no connection (refused at once) goes as peer_put's. */
void
peer_drop_unused(struct http_peer *p)
{
	if (p != NULL && p->p_n == 0) {
		LIST_REMOVE(p, p_entry);
		free(p);
	}
}

void
peer_free_all(struct http_server *s)
{
	struct http_peer *p;
	size_t i;

	if (s->s_peers == NULL)
		return;
	for (i = 0; i < PEER_BUCKETS; i++)
		while ((p = LIST_FIRST(&s->s_peers[i])) != NULL) {
			LIST_REMOVE(p, p_entry);
			free(p);
		}
	free(s->s_peers);
	s->s_peers = NULL;
}
