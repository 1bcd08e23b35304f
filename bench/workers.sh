#!/bin/sh
# serve --workers N: TVS verifications (a fresh TLS connection each, 100
# concurrent clients) and TFTP reads (5 KB, 8 concurrent clients) per
# second of wall clock for N = 1, 2, ... up to the number of cores, and the
# server's CPU per request.  The clients run on the same machine and take
# their share of the cores, so the wall-clock rates say little about
# scaling; the CPU per request does: N workers on N cores of their own
# serve N x 1,000,000 / (CPU us per request) a second ("per N cores").
#   usage: bench/workers.sh BUILD_DIR [MAX_WORKERS]
set -eu
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
PT=$build/phonetrust
LOAD=$build/bench_load
V=$top/tests/data/vectors
[ "$(id -u)" = 0 ] && SERVE_AS=--allow-root || SERVE_AS=
cores=$(nproc)
MAX=${2:-$cores}
N=${BENCH_REQUESTS:-3000}
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-workers.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
export PHONETRUST_HOME=$work/cluster
$PT install --publisher pub --domain bench.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT tvs add $V/certs/ccm.pem --roles ccm,app-server --ttl 1h
head -c 5302 /dev/urandom > $PHONETRUST_HOME/tftp/pub/bench5k.tlv
python3 -c "import json; print(''.join(h for d, h in json.load(open('$V/tvs/valid.json')) if d == 'C->S'))" > $work/req.hex
. "$(dirname "$0")/lib.sh"
set -- $(free_ports 4)
T=$1 H=$2 S=$3 C=$4
TICK=$(getconf CLK_TCK)
echo "== serve --workers N on $cores cores (clients on the same machine) =="
printf '%-8s %10s %10s %12s %12s %10s %12s\n' workers "TVS /s" "CPU us" "per N cores" "TFTP /s" "CPU us" "per N cores"
w=1
while [ $w -le "$MAX" ]; do
    $PT serve $SERVE_AS --workers $w --addr 127.0.0.1 --tftp-port $T --http-port $H --tvs-port $S --capf-port $C \
        --max-clients 100000 --log $work/serve-$w.log &
    SRV=$!
    pids="$pids $SRV"
    for _ in $(seq 50); do grep -q "SERVE node" $work/serve-$w.log 2>/dev/null && break; sleep 0.1; done
    cpu() { awk '{print $14 + $15}' /proc/$SRV/stat; }
    c0=$(cpu); tvs=$($LOAD tvs 127.0.0.1 $S $work/req.hex $N 100); c1=$(cpu)
    tftp=$($LOAD tftp 127.0.0.1 $T bench5k.tlv $N 8); c2=$(cpu)
    kill $SRV; wait $SRV 2>/dev/null || true
    echo "$w $N $tvs $tftp $c0 $c1 $c2 $TICK" | awk '{
        tvs = 1e6 * ($10 - $9) / $12 / $2; tftp = 1e6 * ($11 - $10) / $12 / $2
        printf "%-8d %10.0f %10.0f %12.0f %12.0f %10.0f %12.0f\n", $1, $3 / $5, tvs, $1 * 1e6 / tvs,
               $6 / $8, tftp, $1 * 1e6 / tftp }'
    w=$((w + 1))
done
