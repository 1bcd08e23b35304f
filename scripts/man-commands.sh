#!/bin/sh
# man-commands.sh PHONETRUST MAN_PAGE [--check]: the COMMAND REFERENCE of
# phonetrust(1), between its BEGIN COMMANDS and END COMMANDS lines, is what
# `phonetrust help --man` prints from the command table.  Rewrites it, or
# with --check exits 1 (saying so) when it differs.
set -eu
pt=$1 man=$2
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.gen"' EXIT
"$pt" help --man >"$tmp.gen"
awk -v gen="$tmp.gen" '
    /^\.\\" BEGIN COMMANDS/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
    /^\.\\" END COMMANDS/ { skip = 0 }
    !skip { print }' "$man" >"$tmp"
if [ "${3:-}" = --check ]; then
    if ! cmp -s "$tmp" "$man"; then
        echo "$man: its command reference is not what 'phonetrust help --man' prints: run 'make man'" >&2
        exit 1
    fi
    exit 0
fi
cat "$tmp" >"$man"
