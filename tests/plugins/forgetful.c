/*
 * forgetful.c — an HTTP extension that never removes its handler: its fini
 * does nothing.  test_plugin_reload.py unloads it while one of its requests
 * is pending and checks that the host had http drop the handler before the
 * .so was unmapped (host ABI 1.2 bindings), instead of leaving http calling
 * into unmapped code.
 *
 * GET /forgetful answers 200 "forgotten\n"; GET /forgetful/hold is never
 * answered (a pending request).
 */
#include <string.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

static void
fg_handle(struct sth_http_req *req, void *arg)
{
	const struct sth_http_api *http = arg;

	if (strcmp(http->req_path(req), "/forgetful/hold") == 0)
		return;			/* deferred, never answered */
	http->respond(req, 200, NULL, "forgotten\n", 10);
}

static int
fg_init(struct sth_plugin *self, const struct sth_host *host)
{
	const struct sth_http_api *http;
	char *err = NULL;

	http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (http == NULL)
		return host->fail(self, "no http service");
	if (http->handler_add(self, NULL, "/forgetful", NULL, fg_handle,
	    (void *)http, 0, &err) == NULL)
		return host->fail(self, "handler_add: %s", err);
	return 0;
}

static void
fg_fini(struct sth_plugin *self)
{
	(void)self;		/* forgets its handler on purpose */
}

static const char *const fg_requires[] = { "http", NULL };

STHENO_PLUGIN("forgetful", "1", "leaves its HTTP handler behind",
    fg_requires, fg_init, NULL, fg_fini);
