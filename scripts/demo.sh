#!/bin/sh
# The main job: a two-node cluster on the embedded SQLite default, its
# services running on loopback, and a fleet of 1,000 simulated phones
# booting against it while an administrator regenerates certificates - the
# trust the phones keep through TVS, the lock-out when TVS and CallManager
# change back to back, and the recovery with the ITLRecovery key.
# usage: scripts/demo.sh PATH/TO/phonetrust [PHONES]
set -eu
PT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# root may bind the ports but not serve the keys unless told (serve --user or --allow-root)
[ "$(id -u)" = 0 ] && SERVE_AS=--allow-root || SERVE_AS=
N=${2:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-demo.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT
cd "$work"
export PHONETRUST_HOME=$work/cluster PHONETRUST_PHONES=$work/phones
start=$(date +%s)
say() { printf '\n\033[1m== [%3ss] %s\033[0m\n' $(($(date +%s) - start)) "$*"; }
set -- $(python3 -c '
import socket
ss = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))')
TFTP=$1 HTTP=$2 TVS=$3 CAPF=$4

say "phonetrust install (publisher test10pub) and node add (test10sub)"
printf 'Admin-pw1\nSecurity-pw1\n' | $PT install --publisher test10pub --domain joemar2.lab --ip 127.0.0.1 \
    --org cisco --unit tac --locality rtp --state nc --country US
$PT node add test10sub --ip 127.0.0.2
$PT node list
$PT set param "TVS Port" $TVS >/dev/null
$PT set param "CAPF Phone Port" $CAPF >/dev/null

say "$N phones in one bulk add: 8845, 8865, 7965 and 7960 (no Security By Default), cycled"
$PT device add SEP001EF7000001 --count $N --model 8845,8865,7965,7960

say "admin:utils service restart \"Cisco Tftp\" on both nodes; both nodes serve (TFTP, HTTP, TVS, CAPF)"
$PT utils service restart "Cisco Tftp" | tail -1
$PT --node test10sub utils service restart "Cisco Tftp" | tail -1
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF --log pub.log &
PIDS="$PIDS $!"
$PT --node test10sub serve $SERVE_AS --addr 127.0.0.2 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --log sub.log &
PIDS="$PIDS $!"
for _ in $(seq 50); do grep -q "SERVE node" pub.log sub.log 2>/dev/null && [ "$(cat pub.log sub.log | grep -c 'SERVE node')" -ge 2 ] && break; sleep 0.1; done
grep -h "SERVE node" pub.log sub.log

# settle: until the publisher's TVS has noticed the last admin change (its
# "Recaching"/"restarted" log line), then one quiet tick
seen=0
settle() {
    n() { grep -cE "Recaching|restarted" pub.log || true; }
    i=0
    while [ "$(n)" -le $seen ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    c=$(n); sleep 1.1; seen=$(n)
}
# phone i boots from the publisher (even i) or the subscriber (odd i), as two device pools would give them
fleet() { $PT fleet boot --tftp 127.0.0.1:$TFTP,127.0.0.2:$TFTP --http-port $HTTP "$@" || true; }

say "the fleet boots for the first time, half from each node: each node's ITL on trust, signed configs (the 7960s take the unsigned one)"
fleet --count $N --first-mac 001EF7000001 --model 8845,8865,7965,7960
$PT show itl-status | tail -1

say "admin:set cert regen CallManager (publisher), restart TFTP, reset the fleet: TVS vouches for the new signer"
$PT set cert regen CallManager --yes --force | head -1
$PT utils service restart "Cisco Tftp" >/dev/null
settle
fleet
$PT phone show --mac 001EF7000001 | grep "vouched for by TVS"

say "admin:set cert regen TVS right after: the 5-minute hold timer says no"
$PT set cert regen TVS --yes || true

say "forced anyway; CallManager 6 minutes later (past the hold timer): the phones' own reports say whom it would strand"
$PT set cert regen TVS --yes --force >/dev/null
$PT utils service restart "Cisco Trust Verification Service" >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
faketime -f +6m $PT set cert regen CallManager --yes 2>&1 | grep -A4 "would strand" || true

say "forced again, then a reset: the publisher's phones lock themselves out; the subscriber's keep trusting (their ITL is signed by the subscriber's CallManager)"
$PT set cert regen CallManager --yes --force | grep -A1 "will be stranded"
$PT utils service restart "Cisco Tftp" >/dev/null
$PT --node test10sub utils service restart "Cisco Tftp" >/dev/null
settle
fleet
$PT phone show --mac 001EF7000001 | sed -n '/Status/,/Console/p' | head -3
$PT show itl-status | tail -1

say "admin:utils itl reset localkey, reset the fleet: the ITLRecovery SAST the locked phones hold signs"
echo Admin-pw1 | $PT utils itl reset localkey | tail -2
fleet

say "admin:utils service restart \"Cisco Tftp\" on both nodes once the phones reported the reset ITL, reset: CallManager signs again, every phone current"
$PT utils service restart "Cisco Tftp" >/dev/null
$PT --node test10sub utils service restart "Cisco Tftp" >/dev/null
settle
fleet --json
$PT show itl-status | tail -1

say "admin:show alerts"
$PT show alerts

say "rehearse PLAN: the unsafe order tried on a copy of the cluster and the $N phones first (nothing real is touched)"
cat >unsafe.plan <<'PLAN'
# CallManager regenerated while the phones still hold the old TVS
wait 6m
set cert regen TVS
utils service restart "Cisco Trust Verification Service"
utils service restart "Cisco Tftp"
--node test10sub utils service restart "Cisco Tftp"
wait 6m
set cert regen CallManager
set cert regen CallManager --force
utils service restart "Cisco Tftp"
reset
PLAN
cat unsafe.plan
$PT rehearse unsafe.plan --tftp 127.0.0.1:$TFTP,127.0.0.2:$TFTP || echo "(rehearse: exit $? - phones would end locked)"

say "the same order for real: the TVS change is taken, the CallManager one refused (the phones have not reported the new ITL)"
faketime -f +6m $PT set cert regen TVS --yes >/dev/null
$PT utils service restart "Cisco Trust Verification Service" >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
$PT --node test10sub utils service restart "Cisco Tftp" >/dev/null
faketime -f +12m $PT set cert regen CallManager --yes 2>&1 | head -3 || true
say "done: $N phones, two nodes, $(($(date +%s) - start)) seconds"
