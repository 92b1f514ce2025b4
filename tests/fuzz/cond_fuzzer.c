/*
 * cond_fuzzer.c — fuzz target for the files extension's request
 * conditions (plugins/http/files/cond.c): Range, If-Range, If-None-Match,
 * If-Modified-Since (with Netscape's "; length=N") and the request
 * target's path.
 *
 * Input: a file size (the first 8 bytes, little-endian, reduced below
 * 2^62), then NUL-separated fields: Range, If-Range, If-None-Match,
 * If-Modified-Since, a request target.  The target aborts if:
 *  - a Range is accepted (206) outside the file: offset below 0 or at or
 *    past the size, a length below 1, offset + length past the size;
 *  - an empty file gets a 206;
 *  - a date that parses does not format and parse back to itself;
 *  - an ETag does not match itself, "*", or itself as W/ in
 *    If-None-Match, or If-Range takes a weak tag, or refuses its own;
 *  - a target path accepted is not absolute, or is accepted again
 *    differently once percent-encoded (files_encode_path's round trip),
 *    when the encoded form fits in FILES_PATH_MAX.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "vfs.h"
#include "fuzz.h"

#define NFIELDS 5

/* data split at NUL bytes into at most n strings (NULL where absent);
 * returns the buffer to free. */
static char *
split(const uint8_t *data, size_t size, char **f, size_t n)
{
	char *buf = malloc(size + 1), *p, *end;
	size_t i;

	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	for (i = 0, p = buf; i < n; i++) {
		f[i] = p <= end ? p : NULL;
		if (p <= end)
			p += strlen(p) + 1;
	}
	return buf;
}

static void
check_range(const char *h, off_t size)
{
	off_t off = -7, len = -7;

	switch (files_parse_range(h, size, &off, &len)) {
	case FILES_RANGE_OK:
		if (size == 0 || off < 0 || off >= size || len < 1 ||
		    len > size - off)
			abort();
		break;
	case FILES_RANGE_NONE:
	case FILES_RANGE_UNSAT:
		break;
	default:
		abort();
	}
}

static void
check_date(const char *s)
{
	char buf[64];
	time_t t = files_parse_date(s);

	if (t == -1)
		return;
	if (t < 0)
		abort();
	files_format_date(t, buf, sizeof buf);
	if (files_parse_date(buf) != t)
		abort();
}

static void
check_etags(const char *inm, const char *ifr, const char *ims, off_t size)
{
	struct stat st;
	char etag[64], weak[80];
	time_t mtime = (time_t)(size % 4102444800LL);

	memset(&st, 0, sizeof st);
	st.st_ino = (ino_t)size;
	st.st_size = size;
	st.st_mtim.tv_sec = mtime;
	files_etag(&st, etag, sizeof etag);
	snprintf(weak, sizeof weak, "W/%s", etag);
	if (!files_etag_match(etag, etag) || !files_etag_match("*", etag) ||
	    !files_etag_match(weak, etag) || !files_if_range_ok(etag, etag,
	    mtime) || files_if_range_ok(weak, etag, mtime))
		abort();
	if (inm != NULL)
		(void)files_etag_match(inm, etag);
	if (ifr != NULL)
		(void)files_if_range_ok(ifr, etag, mtime);
	(void)files_not_modified(inm, ims, etag, mtime, size, mtime + 10);
	(void)files_not_modified(NULL, ims, etag, mtime, size, mtime + 10);
}

static void
check_target(const char *target)
{
	char out[FILES_PATH_MAX], enc[3 * FILES_PATH_MAX + 1],
	    again[FILES_PATH_MAX];
	int slash, slash2;

	if (files_target_path(target, vfs_url_decode, out, sizeof out,
	    &slash) != 0)
		return;
	if (out[0] != '/')
		abort();
	/* the encoded path must fit where a target is read (414 else) */
	if (files_encode_path(out, enc, sizeof enc) == -1 ||
	    strlen(enc) >= FILES_PATH_MAX)
		return;
	if (files_target_path(enc, vfs_url_decode, again, sizeof again,
	    &slash2) != 0 || strcmp(out, again) != 0 || slash != slash2)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NFIELDS], *buf;
	uint64_t raw = 0;
	off_t fsize;
	size_t i;

	for (i = 0; i < 8 && i < size; i++)
		raw |= (uint64_t)data[i] << (8 * i);
	fsize = (off_t)(raw >> 2);
	/* small sizes too, where the edge cases are */
	if (raw & 1)
		fsize %= 4096;
	buf = split(data + i, size - i, f, NFIELDS);
	if (f[0] != NULL)
		check_range(f[0], fsize);
	if (f[1] != NULL)
		check_date(f[1]);
	if (f[3] != NULL)
		check_date(f[3]);
	check_etags(f[2], f[1], f[3], fsize);
	if (f[4] != NULL)
		check_target(f[4]);
	free(buf);
	return 0;
}
