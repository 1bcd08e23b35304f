#!/bin/sh
# The main job, for now (issue 2): a sample two-node cluster's certificates,
# its publisher's ITL as CUCM builds it, `show itl`, and an ITL reset with
# the ITLRecovery key, verified the way a phone checks it.
# usage: scripts/demo.sh PATH/TO/phonetrust
set -eu
PT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
subject="--org cisco --unit tac --locality rtp --state nc --country US --cucm-order"

say "Certificates of a two-node cluster (test10pub, test10sub)"
$PT cert create CallManager.pem       --cn test10pub.joemar2.lab --role callmanager $subject
$PT cert create CallManager-ECDSA.pem --cn test10pub.joemar2.lab-EC --role callmanager-ecdsa --ec secp384r1 $subject
$PT cert create TVS.pem               --cn test10pub.joemar2.lab --role tvs $subject
$PT cert create TVS-sub.pem           --cn test10sub.joemar2.lab --role tvs $subject
$PT cert create CAPF.pem              --cn CAPF-75638ad9 --role capf $subject
$PT cert create ITLRecovery.pem       --cn ITLRECOVERY_test10pub.joemar2.lab --role itlrecovery $subject

say "The publisher's ITLFile.tlv (CUCM layout: ';' names, no signer-version tag)"
$PT tlv build ITLFile.tlv --signer CallManager.pem \
    --record tftp=CallManager.pem --record tftp=CallManager-ECDSA.pem \
    --hash-only capf=CAPF.pem --hash-only tvs=TVS.pem \
    --record sast=ITLRecovery.pem --hash-only tvs=TVS-sub.pem \
    --layout legacy --signer-version none

say "admin:show itl"
$PT show itl ITLFile.tlv

say "utils itl reset localkey: the same records, signed by ITLRecovery"
$PT tlv resign ITLFile.tlv ITLFile-reset.tlv --signer ITLRecovery.pem
$PT show itl ITLFile-reset.tlv | sed -n '/ITL Record #:6/,$p'

say "A phone holding the first ITL accepts the reset one: its signer is a SAST of the old list"
$PT sgn verify ITLFile-reset.tlv --cert ITLRecovery.pem
