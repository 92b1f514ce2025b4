/*
 * ext.h — what the status and metrics extensions share (util.c, compiled
 * into both .so files): a growable text buffer, the daemon's start time,
 * and "gather", which runs a list of RPC methods through host->rpc_call on
 * behalf of one HTTP request, waiting for deferred answers.
 *
 * Ownership: a struct dbuf owns its bytes until dbuf_free.  A gather
 * owns itself and the results it collects; it frees both after calling its
 * done function, or when its request is cancelled (it then drops the
 * pending call and never calls done).
 */
#ifndef STHENO_PLUGIN_EXT_H
#define STHENO_PLUGIN_EXT_H

#include <stddef.h>
#include <string.h>
#include <time.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

#include "../html.h"

/* s with &, <, >, " and ' as HTML entities. */
static inline void
ext_buf_html(struct dbuf *b, const char *s)
{
	html_escape(b, s, strlen(s));
}

/* When this process started (from /proc/self/stat; now if unknown). */
time_t ext_daemon_started(void);
/* "2 days, 3:04:05": Medusa's uptime, as supervisorctl prints it. */
void ext_format_uptime(long long secs, char *, size_t);
/* "1.5 MB" (Medusa's english_bytes, powers of 1024). */
void ext_format_bytes(unsigned long long, char *, size_t);

/*
 * done: every method answered.  results is an array, one element per
 * method in order: the result, or null where the method faulted; borrowed
 * for the call.  done must answer req.
 */
typedef void (*ext_gather_fn)(struct sth_http_req *req, json_t *results,
    void *arg);
/* Call each of methods (NULL-terminated, no parameters) in turn; the
 * strings must outlive the gather (use static ones). */
void ext_gather(const struct sth_host *, struct sth_plugin *,
    const struct sth_http_api *, struct sth_http_req *,
    const char *const *methods, ext_gather_fn done, void *arg);

#endif /* STHENO_PLUGIN_EXT_H */
