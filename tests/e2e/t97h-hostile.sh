# Hostile networks, the phone's side: a fleet whose server dies under it
# (kill -9 in the middle of a reboot storm) finishes with its table and its
# exit status, never killed by SIGPIPE (exit 141).
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT device add SEP001EF7100001 --count 200 --model 8845 >/dev/null
set -- $(free_ports 3)
TFTP=$1 HTTP=$2 TVS=$3
$PT set param "TVS Port" $TVS >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/serve.log
serve() { start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0; }
fleet() { $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP --timeout 2000 --json "$@"; }

serve
expect_exit 0 "first boot of 200 phones" fleet --count 200 --first-mac 001EF7100001 --model 8845
kill $SERVE; wait $SERVE 2>/dev/null
# a regeneration, so that every phone asks TVS (a TLS connection each) on its next boot
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
serve
t0=$(date +%s%N)
expect_exit 0 "a storm with the server up" fleet
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill $SERVE; wait $SERVE 2>/dev/null
# the server killed (-9) at instants inside a storm in which every phone
# asks TVS (a new CallManager signer each time): TLS connections in flight
# are reset under the phones' writes
for frac in 0.2 0.4 0.6 0.8; do
    $PT set cert regen CallManager --yes --force >/dev/null
    $PT utils service restart "Cisco Tftp" >/dev/null
    serve
    ( sleep "$(python3 -c "print($ms * $frac / 1000)")"; kill -9 $SERVE ) &
    killer=$!
    fleet >storm.json 2>storm.err
    rc=$?
    wait $killer
    wait $SERVE 2>/dev/null
    expect_true "server killed at $frac of a storm: the fleet is not killed by SIGPIPE (exit $rc)" \
        sh -c "[ $rc -eq 0 ] || [ $rc -eq 1 ]"
    expect_true "and prints its JSON counts ($frac)" python3 -c "
import json; j = json.load(open('storm.json')); assert j['phones'] == 200, j"
done

finish
