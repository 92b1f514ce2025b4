/*
 * sthenoctl — supervisorctl's commands and the monitor console's, in one
 * client (docs/sthenoctl.md).
 *
 *   sthenoctl [-c config] [-s url] [-u user] [-p password] [-i]
 *             [-r history] [-S secretfile] [-A endpoint] [-j] [-m]
 *             [--json] [command [args...]]
 *
 * supervisorctl's commands (status, start, tail, update, ...) go to
 * supervisord's XML-RPC at [supervisorctl] serverurl (ctl.h); the
 * monitor's (ping, plugin.*, rpc, ...) to [plugin:monitor].  The words
 * both have (status, help, quit) and stdin mode are the monitor's when
 * it is asked for: -m, -S, -A, -j, an -s without a scheme, or a config
 * with [plugin:monitor] and no [supervisorctl].
 *
 * The monitor: connects, and with a secret authenticates both ways
 * (auth.h): answers the challenge, bound to its own nonce and to the
 * endpoint it reached, and sends nothing more unless the monitor's answer
 * proves it knows the secret too.  Then sends the command (its words
 * quoted again for the console's tokenizer), prints the body and exits 0
 * on 200, 1 otherwise (the body on stderr).  With no command it sends
 * each line of stdin and prints each answer.
 *
 * Ownership: everything is main's; the process is short-lived, but every
 * allocation is still freed so that LeakSanitizer stays quiet.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../plugins/monitor/auth.h"
#include "ctl.h"
#include "expand.h"
#include "ini.h"
#include "log.h"
#include "../plugins/monitor/proto.h"
#include "xmalloc.h"
#include "../plugins/common/digest.h"

#define DEFAULT_SOCKET "/tmp/stheno-monitor.sock"

struct ctl {
	char *conf;		/* the config file read, or NULL */
	char *server;		/* the monitor: -s, or from [plugin:monitor] */
	char *opt_s;		/* -s as given */
	int want_monitor;	/* -m, -S, -A, -j, or -s without a scheme */
	int has_monitor;	/* the config has [plugin:monitor] */
	int has_ctl;		/* the config has [supervisorctl] */
	char *http_hint;	/* a serverurl for a missing [supervisorctl] */
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

/* --- the config: [plugin:monitor] and [supervisorctl] ------------------- */

/* The value of key in section with %(here)s and %(ENV_X)s expanded,
 * malloc'd; NULL when not set or empty. */
static char *
config_get(struct ini_doc *doc, const char *section, const char *key)
{
	struct ini_section *sec = ini_find(doc, section);
	struct ini_entry *e;
	char *v, *err = NULL, what[128];
	json_t *vars;

	if (sec == NULL || (e = ini_entry_find(sec, key)) == NULL)
		return NULL;
	vars = expand_vars(NULL, ini_entry_here(e), NULL);
	snprintf(what, sizeof what, "%s", key);
	v = expand(ini_entry_value(e), what, vars, &err);
	json_decref(vars);
	if (v == NULL) {
		fprintf(stderr, "sthenoctl: [%s] %s: %s\n", section, key, err);
		free(err);
		exit(2);
	}
	if (*v == '\0') {
		free(v);
		return NULL;
	}
	return v;
}

static void
config_set(char **slot, char *v)
{
	if (*slot == NULL)
		*slot = v;		/* the command line wins */
	else
		free(v);
}

/* supervisorctl's normalize_path for a unix:// serverurl. */
static char *
unix_url(const char *url)
{
	char path[PATH_MAX], *out;
	const char *p = url + 7;

	if (*p != '/' && getcwd(path, sizeof path) != NULL) {
		xasprintf(&out, "unix://%s/%s", path, p);
		return out;
	}
	return xstrdup(url);
}

static void
config_read(struct ctl *c, struct sup *s)
{
	struct ini_doc *doc;
	char *err = NULL, *sock, *port, *v;

	if (access(c->conf, F_OK) != 0) {
		fprintf(stderr, "Error: could not find config file %s\n"
		    "For help, use sthenoctl -h\n", c->conf);
		exit(2);
	}
	if ((doc = ini_load(c->conf, &err)) == NULL) {
		fprintf(stderr, "Error: %s\nFor help, use sthenoctl -h\n", err);
		free(err);
		exit(2);
	}
	c->has_monitor = ini_find(doc, "plugin:monitor") != NULL;
	c->has_ctl = ini_find(doc, "supervisorctl") != NULL;
	sock = config_get(doc, "plugin:monitor", "socket");
	port = config_get(doc, "plugin:monitor", "port");
	if (c->server == NULL) {
		c->server = sock != NULL ? sock : port;
		if (c->server == sock)
			sock = NULL;
		else
			port = NULL;
	}
	free(sock);
	free(port);
	if ((v = config_get(doc, "plugin:monitor", "secret")) != NULL)
		config_set(&c->secret, v);
	if ((v = config_get(doc, "supervisorctl", "serverurl")) != NULL)
		config_set(&s->serverurl, strncmp(v, "unix://", 7) == 0 ?
		    unix_url(v) : xstrdup(v)), free(v);
	if ((v = config_get(doc, "supervisorctl", "cafile")) != NULL)
		config_set(&s->cafile, v);
	if ((v = config_get(doc, "supervisorctl", "username")) != NULL)
		config_set(&s->username, v);
	if ((v = config_get(doc, "supervisorctl", "password")) != NULL)
		config_set(&s->password, v);
	if ((v = config_get(doc, "supervisorctl", "prompt")) != NULL)
		config_set(&s->prompt, v);
	if ((v = config_get(doc, "supervisorctl", "history_file")) != NULL)
		config_set(&s->history_file, v);
	if ((v = config_get(doc, "unix_http_server", "file")) != NULL) {
		xasprintf(&c->http_hint, "unix://%s", v);
		free(v);
	} else if ((v = config_get(doc, "inet_http_server", "port")) != NULL) {
		/* tls = NAME: the server speaks HTTPS */
		char *tls = config_get(doc, "inet_http_server", "tls");

		xasprintf(&c->http_hint, "%s://%s%s", tls != NULL &&
		    *tls != '\0' ? "https" : "http", strchr(v, ':') == NULL ?
		    "127.0.0.1:" : "", v);
		free(tls);
		free(v);
	}
	ini_free(doc);
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
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "sthenoctl: no monitor listens there: "
			    "sthenod serves it with a [plugin:monitor] section "
			    "(socket= or port=); give -c with that config, or "
			    "-s\n");
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
	*body = xmalloc(*len + 2);
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
	buf = xmalloc(MON_MAX_SECRET + 1);
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
			refuse(c,
			    "did not prove it knows the secret: it has no "
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
	struct dbuf line = DBUF_INIT;
	int i, status;

	if (c->json)
		dbuf_add(&line, "-j ", 3);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			dbuf_add(&line, " ", 1);
		mon_quote(&line, argv[i]);
	}
	dbuf_add(&line, "\n", 1);
	if (line.len > MON_MAX_LINE + 1)
		die("%s", "the command is longer than 64 KiB");
	status = ctl_command(c, line.data, line.len);
	dbuf_free(&line);
	return status == MON_OK || (status == MON_CLOSE &&
	    strcmp(argv[0], "quit") == 0) ? 0 : 1;
}

static int
run_stdin(struct ctl *c)
{
	struct dbuf l = DBUF_INIT;
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
			dbuf_add(&l, "-j ", 3);
		dbuf_add(&l, buf, (size_t)n);
		status = ctl_command(c, l.data, l.len);
		if (status == MON_CLOSE || status == MON_COMMS)
			break;		/* quit, or closed by the monitor */
		if (status != MON_OK)
			rc = 1;
	}
	free(buf);
	dbuf_free(&l);
	return rc;
}

/* --- which half a command goes to ----------------------------------------- */

/* The monitor's own words; any word with a dot (plugin.list) too. */
static const char *const monitor_words[] = {
	"ping", "banner", "challenge", "auth", "rpc", NULL
};
/* Words both have: the monitor's only when it is asked for. */
static const char *const shared_words[] = { "status", "help", "quit", NULL };

static int
listed(const char *const *list, const char *w)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return 1;
	return 0;
}

/* The monitor is asked for: by an option, or by a config that has its
 * section and no [supervisorctl]. */
static int
monitor_mode(const struct ctl *c)
{
	return c->want_monitor || (!c->has_ctl && c->has_monitor);
}

static int
for_monitor(const struct ctl *c, const char *word)
{
	if (listed(monitor_words, word) || strchr(word, '.') != NULL)
		return 1;
	if (sup_is_action(word) && !listed(shared_words, word))
		return 0;
	return monitor_mode(c);
}

/* The first word of a line, in buf. */
static const char *
first_word(const char *line, char *buf, size_t len)
{
	size_t n;

	line += strspn(line, " \t");
	n = strcspn(line, " \t\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return buf;
}

/* --- the monitor's half --------------------------------------------------- */

/* Say which section is missing; 0 when the monitor has an address. */
static int
monitor_missing(const struct ctl *c)
{
	if (c->server != NULL || c->conf == NULL || c->has_monitor)
		return 0;
	fprintf(stderr, "sthenoctl: %s has no [plugin:monitor] section: add "
	    "one (socket=%%(here)s/stheno-monitor.sock, or port=) for the "
	    "monitor's commands, or give -s\n", c->conf);
	return 1;
}

static void
monitor_open(struct ctl *c)
{
	if (monitor_missing(c))
		exit(1);
	ctl_connect(c);
	ctl_login(c);
}

static void
monitor_close(struct ctl *c)
{
	if (c->in != NULL)
		fclose(c->in);
	if (c->fd > 0)
		close(c->fd);
	c->in = NULL;
	c->fd = -1;
	free(c->endpoint);
	c->endpoint = NULL;
}

/* The shell hands over the monitor's lines: one session each. */
static int
shell_other(void *arg, const char *line)
{
	struct ctl *c = arg;
	struct dbuf l = DBUF_INIT;
	char w[64];

	first_word(line, w, sizeof w);
	if (*w == '\0' || !(listed(monitor_words, w) || strchr(w, '.') !=
	    NULL))
		return 0;
	if (monitor_missing(c))
		return 1;
	monitor_open(c);
	if (c->json)
		dbuf_add(&l, "-j ", 3);
	dbuf_add(&l, line, strlen(line));
	dbuf_add(&l, "\n", 1);
	ctl_command(c, l.data, l.len);
	dbuf_free(&l);
	monitor_close(c);
	return 1;
}

static void
monitor_help(struct sup *s)
{
	printf("monitor commands (sthenoctl -m help <topic>):\n"
	    "=============================================\n"
	    "banner  challenge  ping  plugin.list  plugin.load  "
	    "plugin.reload\nplugin.unload  rpc  status  help  quit\n\n");
}

/* --- the supervisorctl half ----------------------------------------------- */

static void
sup_setup(struct ctl *c, struct sup *s)
{
	if (s->serverurl == NULL && c->conf != NULL && !c->has_ctl) {
		fprintf(stderr, "Error: .ini file does not include "
		    "supervisorctl section\nFor help, use sthenoctl -h\n");
		fprintf(stderr, "sthenoctl: add to %s:\n[supervisorctl]\n"
		    "serverurl=%s\n", c->conf, c->http_hint != NULL ?
		    c->http_hint : "unix://<the file= of [unix_http_server]>");
		exit(2);
	}
	if (s->serverurl == NULL)
		s->serverurl = xstrdup("http://localhost:9001");
	if (s->prompt == NULL)
		s->prompt = xstrdup("supervisor");
	s->held = json_array();
	s->other_help = monitor_help;
}

static void
sup_free(struct sup *s)
{
	sup_disconnect(s);
	json_decref(s->held);
	json_decref(s->complete);
	free(s->rbuf);
	free(s->serverurl);
	free(s->cafile);
	free(s->username);
	free(s->password);
	free(s->prompt);
	free(s->history_file);
}

static int
sup_argv(struct sup *s, int argc, char **argv)
{
	struct dbuf line = DBUF_INIT;
	int i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			dbuf_add(&line, " ", 1);
		dbuf_add(&line, argv[i], strlen(argv[i]));
	}
	dbuf_add(&line, "", 1);
	if (s->json) {
		s->records = json_pack("{s:s,s:[],s:[]}", "command", line.data,
		    "output", "calls");
		if (s->records == NULL)
			s->records = json_pack("{s:s,s:[],s:[]}", "command",
			    "", "output", "calls");
	}
	sup_onecmd(s, line.data);
	sup_flush_json(s);
	dbuf_free(&line);
	return s->exitstatus;
}

/* --- main ----------------------------------------------------------------- */

/* The usage line: on stdout with status 0 when asked for (-h, --help), on
 * stderr with status 2 after a bad option. */
static void
usage(int asked)
{
	fprintf(asked ? stdout : stderr, "usage: sthenoctl [-c config] "
	    "[-s url] [-u user] [-p password] [-r historyfile] [-i]\n"
	    "                 [-S secretfile] [-A endpoint] [-j] [-m] "
	    "[--json] [--cafile file] [-v]\n"
	    "                 [command [args...]]\n%s", asked ?
	    "supervisorctl's commands (status, start, stop, restart, signal, "
	    "tail,\nmaintail, fg, clear, pid, update, reread, add, remove, "
	    "avail, reload,\nshutdown, version, help) go to [supervisorctl] "
	    "serverurl; with no command,\nits interactive shell starts.  The "
	    "monitor's commands (ping, plugin.list,\nplugin.load, "
	    "plugin.unload, plugin.reload, rpc, ...) go to [plugin:monitor];\n"
	    "with -m (or -S, -A, -j) status, help, quit and stdin mode are "
	    "the\nmonitor's too.  --json prints any answer as JSON.\n" : "");
	exit(asked ? 0 : 2);
}

static const struct option long_opts[] = {
	{ "configuration", required_argument, NULL, 'c' },
	{ "serverurl", required_argument, NULL, 's' },
	{ "username", required_argument, NULL, 'u' },
	{ "password", required_argument, NULL, 'p' },
	{ "history-file", required_argument, NULL, 'r' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "monitor", no_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'J' },
	{ "cafile", required_argument, NULL, 'C' },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
options(struct ctl *c, struct sup *s, int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "+c:s:u:p:r:iS:A:jmvh", long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			c->conf = xstrdup(optarg);
			break;
		case 's':
			c->opt_s = xstrdup(optarg);
			break;
		case 'u':
			s->username = xstrdup(optarg);
			break;
		case 'p':
			s->password = xstrdup(optarg);
			break;
		case 'r':
			s->history_file = xstrdup(optarg);
			break;
		case 'i':
			break;		/* the shell runs without a command */
		case 'S':
			c->secret = xstrdup(optarg);
			c->want_monitor = 1;
			break;
		case 'A':
			c->endpoint = xstrdup(optarg);
			c->want_monitor = 1;
			break;
		case 'j':
			c->json = 1;
			c->want_monitor = 1;
			break;
		case 'C':
			s->cafile = xstrdup(optarg);
			break;
		case 'J':
			c->json = 1;
			s->json = 1;
			break;
		case 'm':
			c->want_monitor = 1;
			break;
		case 'v':
			printf("sthenoctl %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(1);
			break;
		default:
			usage(0);
		}
	}
}

int
main(int argc, char **argv)
{
	struct ctl c;
	struct sup s;
	char w[64];
	int rc;

	memset(&c, 0, sizeof c);
	memset(&s, 0, sizeof s);
	c.fd = -1;
	s.fd = -1;
	signal(SIGPIPE, SIG_IGN);	/* a closed peer is a write error */
	options(&c, &s, argc, argv);
	argc -= optind;
	argv += optind;
	if (c.opt_s != NULL) {
		/* a scheme says supervisorctl's URL; a bare path or
		 * host:port is the monitor's, as it always was */
		int web = strncmp(c.opt_s, "http://", 7) == 0 ||
		    strncmp(c.opt_s, "https://", 8) == 0;

		if (!web && strncmp(c.opt_s, "unix://", 7) != 0)
			c.want_monitor = 1;
		/* the monitor is no HTTP server */
		if (!web)
			c.server = xstrdup(c.opt_s);
		if (strncmp(c.opt_s, "unix://", 7) == 0 || web)
			s.serverurl = strncmp(c.opt_s, "unix://", 7) == 0 ?
			    unix_url(c.opt_s) : xstrdup(c.opt_s);
	}
	if (c.conf == NULL && c.opt_s == NULL)
		c.conf = config_find();
	if (c.conf != NULL)
		config_read(&c, &s);
	if (argc > 0 ? for_monitor(&c, first_word(argv[0], w, sizeof w)) :
	    monitor_mode(&c)) {
		monitor_open(&c);
		rc = argc > 0 ? run_argv(&c, argc, argv) : run_stdin(&c);
		monitor_close(&c);
	} else {
		sup_setup(&c, &s);
		if (argc > 0) {
			rc = sup_argv(&s, argc, argv);
			if (c.conf == NULL && c.opt_s == NULL && (s.err_errno ==
			    ECONNREFUSED || s.err_errno == ENOENT))
				fprintf(stderr, "sthenoctl: no config file "
				    "found, so %s was tried: give -c with "
				    "sthenod's config (its [supervisorctl] "
				    "serverurl= names the server), or -s\n",
				    s.serverurl);
		} else {
			sup_shell(&s, shell_other, &c);
			rc = 0;
		}
	}
	sup_free(&s);
	free(c.conf);
	free(c.server);
	free(c.opt_s);
	free(c.secret);
	free(c.endpoint);
	free(c.http_hint);
	return rc;
}
