/*
 * proc_events.c — PROCESS_STATE_*, PROCESS_LOG_*, PROCESS_COMMUNICATION_*
 * and PROCESS_GROUP_* events with supervisor's payload text
 * (docs/supervisord.md §6.1), published on the bus.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/ascii.h"
#include "bus.h"
#include "proc.h"
#include "pyrepr.h"
#include "textcat.h"
#include "xmalloc.h"

static const char *const chan_names[2] = { "stdout", "stderr" };

static const char *
group_name(const struct proc *p)
{
	return p->group != NULL ? p->group->cfg->name : p->cfg->program;
}

/* Strict UTF-8 validation (no overlongs, no surrogates), as Python's.
 * Every PROCESS_LOG event passes here, so ASCII goes 128 bytes a step. */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned int cp;
	uint64_t w[4];

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			i += ascii_blocks(s + i, len - i);
			while (len - i >= 32) {
				memcpy(w, s + i, 32);
				if ((w[0] | w[1] | w[2] | w[3]) &
				    0x8080808080808080ULL)
					break;
				i += 32;
			}
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

char *
proc_decode_data(const char *data, size_t len)
{
	char *r, *b;

	if (utf8_valid((const unsigned char *)data, len) &&
	    memchr(data, '\0', len) == NULL)
		return xstrndup(data, len);
	if (utf8_valid((const unsigned char *)data, len)) {
		/* NUL is valid text to Python; keep it out of C strings */
		r = xmalloc(len + 1);
		memcpy(r, data, len);
		r[len] = '\0';
		return r;
	}
	b = pyrepr_bytes(data, len);
	xasprintf(&r, "Undecodable: %s", b);
	free(b);
	return r;
}

static void
publish(const char *type, const char *head, const char *data, size_t len)
{
	bus_publish2(type, head, strlen(head), data, len);
}

void
proc_event_state(struct proc *p, enum proc_state from, int expected)
{
	char type[64], *head;
	const char *to = proc_state_name(p->state);

	snprintf(type, sizeof type, "PROCESS_STATE_%s", to);
	switch (p->state) {
	case PROC_STARTING:
	case PROC_BACKOFF:
		xasprintf(&head, "processname:%s groupname:%s from_state:%s "
		    "tries:%d", p->cfg->name, group_name(p),
		    proc_state_name(from), p->backoff);
		break;
	case PROC_RUNNING:
	case PROC_STOPPING:
	case PROC_STOPPED:
		xasprintf(&head, "processname:%s groupname:%s from_state:%s "
		    "pid:%ld", p->cfg->name, group_name(p),
		    proc_state_name(from), (long)p->pid);
		break;
	case PROC_EXITED:
		xasprintf(&head, "processname:%s groupname:%s from_state:%s "
		    "expected:%d pid:%ld", p->cfg->name, group_name(p),
		    proc_state_name(from), expected ? 1 : 0, (long)p->pid);
		break;
	default:
		xasprintf(&head, "processname:%s groupname:%s from_state:%s",
		    p->cfg->name, group_name(p), proc_state_name(from));
		break;
	}
	publish(type, head, NULL, 0);
	free(head);
}

/* A PROCESS_LOG or PROCESS_COMMUNICATION payload: head, then the data as
 * supervisord decodes it (valid UTF-8 as it is, else its repr). */
static void
publish_data(const char *type, const char *head, const char *data,
	     size_t len)
{
	char *text;

	if (utf8_valid((const unsigned char *)data, len)) {
		publish(type, head, data, len);
		return;
	}
	text = proc_decode_data(data, len);
	publish(type, head, text, strlen(text));
	free(text);
}

/* Every read of a program with stdout_events_enabled comes here, most of
 * them 64 KiB under a flood: valid UTF-8 straight from the read buffer is
 * published where it lies, the head written in front of it (no copy). */
/* The head line of p's PROCESS_LOG event into buf (cap bytes, as
 * snprintf); its whole length.  Hand-made: snprintf was a fifth of the
 * daemon's instructions per event. */
static size_t
log_head(const struct proc *p, int ch, char *buf, size_t cap)
{
	struct textcat t;

	tc_init(&t, buf, cap);
	TC_LIT(&t, "processname:");
	tc_str(&t, p->cfg->name);
	TC_LIT(&t, " groupname:");
	tc_str(&t, group_name(p));
	TC_LIT(&t, " pid:");
	tc_long(&t, (long)p->pid);
	TC_LIT(&t, " channel:");
	tc_str(&t, chan_names[ch]);
	TC_LIT(&t, "\n");
	return tc_end(&t);
}

void
proc_event_log(struct proc *p, int ch, const char *data, size_t len)
{
	const char *type = ch == PROC_STDOUT ? "PROCESS_LOG_STDOUT" :
	    "PROCESS_LOG_STDERR";
	char hb[256], *head = hb, *at;
	struct readbuf *rb;
	size_t n;

	if ((n = log_head(p, ch, hb, sizeof hb)) >= sizeof hb) {
		head = xmalloc(n + 1);
		log_head(p, ch, head, n + 1);
	}
	if ((at = proc_io_room(data, len, n, &rb)) != NULL &&
	    utf8_valid((const unsigned char *)data, len)) {
		memcpy(at, head, n);
		at[n + len] = '\0';
		bus_publish_ref(type, at, (size_t)n + len, rb);
	} else
		publish_data(type, head, data, len);
	if (head != hb)
		free(head);
}

void
proc_event_comm(struct proc *p, int ch, const char *data, size_t len)
{
	char type[40], *head;

	snprintf(type, sizeof type, "PROCESS_COMMUNICATION_%s",
	    ch == PROC_STDOUT ? "STDOUT" : "STDERR");
	xasprintf(&head, "processname:%s groupname:%s pid:%ld\n",
	    p->cfg->name, group_name(p), (long)p->pid);
	publish_data(type, head, data, len);
	free(head);
}

void
proc_event_group(const char *group, int added)
{
	char *head;

	xasprintf(&head, "groupname:%s\n", group);
	publish(added ? "PROCESS_GROUP_ADDED" : "PROCESS_GROUP_REMOVED", head,
	    NULL, 0);
	free(head);
}
