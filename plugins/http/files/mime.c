/*
 * mime.c — Content-Type by file extension: one table, searched by binary
 * search (it is kept sorted; tests/unit/test_files_cond.c checks that).
 *
 * Ownership: the table and its strings are static and owned here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"

#define TEXT(t) t "; charset=utf-8"

/* Sorted by extension (lower case, strcmp order). */
static const struct files_mime {
	const char *ext;
	const char *type;
} mime_table[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "bz2", "application/x-bzip2" },
	{ "conf", TEXT("text/plain") },
	{ "css", TEXT("text/css") },
	{ "csv", TEXT("text/csv") },
	{ "deb", "application/vnd.debian.binary-package" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", TEXT("text/html") },
	{ "html", TEXT("text/html") },
	{ "ico", "image/x-icon" },
	{ "ini", TEXT("text/plain") },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", TEXT("text/javascript") },
	{ "json", "application/json" },
	{ "log", TEXT("text/plain") },
	{ "md", TEXT("text/markdown") },
	{ "mjs", TEXT("text/javascript") },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "ogg", "audio/ogg" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "rss", "application/rss+xml" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "ttf", "font/ttf" },
	{ "txt", TEXT("text/plain") },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xhtml", "application/xhtml+xml" },
	{ "xml", "application/xml" },
	{ "xz", "application/x-xz" },
	{ "yaml", TEXT("text/yaml") },
	{ "yml", TEXT("text/yaml") },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

#define MIME_DEFAULT "application/octet-stream"

static int
mime_cmp(const void *key, const void *elem)
{
	const struct files_mime *m = elem;

	return strcasecmp(key, m->ext);
}

const char *
files_mime_type(const char *name)
{
	const struct files_mime *m;
	const char *dot, *slash;

	dot = strrchr(name, '.');
	slash = strrchr(name, '/');
	if (dot == NULL || (slash != NULL && dot < slash) || dot[1] == '\0')
		return MIME_DEFAULT;
	m = bsearch(dot + 1, mime_table, sizeof mime_table /
	    sizeof mime_table[0], sizeof mime_table[0], mime_cmp);
	return m != NULL ? m->type : MIME_DEFAULT;
}

int
files_mime_table_sorted(void)
{
	size_t i;

	for (i = 1; i < sizeof mime_table / sizeof mime_table[0]; i++)
		if (strcasecmp(mime_table[i - 1].ext, mime_table[i].ext) >= 0)
			return 0;
	return 1;
}
