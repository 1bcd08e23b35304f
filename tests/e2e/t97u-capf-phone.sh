# Seed scenarios 11 and 12 with simulated phones against a real CAPF (M14,
# M25): LSC by null string, by authentication string, bulk by model; the
# failures a phone can meet - wrong or missing authentication string, CAPF
# stopped, deadline passed, a MIC the cluster does not trust, a mode the
# phone cannot meet (precedence to LSC with only a MIC); by existing MIC and
# by existing LSC.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
set -- $(free_ports 4)
TFTP=$1 HTTP=$2 TVS=$3 CAPF=$4
# the publisher known by a host name (CUCM's "Host Name/IP Address"): the
# phones resolve it themselves, for TVS and CAPF alike
$PT install --publisher pub --domain lab.example --ip localhost --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null
$PT set param "CAPF Phone Port" $CAPF >/dev/null
for m in 01 02 03 04 05; do $PT device add SEP0011223344$m --model 8845 >/dev/null; done
$PT device add SEP0011223344F1 --model 8865 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF
boot() { m=$1; shift; $PT phone boot --mac $m --tftp 127.0.0.1:$TFTP --http-port $HTTP "$@"; }
restart() { $PT utils service restart "Cisco Tftp" >/dev/null; }
for m in 01 02 03 04 05; do boot 0011223344$m --model 8845 >/dev/null; done
boot 0011223344F1 --model 8865 >/dev/null
expect_exit 0 "dump" $PT tlv dump $PHONETRUST_HOME/tftp/pub/ITLFile.tlv
expect_no_out "a node known by name has no address in the ITL" "IP_ADDRESS"
$PT sgn strip $PHONETRUST_HOME/tftp/pub/SEP001122334401.cnf.xml.sgn named.xml >/dev/null
expect_true "the configuration names it" grep -q "<processNodeName>localhost</processNodeName>" named.xml
lsc() { $PT phone show --mac $1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["lsc_installed"])'; }

# 11. by null string (EC P-256)
$PT device capf SEP001122334401 --op install --auth null-string --key ec256 >/dev/null
restart
expect_exit 0 "null string: installed" boot 001122334401
expect_out "the summary says so" "LSC installed"
expect_true "the phone holds an LSC" test "$(lsc 001122334401)" = True
expect_true "its key is 0600" test "$(stat -c %a $PHONETRUST_PHONES/SEP001122334401/lsc.pem)" = 600
expect_exit 0 "the cluster agrees" $PT device show SEP001122334401
expect_out "LSC Installed" "LSC:                  Installed"
expect_true "the phone's LSC is the one CAPF recorded" sh -c "
    openssl x509 -in $PHONETRUST_PHONES/SEP001122334401/lsc.pem -noout -subject | grep -q SEP001122334401"
expect_exit 0 "show" $PT phone show --mac 001122334401
expect_out "status" "LSC: Installed"

# by authentication string (RSA 2048): typed right, then wrong
$PT device capf SEP001122334402 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
restart
expect_exit 0 "no string typed: the operation stays pending" boot 001122334402
expect_out "pending" "certificate operation pending"
expect_exit 0 "a wrong string: LSC: Failed" boot 001122334402 --auth-string 654321
expect_exit 0 "show" $PT phone show --mac 001122334402
expect_out "M25" "LSC: Failed"
expect_true "no LSC" test "$(lsc 001122334402)" = False
$PT device capf SEP001122334402 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
restart
expect_exit 0 "the right string: installed" boot 001122334402 --auth-string 123456
expect_true "RSA LSC" sh -c "openssl x509 -in $PHONETRUST_PHONES/SEP001122334402/lsc.pem -noout -text | grep -q 'Public-Key: (2048 bit)'"

# fetch and delete
$PT device capf SEP001122334401 --op delete >/dev/null
restart
expect_exit 0 "delete" boot 001122334401
expect_out "deleted" "LSC deleted"
expect_true "gone from the phone" test "$(lsc 001122334401)" = False

# bulk by model (seed 004): every 8845 at once
expect_exit 0 "bulk install by model" $PT device capf --model 8845 --op install --auth null-string --deadline +1d
restart
for m in 03 04; do expect_exit 0 "SEP0011223344$m by the bulk operation" boot 0011223344$m; done
expect_true "both hold an LSC" sh -c "[ $(lsc 001122334403) = True ] && [ $(lsc 001122334404) = True ]"

# 12. deadline passed: LSC: Failed, Upgrade Failed on the cluster
$PT device capf SEP001122334405 --op install --auth null-string --deadline -1h >/dev/null
restart
expect_exit 0 "a late phone" boot 001122334405
expect_exit 0 "show" $PT phone show --mac 001122334405
expect_out "LSC: Failed" "LSC: Failed"
expect_exit 0 "the cluster" $PT device show SEP001122334405
expect_out "M25" "Upgrade Failed: User Initiated Request Late/Timedout"
# a CAPF whose certificate is not the ITL's (regenerated after the phone's ITL was built): refused
$PT device capf SEP001122334405 --op install --auth null-string --deadline +1d >/dev/null
restart
$PT set cert regen CAPF --yes --force >/dev/null
$PT utils service restart "Cisco Certificate Authority Proxy Function" >/dev/null
settle
expect_exit 0 "CAPF presents a certificate the phone's ITL does not hold" boot 001122334405
expect_exit 0 "show" $PT phone show --mac 001122334405
expect_out "LSC: Connection Failed" "LSC: Connection Failed"
expect_out "and why" "the server's certificate is not the CAPF record of the ITL"
expect_true "no LSC" test "$(lsc 001122334405)" = False
restart   # the served ITL now holds the new CAPF certificate
expect_exit 0 "after the TFTP restart it enrols" boot 001122334405
expect_out "installed" "LSC installed"
# by existing certificate: the MIC from the simulator's manufacturing CA, then the LSC it got
expect_true "every SBD phone has a MIC, 0600" test "$(stat -c %a $PHONETRUST_PHONES/SEP0011223344F1/mic.pem)" = 600
expect_true "issued by the manufacturing CA" sh -c "openssl x509 -in $PHONETRUST_PHONES/SEP0011223344F1/mic.pem -noout -issuer | grep -q 'Cisco Manufacturing CA'"
$PT device capf SEP0011223344F1 --op install --auth mic >/dev/null
restart
expect_exit 0 "by MIC, before the cluster trusts the manufacturing CA" boot 0011223344F1
expect_out "refused by CAPF" "LSC: Failed"
expect_exit 0 "the administrator uploads the manufacturing CA to CAPF-trust" \
    $PT set cert import CAPF-trust $PHONETRUST_PHONES/manufacturing-ca.crt
$PT device capf SEP0011223344F1 --op install --auth mic >/dev/null
restart
expect_exit 0 "by MIC" boot 0011223344F1
expect_out "installed" "LSC installed"
$PT device capf SEP0011223344F1 --op install --auth lsc --key ec384 >/dev/null
restart
expect_exit 0 "by the existing LSC (precedence to LSC), a new EC P-384 LSC" boot 0011223344F1
expect_out "installed" "LSC installed"
expect_true "P-384" sh -c "openssl x509 -in $PHONETRUST_PHONES/SEP0011223344F1/lsc.pem -noout -text | grep -q 'P-384'"
# a mode the phone cannot meet (precedence to LSC, but only a MIC): pending
$PT device capf SEP001122334403 --op delete >/dev/null
restart
boot 001122334403 >/dev/null
$PT device capf SEP001122334403 --op install --auth lsc >/dev/null
restart
expect_exit 0 "MIC only, precedence to LSC" boot 001122334403
expect_out "pending" "certificate operation pending"
expect_exit 0 "show" $PT phone show --mac 001122334403
expect_out "Operation Pending" "Certificate Operation Status: Operation Pending"
# encrypted configuration (M11 on the phone): an RSA LSC, then the profile
# asks for encryption; the phone reads the stub, fetches the .enc.sgn and
# decrypts it with the LSC whose MD5 the stub names
$PT device profile EncNull --mode encrypted --encrypted-config on --capf-auth null-string >/dev/null
$PT device capf SEP001122334404 --op install --auth null-string --key rsa2048 --deadline +1d >/dev/null
restart
expect_exit 0 "an RSA LSC for the encrypted config" boot 001122334404
expect_exit 0 "the encrypted profile" $PT device set SEP001122334404 profile EncNull
expect_true "the cluster encrypts to the LSC on record" test -f $PHONETRUST_HOME/tftp/pub/SEP001122334404.cnf.xml.enc.sgn
expect_exit 0 "boot: stub, then the encrypted file" boot 001122334404
expect_exit 0 "show" $PT phone show --mac 001122334404
expect_out "the stub first" "SEP001122334404.cnf.xml.sgn: encrypted configuration (stub)"
expect_out "decrypted with the LSC" "SEP001122334404.cnf.xml.enc.sgn decrypted with the LSC"
expect_out "and in force" "SEP001122334404.cnf.xml.enc.sgn accepted and in force"
expect_true "the full configuration is in force" grep -q "<deviceSecurityMode>3</deviceSecurityMode>" $PHONETRUST_PHONES/SEP001122334404/config.xml
: >$PHONETRUST_PHONES/SEP001122334404/console.log
seen=$(wc -l <$LOG)
expect_exit 0 "next boot asks for the encrypted file first" boot 001122334404
tail -n +$((seen + 1)) $LOG | grep -o "RRQ SEP001122334404[^:]*" >asked
expect_true "its first configuration request is the .enc.sgn, and it is its only one" \
    test "$(cat asked)" = "RRQ SEP001122334404.cnf.xml.enc.sgn"
expect_true "decrypted with the LSC again" grep -q "SEP001122334404.cnf.xml.enc.sgn decrypted with the LSC" \
    $PHONETRUST_PHONES/SEP001122334404/console.log
expect_true "no stub this time" sh -c "! grep -q 'stub' $PHONETRUST_PHONES/SEP001122334404/console.log"
expect_true "no change: nothing new in force" sh -c "! grep -q 'accepted and in force' $PHONETRUST_PHONES/SEP001122334404/console.log"
# a phone that lost its LSC (its MIC is EC: no key that can decrypt) keeps the stub in force
rm $PHONETRUST_PHONES/SEP001122334404/lsc.pem
expect_exit 0 "without the LSC" boot 001122334404
expect_exit 0 "show" $PT phone show --mac 001122334404
expect_out "says which key it lacks" "no private key of this phone can decrypt it (certHash"
expect_true "the stub is in force (its CAPF settings)" grep -q "<encrConfig>true</encrConfig>" $PHONETRUST_PHONES/SEP001122334404/config.xml
# the stub alone is enough to enrol: it carries capfAuthMode and capfList,
# no certificateOperation, and the phone goes to CAPF on capfAuthMode
$PT device capf SEP001122334404 --op install --auth null-string --key rsa2048 --deadline +1d >/dev/null
restart
$PT sgn strip $PHONETRUST_HOME/tftp/pub/SEP001122334404.cnf.xml.sgn stub.xml >/dev/null
expect_true "the stub names no operation, only the mode" sh -c "grep -q '<capfAuthMode>2</capfAuthMode>' stub.xml && ! grep -q certificateOperation stub.xml"
expect_exit 0 "boot on the stub" boot 001122334404
expect_out "an LSC from the stub's CAPF settings" "LSC installed"
expect_exit 0 "the next boot decrypts with it" boot 001122334404
expect_exit 0 "show" $PT phone show --mac 001122334404
expect_out "decrypted with the new LSC" "SEP001122334404.cnf.xml.enc.sgn decrypted with the LSC"
# (one byte flipped: writing a fixed byte left the file as it was when that byte was already there, 1 run in 256)
expect_exit 0 "a tampered .enc.sgn is refused" python3 -c "
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[900] ^= 0xff
open(p, 'r+b').write(b)" $PHONETRUST_HOME/tftp/pub/SEP001122334404.cnf.xml.enc.sgn
expect_exit 1 "boot with a tampered file" boot 001122334404
expect_exit 0 "show" $PT phone show --mac 001122334404
expect_out "seed 000's console line" "SEP001122334404.cnf.xml>, errclass 8, errcode 19"

# 12. CAPF not in the ITL, and a CAPF host name the phone cannot resolve:
# an administrator's own per-phone ITL and config on the TFTP server (what
# an open-source PBX serves, built with tlv build and sgn build)
D=$PHONETRUST_HOME/tftp/pub
$PT cert create pbx.pem --cn pbx-tftp --role callmanager >/dev/null
$PT show cert own CAPF >capf.crt
$PT device capf SEP001122334403 --op install --auth null-string --deadline +1d >/dev/null
restart
$PT sgn strip $D/SEP001122334403.cnf.xml.sgn asks.xml
expect_true "the config asks for an LSC" grep -q "<certificateOperation>" asks.xml
pbx_phone() { # MAC CAPF-HOST [--hash-only capf=capf.crt]: its own ITL and a config naming CAPF-HOST
    m=$1 host=$2
    shift 2
    $PT tlv build $D/ITLSEP$m.tlv --signer pbx.pem --record sast=pbx.pem --record tftp=pbx.pem "$@" >/dev/null
    sed "s|<processNodeName>localhost</processNodeName>|<processNodeName>$host</processNodeName>|" asks.xml >cfg-$m.xml
    $PT sgn build cfg-$m.xml $D/SEP$m.cnf.xml.sgn --signer pbx.pem --filename SEP$m.cnf.xml.sgn >/dev/null
}
pbx_phone 0011223344E1 127.0.0.1
expect_exit 0 "an ITL without a CAPF record" boot 0011223344E1 --model 8845
expect_out "the operation stays pending" "certificate operation pending"
expect_exit 0 "show" $PT phone show --mac 0011223344E1
expect_out "M25" "No valid CAPF server"
pbx_phone 0011223344E2 cucm-pub.invalid --hash-only capf=capf.crt
expect_exit 0 "CAPF in the ITL, but its host name does not resolve" boot 0011223344E2 --model 8845
expect_out "pending" "certificate operation pending"
expect_exit 0 "show" $PT phone show --mac 0011223344E2
expect_out "M25" "Certificate Operation Status: Operation Pending"
expect_out "says which name" "CAPF: cannot resolve cucm-pub.invalid"
# the same from the cluster's own files: a publisher known by a name the
# phones cannot resolve
N=$SCRATCH/byname
set -- $(free_ports 1)
$PT --home $N install --publisher pub --domain lab.example --ip cucm-pub.invalid --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT --home $N device add SEP0011223344E4 --model 8845 >/dev/null
$PT --home $N device capf SEP0011223344E4 --op install --auth null-string --deadline +1d >/dev/null 2>&1
$PT --home $N utils service restart "Cisco Tftp" >/dev/null
$PT --home $N serve $SERVE_AS --addr 127.0.0.1 --tftp-port $1 --http-port 0 --tvs-port 0 --capf-port 0 --log byname.log &
NSERVE=$!
at_exit "kill $NSERVE 2>/dev/null"
for _ in $(seq 50); do grep -q "SERVE node" byname.log 2>/dev/null && break; sleep 0.1; done
expect_exit 0 "a CAPF host name the phone cannot resolve" $PT phone boot --mac 0011223344E4 --model 8845 --tftp 127.0.0.1:$1 --http-port 0
expect_out "pending" "certificate operation pending"
expect_exit 0 "show" $PT phone show --mac 0011223344E4
expect_out "M25" "Certificate Operation Status: Operation Pending"
expect_out "says which name" "CAPF: cannot resolve cucm-pub.invalid"
kill $NSERVE
pbx_phone 0011223344E3 localhost --hash-only capf=capf.crt
expect_exit 0 "a name that resolves (localhost) reaches CAPF" boot 0011223344E3 --model 8845
expect_exit 0 "show" $PT phone show --mac 0011223344E3
expect_out "it talked to CAPF" "CAPF localhost:$CAPF: install operation ended"
expect_no_out "no resolution failure" "cannot resolve"

# CAPF deactivated (utils service deactivate): serve turns phones away at
# once; at the next TFTP restart CAPF leaves the ITL: No valid CAPF server
$PT device capf SEP001122334405 --op install --auth null-string --deadline +1d >/dev/null
restart
expect_exit 0 "deactivate CAPF" $PT utils service deactivate "Cisco Certificate Authority Proxy Function"
expect_out "in CUCM's words" "Cisco Certificate Authority Proxy Function[NOTRUNNING]"
expect_true "names the devices it leaves pending" grep -q "devices have a CAPF operation pending (.*SEP001122334405" $SCRATCH/out
for _ in $(seq 50); do grep -q "Proxy Function deactivated" $LOG && break; sleep 0.1; done
held=$(cat $PHONETRUST_PHONES/SEP001122334405/lsc.pem 2>/dev/null | sha256sum)
expect_exit 0 "still in the phone's ITL, but serve turns it away" boot 001122334405
expect_no_out "no LSC issued" "LSC installed"
expect_true "the LSC it held, unchanged" test "$(cat $PHONETRUST_PHONES/SEP001122334405/lsc.pem 2>/dev/null | sha256sum)" = "$held"
expect_exit 0 "show" $PT phone show --mac 001122334405
expect_out "M25" "LSC: Connection Failed"
expect_exit 6 "no restart of a deactivated CAPF" $PT utils service restart "Cisco Certificate Authority Proxy Function"
expect_err "says why" "is deactivated on pub"
restart
expect_exit 0 "dump" $PT tlv dump $PHONETRUST_HOME/tftp/pub/ITLFile.tlv
expect_no_out "CAPF has left the ITL" "CAPF"
expect_exit 0 "then the phone has no CAPF to go to" boot 001122334405
expect_exit 0 "show" $PT phone show --mac 001122334405
expect_out "M25" "No valid CAPF server"
expect_exit 0 "activated again" $PT utils service activate "Cisco Certificate Authority Proxy Function"
expect_out "in CUCM's words" "Cisco Certificate Authority Proxy Function[STARTED]"
for _ in $(seq 50); do grep -q "Proxy Function activated" $LOG && break; sleep 0.1; done
restart
expect_exit 0 "CAPF is back in the ITL: installed" boot 001122334405
expect_out "installed" "LSC installed"

# CAPF stopped: LSC: Connection Failed
$PT device capf SEP001122334405 --op install --auth null-string --deadline +1d >/dev/null
restart
kill -TERM $SERVE
wait $SERVE
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0
expect_exit 0 "CAPF stopped" boot 001122334405
expect_exit 0 "show" $PT phone show --mac 001122334405
expect_out "M25" "LSC: Connection Failed"
kill -TERM $SERVE
wait $SERVE

# a TVS failure during enrolment: the cluster's new ITL (signed by a new
# CallManager) needs TVS to vouch for it; TVS down, the phone keeps its old
# one and refuses the configuration that asks for the operation: pending
$PT device capf SEP001122334401 --op install --auth null-string --deadline +1d >/dev/null
$PT set cert regen CallManager --yes --force >/dev/null
restart
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port 0 --capf-port $CAPF
expect_exit 1 "TVS down: the new ITL cannot be vouched for" boot 001122334401
expect_exit 0 "show" $PT phone show --mac 001122334401
expect_out "the phone says so" "Trust List Update Failed"
expect_exit 0 "device show" $PT device show SEP001122334401
expect_out "M25" "Certificate Operation Status: Operation Pending"
kill -TERM $SERVE
wait $SERVE
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF
expect_exit 0 "TVS back: vouched for, then enrolled" boot 001122334401
expect_out "installed" "LSC installed"
kill -TERM $SERVE
wait $SERVE
finish
