#!/usr/bin/env python3
"""commands_of_help.py: the commands `phonetrust help` lists, one per line
(their command words, e.g. "set cert regen"; a quoted word stays quoted),
then with --options every --option it names.  Read from standard input."""
import re
import sys

text = sys.stdin.read()
if '--options' in sys.argv[1:]:
    for o in sorted(set(re.findall(r'--[a-z][a-z0-9-]*', text))):
        print(o)
    sys.exit(0)
seen = []
for line in text.splitlines():
    if not re.match(r'^  [a-z"]', line):
        continue
    cmd = re.split(r'\s{2,}', line.strip())[0]  # the description starts after two spaces
    for alt in cmd.split(' | '):
        words = re.findall(r'"[^"]*"|\S+', alt.strip())
        phrase = []
        for w in words:
            if re.fullmatch(r'[a-z][a-z0-9_.-]*', w) or (w.startswith('"') and phrase and phrase[-1] == 'restart'):
                phrase.append(w)
            elif re.fullmatch(r'[a-z][a-z0-9_-]*(\|[a-z][a-z0-9_-]*)+', w):
                for a in w.split('|'):
                    p = ' '.join(phrase + [a])
                    if p not in seen:
                        seen.append(p)
                phrase = []
                break
            else:
                break
        if phrase:
            p = ' '.join(phrase)
            if p not in seen:
                seen.append(p)
for p in seen:
    print(p)
