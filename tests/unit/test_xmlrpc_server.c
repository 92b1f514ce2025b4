/*
 * test_xmlrpc_server.c — xmlrpc.so on the real loader, behind the real
 * http.so, onto the real RPC registry: a client thread speaks HTTP to
 * 127.0.0.1 and checks the bytes supervisorctl and curl would get, that a
 * deferred answer does not hold up another client, that a client leaving
 * cancels its call in the registry, and that unloading the plugin takes
 * /RPC2 away while the registry stays.
 *
 * Ownership: each test (its own process under Criterion) owns the event
 * base, the config document and the loaded plugins for its lifetime.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ini.h"
#include "loader.h"
#include "rpc.h"
#include "sthenod.h"
#include "test_hooks.h"
#include "xmalloc.h"

#include "harness.h"

static int port;
static atomic_int client_done, cancelled;
static struct sth_rpc_call *held;
static struct event *answer_ev;

/* t.pid answers 8502 at once (docs/supervisord.md §A.3's success). */
static void
m_pid(struct sth_rpc_call *call, json_t *params, void *arg)
{
	rpc_return(call, json_integer(8502));
}

static void
answer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sth_rpc_call *call = arg;

	rpc_return(call, json_true());
}

/* t.later answers true 300 ms from now. */
static void
m_later(struct sth_rpc_call *call, json_t *params, void *arg)
{
	struct timeval tv = { 0, 300000 };

	answer_ev = evtimer_new(sth.base, answer_cb, call);
	evtimer_add(answer_ev, &tv);
}

static void
on_cancel(struct sth_rpc_call *call, void *arg)
{
	held = NULL;
	atomic_fetch_add(&cancelled, 1);
}

/* t.forever never answers; it is told when its caller goes away. */
static void
m_forever(struct sth_rpc_call *call, json_t *params, void *arg)
{
	held = call;
	rpc_on_cancel(call, on_cancel, NULL);
}

static void
setup(void)
{
	char *conf, *err = NULL;

	port = test_free_port();
	xasprintf(&conf, "[supervisord]\n"
	    "[inet_http_server]\nport = 127.0.0.1:%d\n"
	    "[plugin:xmlrpc]\nmax_body = 64KB\n", port);
	sth.base = event_base_new();
	sth.ini = ini_load_string("test.conf", conf, &err);
	cr_assert_not_null(sth.ini, "ini: %s", err);
	free(conf);
	rpc_system_register();
	cr_assert_eq(rpc_register(NULL, "t.pid", m_pid, NULL, "pid", NULL), 0);
	cr_assert_eq(rpc_register(NULL, "t.later", m_later, NULL, NULL, NULL),
	    0);
	cr_assert_eq(rpc_register(NULL, "t.forever", m_forever, NULL, NULL,
	    NULL), 0);
	cr_assert_eq(plugins_init(NULL), 0);
	cr_assert_eq(plugin_load("http", &err), 0, "load http: %s", err);
	cr_assert_eq(plugin_load("xmlrpc", &err), 0, "load xmlrpc: %s", err);
}

TestSuite(xmlrpc_server, .init = setup, .timeout = 20);

/* ----------------------------------------------------------- the client */

static int
dial(void)
{
	struct sockaddr_in sin;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* POST body to path on fd (Content-Length unless cl is 0). */
static void
post(int fd, const char *path, const char *body, int cl)
{
	char *req;
	ssize_t n;

	if (cl)
		xasprintf(&req, "POST %s HTTP/1.1\r\nHost: x\r\n"
		    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
		    path, strncmp(path, "/jsonrpc", 8) == 0 ?
		    "application/json" : "text/xml", strlen(body), body);
	else
		xasprintf(&req, "POST %s HTTP/1.1\r\nHost: x\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
		    path, strlen(body), body);
	n = write(fd, req, strlen(req));
	(void)n;
	free(req);
}

/* Read one response (head + Content-Length bytes); malloc'd. */
static char *
response(int fd)
{
	size_t len = 0, cap = 1 << 16, need = 0;
	char *buf = malloc(cap + 1), *p;
	ssize_t n;

	buf[0] = '\0';
	while (len < cap) {
		if ((p = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(buf, "Content-Length: ");

			need = (size_t)(p + 4 - buf) +
			    (cl != NULL && cl < p ? strtoul(cl + 16, NULL, 10) :
			    0);
			if (len >= need)
				break;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return buf;
}

static const char *
body_of(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run the loop until the client thread is done. */
static void
serve(void *(*client)(void *))
{
	pthread_t t;
	struct timeval tick = { 0, 10000 };
	struct event *ev = event_new(sth.base, -1, EV_PERSIST, tick_cb, NULL);

	event_add(ev, &tick);
	atomic_store(&client_done, 0);
	pthread_create(&t, NULL, client, NULL);
	while (!atomic_load(&client_done))
		event_base_loop(sth.base, EVLOOP_ONCE);
	pthread_join(t, NULL);
	event_free(ev);
}

#define XCALL(m) "<?xml version='1.0'?>\n<methodCall>\n<methodName>" m \
	"</methodName>\n<params>\n</params>\n</methodCall>\n"

/* --------------------------------------------------------------- tests */

static char *out[4];

static void *
keepalive_client(void *arg)
{
	int fd = dial();

	post(fd, "/RPC2", XCALL("t.pid"), 1);
	out[0] = response(fd);
	post(fd, "/RPC2", XCALL("supervisor.nope"), 1);
	out[1] = response(fd);
	post(fd, "/RPC2", XCALL("system.listMethods"), 1);
	out[2] = response(fd);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(xmlrpc_server, supervisord_bytes_on_one_connection)
{
	serve(keepalive_client);
	cr_assert(strncmp(out[0], "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
	    out[0]);
	cr_assert(strstr(out[0], "\r\nContent-Type: text/xml\r\n") != NULL,
	    "%s", out[0]);
	cr_assert(strstr(out[0], "\r\nContent-Length: 124\r\n") != NULL,
	    "%s", out[0]);
	cr_assert_str_eq(body_of(out[0]), "<?xml version='1.0'?>\n"
	    "<methodResponse>\n<params>\n<param>\n"
	    "<value><int>8502</int></value>\n"
	    "</param>\n</params>\n</methodResponse>\n");
	/* supervisord's unknown-method fault, 269 bytes. */
	cr_assert(strstr(out[1], "\r\nContent-Length: 269\r\n") != NULL,
	    "%s", out[1]);
	cr_assert(strstr(body_of(out[1]), "<value><int>1</int></value>") !=
	    NULL);
	cr_assert(strstr(body_of(out[1]),
	    "<value><string>UNKNOWN_METHOD</string></value>") != NULL);
	cr_assert(strstr(body_of(out[2]),
	    "<value><string>t.pid</string></value>\n") != NULL, "%s", out[2]);
	cr_assert(strstr(body_of(out[2]),
	    "<value><string>system.multicall</string></value>\n") != NULL);
}

static void *
errors_client(void *arg)
{
	int fd;
	ssize_t n;

	fd = dial();
	n = write(fd, "GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n", 31);
	(void)n;
	out[0] = response(fd);
	close(fd);
	fd = dial();
	post(fd, "/RPC2", XCALL("t.pid"), 0);
	out[1] = response(fd);
	close(fd);
	fd = dial();
	post(fd, "/RPC2", "<x", 1);
	out[2] = response(fd);
	close(fd);
	fd = dial();
	post(fd, "/RPC2", "<?xml version='1.0'?><!DOCTYPE m [<!ENTITY e "
	    "SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>&e;"
	    "</methodName></methodCall>", 1);
	out[3] = response(fd);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(xmlrpc_server, http_errors_like_supervisord)
{
	serve(errors_client);
	cr_assert(strncmp(out[0], "HTTP/1.1 400 ", 13) == 0, "%s", out[0]);
	cr_assert(strncmp(out[1], "HTTP/1.1 411 ", 13) == 0, "%s", out[1]);
	cr_assert(strncmp(out[2], "HTTP/1.1 400 ", 13) == 0, "%s", out[2]);
	cr_assert(strncmp(out[3], "HTTP/1.1 400 ", 13) == 0, "%s", out[3]);
	cr_assert(strstr(out[3], "root:") == NULL);
}

static void *
deferred_client(void *arg)
{
	int a = dial(), b = dial();

	post(a, "/RPC2", XCALL("t.later"), 1);
	usleep(50000);
	post(b, "/RPC2", XCALL("t.pid"), 1);
	out[1] = response(b);
	/* B was answered; A's answer comes later on its own connection. */
	out[0] = response(a);
	close(a);
	close(b);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(xmlrpc_server, deferred_answer_does_not_hold_others)
{
	serve(deferred_client);
	cr_assert(strstr(body_of(out[1]), "<int>8502</int>") != NULL, "%s",
	    out[1]);
	cr_assert(strstr(body_of(out[0]), "<boolean>1</boolean>") != NULL,
	    "%s", out[0]);
	event_free(answer_ev);
}

static void *
leaving_client(void *arg)
{
	int fd = dial();

	post(fd, "/RPC2", XCALL("t.forever"), 1);
	usleep(200000);
	close(fd);
	usleep(300000);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(xmlrpc_server, client_leaving_cancels_the_call)
{
	serve(leaving_client);
	cr_assert_eq(atomic_load(&cancelled), 1);
	cr_assert_null(held);
	cr_assert_eq(rpc_live_calls(), 0);
}

static void *
json_client(void *arg)
{
	int fd = dial();

	post(fd, "/jsonrpc", "[{\"jsonrpc\":\"2.0\",\"method\":\"t.pid\","
	    "\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"t.later\",\"id\":2},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"x.y\",\"id\":3}]", 1);
	out[0] = response(fd);
	post(fd, "/jsonrpc", "{\"jsonrpc\":\"2.0\",\"method\":\"t.pid\"}", 1);
	out[1] = response(fd);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(xmlrpc_server, jsonrpc_batch_with_a_deferred_call)
{
	serve(json_client);
	cr_assert(strstr(out[0], "\r\nContent-Type: application/json\r\n") !=
	    NULL, "%s", out[0]);
	cr_assert_str_eq(body_of(out[0]),
	    "[{\"jsonrpc\":\"2.0\",\"result\":8502,\"id\":1},"
	    "{\"jsonrpc\":\"2.0\",\"result\":true,\"id\":2},"
	    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":{\"faultCode\":1,"
	    "\"faultString\":\"UNKNOWN_METHOD\"}},\"id\":3}]");
	cr_assert(strncmp(out[1], "HTTP/1.1 204 ", 13) == 0, "%s", out[1]);
	event_free(answer_ev);
}

static void *
after_unload_client(void *arg)
{
	int fd = dial();

	post(fd, "/RPC2", XCALL("t.pid"), 1);
	out[0] = response(fd);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(xmlrpc_server, unload_takes_rpc2_away)
{
	char *err = NULL;
	int i;

	cr_assert_eq(plugin_unload("xmlrpc", &err), 0, "unload: %s", err);
	for (i = 0; i < 10; i++)
		event_base_loop(sth.base, EVLOOP_NONBLOCK);
	serve(after_unload_client);
	cr_assert(strncmp(out[0], "HTTP/1.1 404 ", 13) == 0, "%s", out[0]);
	/* The registry is the core's: the method is still there. */
	cr_assert_eq(rpc_method_info("t.pid", NULL, NULL), 0);
	cr_assert_eq(plugin_load("xmlrpc", &err), 0, "reload: %s", err);
	serve(after_unload_client);
	cr_assert(strstr(body_of(out[0]), "<int>8502</int>") != NULL, "%s",
	    out[0]);
}
