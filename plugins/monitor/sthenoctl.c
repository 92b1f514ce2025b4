/*
 * sthenoctl — the monitor console's client (README.md).
 *
 *   sthenoctl [-c config] [-s unix:///path | -s /path | -s host:port]
 *             [-S secretfile] [-A endpoint] [-j] [command [args...]]
 *
 * Connects, and with a secret authenticates both ways (auth.h): answers
 * the challenge, bound to its own nonce and to the endpoint it reached,
 * and sends nothing more unless the monitor's answer proves it knows the
 * secret too.  Then sends the command (its words quoted again for the
 * console's tokenizer), prints the body and exits 0 on 200, 1 otherwise
 * (the body on stderr).  With no command it sends each line of stdin and
 * prints each answer.  Plain libc and plugins/common/digest.c.
 *
 * Ownership: everything is main's; the process is short-lived, but every
 * allocation is still freed so that LeakSanitizer stays quiet.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "proto.h"
#include "../common/digest.h"

#define DEFAULT_SOCKET "/tmp/stheno-monitor.sock"

struct ctl {
	char *conf;		/* the config file read, or NULL */
	char *server;		/* -s, or from [plugin:monitor] */
	char *secret;		/* -S, or secret= */
	char *endpoint;		/* -A, else what the connection reached */
	int tcp;		/* the monitor is on TCP */
	int json;
	int fd;
	FILE *in;		/* the socket, buffered for reading */
};

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "sthenoctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

/* --- the config: [plugin:monitor] socket, port, secret -------------------- */

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A value with its inline comment (';' or '#' after a blank) cut off and
 * %(here)s / %(ENV_X)s expanded; NULL for any other %(name)s. */
static char *
config_value(char *v, const char *here)
{
	struct mon_str out = { NULL, 0, 0 };
	char *p, *end, name[128];
	const char *val;

	for (p = v; *p != '\0'; p++)
		if ((*p == ';' || *p == '#') && p > v &&
		    isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	v = trim(v);
	mon_str_add(&out, "", 0);
	for (p = v; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == '%') {
			mon_str_add(&out, "%", 1);
			p++;
			continue;
		}
		if (p[0] != '%' || p[1] != '(' ||
		    (end = strstr(p, ")s")) == NULL ||
		    (size_t)(end - p - 2) >= sizeof name) {
			mon_str_add(&out, p, 1);
			continue;
		}
		memcpy(name, p + 2, (size_t)(end - p - 2));
		name[end - p - 2] = '\0';
		if (strcmp(name, "here") == 0)
			val = here;
		else if (strncmp(name, "ENV_", 4) == 0)
			val = getenv(name + 4);
		else
			val = NULL;
		if (val == NULL) {
			mon_str_free(&out);
			return NULL;
		}
		mon_str_add(&out, val, strlen(val));
		p = end + 1;
	}
	return out.s;
}

static void
config_set(char **slot, const char *key, char *raw, const char *here)
{
	char *v;

	if (*slot != NULL)
		return;			/* -s / -S win */
	if ((v = config_value(raw, here)) == NULL)
		die("cannot expand the %s value of [plugin:monitor]", key);
	if (*v == '\0')
		free(v);
	else
		*slot = v;
}

static void
config_read(struct ctl *c)
{
	char line[4096], here[PATH_MAX], *p, *k, *v, *sock = NULL, *port = NULL;
	int in_section = 0;
	FILE *f;

	if ((f = fopen(c->conf, "r")) == NULL)
		die("cannot read %s", c->conf);
	if (realpath(c->conf, here) == NULL)
		die("cannot resolve %s", c->conf);
	if ((p = strrchr(here, '/')) != NULL)
		*(p == here ? p + 1 : p) = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		p = trim(line);
		if (*p == '[') {
			in_section = strncmp(p, "[plugin:monitor]", 16) == 0;
			continue;
		}
		if (!in_section || *p == ';' || *p == '#' || *p == '\0' ||
		    (v = p + strcspn(p, "=:")) == p || *v == '\0')
			continue;
		*v++ = '\0';
		k = trim(p);
		for (p = k; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strcmp(k, "socket") == 0)
			config_set(&sock, k, v, here);
		else if (strcmp(k, "port") == 0)
			config_set(&port, k, v, here);
		else if (strcmp(k, "secret") == 0)
			config_set(&c->secret, k, v, here);
	}
	fclose(f);
	if (c->server == NULL)
		c->server = sock != NULL ? sock : port;
	if (c->server != sock)
		free(sock);
	if (c->server != port)
		free(port);
}

/* sthenod's search, without the folders relative to the executable. */
static char *
config_find(void)
{
	static const char *const paths[] = {
		"stheno.conf", "supervisord.conf", "etc/stheno.conf",
		"etc/supervisord.conf", "/etc/stheno.conf",
		"/etc/supervisord.conf", "/etc/supervisor/stheno.conf",
		"/etc/supervisor/supervisord.conf",
	};
	size_t i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (access(paths[i], R_OK) == 0)
			return xstrdup(paths[i]);
	return NULL;
}

/* --- the connection ------------------------------------------------------- */

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		die("socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "sthenoctl: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int
connect_tcp(const char *hostport)
{
	struct addrinfo hints, *res, *ai;
	char *host, *port;
	int fd = -1, rc;

	host = xstrdup(hostport);
	if ((port = strrchr(host, ':')) == NULL) {
		port = host;
		host = xstrdup("127.0.0.1");
		free(port);
		port = xstrdup(hostport);
	} else {
		*port++ = '\0';
		port = xstrdup(port);
		if (*host == '\0' || strcmp(host, "*") == 0) {
			free(host);
			host = xstrdup("127.0.0.1");
		} else if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "sthenoctl: %s: %s\n", hostport,
		    gai_strerror(rc));
		exit(1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	if (fd == -1) {
		fprintf(stderr, "sthenoctl: %s: %s\n", hostport,
		    strerror(errno));
		exit(1);
	}
	freeaddrinfo(res);
	free(host);
	free(port);
	return fd;
}

static const char *
ctl_server(const struct ctl *c)
{
	return c->server != NULL ? c->server : DEFAULT_SOCKET;
}

/* The endpoint the proofs are bound to: the monitor's address as this
 * connection reached it (a relay's address is not the monitor's). */
static char *
reached(int fd, const char *path)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char buf[MON_ENDPOINT_MAX];

	if (path != NULL)
		mon_endpoint_unix(path, buf, sizeof buf);
	else if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    mon_endpoint_inet((struct sockaddr *)&ss, buf, sizeof buf) == -1)
		die("getpeername: %s", strerror(errno));
	return xstrdup(buf);
}

static void
ctl_connect(struct ctl *c)
{
	const char *s = ctl_server(c), *path = NULL;

	if (strncmp(s, "unix://", 7) == 0)
		path = s + 7;
	else if (s[0] == '/')
		path = s;
	c->tcp = path == NULL;
	c->fd = path != NULL ? connect_unix(path) : connect_tcp(s);
	if (c->endpoint == NULL)
		c->endpoint = reached(c->fd, path);
	if ((c->in = fdopen(dup(c->fd), "r")) == NULL)
		die("fdopen: %s", strerror(errno));
}

/* One answer: its status, and its body in *body (malloc'd). */
static int
ctl_read(struct ctl *c, char **body, size_t *len)
{
	char hdr[MON_HEADER_LEN];
	int status;

	if (fread(hdr, 1, sizeof hdr, c->in) != sizeof hdr)
		die("%s", "the monitor closed the connection");
	if (mon_parse_header(hdr, &status, len) == -1 || *len > MON_MAX_BODY)
		die("%s", "the monitor's answer is not framed as expected");
	*body = plug_xmalloc(*len + 2);
	if (fread(*body, 1, *len + 1, c->in) != *len + 1)
		die("%s", "the monitor closed the connection mid-answer");
	(*body)[*len] = '\0';
	return status;
}

static void
ctl_send(struct ctl *c, const char *line, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(c->fd, line, len)) == -1) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		line += n;
		len -= (size_t)n;
	}
}

static char *
read_secret(const char *path, size_t *len)
{
	char *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die("cannot read the secret file %s", path);
	buf = plug_xmalloc(MON_MAX_SECRET + 1);
	n = fread(buf, 1, MON_MAX_SECRET + 1, f);
	fclose(f);
	if (n > MON_MAX_SECRET)
		die("the secret file %s is larger than 64 KiB", path);
	if (n < MON_MIN_SECRET)
		die("the secret file %s is shorter than " MON_MIN_SECRET_S
		    " bytes: the monitor refuses it", path);
	*len = n;
	return buf;
}

static void
refuse(const struct ctl *c, const char *why)
{
	fprintf(stderr, "sthenoctl: the monitor at %s %s\n", ctl_server(c),
	    why);
	exit(1);
}

/* Answer the challenge (a 107 body: the monitor's nonce, the endpoint it
 * says it is, then text), then check the monitor's proof.  Exits unless
 * both sides proved they know the secret. */
static void
ctl_auth(struct ctl *c, const char *challenge)
{
	char sn[MON_NONCE_LEN + 1], cn[MON_NONCE_LEN + 1];
	char mine[MON_PROOF_LEN + 1], theirs[MON_PROOF_LEN + 1];
	char line[MON_NONCE_LEN + MON_PROOF_LEN + 16], *key, *body;
	const char *stated, *end;
	size_t len, klen;
	int status;

	if (strlen(challenge) < MON_NONCE_LEN + 1 ||
	    challenge[MON_NONCE_LEN] != '\n')
		refuse(c, "sent a challenge in a form Stheno does not use");
	memcpy(sn, challenge, MON_NONCE_LEN);
	sn[MON_NONCE_LEN] = '\0';
	stated = challenge + MON_NONCE_LEN + 1;
	if ((end = strchr(stated, '\n')) == NULL)
		end = stated + strlen(stated);
	if (!mon_nonce_valid(sn) || (size_t)(end - stated) !=
	    strlen(c->endpoint) || memcmp(stated, c->endpoint,
	    strlen(c->endpoint)) != 0) {
		fprintf(stderr, "sthenoctl: the monitor says it is %.*s, but "
		    "this connection reached %s: not answering (a relay?  "
		    "Through a tunnel, give -A with the monitor's endpoint)\n",
		    (int)(end - stated), stated, c->endpoint);
		exit(1);
	}
	if (c->secret == NULL)
		die("%s", "the monitor asks for authentication: give -S "
		    "secretfile, or secret= in [plugin:monitor]");
	key = read_secret(c->secret, &klen);
	mon_nonce(cn);
	mon_proof(key, klen, MON_ROLE_CLIENT, sn, cn, c->endpoint, mine);
	mon_proof(key, klen, MON_ROLE_SERVER, sn, cn, c->endpoint, theirs);
	explicit_bzero(key, klen);
	free(key);
	snprintf(line, sizeof line, "auth %s %s\n", cn, mine);
	ctl_send(c, line, strlen(line));
	status = ctl_read(c, &body, &len);
	if (status == MON_AUTH)
		die("%s", "authentication failed: the monitor refused the "
		    "answer (a wrong secret?)");
	if (status != MON_OK)
		die("authentication failed: %s", body);
	if (len < MON_PROOF_LEN || !digest_equal(body, MON_PROOF_LEN, theirs,
	    MON_PROOF_LEN))
		refuse(c, "did not prove it knows the secret: not sending it "
		    "anything");
	free(body);
}

/* Read the greeting and authenticate: when the monitor asks, and, with a
 * secret, also when it trusts us without asking (a squatter on the unix
 * socket would).  Exits on failure. */
static void
ctl_login(struct ctl *c)
{
	char *body;
	size_t len;
	int status;

	status = ctl_read(c, &body, &len);
	if (status == MON_OK) {
		free(body);
		if (c->tcp)
			refuse(c, "did not ask for authentication, as a Stheno "
			    "monitor on TCP always does");
		if (c->secret == NULL)
			return;	/* a trusted unix peer, with nothing to check */
		ctl_send(c, "challenge\n", 10);
		if ((status = ctl_read(c, &body, &len)) != MON_AUTH)
			refuse(c, "did not prove it knows the secret: it has no "
			    "challenge");
	}
	if (status != MON_AUTH) {
		fprintf(stderr, "sthenoctl: %s\n", body);
		exit(1);
	}
	ctl_auth(c, body);
	free(body);
}

/* Send one line; print its answer.  Returns the status. */
static int
ctl_command(struct ctl *c, const char *line, size_t len)
{
	char *body;
	size_t blen;
	int status;

	ctl_send(c, line, len);
	status = ctl_read(c, &body, &blen);
	if (blen > 0)
		fprintf(status == MON_OK || status == MON_TRUNCATED ? stdout :
		    stderr, "%s%s", body, body[blen - 1] == '\n' ? "" : "\n");
	fflush(stdout);
	free(body);
	return status;
}

static int
run_argv(struct ctl *c, int argc, char **argv)
{
	struct mon_str line = { NULL, 0, 0 };
	int i, status;

	if (c->json)
		mon_str_add(&line, "-j ", 3);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			mon_str_add(&line, " ", 1);
		mon_quote(&line, argv[i]);
	}
	mon_str_add(&line, "\n", 1);
	if (line.len > MON_MAX_LINE + 1)
		die("%s", "the command is longer than 64 KiB");
	status = ctl_command(c, line.s, line.len);
	mon_str_free(&line);
	return status == MON_OK || (status == MON_CLOSE &&
	    strcmp(argv[0], "quit") == 0) ? 0 : 1;
}

static int
run_stdin(struct ctl *c)
{
	struct mon_str l = { NULL, 0, 0 };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, status;

	while ((n = getline(&buf, &cap, stdin)) > 0) {
		if (buf[n - 1] != '\n')
			buf[n++] = '\n';	/* getline leaves room */
		if (strspn(buf, " \t\r\n") == (size_t)n)
			continue;		/* no answer would come */
		l.len = 0;
		if (c->json)
			mon_str_add(&l, "-j ", 3);
		mon_str_add(&l, buf, (size_t)n);
		status = ctl_command(c, l.s, l.len);
		if (status == MON_CLOSE || status == MON_COMMS)
			break;		/* quit, or closed by the monitor */
		if (status != MON_OK)
			rc = 1;
	}
	free(buf);
	mon_str_free(&l);
	return rc;
}

/* The usage line: on stdout with status 0 when asked for (-h, --help), on
 * stderr with status 2 after a bad option. */
static void
usage(int asked)
{
	fprintf(asked ? stdout : stderr, "usage: sthenoctl [-c config] "
	    "[-s unix:///path | -s host:port] [-S secretfile] [-A endpoint] "
	    "[-j] "
	    "[command [args...]]\n%s", asked ? "With no command, commands "
	    "are read from standard input, one a line.\n'sthenoctl help' "
	    "lists the monitor's commands.\n" : "");
	exit(asked ? 0 : 2);
}

int
main(int argc, char **argv)
{
	struct ctl c;
	int ch, rc;

	memset(&c, 0, sizeof c);
	signal(SIGPIPE, SIG_IGN);	/* a closed monitor is a write error */
	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		usage(1);
	while ((ch = getopt(argc, argv, "+c:s:S:A:jh")) != -1) {
		switch (ch) {
		case 'c':
			c.conf = xstrdup(optarg);
			break;
		case 's':
			c.server = xstrdup(optarg);
			break;
		case 'S':
			c.secret = xstrdup(optarg);
			break;
		case 'A':
			c.endpoint = xstrdup(optarg);
			break;
		case 'j':
			c.json = 1;
			break;
		case 'h':
			usage(1);
			break;
		default:
			usage(0);
		}
	}
	argc -= optind;
	argv += optind;
	if (c.conf == NULL && c.server == NULL)
		c.conf = config_find();
	if (c.conf != NULL)
		config_read(&c);
	ctl_connect(&c);
	ctl_login(&c);
	rc = argc > 0 ? run_argv(&c, argc, argv) : run_stdin(&c);
	fclose(c.in);
	close(c.fd);
	free(c.conf);
	free(c.server);
	free(c.secret);
	free(c.endpoint);
	return rc;
}
