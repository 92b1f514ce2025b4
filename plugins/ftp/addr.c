/*
 * addr.c — data-channel addresses: PORT's and EPRT's arguments (hostile
 * input: every field is checked), EPSV's, PASV's reply, and comparing a
 * data peer with the control peer (RFC 959, 2428, 2577).
 *
 * Ownership: nothing; callers pass the buffers.
 */
#include "config.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <strings.h>

#include "ftp.h"

/* A decimal number of at most maxdigits digits, <= max; *pp moves past. */
static int
parse_num(const char **pp, int maxdigits, long max, long *out)
{
	const char *p = *pp;
	long v = 0;
	int n = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > maxdigits)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (n == 0 || v > max)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

int
ftp_parse_port(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	unsigned char b[6];
	long v;
	int i;

	for (i = 0; i < 6; i++) {
		if (i > 0 && *arg++ != ',')
			return -1;
		if (parse_num(&arg, 3, 255, &v) == -1)
			return -1;
		b[i] = (unsigned char)v;
	}
	if (*arg != '\0' || (b[4] == 0 && b[5] == 0))
		return -1;	/* port 0, as EPRT refuses it */
	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, b, 4);
	sin->sin_port = htons((uint16_t)(b[4] << 8 | b[5]));
	*len = sizeof *sin;
	return 0;
}

int
ftp_parse_eprt(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *p, *end;
	char d = arg[0];
	long af, port;
	size_t n;

	if (d < 33 || d > 126 || (d >= '0' && d <= '9') || d == '.' ||
	    d == ':')
		return -1;
	p = arg + 1;
	if (parse_num(&p, 1, 9, &af) == -1 || *p++ != d)
		return -1;
	if ((end = strchr(p, d)) == NULL)
		return -1;
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof host)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	p = end + 1;
	if (parse_num(&p, 5, 65535, &port) == -1 || port == 0 || *p++ != d ||
	    *p != '\0')
		return -1;
	memset(ss, 0, sizeof *ss);
	switch (af) {
	case 1:
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof *sin;
		return 0;
	case 2:
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
		return 0;
	default:
		return -2;
	}
}

int
ftp_parse_epsv(const char *arg)
{
	const char *p = arg;
	long af;

	if (arg == NULL || *arg == '\0')
		return 0;
	if (strcasecmp(arg, "ALL") == 0)
		return FTP_EPSV_ALL;
	if (parse_num(&p, 3, 999, &af) == -1 || *p != '\0')
		return -1;
	return af == 1 || af == 2 ? (int)af : -2;
}

/* The IPv4 address of sa (plain or v4-mapped), or -1. */
static int
v4_of(const struct sockaddr *sa, struct in_addr *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		*out = ((const struct sockaddr_in *)sa)->sin_addr;
		return 0;
	}
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(out, &sin6->sin6_addr.s6_addr[12], 4);
		return 0;
	}
	return -1;
}

int
ftp_fmt_pasv(const struct sockaddr *sa, int port, char *out, size_t outlen)
{
	struct in_addr in;
	const unsigned char *b = (const unsigned char *)&in;

	if (v4_of(sa, &in) == -1)
		return -1;
	snprintf(out, outlen, "Entering Passive Mode (%u,%u,%u,%u,%d,%d).",
	    b[0], b[1], b[2], b[3], (port >> 8) & 0xff, port & 0xff);
	return 0;
}

int
ftp_sa_family(const struct sockaddr *sa)
{
	struct in_addr in;

	return v4_of(sa, &in) == 0 ? 1 : 2;
}

int
ftp_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	struct in_addr x, y;

	if (v4_of(a, &x) == 0 && v4_of(b, &y) == 0)
		return x.s_addr == y.s_addr;
	if (a->sa_family == AF_INET6 && b->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr,
		    sizeof(struct in6_addr)) == 0;
	return 0;
}

int
ftp_sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void
ftp_sa_set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

socklen_t
ftp_sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

void
ftp_sa_host(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *a;

	if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
}
