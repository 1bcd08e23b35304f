# cert create: every role profile, file mode, and bad arguments.
. "$PT_TESTLIB"

for role in sast ccm tftp callmanager tvs capf app-server itlrecovery; do
    expect_exit 0 "cert create --role $role" $PT cert create $role.pem --cn "Host $role" --role $role --org Cisco --unit TAC --locality Krakow --state Malopolska --country PL
    expect_true "$role.pem is 0600" sh -c "[ \"\$(stat -c %a $role.pem)\" = 600 ]"
    expect_true "$role.pem: key first, then certificate" sh -c "head -1 $role.pem | grep -q 'BEGIN PRIVATE KEY' && grep -q 'BEGIN CERTIFICATE' $role.pem"
    expect_true "$role.pem: mkcert profile (CA:TRUE, pathlen 0)" sh -c "openssl x509 -in $role.pem -noout -text | grep -q 'CA:TRUE, pathlen:0'"
done
expect_true "subject order CN, O, OU, L, ST, C" sh -c "openssl x509 -in tvs.pem -noout -subject -nameopt compat | grep -q 'CN=Host tvs/O=Cisco/OU=TAC/L=Krakow/ST=Malopolska/C=PL'"
expect_true "ITLRecovery lasts 5 years" sh -c "openssl x509 -in itlrecovery.pem -noout -checkend $((5*365*86400 - 5*86400)) && ! openssl x509 -in itlrecovery.pem -noout -checkend $((5*366*86400))"
expect_exit 0 "CUCM subject order" $PT cert create pub.pem --cn test10pub --role callmanager --org cisco --unit tac --locality rtp --state nc --country US --cucm-order
expect_true "CN, OU, O, L, ST, C" sh -c "openssl x509 -in pub.pem -noout -subject -nameopt compat | grep -q 'CN=test10pub/OU=tac/O=cisco/L=rtp/ST=nc/C=US'"
for bits in 1024 2048; do
    expect_exit 0 "RSA-$bits" $PT cert create r$bits.pem --cn r --rsa $bits
    expect_true "RSA-$bits key size" sh -c "openssl x509 -in r$bits.pem -noout -text | grep -q 'Public-Key: ($bits bit)'"
done
for c in secp256r1 secp384r1 secp521r1; do
    expect_exit 0 "EC $c" $PT cert create $c.pem --cn "$c-EC" --role callmanager-ecdsa --ec $c
    expect_true "EC key is SEC1" sh -c "head -1 $c.pem | grep -q 'BEGIN EC PRIVATE KEY'"
done
expect_exit 0 "a manufacturing CA" $PT cert create mca.pem --cn "Cisco Manufacturing CA" --org "Cisco Systems" --role ca
expect_exit 0 "an eToken certificate issued by it" $PT cert create etoken.pem --cn SAST-ADN008580ef --unit IPCBU --org "Cisco Systems" --role etoken --issuer mca.pem
expect_true "issued by the CA" sh -c "openssl verify -CAfile mca.pem etoken.pem >/dev/null 2>&1 || openssl x509 -in etoken.pem -noout -issuer | grep -q 'Cisco Manufacturing CA'"
expect_exit 0 "an LSC issued by CAPF" $PT cert create lsc.pem --cn SEP001122334455 --role lsc --issuer capf.pem --days 365
expect_true "LSC subject carries the CAPF's O/OU" sh -c "openssl x509 -in lsc.pem -noout -subject -nameopt compat | grep -q 'CN=SEP001122334455/O=Cisco/OU=TAC'"
expect_true "LSC SAN is the device URI" sh -c "openssl x509 -in lsc.pem -noout -text | grep -q 'URI:SEP001122334455'"
expect_exit 2 "leaf without issuer" $PT cert create x.pem --cn x --role lsc
expect_exit 2 "--rsa and --ec together" $PT cert create x.pem --cn x --rsa 2048 --ec secp256r1
expect_exit 2 "unknown role" $PT cert create x.pem --cn x --role wizard
expect_exit 2 "bad country" $PT cert create x.pem --cn x --country Poland
expect_exit 2 "missing --cn" $PT cert create x.pem
expect_exit 2 "bad key size" $PT cert create x.pem --cn x --rsa 100
expect_exit 2 "bad curve" $PT cert create x.pem --cn x --ec secp192r1
expect_true "nothing written by failures" test ! -e x.pem
expect_exit 0 "help" $PT help
expect_out "help lists exit codes" "Exit status: 0 success; 1 does not verify"
expect_exit 2 "unknown command" $PT frobnicate
finish
