# Mixed mode and the CTL (issue 4, seed 002): tokenless, hardware tokens
# (SoftHSM2, made here), and both transitions.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
T=$PHONETRUST_HOME/tftp
$PT install --publisher cucm-pub --domain lab.example --ip 192.0.2.10 --org TAC --unit Cisco \
    --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add cucm-sub1 --ip 192.0.2.11 >/dev/null
$PT node add tvs-only --ip 192.0.2.12 --services tvs >/dev/null
$PT show cert own CallManager > pubcm.pem
json() { python3 -c "import json; j=json.load(open('$SCRATCH/out')); $1"; }

# non-secure: no CTL (seed 002)
expect_exit 4 "show ctl with no CTL" $PT show ctl
expect_out "seed 002" "Length of CTL file: 0"
expect_out "seed 002" "CTL File not found"
expect_exit 0 "run sql" $PT run sql "select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'"
expect_out "mode 0" "ClusterSecurityMode 0"
expect_exit 2 "any other SQL is refused" $PT run sql "select * from devices"
expect_exit 0 "auto-registration may be on in non-secure mode" $PT set param Auto-registration True

# tokenless mixed mode
expect_exit 6 "declining changes nothing" sh -c "echo n | $PT utils ctl set-cluster mixed-mode"
expect_exit 6 "only on the publisher" sh -c "echo y | $PT --node cucm-sub1 utils ctl set-cluster mixed-mode"
expect_exit 0 "utils ctl set-cluster mixed-mode" sh -c "echo y | $PT utils ctl set-cluster mixed-mode"
expect_out "seed 002 prompt" "This operation sets the cluster to Mixed mode. Do you want to continue? (y/n):y"
expect_out "seed 002" "Moving Cluster to Mixed Mode"
expect_out "seed 002" "Cluster set to Mixed Mode"
expect_out "seed 002" "Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services"
expect_exit 0 "run sql" $PT run sql "select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'"
expect_out "mode 1" "ClusterSecurityMode 1"
expect_exit 0 "show param" $PT show param "Auto-registration"
expect_out "mixed mode turned auto-registration off" "False"
expect_exit 6 "auto-registration is refused in mixed mode" $PT set param Auto-registration True
expect_exit 0 "show ctl" $PT show ctl --json
expect_true "M9 records: pub CM SAST, CCM+TFTP per node with DNS name and IP, CAPF" json "
r = [(x['role_name'], x['dns_name'], x['ip_address'], x['subject_name'].split(';')[0]) for x in j['records']]
assert r[0] == ('SAST', 'cucm-pub', '192.0.2.10', 'CN=cucm-pub.lab.example'), r
assert ('CCM+TFTP', 'cucm-pub', '192.0.2.10', 'CN=cucm-pub.lab.example') in r
assert ('CCM+TFTP', 'cucm-sub1', '192.0.2.11', 'CN=cucm-sub1.lab.example') in r
assert any(x[0] == 'CAPF' for x in r) and not any(x[1] == 'tvs-only' for x in r)
assert j['verified'] and j['signer_record'] == 1"
expect_true "the same file on every TFTP node" cmp -s $T/cucm-pub/CTLFile.tlv $T/cucm-sub1/CTLFile.tlv
expect_exit 0 "signed by the publisher's CallManager key" $PT sgn verify $T/cucm-sub1/CTLFile.tlv --cert pubcm.pem
cp $T/cucm-pub/CTLFile.tlv ctl1.tlv
$PT utils service restart "Cisco Tftp" >/dev/null
expect_same "a TFTP restart does not rebuild the CTL" ctl1.tlv $T/cucm-pub/CTLFile.tlv

# publisher CallManager regenerated, then utils ctl update CTLFile (seed 002, last section)
$PT set cert regen CallManager --yes >/dev/null
expect_same "the CTL is not rebuilt automatically" ctl1.tlv $T/cucm-pub/CTLFile.tlv
expect_exit 0 "utils ctl update CTLFile" sh -c "echo y | $PT utils ctl update CTLFile"
expect_out "seed 002" "This operation updates the CTLFile. Do you want to continue? (y/n):y"
expect_out "seed 002" "CTL file Updated"
$PT show cert own CallManager > newcm.pem
expect_exit 0 "the new CTL is signed by the new CallManager certificate" $PT sgn verify $T/cucm-sub1/CTLFile.tlv --cert newcm.pem
expect_exit 1 "not by the old one" $PT sgn verify $T/cucm-sub1/CTLFile.tlv --cert pubcm.pem
expect_exit 0 "utils ctl reset localkey re-signs with the second SAST" sh -c "echo y | $PT utils ctl reset localkey"
$PT show cert own ITLRecovery > rec.pem
expect_exit 0 "now signed by ITLRecovery" $PT sgn verify $T/cucm-pub/CTLFile.tlv --cert rec.pem
echo y | $PT utils ctl update CTLFile >/dev/null

# hardware tokens: SoftHSM2, certificates from a test Cisco Manufacturing CA
. "$(dirname "$PT_TESTLIB")/softhsm.sh"
make_token ADN0054f509 full
make_token ADN008580ef full
make_token NoKey nokey
make_token NoCert nocert
make_token Rogue rogue
echo 1234 > pins
cp $T/cucm-pub/CTLFile.tlv tokenless.tlv

expect_exit 6 "the CTL client refuses a token that is not in the CTL in force" \
    $PT ctl-client --module $MOD --token ADN0054f509 --token ADN008580ef --pin-file pins
expect_out "with seed 002's message" "The Security Token you have inserted does not exist in the CTL File"
expect_out "seed 002, line 2" "Please remove any Security Tokens already inserted and insert another"
expect_same "the CTL is untouched" tokenless.tlv $T/cucm-pub/CTLFile.tlv
echo 0000 > badpin
expect_exit 6 "wrong PIN" $PT ctl-client --module $MOD --token ADN0054f509 --pin-file badpin
expect_err "says so" "token ADN0054f509: wrong PIN"
expect_exit 4 "missing module" $PT ctl-client --module /nonexistent/libp11.so --token ADN0054f509 --pin-file pins
expect_err "names it" "cannot load the PKCS#11 module /nonexistent/libp11.so"
expect_exit 2 "no such token" $PT ctl-client --module $MOD --token Absent --pin-file pins
expect_exit 5 "a token without a key" $PT ctl-client --module $MOD --token NoKey --pin-file pins
expect_err "says so" "token NoKey holds no private key"
expect_exit 5 "a token without a certificate" $PT ctl-client --module $MOD --token NoCert --pin-file pins
expect_err "says so" "token NoCert holds no certificate"
expect_exit 5 "a certificate not issued by a manufacturing CA" $PT ctl-client --module $MOD --token Rogue --pin-file pins
expect_err "says so" "not by a Cisco Manufacturing CA"
expect_exit 5 "--ca checks the signature too" sh -c "cp Rogue.pem x.pem; $PT ctl-client --module $MOD --token ADN0054f509 --pin-file pins --ca rogue-ca.pem"
expect_same "after all of that, the CTL is untouched" tokenless.tlv $T/cucm-pub/CTLFile.tlv

# tokenless -> eToken (seed 002): delete the CTL on each node, upload the token certificates, run the client
expect_exit 0 "file delete tftp CTLFile.tlv (publisher)" sh -c "echo y | $PT file delete tftp CTLFile.tlv"
expect_out "seed 002" "files: found = 1, deleted = 1"
expect_exit 0 "file delete tftp CTLFile.tlv (subscriber)" sh -c "echo y | $PT --node cucm-sub1 file delete tftp CTLFile.tlv"
cp ADN0054f509.der SAST-ADN0054f509.cer
openssl x509 -in ADN008580ef.der -inform DER -out SAST-ADN008580ef.cer
expect_exit 0 "upload the first token certificate (a DER .cer)" $PT set cert import Phone-SAST-trust SAST-ADN0054f509.cer --name "1st eToken Cert"
expect_exit 0 "upload the second (a PEM .cer)" $PT set cert import Phone-SAST-trust SAST-ADN008580ef.cer --name "2nd eToken Cert"
expect_exit 0 "the CTL client with two tokens" $PT ctl-client --module $MOD --token ADN008580ef --token ADN0054f509 --pin-file pins --ca mca.pem
expect_out "seed 002 warning (mixed mode, no CTL)" "No CTL File exists on the server but the Call Manager Cluster Security Mode is in Secure Mode."
expect_exit 0 "show ctl" $PT show ctl --json
expect_true "both tokens as SAST, the cluster's CCM+TFTP and CAPF, no CallManager SAST" json "
r = [(x['role_name'], x['subject_name'].split(';')[0], x['issuer_name']) for x in j['records']]
sast = [x for x in r if x[0] == 'SAST']
assert len(sast) == 2 and all('Cisco Manufacturing CA' in x[2] for x in sast), r
assert sum(1 for x in r if x[0] == 'CCM+TFTP') == 2 and any(x[0] == 'CAPF' for x in r)
assert j['verified'] and j['records'][j['signer_record'] - 1]['subject_name'].startswith('CN=SAST-ADN008580ef')"
expect_true "on every TFTP node" cmp -s $T/cucm-pub/CTLFile.tlv $T/cucm-sub1/CTLFile.tlv
expect_exit 0 "signed inside the first token" $PT sgn verify $T/cucm-pub/CTLFile.tlv --cert ADN008580ef.pem
expect_exit 0 "an update signed by the other token, which is in the CTL now, is accepted" \
    $PT ctl-client --module $MOD --token ADN0054f509 --token ADN008580ef --pin-file pins
expect_exit 0 "signed by it" $PT sgn verify $T/cucm-pub/CTLFile.tlv --cert ADN0054f509.pem

# what TVS will answer (database cache first, then the CTL cache)
expect_exit 0 "TVS knows an uploaded token certificate from the database" $PT tvs lookup SAST-ADN0054f509.cer
expect_out "as SAST" "(database certificate cache): roles SAST"
expect_exit 0 "the publisher's CallManager in mixed mode: SAST and CCM+TFTP (seed 002: {0,2})" $PT tvs lookup newcm.pem
expect_out "roles" "roles SAST, CCM+TFTP"
expect_exit 0 "a TVS certificate" sh -c "$PT --node cucm-sub1 show cert own TVS > subtvs.pem && $PT tvs lookup subtvs.pem"
expect_out "role TVS" "roles TVS"
expect_exit 0 "forget the second token's upload" $PT set cert delete Phone-SAST-trust "2nd eToken Cert"
expect_exit 0 "TVS still knows it from the CTL" $PT tvs lookup SAST-ADN008580ef.cer
expect_out "from the CTL cache" "(CTL certificate cache): roles SAST"
expect_exit 1 "an unknown certificate" $PT tvs lookup rogue-ca.pem
expect_out "status 1" "not known to TVS"

# eToken -> tokenless: utils ctl update CTLFile drops every token record
expect_exit 0 "utils ctl update CTLFile" sh -c "echo y | $PT utils ctl update CTLFile"
expect_exit 0 "show ctl" $PT show ctl --json
expect_exit 1 "TVS no longer knows the dropped token from the CTL" $PT tvs lookup SAST-ADN008580ef.cer
expect_exit 0 "show ctl" $PT show ctl --json
expect_true "no token records; the publisher's CallManager signs" json "
assert not any('Cisco Manufacturing CA' in x['issuer_name'] for x in j['records'])
assert j['records'][j['signer_record'] - 1]['subject_name'].startswith('CN=cucm-pub') and j['verified']"

# leaving mixed mode: the CTL stays, its CCM+TFTP records lose their certificates; a stale CTL is reported
expect_exit 0 "utils ctl set-cluster non-secure-mode" sh -c "echo y | $PT utils ctl set-cluster non-secure-mode"
expect_out "says so" "Cluster set to Non Secure Mode"
expect_exit 0 "show ctl" $PT show ctl --json
expect_true "CCM+TFTP records keep only DNS name, function and IP" json "
c = [x for x in j['records'] if x['role_name'] == 'CCM+TFTP']
assert c and all(x['certificate_length'] == 0 and x['dns_name'] and x['ip_address'] for x in c), c
assert j['verified']"
expect_exit 0 "show ctl" $PT show ctl
expect_out "a stale CTL is reported" "yet this node serves a"
expect_exit 0 "delete it on each node" sh -c "echo y | $PT file delete tftp CTLFile.tlv && echo y | $PT --node cucm-sub1 file delete tftp CTLFile.tlv"
expect_exit 4 "gone" $PT show ctl
expect_exit 0 "deleting again finds nothing" sh -c "echo y | $PT file delete tftp CTLFile.tlv"
expect_out "found = 0" "files: found = 0, deleted = 0"
finish
