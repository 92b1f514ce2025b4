/*
 * timeout.c — how long a connection may stay silent, by phase, as nginx's
 * client_header_timeout and keepalive_timeout.
 *
 * Ownership: pure functions of a connection's fields and the time; they
 * keep nothing.
 */
#include "config.h"

#include <time.h>

#include "httpd.h"

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Before the first request's head is complete, what is left until the
 * deadline set at accept (a client that sends nothing holds its slot
 * header_timeout, not idle_timeout); between keep-alive requests, the
 * idle timeout; inside a later head, what is left until the deadline set
 * at its first byte (a slowloris client that sends a byte now and then
 * still hits it); while a handler works, none (-1).  Draining, a
 * connection between requests waits only a moment for one that may be on
 * its way.
 *
 * A deadline that has already passed gives TIMEOUT_MIN, never a negative
 * number: the loop may read a byte in the same turn as the deadline's
 * timer falls due (a busy daemon), and that byte must not turn the
 * deadline into "no timeout".
 */
double
conn_read_timeout(const struct http_conn *c, double now)
{
	const struct http_server *s = c->c_srv;
	int started = http_parser_started(&c->c_parser);
	double secs = s->s_idle_timeout;

	if (c->c_linger)
		return secs < LINGER_SECS ? secs : LINGER_SECS;
	if (c->c_req != NULL)
		return -1;
	if (!c->c_parser.head_reported && (!c->c_kept || started)) {
		secs = c->c_deadline - now;
		if (secs < TIMEOUT_MIN)
			secs = TIMEOUT_MIN;
		if (started)
			return secs;
	}
	if (c->c_draining && secs > DRAIN_IDLE_SECS)
		return DRAIN_IDLE_SECS;
	return secs;
}
