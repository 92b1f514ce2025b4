#!/bin/sh
# checksrc.sh — ban the unbounded and error-blind C library calls
# (sprintf, strcpy, strcat, strncpy, strtok, atoi, gets), trailing white
# space, runs of blank lines and lines longer than 80 columns (a tab runs
# to the next multiple of 8) from daemon/, lib/, plugins/, sdk/ and ctl/
# (after curl's checksrc).
# Use snprintf or xasprintf, memcpy with a checked length (strncpy
# truncates silently and may not terminate), strtok_r or strsep, strtol
# with an end pointer, fgets.
#
# Usage: tests/checksrc.sh [FILE...]   (default: every .c and .h in daemon/,
# lib/, plugins/, sdk/ and ctl/ of the source tree).  Prints "file:line:
# banned call NAME(): the line", "file:line: longer than 80 columns" and so
# on for each hit and exits 1 if there is any.  Comments and string literals are
# ignored by the banned-call check.  Run by make check, which first checks
# the checker itself on two sample files (a banned call and an 81-column
# line must be found, clean code with an 80-column line must pass).
set -u

top=${STHENO_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

# One awk pass per file list: strip comments (also across lines) and
# string/char literals, then look for a banned name followed by "(".
scan() {
	LC_ALL=C awk '
	FNR == 1 { incomment = 0 }
	{
		line = $0; out = ""; i = 1; n = length(line)
		while (i <= n) {
			two = substr(line, i, 2)
			if (incomment) {
				if (two == "*/") { incomment = 0; i += 2 }
				else i++
				continue
			}
			if (two == "/*") { incomment = 1; out = out " "; i += 2; continue }
			if (two == "//") break
			c = substr(line, i, 1)
			if (c == "\"" || c == "\047") {
				q = c; i++
				while (i <= n && substr(line, i, 1) != q) {
					if (substr(line, i, 1) == "\\") i++
					i++
				}
				out = out q q; i++
				continue
			}
			out = out c; i++
		}
		if ($0 ~ /[ \t]+$/) {
			printf "%s:%d: trailing white space\n", FILENAME, FNR
			bad = 1
		}
		if ($0 == "" && FNR > 1 && blank) {
			printf "%s:%d: two blank lines in a row\n", FILENAME, FNR
			bad = 1
		}
		blank = ($0 == "")
		# Columns, not bytes: a tab runs to the next multiple of 8 and
		# a UTF-8 continuation byte takes none.
		w = $0; gsub(/[\200-\277]/, "", w); col = 0
		for (j = 1; j <= length(w); j++)
			col = substr(w, j, 1) == "\t" ? col + 8 - col % 8 : col + 1
		if (col > 80) {
			printf "%s:%d: longer than 80 columns\n", FILENAME, FNR
			bad = 1
		}
		if (match(out, /(^|[^A-Za-z0-9_])(sprintf|strcpy|strcat|strncpy|strtok|atoi|gets)[ \t]*\(/)) {
			hit = substr(out, RSTART, RLENGTH)
			sub(/^[^A-Za-z]/, "", hit)
			sub(/[ \t]*\($/, "", hit)
			text = $0
			sub(/^[ \t]+/, "", text)
			printf "%s:%d: banned call %s(): %s\n", FILENAME, FNR, hit, text
			bad = 1
		}
	}
	END { exit bad }
	' "$@"
}

# The checker must catch a banned call and pass clean code, or a broken
# awk would make every tree look clean.
selftest() {
	tmp=$(mktemp -d) || exit 99
	cat >"$tmp/bad.c" <<'EOF'
/* sprintf( in a comment is fine */
static void f(char *b) { const char *s = "strcpy(x)"; int n;
	n = atoi (s);
	sprintf(b, "%d", n); 
	strncpy(b, s, 2);
	n = 1; /* an 81-column line: a tab counts to column 8, then 73 more -- */
}
EOF
	cat >"$tmp/good.c" <<'EOF'
/* strcat(a, b) in a comment, and
 * gets(x) in a multi-line one */
static void g(char *b, size_t len) { char *save;
	snprintf(b, len, "sprintf(%s)", "atoi(");
	(void)strtok_r(b, " ", &save);
	vfs_strcpy_like(b); my_atoi_safe(b); fgets(b, 1, stdin);
	(void)b; /* exactly 80 columns with a tab — and one multi-byte dash */ ;
}
EOF
	out=$(scan "$tmp/bad.c")
	if [ $? -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 5 ] ||
	    ! printf '%s\n' "$out" | grep -q 'bad.c:3: banned call atoi()' ||
	    ! printf '%s\n' "$out" | grep -q 'bad.c:4: trailing white space' ||
	    ! printf '%s\n' "$out" | grep -q 'bad.c:4: banned call sprintf()' ||
	    ! printf '%s\n' "$out" | grep -q 'bad.c:5: banned call strncpy()' ||
	    ! printf '%s\n' "$out" | grep -q 'bad.c:6: longer than 80 columns'; then
		echo "checksrc: self-test failed on a file with banned calls:"
		printf '%s\n' "$out"
		rm -rf "$tmp"; exit 99
	fi
	if ! out=$(scan "$tmp/good.c"); then
		echo "checksrc: self-test failed on clean code:"
		printf '%s\n' "$out"
		rm -rf "$tmp"; exit 99
	fi
	rm -rf "$tmp"
}

if [ $# -gt 0 ]; then
	scan "$@"
	exit $?
fi
selftest
cd "$top" || exit 99
files=$(find daemon lib plugins sdk ctl -name '*.[ch]' 2>/dev/null |
    LC_ALL=C sort)
[ -n "$files" ] || { echo "checksrc: no sources under $top"; exit 99; }
# shellcheck disable=SC2086
if scan $files; then
	echo "checksrc: $(echo "$files" | wc -l) files clean"
	exit 0
fi
exit 1
