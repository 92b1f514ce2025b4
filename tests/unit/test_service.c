/*
 * test_service.c — the service registry (daemon/service.c): names,
 * versions, used-by edges and what the loader asks before an unload.
 */
#include "config.h"

#include <criterion/criterion.h>

#include "service.h"
#include "test_hooks.h"

static int plugin_http, plugin_webui, plugin_metrics;
#define HTTP ((struct sth_plugin *)&plugin_http)
#define WEBUI ((struct sth_plugin *)&plugin_webui)
#define METRICS ((struct sth_plugin *)&plugin_metrics)

static const struct { int x; } http_iface = { 42 }, other_iface = { 7 };

Test(service, register_lookup_and_versions)
{
	unsigned v = 0;

	cr_assert_eq(service_register(HTTP, "http", 2, &http_iface), 0);
	cr_assert_eq(service_register(WEBUI, "http", 3, &other_iface), -1,
	    "a duplicate name is refused");
	cr_assert_eq(service_register(WEBUI, "", 1, &other_iface), -1);
	cr_assert_eq(service_register(WEBUI, NULL, 1, &other_iface), -1);

	cr_assert_eq(service_acquire(WEBUI, "http", 1, &v), &http_iface);
	cr_assert_eq(v, 2);
	cr_assert_eq(service_acquire(WEBUI, "http", 2, NULL), &http_iface);
	cr_assert_null(service_acquire(WEBUI, "http", 3, &v), "too old");
	cr_assert_null(service_acquire(WEBUI, "nope", 0, &v));
	cr_assert_eq(service_count(HTTP), 1);
	cr_assert_eq(service_count(WEBUI), 0);
}

Test(service, users_block_the_provider_until_released)
{
	struct sth_plugin *user = NULL;
	const char *name = NULL;

	service_register(HTTP, "http", 1, &http_iface);
	service_register(HTTP, "http.auth", 1, &other_iface);
	cr_assert_eq(service_users(HTTP, &user, &name), 0);

	service_acquire(WEBUI, "http", 1, NULL);
	service_acquire(WEBUI, "http", 1, NULL);	/* twice */
	service_acquire(METRICS, "http.auth", 1, NULL);
	service_acquire(METRICS, "http", 1, NULL);
	cr_assert_eq(service_users(HTTP, &user, &name), 2);
	cr_assert_eq(user, WEBUI, "the earliest user is named");
	cr_assert_str_eq(name, "http");

	service_release(WEBUI, "http");
	cr_assert_eq(service_users(HTTP, NULL, NULL), 2,
	    "acquired twice, released once");
	service_release(WEBUI, "http");
	cr_assert_eq(service_users(HTTP, &user, &name), 1);
	cr_assert_eq(user, METRICS);
	cr_assert_str_eq(name, "http.auth");
	service_release(WEBUI, "http");		/* one too many: no-op */
	service_release(METRICS, "nope");

	/* The user unloads: its edges go. */
	cr_assert_eq(service_drop_owner(METRICS), 0);
	cr_assert_eq(service_users(HTTP, NULL, NULL), 0);
}

/* An unloading provider's services are hidden from new users and its
 * names free for a new load, until the loader drops its records. */
Test(service, retired_provider_is_hidden_and_its_names_free)
{
	service_register(HTTP, "http", 1, &http_iface);
	service_retire_owner(HTTP);
	cr_assert_null(service_acquire(WEBUI, "http", 1, NULL),
	    "a draining provider's interface is about to be unmapped");
	cr_assert_eq(service_count(HTTP), 1, "kept until dropped");

	cr_assert_eq(service_register(METRICS, "http", 2, &other_iface), 0);
	cr_assert_eq(service_acquire(WEBUI, "http", 1, NULL), &other_iface);
	service_unregister(HTTP, "http");	/* the old one's record only */
	cr_assert_eq(service_count(HTTP), 0);
	cr_assert_eq(service_count(METRICS), 1);
	cr_assert_eq(service_acquire(WEBUI, "http", 1, NULL), &other_iface);
	cr_assert_eq(service_users(METRICS, NULL, NULL), 1);
	service_release(WEBUI, "http");
	service_release(WEBUI, "http");
	cr_assert_eq(service_users(METRICS, NULL, NULL), 0);
	cr_assert_eq(service_drop_owner(METRICS), 1);
}

Test(service, own_service_is_no_edge)
{
	service_register(HTTP, "http", 1, &http_iface);
	cr_assert_eq(service_acquire(HTTP, "http", 1, NULL), &http_iface);
	cr_assert_eq(service_users(HTTP, NULL, NULL), 0);
}

Test(service, provider_unload_and_unregister)
{
	service_register(HTTP, "http", 1, &http_iface);
	service_register(HTTP, "http.auth", 1, &other_iface);
	service_register(WEBUI, "webui", 1, &other_iface);
	service_acquire(WEBUI, "http", 1, NULL);
	service_acquire(HTTP, "webui", 1, NULL);

	service_unregister(WEBUI, "http");	/* not WEBUI's: ignored */
	cr_assert_not_null(service_acquire(METRICS, "http", 1, NULL));
	service_release(METRICS, "http");

	cr_assert_eq(service_drop_owner(HTTP), 2);
	cr_assert_null(service_acquire(METRICS, "http", 1, NULL));
	cr_assert_eq(service_users(WEBUI, NULL, NULL), 0,
	    "HTTP's use of webui went with it");
	cr_assert_eq(service_count(HTTP), 0);
	/* The name is free again, e.g. for a reloaded http. */
	cr_assert_eq(service_register(METRICS, "http", 4, &http_iface), 0);

	service_unregister(METRICS, "http");
	cr_assert_null(service_acquire(WEBUI, "http", 1, NULL));
	cr_assert_eq(service_count(WEBUI), 1);
}
