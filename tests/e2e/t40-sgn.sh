# sgn build / verify / strip, and their failures.
. "$PT_TESTLIB"

printf '<device><fullConfig>true</fullConfig></device>\n' > SEP001122334455.cnf.xml
expect_exit 0 "cert create a TFTP signer" $PT cert create tftp.pem --cn cucm-pub --role callmanager
expect_exit 0 "sgn build" $PT sgn build SEP001122334455.cnf.xml SEP001122334455.cnf.xml.sgn --signer tftp.pem
expect_exit 0 "sgn verify with the signer's certificate" $PT sgn verify SEP001122334455.cnf.xml.sgn --cert tftp.pem
expect_out "says who signed" "signed by CN=cucm-pub,O=cucm-pub,OU=cucm-pub"
expect_out "header file name defaults to OUT's base name" "header file name SEP001122334455.cnf.xml.sgn"
expect_out "signature valid" "signature valid"
expect_exit 0 "sgn strip" $PT sgn strip SEP001122334455.cnf.xml.sgn stripped.xml --cert tftp.pem
expect_same "strip gives back the original" stripped.xml SEP001122334455.cnf.xml
expect_exit 0 "strip the vector (no certificate: no check)" $PT sgn strip $V/sgn/hello-sha512.txt.sgn hello.txt
expect_same "stripped vector equals hello.txt" hello.txt $V/sgn/hello.txt

for h in sha1 sha256 sha512; do
    expect_exit 0 "sgn build --hash $h into a sub-directory name" $PT sgn build hello.txt h.sgn --signer tftp.pem --hash $h --filename Desktops/320x196x4/List.xml.sgn
    expect_exit 0 "sgn verify --hash $h" $PT sgn verify h.sgn --cert tftp.pem
    expect_out "hash $h shown" "$(echo $h | tr a-z A-Z)"
    expect_out "relative path kept" "Desktops/320x196x4/List.xml.sgn"
done

# the wrong certificate, a tampered payload, no certificate
expect_exit 0 "another certificate" $PT cert create other.pem --cn other
expect_exit 1 "sgn verify with another certificate fails" $PT sgn verify SEP001122334455.cnf.xml.sgn --cert other.pem
expect_err "names both serials" "but the certificate given has serial"
cp SEP001122334455.cnf.xml.sgn t.sgn
printf 'X' | dd of=t.sgn bs=1 seek=$(($(wc -c < t.sgn) - 3)) conv=notrunc 2>/dev/null
expect_exit 1 "tampered payload fails" $PT sgn verify t.sgn --cert tftp.pem
expect_err "says the signature does not match" "signature does not match the file"
expect_exit 1 "strip refuses a tampered file when --cert is given" $PT sgn strip t.sgn out.xml --cert tftp.pem
expect_true "and writes nothing" test ! -e out.xml
expect_exit 9 "a .sgn without --cert is not verified: its own exit status, not a bad signature's" $PT sgn verify SEP001122334455.cnf.xml.sgn
expect_err "explains why" "signature not checked: give --cert PEM"
expect_exit 9 "the same in JSON" $PT sgn verify SEP001122334455.cnf.xml.sgn --json
expect_true "which says checked false" sh -c "python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"checked\"] is False and d[\"valid\"] is False else 1)' < $SCRATCH/out"
expect_exit 1 "a tampered file in JSON" $PT sgn verify t.sgn --cert tftp.pem --json
expect_true "says checked and not valid" sh -c "python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"checked\"] and not d[\"valid\"] and d[\"error\"] else 1)' < $SCRATCH/out"
expect_exit 0 "a trust list verifies with its own signer" $PT sgn verify $V/tlv/ITLFile.tlv
expect_out "names the record" "signature valid (trust list record 1)"
expect_exit 3 "not a signed file" $PT sgn verify SEP001122334455.cnf.xml --cert tftp.pem
expect_err "names what was expected" "expected tag 1 (VERSION)"
expect_exit 4 "missing input" $PT sgn build nonexistent out.sgn --signer tftp.pem
expect_err "names the missing file" "nonexistent: cannot open"
expect_exit 5 "a certificate without a key cannot sign" $PT sgn build hello.txt o.sgn --signer $V/capf/issued/SEP001122334455.pem
expect_err "says so" "no usable private key"
expect_exit 2 "usage error" $PT sgn build hello.txt
expect_exit 2 "bad hash name" $PT sgn build hello.txt o.sgn --signer tftp.pem --hash md5
expect_exit 2 "bad timestamp" $PT sgn build hello.txt o.sgn --signer tftp.pem --timestamp yesterday

# an existing output is replaced atomically, never half-written
cp SEP001122334455.cnf.xml.sgn keep.sgn
expect_exit 4 "writing into a missing directory fails" $PT sgn build hello.txt nodir/x.sgn --signer tftp.pem
expect_same "earlier files untouched" keep.sgn SEP001122334455.cnf.xml.sgn
expect_true "no temporary files left" sh -c '! ls | grep -q "\.tmp\."'
finish
