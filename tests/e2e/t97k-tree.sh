# The administrator's own tftpboot tree (serve --root): 20 phones' configs
# as an Asterisk provisioning writes them, soft keys, dial rules, a ring
# list, a locale in a subdirectory, 5 MB of firmware.  A 20-phone fleet
# boots from it; every .sgn verifies with the cluster's CallManager
# certificate; firmware is served byte for byte; the tree is never written;
# a changed file is served re-signed at once.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
set -- $(free_ports 4)
TFTP=$1 HTTP=$2 TVS=$3 CAPF=$4
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null
$PT set param "CAPF Phone Port" $CAPF >/dev/null
$PT device add SEP001EF7000001 --count 20 --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null

# the tree, as the administrator has it today (signed with their old key)
T=$SCRATCH/tftpboot
mkdir -p $T/New_Zealand
$PT cert create $SCRATCH/old.pem --cn "Asterisk" --role ccm+tftp --rsa 2048 >/dev/null
python3 - "$T" "$TVS" <<'EOF'
import os, sys
t, tvs = sys.argv[1], sys.argv[2]
for i in range(1, 21):
    mac = "001EF7%06X" % i
    open(f"{t}/SEP{mac}.cnf.xml", "w").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<device>
  <!-- written by the PBX's provisioning: keep every line -->
  <fullConfig>true</fullConfig>
  <deviceProtocol>SIP</deviceProtocol>
  <devicePool>
    <dateTimeSetting><timeZone>New Zealand Standard/Daylight Time</timeZone></dateTimeSetting>
    <callManagerGroup><members><member priority="0"><callManager>
      <ports><sipPort>5060</sipPort><securedSipPort>5061</securedSipPort></ports>
      <processNodeName>pbx.lab.example</processNodeName>
    </callManager></member></members></callManagerGroup>
  </devicePool>
  <TVS><members><member priority="0"><port>2445</port><address>old-tvs.lab.example</address></member></members></TVS>
  <sipProfile>
    <sipLines><line button="1"><featureID>9</featureID><name>10{i:02d}</name><displayName>Desk {i}</displayName>
      <proxy>USECALLMANAGER</proxy><authName>10{i:02d}</authName><authPassword>secret&amp;{i}</authPassword></line></sipLines>
    <dialTemplate>DialTemplate.xml</dialTemplate>
    <softKeyFile>Softkeys.xml</softKeyFile>
  </sipProfile>
  <ringList>Ringlist-wb.xml</ringList>
  <networkLocale>New_Zealand</networkLocale>
  <loadInformation>sip88xx.14-2-1-0001-14</loadInformation>
  <capfAuthMode>0</capfAuthMode>
  <deviceSecurityMode>1</deviceSecurityMode>
</device>
""")
open(f"{t}/DialTemplate.xml", "w").write('<DIALTEMPLATE><TEMPLATE MATCH="*" Timeout="5"/></DIALTEMPLATE>\n')
open(f"{t}/Softkeys.xml", "w").write('<softKeyCfg><softKeyDefinition/></softKeyCfg>\n')
open(f"{t}/Ringlist-wb.xml", "w").write('<CiscoIPPhoneRingList><Ring><DisplayName>Chirp</DisplayName><FileName>Chirp1.raw</FileName></Ring></CiscoIPPhoneRingList>\n')
open(f"{t}/New_Zealand/g3-tones.xml", "w").write('<tones country="NZ"/>\n')
# firmware (Cisco's names): a load file and its signed images, no unsigned twins
open(f"{t}/sip88xx.14-2-1-0001-14.loads", "wb").write(os.urandom(2000))
open(f"{t}/kern88xx.14-2-1-0001-14.sgn", "wb").write(os.urandom(5 * 1024 * 1024))
open(f"{t}/rootfs88xx.14-2-1-0001-14.sgn", "wb").write(os.urandom(70000))
open(f"{t}/Chirp1.raw", "wb").write(os.urandom(16000))
open(f"{t}/ITLFile.tlv", "wb").write(b"an old ITL the cluster replaces")
open(f"{t}/CTLFile.tlv", "wb").write(b"an old CTL: this cluster is not in mixed mode")
EOF
# the dial rules as the administrator signed them with the old key
$PT sgn build $T/DialTemplate.xml $T/DialTemplate.xml.sgn --signer $SCRATCH/old.pem >/dev/null
ln -s /etc/passwd $T/passwd.xml
tree_sum() { (cd $T && find . -type f -o -type l | sort | xargs sha256sum; find . | sort | xargs stat -c '%n %s %Y' ) | sha256sum; }
before=$(tree_sum)

expect_exit 2 "a --root that does not exist: exit 2" $PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port 0 --http-port 0 --tvs-port 0 --capf-port 0 --root $SCRATCH/nowhere
expect_err "names it" "--root $SCRATCH/nowhere"
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF --root $T
$PT show cert own CallManager >$SCRATCH/cm.pem

# a 20-phone fleet boots from it
expect_exit 0 "20 phones boot from the administrator's tree" \
    $PT fleet boot --count 20 --first-mac 001EF7000001 --model 8845 --tftp 127.0.0.1:$TFTP --http-port $HTTP --json
expect_true "all 20 trust the cluster's ITL, none refused a file" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert (j["trusted"], j["locked"], j["failed"], j["files_refused"]) == (20, 0, 0, 0), j' $SCRATCH/out
P=$PHONETRUST_PHONES/SEP001EF7000007
expect_true "the config in force is the administrator's: its SIP line" grep -q '<name>1007</name><displayName>Desk 7' $P/config.xml
expect_true "and its password, entity as written" grep -q '<authPassword>secret&amp;7</authPassword>' $P/config.xml
expect_true "with the comment and the load information" grep -q "keep every line" $P/config.xml
expect_true "and the cluster's TVS, not the old one" python3 -c '
import sys, xml.etree.ElementTree as E
d = E.parse(sys.argv[1]).getroot()
assert [a.text for a in d.iter("address")] == ["127.0.0.1"], [a.text for a in d.iter("address")]
assert d.find("capfList/capf/phonePort").text == sys.argv[2]
assert d.find("loadInformation").text == "sip88xx.14-2-1-0001-14"' $P/config.xml $CAPF
for f in DialTemplate.xml Softkeys.xml Ringlist-wb.xml New_Zealand/g3-tones.xml; do
    expect_true "each phone fetched $f.sgn (its config names it), signed here" \
        test "$(grep -c "RRQ $f.sgn -> $T/$f signed by this node: OK" $LOG)" -ge 20
done

# every .sgn it serves verifies with the cluster's CallManager certificate
for f in SEP001EF7000001.cnf.xml.sgn SEP001EF7000014.cnf.xml.sgn DialTemplate.xml.sgn Softkeys.xml.sgn \
         Ringlist-wb.xml.sgn New_Zealand/g3-tones.xml.sgn; do
    out=$SCRATCH/got.$(echo $f | tr / _)
    expect_exit 0 "TFTP $f" curl -sS tftp://127.0.0.1:$TFTP/$f -o $out
    expect_exit 0 "$f verifies with the cluster's CallManager certificate" $PT sgn verify $out --cert $SCRATCH/cm.pem
    expect_out "its header names $f" "header file name $f"
done
curl -sS http://127.0.0.1:$HTTP/New_Zealand/g3-tones.xml.sgn -o $SCRATCH/nz.http
expect_same "HTTP 6970 serves the same signed locale file" $SCRATCH/nz.http $SCRATCH/got.New_Zealand_g3-tones.xml.sgn
$PT sgn strip $SCRATCH/got.DialTemplate.xml.sgn $SCRATCH/dial.out --cert $SCRATCH/cm.pem >/dev/null
expect_same "the signed dial rules carry the administrator's file" $SCRATCH/dial.out $T/DialTemplate.xml
expect_exit 1 "not the old key's copy the tree holds" $PT sgn verify $SCRATCH/got.DialTemplate.xml.sgn --cert $SCRATCH/old.pem
curl -sS tftp://127.0.0.1:$TFTP/DialTemplate.xml.sgn -o /dev/null
expect_true "the log says once that the tree's own DialTemplate.xml.sgn is not served" \
    test "$(grep -c "DialTemplate.xml.sgn: served signed by this node instead of this copy" $LOG)" = 1

# firmware and anything else: byte for byte, never signed
expect_exit 0 "TFTP: 5 MB of firmware" curl -sS --tftp-blksize 1428 tftp://127.0.0.1:$TFTP/kern88xx.14-2-1-0001-14.sgn -o $SCRATCH/kern
expect_same "the firmware's bytes" $SCRATCH/kern $T/kern88xx.14-2-1-0001-14.sgn
expect_exit 0 "HTTP: the same firmware" curl -sSf http://127.0.0.1:$HTTP/kern88xx.14-2-1-0001-14.sgn -o $SCRATCH/kern.http
expect_same "its bytes over HTTP" $SCRATCH/kern.http $T/kern88xx.14-2-1-0001-14.sgn
for f in sip88xx.14-2-1-0001-14.loads rootfs88xx.14-2-1-0001-14.sgn Chirp1.raw; do
    curl -sS tftp://127.0.0.1:$TFTP/$f -o $SCRATCH/fw
    expect_same "$f byte for byte" $SCRATCH/fw $T/$f
done
expect_true "a load is never signed here" test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/sip88xx.14-2-1-0001-14.loads.sgn)" = 404
# the trust lists are the cluster's only; nothing leads out of the tree
curl -sS tftp://127.0.0.1:$TFTP/ITLFile.tlv -o $SCRATCH/itl
expect_same "ITLFile.tlv is the cluster's, not the tree's" $SCRATCH/itl $PHONETRUST_HOME/tftp/pub/ITLFile.tlv
expect_true "a CTL only the tree holds is not served (the cluster is not in mixed mode)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/CTLFile.tlv)" = 404
expect_true "nor per phone" test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/CTLSEP001EF7000001.tlv)" = 404
expect_true "a link out of the tree: 403" test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/passwd.xml)" = 403
expect_true "nor signed" test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/passwd.xml.sgn)" = 403
# an unknown phone's own file: as tftpd-hpa would serve it, and signed on request
cp $T/SEP001EF7000001.cnf.xml $SCRATCH/unknown.xml
sed -i 's/1001/1099/' $SCRATCH/unknown.xml
cp $SCRATCH/unknown.xml $T/SEP001EF7000099.cnf.xml
curl -sS tftp://127.0.0.1:$TFTP/SEP001EF7000099.cnf.xml -o $SCRATCH/u.xml
expect_same "an unknown phone's config: the administrator's file itself" $SCRATCH/u.xml $T/SEP001EF7000099.cnf.xml
rm $T/SEP001EF7000099.cnf.xml
before=$(tree_sum)

# a changed ring list is served re-signed at once
sleep 0.05
echo '<CiscoIPPhoneRingList><Ring><DisplayName>Bell</DisplayName></Ring></CiscoIPPhoneRingList>' >$T/Ringlist-wb.xml
before=$(tree_sum)
t0=$(date +%s.%N)
curl -sS tftp://127.0.0.1:$TFTP/Ringlist-wb.xml.sgn -o $SCRATCH/ring.sgn
t1=$(date +%s.%N)
$PT sgn strip $SCRATCH/ring.sgn $SCRATCH/ring.out --cert $SCRATCH/cm.pem >/dev/null
expect_same "the changed ring list, re-signed" $SCRATCH/ring.out $T/Ringlist-wb.xml
expect_true "within 2 s" python3 -c "import sys; assert $t1 - $t0 < 2"

# a TFTP restart and a CallManager regeneration never write into the tree
expect_exit 0 "utils service restart Cisco Tftp" $PT utils service restart "Cisco Tftp"
expect_exit 0 "CallManager regenerated" $PT set cert regen CallManager --yes --force
expect_exit 0 "and Cisco Tftp restarted" $PT utils service restart "Cisco Tftp"
expect_true "the tree is byte for byte unchanged" test "$(tree_sum)" = "$before"
$PT show cert own CallManager >$SCRATCH/cm2.pem
for _ in $(seq 30); do
    curl -sS tftp://127.0.0.1:$TFTP/Softkeys.xml.sgn -o $SCRATCH/sk.sgn
    $PT sgn verify $SCRATCH/sk.sgn --cert $SCRATCH/cm2.pem >/dev/null 2>&1 && break
    sleep 0.1
done
expect_exit 0 "files are signed by the new CallManager key" $PT sgn verify $SCRATCH/sk.sgn --cert $SCRATCH/cm2.pem
settle
expect_exit 0 "the fleet boots again: the new ITL through TVS, the files verify" \
    $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP --json
expect_true "20 trusted, none refused a file" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert (j["trusted"], j["locked"], j["files_refused"]) == (20, 0, 0), j' $SCRATCH/out

# rehearsal: a file only the old key signed (no unsigned twin) is shown
mv $T/Softkeys.xml $SCRATCH/Softkeys.xml
$PT sgn build $SCRATCH/Softkeys.xml $T/Softkeys.xml.sgn --signer $SCRATCH/old.pem >/dev/null
before=$(tree_sum)
expect_exit 1 "a fleet whose soft keys only the old key signed: exit 1" \
    $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP --json
expect_true "the 20 phones that refused it are counted" python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
assert (j["trusted"], j["files_refused"]) == (20, 20), j' $SCRATCH/out
expect_true "the phone's console says which file and why" grep -q "verifyFile: sgn verify file failed </usr/ram/Softkeys.xml.sgn>" $P/console.log

# a device whose profile encrypts: the administrator's file, encrypted to its certificate, with the stub
$PT cert create $SCRATCH/mic.pem --cn CP-8845-SEP001EF7000014 --rsa 2048 >/dev/null
$PT device cert SEP001EF7000014 mic $SCRATCH/mic.pem >/dev/null
$PT device profile EncNull --mode encrypted --encrypted-config on --capf-auth null-string >/dev/null
$PT device set SEP001EF7000014 profile EncNull >/dev/null
expect_exit 0 "TFTP: the encrypted configuration" curl -sS tftp://127.0.0.1:$TFTP/SEP001EF7000014.cnf.xml.enc.sgn -o $SCRATCH/enc
expect_exit 0 "it decrypts with the phone's key, signed by the cluster" \
    $PT enccnf decrypt $SCRATCH/enc $SCRATCH/dec.xml --key $SCRATCH/mic.pem --cert $SCRATCH/cm2.pem
expect_true "the administrator's SIP line inside" grep -q "<name>1020</name>" $SCRATCH/dec.xml
expect_true "with the encrypted profile's security mode" grep -q "<deviceSecurityMode>3</deviceSecurityMode>" $SCRATCH/dec.xml
expect_exit 0 "the stub" curl -sS tftp://127.0.0.1:$TFTP/SEP001EF7000014.cnf.xml.sgn -o $SCRATCH/stub.sgn
$PT sgn strip $SCRATCH/stub.sgn $SCRATCH/stub.xml --cert $SCRATCH/cm2.pem >/dev/null
expect_true "the stub keeps the administrator's load and the cluster's CAPF" \
    sh -c "grep -q '<loadInformation>sip88xx.14-2-1-0001-14</loadInformation>' $SCRATCH/stub.xml && grep -q '<encrConfig>true</encrConfig>' $SCRATCH/stub.xml && grep -q '<capfList>' $SCRATCH/stub.xml"
expect_true "no plain configuration for an encrypted device" \
    test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/SEP001EF7000014.cnf.xml)" = 404
expect_true "and the tree is still untouched" test "$(tree_sum)" = "$before"
finish
