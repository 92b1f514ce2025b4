/*
 * ctl.h — sthenoctl's supervisorctl half: supervisor's XML-RPC over HTTP
 * (ctl_http.c), supervisorctl 4.2.5's commands (ctl_cmd.c) and its
 * interactive prompt (ctl_shell.c).  The monitor's console client is
 * sthenoctl.c, which owns main and decides which half a command goes to.
 *
 * Ownership: one struct sup per process, main's.  Every value an RPC
 * returns is held by the struct (sup->held) until the command that asked
 * for it ends, so command code never frees an answer; a transport error
 * or an unexpected fault is raised like supervisorctl's exceptions: the
 * error line is printed and sup_raise() jumps back to the command loop.
 */
#ifndef STHENO_CTL_H
#define STHENO_CTL_H

#include <setjmp.h>
#include <stddef.h>

#include <jansson.h>

/* supervisor's xmlrpc.Faults */
enum {
	F_UNKNOWN_METHOD = 1,
	F_SHUTDOWN_STATE = 6,
	F_BAD_NAME = 10,
	F_BAD_SIGNAL = 11,
	F_NO_FILE = 20,
	F_NOT_EXECUTABLE = 21,
	F_FAILED = 30,
	F_ABNORMAL_TERMINATION = 40,
	F_SPAWN_ERROR = 50,
	F_ALREADY_STARTED = 60,
	F_NOT_RUNNING = 70,
	F_SUCCESS = 80,
	F_ALREADY_ADDED = 90,
	F_STILL_RUNNING = 91,
	F_CANT_REREAD = 92,
};

/* supervisorctl's LSBInitExitStatuses and LSBStatusExitStatuses */
enum {
	X_SUCCESS = 0,
	X_GENERIC = 1,
	X_INVALID_ARGS = 2,
	X_UNIMPLEMENTED = 3,
	X_PRIVILEGES = 4,
	X_NOT_INSTALLED = 5,
	X_NOT_RUNNING = 7,
	X_STATUS_NOT_RUNNING = 3,
	X_STATUS_UNKNOWN = 4,
};

/* What one call ended with. */
enum sup_rc {
	SUP_OK,		/* *result is the value */
	SUP_FAULT,	/* *result is the fault struct */
	SUP_ERRNO,	/* the connection failed: sup->err_errno */
};

struct sup {
	/* from [supervisorctl] and the command line */
	char *serverurl;
	char *username;
	char *password;
	char *prompt;
	char *history_file;
	int interactive;	/* the prompt is running */
	int json;		/* --json: answers as JSON, not text */
	char *cafile;		/* https://: the CAs to verify with, or
				 * NULL for the system's */

	/* the connection, kept open between calls */
	int fd;
	struct ssl_st *ssl;	/* https://: the session on fd, or NULL */
	char *rbuf;		/* bytes read and not yet consumed */
	size_t rlen, rcap;
	int err_errno;

	int exitstatus;
	int unauth;		/* 1 once a 401 was seen in this command */
	json_t *held;		/* answers of the running command */
	json_t *records;	/* --json: what the command printed */
	json_t *complete;	/* the prompt's cached getAllProcessInfo */
	jmp_buf *raise;		/* where sup_raise() lands */
	void (*other_help)(struct sup *);	/* after help's topics */
};

/* ctl_http.c */
/* Call method with params (stolen).  SUP_ERRNO only when catch_errno is
 * set; otherwise a connection failure, an HTTP error (401 included) and an
 * answer that is not XML-RPC are raised. */
enum sup_rc sup_call(struct sup *, const char *method, json_t *params,
		     json_t **result, int catch_errno);
/* The same, raising faults too: the value (held). */
json_t *sup_must(struct sup *, const char *method, json_t *params);
/* Raise a fault supervisorctl does not handle: its error line, status 1. */
void sup_raise_fault(struct sup *, json_t *fault) __attribute__((noreturn));
/* Print line (supervisorctl's "error: ..." lines) and jump back. */
void sup_raise(struct sup *, const char *line) __attribute__((noreturn));
/* Raise a connection failure: "error: <class '...'>, [Errno n] ...". */
void sup_raise_errno(struct sup *, int err) __attribute__((noreturn));
/* Python's exception class for an errno, and its strerror text. */
const char *sup_errno_class(int err);
/* A GET stream (tail -f, maintail -f, fg), chunks decoded. */
struct sup_stream {
	int fd;
	struct ssl_st *ssl;	/* https://: the session on fd, or NULL */
	int chunked;
	int state;	/* 0 size line, 1 data, 2 CRLF after data */
	size_t left;
	char line[32];
	size_t llen;
};
/* Open GET path and write out what came with the head: 0, or -1 after
 * printing why on stderr. */
int sup_stream_open(struct sup *, const char *path, struct sup_stream *);
/* Write out what is readable on st->fd: 1, or 0 at the end of the
 * stream, -1 on an error. */
int sup_stream_pump(struct sup_stream *);
/* End a stream sup_stream_open opened. */
void sup_stream_close(struct sup_stream *);
void sup_disconnect(struct sup *);
/* Python's "Fault %d: %r" text of a fault, malloc'd. */
char *sup_fault_text(json_t *fault);

/* ctl_cmd.c */
/* Run one command line as supervisorctl's onecmd does; 1 when it asks
 * the shell to end (quit, exit, EOF). */
int sup_onecmd(struct sup *, const char *line);
/* A supervisorctl command name; the i-th, or NULL past the last. */
int sup_is_action(const char *word);
const char *sup_action(size_t i);
/* Print one output line (or keep it as a --json record). */
void sup_out(struct sup *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Flush --json records as one JSON document. */
void sup_flush_json(struct sup *);

/* ctl_shell.c */
/* supervisorctl's interactive shell: status first, then lines until EOF.
 * A line other() takes (the monitor's commands) is not supervisorctl's;
 * other() returns 0 for a line it does not take. */
void sup_shell(struct sup *, int (*other)(void *, const char *), void *arg);

#endif /* STHENO_CTL_H */
