/*
 * stheno/http.h — the "http" service: add and remove HTTP handlers live.
 *
 * Ownership: the http plugin owns every server, connection, request and
 * handler record.  A request (struct sth_http_req) is lent to the handler
 * from the call to its handle function until the response ends (respond,
 * respond_error, respond_file or stream_end returns) or until its cancel
 * function has returned, whichever comes first; after that the pointer is
 * dead.  Every string, header and body passed in is copied (respond_file's
 * fd is the one thing taken over); every string returned is owned by the
 * request and lives as long as it.  The handler record returned by
 * handler_add lives until handler_remove (or handler_remove_all).
 *
 * A consumer plugin gets the table with
 *
 *	const struct sth_http_api *http = host->service_acquire(self,
 *	    STH_HTTP_SERVICE, STH_HTTP_API_VERSION, NULL);
 *
 * and removes every handler it added before its fini() returns
 * (handler_remove_all(self) does it in one call).  Requests still pending
 * or streaming on a removed handler are ended cleanly: the handler's
 * cancel function runs, a started stream gets its last chunk, an
 * unanswered request gets 503.  A handler left behind is not a crash:
 * each handler is bound to its consumer through the host (host->bind,
 * host ABI 1.2), and the host has http drop it after the consumer's fini,
 * before its .so is unmapped (its requests then end without a call to the
 * cancel function).  A reload of http reloads its consumers with it, so a
 * consumer never holds this table of a version that is gone.
 *
 * Dispatch is Medusa's (docs/medusa.md §2): on every request the
 * handler list is walked in order, the first whose server selector, prefix
 * and match callback all accept the request handles it, and if none does
 * the answer is 404.  A new handler goes to the front of the list (checked
 * first) unless added with STH_HTTP_BACK.  Authentication (Basic, from the
 * server's username/password) is done by the server before dispatch, so a
 * handler only sees authenticated requests.
 *
 * Everything runs on the daemon's loop thread.  Responses on one
 * connection go out in request order (pipelining): a later request is not
 * dispatched until the earlier response has ended.
 *
 * The table only grows: members are appended, each commented with the
 * version that added it (host.h's scheme).  A consumer acquires the
 * service with the oldest version it needs as min_version (by default
 * STH_HTTP_API_VERSION of its headers), uses the members up to it freely,
 * and tests newer ones with STH_HTTP_HAS (`size` is sizeof(struct
 * sth_http_api) in the provider).
 */
#ifndef STHENO_HTTP_H
#define STHENO_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include <stheno/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STH_HTTP_SERVICE "http"
#define STH_HTTP_API_VERSION 1

struct sth_http_req;		/* one request on one connection */
struct sth_http_handler;	/* one handler_add registration */

/* Handler flags (handler_add). */
#define STH_HTTP_CONTROL 0x1	/* only on control servers: RPC, web UI,
				 * log tails; never on a public server */
#define STH_HTTP_BACK 0x2	/* append (checked after the others), for
				 * catch-alls such as a file server */

/* Server flags (req_server_flags, and "control" in servers()). */
#define STH_HTTP_SERVER_CONTROL 0x1	/* [unix_http_server],
					 * [inet_http_server] and their
					 * suffixed variants */

/*
 * match: return non-zero to take the request.  Called with the request
 * borrowed for the duration of the call; it must not answer it.
 */
typedef int (*sth_http_match_fn)(struct sth_http_req *req, void *arg);
/*
 * handle: answer the request exactly once, now or later (a "deferred"
 * answer, Medusa's NOT_DONE_YET): respond, respond_error, respond_file,
 * or stream_start ... stream_end.  Returning without answering defers.
 */
typedef void (*sth_http_handle_fn)(struct sth_http_req *req, void *arg);
/*
 * cancel: the request will never be answered or streamed to any more (the
 * client went away, the handler was removed, or the server is stopping).
 * Runs at most once; the request dies when it returns.
 */
typedef void (*sth_http_cancel_fn)(struct sth_http_req *req, void *arg);

struct sth_http_api {
	uint32_t size;		/* sizeof(struct sth_http_api), provider */
	uint32_t version;	/* STH_HTTP_API_VERSION, provider */

	/* --- handlers (version 1) ---------------------------------------- */
	/*
	 * Add a handler.  server: the server's name ("unix_http_server",
	 * "inet_http_server", "inet_http_server:foo", or NAME of a
	 * [http_server:NAME] section), or NULL for every server (with
	 * STH_HTTP_CONTROL: every control server); a name that does not
	 * exist yet is accepted and applies once the server appears.
	 * prefix: the decoded path must start with it (NULL = any path).
	 * match: optional extra test (NULL = accept).  handle: mandatory.
	 * flags: STH_HTTP_CONTROL | STH_HTTP_BACK.  Returns NULL with *err
	 * set to a malloc'd message (the caller frees it) if handle is NULL
	 * or STH_HTTP_CONTROL names a server that exists and is public.
	 * Applies from the next request on.
	 */
	struct sth_http_handler *(*handler_add)(struct sth_plugin *self,
						const char *server,
						const char *prefix,
						sth_http_match_fn match,
						sth_http_handle_fn handle,
						void *arg, unsigned flags,
						char **err);
	/* Remove one handler; its live requests are ended as described in
	 * the header comment (their cancel functions run before this
	 * returns). */
	void (*handler_remove)(struct sth_http_handler *h);
	/* Remove every handler self added (call it from fini). */
	void (*handler_remove_all)(struct sth_plugin *self);

	/* --- the request (version 1) ------------------------------------- */
	const char *(*req_method)(struct sth_http_req *req);	/* "GET" */
	/* The request target as sent ("/a%20b?x=1"). */
	const char *(*req_uri)(struct sth_http_req *req);
	/* The path part, %-decoded once ("/a b"); never contains NUL (a
	 * %00 is answered 400 before dispatch). */
	const char *(*req_path)(struct sth_http_req *req);
	/* The raw query after '?', not decoded, or NULL if there is none. */
	const char *(*req_query)(struct sth_http_req *req);
	/* 10 for HTTP/1.0, 11 for HTTP/1.1. */
	int (*req_version)(struct sth_http_req *req);
	/* The first header named name (case-insensitive), or NULL.  Folded
	 * lines are joined; repeated headers are separate entries. */
	const char *(*req_header)(struct sth_http_req *req, const char *name);
	/* The i-th header (0-based) in arrival order: 0 with *name and
	 * *value set, or -1 past the end. */
	int (*req_header_at)(struct sth_http_req *req, size_t i,
			     const char **name, const char **value);
	/* The request body (de-chunked), *len set; never NULL (an empty
	 * body is "" with *len 0).  NUL-terminated for convenience. */
	const char *(*req_body)(struct sth_http_req *req, size_t *len);
	/* The peer: "127.0.0.1:53122", "[::1]:53122" or "unix". */
	const char *(*req_peer)(struct sth_http_req *req);
	/* The name of the server the request came in on. */
	const char *(*req_server)(struct sth_http_req *req);
	int (*req_server_flags)(struct sth_http_req *req);
	/* The user that passed Basic auth, or NULL on a server without
	 * auth. */
	const char *(*req_user)(struct sth_http_req *req);
	/* Ask to be told (once) when the request is cancelled; see
	 * sth_http_cancel_fn.  Replaces an earlier call's fn. */
	void (*req_on_cancel)(struct sth_http_req *req, sth_http_cancel_fn fn,
			      void *arg);

	/* --- the response (version 1) ------------------------------------ */
	/*
	 * Add a response header (copied) before respond/stream_start.
	 * Server, Date, Content-Length, Transfer-Encoding and Connection are
	 * the server's: setting Server replaces the default, setting
	 * "Connection: close" closes the connection after this response;
	 * Content-Length and Transfer-Encoding are ignored.
	 */
	void (*set_header)(struct sth_http_req *req, const char *name,
			   const char *value);
	/*
	 * The whole response in one write: status line, headers,
	 * Content-Length: len, then body (copied; NULL if len is 0).  For
	 * HEAD the body is dropped and Content-Length kept.  reason NULL
	 * means the standard phrase.  Ends the request.
	 */
	void (*respond)(struct sth_http_req *req, int status,
			const char *reason, const void *body, size_t len);
	/* Medusa's small HTML error page for status (text/html).  Ends the
	 * request. */
	void (*respond_error)(struct sth_http_req *req, int status);
	/*
	 * Send len bytes of fd from offset (sendfile where the kernel can).
	 * fd is taken over and closed by the server, even on error.  For
	 * HEAD only the headers go out.  Ends the request.
	 */
	void (*respond_file)(struct sth_http_req *req, int status, int fd,
			     off_t offset, off_t len);
	/*
	 * Streaming: stream_start sends the status line and headers with
	 * Transfer-Encoding: chunked (HTTP/1.1) or Connection: close with
	 * no length (HTTP/1.0); stream_write queues one chunk (copied; an
	 * empty write is ignored); stream_end sends the last chunk and ends
	 * the request.  stream_write returns 0, or -1 if the request is no
	 * longer streaming.  For HEAD, writes are dropped.
	 */
	void (*stream_start)(struct sth_http_req *req, int status,
			     const char *reason);
	int (*stream_write)(struct sth_http_req *req, const void *data,
			    size_t len);
	void (*stream_end)(struct sth_http_req *req);
	/* Bytes queued on the connection and not yet sent: a streaming
	 * handler pauses while it is above its own bound. */
	size_t (*pending)(struct sth_http_req *req);

	/* --- servers (version 1) ------------------------------------------ */
	/*
	 * A snapshot, a new reference: [{"name", "address", "control",
	 * "auth", "connections", "total_connections", "requests",
	 * "bytes_in", "bytes_out", "started", "auth_failures",
	 * "penalty_refused"}], for status pages and metrics.
	 */
	json_t *(*servers)(void);
};

/* True if the provider's table has member m. */
#define STH_HTTP_HAS(api, m)                                                   \
	((api)->size >= offsetof(struct sth_http_api, m) + sizeof((api)->m) && \
	 (api)->m != NULL)

#ifdef __cplusplus
}
#endif
#endif /* STHENO_HTTP_H */
