/*
 * files.h — the files extension's internal header: Medusa's default handler
 * (docs/medusa.md §3) over a vfs root, one per [http_server:NAME]
 * section that sets root=.
 *
 * Ownership: plugin.c owns the one struct files_ctx (global F) and every
 * struct files_root in it, each holding its vfs root and its handler.
 * cond.c and mime.c own nothing: they are pure functions over strings, so
 * that unit tests link them alone.
 */
#ifndef STHENO_PLUGIN_FILES_H
#define STHENO_PLUGIN_FILES_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <stheno/stheno.h>
#include <stheno/http.h>

/* Files up to this size are read and sent with the head in one write;
 * larger ones go out with sendfile (respond_file). */
#define FILES_SMALL_MAX (64 * 1024)
/* Longest request path we look at (decoded); longer is 414. */
#define FILES_PATH_MAX 4096

/* ----------------------------------------------------------------- cond.c */

/* Parse an HTTP date (IMF-fixdate, RFC 850, asctime); -1 if malformed. */
time_t files_parse_date(const char *);
/* "Sun, 06 Nov 1994 08:49:37 GMT" into buf (at least 30 bytes). */
void files_format_date(time_t, char *, size_t);
/* The strong validator of st: "\"ino-size-mtime\"" into buf (>= 64). */
void files_etag(const struct stat *, char *, size_t);
/* True if the If-None-Match value matches etag (weak comparison, "*"). */
int files_etag_match(const char *inm, const char *etag);
/*
 * Is the response "304 Not Modified"?  inm / ims are the request's
 * If-None-Match and If-Modified-Since values or NULL; If-None-Match wins
 * when both are present (RFC 9110 13.2.2).  ims may carry Netscape's
 * "; length=N", which voids the test when N is not size.
 */
int files_not_modified(const char *inm, const char *ims, const char *etag,
    time_t mtime, off_t size, time_t now);
/* Does If-Range (value ifr) let a Range apply?  Strong ETag or exact date. */
int files_if_range_ok(const char *ifr, const char *etag, time_t mtime);

enum files_range {
	FILES_RANGE_NONE,	/* no usable Range: send it all (200) */
	FILES_RANGE_OK,		/* *off, *len set: 206 */
	FILES_RANGE_UNSAT	/* 416 */
};
/* One "bytes=" range against a file of size bytes.  Several ranges, other
 * units and malformed values are ignored (FILES_RANGE_NONE). */
enum files_range files_parse_range(const char *, off_t size, off_t *off,
    off_t *len);

/*
 * The request target's path (origin or absolute form; query and fragment
 * dropped), percent-decoded once by decode (the host's vfs_url_decode),
 * into out.  *slash says whether it ends in '/'.  0, or the HTTP status to
 * answer: 400 (not a path, %00, encoded '/', a bad escape, ".." above the
 * root) or 414 (too long).
 */
int files_target_path(const char *target,
    int (*decode)(const char *, char *, size_t), char *out, size_t outlen,
    int *slash);
/* Percent-encode a clean virtual path for a Location header; -1 if it
 * does not fit. */
int files_encode_path(const char *, char *, size_t);

/* ----------------------------------------------------------------- mime.c */

/* The Content-Type for a file name, by its extension (a table);
 * application/octet-stream when unknown. */
const char *files_mime_type(const char *name);
/* 1 if the table is sorted as the binary search needs (for the tests). */
int files_mime_table_sorted(void);

/* ---------------------------------------------------------------- cache.c */

/* What a response needs to know about a file besides its bytes. */
struct files_meta {
	off_t size;
	time_t mtime;
	char etag[64];
	char last_modified[40];
	const char *ctype;		/* static, from the mime table */
};

struct files_entry {
	struct files_entry *e_next;	/* hash chain */
	char *e_key;			/* normalised path, + "/" if asked */
	uint32_t e_hash;
	time_t e_read;			/* when the file was read */
	time_t e_expires;		/* trusted until then */
	struct files_meta e_meta;
	char *e_data;
	size_t e_len;
};

struct files_cache {
	struct files_entry **c_slots;	/* NULL: the cache is off */
	size_t c_bytes;			/* data and keys held */
	size_t c_max;
	size_t c_count;
	unsigned c_valid;		/* seconds an entry is trusted */
	unsigned long long c_hits;
	unsigned long long c_misses;
};

/* max 0 turns the cache off. */
void files_cache_init(struct files_cache *, size_t max, unsigned valid);
void files_cache_clear(struct files_cache *);
/* The live entry for key, or NULL (an expired one is dropped). */
const struct files_entry *files_cache_get(struct files_cache *,
    const char *key, time_t now);
/* Keep a copy of data under key; the entry, or NULL if it was not kept. */
const struct files_entry *files_cache_put(struct files_cache *,
    const char *key, const struct files_meta *, const char *data,
    size_t len, time_t now);

/* --------------------------------------------------------------- plugin.c */

struct files_root {
	TAILQ_ENTRY(files_root) r_entry;
	char *r_server;			/* the [http_server:NAME] NAME */
	char *r_root;			/* root= as configured */
	struct sth_vfs *r_vfs;
	struct sth_http_handler *r_handler;
	struct files_cache r_cache;
	unsigned long long r_hits;	/* requests seen */
	unsigned long long r_files;	/* 200 and 206 answers */
	unsigned long long r_not_modified;	/* 304s (Medusa's cache hits) */
};
TAILQ_HEAD(files_roots, files_root);

struct files_ctx {
	struct sth_plugin *self;
	const struct sth_host *host;
	const struct sth_http_api *http;
	struct files_roots roots;
};
extern struct files_ctx F;

/* ----------------------------------------------------------------- serve.c */

/* The handler (handle_fn of every root's registration). */
void files_handle(struct sth_http_req *, void *);

#endif /* STHENO_PLUGIN_FILES_H */
