# softhsm.sh - SoftHSM2 tokens for the tests, holding eToken-like
# certificates issued by a test "Cisco Manufacturing CA" (mca.pem); sourced
# after lib.sh.  make_token LABEL full|nokey|nocert|rogue; PIN 1234.
MOD=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do [ -f $m ] && MOD=$m && break; done
export SOFTHSM2_CONF=$SCRATCH/softhsm2.conf
mkdir -p $SCRATCH/tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$SCRATCH" > $SOFTHSM2_CONF
$PT cert create mca.pem --cn "Cisco Manufacturing CA" --org "Cisco Systems" --role ca >/dev/null
$PT cert create rogue-ca.pem --cn "Rogue CA" --org "Nobody" --role ca >/dev/null
make_token() { # label, what (full|nokey|nocert|rogue)
    softhsm2-util --init-token --free --label "$1" --pin 1234 --so-pin 5678 >/dev/null
    issuer=mca.pem
    [ "$2" = rogue ] && issuer=rogue-ca.pem
    $PT cert create "$1.pem" --cn "SAST-$1" --unit IPCBU --org "Cisco Systems" --role etoken --issuer $issuer >/dev/null
    [ "$2" != nokey ] && softhsm2-util --import "$1.pem" --token "$1" --label key --id 01 --pin 1234 >/dev/null
    openssl x509 -in "$1.pem" -outform DER -out "$1.der"
    [ "$2" != nocert ] && pkcs11-tool --module $MOD --token-label "$1" --login --pin 1234 \
        --write-object "$1.der" --type cert --id 01 --label cert >/dev/null 2>&1
    return 0
}
