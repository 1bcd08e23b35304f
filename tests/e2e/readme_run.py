#!/usr/bin/env python3
"""readme_run.py README: the README's examples as one bash script, on
standard output.  Every ```sh block runs, in order, unless the line before
it is an HTML comment "<!-- not run by the README test: why -->".  Each
command is followed by a check of its exit status: 0, or N when its
comment says "exit N"; the check prints "ok - README:LINE ..." or
"not ok - README:LINE ... (exit X, expected N)".  A command put in the
background (a server) is given two seconds to start, and every one is
stopped at the end."""
import re
import shlex
import sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
out = [
    "__check() {",
    '    if [ "$1" = "$2" ]; then echo "ok - README:$3 $4"; else echo "not ok - README:$3 $4 (exit $1, expected $2)"; fi',
    "}",
    "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT",
]


def comment_of(cmd):
    """the trailing comment of a shell line (a # after a space, outside quotes)"""
    quote = None
    for i, ch in enumerate(cmd):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or cmd[i - 1] in " \t"):
            return cmd[i + 1:]
    return ""


i, blocks = 0, 0
while i < len(lines):
    if lines[i].strip() != "```sh":
        i += 1
        continue
    prev = next((l for l in reversed(lines[:i]) if l.strip()), "")
    skip = prev.startswith("<!-- not run by the README test")
    i += 1
    body = []
    while i < len(lines) and lines[i].strip() != "```":
        body.append((i + 1, lines[i]))
        i += 1
    i += 1
    if skip:
        continue
    blocks += 1
    k = 0
    while k < len(body):
        num, text = body[k]
        k += 1
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        cmd = [text]
        while cmd[-1].rstrip().endswith("\\") and k < len(body):
            cmd.append(body[k][1])
            k += 1
        m = re.search(r"<<-?\s*'?(\w+)'?", text)
        if m:  # a here-document: its lines as they are, up to its terminator
            while k < len(body) and body[k][1].strip() != m.group(1):
                cmd.append(body[k][1])
                k += 1
            if k < len(body):
                cmd.append(body[k][1])
                k += 1
        joined = "\n".join(cmd)
        first = " ".join(c.strip().rstrip("\\") for c in cmd[:1])
        comment = " ".join(comment_of(c) for c in cmd)
        want = re.search(r"\bexit (\d+)", comment)
        label = shlex.quote(re.sub(r"\s+#.*", "", first)[:70])
        out.append(joined)
        if re.sub(r"\s+#.*$", "", cmd[-1]).rstrip().endswith("&"):
            out.append("sleep 2")
        else:
            out.append("__check $? %s %d %s" % (want.group(1) if want else "0", num, label))
print("\n".join(out))
print("echo 'README blocks run: %d'" % blocks)
