# Bulk certificate management between two clusters (M20): export from
# both, consolidate, import into both; through a directory and over SFTP.
. "$PT_TESTLIB"
. "$(dirname "$PT_TESTLIB")/sftp-server.sh"
A=$SCRATCH/a
B=$SCRATCH/b
$PT --home $A install --publisher pubA --domain a.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT --home $A node add subA --ip 192.0.2.11 >/dev/null
$PT --home $B install --publisher pubB --domain b.example --ip 198.51.100.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
mkdir central

expect_exit 0 "cluster A exports" $PT --home $A utils bulk-cert export central
expect_out "names the file" "pubA.a.example.pem"
expect_true "both of A's TFTP nodes" sh -c "[ \$(grep -c 'BEGIN CERTIFICATE' central/pubA.a.example.pem) -eq 2 ]"
expect_exit 0 "cluster B exports" $PT --home $B utils bulk-cert export central
expect_exit 0 "consolidate" $PT utils bulk-cert consolidate central
expect_out "two exports" "Consolidated 2 cluster exports into consolidated.pem"
expect_exit 0 "consolidating again is harmless" $PT utils bulk-cert consolidate central
expect_true "no duplicates" sh -c "[ \$(grep -c 'BEGIN CERTIFICATE' central/consolidated.pem) -eq 3 ]"
expect_exit 0 "cluster A imports" $PT --home $A utils bulk-cert import central
expect_out "B's one certificate" "Imported 1 certificate of other clusters"
expect_exit 0 "cluster B imports" $PT --home $B utils bulk-cert import central
expect_out "A's two certificates" "Imported 2 certificates of other clusters"
expect_exit 0 "show cert list on B" $PT --home $B show cert list
expect_out "A's publisher CallManager as Phone-SAST-trust" "Phone-SAST-trust/pubA.a.example_pubA: CN=pubA.a.example"
expect_out "and as CallManager-trust" "CallManager-trust/pubA.a.example_subA: CN=subA.a.example"
expect_true "B's own certificates are not imported into B" sh -c "! grep -q 'trust/pubB' '$SCRATCH/out'"
expect_exit 0 "importing again replaces, not duplicates" $PT --home $B utils bulk-cert import central
expect_exit 0 "show cert list" $PT --home $B show cert list
expect_true "still 2 x 2 entries" sh -c "[ \$(grep -c 'trust/pubA' '$SCRATCH/out') -eq 4 ]"
$PT --home $A set cert regen CallManager --yes >/dev/null
expect_exit 0 "after A regenerates, a new export and import refresh B" sh -c \
    "$PT --home $A utils bulk-cert export central >/dev/null && $PT utils bulk-cert consolidate central >/dev/null && $PT --home $B utils bulk-cert import central"
$PT --home $A show cert own CallManager > a-cm.pem
expect_true "B holds A's new certificate" sh -c "$PT --home $B show cert list | grep 'Phone-SAST-trust/pubA.a.example_pubA' | grep -q \"\$(openssl x509 -in a-cm.pem -noout -serial | cut -d= -f2 | tr A-F a-f)\""
expect_exit 6 "export from a subscriber is refused" $PT --home $A --node subA utils bulk-cert export central
expect_exit 2 "a malformed sftp location" $PT utils bulk-cert export sftp://nohost
printf '# cluster: x\n-----BEGIN CERTIFICATE-----\nMIIB\n' > broken/consolidated.pem 2>/dev/null || { mkdir broken; printf '# cluster: x\n-----BEGIN CERTIFICATE-----\nMIIB\n' > broken/consolidated.pem; }
expect_exit 3 "a truncated consolidated file is refused" $PT --home $B utils bulk-cert import broken
expect_exit 0 "and B's trust stores are unchanged" $PT --home $B show cert list
expect_true "still 4 entries" sh -c "[ \$(grep -c 'trust/pubA' '$SCRATCH/out') -eq 4 ]"

# the same over SFTP (seed 000: a central SFTP location)
mkdir -p $SFTP_ROOT/bulk
LOC="sftp://$SFTP_USER@127.0.0.1:$SFTP_PORT$SFTP_ROOT/bulk"
OPTS="--identity $SFTP_KEY --known-hosts $SFTP_KNOWN --accept-host-key"
expect_exit 0 "A exports over SFTP" $PT --home $A utils bulk-cert export $LOC $OPTS
expect_exit 0 "B exports over SFTP" $PT --home $B utils bulk-cert export $LOC $OPTS
expect_exit 0 "consolidate over SFTP" $PT utils bulk-cert consolidate $LOC $OPTS
expect_true "consolidated.pem on the server" test -s $SFTP_ROOT/bulk/consolidated.pem
expect_exit 0 "B imports over SFTP" $PT --home $B utils bulk-cert import $LOC $OPTS
expect_out "A's certificates" "Imported 2 certificates"
finish
