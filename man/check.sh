#!/bin/sh
# make check: the man pages are well-formed roff (mandoc -T lint, else
# groff -ww), man/stheno.conf.5 is what man/md2man.py makes of
# docs/stheno.conf.5.md, and sthenod.8 names every option of sthenod -h.
set -u
src=${STHENO_SRCDIR:?}
fail=0
for p in "$src"/man/sthenod.8 "$src"/man/sthenoctl.1 \
    "$src"/man/stheno-plugin-check.1 "$src"/man/stheno.conf.5
do
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W warning "$p" || { echo "FAIL lint $p"; fail=1; }
	else
		out=$(groff -ww -z -mandoc "$p" 2>&1)
		[ -z "$out" ] || { echo "$out"; echo "FAIL groff $p"; fail=1; }
	fi
done
if ! /usr/bin/python3 "$src/man/md2man.py" "$src/docs/stheno.conf.5.md" |
    diff -u "$src/man/stheno.conf.5" -; then
	echo "FAIL man/stheno.conf.5 is stale: run man/md2man.py" \
	    "docs/stheno.conf.5.md > man/stheno.conf.5"
	fail=1
fi
for o in $("${STHENOD:?}" -h | sed -n 's/^.*--\([a-z_-]*\).*/\1/p'); do
	grep -q -- "Fl Fl $o\|Fl Fl $o Ns" "$src/man/sthenod.8" ||
		{ echo "FAIL sthenod.8 lacks --$o"; fail=1; }
done
[ $fail = 0 ] && echo "man pages: ok"
exit $fail
