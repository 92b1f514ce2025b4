#!/usr/bin/python3
"""stheno.conf(5) from docs/stheno.conf.5.md: one text, two forms.

    md2man.py docs/stheno.conf.5.md > man/stheno.conf.5

The Markdown page is the source; man/stheno.conf.5 (man(7) macros) is
made from it and committed, so that building needs no Python, and
man/check.sh (make check) fails when the two disagree.  Only the Markdown
the page uses is understood: headings, paragraphs, indented code blocks,
"* " lists, "term" / ": text" definitions, pipe tables, `code`, **bold**
and *italic*; anything else non-ASCII than the characters below is an
error, so the page never renders as mojibake."""

import re
import sys

# The page's date: set it when the page changes in substance.
DATE = "2026-12-07"
SPECIAL = {"\u2014": r"\(em", "\u2013": r"\(en", "\u00d7": r"\(mu",
           "\u00b2": r"\(S2", "\u00b3": r"\(S3", "\u2026": r"\&...",
           "\u2192": r"\(->", "\u2019": "'", "\u201c": r"\(lq",
           "\u201d": r"\(rq", "\u00a7": r"\(sc", "\u2212": r"\(mi",
           "\u2264": r"\(<=", "\u2265": r"\(>=", "\u2260": r"\(!=",
           "\u2018": "`", "\u00b5": r"\(mc", "\u00a0": r"\ "}


def esc(text):
    """Plain text to roff: backslashes, then the special characters."""
    text = text.replace("\\", r"\e")
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        elif ch in SPECIAL:
            out.append(SPECIAL[ch])
        else:
            sys.exit("md2man: no roff for %r in %r" % (ch, text))
    return "".join(out)


def inline(text):
    """Inline Markdown to roff fonts."""
    parts = []
    pos = 0
    rx = re.compile(r"``\s?(.+?)\s?``|`([^`]+)`|\*\*(.+?)\*\*|"
                    r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")
    for m in rx.finditer(text):
        parts.append(esc(text[pos:m.start()]))
        if m.group(1) is not None or m.group(2) is not None:
            code = m.group(1) if m.group(1) is not None else m.group(2)
            parts.append(r"\fB" + esc(code) + r"\fR")
        elif m.group(3) is not None:
            parts.append(r"\fB" + inline(m.group(3)) + r"\fR")
        else:
            parts.append(r"\fI" + inline(m.group(4)) + r"\fR")
        pos = m.end()
    parts.append(esc(text[pos:]))
    return "".join(parts)


def fill(lines):
    """Text lines to roff lines: no line may start with . or '."""
    out = []
    for line in " ".join(x.strip() for x in lines).split("\n"):
        line = inline(line)
        if line[:1] in (".", "'"):
            line = r"\&" + line
        out.append(line)
    return out


def code(lines):
    out = [".RS 4", ".nf"]
    for line in lines:
        line = esc(line)
        if line[:1] in (".", "'"):
            line = r"\&" + line
        out.append(line)
    return out + [".fi", ".RE"]


def cells(row):
    return [c.strip() for c in row.strip().strip("|").split("|")]


def table(rows):
    head = cells(rows[0])
    out = []
    for row in rows[2:]:
        c = cells(row)
        out += [".TP"] + fill([c[0]])
        for j in range(1, len(c)):
            text = c[j] if len(head) < 3 or j == 1 else \
                "%s: %s" % (head[j].capitalize(), c[j])
            if j > 1:
                out.append(".br")
            out += fill([text])
    return out


def convert(src):
    lines = src.split("\n")
    m = re.match(r"# (\S+)\((\d)\)", lines[0])
    if not m:
        sys.exit("md2man: the first line must be '# name(N) ...'")
    out = ['.\\" Generated from docs/stheno.conf.5.md by man/md2man.py:',
           '.\\" edit that file, then run man/md2man.py (make check '
           'compares).',
           '.TH %s %s %s "Stheno" "File Formats"' % (
               m.group(1).upper(), m.group(2), DATE)]
    i = 1
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("## "):
            out.append(".SH " + esc(line[3:].strip()).upper())
            i += 1
        elif line.startswith("### "):
            out.append('.SS "%s"' % inline(line[4:].strip()))
            i += 1
        elif line.startswith("    "):
            block = []
            while i < n and (lines[i].startswith("    ") or
                             (not lines[i].strip() and i + 1 < n and
                              lines[i + 1].startswith("    "))):
                block.append(lines[i][4:])
                i += 1
            out += [".PP"] + code(block)
        elif line.startswith("|"):
            rows = []
            while i < n and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out += table(rows)
        elif line.startswith("* "):
            out += [".RS 2"]
            while i < n and lines[i].startswith("* "):
                chunks = [["text", [lines[i][2:]]]]
                i += 1
                while i < n and (lines[i].startswith("  ") or
                                 (not lines[i].strip() and i + 1 < n and
                                  lines[i + 1].startswith("  "))):
                    kind = "code" if lines[i].startswith("      ") or \
                        (not lines[i].strip() and
                         chunks[-1][0] == "code") else "text"
                    body = lines[i][6:] if kind == "code" else lines[i][2:]
                    if not lines[i].strip() and kind == "text":
                        i += 1
                        continue
                    if chunks[-1][0] != kind:
                        chunks.append([kind, []])
                    chunks[-1][1].append(body)
                    i += 1
                out.append(".IP \\(bu 2")
                for k, (kind, body) in enumerate(chunks):
                    if kind == "code":
                        while body and not body[-1].strip():
                            body.pop()
                        out += code(body)
                    else:
                        out += ([".IP"] if k else []) + fill(body)
                while i < n and not lines[i].strip() and i + 1 < n and \
                        lines[i + 1].startswith("* "):
                    i += 1
            out += [".RE"]
        elif i + 1 < n and lines[i + 1].startswith(": "):
            out += [".TP"] + fill([line])
            i += 1
            para = [lines[i][2:]]
            i += 1
            first = True
            while i < n and (lines[i].startswith("  ") or
                             (not lines[i].strip() and i + 1 < n and
                              lines[i + 1].startswith("  "))):
                if not lines[i].strip():
                    out += ([] if first else [".IP"]) + fill(para)
                    first = False
                    para = []
                else:
                    para.append(lines[i][2:])
                i += 1
            if para:
                out += ([] if first else [".IP"]) + fill(para)
        else:
            para = []
            while i < n and lines[i].strip() and not re.match(
                    r"(#|\||\* |    )", lines[i]):
                para.append(lines[i])
                i += 1
            out += [".PP"] + fill(para)
    # no paragraph macro right after a heading
    out = [x for k, x in enumerate(out)
           if not (x == ".PP" and out[k - 1].startswith((".SH", ".SS")))]
    return "\n".join(out) + "\n"


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(convert(f.read()))


if __name__ == "__main__":
    main()
