# Seed scenario 8 with simulated phones (M28): the same hardware token signs
# both clusters' CTLs, so phones move from A to B with no TVS and no reset
# of their lists: B's CTL is signed by a SAST they already hold, and B's ITL
# by a CallManager that B's CTL lists.
. "$PT_TESTLIB"
. "$(dirname "$PT_TESTLIB")/softhsm.sh"
export PHONETRUST_PHONES=$SCRATCH/phones
A=$SCRATCH/a B=$SCRATCH/b
set -- $(free_ports 6)
TA=$1 HA=$2 SA=$3 TB=$4 HB=$5 SB=$6
make_token Shared full
make_token OnlyA full
echo 1234 > pins
for c in "$A pubA a.example $SA" "$B pubB b.example $SB"; do
    set -- $c
    $PT --home $1 install --publisher $2 --domain $3 --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
    $PT --home $1 set param "TVS Port" $4 >/dev/null
    $PT --home $1 device add SEP001122334455 --model 8845 >/dev/null
    $PT --home $1 device add SEP001122334466 --model 8845 >/dev/null
    echo y | $PT --home $1 utils ctl set-cluster mixed-mode >/dev/null
    echo y | $PT --home $1 file delete tftp CTLFile.tlv >/dev/null
    $PT --home $1 set cert import Phone-SAST-trust Shared.pem --name "Shared eToken" >/dev/null
done
$PT --home $A set cert import Phone-SAST-trust OnlyA.pem --name "A's own eToken" >/dev/null
expect_exit 0 "A's CTL signed in the shared token (A's own token listed too)" \
    $PT --home $A ctl-client --module $MOD --token Shared --token OnlyA --pin-file pins --ca mca.pem
expect_exit 0 "B's CTL signed in the same token" $PT --home $B ctl-client --module $MOD --token Shared --pin-file pins --ca mca.pem
for h in $A $B; do $PT --home $h utils service restart "Cisco Tftp" >/dev/null; done
$PT --home $A serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TA --http-port $HA --tvs-port $SA --capf-port 0 --log $SCRATCH/a.log &
at_exit "kill $! 2>/dev/null"
$PT --home $B serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TB --http-port $HB --tvs-port $SB --capf-port 0 --log $SCRATCH/b.log &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 50); do [ "$(cat $SCRATCH/a.log $SCRATCH/b.log 2>/dev/null | grep -c 'SERVE node')" = 2 ] && break; sleep 0.1; done
settle_init $SCRATCH/a.log
boot() { $PT phone boot --mac $1 --tftp 127.0.0.1:$2 --http-port 0 ${3:+--model $3}; }
expect_exit 0 "first boot on A" boot 001122334455 $TA 8845
expect_exit 0 "moved to B" boot 001122334455 $TB
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "B's CTL: its signer is a SAST of the CTL from A" "CTLFile.tlv (CTLSEP001122334455.tlv) installed: signer in the installed CTL"
expect_out "B's ITL: its signer is in B's CTL" "ITLFile.tlv (ITLSEP001122334455.tlv) installed: signer in the installed CTL"
expect_true "B's TVS was never asked" sh -c "! grep -q 'CP-8845-SEP001122334455' $SCRATCH/b.log"
expect_true "nor A's" sh -c "! grep -q 'CP-8845-SEP001122334455' $SCRATCH/a.log"
expect_out "B's config in force" "SEP001122334455.cnf.xml.sgn accepted and in force"

# without the shared token: A's CTL signed by A's own token only; the phone cannot move
expect_exit 0 "A's CTL signed by its own token" $PT --home $A ctl-client --module $MOD --token OnlyA --token Shared --pin-file pins
expect_exit 0 "A's CTL without the shared token" sh -c "$PT --home $A set cert delete Phone-SAST-trust 'Shared eToken' && $PT --home $A ctl-client --module $MOD --token OnlyA --pin-file pins"
settle $SCRATCH/a.log   # A's TVS recaches
expect_exit 0 "first boot on A" boot 001122334466 $TA 8845
expect_exit 1 "moved to B: B's CTL signer is unknown, and A's TVS is not B's" boot 001122334466 $TB
expect_exit 0 "show" $PT phone show --mac 001122334466
expect_out "Trust List Update Failed" "Trust List Update Failed"
finish
