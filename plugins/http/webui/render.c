/*
 * render.c — the status page and the tail page, from RPC results.
 *
 * The markup keeps supervisor's ids and classes (buttons, statustable,
 * statusrunning / statuserror / statusnominal, shade, status_msg, the
 * action links and their names) so that anything scraping supervisor's
 * page reads this one; the look is our own small embedded stylesheet (also
 * served as stylesheets/supervisor.css, assets.c), no external assets.
 * Everything works without JavaScript; a short script
 * re-fetches the page every few seconds and swaps the table in place, so
 * states change live while the page is open.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "webui.h"

const char wu_css[] =
"*{box-sizing:border-box}"
"body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
"'Helvetica Neue',Arial,sans-serif;color:#1f2933;background:#f4f6f8}"
"a{color:#1565c0;text-decoration:none}a:hover{text-decoration:underline}"
"#wrapper{max-width:1100px;margin:0 auto;padding:0 20px 40px}"
"#header{display:flex;align-items:baseline;gap:12px;padding:22px 0 14px;"
"border-bottom:1px solid #d9e2ec;margin-bottom:18px}"
"#header h1{margin:0;font-size:22px;font-weight:600;letter-spacing:.2px}"
"#header h1 span{color:#2e7d32}"
"#header p{margin:0;color:#627d98}"
".status_msg{background:#e8f4fd;border:1px solid #90caf9;color:#0d3c61;"
"padding:10px 14px;border-radius:6px;margin-bottom:16px}"
".hidden{display:none}"
"#buttons{list-style:none;margin:0 0 14px;padding:0;display:flex;gap:8px}"
"#buttons a{display:inline-block;padding:7px 14px;border:1px solid #bcccdc;"
"border-radius:6px;background:#fff;color:#243b53;font-weight:500}"
"#buttons a:hover{background:#f0f4f8;text-decoration:none}"
"#statustable{width:100%;border-collapse:separate;border-spacing:0;"
"background:#fff;border:1px solid #d9e2ec;border-radius:8px;"
"overflow:hidden}"
"#statustable th{text-align:left;font-size:12px;text-transform:uppercase;"
"letter-spacing:.6px;color:#627d98;background:#f8fafc;padding:9px 12px;"
"border-bottom:1px solid #d9e2ec}"
"#statustable td{padding:9px 12px;border-bottom:1px solid #eef2f6;"
"vertical-align:middle}"
"#statustable tr:last-child td{border-bottom:0}"
"#statustable tr.shade td{background:#fafbfc}"
"th.state{width:110px}td.name a{font-family:ui-monospace,SFMono-Regular,"
"Menlo,Consolas,monospace;font-size:13px}"
"td.status span{display:inline-block;min-width:76px;text-align:center;"
"padding:2px 9px;border-radius:10px;font-size:12px;font-weight:600}"
".statusrunning{background:#e3f6e8;color:#1b5e20}"
".statuserror{background:#fde8e8;color:#9b1c1c}"
".statusnominal{background:#eef2f6;color:#486581}"
"td.action ul{list-style:none;margin:0;padding:0;display:flex;"
"flex-wrap:wrap;gap:4px 12px}"
"td.action a{font-size:13px}"
".noprograms{background:#fff;border:1px solid #d9e2ec;border-radius:8px;"
"padding:24px;text-align:center;color:#627d98}"
"#footer{margin-top:22px;color:#829ab1;font-size:12px}"
"pre#tailbody{background:#102a43;color:#d9e2ec;padding:14px;"
"border-radius:8px;overflow:auto;white-space:pre-wrap;"
"font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
".refresh input{padding:6px 14px;border:1px solid #bcccdc;"
"border-radius:6px;background:#fff;cursor:pointer}";

/* Swap in a fresh table every 5 s while the page is visible. */
static const char live_js[] =
"(function(){"
"if(!window.fetch||!window.DOMParser)return;"
"function tick(){"
"if(document.visibilityState&&document.visibilityState!=='visible')return;"
"fetch('index.html',{cache:'no-store',credentials:'same-origin'})"
".then(function(r){return r.ok?r.text():null})"
".then(function(t){if(!t)return;"
"var d=new DOMParser().parseFromString(t,'text/html'),"
"n=d.getElementById('processes'),o=document.getElementById('processes');"
"if(n&&o&&n.innerHTML!==o.innerHTML)o.innerHTML=n.innerHTML;})"
".catch(function(){});}"
"setInterval(tick,5000);})();";

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static int
cmp_info(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(str(x, "group"), str(y, "group"));

	return c != 0 ? c : strcmp(str(x, "name"), str(y, "name"));
}

static void
html(struct dbuf *b, const char *s)
{
	if (s != NULL)
		html_escape(b, s, strlen(s));
}

/* "name" when the group is called the same, else "group:name". */
static char *
namespec(json_t *info)
{
	struct dbuf b = DBUF_INIT;

	if (strcmp(str(info, "group"), str(info, "name")) != 0) {
		dbuf_puts(&b, str(info, "group"));
		dbuf_puts(&b, ":");
	}
	dbuf_puts(&b, str(info, "name"));
	return dbuf_take(&b);
}

static void
render_row(struct dbuf *b, json_t *info, int shade)
{
	const struct wu_link *links[WU_ROW_LINKS];
	struct dbuf q = DBUF_INIT, lower = DBUF_INIT;
	char *ns = namespec(info);
	int state = (int)json_integer_value(json_object_get(info, "state"));
	const char *sn = str(info, "statename");
	size_t i;

	wu_quote(&q, ns);
	for (i = 0; sn[i] != '\0'; i++) {
		char c = sn[i] >= 'A' && sn[i] <= 'Z' ? sn[i] + 32 : sn[i];

		dbuf_add(&lower, &c, 1);
	}
	dbuf_puts(b, shade ? "<tr class=\"shade\">" : "<tr class=\"\">");
	dbuf_printf(b, "<td class=\"status\"><span class=\"%s\">",
	    wu_state_class(state));
	html(b, lower.data != NULL ? lower.data : "");
	dbuf_puts(b, "</span></td><td class=\"desc\"><span>");
	html(b, str(info, "description"));
	dbuf_puts(b, "</span></td><td class=\"name\"><a href=\""
	    "tail.html?processname=");
	html(b, q.data);
	dbuf_puts(b, "\" target=\"_blank\">");
	html(b, ns);
	dbuf_puts(b, "</a></td><td class=\"action\"><ul>");
	wu_state_links(state, links);
	for (i = 0; i < WU_ROW_LINKS; i++) {
		if (links[i] == NULL) {
			dbuf_puts(b, "<li class=\"hidden\"><a "
			    "class=\"hidden\" href=\"#\" name=\"#\">Action"
			    "</a></li>");
			continue;
		}
		dbuf_puts(b, "<li><a href=\"");
		if (links[i]->action != NULL) {
			dbuf_puts(b, "index.html?processname=");
			html(b, q.data);
			dbuf_printf(b, "&amp;action=%s\"", links[i]->action);
		} else {
			dbuf_puts(b, "logtail/");
			html(b, q.data);
			dbuf_printf(b, "%s\" target=\"_blank\"",
			    links[i]->tail);
		}
		dbuf_printf(b, " name=\"%s\">%s</a></li>", links[i]->label,
		    links[i]->label);
	}
	dbuf_puts(b, "</ul></td></tr>\n");
	dbuf_free(&q);
	dbuf_free(&lower);
	free(ns);
}

/*
 * The status page (docs/supervisord.md §7.1).  infos is getAllProcessInfo's
 * array (borrowed), message the ?message= text or NULL, version sthenod's.
 */
void
wu_render_status(struct dbuf *b, json_t *infos, const char *message,
    const char *version)
{
	json_t **rows;
	size_t i, n = json_is_array(infos) ? json_array_size(infos) : 0;

	dbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>Supervisor Status</title>\n<style>");
	dbuf_puts(b, wu_css);
	dbuf_puts(b, "</style>\n</head>\n<body>\n<div id=\"wrapper\">\n"
	    "<div id=\"header\"><h1><span>&#9679;</span> Stheno</h1>"
	    "<p>Supervisor status</p></div>\n<div id=\"content\">\n");
	if (message != NULL) {
		dbuf_puts(b, "<div class=\"status_msg\">");
		html(b, message);
		dbuf_puts(b, "</div>\n");
	}
	dbuf_puts(b, "<form action=\"index.html\" method=\"post\">\n"
	    "<ul class=\"clr\" id=\"buttons\">"
	    "<li class=\"action-button\"><a href=\"index.html?action=refresh\">"
	    "Refresh</a></li>"
	    "<li class=\"action-button\"><a href=\"index.html?action="
	    "restartall\">Restart All</a></li>"
	    "<li class=\"action-button\"><a href=\"index.html?action=stopall\">"
	    "Stop All</a></li></ul>\n<div id=\"processes\">\n");
	if (n == 0)
		dbuf_puts(b, "<div class=\"noprograms\">No programs to "
		    "manage</div>\n");
	else {
		rows = xmalloc(n * sizeof *rows);
		for (i = 0; i < n; i++)
			rows[i] = json_array_get(infos, i);
		qsort(rows, n, sizeof *rows, cmp_info);
		dbuf_puts(b, "<table cellspacing=\"0\" id=\"statustable\">\n"
		    "<thead><tr><th class=\"state\">State</th>"
		    "<th class=\"desc\">Description</th>"
		    "<th class=\"name\">Name</th>"
		    "<th class=\"action\">Action</th></tr></thead>\n<tbody>\n");
		for (i = 0; i < n; i++)
			render_row(b, rows[i], (int)(i & 1));
		dbuf_puts(b, "</tbody>\n</table>\n");
		free(rows);
	}
	dbuf_puts(b, "</div>\n</form>\n</div>\n<div id=\"footer\">Stheno ");
	html(b, version);
	dbuf_puts(b, " &middot; speaks supervisor's XML-RPC at /RPC2</div>\n"
	    "</div>\n<script>");
	dbuf_puts(b, live_js);
	dbuf_puts(b, "</script>\n</body>\n</html>\n");
}

/*
 * The tail page (docs/supervisord.md §7.2): text[0..len) in a <pre>, and a
 * Refresh link unless processname is NULL.
 */
void
wu_render_tail(struct dbuf *b, const char *processname, const char *text,
    size_t len, long limit)
{
	struct dbuf q = DBUF_INIT;

	dbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>Supervisor tail of process ");
	html(b, processname != NULL ? processname : "None");
	dbuf_puts(b, "</title>\n<style>");
	dbuf_puts(b, wu_css);
	dbuf_puts(b, "</style>\n</head>\n<body>\n<div id=\"wrapper\">\n"
	    "<div id=\"content\">\n<pre id=\"tailbody\">");
	html_escape(b, text, len);
	dbuf_puts(b, "</pre>\n<form action=\"index.html\" "
	    "method=\"POST\">\n");
	if (processname != NULL) {
		wu_quote(&q, processname);
		dbuf_puts(b, "<div class=\"refresh\"><a "
		    "id=\"refresh_anchor\" href=\"tail.html?processname=");
		html(b, q.data);
		dbuf_printf(b, "&amp;limit=%ld\"><input type=\"button\" "
		    "value=\" Refresh \" name=\"refresh\"></a></div>\n", limit);
		dbuf_free(&q);
	}
	dbuf_puts(b, "</form>\n</div>\n</div>\n</body>\n</html>\n");
}
