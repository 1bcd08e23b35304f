#!/bin/sh
# Reboot storm: 10,000 simulated phones (one `fleet boot`, one
# event loop) reset at once against one node after a CallManager
# regeneration - every phone downloads its CTL (none served: two misses),
# its ITL and its signed config, and verifies the new signer through TVS.
# Prints phones per second and the time for the whole storm beside the
# ceilings the services benchmark measured (bench/services.sh writes them
# to BUILD/bench-ceilings): one TVS verification per phone, four TFTP reads
# per phone.   usage: bench/storm.sh BUILD_DIR [PHONES]
set -eu
build=$(cd "${1:-build}" && pwd)
PT=$build/phonetrust
# root may bind the ports but not serve the keys unless told (serve --user or --allow-root)
[ "$(id -u)" = 0 ] && SERVE_AS=--allow-root || SERVE_AS=
N=${2:-${BENCH_PHONES:-10000}}
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-storm.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
export PHONETRUST_HOME=$work/cluster PHONETRUST_PHONES=$work/phones
. "$(dirname "$0")/lib.sh"
set -- $(free_ports 3)
T=$1 H=$2 S=$3
t0=$(date +%s)
$PT install --publisher pub --domain bench.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $S >/dev/null
$PT device add SEP001EF7000001 --count $N --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $T --http-port $H --tvs-port $S --capf-port 0 --max-clients 100000 --log $work/serve.log &
pids="$pids $!"
for _ in $(seq 50); do grep -q "SERVE node" $work/serve.log 2>/dev/null && break; sleep 0.1; done
echo "== reboot storm: $N phones against one node =="
$PT fleet boot --count $N --first-mac 001EF7000001 --model 8845 --tftp 127.0.0.1:$T --http-port $H --no-progress --json >$work/first.json
echo "set-up: cluster, $N devices and their first boot (MICs, ITL on trust) in $(($(date +%s) - t0)) s"
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
n() { grep -cE "Recaching" $work/serve.log || true; }
before=$(n)
for _ in $(seq 100); do [ "$(n)" -gt "$before" ] && break; sleep 0.1; done
sleep 1.1
$PT fleet boot --tftp 127.0.0.1:$T --http-port $H --no-progress --json >$work/storm.json || true
# (find, not a glob: 40,000 console logs are too many arguments for one grep)
valid=$(find $work/phones -name console.log -exec cat {} + | grep -c "certificate Valid" || true)
python3 - "$work/storm.json" "$build/bench-ceilings" "$valid" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ceil = {}
try:
    for line in open(sys.argv[2]):
        k, _, v = line.strip().partition("=")
        ceil[k] = float(v)
except OSError:
    pass
n, secs = r["phones"], float(r["seconds"])
rate = n / secs
print(f"storm: {n} phones in {secs:.1f} s = {rate:.0f} phones/s, {r['concurrency']} in flight")
print(f"  at this rate 40,000 phones take {40000 / rate:.0f} s (target <= 30 s: {'met' if 40000 / rate <= 30 else 'missed'})")
print(f"  trusted {r['trusted']}, locked {r['locked']}, failed {r['failed']}; TVS verifications in the phones' logs: {sys.argv[3]}")
print(f"  memory: peak RSS {r['peak_rss_kb'] / 1024:.0f} MB for the whole fleet process, "
      f"{r['kb_per_phone_in_flight']} KB per phone in flight; 10,000 phones "
      f"{'fit' if r['peak_rss_kb'] < 24 * 1024 * 1024 else 'do NOT fit'} in 24 GB "
      f"({100 * r['peak_rss_kb'] / (24 * 1024 * 1024):.2f}%)")
if "tvs_per_second" in ceil:
    t = ceil["tvs_per_second"]
    print(f"  TVS ceiling (bench/services.sh, 100 concurrent): {t:.0f} verifications/s -> {t:.0f} phones/s; storm at {100 * rate / t:.0f}%")
if "tftp_files_per_second" in ceil:
    f = ceil["tftp_files_per_second"] / 4
    print(f"  TFTP ceiling (bench/services.sh, 5 KB files): {ceil['tftp_files_per_second']:.0f} files/s / 4 reads per phone -> {f:.0f} phones/s; storm at {100 * rate / f:.0f}%")
if not ceil:
    print("  (run bench/services.sh first for the TVS and TFTP ceilings)")
PY
