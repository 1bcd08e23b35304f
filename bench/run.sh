#!/bin/sh
# Benchmarks, printed beside the ceilings `openssl speed` measures on this
# machine.  The ceiling is measured before and after the run and averaged,
# because a shared machine's speed drifts.  usage: bench/run.sh BUILD_DIR
set -eu
build=${1:-build}
secs=${BENCH_SECONDS:-3}
speed() { openssl speed -seconds "$secs" rsa2048 2>/dev/null | grep '^rsa 2048 bits'; }
echo "== openssl speed -seconds $secs rsa2048 (single core), before and after =="
before=$(speed)
echo "$before"
# the table is printed with the ceilings measured so far; the ratios are
# recomputed below against the average of before and after
out=$(BENCH_SECONDS=$secs "$build/bench_trustlist" "$(echo "$before" | awk '{print $(NF-1)}')" "$(echo "$before" | awk '{print $NF}')")
after=$(speed)
echo "$after"
sign=$(printf '%s\n%s\n' "$before" "$after" | awk '{s += $(NF-1)} END {printf "%.1f", s / NR}')
verify=$(printf '%s\n%s\n' "$before" "$after" | awk '{s += $NF} END {printf "%.1f", s / NR}')
echo
echo "== trust lists, against the averaged ceilings: sign $sign/s, verify $verify/s =="
echo "$out" | awk -v sign="$sign" -v verify="$verify" '
    /^operation/ { printf "%-32s %8s %12s %12s %8s  %s\n", "operation", "bytes", "per second", "ceiling", "ratio", "target"; table = 1; next }
    table && NF >= 4 && $0 !~ /^ *$/ {
        name = substr($0, 1, 32); rest = substr($0, 33); split(rest, f, " ")
        c = (name ~ /verify|cached/) ? verify : sign
        t = (name ~ /39 records/ && name ~ /verify/) ? "" : (name ~ /verify|cached/ ? ">= 50%" : ">= 90%")
        if (name ~ /^  same/ && prev ~ /39/) t = ""
        r = f[2] / c * 100
        printf "%-32s %8s %12s %12.0f %7.0f%%  %s%s\n", name, f[1], f[2], c, r, t, (t == "" ? "" : (r >= substr(t, 4) + 0 ? " met" : " missed"))
        prev = name; next
    }
    !table { print }'

