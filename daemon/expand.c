/*
 * expand.c — Python %-format expansion of config values (see expand.h).
 *
 * supervisord expands a value with `value % expansions`, so the accepted
 * syntax is Python's printf-style formatting with a mapping: every
 * conversion must name a key, `%%` is a literal `%`, flags `-+ #0`, a
 * width and a precision are allowed, length modifiers `hlL` are ignored and
 * the conversions are `s r a d i u o x X e E f F g G c`.  Errors reproduce
 * Python's texts inside supervisord's wrapper.  Where C and Python print a
 * number differently (`%#o` is `0o17` in Python), Python's form is used.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbuf.h"
#include "expand.h"
#include "pyrepr.h"
#include "xmalloc.h"

/* A width or precision above this is refused (Python would allocate it). */
#define EXPAND_MAX_WIDTH 4096

extern char **environ;

static void
buf_pad(struct dbuf *b, char c, size_t n)
{
	while (n-- > 0)
		dbuf_addc(b, c);
}

struct spec {
	int	 left;		/* - */
	int	 plus;		/* + */
	int	 space;		/* ' ' */
	int	 alt;		/* # */
	int	 zero;		/* 0 */
	long	 width;		/* -1 = none */
	long	 prec;		/* -1 = none */
	char	 conv;
};

/* Pad text to the spec's width: strings pad with spaces only. */
static void
emit_padded(struct dbuf *b, const struct spec *sp, const char *s, size_t n)
{
	size_t	 w;

	w = sp->width > 0 ? (size_t)sp->width : 0;
	if (!sp->left && w > n)
		buf_pad(b, ' ', w - n);
	dbuf_add(b, s, n);
	if (sp->left && w > n)
		buf_pad(b, ' ', w - n);
}

/* An integer conversion, d i u o x X, in Python's spelling. */
static void
emit_int(struct dbuf *b, const struct spec *sp, json_int_t v)
{
	char	 digits[80];
	const char *prefix;
	unsigned long long mag;
	const char *sign;
	size_t	 nd, np, ns, total, w;
	int	 base;

	mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	sign = v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	prefix = "";
	switch (sp->conv) {
	case 'o':
		base = 8;
		if (sp->alt)
			prefix = "0o";
		break;
	case 'x':
	case 'X':
		base = 16;
		if (sp->alt)
			prefix = sp->conv == 'x' ? "0x" : "0X";
		break;
	default:
		base = 10;
		break;
	}
	if (base == 8)
		snprintf(digits, sizeof digits, "%llo", mag);
	else if (base == 16)
		snprintf(digits, sizeof digits,
		    sp->conv == 'x' ? "%llx" : "%llX", mag);
	else
		snprintf(digits, sizeof digits, "%llu", mag);
	nd = strlen(digits);
	np = strlen(prefix);
	ns = strlen(sign);
	/* Python: a precision gives a minimum number of digits. */
	if (sp->prec > 0 && (size_t)sp->prec > nd)
		total = ns + np + (size_t)sp->prec;
	else
		total = ns + np + nd;
	w = sp->width > 0 ? (size_t)sp->width : 0;
	if (!sp->left && !sp->zero && w > total)
		buf_pad(b, ' ', w - total);
	dbuf_add(b, sign, ns);
	dbuf_add(b, prefix, np);
	if (!sp->left && sp->zero && w > total)
		buf_pad(b, '0', w - total);
	if (sp->prec > 0 && (size_t)sp->prec > nd)
		buf_pad(b, '0', (size_t)sp->prec - nd);
	dbuf_add(b, digits, nd);
	if (sp->left && w > total)
		buf_pad(b, ' ', w - total);
}

/* A float conversion of an integer value: C's printf agrees with Python. */
static void
emit_float(struct dbuf *b, const struct spec *sp, json_int_t v)
{
	char	 fmt[32], *out;
	int	 n;

	snprintf(fmt, sizeof fmt, "%%%s%s%s%s%s*.*%c", sp->left ? "-" : "",
	    sp->plus ? "+" : "", sp->space ? " " : "", sp->alt ? "#" : "",
	    sp->zero ? "0" : "", sp->conv);
	n = snprintf(NULL, 0, fmt, (int)(sp->width > 0 ? sp->width : 0),
	    (int)(sp->prec >= 0 ? sp->prec : 6), (double)v);
	out = xmalloc((size_t)n + 1);
	snprintf(out, (size_t)n + 1, fmt, (int)(sp->width > 0 ? sp->width : 0),
	    (int)(sp->prec >= 0 ? sp->prec : 6), (double)v);
	dbuf_add(b, out, (size_t)n);
	free(out);
}

/*
 * Format one value.  Returns NULL or a malloc'd Python TypeError text.
 */
static char *
emit(struct dbuf *b, const struct spec *sp, const json_t *val)
{
	struct dbuf tmp = DBUF_INIT;
	char	 num[32], c, *msg;
	const char *s;
	size_t	 n;

	if (!json_is_string(val) && !json_is_integer(val))
		fatalx("expand: a value that is neither string nor integer");
	switch (sp->conv) {
	case 's':
	case 'r':
	case 'a':
		if (json_is_integer(val)) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(val));
			dbuf_add(&tmp, num, strlen(num));
		} else if (sp->conv == 's')
			dbuf_add(&tmp, json_string_value(val),
			    json_string_length(val));
		else
			pyrepr_add(&tmp, json_string_value(val),
			    strlen(json_string_value(val)),
			    sp->conv == 'a' ? PYREPR_ASCII : 0);
		s = tmp.data != NULL ? tmp.data : "";
		n = tmp.len;
		if (sp->prec >= 0 && (size_t)sp->prec < n)
			n = (size_t)sp->prec;
		emit_padded(b, sp, s, n);
		free(tmp.data);
		return NULL;
	case 'c':
		if (json_is_integer(val)) {
			if (json_integer_value(val) < 0 ||
			    json_integer_value(val) > 127)
				return xstrdup("%c arg not in range(128)");
			c = (char)json_integer_value(val);
			emit_padded(b, sp, &c, 1);
			return NULL;
		}
		if (json_string_length(val) != 1)
			return xstrdup("%c requires int or char");
		emit_padded(b, sp, json_string_value(val), 1);
		return NULL;
	case 'd':
	case 'i':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		if (!json_is_integer(val)) {
			xasprintf(&msg, "%%%c format: %s is required, not str",
			    sp->conv, strchr("diu", sp->conv) != NULL ?
			    "a real number" : "an integer");
			return msg;
		}
		emit_int(b, sp, json_integer_value(val));
		return NULL;
	default:	/* e E f F g G */
		if (!json_is_integer(val))
			return xstrdup("must be real number, not str");
		emit_float(b, sp, json_integer_value(val));
		return NULL;
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Python's str(KeyError(name)) is repr(name). */
static char *
missing_error(const char *in, const char *key, const json_t *vars,
    const char *name)
{
	struct dbuf b = DBUF_INIT;
	const char **names, *k;
	json_t	*v;
	size_t	 n, i;

	dbuf_puts(&b, "Format string ");
	pyrepr_add(&b, in, strlen(in), 0);
	dbuf_puts(&b, " for ");
	pyrepr_add(&b, key, strlen(key), 0);
	dbuf_puts(&b, " contains names (");
	pyrepr_add(&b, name, strlen(name), 0);
	dbuf_puts(&b, ") which cannot be expanded. Available names: ");

	n = vars != NULL ? json_object_size(vars) : 0;
	names = xreallocarray(NULL, n, sizeof *names);
	i = 0;
	if (vars != NULL) {
		json_object_foreach((json_t *)vars, k, v)
			names[i++] = k;
	}
	qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			dbuf_puts(&b, ", ");
		dbuf_add(&b, names[i], strlen(names[i]));
	}
	free(names);
	return b.data;
}

static char *
bad_format(const char *in, const char *key, const char *why)
{
	struct dbuf b = DBUF_INIT;

	dbuf_puts(&b, "Format string ");
	pyrepr_add(&b, in, strlen(in), 0);
	dbuf_puts(&b, " for ");
	pyrepr_add(&b, key, strlen(key), 0);
	dbuf_puts(&b, " is badly formatted: ");
	dbuf_add(&b, why, strlen(why));
	return b.data;
}

/* A run of digits as a width or precision; -2 when too big. */
static long
read_number(const char **pp)
{
	const char *p = *pp;
	long	 n = 0;

	while (isdigit((unsigned char)*p)) {
		if (n <= EXPAND_MAX_WIDTH)
			n = n * 10 + (*p - '0');
		p++;
	}
	*pp = p;
	return n > EXPAND_MAX_WIDTH ? -2 : n;
}

static const char expand_convs[] = "sradiuoxXeEfFgGc";

char *
expand(const char *in, const char *key, const json_t *vars, char **err)
{
	struct dbuf b = DBUF_INIT;
	struct spec sp;
	const char *p, *start, *kstart;
	const json_t *val;
	char	*name, *why;
	int	 depth;

	*err = NULL;
	dbuf_puts(&b, "");
	for (p = in; *p != '\0'; p++) {
		if (*p != '%') {
			dbuf_addc(&b, *p);
			continue;
		}
		start = p++;
		if (*p == '%') {
			dbuf_addc(&b, '%');
			continue;
		}
		if (*p != '(') {
			if (*p == '\0')
				*err = bad_format(in, key, "incomplete format");
			else {
				xasprintf(&why, "format requires a mapping key "
				    "at index %zu", (size_t)(start - in));
				*err = bad_format(in, key, why);
				free(why);
			}
			goto fail;
		}
		/* The key runs to the matching parenthesis, as in Python. */
		kstart = ++p;
		for (depth = 1; *p != '\0'; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (*p == '\0') {
			*err = bad_format(in, key, "incomplete format key");
			goto fail;
		}
		name = xstrndup(kstart, (size_t)(p - kstart));
		val = vars != NULL ? json_object_get(vars, name) : NULL;
		if (val == NULL) {
			*err = missing_error(in, key, vars, name);
			free(name);
			goto fail;
		}
		free(name);
		p++;

		memset(&sp, 0, sizeof sp);
		sp.width = sp.prec = -1;
		for (;; p++) {
			if (*p == '-')
				sp.left = 1;
			else if (*p == '+')
				sp.plus = 1;
			else if (*p == ' ')
				sp.space = 1;
			else if (*p == '#')
				sp.alt = 1;
			else if (*p == '0')
				sp.zero = 1;
			else
				break;
		}
		if (*p == '*' || (*p == '.' && p[1] == '*')) {
			*err = bad_format(in, key,
			    "not enough arguments for format string");
			goto fail;
		}
		if (isdigit((unsigned char)*p))
			sp.width = read_number(&p);
		if (*p == '.') {
			p++;
			if (*p == '*') {
				*err = bad_format(in, key,
				    "not enough arguments for format string");
				goto fail;
			}
			sp.prec = read_number(&p);
		}
		if (sp.width == -2 || sp.prec == -2) {
			*err = bad_format(in, key, sp.width == -2 ?
			    "width too big" : "precision too big");
			goto fail;
		}
		while (*p == 'h' || *p == 'l' || *p == 'L')
			p++;
		if (*p == '\0') {
			*err = bad_format(in, key, "incomplete format");
			goto fail;
		}
		if (strchr(expand_convs, *p) == NULL) {
			if (isprint((unsigned char)*p))
				xasprintf(&why, "unsupported format character "
				    "'%c' (0x%x) at index %zu", *p,
				    (unsigned char)*p, (size_t)(p - in));
			else
				xasprintf(&why, "unsupported format character "
				    "'\\x%02x' (0x%x) at index %zu",
				    (unsigned char)*p, (unsigned char)*p,
				    (size_t)(p - in));
			*err = bad_format(in, key, why);
			free(why);
			goto fail;
		}
		sp.conv = *p;
		if ((why = emit(&b, &sp, val)) != NULL) {
			*err = bad_format(in, key, why);
			free(why);
			goto fail;
		}
	}
	return b.data;

fail:
	free(b.data);
	return NULL;
}

json_t *
expand_env_vars(void)
{
	json_t	*o;
	char	**e, *name;
	const char *eq;

	o = json_object();
	for (e = environ; e != NULL && *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL || eq == *e)
			continue;
		xasprintf(&name, "ENV_%.*s", (int)(eq - *e), *e);
		json_object_set_new(o, name, json_string_nocheck(eq + 1));
		free(name);
	}
	return o;
}

json_t *
expand_vars(const json_t *env, const char *here, const char *node)
{
	json_t *v;

	/* a shallow copy: the values are never changed, only keys added */
	v = env != NULL ? json_copy((json_t *)env) : expand_env_vars();
	if (here != NULL)
		json_object_set_new(v, "here", json_string(here));
	if (node != NULL)
		json_object_set_new(v, "host_node_name", json_string(node));
	return v;
}
