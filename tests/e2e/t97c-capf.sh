# CAPF (§6, M14, seed 004): the vectors' exchanges against `phonetrust
# serve` on loopback, every authentication mode, and the status texts.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
C=$V/capf
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --org Lab --unit Voice \
    --admin-password adminpw1 --security-password secpw123 >/dev/null
for d in SEP001122334455 SEP00112233AABB SEP0011223344CC SEP0011223344DD SEP0011223344EE; do
    $PT device add $d --model 8845 >/dev/null
done
CAPF=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=$SCRATCH/serve.log
$PT serve --addr 127.0.0.1 --tftp-port 0 --http-port 0 --tvs-port 0 --capf-port $CAPF --timeout 5 --log $LOG &
SERVE=$!
at_exit 'kill $SERVE 2>/dev/null'
for _ in $(seq 50); do grep -q "SERVE node" $LOG 2>/dev/null && break; sleep 0.1; done

# the S->C messages of a transcript, session id masked
mask() { python3 -c "
import sys
for l in open(sys.argv[1]):
    l = l.strip()
    print(l if l == 'CLOSED' else l[:4] + '00000000' + l[12:])" "$1"; }
expected() { python3 -c "
import json, sys
sys.path.insert(0, '$E2E')
src = open('$E2E/capf_client.py').read().split('def main')[0]
exec(src)
for d, m in messages(sys.argv[1]):
    if d == 'S->C':
        print((m[:2] + b'\0\0\0\0' + m[6:]).hex())
print('CLOSED')" "$1"; }
replay() { python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/$1.json > $1.out; mask $1.out > $1.got; expected $C/$1.json > $1.want; }
# exact messages, except STORE_CERTIFICATE_REQUEST (a new certificate: checked apart)
same_but_store() { grep -v '^5509' $1.got > a; grep -v '^5509' $1.want > b; cmp -s a b; }
status() { $PT device show $1 | sed -n 's/^Certificate Operation Status: //p'; }

expect_exit 0 "the authentication string from standard input, not argv" sh -c \
    "echo 123456 | $PT device capf SEP001122334455 --op install --auth auth-string --key rsa2048"
expect_exit 0 "scheduling by null string" $PT device capf SEP00112233AABB --op install --auth null-string --key ec256
expect_err "warns what null string means" "Warning: SEP00112233AABB authenticates to CAPF by null string: anyone who can reach CAPF and names the device gets its LSC"
$PT device capf SEP0011223344CC --op fetch --auth null-string >/dev/null
$PT device capf SEP0011223344DD --op delete --auth null-string >/dev/null
expect_exit 0 "device show: Operation Pending" $PT device show SEP001122334455
expect_out "the status" "Certificate Operation Status: Operation Pending"
expect_true "the config asks for the operation (capfAuthMode 1: authentication string)" sh -c \
    "$PT sgn strip $PHONETRUST_HOME/tftp/pub/SEP001122334455.cnf.xml.sgn - 2>/dev/null | grep -q '<capfAuthMode>1</capfAuthMode>' || \
     grep -q '<capfAuthMode>1</capfAuthMode>' $PHONETRUST_HOME/tftp/pub/SEP001122334455.cnf.xml"

replay wrongpw
expect_true "wrong authentication string: the vector's exchange, END_SESSION 7" cmp -s wrongpw.got wrongpw.want
expect_true "status: Invalid Authentication String" test "$(status SEP001122334455)" = "Upgrade Failed: Invalid Authentication String"
# a prefix of the string, or the string and more, is a wrong string too
for pw in 12345 1234567 1 ""; do
    $PT device capf SEP001122334455 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
    python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/wrongpw.json --password "$pw" > pw.out
    mask pw.out > pw.got
    expect_true "authentication string '$pw' for 123456: END_SESSION 7" cmp -s pw.got wrongpw.want
    expect_true "status: Invalid Authentication String ('$pw')" test "$(status SEP001122334455)" = "Upgrade Failed: Invalid Authentication String"
done
$PT device capf SEP001122334455 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
replay install-rsa-password
expect_true "RSA install by authentication string: the vector's exchange" same_but_store install-rsa-password
python3 - > issued.txt <<PY
import subprocess
for l in open('install-rsa-password.out'):
    if l.startswith('5509'):
        der = bytes.fromhex(l.strip())[8 + 4 + 3 + 5:]
        print(subprocess.run(['openssl', 'x509', '-inform', 'DER', '-noout', '-subject', '-issuer', '-text'], input=der, capture_output=True).stdout.decode())
PY
expect_true "the LSC: CN=SEP001122334455 + the CAPF subject's other attributes, in its order" grep -q "subject=CN = SEP001122334455, OU = Voice, O = Lab" issued.txt
expect_true "issued by the cluster's CAPF" grep -q "issuer=CN = CAPF-" issued.txt
expect_true "for the phone's own RSA-2048 key" grep -q "Public-Key: (2048 bit)" issued.txt
expect_true "with the LSC profile (SAN URI)" grep -q "URI:SEP001122334455" issued.txt
python3 - <<PY
for l in open('install-rsa-password.out'):
    if l.startswith('5509'):
        open('issued.der', 'wb').write(bytes.fromhex(l.strip())[8 + 4 + 3 + 5:])
PY
openssl x509 -inform DER -in issued.der -out issued.pem
$PT show cert own CAPF > capf-own.pem
expect_true "signed by the cluster's CAPF key (openssl verify)" sh -c "openssl verify -CAfile capf-own.pem issued.pem | grep -q ': OK'"
lsc_days() { python3 -c "
import subprocess, sys
from datetime import datetime
out = subprocess.run(['openssl', 'x509', '-in', sys.argv[1], '-noout', '-startdate', '-enddate'], capture_output=True, text=True).stdout
d = {k: datetime.strptime(v.strip(), '%b %d %H:%M:%S %Y GMT') for k, v in (l.split('=', 1) for l in out.splitlines())}
print((d['notAfter'] - d['notBefore']).total_seconds() / 86400)" "$1"; }
expect_true "valid for 365 days (§7.3)" test "$(lsc_days issued.pem)" = "365.0"
expect_true "from now" python3 -c "
import subprocess, time
from datetime import datetime, timezone
out = subprocess.run(['openssl', 'x509', '-in', 'issued.pem', '-noout', '-startdate'], capture_output=True, text=True).stdout
t = datetime.strptime(out.split('=', 1)[1].strip(), '%b %d %H:%M:%S %Y GMT').replace(tzinfo=timezone.utc).timestamp()
assert abs(t - time.time()) < 600, t"
expect_true "status Upgrade Success" test "$(status SEP001122334455)" = "Upgrade Success"
expect_true "LSC Installed" sh -c "$PT device show SEP001122334455 | grep -q 'LSC:                  Installed'"
replay install-ec
expect_true "EC install by null string: the vector's exchange" same_but_store install-ec
expect_true "the serve log names the LSC given by null string" grep -q "SEP00112233AABB: LSC installed by null string" $LOG
expect_true "EC LSC recorded" sh -c "$PT device show SEP00112233AABB | grep -q 'LSC:                  Installed'"
replay fetch
expect_true "fetch: the vector's exchange" cmp -s fetch.got fetch.want
expect_true "the phone's LSC stored" sh -c "$PT device show SEP0011223344CC | grep -q 'LSC:                  Installed'"
replay delete
expect_true "delete: the vector's exchange" cmp -s delete.got delete.want
expect_true "status Delete Success" test "$(status SEP0011223344DD)" = "Delete Success"
replay none
expect_true "nothing scheduled: END_SESSION 0" cmp -s none.got none.want
replay unknown
expect_true "unknown device: END_SESSION 9" cmp -s unknown.got unknown.want

# by existing certificate (the vectors' LSCs were issued by the vectors' CAPF: trust it)
$PT set cert import CAPF-trust $V/certs/capf.pem --name "old CAPF" >/dev/null
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
replay certauth-rsa
expect_true "RSA LSC authentication: the vector's exchange" same_but_store certauth-rsa
$PT device capf SEP00112233AABB --op install --auth lsc --key ec384 >/dev/null
replay certauth-ec
expect_true "EC LSC authentication (RSA SUDI ignored): the vector's exchange" same_but_store certauth-ec
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
replay certauth-bad
expect_true "a certificate from no known issuer: END_SESSION 7" cmp -s certauth-bad.got certauth-bad.want
expect_true "status names the failure" sh -c "echo '$(status SEP001122334455)' | grep -q '^Upgrade Failed: Invalid'"

# who may authenticate by certificate (§6.8.3): this client re-signs the
# authentication data with the key it holds, so only the certificate decides
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --cert $C/SEP001122334455.lsc1.pem > own.out
expect_true "its own LSC, signed here: authenticated (a KEYGEN_REQUEST follows)" grep -q '^5503' own.out
$PT device capf SEP00112233AABB --op install --auth lsc --key rsa1024 >/dev/null
python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --as SEP00112233AABB --cert $C/SEP001122334455.lsc1.pem > other.out
expect_true "another device's valid LSC: END_SESSION, no KEYGEN_REQUEST" sh -c "grep -q '^550f' other.out && ! grep -q '^5503' other.out"
expect_true "status: Invalid LSC" test "$(status SEP00112233AABB)" = "Upgrade Failed: Invalid LSC"
# a certificate that names the trusted CAPF as its issuer, but was signed by another key
openssl req -x509 -newkey rsa:1024 -nodes -keyout fakeca.key -out fakeca.pem -subj "/CN=CAPF/O=CAPF/OU=CAPF" -days 30 2>/dev/null
openssl req -new -newkey rsa:1024 -nodes -keyout forged.key -subj "/CN=SEP001122334455/O=CAPF/OU=CAPF" 2>/dev/null |
    openssl x509 -req -CA fakeca.pem -CAkey fakeca.key -days 30 -out forged.crt 2>/dev/null
cat forged.key forged.crt > forged.pem
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --cert forged.pem > forged.out
expect_true "a forged LSC (the issuer's name, not its signature): END_SESSION, no KEYGEN_REQUEST" \
    sh -c "grep -q '^550f' forged.out && ! grep -q '^5503' forged.out"
expect_true "status: Invalid LSC (forged)" test "$(status SEP001122334455)" = "Upgrade Failed: Invalid LSC"
# the authentication data signed by another key than the certificate's
{ cat forged.key; openssl x509 -in $C/SEP001122334455.lsc1.pem; } > mixed.pem
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --cert mixed.pem > mixed.out
expect_true "the right LSC, the data signed by another key: END_SESSION, no KEYGEN_REQUEST" \
    sh -c "grep -q '^550f' mixed.out && ! grep -q '^5503' mixed.out"
# both signatures of the authentication data count: one over other data is enough to refuse
for which in sha1 sha512; do
    $PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
    python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --cert $C/SEP001122334455.lsc1.pem --spoil $which > spoil.out
    expect_true "its own LSC, the $which signature over other data: END_SESSION, no KEYGEN_REQUEST" \
        sh -c "grep -q '^550f' spoil.out && ! grep -q '^5503' spoil.out"
done
# the phone's key must be the one asked for: RSA-1024 sent when RSA-2048 was scheduled
$PT device capf SEP001122334455 --op install --auth lsc --key rsa2048 >/dev/null
replay certauth-rsa
expect_true "a key of the wrong size: no certificate issued" sh -c "! grep -q '^5509' certauth-rsa.out"
expect_true "status: Key Generation Failed" test "$(status SEP001122334455)" = "Upgrade Failed: Key Generation Failed/Timeout"

# MICs: a manufacturing CA in CAPF-trust; each MIC names its phone as Cisco's do
# (CN=CP-<model>-SEP<MAC>), and only that phone may use it, within its dates
openssl req -x509 -newkey rsa:2048 -nodes -keyout mfg.key -out mfg.pem -subj "/CN=Cisco Manufacturing CA SHA2/O=Cisco" -days 3650 2>/dev/null
$PT set cert import CAPF-trust mfg.pem --name mfg >/dev/null
mic() { # OUT CN [FAKETIME-SPEC]: a MIC (key + certificate) valid 30 days from then (faketime -f)
    openssl req -new -newkey rsa:1024 -nodes -keyout $1.key -subj "/CN=$2/O=Cisco Systems Inc." 2>/dev/null |
        ${3:+faketime -f "$3"} openssl x509 -req -CA mfg.pem -CAkey mfg.key -days 30 -out $1.crt 2>/dev/null
    cat $1.key $1.crt > $1.pem
}
mic mic55 CP-8845-SEP001122334455
mic old55 CP-8845-SEP001122334455 "@2020-01-01 00:00:00"
mic new55 CP-8845-SEP001122334455 "+60d"
by_mic() { # OUT DEVICE PEM
    $PT device capf $2 --op install --auth mic --key rsa1024 >/dev/null
    python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --as $2 --cert $3 > $1
}
by_mic mic.out SEP001122334455 mic55.pem
expect_true "its own MIC: authenticated (a KEYGEN_REQUEST follows)" grep -q '^5503' mic.out
by_mic mic.out SEP00112233AABB mic55.pem
expect_true "another phone's MIC: END_SESSION, no KEYGEN_REQUEST" sh -c "grep -q '^550f' mic.out && ! grep -q '^5503' mic.out"
expect_true "status: Invalid MIC" test "$(status SEP00112233AABB)" = "Upgrade Failed: Invalid MIC"
expect_true "the log says why" grep -q "SEP00112233AABB: the MIC names another device" $LOG
by_mic mic.out SEP001122334455 old55.pem
expect_true "an expired MIC: refused" sh -c "grep -q '^550f' mic.out && ! grep -q '^5503' mic.out"
expect_true "the log says why (expired)" grep -q "SEP001122334455: the MIC has expired" $LOG
by_mic mic.out SEP001122334455 new55.pem
expect_true "a MIC not valid yet: refused" sh -c "grep -q '^550f' mic.out && ! grep -q '^5503' mic.out"
expect_true "the log says why (not yet valid)" grep -q "SEP001122334455: the MIC is not valid yet" $LOG
mic cp55 SEP001122334455X
by_mic mic.out SEP001122334455 cp55.pem
expect_true "a MIC whose CN merely starts with the device name: refused" sh -c "! grep -q '^5503' mic.out"
# an LSC of the right device from the trusted CAPF, but expired
openssl req -new -newkey rsa:1024 -nodes -keyout lscold.key -subj "/CN=SEP001122334455/O=CAPF/OU=CAPF" 2>/dev/null |
    faketime -f "@2020-01-01 00:00:00" openssl x509 -req -CA $V/certs/capf.pem -CAkey $V/certs/capf.pem -days 30 -out lscold.crt 2>/dev/null
cat lscold.key lscold.crt > lscold.pem
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --cert lscold.pem > lscold.out
expect_true "an expired LSC: refused" sh -c "grep -q '^550f' lscold.out && ! grep -q '^5503' lscold.out"
expect_true "the log says why (expired LSC)" grep -q "SEP001122334455: the LSC has expired" $LOG

# authentication strings: one guess per device per second, five wrong ones end the operation
$PT device capf SEP001122334455 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
guess() { python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/wrongpw.json --password "$1" > guess.out; }
guess 111111
guess 123456
expect_true "the right string within a second of a wrong one: refused unchecked" sh -c "! grep -q '^5503' guess.out"
expect_true "and logged" grep -q "SEP001122334455: another authentication string within 1 s: refused unchecked" $LOG
for pw in 222222 333333 444444 555555; do sleep 1.1; guess $pw; done
expect_true "five wrong strings: the operation is ended, and the admin sees it" \
    test "$(status SEP001122334455)" = "Upgrade Failed: Invalid Authentication String (5 wrong: schedule again)"
expect_true "and the log says so" grep -q "SEP001122334455: 5 wrong authentication strings: the operation is ended" $LOG
sleep 1.1
guess 123456
expect_true "then even the right string gets nothing: END_SESSION 0 (no operation)" sh -c "! grep -q '^5503' guess.out && grep -q '^550f.*0100010*\$' guess.out"
$PT device capf SEP001122334455 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
guess 123456
expect_true "scheduled again: the right string works" grep -q '^5503' guess.out

# null string through a security profile warns too
$PT device profile OpenEnrol --capf-auth null-string >/dev/null
$PT device set SEP0011223344EE profile OpenEnrol >/dev/null
expect_exit 0 "scheduling with the profile's mode" $PT device capf SEP0011223344EE --op install
expect_err "warns (the profile says null string)" "Warning: SEP0011223344EE authenticates to CAPF by null string"
$PT device capf SEP0011223344EE --op none >/dev/null

# the deadline (M25: LSC: Failed, User Initiated Request Late/Timedout)
$PT device capf SEP001122334455 --op install --auth auth-string --password 123456 --deadline -1h >/dev/null
replay install-rsa-password
expect_true "past the deadline: END_SESSION 7 after AUTH_RESPONSE" sh -c "tail -2 install-rsa-password.got | head -1 | grep -q '^550f00000000000401000107'"
expect_true "status Upgrade Failed: User Initiated Request Late/Timedout" \
    test "$(status SEP001122334455)" = "Upgrade Failed: User Initiated Request Late/Timedout"

# bulk by model: the mode must match the security profiles (seed 004)
$PT device profile LscProfile --capf-auth lsc >/dev/null
expect_exit 6 "bulk install by null string refused: the profiles say otherwise" $PT device capf --model 8845 --op install --auth lsc --deadline +1d
expect_err "names a device and its profile" "its security profile Standard Non-Secure authenticates by null-string, not lsc"
expect_exit 0 "bulk install matching the profiles" $PT device capf --model 8845 --op install --auth null-string --deadline +1d
expect_out "five phones" "scheduled for 5 devices"
expect_exit 2 "a bad key" $PT device capf SEP001122334455 --op install --key rsa999
expect_exit 2 "a bad authentication string" $PT device capf SEP001122334455 --op install --auth auth-string --password abc
expect_exit 2 "a bad deadline" $PT device capf SEP001122334455 --op install --deadline tomorrow

# a malformed first message closes only that connection
expect_true "garbage after the handshake: the server carries on" python3 -c "
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(socket.create_connection(('127.0.0.1', $CAPF), timeout=10))
t.recv(16); t.sendall(b'\xff' * 20)
try:
    while t.recv(100): pass
except Exception: pass"
$PT device capf SEP0011223344EE --op none >/dev/null   # the bulk install above scheduled it too
replay none
expect_true "and answers the next phone" cmp -s none.got none.want
expect_true "the garbage was answered by END_SESSION 7 at once, not a timeout" sh -c "! grep -q 'CAPF .*: timed out' $LOG"

# a regenerated CAPF certificate: in use after 'utils service restart', and after SIGHUP
capf_fp() { openssl s_client -connect 127.0.0.1:$CAPF </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256; }
fp0=$(capf_fp)
expect_exit 0 "set cert regen CAPF" $PT set cert regen CAPF --yes --force
sleep 1.5
expect_true "regenerated, not restarted: the old certificate" test "$(capf_fp)" = "$fp0"
expect_exit 0 "utils service restart CAPF" $PT utils service restart "Cisco Certificate Authority Proxy Function"
sleep 1.5
fp1=$(capf_fp)
expect_true "restarted: the new certificate" sh -c "[ -n '$fp1' ] && [ '$fp1' != '$fp0' ]"
expect_true "and its subject" sh -c "openssl s_client -connect 127.0.0.1:$CAPF </dev/null 2>/dev/null | openssl x509 -noout -subject | grep -q CAPF"
expect_exit 0 "set cert regen CAPF again" $PT set cert regen CAPF --yes --force
kill -HUP $SERVE
sleep 1.5
fp2=$(capf_fp)
expect_true "SIGHUP: the newer certificate" sh -c "[ -n '$fp2' ] && [ '$fp2' != '$fp1' ]"
kill -TERM $SERVE
wait $SERVE
expect_true "SIGTERM: exit 0" test $? -eq 0
finish
