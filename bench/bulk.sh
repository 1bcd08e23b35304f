#!/bin/sh
# Bulk work at cluster scale: `device add --count N` and `utils service
# restart "Cisco Tftp"` over N devices, each one's CPU time (user + system)
# against its ceiling - N RSA-2048 signatures at `openssl speed`'s single-core
# rate, measured in the same run - and its peak memory, at N and at N/4 (flat
# in the number of devices, or not).   usage: bench/bulk.sh BUILD_DIR [N]
# Target: CPU within 2x the ceiling; memory flat.
set -eu
build=$(cd "${1:-build}" && pwd)
PT=$build/phonetrust
N=${2:-${BENCH_DEVICES:-40000}}
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-bulk.XXXXXX")
trap 'rm -rf "$work"' EXIT
sign=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}')
echo "== bulk work: openssl speed rsa2048 signs $sign/s (single core) =="
# measure LABEL CMD...: the command's user+system CPU seconds and peak RSS (KB), as "cpu rss"
measure() {
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    awk '{printf "%.2f %d\n", $1 + $2, $3}' "$work/time"
}
run() {
    n=$1
    export PHONETRUST_HOME=$work/cluster-$n
    $PT install --publisher pub --domain bench.example --ip 127.0.0.1 --admin-password adminpw1 \
        --security-password secpw123 >/dev/null
    set -- $(measure $PT device add SEP001EF7000001 --count $n --model 8845,7965)
    add_cpu=$1 add_rss=$2
    set -- $(measure $PT utils service restart "Cisco Tftp")
    restart_cpu=$1 restart_rss=$2
    python3 - "$n" "$sign" "$add_cpu" "$add_rss" "$restart_cpu" "$restart_rss" <<'PY'
import sys
n, sign = int(sys.argv[1]), float(sys.argv[2])
ceil = n / sign
for what, cpu, rss in (("device add --count", float(sys.argv[3]), int(sys.argv[4])),
                       ('utils service restart "Cisco Tftp"', float(sys.argv[5]), int(sys.argv[6]))):
    ratio = cpu / ceil
    print(f"{what:36s} {n:6d} devices: {cpu:6.2f} s CPU = {1000 * cpu / n:.3f} ms a device; "
          f"ceiling {ceil:.2f} s ({1000 / sign:.3f} ms a signature): {ratio:.2f}x (target <= 2x: "
          f"{'met' if ratio <= 2 else 'missed'}); peak RSS {rss / 1024:.0f} MB")
PY
}
run $((N / 4))
run $N
echo "(memory flat: the peak RSS at $N devices is about the one at $((N / 4)))"
