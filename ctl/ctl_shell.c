/*
 * ctl_shell.c — supervisorctl's interactive shell on libedit: the prompt
 * ("supervisor> ", or [supervisorctl] prompt=), history kept in
 * history_file, and completion of actions, groups and process names as
 * supervisorctl's complete() gives them.  With stdin not a terminal the
 * lines are read plainly, the prompt still written, as Python's cmd does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "ctl.h"
#include "xmalloc.h"

static struct sup *shell_sup;
static json_t *matches;

static void
add_match(const char *text, const char *cand)
{
	size_t i;
	json_t *m;

	if (strncmp(cand, text, strlen(text)) != 0)
		return;
	json_array_foreach(matches, i, m)
		if (strcmp(json_string_value(m), cand) == 0)
			return;
	json_array_append_new(matches, json_string(cand));
}

/* getAllProcessInfo, cached until the next command. */
static json_t *
complete_info(struct sup *s)
{
	jmp_buf jb;
	json_t *v;

	if (s->complete != NULL)
		return s->complete;
	s->raise = &jb;
	if (setjmp(jb) == 0 && sup_call(s, "supervisor.getAllProcessInfo",
	    NULL, &v, 1) == SUP_OK)
		s->complete = json_incref(v);
	s->raise = NULL;
	json_array_clear(s->held);
	return s->complete;
}

static void
complete_names(const char *text, int groups_only)
{
	json_t *info;
	const char *g, *n;
	char *spec;
	size_t i;

	json_array_foreach(complete_info(shell_sup), i, info) {
		g = json_string_value(json_object_get(info, "group"));
		n = json_string_value(json_object_get(info, "name"));
		if (g == NULL || n == NULL)
			continue;
		if (groups_only) {
			add_match(text, g);
			continue;
		}
		if (strchr(text, ':') != NULL || strcmp(g, n) != 0) {
			xasprintf(&spec, "%s:%s", g, n);
			add_match(text, spec);
			free(spec);
			xasprintf(&spec, "%s:*", g);
			add_match(text, spec);
			free(spec);
		} else
			add_match(text, n);
	}
}

static const char *const group_actions[] = { "add", "remove", "update",
	NULL };
static const char *const process_actions[] = { "clear", "fg", "pid",
	"restart", "signal", "start", "status", "stop", "tail", NULL };

static int
in(const char *const *list, const char *w, size_t len)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && strncmp(*list, w, len) == 0)
			return 1;
	return 0;
}

static char *
generate(const char *text, int state)
{
	const char *line = rl_line_buffer, *w;
	size_t i, wlen;
	json_t *m;

	if (state == 0) {
		json_array_clear(matches);
		while (*line == ' ' || *line == '\t')
			line++;
		w = line;
		wlen = strcspn(w, " \t");
		if (*line == '\0' || (w[wlen] == '\0' && rl_point <=
		    (int)(w - rl_line_buffer + wlen)) ||
		    (wlen == 4 && strncmp(w, "help", 4) == 0)) {
			for (i = 0; sup_action(i) != NULL; i++)
				add_match(text, sup_action(i));
		} else if (in(group_actions, w, wlen))
			complete_names(text, 1);
		else if (in(process_actions, w, wlen))
			complete_names(text, 0);
	}
	m = json_array_get(matches, (size_t)state);
	return m != NULL ? xstrdup(json_string_value(m)) : NULL;
}

static char **
complete(const char *text, int start, int end)
{
	return rl_completion_matches(text, generate);
}

static char *
read_line(const char *prompt, int tty)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tty)
		return readline(prompt);
	fputs(prompt, stdout);
	fflush(stdout);
	if ((n = getline(&line, &cap, stdin)) <= 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

void
sup_shell(struct sup *s, int (*other)(void *, const char *), void *arg)
{
	int tty = isatty(STDIN_FILENO);
	char *prompt, *line;

	shell_sup = s;
	matches = json_array();
	s->interactive = 1;
	if (tty) {
		rl_readline_name = "sthenoctl";
		/* "group:process", "group:*" and names with '-' are words */
		rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(";
		rl_attempted_completion_function = complete;
		using_history();
		if (s->history_file != NULL)
			read_history(s->history_file);
	}
	xasprintf(&prompt, "%s> ", s->prompt);
	sup_onecmd(s, "status");
	fflush(stdout);
	for (;;) {
		if ((line = read_line(prompt, tty)) == NULL) {
			putchar('\n');		/* do_EOF */
			break;
		}
		if (tty && *line != '\0')
			add_history(line);
		if (other == NULL || !other(arg, line)) {
			if (sup_onecmd(s, line)) {
				free(line);
				break;
			}
		}
		free(line);
		fflush(stdout);
		json_decref(s->complete);
		s->complete = NULL;
	}
	if (tty && s->history_file != NULL)
		write_history(s->history_file);
	free(prompt);
	json_decref(s->complete);
	s->complete = NULL;
	json_decref(matches);
}
