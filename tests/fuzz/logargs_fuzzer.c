/*
 * logargs_fuzzer.c — fuzz target for the offset and length arithmetic of
 * the log-reading RPCs (daemon/proc_rpc_logs.c: read_file for read*Log and
 * readLog, tail_file for tail*Log), compiled into the target so that its
 * static functions are reachable.
 *
 * Input: byte 0 picks one of three log files (0, 6 and 300 bytes) and the
 * method (read or tail); bytes 1-16 are the offset and the length, any
 * 64-bit values (little-endian; a shorter input is padded with zeros).
 * The target aborts if the answer differs from a model of supervisor's
 * readFile()/tailFile() computed on 128-bit integers (Python's integers
 * never wrap) with reads clamped to the file: the fault (BAD_ARGUMENTS,
 * FAILED where lseek refuses the offset), the bytes, the size, the
 * overflow flag.  An abort in the code under test (a huge allocation, a
 * wrapped sum caught by UBSan) is a finding too.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#include "../../daemon/proc_rpc_logs.c"

typedef __int128 big;

static char fdir[] = "/tmp/sth-fuzz-logargs-XXXXXX";
static char fpath[3][64];
static char fdata[3][301];
static const size_t fsize[3] = { 0, 6, 300 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i, k;
	int fd;

	if (mkdtemp(fdir) == NULL)
		abort();
	for (i = 0; i < 3; i++) {
		snprintf(fpath[i], sizeof fpath[i], "%s/log%zu", fdir, i);
		for (k = 0; k < fsize[i]; k++)
			fdata[i][k] = (char)('a' + (k * 7 + i) % 26);
		if (i == 1)
			memcpy(fdata[i], "before", 6);
		if ((fd = open(fpath[i], O_WRONLY | O_CREAT | O_TRUNC,
		    0600)) == -1 || write(fd, fdata[i], fsize[i]) !=
		    (ssize_t)fsize[i])
			abort();
		close(fd);
	}
	return 0;
}

/* The bytes [pos, pos+max) of file f (max < 0: to the end) as a string. */
static void
model_bytes(int f, big pos, big max, const char **p, size_t *n)
{
	big sz = (big)fsize[f], left;

	left = pos < sz ? sz - pos : 0;
	if (max >= 0 && left > max)
		left = max;
	*p = fdata[f] + (left > 0 ? (size_t)pos : 0);
	*n = (size_t)left;
}

/* Can lseek go to pos?  (supervisor's f.seek() raises when it cannot.) */
static int
seekable(int f, long long pos)
{
	int fd, ok;

	if ((fd = open(fpath[f], O_RDONLY)) == -1)
		abort();
	ok = lseek(fd, pos, SEEK_SET) != -1;
	close(fd);
	return ok;
}

static void
check_read(int f, long long off, long long len)
{
	big sz = (big)fsize[f], pos;
	const char *want;
	size_t wn, gn;
	char *got = NULL;
	int code, wcode = 0;

	code = read_file(fpath[f], off, len, &got, &gn);
	if (off < 0) {
		if (len != 0)
			wcode = STH_FAULT_BAD_ARGUMENTS;
		pos = sz + (big)off;
		if (pos < 0)
			pos = 0;
		model_bytes(f, pos, -1, &want, &wn);
	} else {
		if (len < 0)
			wcode = STH_FAULT_BAD_ARGUMENTS;
		else if (!seekable(f, off))
			wcode = STH_FAULT_FAILED;
		model_bytes(f, off, len == 0 ? -1 : len, &want, &wn);
	}
	if (code != wcode)
		abort();
	if (code == 0 && (gn != wn || memcmp(got, want, wn) != 0))
		abort();
	free(got);
}

static void
check_tail(int f, long long off, long long len)
{
	big sz = (big)fsize[f], o = off, l = len;
	const char *want;
	size_t wn;
	int overflow = 0;
	json_t *r;

	if (sz > o + l) {
		overflow = 1;
		o = sz - 1;
	}
	if (o + l > sz) {
		if (o > sz - 1)
			l = 0;
		o = sz - l;
	}
	if (o < 0)
		o = 0;
	if (l < 0)
		l = 0;
	if (l == 0)
		want = "", wn = 0;
	else
		model_bytes(f, o, l, &want, &wn);
	r = tail_file(fpath[f], off, len);
	if (!json_is_array(r) || json_array_size(r) != 3 ||
	    json_string_length(json_array_get(r, 0)) != wn ||
	    memcmp(json_string_value(json_array_get(r, 0)), want, wn) != 0 ||
	    json_integer_value(json_array_get(r, 1)) != (json_int_t)sz ||
	    json_is_true(json_array_get(r, 2)) != overflow)
		abort();
	json_decref(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[17] = { 0 };
	uint64_t u[2];
	int f;

	memcpy(in, data, size < sizeof in ? size : sizeof in);
	memcpy(u, in + 1, sizeof u);	/* the host is little-endian */
	f = in[0] % 3;
	if (in[0] & 0x80)
		check_tail(f, (long long)u[0], (long long)u[1]);
	else
		check_read(f, (long long)u[0], (long long)u[1]);
	return 0;
}
