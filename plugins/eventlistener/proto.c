/*
 * proto.c — what a listener writes on its stdout, byte for byte as
 * supervisor's PEventListenerDispatcher reads it (docs/supervisord.md §6.3):
 * READY in ACKNOWLEDGED, anything in READY is a violation, `RESULT n\n` plus n
 * bytes in BUSY; the default result handler accepts only `OK`.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evl.h"

static const char ready_token[] = "READY\n";
#define READY_LEN (sizeof ready_token - 1)
#define RESULT_START_LEN 7	/* "RESULT ", never checked */

const char *
evl_state_name(int state)
{
	switch (state) {
	case EVL_READY:
		return "READY";
	case EVL_BUSY:
		return "BUSY";
	case EVL_ACKNOWLEDGED:
		return "ACKNOWLEDGED";
	default:
		return "UNKNOWN";
	}
}

void
evl_lproc_reset(struct evl_lproc *lp, pid_t pid)
{
	free(lp->buf);
	free(lp->result);
	memset(lp, 0, sizeof *lp);
	lp->state = EVL_ACKNOWLEDGED;
	lp->pid = pid;
	lp->resultlen = -1;
}

void
evl_lproc_release(struct evl_lproc *lp)
{
	if (lp->busy)
		evl_event_unref(lp->held.ev);
	free(lp->buf);
	free(lp->result);
	memset(lp, 0, sizeof *lp);
}

static const char *
pname(struct evl_pool *p, size_t idx)
{
	return p->evl->api->proc_name(p->core, idx);
}

/* _change_listener_state */
void
evl_proto_set_state(struct evl_pool *p, size_t idx, int state)
{
	const struct sth_host *h = p->evl->host;
	struct evl_lproc *lp = &p->procs[idx];

	if (h->log_enabled(STH_LOG_DEBG))
		h->log(p->evl->self, STH_LOG_DEBG, "%s: %s -> %s",
		    pname(p, idx), evl_state_name(lp->state),
		    evl_state_name(state));
	lp->state = state;
	if (state == EVL_UNKNOWN)
		h->log(p->evl->self, STH_LOG_WARN,
		    "%s: has entered the UNKNOWN "
		    "state and will no longer receive events, this usually "
		    "indicates the process violated the eventlistener "
		    "protocol", pname(p, idx));
}

/* EventRejectedEvent: what the listener held goes back at the head. */
static void
evl_reject(struct evl_pool *p, struct evl_lproc *lp)
{
	struct evl_item it;

	if (!lp->busy)
		return;
	it = lp->held;
	lp->busy = 0;
	evl_pool_accept(p, &it, 1, 1);
}

void
evl_proto_instance(struct evl_pool *p, size_t idx, pid_t pid)
{
	struct evl_lproc *lp = &p->procs[idx];

	if (lp->pid == pid)
		return;
	/* Subprocess.finish(): an event held by a dead listener is
	 * rejected; the next spawn starts in ACKNOWLEDGED */
	evl_reject(p, lp);
	evl_lproc_reset(lp, pid);
}

static void
consume(struct evl_lproc *lp, size_t n)
{
	memmove(lp->buf, lp->buf + n, lp->len - n);
	lp->len -= n;
}

/* Python's int() of bytes: blanks, an optional sign, digits, blanks. */
static int
parse_len(const char *s, size_t n, long *out)
{
	size_t i = 0, d = 0;
	long v = 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i < n && s[i] == '+')
		i++;
	for (; i < n && isdigit((unsigned char)s[i]); i++, d++) {
		if (v > EVL_RESULT_MAX)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (d == 0 || i != n || v > EVL_RESULT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* 'line' as supervisord quotes it: the text, or Undecodable: b'...'. */
static char *
line_text(const char *s, size_t n)
{
	static const char head[] = "Undecodable: b'";
	size_t i, o, cap = n * 4 + sizeof head + 2;
	char *out;
	int ascii = 1;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
			ascii = 0;
	out = xmalloc(cap);
	if (ascii) {
		memcpy(out, s, n);
		out[n] = '\0';
		return out;
	}
	memcpy(out, head, sizeof head - 1);
	o = sizeof head - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '\'') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	out[o++] = '\'';
	out[o] = '\0';
	return out;
}

/* handle_result with supervisor's default_handler. */
static void
evl_result(struct evl_pool *p, size_t idx)
{
	const struct sth_host *h = p->evl->host;
	struct evl_lproc *lp = &p->procs[idx];

	if (lp->rlen == 2 && memcmp(lp->result, "OK", 2) == 0) {
		if (h->log_enabled(STH_LOG_DEBG))
			h->log(p->evl->self, STH_LOG_DEBG, "%s: event was "
			    "processed", pname(p, idx));
		evl_proto_set_state(p, idx, EVL_ACKNOWLEDGED);
		if (lp->busy)
			evl_event_unref(lp->held.ev);
		lp->busy = 0;
	} else {
		h->log(p->evl->self, STH_LOG_WARN, "%s: event was rejected",
		    pname(p, idx));
		evl_proto_set_state(p, idx, EVL_ACKNOWLEDGED);
		evl_reject(p, lp);
	}
	lp->busy = 0;
	free(lp->result);
	lp->result = NULL;
	lp->rlen = 0;
	lp->resultlen = -1;
}

/* One step of handle_listener_state_change: 1 to go on, 0 to wait. */
static int
evl_step(struct evl_pool *p, size_t idx)
{
	const struct sth_host *h = p->evl->host;
	struct evl_lproc *lp = &p->procs[idx];
	const char *nl;
	char *text;
	size_t pos, need;

	if (lp->len == 0)
		return 0;
	switch (lp->state) {
	case EVL_UNKNOWN:
		lp->len = 0;
		return 0;
	case EVL_ACKNOWLEDGED:
		if (lp->len < READY_LEN)
			return 0;
		if (memcmp(lp->buf, ready_token, READY_LEN) == 0) {
			evl_proto_set_state(p, idx, EVL_READY);
			consume(lp, READY_LEN);
		} else {
			evl_proto_set_state(p, idx, EVL_UNKNOWN);
			lp->len = 0;
		}
		return lp->len > 0;
	case EVL_READY:
		/* spurious output: be strict about it */
		evl_proto_set_state(p, idx, EVL_UNKNOWN);
		lp->len = 0;
		return 0;
	case EVL_BUSY:
		break;
	default:
		abort();
	}
	if (lp->resultlen < 0) {
		nl = memchr(lp->buf, '\n', lp->len);
		if (nl == NULL && lp->len <= EVL_LINE_MAX)
			return 0;
		pos = nl != NULL ? (size_t)(nl - lp->buf) : lp->len;
		if (pos <= RESULT_START_LEN || nl == NULL ||
		    parse_len(lp->buf + RESULT_START_LEN,
		    pos - RESULT_START_LEN, &lp->resultlen) == -1) {
			text = line_text(lp->buf, pos);
			h->log(p->evl->self, STH_LOG_WARN,
			    "%s: bad result line: "
			    "'%s'", pname(p, idx), text);
			free(text);
			lp->resultlen = -1;
			evl_proto_set_state(p, idx, EVL_UNKNOWN);
			lp->len = 0;
			evl_reject(p, lp);
			return 0;
		}
		consume(lp, pos + 1);
		return lp->len > 0;
	}
	need = (size_t)lp->resultlen - lp->rlen;
	if (need > 0) {
		if (need > lp->len)
			need = lp->len;
		lp->result = xrealloc(lp->result, lp->rlen + need + 1);
		memcpy(lp->result + lp->rlen, lp->buf, need);
		lp->rlen += need;
		consume(lp, need);
	}
	if (lp->rlen == (size_t)lp->resultlen)
		evl_result(p, idx);
	return lp->len > 0;
}

void
evl_proto_input(struct evl_pool *p, size_t idx, const char *buf, size_t len)
{
	struct evl_lproc *lp = &p->procs[idx];

	if (lp->state == EVL_UNKNOWN)
		return;		/* a fatal state: the bytes are dropped */
	if (lp->len + len > lp->cap) {
		lp->cap = lp->len + len + 64;
		lp->buf = xrealloc(lp->buf, lp->cap);
	}
	memcpy(lp->buf + lp->len, buf, len);
	lp->len += len;
	while (evl_step(p, idx))
		;
}
