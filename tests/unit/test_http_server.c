/*
 * test_http_server.c — plugins/http on the real loader and host API: the
 * plugin is loaded from the build tree (STHENO_PLUGIN_PATH), the daemon's
 * loop runs on the test's main thread, and a client thread talks to it over
 * 127.0.0.1 with blocking sockets, checking the bytes on the wire.
 *
 * Ownership: each test (its own process under Criterion) owns the event
 * base, the config document and the loaded plugin for its lifetime.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <stheno/http.h>

#include "ini.h"
#include "loader.h"
#include "service.h"
#include "sthenod.h"
#include "xmalloc.h"

#include "harness.h"

static int port_plain, port_auth, port_capped;
static const struct sth_http_api *api;
static atomic_int client_done, stream_seen, cancelled;
static struct sth_http_req *held;
static struct sth_http_handler *stream_h;

static void
setup(void)
{
	char *conf, *err = NULL;

	port_plain = test_free_port();
	port_auth = test_free_port();
	port_capped = test_free_port();
	xasprintf(&conf,
	    "[supervisord]\n"
	    "[plugin:http]\nping = true\nmax_body = 1KB\n"
	    "header_timeout = 1\n"
	    "[inet_http_server]\nport = 127.0.0.1:%d\n"
	    "[inet_http_server:auth]\nport = 127.0.0.1:%d\n"
	    "username = user\n"
	    "password = {SHA}40bd001563085fc35165329ea1ff5c5ecbdbbeef\n"
	    "[http_server:capped]\nlisten = 127.0.0.1:%d\n"
	    "max_connections = 2\n",
	    port_plain, port_auth, port_capped);
	sth.base = event_base_new();
	sth.ini = ini_load_string("test.conf", conf, &err);
	cr_assert_not_null(sth.ini, "ini: %s", err);
	free(conf);
	cr_assert_eq(plugins_init(NULL), 0);
	cr_assert_eq(plugin_load("http", &err), 0, "load: %s", err);
	api = service_acquire(NULL, STH_HTTP_SERVICE, STH_HTTP_API_VERSION,
	    NULL);
	cr_assert_not_null(api);
}

TestSuite(http_server, .init = setup, .timeout = 20);

/* ----------------------------------------------------------- the client */

static int
dial(int port)
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

static void
send_str(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));

	(void)n;
}

/* Read until the peer closes or `until` appears; returns malloc'd data. */
static char *
recv_until(int fd, const char *until)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	ssize_t n;

	buf[0] = '\0';
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (until != NULL && strstr(buf, until) != NULL)
			break;
	}
	return buf;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
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

	/* a ticking event keeps the loop waking while the client works */
	event_add(ev, &tick);
	atomic_store(&client_done, 0);
	pthread_create(&t, NULL, client, NULL);
	while (!atomic_load(&client_done))
		event_base_loop(sth.base, EVLOOP_ONCE);
	pthread_join(t, NULL);
	event_free(ev);
}

/* --------------------------------------------------------------- tests */

static char *keepalive_out;

static void *
keepalive_client(void *arg)
{
	int fd = dial(port_plain);
	char *a, *b;

	send_str(fd, "GET /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n");
	a = recv_until(fd, "pong\n");
	send_str(fd, "HEAD /stheno/ping HTTP/1.1\r\nHost: x\r\n\r\n");
	b = recv_until(fd, "\r\n\r\n");
	xasprintf(&keepalive_out, "%s|%s", a, b);
	free(a);
	free(b);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, keepalive_and_head)
{
	serve(keepalive_client);
	cr_assert(strncmp(keepalive_out, "HTTP/1.1 200 OK\r\n", 17) == 0,
	    "%s", keepalive_out);
	cr_assert(strstr(keepalive_out, "Server: Medusa/1.12\r\n") != NULL);
	cr_assert(strstr(keepalive_out, "Date: ") != NULL);
	cr_assert(strstr(keepalive_out, "Content-Length: 5\r\n") != NULL);
	cr_assert(strstr(keepalive_out, "Connection: close") == NULL);
	/* the HEAD answer came on the same connection, without a body */
	cr_assert_eq(count(keepalive_out, "HTTP/1.1 200 OK"), 2);
	cr_assert_eq(count(keepalive_out, "pong"), 1);
}

static char *pipe_out;

static void *
pipeline_client(void *arg)
{
	int fd = dial(port_plain);

	send_str(fd, "GET /stheno/ping HTTP/1.1\r\n\r\n"
	    "GET /nothing-here HTTP/1.1\r\n\r\n"
	    "POST /stheno/ping HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
	    "GET /stheno/ping HTTP/1.1\r\nConnection: close\r\n\r\n");
	pipe_out = recv_until(fd, NULL);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, pipelined_responses_in_order)
{
	const char *a, *b, *c, *d;

	serve(pipeline_client);
	a = strstr(pipe_out, "HTTP/1.1 200 OK");
	b = strstr(pipe_out, "HTTP/1.1 404 Not Found");
	c = strstr(pipe_out, "HTTP/1.1 405 Method Not Allowed");
	d = a != NULL ? strstr(a + 1, "HTTP/1.1 200 OK") : NULL;
	cr_assert(a && b && c && d, "%s", pipe_out);
	cr_assert(a < b && b < c && c < d, "out of order: %s", pipe_out);
	cr_assert(strstr(c, "Allow: GET, HEAD\r\n") != NULL);
	cr_assert(strstr(d, "Connection: close\r\n") != NULL);
}

static char *auth_out[3];

static void *
auth_client(void *arg)
{
	static const char *reqs[] = {
		"GET /stheno/ping HTTP/1.1\r\n\r\n",
		"GET /stheno/ping HTTP/1.1\r\n"
		"Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n",
		"GET /stheno/ping HTTP/1.1\r\n"
		"Authorization: Basic dXNlcjoxMjM=\r\nConnection: close\r\n\r\n",
	};
	int i, fd;

	for (i = 0; i < 3; i++) {
		fd = dial(port_auth);
		send_str(fd, reqs[i]);
		auth_out[i] = recv_until(fd, NULL);
		close(fd);
	}
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, basic_auth_401_exactly_like_supervisord)
{
	const char *want_tail = "\r\nConnection: close\r\n"
	    "WWW-Authenticate: Basic realm=\"default\"\r\n"
	    "Content-Length: 137\r\nContent-Type: text/html\r\n\r\n"
	    "<head>\r\n";
	int i;

	serve(auth_client);
	for (i = 0; i < 2; i++) {
		cr_assert(strncmp(auth_out[i], "HTTP/1.1 401 Unauthorized\r\n"
		    "Server: Medusa/1.12\r\nDate: ", 53) == 0, "%s",
		    auth_out[i]);
		cr_assert(strstr(auth_out[i], want_tail) != NULL, "%s",
		    auth_out[i]);
	}
	cr_assert(strncmp(auth_out[2], "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
	    auth_out[2]);
	cr_assert(strstr(auth_out[2], "pong\n") != NULL);
}

static char *big_out;

static void *
big_client(void *arg)
{
	int fd = dial(port_plain);

	send_str(fd, "POST /stheno/ping HTTP/1.1\r\nContent-Length: 5000\r\n"
	    "\r\n");
	big_out = recv_until(fd, NULL);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, body_over_max_body_is_413)
{
	serve(big_client);
	cr_assert(strncmp(big_out, "HTTP/1.1 413 ", 13) == 0, "%s", big_out);
	cr_assert(strstr(big_out, "Connection: close\r\n") != NULL);
}

static double slow_secs;
static int slow_closed;

static void *
slowloris_client(void *arg)
{
	int fd = dial(port_plain), i;
	struct timeval a, b;
	char c;

	gettimeofday(&a, NULL);
	send_str(fd, "GET /stheno/ping HTTP/1.1\r\n");
	/* one header byte every 200 ms: never idle, never done */
	for (i = 0; i < 25; i++) {
		if (send(fd, "X", 1, MSG_NOSIGNAL) != 1) {
			/* the deadline (1 s) falls on a send: the close came
			 * just after the last recv, and this send met it */
			slow_closed = errno == EPIPE || errno == ECONNRESET;
			break;
		}
		usleep(200000);
		if (recv(fd, &c, 1, MSG_DONTWAIT) == 0) {
			slow_closed = 1;
			break;
		}
	}
	gettimeofday(&b, NULL);
	slow_secs = (b.tv_sec - a.tv_sec) + (b.tv_usec - a.tv_usec) / 1e6;
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, slowloris_is_dropped_at_the_header_deadline)
{
	serve(slowloris_client);
	cr_assert(slow_closed, "still open after %.1f s", slow_secs);
	cr_assert(slow_secs < 2.5, "dropped after %.1f s", slow_secs);
}

static int cap_third_closed, cap_first_served;

static void *
cap_client(void *arg)
{
	int a = dial(port_capped), b = dial(port_capped), c;
	char ch, *out;

	usleep(100000);
	c = dial(port_capped);
	cap_third_closed = c >= 0 && read(c, &ch, 1) == 0;
	send_str(a, "GET /stheno/ping HTTP/1.0\r\n\r\n");
	out = recv_until(a, NULL);
	cap_first_served = strstr(out, "pong") != NULL;
	free(out);
	close(a);
	close(b);
	close(c);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, connections_over_the_cap_are_closed_at_once)
{
	serve(cap_client);
	cr_assert(cap_third_closed);
	cr_assert(cap_first_served);
}

/* A streaming handler removed mid-stream ends its response cleanly. */
static void
stream_cancel(struct sth_http_req *req, void *arg)
{
	atomic_fetch_add(&cancelled, 1);
	held = NULL;
}

static void
stream_handle(struct sth_http_req *req, void *arg)
{
	api->set_header(req, "Content-Type", "text/plain");
	api->stream_start(req, 200, NULL);
	api->stream_write(req, "first\n", 6);
	api->req_on_cancel(req, stream_cancel, NULL);
	held = req;
}

static char *stream_out;

static void *
stream_client(void *arg)
{
	int fd = dial(port_plain);

	send_str(fd, "GET /stream HTTP/1.1\r\n\r\n");
	stream_out = recv_until(fd, "first\n\r\n");
	atomic_store(&stream_seen, 1);
	/* the rest: the last chunk, then a second request still works */
	free(stream_out);
	stream_out = recv_until(fd, "0\r\n\r\n");
	send_str(fd, "GET /stheno/ping HTTP/1.1\r\nConnection: close\r\n\r\n");
	free(stream_out);
	stream_out = recv_until(fd, NULL);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, removing_a_streaming_handler_ends_the_stream)
{
	pthread_t t;
	struct timeval tick = { 0, 10000 };
	struct event *ev = event_new(sth.base, -1, EV_PERSIST, tick_cb, NULL);
	char *err = NULL;

	stream_h = api->handler_add(NULL, NULL,
	    "/stream", NULL, stream_handle, NULL, 0, &err);
	cr_assert_not_null(stream_h, "%s", err);
	event_add(ev, &tick);
	pthread_create(&t, NULL, stream_client, NULL);
	while (!atomic_load(&client_done)) {
		event_base_loop(sth.base, EVLOOP_ONCE);
		if (atomic_load(&stream_seen) && stream_h != NULL) {
			cr_assert_not_null(held);
			api->handler_remove(stream_h);
			stream_h = NULL;
			cr_assert_null(held);
		}
	}
	pthread_join(t, NULL);
	event_free(ev);
	cr_assert_eq(atomic_load(&cancelled), 1);
	cr_assert(strstr(stream_out, "pong\n") != NULL, "%s", stream_out);
}

/* A deferred request whose client leaves hears of it. */
static void
deferred_handle(struct sth_http_req *req, void *arg)
{
	api->req_on_cancel(req, stream_cancel, NULL);
	held = req;
}

static void *
leaving_client(void *arg)
{
	int fd = dial(port_plain);

	send_str(fd, "GET /later HTTP/1.1\r\n\r\n");
	usleep(200000);
	close(fd);
	usleep(200000);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(http_server, deferred_request_is_cancelled_when_client_leaves)
{
	char *err = NULL;

	cr_assert_not_null(api->handler_add(NULL,
	    "inet_http_server", "/later", NULL, deferred_handle, NULL,
	    STH_HTTP_CONTROL, &err));
	serve(leaving_client);
	cr_assert_eq(atomic_load(&cancelled), 1);
	cr_assert_null(held);
	api->handler_remove_all(NULL);
}

Test(http_server, control_handlers_refuse_public_servers)
{
	char *err = NULL;

	cr_assert_null(api->handler_add(NULL,
	    "capped", "/RPC2", NULL, deferred_handle, NULL, STH_HTTP_CONTROL,
	    &err));
	cr_assert_not_null(err);
	free(err);
}
