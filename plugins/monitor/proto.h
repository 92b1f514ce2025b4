/*
 * proto.h — the monitor's wire format, shared by monitor.so, sthenoctl and
 * the unit tests (README.md, "Protocol"): Varnish's response framing, the
 * shell-like tokenizer of request lines, the quoting that sthenoctl uses to
 * turn argv back into a line, and a constant-time compare.
 *
 * Ownership: a struct mon_argv owns its strings (mon_argv_free); quoting
 * appends to a caller-owned struct dbuf.  Nothing here keeps state.
 */
#ifndef STHENO_MON_PROTO_H
#define STHENO_MON_PROTO_H

#include <stdarg.h>
#include <stddef.h>

#include "dbuf.h"
#include "xmalloc.h"

/* Status codes (Varnish's set). */
#define MON_SYNTAX 100		/* unterminated quote, NUL byte */
#define MON_UNKNOWN 101		/* unknown command */
#define MON_PARAMS 102		/* too few / too many / bad params */
#define MON_BADJSON 104		/* params that are not a JSON array */
#define MON_AUTH 107		/* authentication required */
#define MON_OK 200
#define MON_TRUNCATED 201	/* body cut at MON_MAX_BODY */
#define MON_FAULT 300		/* the RPC method answered a fault */
#define MON_COMMS 400		/* line too long: the connection closes */
#define MON_CLOSE 500		/* quit, or an internal error */

#define MON_HEADER_LEN 13	/* "NNN LLLLLLLL\n" */
#define MON_MAX_LINE (64 * 1024)	/* a request line, without its \n */
#define MON_MAX_ARGS 64
#define MON_MAX_BODY (4 * 1024 * 1024)
#define MON_MAX_SECRET (64 * 1024)	/* bytes of the secret file */
#define MON_MIN_SECRET 16	/* fewer: refused at load and at every auth */
#define MON_MIN_SECRET_S "16"

struct mon_argv {
	int argc;
	char **argv;		/* argc strings, then NULL */
	char *buf;		/* storage of the strings */
};

/* The 13-byte header of a response with a body of len bytes, NUL-terminated:
 * status left-justified in 3 columns, a space, len left-justified in 8, \n
 * (Varnish's "%-3d %-8zu\n"). */
void mon_frame_header(char out[MON_HEADER_LEN + 1], int status, size_t len);
/* Parse a 13-byte header: 0 with *status and *len, or -1. */
int mon_parse_header(const char *hdr, int *status, size_t *len);

/* Split a request line of len bytes (no \n) into words: blanks separate,
 * "double quotes" take the escapes \n \r \t \" \\ \nnn (octal) and \xHH,
 * 'single quotes' are literal, and a backslash outside quotes makes the
 * next byte literal.  0 on success; -1 with *err set to a static message
 * (unterminated quote, a NUL byte -- \0 and \x00 too, which no word can
 * hold --, more than MON_MAX_ARGS words). */
int mon_tokenize(const char *line, size_t len, struct mon_argv *out,
    const char **err);
void mon_argv_free(struct mon_argv *);

/* Append arg to s as one word the tokenizer gives back unchanged. */
void mon_quote(struct dbuf *s, const char *arg);

#endif
