/*
 * harness.c — see harness.h.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "proc.h"
#include "rpc.h"
#include "sthenod.h"
#include "xmalloc.h"

#include "harness.h"

int
test_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(sth.base);
}

int
test_run_until(int (*cond)(void), double secs)
{
	struct event *t = evtimer_new(sth.base, tick, NULL);
	struct timeval tv = { 0, 20000 };
	int i;

	for (i = 0; i < secs * 50 && !cond(); i++) {
		evtimer_add(t, &tv);
		event_base_loop(sth.base, EVLOOP_ONCE);
	}
	event_free(t);
	return cond();
}

char *
test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc(n + 1);
	cr_assert_eq(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = n;
	return buf;
}

struct proc *
test_proc(const char *group, const char *name)
{
	struct proc *p = proctable_find(group, name);

	cr_assert_not_null(p, "no process %s:%s", group, name);
	return p;
}

static void
on_answer(json_t *result, int code, const char *fs, void *arg)
{
	struct test_answer *a = arg;

	a->done = 1;
	a->fault = code;
	if (fs != NULL)
		snprintf(a->fstr, sizeof a->fstr, "%s", fs);
	if (result != NULL)
		a->result = json_incref(result);
}

static struct test_answer *pending;

static int
answered(void)
{
	return pending->done;
}

void
test_call_json(const char *method, json_t *params, struct test_answer *a)
{
	memset(a, 0, sizeof *a);
	rpc_call(NULL, method, params, on_answer, a);
	pending = a;
	cr_assert(test_run_until(answered, 15), "%s answered", method);
}

void
test_call(const char *method, const char *params, struct test_answer *a)
{
	json_t *pa = json_loads(params, 0, NULL);

	cr_assert_not_null(pa, "%s", params);
	test_call_json(method, pa, a);
	json_decref(pa);
}

char *
test_answer_text(struct test_answer *a)
{
	char *s;

	cr_assert_eq(a->fault, 0, "fault %d %s", a->fault, a->fstr);
	s = json_dumps(a->result, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	json_decref(a->result);
	a->result = NULL;
	return s;
}

void
test_expect(const char *method, const char *params, const char *want)
{
	struct test_answer a;
	char *got;

	test_call(method, params, &a);
	got = test_answer_text(&a);
	cr_assert_str_eq(got, want, "%s%s: %s", method, params, got);
	free(got);
}

void
test_expect_fault(const char *method, const char *params, int code,
		  const char *fstr)
{
	struct test_answer a;

	test_call(method, params, &a);
	cr_assert_eq(a.fault, code, "%s%s: %d %s", method, params, a.fault,
	    a.fstr);
	if (fstr != NULL)
		cr_assert_str_eq(a.fstr, fstr);
	if (a.result != NULL)
		json_decref(a.result);
}
