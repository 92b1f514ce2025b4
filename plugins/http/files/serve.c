/*
 * serve.c — the files handler: GET and HEAD of a file beneath a vfs root,
 * index.html for a directory, 301 for a directory without its slash,
 * validators, conditional GET and one byte range.
 *
 * Ownership: a request is answered before files_handle returns (nothing
 * is deferred), so no state outlives it; every fd opened here is closed
 * here or handed to respond_file, which closes it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "files.h"

/* Medusa tries these in turn for a directory (docs/medusa.md §3); never a
 * listing. */
static const char *const index_names[] = { "index.html", "default.html" };

/* A small file is read here and sent with its head in one write; one
 * buffer serves every request, since respond copies it. */
static char small_buf[FILES_SMALL_MAX];

/* A failed open, as a status that reveals nothing: no such file, or an
 * escape attempt (-EACCES for both escape and permission), alike. */
static int
errno_status(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		return 403;
	case -ENAMETOOLONG:
		return 414;
	default:
		return 404;
	}
}

static void
redirect_slash(struct sth_http_req *req, const char *path)
{
	const struct sth_http_api *http = F.http;
	const char *q = http->req_query(req);
	char enc[FILES_PATH_MAX * 3 + 2], loc[sizeof enc + 1024];
	static const char body[] = "<html><body>Moved</body></html>\n";
	size_t n;

	/* From the normalised, re-encoded path: a raw "//host" in the
	 * request can never become a scheme-relative Location. */
	if (files_encode_path(path, enc, sizeof enc - 1) == -1) {
		http->respond_error(req, 414);
		return;
	}
	if (strcmp(enc, "/") != 0) {
		n = strlen(enc);
		enc[n] = '/';
		enc[n + 1] = '\0';
	}
	if (q != NULL && strlen(q) < 1000)
		snprintf(loc, sizeof loc, "%s?%s", enc, q);
	else
		snprintf(loc, sizeof loc, "%s", enc);
	http->set_header(req, "Location", loc);
	http->set_header(req, "Content-Type", "text/html");
	http->respond(req, 301, NULL, body, sizeof body - 1);
}

/*
 * Answer from a file: its bytes in memory (data, a small file, maybe from
 * the cache) or an open fd (a large one, sent with sendfile; fd -1 with
 * data).  Validators first, then conditionals, then Range.
 */
static void
answer(struct files_root *r, struct sth_http_req *req,
    const struct files_meta *m, int fd, const char *data)
{
	const struct sth_http_api *http = F.http;
	const char *range, *ifr;
	char cr[96];
	off_t off = 0, len = m->size;
	int status = 200;

	http->set_header(req, "Last-Modified", m->last_modified);
	http->set_header(req, "ETag", m->etag);
	if (files_not_modified(http->req_header(req, "If-None-Match"),
	    http->req_header(req, "If-Modified-Since"), m->etag, m->mtime,
	    m->size, time(NULL))) {
		if (fd != -1)
			close(fd);
		r->r_not_modified++;
		http->respond(req, 304, NULL, NULL, 0);
		return;
	}
	http->set_header(req, "Accept-Ranges", "bytes");
	range = http->req_header(req, "Range");
	ifr = http->req_header(req, "If-Range");
	if (range != NULL && (ifr == NULL ||
	    files_if_range_ok(ifr, m->etag, m->mtime))) {
		switch (files_parse_range(range, m->size, &off, &len)) {
		case FILES_RANGE_NONE:
			break;
		case FILES_RANGE_OK:
			status = 206;
			snprintf(cr, sizeof cr, "bytes %jd-%jd/%jd",
			    (intmax_t)off, (intmax_t)(off + len - 1),
			    (intmax_t)m->size);
			http->set_header(req, "Content-Range", cr);
			break;
		case FILES_RANGE_UNSAT:
			if (fd != -1)
				close(fd);
			snprintf(cr, sizeof cr, "bytes */%jd",
			    (intmax_t)m->size);
			http->set_header(req, "Content-Range", cr);
			http->respond_error(req, 416);
			return;
		}
	}
	http->set_header(req, "Content-Type", m->ctype);
	r->r_files++;
	if (data != NULL)
		http->respond(req, status, NULL, data + off, (size_t)len);
	else
		http->respond_file(req, status, fd, off, len);
}

/* Read all of a small file into small_buf: its length, or -1. */
static ssize_t
read_small(int fd, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		n = pread(fd, small_buf + got, size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;	/* it shrank since fstat */
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The slow path for a regular file just opened: name is its virtual path,
 * key the request's cache key. */
static void
serve_fd(struct files_root *r, struct sth_http_req *req, const char *key,
    const char *name, int fd, const struct stat *st)
{
	struct files_meta m;
	ssize_t n;
	time_t now = time(NULL);

	m.size = st->st_size;
	m.mtime = st->st_mtim.tv_sec;
	files_etag(st, m.etag, sizeof m.etag);
	files_format_date(m.mtime, m.last_modified, sizeof m.last_modified);
	m.ctype = files_mime_type(name);
	if (st->st_size > FILES_SMALL_MAX) {
		answer(r, req, &m, fd, NULL);
		return;
	}
	n = read_small(fd, (size_t)st->st_size);
	close(fd);
	if (n == -1) {
		F.host->log(F.self, STH_LOG_ERRO, "files: read %s%s: %s",
		    r->r_root, name, strerror(errno));
		F.http->respond_error(req, 500);
		return;
	}
	m.size = n;
	files_cache_put(&r->r_cache, key, &m, small_buf, (size_t)n, now);
	answer(r, req, &m, -1, small_buf);
}

/* A directory with its slash: the first index file that opens. */
static void
send_index(struct files_root *r, struct sth_http_req *req, const char *key,
    const char *dir)
{
	char path[FILES_PATH_MAX + 32];
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof index_names / sizeof index_names[0]; i++) {
		snprintf(path, sizeof path, "%s%s%s", dir,
		    strcmp(dir, "/") == 0 ? "" : "/", index_names[i]);
		fd = F.host->vfs_open(r->r_vfs, path, O_RDONLY | O_NONBLOCK,
		    0);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			serve_fd(r, req, key, path, fd, &st);
			return;
		}
		close(fd);
	}
	F.http->respond_error(req, 404);
}

void
files_handle(struct sth_http_req *req, void *arg)
{
	struct files_root *r = arg;
	const struct sth_http_api *http = F.http;
	const char *m = http->req_method(req);
	char dec[FILES_PATH_MAX], path[FILES_PATH_MAX], key[FILES_PATH_MAX];
	const struct files_entry *e;
	struct stat st;
	size_t n;
	int fd, rc, slash;

	r->r_hits++;
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
		http->set_header(req, "Allow", "GET, HEAD");
		http->respond_error(req, 405);
		return;
	}
	/* From the raw target, not req_path: that one is decoded already,
	 * and an encoded '/' must be refused, not turned into a slash. */
	rc = files_target_path(http->req_uri(req), F.host->vfs_url_decode,
	    dec, sizeof dec, &slash);
	if (rc == 0 && F.host->vfs_normalize(NULL, dec, path, sizeof path) !=
	    0)
		rc = 414;
	if (rc != 0) {
		http->respond_error(req, rc);
		return;
	}
	/* The cache key keeps the slash: "/d/" is d's index, "/d" a 301. */
	n = strlen(path);
	memcpy(key, path, n + 1);
	if (slash && n > 1 && n + 1 < sizeof key) {
		key[n] = '/';
		key[n + 1] = '\0';
	}
	if ((e = files_cache_get(&r->r_cache, key, time(NULL))) != NULL) {
		answer(r, req, &e->e_meta, -1, e->e_data);
		return;
	}
	fd = F.host->vfs_open(r->r_vfs, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0) {
		http->respond_error(req, errno_status(fd));
		return;
	}
	if (fstat(fd, &st) == -1) {
		F.host->log(F.self, STH_LOG_ERRO, "files: fstat %s%s: %s",
		    r->r_root, path, strerror(errno));
		close(fd);
		http->respond_error(req, 500);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (!slash)
			redirect_slash(req, path);
		else
			send_index(r, req, key, path);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		/* Devices, fifos, sockets: never read. */
		close(fd);
		http->respond_error(req, 403);
		return;
	}
	if (slash) {
		/* "/file.txt/" names a directory that is not there. */
		close(fd);
		http->respond_error(req, 404);
		return;
	}
	serve_fd(r, req, key, path, fd, &st);
}
