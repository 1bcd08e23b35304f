#!/bin/sh
# Services benchmark: TVS verifications over fresh TLS
# connections per CPU-second of the server, against the single-core
# RSA-2048 sign rate of `openssl speed`; the wall-clock rate with 100
# concurrent clients; TFTP files per second for a 5 KB file against
# tftpd-hpa under the same load, with server CPU per file; CAPF LSC
# issuances per second.   usage: bench/services.sh BUILD_DIR
set -eu
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
PT=$build/phonetrust
# root may bind the ports but not serve the keys unless told (serve --user or --allow-root)
[ "$(id -u)" = 0 ] && SERVE_AS=--allow-root || SERVE_AS=
LOAD=$build/bench_load
V=$top/tests/data/vectors
N=${BENCH_REQUESTS:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-bench.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
export PHONETRUST_HOME=$work/cluster
$PT install --publisher pub --domain bench.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT tvs add $V/certs/ccm.pem --roles ccm,app-server --ttl 1h
$PT device add SEP00112233AABB --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
head -c 5302 /dev/urandom > $PHONETRUST_HOME/tftp/pub/bench5k.tlv
python3 -c "import json; print(''.join(h for d, h in json.load(open('$V/tvs/valid.json')) if d == 'C->S'))" > $work/req.hex
. "$top/bench/lib.sh"
port() { free_ports 1; } # (one more, while serve holds its four)
cpu() { awk '{print $14 + $15 + $16 + $17}' /proc/$1/stat; }   # clock ticks, children included
TICK=$(getconf CLK_TCK)
set -- $(free_ports 4) # held together while picked: four different ports
T=$1 H=$2 S=$3 C=$4
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $T --http-port $H --tvs-port $S --capf-port $C --log $work/serve.log &
SRV=$!
pids="$pids $SRV"
sleep 1

echo "== openssl speed rsa2048 (single core) =="
line=$(openssl speed -seconds 3 rsa2048 2>/dev/null | grep '^rsa 2048 bits')
echo "$line"
sign=$(echo "$line" | awk '{print $(NF-1)}')

echo
echo "== TVS: $N verifications, a fresh TLS connection each (a full handshake, as phones do) =="
for tls in 1.3 1.2; do
    c0=$(cpu $SRV)
    r=$(LOAD_TLS=$tls $LOAD tvs 127.0.0.1 $S $work/req.hex $N 2)
    c1=$(cpu $SRV)
    tvs_cpu=$(echo "$N $c0 $c1 $TICK" | awk '{printf "%.0f", $1 / (($3 - $2) / $4)}')
    echo "TLS $tls: per CPU-second of the server: $tvs_cpu (ceiling: RSA-2048 sign $sign/s) = $(echo "$tvs_cpu $sign" | awk '{printf "%.0f%%", 100 * $1 / $2}') (target >= 60%; see docs/performance.md)"
done
B=$(port)
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=baseline -keyout $work/b.key -out $work/b.pem -days 1 2>/dev/null
openssl s_server -quiet -accept 127.0.0.1:$B -cert $work/b.pem -key $work/b.key >/dev/null 2>&1 &
BSP=$!
pids="$pids $BSP"
sleep 0.5
c0=$(cpu $BSP)
$LOAD tls 127.0.0.1 $B - $N 1 >/dev/null || true
c1=$(cpu $BSP)
echo "baseline: openssl s_server (RSA-2048, same OpenSSL) completes $(echo "$N $c0 $c1 $TICK" | awk '{printf "%.0f", $1 / (($3 - $2) / $4)}') full handshakes per CPU-second"
kill $BSP 2>/dev/null || true
r=$($LOAD tvs 127.0.0.1 $S $work/req.hex $N 100)
echo "wall clock, 100 concurrent clients: $(echo $r | awk '{printf "%.0f/s (%d ok, %d failed)", $1 / $3, $1, $2}')"
echo "tvs_per_second=$(echo $r | awk '{printf "%.0f", $1 / $3}')" >"$build/bench-ceilings"   # for bench/storm.sh

echo
echo "== TFTP: $N reads of a 5 KB file, 8 concurrent clients, blksize 1428 =="
c0=$(cpu $SRV)
r=$($LOAD tftp 127.0.0.1 $T bench5k.tlv $N 8)
c1=$(cpu $SRV)
ours=$(echo $r | awk '{printf "%.0f", $1 / $3}')
ours_cpu=$(echo "$N $c0 $c1 $TICK" | awk '{printf "%.1f", 1e6 * ($3 - $2) / $4 / $1}')
echo "phonetrust: $ours files/s, $ours_cpu us server CPU per file ($r)"
echo "tftp_files_per_second=$ours" >>"$build/bench-ceilings"
TD=$(port)
if command -v in.tftpd >/dev/null 2>&1 || [ -x /usr/sbin/in.tftpd ]; then
    TFTPD=$(command -v in.tftpd || echo /usr/sbin/in.tftpd)
    $TFTPD -L -a 127.0.0.1:$TD -s $PHONETRUST_HOME/tftp/pub -u "$(id -un)" >/dev/null 2>&1 </dev/null &
    TDP=$!
    pids="$pids $TDP"
    sleep 0.5
    c0=$(cpu $TDP)
    r=$($LOAD tftp 127.0.0.1 $TD bench5k.tlv $N 8 || true)
    c1=$(cpu $TDP)
    kill $TDP 2>/dev/null || true
    theirs=$(echo $r | awk '{printf "%.0f", $1 / $3}')
    theirs_cpu=$(echo "$N $c0 $c1 $TICK" | awk '{printf "%.1f", 1e6 * ($3 - $2) / $4 / $1}')
    echo "tftpd-hpa:  $theirs files/s, $theirs_cpu us server CPU per file ($r)"
    echo "ratio: $(echo "$ours $theirs" | awk '{printf "%.2fx", $1 / $2}') (target >= 1.5x, and less CPU per file)"
else
    echo "tftpd-hpa not installed: no comparison"
fi

echo
echo "== CAPF: LSC issuances (EC P-256, by null string) =="
$PT device capf SEP00112233AABB --op install --auth null-string --key ec256 >/dev/null 2>&1
c0=$(cpu $SRV)
t0=$(date +%s.%N)
n=0
while [ $n -lt 30 ]; do
    $PT device capf SEP00112233AABB --op install --auth null-string --key ec256 >/dev/null 2>&1
    python3 $top/tests/e2e/capf_client.py 127.0.0.1 $C $V/capf/install-ec.json > /dev/null
    n=$((n + 1))
done
t1=$(date +%s.%N)
c1=$(cpu $SRV)
echo "30 issuances: $(echo "30 $c0 $c1 $TICK" | awk '{printf "%.0f", $1 / (($3 - $2) / $4)}') per CPU-second of the server; $(echo "30 $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}')/s wall clock with one phone at a time (many at once: bench/capf.sh)"
