# Who may get a certificate from CAPF (§6.8, hostile networks): the
# authentication string exactly (not a prefix, not more), guessed at most
# once a second and five times in all; a certificate that names the device,
# within its dates, really signed by a trusted issuer, with both signatures
# of the authentication data; null string only with a warning.
# capf_client.py plays the phone: another device name, another certificate,
# the authentication data signed with the key it holds.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
C=$V/capf
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --org Lab --unit Voice \
    --admin-password adminpw1 --security-password secpw123 >/dev/null
for d in SEP001122334455 SEP00112233AABB SEP0011223344EE; do
    $PT device add $d --model 8845 >/dev/null
done
set -- $(free_ports 1)
CAPF=$1
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port 0 --http-port 0 --tvs-port 0 --capf-port $CAPF --timeout 5s
. $E2E/capf_lib.sh
expected $C/wrongpw.json > wrongpw.want
# the vectors' LSCs were issued by the vectors' CAPF: trust it
$PT set cert import CAPF-trust $V/certs/capf.pem --name "old CAPF" >/dev/null
# a prefix of the string, or the string and more, is a wrong string too
for pw in 12345 1234567 1 ""; do
    $PT device capf SEP001122334455 --op install --auth auth-string --password 123456 --key rsa2048 >/dev/null
    python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/wrongpw.json --password "$pw" > pw.out
    mask pw.out > pw.got
    expect_true "authentication string '$pw' for 123456: END_SESSION 7" cmp -s pw.got wrongpw.want
    expect_true "status: Invalid Authentication String ('$pw')" test "$(status SEP001122334455)" = "Upgrade Failed: Invalid Authentication String"
done

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
# SUDI_DATA (§6.8.4): when the phone sends one, it comes from the CAPF or a
# CAPF-trust issuer and is signed over this session's id
sudi_try() { out=$1; shift; $PT device capf SEP001122334455 --op install --auth lsc --key rsa1024 >/dev/null
    python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/certauth-rsa.json --cert $C/SEP001122334455.lsc1.pem "$@" > $out; }
ended7() { grep -q '^550f[0-9a-f]\{8\}000401000107$' $1 && ! grep -q '^5503' $1; }
sudi_try sudi-live.out
expect_true "an RSA SUDI from a CAPF-trust issuer, signed for this session: authenticated" grep -q '^5503' sudi-live.out
sudi_try sudi-replay.out --sudi-sid 1
expect_true "the same SUDI signed for another session (a replay): END_SESSION 7" ended7 sudi-replay.out
expect_true "the serve log says why" grep -q "SEP001122334455: its SUDI signatures do not verify for this session" $LOG
expect_true "status: Invalid Credentials" test "$(status SEP001122334455)" = "Upgrade Failed: Invalid Credentials"
cat fakeca.key fakeca.pem > fakesudi.pem
sudi_try sudi-fake.out --sudi fakesudi.pem
expect_true "a SUDI whose issuer is not in CAPF-trust (only its name is): END_SESSION 7" ended7 sudi-fake.out
expect_true "logged" grep -q "SEP001122334455: its SUDI certificate is from an issuer not in CAPF-trust" $LOG
sudi_try sudi-ec.out --sudi $C/SEP00112233AABB.lsc1.pem
expect_true "an EC SUDI from a CAPF-trust issuer: checked too, authenticated" grep -q '^5503' sudi-ec.out
{ cat forged.key; openssl x509 -in $C/SEP00112233AABB.lsc1.pem; } > ecmixed.pem
sudi_try sudi-ecmixed.out --sudi ecmixed.pem
expect_true "an EC SUDI signed by another key: END_SESSION 7" ended7 sudi-ecmixed.out
for which in sha1 sha512; do
    sudi_try sudi-spoil.out --sudi-spoil $which
    expect_true "the SUDI's $which signature over other data: END_SESSION 7" ended7 sudi-spoil.out
done
sudi_try sudi-none.out --no-sudi
expect_true "no SUDI at all (it is optional): authenticated" grep -q '^5503' sudi-none.out

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
guess() { python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/wrongpw.json --password "$1" --stop-at 5503 > guess.out; }
guess 111111,123456
expect_true "the right string right after a wrong one (same second): refused unchecked" sh -c "! grep -q '^5503' guess.out"
expect_true "and logged" grep -q "SEP001122334455: another authentication string within 1 s: refused unchecked" $LOG
before=$(grep -c "SEP001122334455: another authentication string within 1 s" $LOG)
sleep 1.1
guess 222222,333333,444444,555555,666666
expect_true "five guesses back to back: the first counted, the others refused unchecked" \
    test $(( $(grep -c "SEP001122334455: another authentication string within 1 s" $LOG) - before )) -ge 3
expect_true "so the operation is still on" test "$(status SEP001122334455)" = "Upgrade Failed: Invalid Authentication String"
for pw in 333333 444444 555555; do sleep 1.1; guess $pw; done
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

finish
