/*
 * webui.h — the webui plugin's internal header: supervisor's web interface
 * (docs/supervisord.md §7) as an extension of the "http" service.
 *
 * Ownership: the webui plugin (plugins/http/webui/) owns everything here.
 * The pure parts (buf.c, form.c, render.c, follow.c, actions.c) take no host
 * or http table, so the unit tests compile them in directly; plugin.c,
 * views.c and logtail.c are the glue to the host and the http service.
 * Process data reaches the plugin only through the RPC registry.
 */
#ifndef WEBUI_H
#define WEBUI_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "../html.h"
#include "xmalloc.h"

struct sth_plugin;
struct sth_host;
struct sth_http_api;
struct sth_http_req;
struct sth_timer;

/* Caps (docs/design.md, decision 7). */
#define WU_TAIL_HEAD 1024		/* first bytes of a /logtail stream */
#define WU_TAIL_MAX (4 * 1024 * 1024)	/* tail.html ?limit= ceiling */
#define WU_FOLLOW_READ (64 * 1024)	/* bytes read per follower per tick */
#define WU_FOLLOW_BACKLOG (256 * 1024)	/* pause while the client lags */
#define WU_FOLLOW_PERIOD 0.1		/* seconds, supervisord's delay */

#define WU_TRUNCATED "==> File truncated <==\n"

/* Pages are built in a struct dbuf (lib/dbuf.h). */

/* form.c: query strings, URL quoting, the Location of a 301. */
char *wu_form_get(const char *query, const char *body, size_t bodylen,
    const char *key);
void wu_quote(struct dbuf *, const char *);
char *wu_server_url(const char *host_header);
char *wu_location(const char *host_header, const char *message);
char *wu_ctime(time_t);
void wu_http_date(time_t, char *, size_t);

/* render.c: the pages, from RPC results, and their stylesheet. */
extern const char wu_css[];
void wu_render_status(struct dbuf *, json_t *infos, const char *message,
    const char *version);
void wu_render_tail(struct dbuf *, const char *processname,
    const char *text, size_t len, long limit);

/* actions.c: what a state offers and how an action's answer reads. */
enum wu_act {
	WU_ACT_REFRESH,
	WU_ACT_STOPALL,
	WU_ACT_RESTARTALL,
	WU_ACT_START,
	WU_ACT_STOP,
	WU_ACT_RESTART,
	WU_ACT_CLEARLOG,
	WU_ACT_MAX
};
int wu_act_parse(const char *);
int wu_act_needs_process(int);
char *wu_act_message(int act, const char *ns, int fault_code,
    const char *fault_string, time_t now);
/* One link of a row's Action column. */
struct wu_link {
	const char *label;	/* "Tail -f Stderr" */
	const char *action;	/* index.html?...&action=X, or NULL: */
	const char *tail;	/* logtail/NS + this ("" or "/stderr") */
};
#define WU_ROW_LINKS 5
void wu_state_links(int state, const struct wu_link *out[WU_ROW_LINKS]);
const char *wu_state_class(int state);

/* follow.c: one log file followed like tail -F. */
struct wu_follow {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t pos;
};
int wu_follow_open(struct wu_follow *, const char *path, off_t head);
ssize_t wu_follow_read(struct wu_follow *, struct dbuf *, size_t max);
void wu_follow_close(struct wu_follow *);

/* plugin.c: the state the glue files share. */
struct wu_state {
	struct sth_plugin *self;
	const struct sth_host *host;
	const struct sth_http_api *http;
	int draining;
	int closing;		/* in fini: the host drops our calls */
	struct wu_tail *tails;	/* logtail.c: live streams */
	struct sth_timer *timer; /* logtail.c: runs while tails != NULL */
};

/* views.c */
void wu_index(struct wu_state *, struct sth_http_req *);
void wu_tailpage(struct wu_state *, struct sth_http_req *);

/* assets.c: stylesheets/supervisor.css and images/icon.png */
void wu_stylesheet(struct wu_state *, struct sth_http_req *);
void wu_icon(struct wu_state *, struct sth_http_req *);

/* logtail.c */
void wu_logtail(struct wu_state *, struct sth_http_req *);
void wu_mainlogtail(struct wu_state *, struct sth_http_req *);
void wu_tails_end(struct wu_state *);
void wu_tails_free(struct wu_state *);

#endif /* WEBUI_H */
