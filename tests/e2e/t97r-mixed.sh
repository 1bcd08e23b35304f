# Seed scenario 10 with a simulated phone: mixed mode tokenless (the phone
# installs the CTL), publisher CallManager regenerated + utils ctl update
# CTLFile (TVS refreshes its CTL cache), tokenless -> eToken (TVS vouches
# for the unknown token certificate), eToken -> tokenless.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
set -- $(free_ports 3)
TFTP=$1 HTTP=$2 TVS=$3
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null
$PT device add SEP001122334455 --model 8865 >/dev/null
$PT device add SEP0011223344BB --model 7960 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0
boot() { $PT phone boot --mac $1 --tftp 127.0.0.1:$TFTP --http-port $HTTP ${2:+--model $2}; }
ctl_of() { $PT phone show --mac $1 --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["ctl"]; print(c["sha1"] if c else "none")'; }
served_ctl() { sha1sum $PHONETRUST_HOME/tftp/pub/CTLFile.tlv | cut -c1-40; }
expect_exit 0 "8865 first boot (non-secure cluster)" boot 001122334455 8865
expect_exit 0 "7960 first boot" boot 0011223344BB 7960
expect_true "no CTL yet" test "$(ctl_of 001122334455)" = none

# mixed mode, tokenless: the CTL is trusted on first use by both models
echo y | $PT utils ctl set-cluster mixed-mode >/dev/null
expect_exit 0 "boot in mixed mode" boot 001122334455
expect_true "the phone installed the CTL" test "$(ctl_of 001122334455)" = "$(served_ctl)"
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "on first use" "CTLFile.tlv (CTLSEP001122334455.tlv) installed: trusted on first use"
expect_exit 0 "the 7960 takes the CTL too" boot 0011223344BB
expect_true "installed" test "$(ctl_of 0011223344BB)" = "$(served_ctl)"
expect_true "with a CTL the 7960 asks for the signed config" grep -q "RRQ SEP0011223344BB.cnf.xml.sgn: OK" $LOG

# publisher CallManager regenerated, then utils ctl update CTLFile
$PT set cert regen CallManager --yes --force >/dev/null
echo y | $PT utils ctl update CTLFile >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
settle
expect_true "TVS refreshed its CTL cache" grep -q "CTLFile.tlv has been modified. Recaching CTL Certificate Cache" $LOG
expect_exit 0 "the phone follows" boot 001122334455
expect_true "new CTL" test "$(ctl_of 001122334455)" = "$(served_ctl)"
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "the new CTL signer through TVS (SAST in mixed mode)" "CTLFile.tlv (CTLSEP001122334455.tlv) installed: signer vouched for by TVS"
expect_out "the new ITL through the new CTL" "ITLFile.tlv (ITLSEP001122334455.tlv) installed: signer in the installed CTL"

# tokenless -> eToken: TVS vouches for the token certificate uploaded to Phone-SAST-trust
. "$(dirname "$PT_TESTLIB")/softhsm.sh"
make_token ADN0054f509 full
make_token ADN008580ef full
echo 1234 > pins
echo y | $PT file delete tftp CTLFile.tlv >/dev/null
$PT set cert import Phone-SAST-trust ADN0054f509.pem --name "1st eToken Cert" >/dev/null
$PT set cert import Phone-SAST-trust ADN008580ef.pem --name "2nd eToken Cert" >/dev/null
expect_exit 0 "the CTL client with two tokens" $PT ctl-client --module $MOD --token ADN008580ef --token ADN0054f509 --pin-file pins --ca mca.pem
settle
expect_exit 0 "the phone takes the eToken CTL" boot 001122334455
expect_true "installed" test "$(ctl_of 001122334455)" = "$(served_ctl)"
expect_exit 0 "show" $PT phone show --mac 001122334455 --json
expect_out "signed by the token" '"signer":"CN=SAST-ADN008580ef'
expect_true "TVS vouched for the token" grep -q "CP-8865-SEP001122334455 certificate [0-9a-f]*: Valid, roles SAST from the database" $LOG
# a CTL signed by a token nobody uploaded is refused
make_token Stranger full
cp $PHONETRUST_HOME/tftp/pub/CTLFile.tlv etoken.tlv
$PT tlv resign etoken.tlv $PHONETRUST_HOME/tftp/pub/CTLFile.tlv --signer Stranger.pem --force >/dev/null
expect_exit 1 "a CTL signed by an unknown token: refused" boot 001122334455
expect_out "the summary says so" "locked (Trust List Update Failed)"
expect_true "still the eToken CTL" test "$(ctl_of 001122334455)" = "$(sha1sum etoken.tlv | cut -c1-40)"
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "Trust List Update Failed" "Trust List Update Failed"
cp etoken.tlv $PHONETRUST_HOME/tftp/pub/CTLFile.tlv

# eToken -> tokenless: the CallManager signer again, vouched for by TVS as SAST
echo y | $PT utils ctl update CTLFile >/dev/null
settle
expect_exit 0 "back to tokenless" boot 001122334455
expect_true "installed" test "$(ctl_of 001122334455)" = "$(served_ctl)"
expect_exit 0 "show --json" $PT phone show --mac 001122334455 --json
expect_out "signed by CallManager" '"signer":"CN=pub.lab.example'
kill -TERM $SERVE
wait $SERVE
finish
