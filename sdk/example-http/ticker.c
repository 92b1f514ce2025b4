/*
 * ticker.c — an example HTTP extension: GET PREFIX streams a line every
 * interval, on one named server, while the extension and the http plugin
 * are loaded, unloaded and reloaded under it.
 *
 * Ownership: http (the provider) owns the servers, connections, requests
 * and handler records; a request is lent to us from ticker_handle until we
 * end it (stream_end) or until our cancel function returns.  We own our
 * per-request state (struct stream) and its timer, made through the host
 * and freed by whichever comes first of: the last line, the cancel
 * function, our drain.  The handler is removed in ticker_fini.
 *
 *   [http_server:pub]
 *   listen = 127.0.0.1:8080
 *
 *   [plugin:ticker]
 *   path = /path/to/ticker.so   ; optional: else found on the plugin path
 *   server = pub                ; the server to serve on (default: pub)
 *   prefix = /ticker/           ; the path prefix (default: /ticker/)
 *   interval_ms = 200           ; between lines (default: 200)
 *   count = 10                  ; lines per response (default: 10)
 *   greeting = hello            ; the first line (default: ticker)
 *
 *   $ curl -N http://127.0.0.1:8080/ticker/
 *   hello
 *   tick 1/10
 *   ...
 *
 * Build: make (see Makefile and README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ticker uses no host member newer than ABI 1.0, and says so: it loads on
 * every 1.x sthenod (docs/plugin-guide.md, "The ABI policy"). */
#define STHENO_PLUGIN_ABI_MINOR 0
#include <stheno/stheno.h>
#include <stheno/http.h>

/* Pause a stream while more than this is queued for a slow client. */
#define TICKER_PENDING_MAX (64 * 1024)

static const struct sth_host *host;	/* valid until fini returns */
static const struct sth_http_api *http;	/* valid while we hold "http" */
static struct sth_plugin *me;

/* One response being streamed: lives from ticker_handle until the last
 * line, the cancel function or drain, whichever comes first. */
struct stream {
	struct stream *prev, *next;
	struct sth_http_req *req;	/* lent by http until we end it */
	struct sth_timer *timer;
	long sent;
};

static struct {
	char *greeting;		/* ours: a copy of the config's */
	long interval_ms;
	long count;
	int draining;
	struct stream *streams;	/* every live stream */
	struct sth_http_handler *handler;
} ticker;

static void
stream_free(struct stream *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		ticker.streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	host->timer_free(s->timer);
	free(s);
}

/* Write one line; end the response after the last.  Returns -1 if the
 * stream was ended (and s freed). */
static int
stream_line(struct stream *s, const char *line, int last)
{
	if (http->stream_write(s->req, line, strlen(line)) == -1) {
		/* no longer streaming: http ends it and calls ticker_cancel,
		 * which frees s */
		host->timer_stop(s->timer);
		return 0;
	}
	if (!last)
		return 0;
	http->stream_end(s->req);	/* the request is dead after this */
	stream_free(s);
	return -1;
}

static void
ticker_tick(struct sth_timer *t, void *arg)
{
	struct stream *s = arg;
	char line[64];

	if (http->pending(s->req) > TICKER_PENDING_MAX)
		return;		/* a slow reader: skip a beat */
	s->sent++;
	snprintf(line, sizeof line, "tick %ld/%ld\n", s->sent, ticker.count);
	stream_line(s, line, s->sent >= ticker.count);
}

/* The client went away, or http removed our handler: the request dies
 * when this returns, so forget it and never touch it again. */
static void
ticker_cancel(struct sth_http_req *req, void *arg)
{
	host->log(me, STH_LOG_DEBG, "ticker: a stream was cancelled");
	stream_free(arg);
}

static void
ticker_handle(struct sth_http_req *req, void *arg)
{
	const char *method = http->req_method(req);
	struct stream *s;
	char line[256];

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		http->set_header(req, "Allow", "GET, HEAD");
		http->respond_error(req, 405);
		return;
	}
	if (ticker.draining || (s = calloc(1, sizeof *s)) == NULL) {
		http->respond_error(req, 503);
		return;
	}
	s->req = req;
	s->timer = host->timer_new(me, ticker_tick, s);
	if ((s->next = ticker.streams) != NULL)
		s->next->prev = s;
	ticker.streams = s;
	http->req_on_cancel(req, ticker_cancel, s);
	http->set_header(req, "Content-Type", "text/plain; charset=utf-8");
	http->set_header(req, "Cache-Control", "no-cache");
	http->stream_start(req, 200, NULL);
	snprintf(line, sizeof line, "%s\n", ticker.greeting);
	if (stream_line(s, line, ticker.count == 0) == 0)
		host->timer_start(s->timer, ticker.interval_ms / 1000.0, 1);
}

static int
ticker_init(struct sth_plugin *self, const struct sth_host *h)
{
	struct sth_section *cf;
	const char *server, *prefix, *greeting;
	char *err = NULL;

	host = h;
	me = self;
	memset(&ticker, 0, sizeof ticker);
	cf = host->config(self);	/* NULL without a section: defaults */
	if (host->cfg_int(self, cf, "interval_ms", 200,
	    &ticker.interval_ms) != 0 ||
	    host->cfg_int(self, cf, "count", 10, &ticker.count) != 0)
		return -1;	/* the message names file, line and key */
	if (ticker.interval_ms < 1 || ticker.count < 0)
		return host->fail(self, "interval_ms must be at least 1 and "
		    "count not negative");
	server = cf != NULL ? host->cfg_str(cf, "server", "pub") : "pub";
	prefix = cf != NULL ? host->cfg_str(cf, "prefix", "/ticker/") :
	    "/ticker/";
	greeting = cf != NULL ? host->cfg_str(cf, "greeting", "ticker") :
	    "ticker";
	if (server == NULL || prefix == NULL || greeting == NULL)
		return host->fail(self, "a value of [plugin:ticker] does "
		    "not expand");
	/* The config's strings live as long as the config: a SIGHUP may
	 * replace it while we run, so keep a copy of what we keep. */
	if ((ticker.greeting = strdup(greeting)) == NULL)
		return host->fail(self, "out of memory");

	/* "http" is in our requires list, so it is loaded: acquiring it
	 * also ties us to it (it cannot unload while we hold it). */
	http = host->service_acquire(self, STH_HTTP_SERVICE,
	    STH_HTTP_API_VERSION, NULL);
	if (http == NULL) {
		free(ticker.greeting);
		return host->fail(self, "no http service of version %d",
		    STH_HTTP_API_VERSION);
	}
	ticker.handler = http->handler_add(self, server, prefix, NULL,
	    ticker_handle, NULL, 0, &err);
	if (ticker.handler == NULL) {
		host->fail(self, "cannot serve %s on %s: %s", prefix, server,
		    err);
		free(err);
		free(ticker.greeting);
		return -1;	/* the host releases "http" for us */
	}
	host->log(self, STH_LOG_INFO, "ticker: serving %s on server %s, "
	    "%ld lines every %ld ms", prefix, server, ticker.count,
	    ticker.interval_ms);
	return 0;
}

/* Unload has begun: refuse new requests and end every stream now, with a
 * last line and a clean end (the client sees a complete response). */
static void
ticker_drain(struct sth_plugin *self)
{
	struct stream *s, *next;

	ticker.draining = 1;
	for (s = ticker.streams; s != NULL; s = next) {
		next = s->next;
		stream_line(s, "ticker: unloading, goodbye\n", 1);
	}
}

static void
ticker_fini(struct sth_plugin *self)
{
	/* Streams still live (none after drain) would be cancelled here:
	 * http calls ticker_cancel for each before this returns. */
	http->handler_remove_all(self);
	host->service_release(self, STH_HTTP_SERVICE);
	free(ticker.greeting);
}

static const char *const ticker_requires[] = { "http", NULL };

STHENO_PLUGIN("ticker", "1.0", "an example HTTP extension: a streamed "
    "response", ticker_requires, ticker_init, ticker_drain, ticker_fini);
