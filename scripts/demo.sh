#!/bin/sh
# The main job: a two-node cluster on the embedded SQLite default, its
# services running on loopback, and simulated phones booting against them
# while an administrator regenerates certificates - the trust a phone keeps
# through TVS, the lock-out when TVS and CallManager change back to back,
# and the recovery with the ITLRecovery key.
# usage: scripts/demo.sh PATH/TO/phonetrust
set -eu
PT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-demo.XXXXXX")
SERVE=""
trap '[ -n "$SERVE" ] && kill $SERVE 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
export PHONETRUST_HOME=$work/cluster PHONETRUST_PHONES=$work/phones
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
set -- $(python3 -c '
import socket
ss = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))')
TFTP=$1 HTTP=$2 TVS=$3
PHONES="001122334455:8845 001122334466:8865 0011223344AA:7965 0011223344BB:7960"

say "phonetrust install (publisher test10pub) and node add (test10sub)"
printf 'Admin-pw1\nSecurity-pw1\n' | $PT install --publisher test10pub --domain joemar2.lab --ip 127.0.0.1 \
    --org cisco --unit tac --locality rtp --state nc --country US
$PT node add test10sub --ip 127.0.0.2
$PT node list
$PT set param "TVS Port" $TVS

say "phones: an 8845, an 8865, a 7965 and a 7960 (no Security By Default)"
for p in $PHONES; do $PT device add SEP${p%%:*} --model ${p#*:}; done

say "admin:utils service restart \"Cisco Tftp\" on both nodes, then the publisher's services"
$PT utils service restart "Cisco Tftp"
$PT --node test10sub utils service restart "Cisco Tftp"
$PT serve --addr 127.0.0.1 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --log serve.log &
SERVE=$!
for _ in $(seq 50); do grep -q "SERVE node" serve.log 2>/dev/null && break; sleep 0.1; done
head -1 serve.log

say "admin:show itl (publisher)"
$PT show itl

boot_all() {
    for p in $PHONES; do
        $PT phone boot --mac ${p%%:*} --model ${p#*:} --tftp 127.0.0.1:$TFTP --http-port $HTTP || true
    done
}
say "the phones boot: first ITL on trust, signed configs (the 7960 takes the unsigned one)"
boot_all
$PT show itl-status

say "admin:set cert regen CallManager, restart TFTP, reset the phones: TVS vouches for the new signer"
$PT set cert regen CallManager --yes
$PT utils service restart "Cisco Tftp"
sleep 1.5
boot_all
$PT phone show --mac 001122334455 | sed -n '/Console/,$p' | tail -4

say "admin:set cert regen TVS right after: the 5-minute hold timer says no"
$PT set cert regen TVS --yes || true

say "forced anyway, back to back with CallManager: the phones lock themselves out"
$PT set cert regen TVS --yes --force >/dev/null
$PT utils service restart "Cisco Trust Verification Service"
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
sleep 1.5
boot_all
$PT phone show --mac 001122334455 | sed -n '/Status/,$p' | tail -6
$PT show itl-status

say "admin:utils itl reset localkey, reset the phones: the ITLRecovery SAST they hold signs"
echo Admin-pw1 | $PT utils itl reset localkey
boot_all

say "admin:utils service restart \"Cisco Tftp\", reset: CallManager signs again, every phone current"
$PT utils service restart "Cisco Tftp" >/dev/null
boot_all
$PT show itl-status

say "admin:show alerts"
$PT show alerts
