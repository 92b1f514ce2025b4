/*
 * envfile.c — environment files (envfile.h).
 *
 * The format is the common ground of systemd's EnvironmentFile= and
 * docker's/dotenv's .env files:
 *
 *   # a comment line (also ';'); blank lines are skipped
 *   KEY=value with spaces      the rest of the line, trimmed; no inline
 *                              comments: '#' here is part of the value
 *   export KEY=value           "export " is allowed and ignored
 *   KEY = value                spaces around '=' are allowed
 *   KEY="a \"b\"\n"            double quotes: \\ \" \$ \` \n \t \r
 *   KEY='literal $x \n'        single quotes: nothing is special
 *
 * Nothing is expanded ($X, %(X)s stay as written).  A line that is none of
 * these is an error naming the line, never skipped: a typo must not start
 * a program without a variable it needs.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfgval.h"
#include "envfile.h"
#include "xmalloc.h"

static int
is_key_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_key_char(int c)
{
	return is_key_start(c) || (c >= '0' && c <= '9');
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* A double-quoted value from p (after the quote) to the closing quote,
 * unescaped into out; returns the byte after the closing quote, or NULL
 * if the line ends first. */
static const char *
dquoted(const char *p, const char *end, char *out, size_t *outlen)
{
	static const char from[] = "\\\"$`ntr", to[] = "\\\"$`\n\t\r";
	const char *e;
	size_t n = 0;

	for (; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end &&
		    (e = memchr(from, p[1], sizeof from - 1)) != NULL) {
			out[n++] = to[e - from];
			p++;
		} else
			out[n++] = *p;
	}
	*outlen = n;
	return p < end ? p + 1 : NULL;
}

/* One line (no '\n'): 0 (set or skipped) or -1 with *why. */
static int
parse_line(const char *p, const char *end, json_t *obj, const char **why)
{
	const char *k, *q;
	char *key, *val;
	size_t klen, vlen;

	if (end > p && end[-1] == '\r')
		end--;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#' || *p == ';')
		return 0;
	if (end - p > 7 && strncmp(p, "export", 6) == 0 && is_blank(p[6]))
		for (p += 6; p < end && is_blank(*p); p++)
			;
	if (p == end || !is_key_start(*p)) {
		*why = "expected KEY=VALUE";
		return -1;
	}
	for (k = p; p < end && is_key_char(*p); p++)
		;
	klen = (size_t)(p - k);
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '=') {
		*why = "expected KEY=VALUE";
		return -1;
	}
	for (p++; p < end && is_blank(*p); p++)
		;
	val = xmalloc((size_t)(end - p) + 1);
	if (p < end && (*p == '"' || *p == '\'')) {
		if (*p == '"')
			q = dquoted(p + 1, end, val, &vlen);
		else if ((q = memchr(p + 1, '\'', (size_t)(end - p - 1))) !=
		    NULL) {
			vlen = (size_t)(q - p - 1);
			memcpy(val, p + 1, vlen);
			q++;
		}
		if (q == NULL) {
			free(val);
			*why = "unterminated quote";
			return -1;
		}
		while (q < end && is_blank(*q))
			q++;
		if (q < end && *q != '#') {
			free(val);
			*why = "text after the closing quote";
			return -1;
		}
	} else {
		while (end > p && is_blank(end[-1]))
			end--;
		vlen = (size_t)(end - p);
		memcpy(val, p, vlen);
	}
	val[vlen] = '\0';
	key = xstrndup(k, klen);
	json_object_set_new(obj, key, json_stringn_nocheck(val, vlen));
	free(key);
	free(val);
	return 0;
}

int
envfile_parse(const char *text, size_t len, json_t *obj, char **err)
{
	const char *p = text, *end = text + len, *nl, *why = NULL;
	int line;

	if (memchr(text, '\0', len) != NULL) {
		xasprintf(err, "contains a NUL byte");
		return -1;
	}
	for (line = 1; p < end; line++, p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (parse_line(p, nl, obj, &why) == -1) {
			xasprintf(err, "line %d: %s", line, why);
			return -1;
		}
	}
	return 0;
}

/* The whole of path, at most ENVFILE_MAX bytes, into *text: 0; -1 if it
 * cannot be opened (errno says why); -2 with *err for anything else. */
static int
read_file(const char *path, char **text, size_t *len, char **err)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	const char *bad = NULL;
	char big[48];
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		bad = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		bad = "not a regular file";
	else if (st.st_size > ENVFILE_MAX) {
		snprintf(big, sizeof big, "larger than %d bytes", ENVFILE_MAX);
		bad = big;
	}
	if (bad != NULL) {
		xasprintf(err, "%s: %s", path, bad);
		close(fd);
		return -2;
	}
	*text = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, *text + got, (size_t)st.st_size - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(err, "%s: %s", path, strerror(errno));
			free(*text);
			close(fd);
			return -2;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

/* One file of the list into out: 0, or -1 with *err. */
static int
load_one(const char *path, int optional, json_t *out, char **err)
{
	char *text, *why = NULL;
	size_t len;
	int rc;

	switch (read_file(path, &text, &len, err)) {
	case -1:
		if (optional && errno == ENOENT)
			return 0;
		xasprintf(err, "%s: %s", path, strerror(errno));
		return -1;
	case -2:
		return -1;
	}
	if ((rc = envfile_parse(text, len, out, &why)) == -1) {
		xasprintf(err, "%s, %s", path, why);
		free(why);
	}
	free(text);
	return rc;
}

int
envfile_load(const char *list, json_t **out, char **err)
{
	const char *cur = list, *item;
	char *path;
	size_t len;
	int optional, rc = 0;

	*out = json_object();
	while (rc == 0 && cfg_list_next(&cur, &item, &len)) {
		optional = *item == '-';
		path = optional ? xstrndup(item + 1, len - 1) :
		    xstrndup(item, len);
		rc = load_one(path, optional, *out, err);
		free(path);
	}
	if (rc == -1) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
