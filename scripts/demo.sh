#!/bin/sh
# The main job, for now: a two-node cluster on the embedded SQLite default,
# as an administrator drives it - install, nodes, phones, each node's ITL,
# the hold timer, an ITL reset with the recovery key, and what a phone
# holding the old ITL checks.  (The services and simulated phones come with
# later issues.)   usage: scripts/demo.sh PATH/TO/phonetrust
set -eu
PT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export PHONETRUST_HOME=$work/cluster
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "phonetrust install (publisher test10pub) and node add (test10sub)"
printf 'Admin-pw1\nSecurity-pw1\n' | $PT install --publisher test10pub --domain joemar2.lab --ip 192.0.2.10 \
    --org cisco --unit tac --locality rtp --state nc --country US
$PT node add test10sub --ip 192.0.2.11
$PT node list

say "phones: an 8845 and a 7960 (no Security By Default)"
$PT device add SEP001122334455 --model 8845
$PT device add SEP0011223344AA --model 7960

say "admin:utils service restart \"Cisco Tftp\" on both nodes"
$PT utils service restart "Cisco Tftp"
$PT --node test10sub utils service restart "Cisco Tftp"

say "admin:show itl (publisher)"
$PT show itl
cp "$PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv" phone-holds.tlv

say "admin:set cert regen CallManager, then TVS: the 5-minute hold timer"
$PT set cert regen CallManager --yes
$PT set cert regen TVS --yes || true

say "admin:utils itl reset localkey"
echo Admin-pw1 | $PT utils itl reset localkey

say "a phone holding the old ITL accepts the reset one: it is signed by the old list's ITLRecovery SAST"
$PT show cert own ITLRecovery > itlrecovery.pem
$PT sgn verify "$PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv" --cert itlrecovery.pem
$PT show itl phone-holds.tlv | grep -c "ITLRECOVERY_test10pub" >/dev/null && echo "(and the old ITL lists that ITLRecovery certificate)"

say "DeviceTLInfo: one phone reported the old ITL, one nothing"
$PT device report SEP001122334455 --itl-sha1 "$(sha1sum phone-holds.tlv | cut -c1-40)" --tftp test10pub
$PT show itl-status
say "admin:show alerts"
$PT show alerts
