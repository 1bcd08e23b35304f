# Seed scenario 4 with simulated phones: the publisher is rebuilt without a
# backup; its phones are locked; utils itl reset remotekey with the
# ITLRecovery.p12 saved on a real SFTP server recovers them.
. "$PT_TESTLIB"
. "$(dirname "$PT_TESTLIB")/sftp-server.sh"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
SFTP="--server 127.0.0.1 --port $SFTP_PORT --user $SFTP_USER --identity $SFTP_KEY --known-hosts $SFTP_KNOWN"
set -- $(free_ports 3)
TFTP=$1 HTTP=$2 TVS=$3
build_cluster() {
    $PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
    $PT set param "TVS Port" $TVS >/dev/null
    $PT device add SEP001122334455 --model 8845 >/dev/null
    $PT device add SEP0011223344AA --model 7975 >/dev/null
    $PT utils service restart "Cisco Tftp" >/dev/null
}
build_cluster
expect_exit 0 "back up the ITLRecovery key" sh -c "printf 'secpw123\\n' | $PT file get tftp ITLRecovery.p12 $SFTP --dir $SFTP_ROOT --yes --accept-host-key"
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0
boot() { $PT phone boot --mac $1 --tftp 127.0.0.1:$TFTP --http-port $HTTP ${2:+--model $2}; }
expect_exit 0 "8845 trusts the cluster" boot 001122334455 8845
expect_exit 0 "7975 too" boot 0011223344AA 7975

# the publisher dies and is rebuilt from scratch: new keys, same names and security password
kill -TERM $SERVE
wait $SERVE
rm -rf $PHONETRUST_HOME
build_cluster
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0
expect_exit 1 "the rebuilt cluster: locked" boot 001122334455
expect_exit 1 "both" boot 0011223344AA
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "its TVS is a stranger too" "the server's certificate is not a TVS record of the ITL"

# utils itl reset remotekey: the old ITLRecovery key signs the rebuilt cluster's ITL
expect_exit 0 "utils itl reset remotekey" sh -c \
    "printf 'adminpw1\nsecpw123\n' | $PT utils itl reset remotekey 127.0.0.1 $SFTP_USER $SFTP_ROOT/ITLRecovery.p12 \
     --port $SFTP_PORT --identity $SFTP_KEY --known-hosts $SFTP_KNOWN"
for mac in 001122334455 0011223344AA; do
    expect_exit 0 "SEP$mac recovered" boot $mac
    expect_exit 0 "show" $PT phone show --mac $mac
    expect_out "through the old ITLRecovery SAST it holds" "installed: signer in the installed ITL"
done
$PT utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "TFTP restart + reset: the rebuilt CallManager signs again" boot 001122334455
expect_exit 0 "show --json" $PT phone show --mac 001122334455 --json
expect_out "CallManager signer" '"signer":"CN=pub.lab.example'
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "the 8845 holds the current ITL" "SEP001122334455  pub"
kill -TERM $SERVE
wait $SERVE
finish
