/* xmlrpc_fake.c — the fake registry of xmlrpc_fake.h. */
#include <string.h>

#include <criterion/criterion.h>

#include "xmlrpc_fake.h"

struct sth_rpc_call *fake_pending[FAKE_MAX];
int fake_npending;
int fake_ncalls;
int fake_ncancels;
static int fake_nmade;

static struct sth_rpc_call *
fake_call(void *ctx, const char *method, json_t *params,
    sth_rpc_done_fn done, void *arg)
{
	struct sth_rpc_call *c;
	json_t *p0, *p1;

	cr_assert(json_is_array(params), "params must be an array");
	fake_ncalls++;
	if (strcmp(method, "t.echo") == 0) {
		done(params, 0, NULL, arg);
		return NULL;
	}
	if (strcmp(method, "t.null") == 0) {
		done(json_null(), 0, NULL, arg);
		return NULL;
	}
	if (strcmp(method, "t.big") == 0) {	/* 1,000,000 bytes of "x" */
		static char text[1000001];
		json_t *big;

		memset(text, 'x', sizeof text - 1);
		big = json_string(text);
		done(big, 0, NULL, arg);
		json_decref(big);
		return NULL;
	}
	if (strcmp(method, "t.fault") == 0) {
		p0 = json_array_get(params, 0);
		p1 = json_array_get(params, 1);
		done(NULL, (int)json_integer_value(p0), json_string_value(p1),
		    arg);
		return NULL;
	}
	if (strcmp(method, "t.args") == 0) {
		if (json_array_size(params) != 1)
			done(NULL, STH_FAULT_INCORRECT_PARAMETERS,
			    "INCORRECT_PARAMETERS", arg);
		else
			done(json_array_get(params, 0), 0, NULL, arg);
		return NULL;
	}
	if (strcmp(method, "t.defer") == 0) {
		cr_assert_lt(fake_nmade, FAKE_MAX);
		c = calloc(1, sizeof *c);
		c->done = done;
		c->arg = arg;
		c->params = json_incref(params);
		c->live = 1;
		fake_pending[fake_nmade++] = c;
		fake_npending++;
		return c;
	}
	done(NULL, STH_FAULT_UNKNOWN_METHOD, "UNKNOWN_METHOD", arg);
	return NULL;
}

static void
fake_cancel(void *ctx, struct sth_rpc_call *c)
{
	cr_assert(c->live, "cancel of a call that is not pending");
	fake_ncancels++;
	c->live = 0;
	fake_npending--;
}

struct xr_dispatch fake_dispatch = { fake_call, fake_cancel, NULL };

void
fake_reset(void)
{
	int i;

	for (i = 0; i < fake_nmade; i++) {
		json_decref(fake_pending[i]->params);
		free(fake_pending[i]);
		fake_pending[i] = NULL;
	}
	fake_nmade = fake_npending = fake_ncalls = fake_ncancels = 0;
}

void
fake_answer(int i)
{
	struct sth_rpc_call *c;

	cr_assert_lt(i, fake_nmade);
	c = fake_pending[i];
	cr_assert(c->live, "answer to a call that is not pending");
	c->live = 0;
	fake_npending--;
	c->done(c->params, 0, NULL, c->arg);
}

void
fake_check_clean(void)
{
	cr_assert_eq(fake_npending, 0, "%d calls still pending",
	    fake_npending);
}
