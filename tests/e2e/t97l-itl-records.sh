# The administrator's own ITL records: the PBX's SIP-TLS certificate (CCM),
# an HTTPS provisioning server (TFTP, EC), an XML services server
# (APP-SERVER), carried by every node's ITL and by the CTL; the 64 KB a
# phone can load and the 2 SAST records a list may hold are enforced with
# a clear error, and nothing is added then.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add sub --ip 127.0.0.2 >/dev/null
$PT cert create $SCRATCH/asterisk.pem --cn asterisk.lab.example --rsa 2048 >/dev/null
$PT cert create $SCRATCH/apache-ec.pem --cn prov.lab.example --ec prime256v1 >/dev/null
$PT cert create $SCRATCH/services.pem --cn xml.lab.example --rsa 2048 >/dev/null

expect_exit 0 "the PBX's SIP-TLS certificate as CCM" $PT set itl record add ccm $SCRATCH/asterisk.pem
expect_out "says when it is served" 'Added asterisk to the ITL as CCM; every TFTP node serves it after utils service restart "Cisco Tftp"'
expect_exit 0 "an EC HTTPS provisioning certificate as TFTP" $PT set itl record add tftp $SCRATCH/apache-ec.pem
expect_exit 0 "an XML services server as APP-SERVER" $PT set itl record add app-server $SCRATCH/services.pem --name xml-services
expect_exit 2 "the same name and role twice" $PT set itl record add ccm $SCRATCH/asterisk.pem
expect_err "says so" "the ITL already has a CCM record named asterisk"
expect_exit 2 "SAST: refused" $PT set itl record add sast $SCRATCH/asterisk.pem
expect_err "names the roles it takes" "ccm, ccm+tftp, tftp or app-server"
expect_exit 0 "show itl records" $PT show itl records
expect_out "lists the CCM record" "asterisk                 CCM"
expect_out "the TFTP one" "apache-ec                TFTP"
expect_out "the APP-SERVER one" "xml-services             APP-SERVER"

expect_exit 0 "restart TFTP on the publisher" $PT utils service restart "Cisco Tftp"
expect_exit 0 "and on the subscriber" $PT --node sub utils service restart "Cisco Tftp"
for node in pub sub; do
    itl=$PHONETRUST_HOME/tftp/$node/ITLFile.tlv
    expect_exit 0 "$node: show itl" $PT show itl $itl
    expect_out "$node's ITL verifies" "The ITL file was verified successfully."
    $PT show itl $itl --json >$SCRATCH/itl.json
    expect_true "$node's ITL holds the three, with their roles" python3 - $SCRATCH <<'EOF'
import hashlib, json, subprocess, sys
scratch = sys.argv[1]
got = {(r["role_name"], r["certificate_sha1"]) for r in json.load(open(f"{scratch}/itl.json"))["records"]}
for pem, role in (("asterisk.pem", "CCM"), ("apache-ec.pem", "TFTP"), ("services.pem", "APP-SERVER")):
    der = subprocess.run(["openssl", "x509", "-in", f"{scratch}/{pem}", "-outform", "DER"], capture_output=True, check=True).stdout
    assert (role, hashlib.sha1(der).hexdigest()) in got, (pem, role, got)
EOF
done

# mixed mode: the CTL carries them too
expect_exit 0 "mixed mode" sh -c "echo y | $PT utils ctl set-cluster mixed-mode"
expect_exit 0 "show ctl" $PT show ctl
expect_out "the CTL holds the SIP-TLS record" "CN=asterisk.lab.example"
expect_out "and the services one" "CN=xml.lab.example"

# the 64 KB a phone can load: the record that would pass it is refused whole
before=$($PT show itl records | wc -l)
$PT cert create $SCRATCH/big.pem --cn "services.lab.example" --rsa 4096 >/dev/null
i=0 refused=0
while [ $i -lt 60 ]; do
    i=$((i + 1))
    if ! $PT set itl record add app-server $SCRATCH/big.pem --name big$i >$SCRATCH/out 2>$SCRATCH/err; then refused=$i; break; fi
done
expect_true "a record is refused before the ITL reaches 64 KB" test $refused -gt 1
expect_err "the error names the node's ITL and the limit" "the ITL of node pub"
expect_err "and the 64 KB" "phones cannot load trust lists of 64 KB or more"
expect_true "nothing of the refused record was added" test "$($PT show itl records | wc -l)" = $((before + refused - 1))
expect_exit 0 "the ITL still builds" $PT utils service restart "Cisco Tftp"
expect_true "below 64 KB" test "$(stat -c %s $PHONETRUST_HOME/tftp/pub/ITLFile.tlv)" -lt 65535
expect_exit 0 "a record is deleted" $PT set itl record delete app-server xml-services
expect_exit 2 "not twice" $PT set itl record delete app-server xml-services
expect_err "says which" "the ITL has no APP-SERVER record named xml-services"
finish
