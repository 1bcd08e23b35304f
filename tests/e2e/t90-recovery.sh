# The ITLRecovery key backup (M19) and utils itl reset remotekey (M18),
# against a real OpenSSH SFTP server on loopback.
. "$PT_TESTLIB"
. "$(dirname "$PT_TESTLIB")/sftp-server.sh"
export PHONETRUST_HOME=$SCRATCH/cluster
# the security password on standard input (file get and remotekey ask for it)
with_pw() { pw=$1; shift; printf '%s\n' "$pw" | "$@"; }
SFTP="--server 127.0.0.1 --port $SFTP_PORT --user $SFTP_USER --identity $SFTP_KEY --known-hosts $SFTP_KNOWN"
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add sub --ip 192.0.2.11 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
$PT --node sub utils service restart "Cisco Tftp" >/dev/null

LOG=$PHONETRUST_HOME/log/phonetrust.log
expect_true "the alert is logged once..." sh -c "[ \$(grep -c ITLRecoveryCertNotBackedUp $LOG) -eq 1 ]"
$PT node list >/dev/null; $PT show param >/dev/null
expect_true "...a day, however many commands run" sh -c "[ \$(grep -c ITLRecoveryCertNotBackedUp $LOG) -eq 1 ]"
faketime -f "+25h" $PT node list >/dev/null
expect_true "the next day it is logged again" sh -c "[ \$(grep -c ITLRecoveryCertNotBackedUp $LOG) -eq 2 ]"
expect_exit 0 "show alerts before the backup" $PT show alerts
expect_out "the daily ITLRecovery alert" "ITLRecoveryCertNotBackedUp"
expect_out "says what to do" "file get tftp ITLRecovery.p12"
expect_exit 6 "an unknown host key is refused" with_pw secpw123 $PT file get tftp ITLRecovery.p12 $SFTP --dir $SFTP_ROOT --yes
expect_err "and says how to accept it" "--accept-host-key"
expect_true "nothing was written" test ! -e $SFTP_ROOT/ITLRecovery.p12
expect_exit 0 "file get tftp ITLRecovery.p12" with_pw secpw123 $PT file get tftp ITLRecovery.p12 $SFTP --dir $SFTP_ROOT --yes --accept-host-key
expect_out "seed 001 text" "Please wait while the system is gathering files info ...done."
expect_out "seed 001 text" "Number of files affected: 1"
expect_out "seed 001 text" "Transfer completed."
expect_true "the file arrived on the SFTP server" test -s $SFTP_ROOT/ITLRecovery.p12
expect_true "the host key was remembered" test -s $SFTP_KNOWN
expect_true "a wrong password does not open it" sh -c \
    "! openssl pkcs12 -in $SFTP_ROOT/ITLRecovery.p12 -nokeys -passin pass:wrong >/dev/null 2>&1"
expect_true "cluster.db holds no .p12 password" sh -c \
    "! sqlite3 $PHONETRUST_HOME/cluster.db .dump | grep -qi p12_password"
salt=$(sqlite3 $PHONETRUST_HOME/cluster.db "SELECT p12_salt FROM cluster WHERE id = 1")
expect_true "the cluster has a random 128-bit salt" sh -c "echo $salt | grep -Eq '^[0-9a-f]{32}\$'"
p12pw=$(python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha256', b'secpw123', b'$salt', 100000).hex())")
expect_true "PBKDF2(security password, the cluster's salt) opens it" sh -c \
    "openssl pkcs12 -in $SFTP_ROOT/ITLRecovery.p12 -nodes -passin pass:$p12pw -out p12.pem 2>/dev/null"
legacy=$(python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha256', b'secpw123', b'phonetrust ITLRecovery.p12', 100000).hex())")
expect_true "the password every cluster with this security password shares does not" sh -c \
    "! openssl pkcs12 -in $SFTP_ROOT/ITLRecovery.p12 -nokeys -passin pass:$legacy >/dev/null 2>&1"
mkdir -p $SFTP_ROOT/typo
expect_exit 6 "a mistyped security password makes no file" with_pw secpw124 $PT file get tftp ITLRecovery.p12 $SFTP --dir $SFTP_ROOT/typo --yes
expect_err "says so" "security password"
expect_true "nothing was written" test ! -e $SFTP_ROOT/typo/ITLRecovery.p12
$PT show cert own ITLRecovery > itlrecovery.pem
expect_true "it holds the ITLRecovery certificate" sh -c \
    "[ \"\$(openssl x509 -in p12.pem -outform DER | sha256sum)\" = \"\$(openssl x509 -in itlrecovery.pem -outform DER | sha256sum)\" ]"
expect_true "and its private key" sh -c \
    "[ \"\$(openssl pkey -in p12.pem -pubout)\" = \"\$(openssl x509 -in itlrecovery.pem -noout -pubkey)\" ]"
expect_exit 0 "show alerts after the backup" $PT show alerts
expect_out "no alert" "No alerts"
faketime -f "+50h" $PT node list >/dev/null
expect_true "no more daily log lines once backed up" sh -c "[ \$(grep -c ITLRecoveryCertNotBackedUp $LOG) -eq 2 ]"
expect_exit 4 "on a subscriber there is no such file" with_pw secpw123 $PT --node sub file get tftp ITLRecovery.p12 $SFTP --dir $SFTP_ROOT --yes
expect_out "seed 001: file not found" "File not found"
expect_exit 4 "an unreachable SFTP server" with_pw secpw123 $PT file get tftp ITLRecovery.p12 --server 127.0.0.1 --port 1 --user x \
    --identity $SFTP_KEY --known-hosts $SFTP_KNOWN --dir /tmp --yes
expect_err "names the server" "sftp://x@127.0.0.1:1"
expect_exit 6 "a key the server does not accept" sh -c "ssh-keygen -q -t ecdsa -m PEM -N '' -f other_key </dev/null && \
    printf 'secpw123\\n' | $PT file get tftp ITLRecovery.p12 --server 127.0.0.1 --port $SFTP_PORT --user $SFTP_USER --identity other_key --known-hosts $SFTP_KNOWN --dir $SFTP_ROOT --yes"
cp $SFTP_KNOWN good_known
# the same host, another key of the same type
ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f impostor_key </dev/null
awk -v k="$(cut -d' ' -f2 impostor_key.pub)" '{ $3 = k; print }' good_known > bad_known
expect_exit 6 "a changed host key is refused" with_pw secpw123 $PT file get tftp ITLRecovery.p12 --server 127.0.0.1 --port $SFTP_PORT \
    --user $SFTP_USER --identity $SFTP_KEY --known-hosts bad_known --dir $SFTP_ROOT --yes
expect_err "says why" "does not match"

# the security password changes: the alert comes back (001)
expect_exit 0 "change the cluster security password" $PT set param "Cluster Security Password" newsecpw1
expect_exit 0 "show alerts" $PT show alerts
expect_out "the alert is back" "ITLRecoveryCertNotBackedUp"
mkdir -p $SFTP_ROOT/new
expect_exit 0 "back it up again" with_pw newsecpw1 $PT file get tftp ITLRecovery.p12 $SFTP --dir $SFTP_ROOT/new --yes
expect_exit 0 "show alerts" $PT show alerts
expect_out "cleared" "No alerts"
cp $PHONETRUST_HOME/tftp/pub/ITLFile.tlv phone-itl.tlv   # what the phones hold

# the publisher is rebuilt without a backup: new keys everywhere, same security password
rm -rf $PHONETRUST_HOME
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password newsecpw1 >/dev/null
$PT node add sub --ip 192.0.2.11 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
expect_true "the rebuilt cluster drew another salt" sh -c \
    "[ \"\$(sqlite3 $PHONETRUST_HOME/cluster.db 'SELECT p12_salt FROM cluster')\" != $salt ]"
$PT show itl phone-itl.tlv --json > old.json
$PT show itl --json > new.json
expect_true "phones cannot trust the rebuilt cluster's ITL: none of its SAST certificates is in theirs" python3 -c "
import json
old = {r['certificate_sha1'] for r in json.load(open('old.json'))['records'] if r['role_name'] == 'SAST'}
new = {r['certificate_sha1'] for r in json.load(open('new.json'))['records'] if r['role_name'] == 'SAST'}
assert not (old & new), (old, new)"
expect_exit 6 "remotekey with the old .p12 but a wrong password set is refused" sh -c \
    "printf 'adminpw1\nnewsecpw1\n' | $PT --home $SCRATCH/cluster utils itl reset remotekey 127.0.0.1 $SFTP_USER $SFTP_ROOT/ITLRecovery.p12 \
     --port $SFTP_PORT --identity $SFTP_KEY --known-hosts $SFTP_KNOWN"
expect_err "says the .p12 does not open" "does not open with this cluster's security password"
expect_exit 0 "utils itl reset remotekey" sh -c \
    "printf 'adminpw1\nnewsecpw1\n' | $PT utils itl reset remotekey 127.0.0.1 $SFTP_USER $SFTP_ROOT/new/ITLRecovery.p12 \
     --port $SFTP_PORT --identity $SFTP_KEY --known-hosts $SFTP_KNOWN"
expect_out "seed 001 progress" "The reset ITL file was generated successfully"
expect_out "every TFTP node" "Successfully transferred reset ITL to node sub"
# the phones' old ITL has the old ITLRecovery record: the new ITL must be signed by it
expect_true "the reset ITL is signed by the old ITLRecovery key (the one the phones know)" sh -c "
    $PT show cert own ITLRecovery > restored.pem &&
    $PT sgn verify $PHONETRUST_HOME/tftp/pub/ITLFile.tlv --cert restored.pem >/dev/null &&
    python3 -c \"
import json, subprocess
old = json.load(open('old.json'))
rec = [r for r in old['records'] if r['subject_name'].startswith('CN=ITLRECOVERY_')][0]
der = subprocess.run(['openssl', 'x509', '-in', 'restored.pem', '-outform', 'DER'], capture_output=True).stdout
import hashlib
assert hashlib.sha1(der).hexdigest() == rec['certificate_sha1'], 'restored key is not the one in the phones ITL'
\""
expect_exit 0 "the rebuilt cluster's reset ITL verifies" $PT show itl
expect_out "signed by the restored ITLRecovery record" "This etoken was used to sign the ITL file."
expect_true "the restored key replaced the local one" sh -c "$PT show cert own ITLRecovery | cmp -s - restored.pem"

# a cluster from before the random salt (schema 8 kept the .p12 password) is upgraded when opened
sqlite3 $PHONETRUST_HOME/cluster.db "ALTER TABLE cluster ADD COLUMN p12_password TEXT; UPDATE cluster SET p12_password = 'kept';
    ALTER TABLE cluster DROP COLUMN p12_salt; DROP TABLE itl_records; ALTER TABLE cluster DROP COLUMN change_seq; \
    ALTER TABLE certs DROP COLUMN changed_seq; ALTER TABLE itl_state DROP COLUMN built_seq;
    UPDATE nodes SET services = services & 7; DELETE FROM certs WHERE name = 'ITLRecovery' AND node = 'sub';
    PRAGMA user_version = 8"
expect_exit 0 "the upgraded cluster's nodes" $PT node list
expect_out "CAPF was always active on the publisher before it could be deactivated" "publisher  tftp,tvs,callmanager,capf"
expect_true "a subscriber from before its own ITLRecovery shows the publisher's" sh -c \
    "$PT --node sub show cert own ITLRecovery | cmp -s - \$($PT show cert own ITLRecovery >pubrec.pem; echo pubrec.pem)"
expect_exit 0 "until it regenerates its own" $PT --node sub set cert regen ITLRecovery --yes
expect_true "then it has one, named after it" sh -c \
    "$PT --node sub show cert own ITLRecovery | openssl x509 -noout -subject | grep -q ITLRECOVERY_sub"
expect_true "and the publisher's is as it was" sh -c "$PT show cert own ITLRecovery | cmp -s - pubrec.pem"
expect_true "the upgrade drops the kept .p12 password" sh -c \
    "! sqlite3 $PHONETRUST_HOME/cluster.db .dump | grep -qi -e p12_password -e kept"
expect_true "and gives the cluster a salt" sh -c \
    "sqlite3 $PHONETRUST_HOME/cluster.db 'SELECT p12_salt FROM cluster' | grep -Eq '^[0-9a-f]{32}\$'"
# a .p12 saved before the salt (the fixed one, none in its name) still opens
legacy=$(python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha256', b'newsecpw1', b'phonetrust ITLRecovery.p12', 100000).hex())")
openssl pkcs12 -export -in p12.pem -inkey p12.pem -name ITLRecovery -passout pass:$legacy -out $SFTP_ROOT/legacy.p12
expect_exit 0 "utils itl reset remotekey with a .p12 from before the salt" sh -c \
    "printf 'adminpw1\nnewsecpw1\n' | $PT utils itl reset remotekey 127.0.0.1 $SFTP_USER $SFTP_ROOT/legacy.p12 \
     --port $SFTP_PORT --identity $SFTP_KEY --known-hosts $SFTP_KNOWN"
expect_true "its key is now the local one" sh -c "$PT show cert own ITLRecovery | openssl x509 -noout -pubkey | cmp -s - \
    \$(openssl x509 -in p12.pem -noout -pubkey > p12pub.pem; echo p12pub.pem)"
finish
