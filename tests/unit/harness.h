/*
 * harness.h — helpers the unit tests share: a free loopback port, the
 * daemon's loop run until a condition holds, a file read whole, and RPC
 * calls through the registry waited for on that loop.
 *
 * Ownership: nothing is kept between calls.  Strings returned are the
 * caller's (free them); a test_answer's result is the caller's until
 * test_answer_text() or json_decref() takes it.
 */
#ifndef TESTS_UNIT_HARNESS_H
#define TESTS_UNIT_HARNESS_H

#include <stddef.h>

#include <jansson.h>

struct proc;

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int test_free_port(void);

/* Run sth.base until cond() holds or secs pass; returns cond(). */
int test_run_until(int (*cond)(void), double secs);

/* The whole file, NUL-terminated (*len, if not NULL, is its length), or
 * NULL if it cannot be opened. */
char *test_slurp(const char *path, size_t *len);

/* The process group:name of the table, failing the test if missing. */
struct proc *test_proc(const char *group, const char *name);

/* The answer to one RPC call. */
struct test_answer {
	int done;
	int fault;		/* 0, or the fault code */
	char fstr[512];		/* the fault string */
	json_t *result;		/* the caller's */
};

/* Call method with params (a JSON text) through the RPC registry and run
 * the loop until it is answered (the test fails after 15 seconds). */
void test_call(const char *method, const char *params,
	       struct test_answer *a);
/* The same with params as JSON (borrowed). */
void test_call_json(const char *method, json_t *params,
		    struct test_answer *a);
/* A successful answer as compact JSON text with sorted keys (the caller
 * frees it); the result is released. */
char *test_answer_text(struct test_answer *a);
/* test_call, then the answer must be want (test_answer_text's form). */
void test_expect(const char *method, const char *params, const char *want);
/* test_call, then the answer must be fault code (and fstr, if not NULL). */
void test_expect_fault(const char *method, const char *params, int code,
		       const char *fstr);

#endif
