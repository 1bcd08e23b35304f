# enccnf encrypt / decrypt and the stub (spec §4).
. "$PT_TESTLIB"

expect_exit 0 "decrypt the vector" $PT enccnf decrypt $V/sgn/SEP001122334455.cnf.xml.enc.sgn plain.xml \
    --key $V/capf/SEP001122334455.lsc1.pem --cert $V/certs/ccm.pem
expect_same "plaintext equals the vector's" plain.xml $V/sgn/SEP001122334455.cnf.xml.plain
expect_true "plaintext written 0600" sh -c '[ "$(stat -c %a plain.xml)" = 600 ]'
expect_exit 0 "decrypt without --cert" $PT enccnf decrypt $V/sgn/SEP001122334455.cnf.xml.enc.sgn p2.xml --key $V/capf/SEP001122334455.lsc1.pem
expect_err "warns the signature was not checked" "signature not checked"
expect_exit 1 "decrypt with the wrong TFTP certificate" $PT enccnf decrypt $V/sgn/SEP001122334455.cnf.xml.enc.sgn p3.xml \
    --key $V/capf/SEP001122334455.lsc1.pem --cert $V/certs/tvs.pem
expect_exit 5 "decrypt with another phone's key" $PT enccnf decrypt $V/sgn/SEP001122334455.cnf.xml.enc.sgn p4.xml \
    --key $V/certs/tvs.pem --cert $V/certs/ccm.pem
expect_err "says the key is wrong" "cannot be unwrapped with this private key"
expect_true "nothing written on failure" test ! -e p4.xml

$PT cert create tftp.pem --cn cucm-pub --role callmanager >/dev/null
$PT cert create phone.pem --cn SEP001122334455 >/dev/null
cp $V/sgn/SEP001122334455.cnf.xml.plain SEP001122334455.cnf.xml
expect_exit 0 "encrypt" $PT enccnf encrypt SEP001122334455.cnf.xml SEP001122334455.cnf.xml.enc.sgn --signer tftp.pem --phone-cert phone.pem
expect_true "stub written beside it" test -f SEP001122334455.cnf.xml.sgn
expect_exit 0 "stub verifies" $PT sgn verify SEP001122334455.cnf.xml.sgn --cert tftp.pem
sha1sum SEP001122334455.cnf.xml.sgn > stub.sum
expect_exit 6 "encrypting again refuses to replace the stub" $PT enccnf encrypt SEP001122334455.cnf.xml again.enc.sgn --signer tftp.pem --phone-cert phone.pem --stub SEP001122334455.cnf.xml.sgn
expect_err "saying how" "exists: give --force to replace it"
expect_true "the stub is untouched, nothing else written" sh -c "sha1sum -c stub.sum >/dev/null && [ ! -e again.enc.sgn ]"
expect_exit 0 "--force replaces it" $PT enccnf encrypt SEP001122334455.cnf.xml again.enc.sgn --signer tftp.pem --phone-cert phone.pem --stub SEP001122334455.cnf.xml.sgn --force
$PT sgn strip SEP001122334455.cnf.xml.sgn stub.xml
expect_true "stub says encrConfig" grep -q "<encrConfig>true</encrConfig>" stub.xml
expect_true "stub keeps capfList" grep -q "<processNodeName>capf.example.net</processNodeName>" stub.xml
expect_true "stub certHash is the MD5 of the phone certificate" sh -c \
    "grep -q \"<certHash>\$(openssl x509 -in phone.pem -outform DER | md5sum | cut -c1-32)</certHash>\" stub.xml"
expect_exit 0 "decrypt what we encrypted" $PT enccnf decrypt SEP001122334455.cnf.xml.enc.sgn back.xml --key phone.pem --cert tftp.pem
expect_same "round trip" back.xml SEP001122334455.cnf.xml

# lengths 0 and 15 modulo 16
for n in 48 63; do
    head -c $((n - 17)) /dev/zero | tr '\0' x | sed 's/^/<device>/; s/$/<\/device>/' | tr -d '\n' > c$n.xml
    expect_true "c$n.xml is $n bytes" sh -c "[ \$(wc -c < c$n.xml) -eq $n ]"
    expect_exit 0 "encrypt $n bytes" $PT enccnf encrypt c$n.xml c$n.enc.sgn --signer tftp.pem --phone-cert phone.pem --no-stub
    expect_exit 0 "decrypt $n bytes" $PT enccnf decrypt c$n.enc.sgn c$n.out --key phone.pem --cert tftp.pem
    expect_same "round trip of $n bytes" c$n.out c$n.xml
done
expect_exit 3 "a configuration that is not <device> XML is refused" $PT enccnf encrypt $V/sgn/hello.txt h.enc.sgn --signer tftp.pem --phone-cert phone.pem
expect_err "says why" "<device> root element"
$PT cert create ecphone.pem --cn SEP0011223344EC --ec secp256r1 >/dev/null
expect_exit 5 "an EC phone certificate is refused" $PT enccnf encrypt SEP001122334455.cnf.xml e.enc.sgn --signer tftp.pem --phone-cert ecphone.pem
expect_err "says why" "needs an RSA phone key"
finish
