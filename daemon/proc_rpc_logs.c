/*
 * proc_rpc_logs.c — reading, tailing and clearing the child logs and the
 * main log over RPC (docs/supervisord.md §3.2, §3.6, §4.4), with supervisor's
 * offset arithmetic: readFile() for read*Log, tailFile() for tail*Log.
 *
 * Log bytes become RPC strings, which must be UTF-8: supervisor answers
 * an HTTP 500 when a chunk is not (or is cut inside a character); we send
 * U+FFFD for each byte that does not decode instead (docs/compatibility.md).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "proc.h"
#include "rpc.h"
#include "sthenod.h"

/* Length of the valid UTF-8 sequence at s (Python's strict decoder), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	size_t n, k;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n >= left)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* The bytes as an RPC string: each undecodable byte becomes U+FFFD.  NULL
 * if memory runs out (a large log: the caller answers FAILED). */
static json_t *
log_string(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	char *out;
	size_t i = 0, o = 0, n;
	json_t *r;

	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		if ((n = utf8_seq(s + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	r = json_stringn(out, o);
	free(out);
	return r;
}

/*
 * want bytes (at most: the file may be shorter) at off into a new buffer.
 * An allocation that fails is a FAILED answer, not an abort: want is
 * bounded by the file's size, which a client does not choose.
 */
static int
read_at(int fd, long long off, size_t want, char **data, size_t *len)
{
	ssize_t n;

	*len = 0;
	if ((*data = malloc(want + 1)) == NULL) {
		log_errno(STH_LOG_WARN, "cannot read %zu bytes of a log", want);
		return -1;
	}
	while (*len < want) {
		n = pread(fd, *data + *len, want - *len, off + (off_t)*len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(*data);
			*data = NULL;
			return -1;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/* Bytes from pos (0 <= pos) to the end of a file of size sz, at most max
 * (max <= 0: no limit). */
static size_t
bytes_from(long long sz, long long pos, long long max)
{
	long long left = sz > pos ? sz - pos : 0;

	if (max > 0 && left > max)
		left = max;
	return (size_t)left;
}

/*
 * supervisor's readFile(): offset < 0 is the last |offset| bytes (length
 * must be 0); length 0 reads to the end.  It opens the file before it
 * looks at the arguments, and seeks as Python does: an offset the
 * filesystem cannot reach (lseek's EINVAL) is FAILED, one past the end
 * reads nothing.  0 with *data, or a fault code.
 */
static int
read_file(const char *path, long long offset, long long length, char **data,
	  size_t *len)
{
	struct stat st;
	long long pos;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return STH_FAULT_FAILED;
	if (fstat(fd, &st) == -1 || S_ISDIR(st.st_mode)) {
		close(fd);
		return STH_FAULT_FAILED;
	}
	if ((offset < 0 && length != 0) || (offset >= 0 && length < 0)) {
		close(fd);
		return STH_FAULT_BAD_ARGUMENTS;
	}
	/* never -offset: -LLONG_MIN overflows */
	if (offset < 0)
		pos = offset < -(long long)st.st_size ? 0 : st.st_size + offset;
	else
		pos = offset;
	if (lseek(fd, pos, SEEK_SET) == -1) {
		close(fd);
		return STH_FAULT_FAILED;
	}
	rc = read_at(fd, pos, bytes_from(st.st_size, pos, offset < 0 ? 0 :
	    length), data, len);
	close(fd);
	return rc == -1 ? STH_FAULT_FAILED : 0;
}

/* Integer parameters from index i on. */
static int
int_params(struct sth_rpc_call *call, json_t *pa, size_t i, size_t n,
	   long long *v)
{
	size_t k;

	if (json_array_size(pa) != i + n) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return -1;
	}
	for (k = 0; k < n; k++) {
		if (!json_is_integer(json_array_get(pa, i + k))) {
			rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
			return -1;
		}
		v[k] = json_integer_value(json_array_get(pa, i + k));
	}
	return 0;
}

/* readLog and read*Log once the file is known (NULL: none configured). */
static void
answer_read(struct sth_rpc_call *call, const char *path, long long offset,
	    long long length)
{
	struct stat st;
	char *data;
	size_t len;
	json_t *r;
	int code;

	if (path == NULL || stat(path, &st) == -1) {
		rpc_fault(call, STH_FAULT_NO_FILE, "%s", path != NULL ? path :
		    "None");
		return;
	}
	if ((code = read_file(path, offset, length, &data, &len)) != 0) {
		rpc_fault(call, code, NULL);
		return;
	}
	r = log_string(data, len);
	free(data);
	if (r == NULL) {
		rpc_fault(call, STH_FAULT_FAILED, NULL);
		return;
	}
	rpc_return(call, r);
}

/* The process of a read/tail/clear call (a group is BAD_NAME); the table
 * has checked that the first parameter is a string. */
static struct proc *
proc_param(struct sth_rpc_call *call, json_t *pa)
{
	struct proc_group *g;
	struct proc *p;
	const char *spec;

	spec = json_string_value(json_array_get(pa, 0));
	if (proc_rpc_lookup(call, spec, &g, &p) == -1)
		return NULL;
	if (p == NULL)
		rpc_fault(call, STH_FAULT_BAD_NAME, "%s", spec);
	return p;
}

/*
 * stdout_logfile = stdout: there is no file to read, and an empty answer
 * (what NONE gets from a tail) would look like a silent program.  NO_FILE
 * says where the output went; supervisorctl prints "ERROR (no log file)".
 */
static int
console_fault(struct sth_rpc_call *call, const struct proc *p, int ch)
{
	int fd = p->cfg->log[ch].console;

	if (fd == 0)
		return 0;
	rpc_fault(call, STH_FAULT_NO_FILE, "%s_logfile = %s: the output of "
	    "%s goes to sthenod's standard %s", ch == PROC_STDOUT ? "stdout" :
	    "stderr", fd == STDOUT_FILENO ? "stdout" : "stderr", p->cfg->name,
	    fd == STDOUT_FILENO ? "output" : "error");
	return 1;
}

static void
read_proc_log(struct sth_rpc_call *call, json_t *pa, int ch)
{
	struct proc *p;
	long long v[2];

	if (int_params(call, pa, 1, 2, v) == -1 ||
	    (p = proc_param(call, pa)) == NULL || console_fault(call, p, ch))
		return;
	answer_read(call, p->cfg->log[ch].path, v[0], v[1]);
}

static void
m_read_stdout(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	read_proc_log(call, pa, PROC_STDOUT);
}

static void
m_read_stderr(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	read_proc_log(call, pa, PROC_STDERR);
}

/* a + b > c for any a, b and c, as Python's unbounded integers say. */
static int
sum_above(long long a, long long b, long long c)
{
	long long sum;

	if (__builtin_add_overflow(a, b, &sum))
		return a > 0;	/* above LLONG_MAX, or below LLONG_MIN */
	return sum > c;
}

/*
 * supervisor's tailFile(), its arithmetic on unbounded integers: the
 * offset and length a client sends are any 64-bit values, and no sum of
 * them may wrap.  It reads at most the bytes the file has (supervisor
 * allocates the length asked for, and answers an HTTP 500 when it cannot).
 */
static json_t *
tail_file(const char *path, long long offset, long long length)
{
	struct stat st;
	long long sz;
	char *data = NULL;
	size_t len = 0;
	json_t *text;
	int fd, overflow = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		return json_pack("[s,I,b]", "", (json_int_t)offset, 0);
	}
	sz = st.st_size;
	if (!sum_above(offset, length, sz - 1)) {	/* sz > offset+length */
		overflow = 1;
		offset = sz - 1;
	}
	if (sum_above(offset, length, sz)) {
		if (offset > sz - 1)
			length = 0;
		/* supervisor's offset = sz - length, which only matters (and
		 * only cannot overflow) when something is read */
		offset = length > 0 ? sz - length : sz;
	}
	if (offset < 0)
		offset = 0;
	if (length > 0 && read_at(fd, offset, bytes_from(sz, offset, length),
	    &data, &len) == -1) {
		close(fd);
		return json_pack("[s,I,b]", "", (json_int_t)offset, 0);
	}
	close(fd);
	text = log_string(data != NULL ? data : "", len);
	free(data);
	if (text == NULL)
		return json_pack("[s,I,b]", "", (json_int_t)offset, 0);
	return json_pack("[o,I,b]", text, (json_int_t)sz, overflow);
}

static void
tail_proc_log(struct sth_rpc_call *call, json_t *pa, int ch)
{
	struct stat st;
	struct proc *p;
	const char *path;
	long long v[2];

	if (int_params(call, pa, 1, 2, v) == -1 ||
	    (p = proc_param(call, pa)) == NULL || console_fault(call, p, ch))
		return;
	path = p->cfg->log[ch].path;
	if (path == NULL || stat(path, &st) == -1) {
		rpc_return(call, json_pack("[s,i,b]", "", 0, 0));
		return;
	}
	rpc_return(call, tail_file(path, v[0], v[1]));
}

static void
m_tail_stdout(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	tail_proc_log(call, pa, PROC_STDOUT);
}

static void
m_tail_stderr(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	tail_proc_log(call, pa, PROC_STDERR);
}

/* Empty p's current log files (backups stay): 0, or -1. */
static int
clear_one(struct proc *p)
{
	int ch, rc = 0;

	for (ch = 0; ch < 2; ch++) {
		if (p->logs[ch] != NULL) {
			if (logfile_clear(p->logs[ch]) == -1) {
				log_errno(STH_LOG_WARN, "could not clear %s",
				    logfile_path(p->logs[ch]));
				rc = -1;
			}
		} else if (p->cfg->log[ch].path != NULL &&
		    logfile_clear_path(p->cfg->log[ch].path) == -1) {
			log_errno(STH_LOG_WARN, "could not clear %s",
			    p->cfg->log[ch].path);
			rc = -1;
		}
	}
	return rc;
}

static void
m_clear_process_logs(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc *p;

	if ((p = proc_param(call, pa)) == NULL)
		return;
	if (clear_one(p) == -1) {
		rpc_fault(call, STH_FAULT_FAILED, "%s",
		    json_string_value(json_array_get(pa, 0)));
		return;
	}
	rpc_return(call, json_true());
}

static void
m_clear_all_process_logs(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct proc **all;
	size_t n, i;
	char *name;
	json_t *r;

	all = proc_rpc_all(&n);
	r = json_array();
	for (i = 0; i < n; i++) {
		name = proc_namespec(all[i]);
		json_array_append_new(r, clear_one(all[i]) == 0 ?
		    proc_rpc_result(all[i], STH_FAULT_SUCCESS, NULL) :
		    proc_rpc_result(all[i], STH_FAULT_FAILED, name));
		free(name);
	}
	free(all);
	rpc_return(call, r);
}

static void
m_read_log(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	long long v[2];

	if (int_params(call, pa, 0, 2, v) == -1)
		return;
	answer_read(call, log_path(), v[0], v[1]);
}

static void
m_clear_log(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	struct stat st;
	const char *path = log_path();

	if (path == NULL || stat(path, &st) == -1) {
		rpc_fault(call, STH_FAULT_NO_FILE, NULL);
		return;
	}
	if (unlink(path) == -1) {
		rpc_fault(call, STH_FAULT_FAILED, NULL);
		return;
	}
	log_reopen();
	rpc_return(call, json_true());
}

/* readProcessStdoutLog and readProcessStderrLog: one docstring but for the
 * channel's name. */
#define HELP_READ_PROCESS(ch)						\
	" Read length bytes from name's " ch " log starting at offset\n" \
	"\n"								\
	"        @param string name        the name of the process (or " \
	"'group:name')\n"						\
	"        @param int offset         offset to start reading from.\n" \
	"        @param int length         number of bytes to read from the " \
	"log.\n"							\
	"        @return string result     Bytes of log\n"		\
	"        "

/* tailProcessStdoutLog and tailProcessStderrLog, likewise (ch and Ch: the
 * channel's name in lower case and capitalised). */
#define HELP_TAIL_PROCESS(ch, Ch)					\
	"\n"								\
	"        Provides a more efficient way to tail the (" ch ")"	\
	" log than\n"							\
	"        readProcess" Ch "Log().  Use readProcess" Ch "Log()"	\
	" to read\n"							\
	"        chunks and tailProcess" Ch "Log() to tail.\n"		\
	"\n"								\
	"        Requests (length) bytes from the (name)'s log, starting at\n" \
	"        (offset).  If the total log size is greater than (offset +\n" \
	"        length), the overflow flag is set and the (offset) is\n" \
	"        automatically increased to position the buffer at the end " \
	"of\n"								\
	"        the log.  If less than (length) bytes are available, the\n" \
	"        maximum number of available bytes will be returned.  "	\
	"(offset)\n"							\
	"        returned is always the last offset in the log +1.\n"	\
	"\n"								\
	"        @param string name         the name of the process (or " \
	"'group:name')\n"						\
	"        @param int offset          offset to start reading from\n" \
	"        @param int length          maximum number of bytes to " \
	"return\n"							\
	"        @return array result       [string bytes, int offset, bool " \
	"overflow]\n"							\
	"        "

/*
 * supervisor's backward-compatibility aliases are the same Python function
 * (rpcinterface.py: "readProcessLog = readProcessStdoutLog # b/c alias"),
 * so they share its docstring and signature: one macro makes both rows.
 */
/* readProcessStdoutLog, and its alias readProcessLog. */
#define METHOD_READ_PROCESS_STDOUT_LOG(name) \
	{ name, m_read_stdout, \
	  PROC_PARAMS(1, 2), "[\"string\",\"string\",\"int\",\"int\"]", \
	  HELP_READ_PROCESS("stdout") }

/* tailProcessStdoutLog, and its alias tailProcessLog. */
#define METHOD_TAIL_PROCESS_STDOUT_LOG(name) \
	{ name, m_tail_stdout, \
	  PROC_PARAMS(1, 2), "[\"array\",\"string\",\"int\",\"int\"]", \
	  HELP_TAIL_PROCESS("stdout", "Stdout") }

/* clearProcessLogs, and its alias clearProcessLog. */
#define METHOD_CLEAR_PROCESS_LOGS(name) \
	{ name, m_clear_process_logs, \
	  PROC_PARAMS(1, 0), "[\"boolean\",\"string\"]", \
	  " Clear the stdout and stderr logs for the named process and\n" \
	  "        reopen them.\n" \
	  "\n" \
	  "        @param string name   The name of the process (or " \
	  "'group:name')\n" \
	  "        @return boolean result      Always True unless error\n" \
	  "        " }

/* readLog, and its alias readMainLog. */
#define METHOD_READ_LOG(name) \
	{ name, m_read_log, \
	  PROC_PARAMS(0, 2), "[\"string\",\"int\",\"int\"]", \
	  " Read length bytes from the main log starting at offset\n" \
	  "\n" \
	  "        @param int offset         offset to start reading from.\n" \
	  "        @param int length         number of bytes to read from " \
	  "the log.\n" \
	  "        @return string result     Bytes of log\n" \
	  "        " }

static const struct proc_method log_methods[] = {
	METHOD_READ_PROCESS_STDOUT_LOG("supervisor.readProcessStdoutLog"),
	METHOD_READ_PROCESS_STDOUT_LOG("supervisor.readProcessLog"),
	{ "supervisor.readProcessStderrLog", m_read_stderr,
	  PROC_PARAMS(1, 2), "[\"string\",\"string\",\"int\",\"int\"]",
	  HELP_READ_PROCESS("stderr") },
	METHOD_TAIL_PROCESS_STDOUT_LOG("supervisor.tailProcessStdoutLog"),
	METHOD_TAIL_PROCESS_STDOUT_LOG("supervisor.tailProcessLog"),
	{ "supervisor.tailProcessStderrLog", m_tail_stderr,
	  PROC_PARAMS(1, 2), "[\"array\",\"string\",\"int\",\"int\"]",
	  HELP_TAIL_PROCESS("stderr", "Stderr") },
	METHOD_CLEAR_PROCESS_LOGS("supervisor.clearProcessLogs"),
	METHOD_CLEAR_PROCESS_LOGS("supervisor.clearProcessLog"),
	{ "supervisor.clearAllProcessLogs", m_clear_all_process_logs,
	  PROC_PARAMS(0, 0), "[\"array\"]",
	  " Clear all process log files\n"
	  "\n"
	  "        @return array result   An array of process status info "
	  "structs\n"
	  "        " },
	METHOD_READ_LOG("supervisor.readLog"),
	METHOD_READ_LOG("supervisor.readMainLog"),
	{ "supervisor.clearLog", m_clear_log,
	  PROC_PARAMS(0, 0), "[\"boolean\"]",
	  " Clear the main log.\n"
	  "\n"
	  "        @return boolean result always returns True unless error\n"
	  "        " },
};

void
proc_rpc_logs_register(void)
{
	proc_rpc_table(log_methods, sizeof log_methods /
	    sizeof log_methods[0]);
}
