# TVS (§5) against a real `phonetrust serve` on loopback: the vectors'
# transcripts byte for byte, malformed requests closed without a reply, a
# stalled client timed out without blocking others, the caches following the
# cluster (database, then CTL) without a restart, and a regenerated TVS
# certificate in use after 'utils service restart'.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT device add SEP001122334455 --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
D=$PHONETRUST_HOME/tftp/pub
set -- $(free_ports 1)
TVS=$1
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port 0 --http-port 0 --tvs-port $TVS --capf-port 0 --timeout 2s --trace-tvs
expect_true "the server is up" grep -q "SERVE node pub on 127.0.0.1" $LOG
# tvs_req PEM SESSION: a VERIFY_REQUEST for PEM's certificate from an 8865, in hex
tvs_req() { python3 -c "
import subprocess, sys
der = subprocess.run(['openssl', 'x509', '-in', sys.argv[1], '-outform', 'DER'], capture_output=True).stdout
body = bytes([1, 0, 24]) + b'\x01CP-8865-SEP001122334455' + bytes([2]) + len(der).to_bytes(2, 'big') + der
print((bytes([0x57, 1, 1, 0]) + int(sys.argv[2]).to_bytes(4, 'big') + len(body).to_bytes(2, 'big') + body).hex())" "$1" "$2"; }

# TVS: the vectors' transcripts, byte for byte (§5.6)
$PT tvs add $V/certs/ccm.pem --roles ccm,app-server --ttl 1h
settle   # the service notices the database change within a second
# a write that changes no certificate (a device setting, a DeviceTLInfo report) is not a recache
before=$(grep -c "Recaching the certificate cache" $LOG)
$PT device set SEP001122334455 directory-url http://directory.example/ >/dev/null
$PT device report SEP001122334455 --itl-sha1 0000000000000000000000000000000000000000 >/dev/null
sleep 1.5
expect_true "no recache, no log line for it" test "$(grep -c "Recaching the certificate cache" $LOG)" = "$before"
expect_exit 0 "TVS: a known certificate" python3 $E2E/tvs_client.py 127.0.0.1 $TVS --json $V/tvs/valid.json
want=$(python3 -c "import json; print(''.join(h for d, h in json.load(open('$V/tvs/valid.json')) if d == 'S->C'))")
expect_out "the reply of valid.json, byte for byte" "$want"
expect_exit 0 "TVS: an unknown certificate" python3 $E2E/tvs_client.py 127.0.0.1 $TVS --json $V/tvs/invalid.json
want=$(python3 -c "import json; print(''.join(h for d, h in json.load(open('$V/tvs/invalid.json')) if d == 'S->C'))")
expect_out "the reply of invalid.json, byte for byte" "$want"
expect_true "--trace-tvs: each lookup in the lines of CUCM's TVS trace" python3 -c '
import re, subprocess, sys
log = open(sys.argv[1]).read()
serial = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-noout", "-serial"], capture_output=True, text=True).stdout.split("=")[1].strip().lstrip("0")
want = ["debug tvsHandleQueryCertReq", "debug tvsHandleQueryCertReq : Subject Name is: OU=Asterisk;O=Asterisk;CN=Asterisk\n",
        "debug tvsHandleQueryCertReq : Serial Number is: " + serial,
        "debug CertificateDBCache::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : " + serial,
        "debug CertificateDBCache::getCertificateInformation - Found entry {rolecount : 2}",
        "debug CertificateDBCache::getCertificateInformation - {role : 1}",
        "debug CertificateDBCache::getCertificateInformation - {role : 7}",
        "debug tvsHandleQueryCertReq: Timer started from tvsHandleNewPhConnection",
        "debug ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache",
        "debug ERROR:CertificateCTLCache::getCertificateInformation - Cannot find the certificate in the cache"]
missing = [w for w in want if w not in log]
assert not missing, missing' $LOG $V/certs/ccm.pem
req=$(python3 -c "import json; print(''.join(h for d, h in json.load(open('$V/tvs/valid.json')) if d == 'C->S'))")
# the malformed requests of tvsd.log: each closed without a reply
bad_name=$(python3 -c "
r = bytes.fromhex('$req'); cert = r[10 + 27:]
body = bytes([1]) + (16).to_bytes(2, 'big') + b'\x01SEP001122334455' + cert[:3] + cert[3:]
print((bytes([0x57, 1, 1, 0, 0, 0, 0, 2]) + len(body).to_bytes(2, 'big') + body).hex())")
no_cert=$(python3 -c "
body = bytes([1, 0, 24]) + b'\x01CP-8845-SEP001122334455'
print((bytes([0x57, 1, 1, 0, 0, 0, 0, 3]) + len(body).to_bytes(2, 'big') + body).hex())")
# a valid request with one more element that runs past the body's end; and
# a certificate element that holds DER, but not a certificate
extra_bad=$(python3 -c "
r = bytes.fromhex('$req'); body = r[10:] + bytes([9, 0, 32]) + b'xy'
print((r[:8] + len(body).to_bytes(2, 'big') + body).hex())")
not_a_cert=$(python3 -c "
junk = bytes([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02])
body = bytes([1, 0, 24]) + b'\x01CP-8845-SEP001122334455' + bytes([2]) + len(junk).to_bytes(2, 'big') + junk
print((bytes([0x57, 1, 1, 0, 0, 0, 0, 4]) + len(body).to_bytes(2, 'big') + body).hex())")
for case in "invalid device name:$bad_name" "missing certificate:$no_cert" \
            "a malformed extra element:$extra_bad" "a certificate element that is no certificate:$not_a_cert" \
            "command 3:$(echo $req | sed 's/^570101/570103/')" "protocol version 2:$(echo $req | sed 's/^570101/570201/')" \
            "a short body:$(echo $req | cut -c1-60)"; do
    expect_exit 0 "TVS: ${case%%:*}" python3 $E2E/tvs_client.py 127.0.0.1 $TVS "${case#*:}"
    expect_out "closed without a reply: ${case%%:*}" "CLOSED"
done
expect_exit 0 "a slow or stalled client does not block others" sh -c "
    python3 $E2E/tvs_client.py 127.0.0.1 $TVS --idle 3 > idle.out &
    sleep 0.3
    python3 $E2E/tvs_client.py 127.0.0.1 $TVS --json $V/tvs/valid.json > busy.out
    wait
    grep -q 0e10 busy.out && grep -q CLOSED idle.out"
expect_true "the stalled one timed out" grep -q "TVS 127.0.0.1:[0-9]*: timed out" $LOG

# TVS follows the cluster without a restart: Phone-SAST-trust (database), then the CTL
$PT cert create token.pem --cn SAST-ADN0054f509 >/dev/null
expect_exit 1 "tvs lookup: unknown at first" $PT tvs lookup token.pem
$PT set cert import Phone-SAST-trust token.pem >/dev/null
settle
tok_req=$(tvs_req token.pem 9)
expect_exit 0 "TVS vouches for an uploaded token certificate" python3 $E2E/tvs_client.py 127.0.0.1 $TVS "$tok_req"
expect_out "status 0, role SAST, TTL 86400" "5701020000000009000f070001000800010009000400015180"
echo y | $PT utils ctl set-cluster mixed-mode >/dev/null
settle
expect_true "the CTL change is noticed and logged as in seed 002" grep -q "CTLFile.tlv has been modified. Recaching CTL Certificate Cache" $LOG
# a certificate only the CTL holds (here a hand-made CTL) is vouched for from the CTL cache
cp $D/CTLFile.tlv ctl.saved
$PT cert create ctlonly.pem --cn SAST-ADN00C71 >/dev/null
$PT tlv build $D/CTLFile.tlv --signer ctlonly.pem --record sast=ctlonly.pem --record ccm+tftp=ctlonly.pem >/dev/null
settle
ctl_req=$(tvs_req ctlonly.pem 10)
expect_exit 0 "TVS asked for a certificate of the CTL only" python3 $E2E/tvs_client.py 127.0.0.1 $TVS "$ctl_req"
expect_out "status 0, roles SAST and CCM+TFTP" "570102000000000a0010070001000800020002"
expect_true "answered from the CTL" grep -q "Valid, roles SAST,CCM+TFTP from the CTL" $LOG
cp ctl.saved $D/CTLFile.tlv
settle

# a regenerated TVS certificate is used after 'utils service restart' (no process restart)
tvs_fp() { openssl s_client -connect 127.0.0.1:$TVS </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256; }
fp0=$(tvs_fp)
expect_true "TVS presents a certificate" test -n "$fp0"
# --force: the CallManager certificate is minutes old (the five-minute rule of seed 001)
expect_exit 0 "set cert regen TVS" $PT set cert regen TVS --yes --force
settle   # the database changed; the TVS certificate must not
expect_true "regenerated but not restarted: still the old certificate" test "$(tvs_fp)" = "$fp0"
expect_exit 0 "utils service restart TVS" $PT utils service restart "Cisco Trust Verification Service"
expect_out "CUCM's restart lines" "Cisco Trust Verification Service[STARTED]"
settle
fp1=$(tvs_fp)
expect_true "restarted: the new certificate" sh -c "[ -n '$fp1' ] && [ '$fp1' != '$fp0' ]"
expect_true "the restart is logged" grep -q "SERVE Cisco Trust Verification Service restarted" $LOG
expect_exit 0 "TVS still answers after the restart" python3 $E2E/tvs_client.py 127.0.0.1 $TVS --json $V/tvs/valid.json
expect_exit 2 "an unknown service is refused" $PT utils service restart "Cisco Nothing"
kill -TERM $SERVE
wait $SERVE
finish
