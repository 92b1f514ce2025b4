/*
 * cfgval.c — supervisord's typed config values and the table-driven
 * section reader (see cfgval.h).
 *
 * Each parser follows the matching function of supervisor/datatypes.py
 * (4.2.5) and gives its error text, except where Python's text is only an
 * exception leaking out (byte sizes say "value 'x' is not a valid byte
 * size").  Numbers are read as Python's int() reads them: surrounding
 * whitespace, a sign, '_' between digits; base 8 also takes a 0o prefix.
 * A number that does not fit a long long is an error rather than a bignum.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stheno/host.h>

#include "cfgval.h"
#include "expand.h"
#include "ini.h"
#include "pyrepr.h"
#include "xmalloc.h"

/* ---- helpers --------------------------------------------------------- */

static int
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/*
 * Python's int(s, base) for base 8 or 10.  Returns 0, -1 on bad syntax,
 * -2 when the number does not fit a long long.
 */
static int
py_int(const char *s, int base, long long *out)
{
	unsigned long long v, lim;
	const char *p, *end;
	int	 neg, digits, prefix, d;

	for (p = s; py_space((unsigned char)*p); p++)
		;
	for (end = p + strlen(p); end > p && py_space((unsigned char)end[-1]);
	    end--)
		;
	neg = 0;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	prefix = 0;
	if (base == 8 && end - p >= 2 && p[0] == '0' &&
	    (p[1] == 'o' || p[1] == 'O')) {
		p += 2;
		prefix = 1;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)
	    LLONG_MAX;
	v = 0;
	digits = 0;
	for (; p < end; p++) {
		if (*p == '_') {
			/* Between digits, or right after a 0o prefix. */
			if ((digits == 0 && !prefix) || p + 1 == end ||
			    p[1] == '_')
				return -1;
			continue;
		}
		if (*p < '0' || *p >= '0' + base)
			return -1;
		d = *p - '0';
		if (v > (lim - (unsigned long long)d) /
		    (unsigned long long)base)
			return -2;
		v = v * (unsigned long long)base + (unsigned long long)d;
		digits++;
	}
	if (digits == 0)
		return -1;
	if (neg)
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

static char *
err_repr(const char *fmt, const char *value)
{
	char	*r, *msg;

	r = pyrepr(value);
	xasprintf(&msg, fmt, r);
	free(r);
	return msg;
}

static char *
lowered(const char *s)
{
	char	*l, *p;

	l = xstrdup(s);
	for (p = l; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

static const char *const cfg_truthy[] = { "yes", "true", "on", "1", NULL };
static const char *const cfg_falsy[] = { "no", "false", "off", "0", NULL };

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* ---- scalar types ---------------------------------------------------- */

int
cfgval_bool(const char *s, int *out, char **err)
{
	char	*l;
	int	 rv = 0;

	l = lowered(s);
	if (in_list(cfg_truthy, l))
		*out = 1;
	else if (in_list(cfg_falsy, l))
		*out = 0;
	else {
		*err = err_repr("not a valid boolean value: %s", s);
		rv = -1;
	}
	free(l);
	return rv;
}

int
cfgval_int(const char *s, long *out, char **err)
{
	long long v;
	int	 r;

	r = py_int(s, 10, &v);
	if (r == 0 && (v < LONG_MIN || v > LONG_MAX))
		r = -2;
	if (r == -1) {
		*err = err_repr("invalid literal for int() with base 10: %s",
		    s);
		return -1;
	}
	if (r == -2) {
		*err = err_repr("value %s is out of range", s);
		return -1;
	}
	*out = (long)v;
	return 0;
}

int
cfgval_bytes(const char *s, long long *out, char **err)
{
	static const struct {
		const char	*suffix;
		long long	 mult;
	} units[] = {
		{ "kb", 1024LL },
		{ "mb", 1024LL * 1024 },
		{ "gb", 1024LL * 1024 * 1024 },
	};
	long long v, mult;
	size_t	 n, i;
	char	*l;
	int	 r;

	l = lowered(s);
	n = strlen(l);
	mult = 1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (n >= 2 && strcmp(l + n - 2, units[i].suffix) == 0) {
			l[n - 2] = '\0';
			mult = units[i].mult;
			break;
		}
	}
	r = py_int(l, 10, &v);
	free(l);
	if (r != 0 || v < 0 || v > LLONG_MAX / mult) {
		*err = err_repr("value %s is not a valid byte size", s);
		return -1;
	}
	*out = v * mult;
	return 0;
}

int
cfgval_octal(const char *s, long *out, char **err)
{
	long long v;

	if (py_int(s, 8, &v) != 0 || v < 0 || v > LONG_MAX) {
		xasprintf(err, "%s can not be converted to an octal type", s);
		return -1;
	}
	*out = (long)v;
	return 0;
}

/* ---- signals --------------------------------------------------------- */

/* Linux's signals by name; the first name of a number is its canonical one. */
static const struct {
	const char	*name;
	int		 num;
} cfg_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "IOT", SIGIOT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "STKFLT", SIGSTKFLT },
#endif
	{ "CHLD", SIGCHLD },
#ifdef SIGCLD
	{ "CLD", SIGCLD },
#endif
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH },
#ifdef SIGIO
	{ "IO", SIGIO },
#endif
#ifdef SIGPOLL
	{ "POLL", SIGPOLL },
#endif
#ifdef SIGPWR
	{ "PWR", SIGPWR },
#endif
	{ "SYS", SIGSYS },
};
#define CFG_NSIGNALS (sizeof cfg_signals / sizeof cfg_signals[0])

const char *
cfgval_signame(int sig)
{
	size_t	 i;

	for (i = 0; i < CFG_NSIGNALS; i++)
		if (cfg_signals[i].num == sig)
			return cfg_signals[i].name;
#ifdef SIGRTMIN
	if (sig == SIGRTMIN)
		return "RTMIN";
	if (sig == SIGRTMAX)
		return "RTMAX";
#endif
	return NULL;
}

int
cfgval_signal(const char *s, int *out, char **err)
{
	long long v;
	const char *name;
	char	*u, *p;
	size_t	 i;
	int	 num;

	if (py_int(s, 10, &v) == 0) {
		if (v < 1 || v > INT_MAX || cfgval_signame((int)v) == NULL) {
			*err = err_repr("value %s is not a valid signal number",
			    s);
			return -1;
		}
		*out = (int)v;
		return 0;
	}
	for (name = s; py_space((unsigned char)*name); name++)
		;
	u = xstrdup(name);
	for (p = u + strlen(u); p > u && py_space((unsigned char)p[-1]); p--)
		p[-1] = '\0';
	for (p = u; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	name = strncmp(u, "SIG", 3) == 0 ? u + 3 : u;
	num = -1;
	for (i = 0; i < CFG_NSIGNALS; i++)
		if (strcmp(cfg_signals[i].name, name) == 0)
			num = cfg_signals[i].num;
#ifdef SIGRTMIN
	if (strcmp(name, "RTMIN") == 0)
		num = SIGRTMIN;
	else if (strcmp(name, "RTMAX") == 0)
		num = SIGRTMAX;
#endif
	free(u);
	if (num == -1) {
		*err = err_repr("value %s is not a valid signal name", s);
		return -1;
	}
	*out = num;
	return 0;
}

/* ---- lists ----------------------------------------------------------- */

int
cfgval_exitcodes(const char *s, int **codes, size_t *n, char **err)
{
	long long v;
	const char *p, *comma;
	char	*item;
	int	*out;
	size_t	 count;
	int	 r;

	*codes = NULL;
	*n = 0;
	if (*s == '\0')
		return 0;
	out = NULL;
	count = 0;
	for (p = s;; p = comma + 1) {
		comma = strchr(p, ',');
		item = comma != NULL ? xstrndup(p, (size_t)(comma - p)) :
		    xstrdup(p);
		r = py_int(item, 10, &v);
		free(item);
		if (r != 0 || v < 0 || v > 255) {
			free(out);
			*err = err_repr("not a valid list of exit codes: %s",
			    s);
			return -1;
		}
		out = xreallocarray(out, count + 1, sizeof *out);
		out[count++] = (int)v;
		if (comma == NULL)
			break;
	}
	*codes = out;
	*n = count;
	return 0;
}

/*
 * Python's shlex.shlex(s) in its default, non-POSIX mode, with
 * '/.+-():' added to the word characters, as supervisord 4.2.5 builds it:
 * words, quoted strings (quotes kept) and single punctuation characters;
 * '#' comments to the end of the line, even in the middle of a word.
 * A UTF-8 sequence counts as one character, as Python's str does.
 */
struct lex {
	const char	*p;
	int		 state;		/* ' ', 'a', a quote, or 0 at EOF */
	char		 pb[8];		/* a pushed-back punctuation token */
	size_t		 pblen;
};

static int
lex_wordchar(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("_/.+-():", c) != NULL);
}

static int
lex_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
lex_charlen(const char *p)
{
	size_t	 n = 1;

	if ((unsigned char)*p >= 0xc0)
		while (n < 4 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n++;
	return n;
}

static void
lex_skipline(struct lex *lx)
{
	while (*lx->p != '\0' && *lx->p++ != '\n')
		;
}

/* The next token into *tok (malloc'd).  1, 0 at the end, -1 on error. */
static int
lex_token(struct lex *lx, char **tok)
{
	char	*t;
	size_t	 len, cap, cl;
	unsigned char c;

	if (lx->pblen > 0) {
		*tok = xstrndup(lx->pb, lx->pblen);
		lx->pblen = 0;
		return 1;
	}
	cap = strlen(lx->p) + 1;
	t = xmalloc(cap);
	len = 0;
	for (;;) {
		c = (unsigned char)*lx->p;
		cl = c == '\0' ? 0 : lex_charlen(lx->p);
		if (lx->state == 0)
			break;
		if (lx->state == ' ') {
			if (c == '\0') {
				lx->state = 0;
				break;
			}
			lx->p += cl;
			if (lex_space(c)) {
				if (len > 0)
					break;
				continue;
			}
			if (c == '#') {
				lex_skipline(lx);
				continue;
			}
			memcpy(t + len, lx->p - cl, cl);
			len += cl;
			if (lex_wordchar(c))
				lx->state = 'a';
			else if (c == '\'' || c == '"')
				lx->state = c;
			else
				break;
		} else if (lx->state == '\'' || lx->state == '"') {
			if (c == '\0') {
				free(t);
				return -1;
			}
			lx->p += cl;
			memcpy(t + len, lx->p - cl, cl);
			len += cl;
			if (c == lx->state) {
				lx->state = ' ';
				break;
			}
		} else {	/* 'a': in a word */
			if (c == '\0') {
				lx->state = 0;
				break;
			}
			lx->p += cl;
			if (lex_space(c)) {
				lx->state = ' ';
				if (len > 0)
					break;
				continue;
			}
			if (c == '#') {
				lex_skipline(lx);
				continue;
			}
			if (lex_wordchar(c) || c == '\'' || c == '"') {
				memcpy(t + len, lx->p - cl, cl);
				len += cl;
				continue;
			}
			memcpy(lx->pb, lx->p - cl, cl);
			lx->pblen = cl;
			lx->state = ' ';
			if (len > 0)
				break;
			continue;
		}
	}
	if (len == 0) {
		free(t);
		return 0;
	}
	t[len] = '\0';
	*tok = t;
	return 1;
}

/* Python's str.strip('\'"'). */
static char *
strip_quotes(const char *s)
{
	size_t	 n;

	while (*s == '\'' || *s == '"')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\'' || s[n - 1] == '"'))
		n--;
	return xstrndup(s, n);
}

int
cfgval_envlist(const char *s, json_t **out, char **err)
{
	struct lex lx;
	json_t	*o;
	char	**toks, *tok, *v;
	size_t	 n, i;
	int	 r;

	memset(&lx, 0, sizeof lx);
	lx.p = s;
	lx.state = ' ';
	toks = NULL;
	n = 0;
	while ((r = lex_token(&lx, &tok)) == 1) {
		toks = xreallocarray(toks, n + 1, sizeof *toks);
		toks[n++] = tok;
	}
	o = NULL;
	if (r == -1) {
		*err = xstrdup("No closing quotation");
		goto done;
	}
	o = json_object();
	/* KEY = VALUE, then one separator token that is not looked at. */
	for (i = 0; i < n; i += 4) {
		if (i + 2 >= n || strcmp(toks[i + 1], "=") != 0) {
			xasprintf(err, "Unexpected end of key/value pairs in "
			    "value '%s'", s);
			json_decref(o);
			o = NULL;
			goto done;
		}
		v = strip_quotes(toks[i + 2]);
		json_object_set_new_nocheck(o, toks[i], json_string_nocheck(v));
		free(v);
	}
done:
	for (i = 0; i < n; i++)
		free(toks[i]);
	free(toks);
	*out = o;
	return o != NULL ? 0 : -1;
}

/* ---- named things ---------------------------------------------------- */

int
cfgval_loglevel(const char *s, int *out, char **err)
{
	static const struct {
		const char	*name;
		int		 level;
	} levels[] = {
		{ "critical", STH_LOG_CRIT }, { "error", STH_LOG_ERRO },
		{ "warn", STH_LOG_WARN }, { "info", STH_LOG_INFO },
		{ "debug", STH_LOG_DEBG }, { "trace", STH_LOG_TRAC },
		{ "blather", STH_LOG_BLAT },
	};
	size_t	 i;
	char	*l;

	l = lowered(s);
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		if (strcmp(levels[i].name, l) == 0) {
			*out = levels[i].level;
			free(l);
			return 0;
		}
	}
	free(l);
	*err = err_repr("bad logging level name %s", s);
	return -1;
}

/* supervisord's name_to_uid: an id that exists, or a user name. */
static int
name_to_uid(const char *s, uid_t *uid, gid_t *gid, char **err)
{
	struct passwd *pw;
	long long v;

	if (py_int(s, 10, &v) == 0) {
		if (v < 0 || v > (long long)UINT_MAX - 1 ||
		    (pw = getpwuid((uid_t)v)) == NULL) {
			xasprintf(err, "Invalid user id %s", s);
			return -1;
		}
	} else if ((pw = getpwnam(s)) == NULL) {
		xasprintf(err, "Invalid user name %s", s);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
name_to_gid(const char *s, gid_t *gid)
{
	struct group *gr;
	long long v;

	if (py_int(s, 10, &v) == 0) {
		if (v < 0 || v > (long long)UINT_MAX - 1 ||
		    (gr = getgrgid((gid_t)v)) == NULL)
			return -1;
	} else if ((gr = getgrnam(s)) == NULL)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

int
cfgval_user(const char *s, uid_t *uid, gid_t *gid, char **err)
{
	return name_to_uid(s, uid, gid, err);
}

int
cfgval_owner(const char *s, uid_t *uid, gid_t *gid, char **err)
{
	const char *colon;
	char	*user, *why;
	gid_t	 primary;
	int	 ok;

	colon = strchr(s, ':');
	user = colon != NULL ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	why = NULL;
	ok = name_to_uid(user, uid, &primary, &why) == 0;
	free(why);
	free(user);
	if (ok) {
		if (colon == NULL)
			*gid = (gid_t)-1; /* unchanged, as chown(2) reads it */
		else
			ok = name_to_gid(colon + 1, gid) == 0;
	}
	if (!ok) {
		xasprintf(err, "Invalid user:group definition %s", s);
		return -1;
	}
	return 0;
}

int
cfgval_autorestart(const char *s, int *out, char **err)
{
	char	*l;
	int	 rv = 0;

	l = lowered(s);
	if (in_list(cfg_truthy, l))
		*out = 1;
	else if (in_list(cfg_falsy, l))
		*out = 0;
	else if (strcmp(l, "unexpected") == 0)
		*out = 2;
	else {
		*err = err_repr("invalid 'autorestart' value %s", l);
		rv = -1;
	}
	free(l);
	return rv;
}

/* os.path.expanduser. */
static char *
expand_user(const char *s)
{
	struct passwd *pw;
	const char *slash, *home;
	char	*name, *out;
	size_t	 hn;

	if (s[0] != '~')
		return xstrdup(s);
	slash = strchr(s, '/');
	if (slash == NULL)
		slash = s + strlen(s);
	if (slash == s + 1) {
		if ((home = getenv("HOME")) == NULL) {
			if ((pw = getpwuid(getuid())) == NULL)
				return xstrdup(s);
			home = pw->pw_dir;
		}
	} else {
		name = xstrndup(s + 1, (size_t)(slash - s - 1));
		pw = getpwnam(name);
		free(name);
		if (pw == NULL)
			return xstrdup(s);
		home = pw->pw_dir;
	}
	hn = strlen(home);
	while (hn > 0 && home[hn - 1] == '/')
		hn--;
	xasprintf(&out, "%.*s%s", (int)hn, home, slash);
	if (*out == '\0') {
		free(out);
		out = xstrdup("/");
	}
	return out;
}

int
cfgval_logfile(const char *s, enum cfg_logfile *kind, char **path,
    char **err)
{
	static const struct {
		const char	*name;
		enum cfg_logfile kind;
	} words[] = {
		{ "none", CFG_LOGFILE_NONE }, { "off", CFG_LOGFILE_NONE },
		{ "auto", CFG_LOGFILE_AUTO }, { "syslog", CFG_LOGFILE_SYSLOG },
		{ "stdout", CFG_LOGFILE_STDOUT },
		{ "stderr", CFG_LOGFILE_STDERR },
	};
	struct stat st;
	char	*l, *nv, *dir, *slash;
	size_t	 i;

	*path = NULL;
	l = lowered(s);
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(l, words[i].name) == 0) {
			*kind = words[i].kind;
			free(l);
			return 0;
		}
	}
	free(l);
	nv = expand_user(s);
	/* os.path.dirname: up to the last '/', trailing slashes dropped. */
	if ((slash = strrchr(nv, '/')) != NULL) {
		dir = xstrndup(nv, (size_t)(slash - nv + 1));
		for (i = strlen(dir); i > 1 && dir[i - 1] == '/'; i--)
			dir[i - 1] = '\0';
		if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
			xasprintf(err, "The directory named as part of the "
			    "path %s does not exist", s);
			free(dir);
			free(nv);
			return -1;
		}
		free(dir);
	}
	*kind = CFG_LOGFILE_PATH;
	*path = nv;
	return 0;
}

static int
port_number(const char *s, int *port, char **err)
{
	long long v;

	if (py_int(s, 10, &v) != 0) {
		*err = err_repr("invalid literal for int() with base 10: %s",
		    s);
		return -1;
	}
	if (v < 1) {
		xasprintf(err, "%lld is below lower bound (1)", v);
		return -1;
	}
	if (v > 65535) {
		xasprintf(err, "%lld is above upper bound (65535)", v);
		return -1;
	}
	*port = (int)v;
	return 0;
}

int
cfgval_hostport(const char *s, char **host, int *port, char **err)
{
	const char *colon;
	char	*h, *why;

	*host = NULL;
	if ((colon = strrchr(s, ':')) == NULL) {
		if (port_number(s, port, &why) == -1) {
			free(why);
			*err = err_repr("not a valid port number: %s", s);
			return -1;
		}
		return 0;
	}
	if (colon[1] == '\0') {
		*err = err_repr("no port number specified in %s", s);
		return -1;
	}
	if (port_number(colon + 1, port, err) == -1)
		return -1;
	h = lowered(s);
	h[colon - s] = '\0';
	if (*h == '\0' || strcmp(h, "*") == 0)
		free(h);
	else
		*host = h;
	return 0;
}

/* ---- where, and the section reader ----------------------------------- */

static char *
where_at(const char *section, const char *file, int line)
{
	char	*rs, *rf, *w;

	rs = pyrepr(section);
	rf = pyrepr(file);
	xasprintf(&w, "in section %s (file: %s, line %d)", rs, rf, line);
	free(rs);
	free(rf);
	return w;
}

int
cfg_list_next(const char **cur, const char **item, size_t *len)
{
	const char *p = *cur, *e;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0') {
			*cur = p;
			return 0;
		}
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		*cur = *e == ',' ? e + 1 : e;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			*item = p;
			*len = (size_t)(e - p);
			return 1;
		}
		p = *cur;
	}
}

char *
cfg_where(const struct ini_section *sec, const char *key)
{
	struct ini_entry *e;

	if (sec == NULL)
		return xstrdup("in the built-in defaults");
	if (key != NULL && (e = ini_entry_find(sec, key)) != NULL)
		return where_at(ini_section_name(sec), ini_entry_file(e),
		    ini_entry_line(e));
	return where_at(ini_section_name(sec), ini_section_file(sec),
	    ini_section_line(sec));
}

/*
 * One handler per type: parse text into the member, reset it, free it,
 * compare two of it.
 */
struct cfg_kind {
	int	(*parse)(const char *, void *, char **);
	void	(*unset)(void *);
	void	(*release)(void *);
	int	(*equal)(const void *, const void *);
};

static int
parse_str(const char *s, void *dst, char **err)
{
	*(char **)dst = xstrdup(s);
	return 0;
}

static void
unset_ptr(void *dst)
{
	*(void **)dst = NULL;
}

static void
release_str(void *dst)
{
	free(*(char **)dst);
	*(char **)dst = NULL;
}

static int
parse_bool(const char *s, void *dst, char **err)
{
	return cfgval_bool(s, dst, err);
}

static void
unset_int(void *dst)
{
	*(int *)dst = 0;
}

static int
parse_int(const char *s, void *dst, char **err)
{
	return cfgval_int(s, dst, err);
}

static void
unset_long(void *dst)
{
	*(long *)dst = 0;
}

static int
parse_bytes(const char *s, void *dst, char **err)
{
	return cfgval_bytes(s, dst, err);
}

static void
unset_llong(void *dst)
{
	*(long long *)dst = 0;
}

static int
parse_octal(const char *s, void *dst, char **err)
{
	return cfgval_octal(s, dst, err);
}

static void
unset_octal(void *dst)
{
	*(long *)dst = -1;
}

static int
parse_signal(const char *s, void *dst, char **err)
{
	return cfgval_signal(s, dst, err);
}

static int
parse_loglevel(const char *s, void *dst, char **err)
{
	return cfgval_loglevel(s, dst, err);
}

static int
parse_codes(const char *s, void *dst, char **err)
{
	struct cfg_codes *c = dst;

	return cfgval_exitcodes(s, &c->codes, &c->n, err);
}

static void
unset_codes(void *dst)
{
	struct cfg_codes *c = dst;

	c->codes = NULL;
	c->n = 0;
}

static void
release_codes(void *dst)
{
	struct cfg_codes *c = dst;

	free(c->codes);
	unset_codes(c);
}

static int
parse_env(const char *s, void *dst, char **err)
{
	return cfgval_envlist(s, dst, err);
}

static void
release_env(void *dst)
{
	json_decref(*(json_t **)dst);
	*(json_t **)dst = NULL;
}

static int
parse_autorestart(const char *s, void *dst, char **err)
{
	return cfgval_autorestart(s, dst, err);
}

static int
parse_logfile(const char *s, void *dst, char **err)
{
	struct cfg_logpath *lp = dst;

	return cfgval_logfile(s, &lp->kind, &lp->path, err);
}

static void
unset_logfile(void *dst)
{
	struct cfg_logpath *lp = dst;

	lp->kind = CFG_LOGFILE_NONE;
	lp->path = NULL;
}

static void
release_logfile(void *dst)
{
	struct cfg_logpath *lp = dst;

	free(lp->path);
	unset_logfile(lp);
}

static int
eq_str(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

static int
eq_int(const void *a, const void *b)
{
	return *(const int *)a == *(const int *)b;
}

static int
eq_long(const void *a, const void *b)
{
	return *(const long *)a == *(const long *)b;
}

static int
eq_llong(const void *a, const void *b)
{
	return *(const long long *)a == *(const long long *)b;
}

static int
eq_codes(const void *a, const void *b)
{
	const struct cfg_codes *x = a, *y = b;

	return x->n == y->n && (x->n == 0 ||
	    memcmp(x->codes, y->codes, x->n * sizeof *x->codes) == 0);
}

static int
eq_env(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	if (x == NULL || y == NULL)
		return x == y;
	return json_equal(x, y);
}

/* The kind as configured; a path only for a path (AUTO's name is made
 * later, at random, and is not a change). */
static int
eq_logfile(const void *a, const void *b)
{
	const struct cfg_logpath *x = a, *y = b;

	if (x->kind != y->kind)
		return 0;
	return x->kind != CFG_LOGFILE_PATH || eq_str(&x->path, &y->path);
}

static const struct cfg_kind cfg_kinds[] = {
	[CFG_STR] = { parse_str, unset_ptr, release_str, eq_str },
	[CFG_BOOL] = { parse_bool, unset_int, NULL, eq_int },
	[CFG_INT] = { parse_int, unset_long, NULL, eq_long },
	[CFG_BYTES] = { parse_bytes, unset_llong, NULL, eq_llong },
	[CFG_OCTAL] = { parse_octal, unset_octal, NULL, eq_long },
	[CFG_SIGNAL] = { parse_signal, unset_int, NULL, eq_int },
	[CFG_LOGLEVEL] = { parse_loglevel, unset_int, NULL, eq_int },
	[CFG_EXITCODES] = { parse_codes, unset_codes, release_codes,
	    eq_codes },
	[CFG_ENV] = { parse_env, unset_ptr, release_env, eq_env },
	[CFG_AUTORESTART] = { parse_autorestart, unset_int, NULL, eq_int },
	[CFG_LOGFILE] = { parse_logfile, unset_logfile, release_logfile,
	    eq_logfile },
};

static const struct cfg_kind *
cfg_kind(const struct cfg_option *o)
{
	if ((size_t)o->type >= sizeof cfg_kinds / sizeof cfg_kinds[0] ||
	    cfg_kinds[o->type].parse == NULL)
		fatalx("cfg: option %s has unknown type %d", o->key, o->type);
	return &cfg_kinds[o->type];
}

/*
 * The value of one option, expanded: vars plus `here` (the directory of
 * the file the value came from; for a default, the caller's `here` or the
 * section's file's directory).
 */
static char *
expand_value(const struct ini_section *sec, const struct ini_entry *e,
    const struct cfg_option *o, const char *raw, const json_t *vars,
    char **err)
{
	json_t	*v;
	char	*name, *once, *twice, *dir, *slash;

	v = vars != NULL ? json_copy((json_t *)vars) : json_object();
	if (e != NULL)
		json_object_set_new(v, "here",
		    json_string_nocheck(ini_entry_here(e)));
	else if (json_object_get(v, "here") == NULL && sec != NULL) {
		dir = xstrdup(ini_section_file(sec));
		if ((slash = strrchr(dir, '/')) != NULL)
			*(slash == dir ? slash + 1 : slash) = '\0';
		json_object_set_new(v, "here", json_string_nocheck(dir));
		free(dir);
	}
	if (sec != NULL)
		xasprintf(&name, "%s.%s", ini_section_name(sec), o->key);
	else
		name = xstrdup(o->key);
	once = expand(raw, name, v, err);
	twice = NULL;
	if (once != NULL && (o->flags & CFG_EXPAND_TWICE)) {
		twice = expand(once, name, v, err);
		free(once);
		once = twice;
	}
	free(name);
	json_decref(v);
	return once;
}

void
cfg_release(const struct cfg_option *opts, void *target)
{
	const struct cfg_option *o;
	const struct cfg_kind *k;

	for (o = opts; o->key != NULL; o++) {
		k = cfg_kind(o);
		if (k->release != NULL)
			k->release((char *)target + o->offset);
	}
}

int
cfg_equal(const struct cfg_option *opts, const void *a, const void *b)
{
	const struct cfg_option *o;

	for (o = opts; o->key != NULL; o++)
		if (!cfg_kind(o)->equal((const char *)a + o->offset,
		    (const char *)b + o->offset))
			return 0;
	return 1;
}

/* "section [S] has no KEY value (file: F, line N)", for a required key. */
static char *
missing(const struct ini_section *sec, const char *key)
{
	char	*rf, *msg;

	if (sec == NULL) {
		xasprintf(&msg, "no %s value", key);
		return msg;
	}
	rf = pyrepr(ini_section_file(sec));
	xasprintf(&msg, "section [%s] has no %s value (file: %s, line %d)",
	    ini_section_name(sec), key, rf, ini_section_line(sec));
	free(rf);
	return msg;
}

/* A number (CFG_INT, CFG_BYTES, CFG_OCTAL) outside the option's bounds:
 * the message, else NULL. */
static char *
out_of_bounds(const struct ini_section *sec, const struct cfg_option *o,
    const void *dst)
{
	long long n;
	char	*where, *msg;

	if (o->min >= o->max || (o->type != CFG_INT && o->type != CFG_BYTES &&
	    o->type != CFG_OCTAL))
		return NULL;
	n = o->type == CFG_BYTES ? *(const long long *)dst :
	    *(const long *)dst;
	if (n >= o->min && n <= o->max)
		return NULL;
	where = cfg_where(sec, o->key);
	xasprintf(&msg, "%lld is %s bound (%ld) for '%s' %s", n,
	    n < o->min ? "below lower" : "above upper",
	    n < o->min ? o->min : o->max, o->key, where);
	free(where);
	return msg;
}

/* Read one option from its entry e of sec (NULL: its default) into dst:
 * 0, or -1 with *err set. */
static int
read_one(const struct ini_section *sec, const struct ini_entry *e,
    const struct cfg_option *o, void *dst, const json_t *vars, char **err)
{
	const char *raw;
	char	*val, *why, *where, *rk;

	raw = e != NULL ? ini_entry_value(e) : o->def;
	if (raw == NULL) {
		if (o->flags & CFG_REQUIRED) {
			*err = missing(sec, o->key);
			return -1;
		}
		return 0;
	}
	if (o->flags & CFG_NO_EXPAND)
		val = xstrdup(raw);
	else if ((val = expand_value(sec, e, o, raw, vars, &why)) == NULL) {
		where = cfg_where(sec, o->key);
		xasprintf(err, "%s %s", why, where);
		free(why);
		free(where);
		return -1;
	}
	if ((o->flags & CFG_EMPTY_NULL) && *val == '\0') {
		free(val);
		return 0;
	}
	if (cfg_kind(o)->parse(val, dst, &why) == -1) {
		rk = pyrepr(o->key);
		where = cfg_where(sec, o->key);
		xasprintf(err, "%s for %s %s", why, rk, where);
		free(rk);
		free(why);
		free(where);
		free(val);
		return -1;
	}
	free(val);
	*err = out_of_bounds(sec, o, dst);
	return *err != NULL ? -1 : 0;
}

/*
 * Every member is first set to "unset"; on error whatever was read is
 * released again, so the caller never releases after a failure.
 */
int
cfg_read_over(const struct ini_section *sec, const struct ini_section *fallback,
    const struct cfg_option *opts, void *target, const json_t *vars,
    char **err)
{
	const struct cfg_option *o;
	const struct ini_section *from;
	struct ini_entry *e;

	*err = NULL;
	for (o = opts; o->key != NULL; o++)
		cfg_kind(o)->unset((char *)target + o->offset);

	for (o = opts; o->key != NULL; o++) {
		from = sec;
		e = sec != NULL ? ini_entry_find(sec, o->key) : NULL;
		if (e == NULL && fallback != NULL &&
		    (e = ini_entry_find(fallback, o->key)) != NULL)
			from = fallback;
		if (read_one(from, e, o, (char *)target + o->offset, vars,
		    err) == -1) {
			cfg_release(opts, target);
			return -1;
		}
	}
	return 0;
}

int
cfg_read(const struct ini_section *sec, const struct cfg_option *opts,
    void *target, const json_t *vars, char **err)
{
	return cfg_read_over(sec, NULL, opts, target, vars, err);
}
