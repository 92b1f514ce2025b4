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
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "files.h"

/* Medusa tries these in turn for a directory (§A.4); never a listing. */
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

/* Send fd (a regular file, st its stat) as the answer to req. */
static void
send_file(struct files_root *r, struct sth_http_req *req, const char *name,
    int fd, const struct stat *st)
{
	const struct sth_http_api *http = F.http;
	const char *range, *ifr;
	char etag[64], lm[40], cr[96];
	off_t off = 0, len = st->st_size;
	ssize_t n;
	size_t got;
	int status = 200;

	files_etag(st, etag, sizeof etag);
	files_format_date(st->st_mtim.tv_sec, lm, sizeof lm);
	http->set_header(req, "Last-Modified", lm);
	http->set_header(req, "ETag", etag);
	if (files_not_modified(http->req_header(req, "If-None-Match"),
	    http->req_header(req, "If-Modified-Since"), etag,
	    st->st_mtim.tv_sec, st->st_size, time(NULL))) {
		close(fd);
		r->r_not_modified++;
		http->respond(req, 304, NULL, NULL, 0);
		return;
	}
	http->set_header(req, "Accept-Ranges", "bytes");
	range = http->req_header(req, "Range");
	ifr = http->req_header(req, "If-Range");
	if (range != NULL && (ifr == NULL ||
	    files_if_range_ok(ifr, etag, st->st_mtim.tv_sec))) {
		switch (files_parse_range(range, st->st_size, &off, &len)) {
		case FILES_RANGE_NONE:
			break;
		case FILES_RANGE_OK:
			status = 206;
			snprintf(cr, sizeof cr, "bytes %jd-%jd/%jd",
			    (intmax_t)off, (intmax_t)(off + len - 1),
			    (intmax_t)st->st_size);
			http->set_header(req, "Content-Range", cr);
			break;
		case FILES_RANGE_UNSAT:
			close(fd);
			snprintf(cr, sizeof cr, "bytes */%jd",
			    (intmax_t)st->st_size);
			http->set_header(req, "Content-Range", cr);
			http->respond_error(req, 416);
			return;
		}
	}
	http->set_header(req, "Content-Type", files_mime_type(name));
	r->r_files++;
	if (len > FILES_SMALL_MAX || strcmp(http->req_method(req), "HEAD") ==
	    0) {
		http->respond_file(req, status, fd, off, len);
		return;
	}
	/* Small: one write of head and body.  A file that shrank since
	 * fstat is sent as it now is, with a matching length. */
	for (got = 0; got < (size_t)len; got += (size_t)n) {
		n = pread(fd, small_buf + got, (size_t)len - got,
		    off + (off_t)got);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
	}
	close(fd);
	if (got < (size_t)len && status == 200 && n == -1) {
		F.host->log(F.self, STH_LOG_ERRO, "files: read %s%s: %s",
		    r->r_root, name, strerror(errno));
		http->respond_error(req, 500);
		return;
	}
	http->respond(req, status, NULL, small_buf, got);
}

/* A directory with its slash: the first index file that opens. */
static void
send_index(struct files_root *r, struct sth_http_req *req, const char *dir)
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
			send_file(r, req, path, fd, &st);
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
	char dec[FILES_PATH_MAX], path[FILES_PATH_MAX];
	struct stat st;
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
			send_index(r, req, path);
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
	send_file(r, req, path, fd, &st);
}
