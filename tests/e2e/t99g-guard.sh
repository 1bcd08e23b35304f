# Never strand a phone: the phones' own reports (DeviceTLInfo, through a
# running serve) guard set cert regen and a TFTP restart after an ITL reset.
# A two-node cluster on loopback (the publisher's TVS serves both nodes'
# phones), 20 simulated phones, half on each node:
# - TVS on the publisher and CallManager on the subscriber in the same
#   second: refused (the subscriber's phones hold no ITL with the new TVS);
# - CallManager 6 minutes after TVS while show itl-status shows MisMatch:
#   refused, naming counts per node, the first phones and the next step;
#   after the phones took the new ITL (a reset) the same command works;
# - after utils itl reset, a TFTP restart waits for the phones' reports;
# - --force strands them knowingly: it says how many, and names them;
# - show itl-status --json / --node / --status, with each report's time.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
set -- $(free_ports 3)
TFTP=$1 HTTP=$2 TVS=$3
OFF=0
# every administrative command at the same fake clock, moved on by later() (the hold timer)
pt() { faketime -f "+${OFF}m" $PT "$@"; }
later() { OFF=$((OFF + 6)); }
pt install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
pt node add sub --ip 127.0.0.2 >/dev/null
pt set param "TVS Port" $TVS >/dev/null
pt device add SEP001EF7100001 --count 20 --model 8845 >/dev/null
pt utils service restart "Cisco Tftp" >/dev/null
pt --node sub utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/pub.log
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --log $LOG &
P1=$!
$PT --node sub serve $SERVE_AS --addr 127.0.0.2 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --log sub.log &
P2=$!
at_exit "kill $P1 $P2 2>/dev/null"
for _ in $(seq 50); do [ "$(cat $LOG sub.log 2>/dev/null | grep -c 'SERVE node')" = 2 ] && break; sleep 0.1; done
settle_init $LOG
# phone i boots from the publisher (even i) or the subscriber (odd i)
fleet() { $PT fleet boot --tftp 127.0.0.1:$TFTP,127.0.0.2:$TFTP --http-port $HTTP --timeout 1000ms --no-progress "$@" >fleet.out 2>&1; }
status() { pt show itl-status | tail -1; }

expect_exit 0 "20 phones boot, half on each node" fleet --count 20 --first-mac 001EF7100001 --model 8845
expect_true "all of them reported the ITL their node serves ($(status))" sh -c "$PT show itl-status | tail -1 | grep -q '20 Match'"
expect_exit 0 "show itl-status --json" pt show itl-status --json
expect_true "20 rows: device, tftp_server, status, current, last_report" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 20, len(rows)
assert all(r["status"] == "Match" and r["current"] and r["last_report"].endswith("Z") for r in rows), rows[0]
assert sorted({r["tftp_server"] for r in rows}) == ["pub", "sub"], rows' $SCRATCH/out
expect_exit 0 "show itl-status --node sub --status Match" pt show itl-status --node sub --status Match
expect_out "the subscriber's ten" "10 devices: 10 Match, 0 MisMatch"
expect_exit 2 "an unknown status is a usage error" pt show itl-status --status Maybe
# the daily ITLRecovery alert: raised by the running serve itself, in its log, once
# (at its first refresh tick: a second after it started, at most)
for _ in $(seq 30); do grep -q "ALERT ITLRecoveryCertNotBackedUp" $LOG && break; sleep 0.1; done
expect_true "serve logged the ITLRecovery alert once ($(grep -c 'ALERT ITLRecoveryCertNotBackedUp' $LOG))" \
    sh -c "[ \$(grep -c 'ALERT ITLRecoveryCertNotBackedUp' $LOG) -eq 1 ]"
expect_true "with what to do" grep -q "ALERT .*file get tftp ITLRecovery.p12" $LOG


# TVS on the publisher, then CallManager on the subscriber in the same second
expect_exit 0 "TVS regenerated on the publisher: every phone holds the current ITL" pt set cert regen TVS --yes
expect_exit 6 "CallManager on the subscriber right after: refused, not 20 of 20 locked" pt --node sub set cert regen CallManager --yes
expect_err "how many it would strand, the first five, and how many more" "would strand 10 phones (SEP001EF7100002, SEP001EF7100004, SEP001EF7100006, SEP001EF7100008, SEP001EF710000A and 5 more)"
expect_err "per TFTP server" "  sub: 10 of the 10 phones holding an ITL"
expect_err "the next step" "reset those phones and wait until 'show itl-status' shows them Match"
expect_true "and nothing was regenerated" sh -c "! $PT --node sub show cert list | grep -q 'sub/CallManager.*regenerated'"

# (the TVS the phones will ask presents its new certificate)
pt utils service restart "Cisco Trust Verification Service" >/dev/null

# TFTP restarted: the phones are MisMatch; CallManager 6 minutes later is still refused
pt utils service restart "Cisco Tftp" >/dev/null
pt --node sub utils service restart "Cisco Tftp" >/dev/null
expect_true "after the restarts every phone is MisMatch ($(status))" sh -c "$PT show itl-status | tail -1 | grep -q '20 MisMatch'"
later
expect_exit 6 "CallManager on the publisher 6 minutes later, 20 of 20 MisMatch: refused" pt set cert regen CallManager --yes
expect_err "its ten phones" "would strand 10 phones (SEP001EF7100001, SEP001EF7100003"
expect_err "per node" "  pub: 10 of the 10 phones holding an ITL"

# the phones take the new ITL (a reset): the same change is now safe
settle
expect_exit 0 "the fleet is reset" fleet
expect_true "they reported it ($(status))" sh -c "$PT show itl-status | tail -1 | grep -q '20 Match'"
expect_exit 0 "now CallManager on the publisher is allowed" pt set cert regen CallManager --yes
expect_no_out "without a warning" "will be stranded"

# after utils itl reset, a TFTP restart waits until the phones took the reset ITL
pt utils service restart "Cisco Tftp" >/dev/null
settle
fleet
expect_exit 0 "utils itl reset localkey" sh -c "echo adminpw1 | faketime -f +${OFF}m $PT utils itl reset localkey"
expect_exit 6 "a TFTP restart before the phones took the reset ITL: refused" pt utils service restart "Cisco Tftp"
expect_err "why" "pub serves the reset ITL (utils itl reset)"
expect_err "whom it would strand" "would strand 10 phones that have not taken the reset ITL yet"
expect_exit 0 "the phones reset: they take it" fleet
expect_exit 0 "then the restart is allowed" pt utils service restart "Cisco Tftp"
expect_exit 2 "utils service restart takes --force and nothing else" pt utils service restart "Cisco Tftp" --now
# the subscriber still serves the reset ITL: its phones are current, and a
# TVS change would strand them (the CallManager-signed ITL that follows
# needs the TVS they hold to vouch for it)
later
expect_exit 6 "TVS while the subscriber's phones hold the reset ITL: refused" pt set cert regen TVS --yes
expect_err "the reset ITL's holders, named as such" "10 of them hold the ITL of 'utils itl reset'"
expect_err "what to do first" "Restart \"Cisco Tftp\" on their TFTP server first"
expect_err "with the publisher's ten (MisMatch after its restart)" "would strand 20 phones"
pt --node sub utils service restart "Cisco Tftp" >/dev/null

# --force: knowingly, and saying whom
later
settle
fleet
pt set cert regen TVS --yes >/dev/null
expect_exit 0 "--force regenerates anyway" pt --node sub set cert regen CallManager --yes --force
expect_out "saying how many and naming them" "WARNING: --force: 10 phones will be stranded"
expect_out "the first ones" "SEP001EF7100002, SEP001EF7100004, SEP001EF7100006, SEP001EF7100008, SEP001EF710000A and 5 more"

finish
