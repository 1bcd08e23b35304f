# The cluster (issue 3, first part): install, nodes, parameters,
# certificates and the hold timer, each node's ITL (M6), the rollback ITL
# (M8), and utils itl reset localkey (M18) - in a scratch cluster home.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
json() { python3 -c "import json,sys; j=json.load(open('$SCRATCH/out')); $1"; }

expect_exit 0 "install the publisher (passwords from standard input)" sh -c \
    "printf 'adminpw1\nsecpw123\n' | $PT install --publisher test10pub --domain joemar2.lab --ip 192.0.2.10 \
     --org cisco --unit tac --locality rtp --state nc --country US"
expect_out "says where the cluster lives" "Cluster home: $PHONETRUST_HOME"
expect_true "key directory is 0700" sh -c "[ \"\$(stat -c %a $PHONETRUST_HOME/keys)\" = 700 ]"
expect_true "the cluster home is 0700" test "$(stat -c %a $PHONETRUST_HOME)" = 700
expect_true "the database is 0600" test "$(stat -c %a $PHONETRUST_HOME/cluster.db)" = 600
expect_true "every key is 0600" sh -c "[ -z \"\$(find $PHONETRUST_HOME/keys -type f ! -perm 0600)\" ] && [ \$(ls $PHONETRUST_HOME/keys | wc -l) -eq 5 ]"
expect_true "a real SQLite database" sh -c "head -c 15 $PHONETRUST_HOME/cluster.db | grep -q 'SQLite format 3'"
expect_true "a new cluster serves its ITL without a TFTP restart" test -s $PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv
expect_out "and says so" "Cisco Tftp on test10pub: ITLFile.tlv and the configuration files are served"
expect_exit 2 "a second install into the same home is refused" $PT install --publisher x --domain d.lab --ip 192.0.2.9 --admin-password aaaaaa --security-password bbbbbb
expect_err "and says why" "already holds a cluster"
expect_exit 2 "install with a bad address" $PT --home $SCRATCH/other install --publisher x --domain d.lab --ip 300.1.1.1 --admin-password aaaaaa --security-password bbbbbb
expect_true "a refused install leaves nothing behind" sh -c "! ls -d $SCRATCH/other* 2>/dev/null"
expect_exit 7 "no cluster where --home points" $PT --home $SCRATCH/nowhere node list
expect_err "says how to make one" "run 'phonetrust install'"

# the publisher's certificates (M2)
expect_exit 0 "show cert list" $PT show cert list
expect_out "CallManager CN is the FQDN, CUCM order" "test10pub/CallManager: CN=test10pub.joemar2.lab,OU=tac,O=cisco,L=rtp,ST=nc,C=US"
expect_out "ECDSA CN" "test10pub/CallManager-ECDSA: CN=test10pub.joemar2.lab-EC,"
expect_out "ITLRecovery CN" "test10pub/ITLRecovery: CN=ITLRECOVERY_test10pub.joemar2.lab,"
expect_true "CAPF CN is CAPF-<8 hex>" grep -Eq "test10pub/CAPF: CN=CAPF-[0-9a-f]{8}," "$SCRATCH/out"
expect_exit 0 "show cert own ITLRecovery" $PT show cert own ITLRecovery
expect_true "is a PEM certificate valid for 5 years" sh -c "openssl x509 -in '$SCRATCH/out' -noout -checkend $((5*365*86400 - 5*86400)) && ! openssl x509 -in '$SCRATCH/out' -noout -checkend $((5*366*86400))"
expect_exit 2 "show cert own with an unknown name" $PT show cert own Tomcat

# nodes (M1)
expect_exit 0 "node add" $PT node add test10sub --ip 192.0.2.11
expect_true "a new TFTP node serves its ITL at once" test -s $PHONETRUST_HOME/tftp/test10sub/ITLFile.tlv
expect_exit 0 "utils service restart \"Cisco CallManager\", as the Cisco documents say" $PT utils service restart "Cisco CallManager"
expect_out "says what it means here" "Cisco CallManager: nothing to restart here. phonetrust runs no call control"
expect_exit 2 "an unknown service is still a usage error" $PT utils service restart "Cisco Nonsense"
expect_exit 0 "a TFTP-only node" $PT node add tftp3 --ip 192.0.2.12 --services tftp
expect_exit 2 "node add twice" $PT node add test10sub --ip 192.0.2.11
expect_exit 2 "node add with a bad service" $PT node add x1 --ip 192.0.2.13 --services sip
expect_exit 2 "node add without an address" $PT node add x1
expect_exit 2 "digits that are no IPv4 address" $PT node add x1 --ip 192.0.2.300
expect_err "says what it expected" "neither an IPv4 address nor a host name"
expect_exit 6 "node add from a subscriber" $PT --node test10sub node add x1 --ip 192.0.2.13
expect_err "This is not a publisher node" "This is not a publisher node"
expect_exit 0 "node list" $PT node list
expect_out "the subscriber" "test10sub                192.0.2.11       subscriber tftp,tvs,callmanager"
expect_out "the TFTP-only node" "tftp3                    192.0.2.12       subscriber tftp"
expect_out "CAPF: the publisher's" "publisher  tftp,tvs,callmanager,capf"
expect_exit 2 "CAPF only on the publisher" $PT node add x1 --ip 192.0.2.13 --services tftp,capf
expect_exit 6 "CAPF deactivated from a subscriber" $PT --node test10sub utils service deactivate "Cisco Certificate Authority Proxy Function"
expect_exit 2 "TFTP is not deactivated here" $PT utils service deactivate "Cisco Tftp"
expect_exit 2 "--node with an unknown host" $PT --node nosuch show itl

# enterprise parameters (M4)
expect_exit 0 "show param" $PT show param
expect_out "Cluster Security Mode 0, read-only" "Cluster Security Mode                      0   (read-only)"
expect_out "rollback parameter" "Prepare Cluster for Rollback to pre-8.0    False"
expect_out "CAPF port" "CAPF Phone Port                            3804"
expect_exit 6 "Cluster Security Mode is read-only" $PT set param "Cluster Security Mode" 1
expect_exit 2 "a port out of range" $PT set param "CAPF Phone Port" 70000
expect_exit 0 "a parameter the phones' configurations carry" $PT set param "CAPF Phone Port" 3804
expect_out "names the exact command for each TFTP node" '--node test10sub utils service restart "Cisco Tftp"'
expect_out "the TFTP-only node too" '--node tftp3 utils service restart "Cisco Tftp"'
expect_exit 0 "one they do not carry" $PT set param "CAPF Operation Expires in (days)" 10
expect_no_out "says nothing of a rebuild" "rebuild"
expect_exit 2 "an unknown parameter" $PT set param "Bogus" 1
expect_exit 0 "set CAPF Operation Expires in (days)" $PT set param "CAPF Operation Expires in (days)" 30
expect_exit 0 "show one parameter" $PT show param "CAPF Operation Expires in (days)"
expect_out "it stuck" "30"

# each TFTP node's ITL (M6)
expect_exit 0 "restart TFTP on the publisher" $PT utils service restart "Cisco Tftp"
expect_exit 0 "restart TFTP on the subscriber" $PT --node test10sub utils service restart "Cisco Tftp"
expect_exit 0 "show itl on the publisher" $PT show itl --json
expect_true "publisher ITL: CM SAST+TFTP, EC TFTP, CAPF#, TVS# pub, ITLRecovery, TVS# sub" json "
r = [(x['role_name'], x['subject_name'].split(';')[0], x['certificate_hash'] is not None) for x in j['records']]
assert r == [('SAST','CN=test10pub.joemar2.lab',False), ('TFTP','CN=test10pub.joemar2.lab',False),
             ('TFTP','CN=test10pub.joemar2.lab-EC',False), ('CAPF',r[3][1],True),
             ('TVS','CN=test10pub.joemar2.lab',True), ('SAST','CN=ITLRECOVERY_test10pub.joemar2.lab',False),
             ('TVS','CN=test10sub.joemar2.lab',True)], r
assert j['verified'] and j['signer_record'] == 1 and j['signer_version'] is None
assert j['records'][0]['dns_name'] == 'test10pub' and j['records'][0]['ip_address'] == '192.0.2.10'
assert j['records'][6]['dns_name'] == 'test10sub' and j['records'][6]['ip_address'] == '192.0.2.11'"
pub_sha1=$(python3 -c "import json; print(json.load(open('$SCRATCH/out'))['sha1'])")
expect_exit 0 "show itl on the subscriber" $PT --node test10sub show itl --json
expect_true "subscriber ITL: its own CallManager signs; the cluster's TVS/CAPF/ITLRecovery" json "
r = [(x['role_name'], x['subject_name'].split(';')[0]) for x in j['records']]
assert r[0] == ('SAST','CN=test10sub.joemar2.lab') and r[1] == ('TFTP','CN=test10sub.joemar2.lab'), r
assert ('SAST','CN=ITLRECOVERY_test10pub.joemar2.lab') in r and len(r) == 7
assert j['verified'] and j['signer_record'] == 1 and j['sha1'] != '$pub_sha1'"
expect_exit 0 "a TVS-only node" $PT node add tvsonly --ip 192.0.2.14 --services tvs
expect_exit 6 "has no TFTP service to restart" $PT --node tvsonly utils service restart "Cisco Tftp"
expect_err "and says so" "Cisco Tftp is not activated on node tvsonly"
$PT node remove tvsonly >/dev/null

# the hold timer (M16), with the clock moved by libfaketime
expect_exit 0 "set cert regen CallManager" sh -c "echo yes | $PT set cert regen CallManager"
expect_out "seed 001 warning" "WARNING: This operation will overwrite any CA signed certificate"
expect_out "the prompt" "Proceed with regeneration (yes|no)? yes"
expect_out "seed 001 success" "Successfully Regenerated Certificate for CallManager."
expect_out "seed 001 backup advice" "Please do a backup of the server as soon as possible. Failure to do"
expect_out "M17 next steps" "utils service restart \"Cisco Tftp\" on every node that runs it"
expect_exit 6 "set cert regen TVS right after is refused" $PT set cert regen TVS --yes
expect_err "seed 001 hold-timer text" "CallManager certificate was modified in the last 5 minutes. Please re-try"
expect_err "seed 001 hold-timer text, line 2" "regnerating TVS certificate at a later time"
expect_exit 6 "and CallManager again too" $PT set cert regen CallManager --yes
expect_exit 0 "another node is not held" $PT --node test10sub set cert regen TVS --yes
$PT device add SEP00AA00000001 --count 2 --model 8845 >/dev/null
$PT device capf SEP00AA00000002 --op install --auth null-string >/dev/null 2>&1
expect_exit 0 "CAPF is not held" $PT set cert regen CAPF --yes
expect_out "seed 004's warning" "WARNING: Regenerating the CAPF certificate while the CAPF service is activated and started"
expect_out "the operation it holds up, and what to do" "1 device has a CAPF operation pending (SEP00AA00000002): it can complete it only once it holds an ITL"
$PT device remove SEP00AA00000001 >/dev/null
$PT device remove SEP00AA00000002 >/dev/null
expect_exit 6 "CAPF on a subscriber: publisher only" $PT --node test10sub set cert regen CAPF --yes
# each node its own ITLRecovery (seed 001), the publisher's alone in the ITL files
$PT show cert own ITLRecovery >pubrec.pem
$PT --node test10sub show cert own ITLRecovery >subrec.pem
expect_true "the subscriber's own: ITLRECOVERY_<its name>" sh -c \
    "openssl x509 -in subrec.pem -noout -subject | grep -q 'CN *= *ITLRECOVERY_test10sub.joemar2.lab'"
expect_exit 0 "regenerated on the subscriber" $PT --node test10sub set cert regen ITLRecovery --yes
expect_out "the phones are not reset" "Only the publisher's ITLRecovery is in the ITL files of the cluster"
expect_true "a new one for the subscriber, the publisher's as it was" sh -c \
    "! $PT --node test10sub show cert own ITLRecovery | cmp -s - subrec.pem && $PT show cert own ITLRecovery | cmp -s - pubrec.pem"
expect_exit 0 "the subscriber's ITL after a TFTP restart" sh -c "$PT --node test10sub utils service restart 'Cisco Tftp' >/dev/null && $PT --node test10sub show itl"
expect_out "still the publisher's ITLRecovery" "ITLRECOVERY_test10pub.joemar2.lab"
expect_no_out "never the subscriber's" "ITLRECOVERY_test10sub"
$PT --node test10sub show cert own ITLRecovery >subrec.pem
expect_exit 1 "TVS does not vouch for a key that signs nothing" $PT tvs lookup subrec.pem
expect_exit 0 "the publisher's it does" $PT tvs lookup pubrec.pem
expect_exit 6 "4 minutes later: still held" faketime -f "+4m" $PT set cert regen TVS --yes
expect_exit 0 "6 minutes later: allowed" faketime -f "+6m" $PT set cert regen TVS --yes
expect_exit 6 "CallManager right after TVS is refused too (seed 001)" faketime -f "+6m" $PT set cert regen CallManager --yes
expect_err "names TVS as the one just modified" "TVS certificate was modified in the last 5 minutes. Please re-try"
expect_exit 6 "declining the confirmation changes nothing" sh -c "echo no | faketime -f '+20m' $PT set cert regen TVS"
expect_out "says so" "Certificate regeneration cancelled"
expect_exit 0 "--force bypasses the hold timer" $PT --node test10sub set cert regen CallManager --yes --force
expect_out "and says what it risks" "Trust List Update Failed"
expect_exit 2 "an unknown certificate name" $PT set cert regen Tomcat --yes

# trust stores (M3)
$PT cert create etoken.pem --cn SAST-ADN008580ef >/dev/null
expect_exit 0 "set cert import Phone-SAST-trust" $PT set cert import Phone-SAST-trust etoken.pem
expect_exit 2 "the same name twice" $PT set cert import Phone-SAST-trust etoken.pem
expect_exit 2 "an unknown purpose" $PT set cert import Bogus-trust etoken.pem
expect_exit 5 "a file that is not a certificate" $PT set cert import CallManager-trust $V/sgn/hello.txt
expect_err "names the file once" "phonetrust: $V/sgn/hello.txt: no certificate"
expect_true "...is malformed or unusable, never accepted" sh -c "! $PT show cert list | grep -q 'CallManager-trust'"
expect_exit 0 "show cert list has the import" $PT show cert list
expect_out "the imported certificate" "Phone-SAST-trust/etoken: CN=SAST-ADN008580ef"
expect_exit 0 "set cert delete" $PT set cert delete Phone-SAST-trust etoken
expect_exit 2 "delete it again" $PT set cert delete Phone-SAST-trust etoken

# utils itl reset localkey (M18)
$PT utils service restart "Cisco Tftp" >/dev/null
cp $PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv before.tlv
$PT show itl before.tlv --json >/dev/null
expect_exit 6 "wrong administrator password" sh -c "echo nope | $PT utils itl reset localkey"
expect_err "says so" "wrong CCM Administrator password"
expect_same "nothing changed" before.tlv $PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv
expect_exit 6 "not on a subscriber" sh -c "echo adminpw1 | $PT --node test10sub utils itl reset localkey"
expect_err "seed 001 text" "This is not a publisher node"
expect_exit 0 "utils itl reset localkey" sh -c "echo adminpw1 | $PT utils itl reset localkey"
expect_out "prompt" "Enter CCM Administrator password :"
expect_out "seed 001 progress" "Locating active Tftp servers in the cluster....."
expect_out "seed 001 list" "['test10pub', 'test10sub', 'tftp3']"
expect_out "seed 001 generated" "The reset ITL file was generated successfully"
expect_out "seed 001 transfer" "Transferring new reset ITL file to the TFTP server nodes in the cluster........."
expect_out "publisher restarted" "Cisco Tftp service restarted on host test10pub"
expect_out "subscriber transferred" "Successfully transferred reset ITL to node test10sub"
expect_out "subscriber restarted" "Cisco Tftp service restarted on host tftp3"
expect_exit 0 "the reset ITL verifies" $PT show itl
expect_true "signed by the ITLRecovery record" sh -c "sed -n '/ITL Record #:6/,/ITL Record #:7/p' '$SCRATCH/out' | grep -q 'was used to sign'"
itlrec=$($PT show cert own ITLRecovery)
printf '%s\n' "$itlrec" > itlrecovery.pem
expect_exit 0 "a phone holding the old ITL can check it: signed by the old ITL's ITLRecovery record" \
    $PT sgn verify $PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv --cert itlrecovery.pem
expect_true "every TFTP node serves the same reset file" sh -c \
    "cmp -s $PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv $PHONETRUST_HOME/tftp/test10sub/ITLFile.tlv && cmp -s $PHONETRUST_HOME/tftp/test10pub/ITLFile.tlv $PHONETRUST_HOME/tftp/tftp3/ITLFile.tlv"
expect_exit 0 "the next TFTP restart returns the signer to CallManager" $PT utils service restart "Cisco Tftp"
expect_exit 0 "show itl" $PT show itl
expect_true "record 1 (CallManager) signs again" sh -c "sed -n '/ITL Record #:1/,/ITL Record #:2/p' '$SCRATCH/out' | grep -q 'was used to sign'"

# the rollback ITL (M8)
expect_exit 0 "Prepare Cluster for Rollback to pre-8.0 = True" $PT set param "Prepare Cluster for Rollback to pre-8.0" true
expect_exit 0 "restart TFTP" $PT utils service restart "Cisco Tftp"
expect_exit 0 "show itl" $PT show itl --json
expect_true "the rollback ITL has no TVS and no TFTP records" json "
roles = [x['role_name'] for x in j['records']]
assert 'TVS' not in roles and 'TFTP' not in roles and 'SAST' in roles and j['verified'], roles"
expect_exit 0 "back to False" $PT set param "Prepare Cluster for Rollback to pre-8.0" False
$PT utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "show itl" $PT show itl --json
expect_true "TVS and TFTP records are back" json "
roles = [x['role_name'] for x in j['records']]
assert 'TVS' in roles and 'TFTP' in roles, roles"

# node removal takes its keys and files with it
expect_exit 0 "node remove" $PT node remove tftp3
expect_true "its keys are gone" sh -c "! ls $PHONETRUST_HOME/keys | grep -q tftp3"
expect_true "its TFTP directory is gone" test ! -d $PHONETRUST_HOME/tftp/tftp3
expect_exit 6 "the publisher cannot be removed" $PT node remove test10pub

# a damaged database is reported, not used
cp -r $PHONETRUST_HOME broken
dd if=/dev/urandom of=broken/cluster.db bs=1024 seek=1 count=8 conv=notrunc 2>/dev/null
rm -f broken/cluster.db-wal broken/cluster.db-shm
expect_exit 7 "a corrupt database" $PT --home broken node list
expect_err "says so" "broken/cluster.db"
# logs are 0640 at most whatever the umask; an older home (0755) is tightened when opened
rm -f $PHONETRUST_HOME/log/phonetrust.log
chmod 755 $PHONETRUST_HOME
expect_exit 0 "a command under umask 000, two days on (the daily alert is logged)" sh -c "umask 000; faketime -f +50h $PT node list >/dev/null"
expect_true "the cluster log was written" test -s $PHONETRUST_HOME/log/phonetrust.log
expect_true "0640 (not 0666)" test "$(stat -c %a $PHONETRUST_HOME/log/phonetrust.log)" = 640
expect_true "the home is 0700 again" test "$(stat -c %a $PHONETRUST_HOME)" = 700
set -- $(free_ports 1)
sh -c "umask 000; exec $PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $1 --http-port 0 --tvs-port 0 --capf-port 0 --log $SCRATCH/umask.log" &
srv=$!
for _ in $(seq 50); do grep -q "SERVE node" $SCRATCH/umask.log 2>/dev/null && break; sleep 0.1; done
kill $srv; wait $srv
expect_true "serve --log under umask 000: 0640" test "$(stat -c %a $SCRATCH/umask.log)" = 640

# a big cluster: every node's TVS certificate is in the ITL, however many
# there are (the records were once a fixed array of 64). The nodes are
# copies of one, made in the database: 70 real ones take half a minute.
export PHONETRUST_HOME=$SCRATCH/big
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add n0 --ip 192.0.2.20 --services tvs >/dev/null
sqlite3 $PHONETRUST_HOME/cluster.db "
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 69)
    INSERT INTO nodes (name, ip, publisher, services, seq) SELECT 'n' || i, '192.0.2.' || (20 + i), 0, services, seq + i FROM k, nodes WHERE name = 'n0';
    INSERT INTO certs (node, name, der, key_file, created, modified) SELECT n.name, c.name, c.der, c.key_file, c.created, c.modified
        FROM nodes n, certs c WHERE c.node = 'n0' AND n.name != 'n0' AND n.name != 'pub';"
expect_exit 0 "a TFTP restart with 71 nodes" $PT utils service restart "Cisco Tftp"
expect_true "the ITL holds the TVS record of every one of the 71 nodes" sh -c "$PT show itl --json | python3 -c \"
import json, sys
r = json.load(sys.stdin)['records']
tvs = [x for x in r if x['role_name'] == 'TVS']
assert len(tvs) == 71 and len(r) == 76, (len(tvs), len(r))\""
finish
