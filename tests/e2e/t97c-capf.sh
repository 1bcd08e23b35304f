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
CAPF=$(free_ports 1)
LOG=$SCRATCH/serve.log
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port 0 --http-port 0 --tvs-port 0 --capf-port $CAPF --timeout 5s --log $LOG &
SERVE=$!
at_exit 'kill $SERVE 2>/dev/null'
for _ in $(seq 50); do grep -q "SERVE node" $LOG 2>/dev/null && break; sleep 0.1; done

. $E2E/capf_lib.sh
# exact messages, except STORE_CERTIFICATE_REQUEST (a new certificate: checked apart)
same_but_store() { grep -v '^5509' $1.got > a; grep -v '^5509' $1.want > b; cmp -s a b; }

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
# serve rewrites the configurations of finished operations a moment later, together
cfg_asks() { grep -q '<certificateOperation>' $PHONETRUST_HOME/tftp/pub/$1.cnf.xml; }
for _ in $(seq 30); do cfg_asks SEP001122334455 || break; sleep 0.1; done
expect_true "the config no longer asks for the operation once it is done" sh -c "! grep -q '<certificateOperation>' $PHONETRUST_HOME/tftp/pub/SEP001122334455.cnf.xml"
expect_true "nor for its CAPF mode" grep -q '<capfAuthMode>0</capfAuthMode>' $PHONETRUST_HOME/tftp/pub/SEP001122334455.cnf.xml
expect_true "its signed config says the same" sh -c "$PT sgn strip $PHONETRUST_HOME/tftp/pub/SEP001122334455.cnf.xml.sgn done.xml && grep -q '<capfAuthMode>0</capfAuthMode>' done.xml"
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
expect_true "a SUDI from an issuer not in CAPF-trust: END_SESSION 7" sh -c "tail -2 certauth-ec.got | head -1 | grep -q '^550f00000000000401000107'"
expect_true "the serve log says why" grep -q "SEP00112233AABB: its SUDI certificate is from an issuer not in CAPF-trust" $LOG
expect_true "status Invalid Credentials" test "$(status SEP00112233AABB)" = "Upgrade Failed: Invalid Credentials"
# the reference ran with the SAST certificate among its --verify certificates
$PT set cert import CAPF-trust $V/certs/sast.pem --name "SUDI issuer" >/dev/null
$PT device capf SEP00112233AABB --op install --auth lsc --key ec384 >/dev/null
replay certauth-ec
expect_true "EC LSC authentication, RSA SUDI from a CAPF-trust issuer: the vector's exchange" same_but_store certauth-ec
$PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
replay certauth-bad
expect_true "a certificate from no known issuer: END_SESSION 7" cmp -s certauth-bad.got certauth-bad.want
expect_true "status names the failure" sh -c "echo '$(status SEP001122334455)' | grep -q '^Upgrade Failed: Invalid'"

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
