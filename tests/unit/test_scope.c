/*
 * test_scope.c — per-plugin resource records (daemon/scope.c): counts,
 * destructors at release, the change hook the loader's drain waits on.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "scope.h"

static int freed[8];
static int changes;

static void
dtor(void *obj)
{
	freed[(int)(long)obj]++;
}

static void
changed(void *arg)
{
	changes++;
}

Test(scope, counts_and_releases_by_kind)
{
	struct scope *s = scope_new(changed, NULL);
	struct scope_res *a, *b;

	a = scope_add(s, SCOPE_TIMER, (void *)1L, dtor);
	b = scope_add(s, SCOPE_TIMER, (void *)2L, dtor);
	scope_add(s, SCOPE_CONN, (void *)3L, dtor);
	cr_assert_eq(scope_count(s, SCOPE_TIMER), 2);
	cr_assert_eq(scope_count(s, SCOPE_CONN), 1);
	cr_assert_eq(scope_total(s), 3);

	/* freed by its owner: forgotten, no destructor, hook runs */
	scope_del(a);
	cr_assert_eq(freed[1], 0);
	cr_assert_eq(changes, 1);
	cr_assert_eq(scope_res_obj(b), (void *)2L);

	cr_assert_eq(scope_release(s, SCOPE_TIMER), 1);
	cr_assert_eq(freed[2], 1);
	cr_assert_eq(scope_release(s, SCOPE_TIMER), 0);
	cr_assert_eq(scope_release(s, SCOPE_CONN), 1);
	cr_assert_eq(freed[3], 1);
	cr_assert_eq(scope_total(s), 0);
	scope_free(s);
}

static struct scope *other;

static void
dtor_adds(void *obj)
{
	freed[4]++;
	scope_add(other, SCOPE_TIMER, (void *)5L, dtor);
}

Test(scope, a_destructor_may_add_records_elsewhere)
{
	struct scope *s = scope_new(NULL, NULL);

	other = scope_new(NULL, NULL);
	scope_add(s, SCOPE_LISTENER, (void *)4L, dtor_adds);
	cr_assert_eq(scope_count(s, SCOPE_LISTENER), 1);
	cr_assert_eq(scope_release(s, SCOPE_LISTENER), 1);
	cr_assert_eq(freed[4], 1);
	cr_assert_eq(scope_count(other, SCOPE_TIMER), 1);
	scope_release(other, SCOPE_TIMER);
	scope_free(other);
	scope_free(s);
	cr_assert_str_eq(scope_kind_name(SCOPE_CONN), "conns");
}

Test(scope, freeing_a_scope_that_holds_records_aborts, .signal = SIGABRT)
{
	struct scope *s = scope_new(NULL, NULL);

	scope_add(s, SCOPE_TIMER, NULL, NULL);
	scope_free(s);
}
