/*
 * test_http_peer.c — plugins/http/peer.c: which client addresses share a
 * max_connections_per_address count (an IPv4 address, also written as
 * ::ffff:a.b.c.d; an IPv6 /64), and that entries go with their last
 * connection.
 *
 * Ownership: each test owns the server record it builds on the stack and
 * frees its table with peer_free_all.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <string.h>

#include "httpd.h"

static struct http_peer *
get(struct http_server *s, const char *addr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		return peer_get(s, (struct sockaddr *)&sin, sizeof sin);
	}
	cr_assert_eq(inet_pton(AF_INET6, addr, &sin6.sin6_addr), 1, "%s",
	    addr);
	sin6.sin6_family = AF_INET6;
	return peer_get(s, (struct sockaddr *)&sin6, sizeof sin6);
}

Test(http_peer, addresses_share_a_count_as_documented)
{
	struct http_server s;
	struct http_peer *a, *b;

	memset(&s, 0, sizeof s);
	a = get(&s, "192.0.2.7");
	a->p_n++;
	cr_assert_eq(get(&s, "192.0.2.7"), a);
	cr_assert_eq(get(&s, "::ffff:192.0.2.7"), a);
	cr_assert_neq(get(&s, "192.0.2.8"), a);
	b = get(&s, "2001:db8:1:2::1");
	b->p_n++;
	cr_assert_eq(get(&s, "2001:db8:1:2:ffff:ffff:ffff:ffff"), b);
	cr_assert_neq(get(&s, "2001:db8:1:3::1"), b);
	cr_assert_neq(b, a);
	peer_free_all(&s);
	cr_assert_null(s.s_peers);
}

Test(http_peer, unix_clients_are_not_counted)
{
	struct http_server s;
	struct sockaddr sa = { .sa_family = AF_UNIX };

	memset(&s, 0, sizeof s);
	cr_assert_null(peer_get(&s, &sa, 0));
	cr_assert_null(s.s_peers);
}

Test(http_peer, an_entry_goes_with_its_last_connection)
{
	struct http_server s;
	struct http_peer *a;

	memset(&s, 0, sizeof s);
	a = get(&s, "198.51.100.1");
	a->p_n += 2;
	peer_put(a);
	cr_assert_eq(get(&s, "198.51.100.1"), a);
	cr_assert_eq(a->p_n, 1);
	peer_put(a);
	/* gone: a new entry, counting from 0 */
	a = get(&s, "198.51.100.1");
	cr_assert_eq(a->p_n, 0);
	peer_drop_unused(a);
	peer_free_all(&s);
}
