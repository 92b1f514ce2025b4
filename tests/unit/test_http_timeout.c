/*
 * test_http_timeout.c — plugins/http/timeout.c: how long a connection may
 * stay silent in each phase, and that a header deadline that has passed
 * still times the client out (a slowloris byte read in the same turn as
 * the deadline's timer must not cancel it).
 *
 * Ownership: each test owns the server, connection and parser it builds
 * on the stack.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "httpd.h"

static struct http_server S;
static struct http_conn C;

static void
setup(void)
{
	memset(&S, 0, sizeof S);
	memset(&C, 0, sizeof C);
	S.s_idle_timeout = 300;
	S.s_header_timeout = 10;
	C.c_srv = &S;
	http_parser_init(&C.c_parser, NULL);
}

static void
teardown(void)
{
	http_parser_free(&C.c_parser);
}

/* Feed the parser part of a request head. */
static void
feed(const char *s)
{
	size_t used;

	cr_assert_eq(http_parser_feed(&C.c_parser, s, strlen(s), &used),
	    HTTP_P_MORE);
}

TestSuite(http_timeout, .init = setup, .fini = teardown);

Test(http_timeout, first_head_has_what_is_left_of_its_deadline)
{
	C.c_deadline = 1000.0;
	cr_assert_float_eq(conn_read_timeout(&C, 990.0), 10.0, 1e-9);
	feed("GET / HT");
	cr_assert_float_eq(conn_read_timeout(&C, 999.5), 0.5, 1e-9);
}

Test(http_timeout, a_deadline_already_passed_still_times_out)
{
	/* The daemon was busy; the deadline passed; a byte arrived in the
	 * same turn of the loop as the timer. */
	C.c_deadline = 1000.0;
	feed("GET / HTTP/1.1\r\nX-Slow: a");
	cr_assert_eq(conn_read_timeout(&C, 1000.003), TIMEOUT_MIN);
	cr_assert_eq(conn_read_timeout(&C, 1500.0), TIMEOUT_MIN);
	/* nothing sent yet: the same */
	teardown();
	setup();
	C.c_deadline = 1000.0;
	cr_assert_eq(conn_read_timeout(&C, 1000.2), TIMEOUT_MIN);
}

Test(http_timeout, keep_alive_waits_idle_timeout_then_head_deadline)
{
	C.c_kept = 1;
	C.c_deadline = 0;	/* an old one: not used between requests */
	cr_assert_float_eq(conn_read_timeout(&C, 50.0), 300.0, 1e-9);
	C.c_draining = 1;
	cr_assert_float_eq(conn_read_timeout(&C, 50.0), DRAIN_IDLE_SECS,
	    1e-9);
	C.c_draining = 0;
	feed("G");
	C.c_deadline = 60.0;
	cr_assert_float_eq(conn_read_timeout(&C, 50.0), 10.0, 1e-9);
	cr_assert_eq(conn_read_timeout(&C, 61.0), TIMEOUT_MIN);
}

Test(http_timeout, a_working_handler_has_none_and_lingering_is_short)
{
	C.c_req = (struct sth_http_req *)&S;	/* any non-NULL */
	cr_assert_eq(conn_read_timeout(&C, 0), -1);
	C.c_req = NULL;
	C.c_linger = 1;
	cr_assert_float_eq(conn_read_timeout(&C, 0), LINGER_SECS, 1e-9);
	S.s_idle_timeout = 1;
	cr_assert_float_eq(conn_read_timeout(&C, 0), 1.0, 1e-9);
}
