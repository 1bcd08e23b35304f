#!/bin/sh
# CAPF at cluster scale: N simulated phones (one `fleet boot`, 200 at once)
# each enrol for an EC P-256 LSC against one node.  The server's CPU for the
# issuances is its CPU during that boot less its CPU during the next boot of
# the same fleet with nothing scheduled (the same TFTP, HTTP and TVS work);
# printed per server CPU-second against the target, beside the RSA-2048 sign
# rate of `openssl speed` (one TLS handshake and one LSC signature each).
#   usage: bench/capf.sh BUILD_DIR [PHONES]   (KEEP=1: the work directory, serve.log included, is left)
set -eu
build=$(cd "${1:-build}" && pwd)
PT=$build/phonetrust
[ "$(id -u)" = 0 ] && SERVE_AS=--allow-root || SERVE_AS=
N=${2:-${BENCH_CAPF_PHONES:-2000}}
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-capf.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export PHONETRUST_HOME=$work/cluster PHONETRUST_PHONES=$work/phones
. "$(dirname "$0")/lib.sh"
set -- $(free_ports 4)
T=$1 H=$2 S=$3 C=$4
sign=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}')
$PT install --publisher pub --domain bench.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $S >/dev/null
$PT set param "CAPF Phone Port" $C >/dev/null
$PT device profile MicProfile --capf-auth mic >/dev/null
$PT device add SEP001EF7000001 --count $N --model 8845 --profile MicProfile >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $T --http-port $H --tvs-port $S --capf-port $C --max-clients 100000 --log $work/serve.log &
SRV=$!
pids="$pids $SRV"
for _ in $(seq 50); do grep -q "SERVE node" $work/serve.log 2>/dev/null && break; sleep 0.1; done
cpu() { awk '{print $14 + $15}' /proc/$SRV/stat; }
TICK=$(getconf CLK_TCK)
boot() { $PT fleet boot "$@" --tftp 127.0.0.1:$T --http-port $H --no-progress --json; }
boot --count $N --first-mac 001EF7000001 --model 8845 >$work/first.json
$PT set cert import CAPF-trust $work/phones/manufacturing-ca.crt --name "Cisco Manufacturing CA" >/dev/null
$PT device capf --model 8845 --op install --auth mic --key ec256 >/dev/null
c0=$(cpu)
boot >$work/capf.json || true
c1=$(cpu)
boot >$work/again.json || true
c2=$(cpu)
python3 - "$work/capf.json" "$N" "$c0" "$c1" "$c2" "$TICK" "$sign" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2]); c0, c1, c2, tick = (float(x) for x in sys.argv[3:7]); sign = float(sys.argv[7])
lsc = r["lsc_installed"]
capf_cpu = ((c1 - c0) - (c2 - c1)) / tick
rate = lsc / capf_cpu if capf_cpu > 0 else float("inf")
print(f"== CAPF: {n} phones enrolling at once (EC P-256 LSC, authenticated by MIC) ==")
print(f"  LSCs installed: {lsc} in {float(r['seconds']):.1f} s; server CPU {(c1 - c0) / tick:.2f} s for that boot, "
      f"{(c2 - c1) / tick:.2f} s for the same boot with nothing scheduled")
print(f"  per server CPU-second: {rate:.0f} issuances (target >= 500: {'met' if rate >= 500 else 'missed'}); "
      f"{1000 * capf_cpu / max(lsc, 1):.2f} ms each against {1000 / sign:.3f} ms for one RSA-2048 signature")
PY
