# Moving from the usecallmanager tools: an installation built as certutils
# and daemons build it (tlvfile's ITL signed by a SAST, Asterisk's
# certificate as CCM+TFTP, tvsctl's and capfctl's databases in their
# schemas), a fleet holding its ITL, `utils import usecallmanager`, and the
# fleet reset against phonetrust: every phone trusts, none is locked - and
# again after a TFTP restart.  Without the import the same fleet locks.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
set -- $(free_ports 5)
TFTP=$1 HTTP=$2 TVS=$3 CAPF=$4 DEAD=$5
OLD=$SCRATCH/old
mkdir -p $OLD

# the old installation: gencert/mkcert's CA as SAST (20 years), Asterisk and
# Apache signed by it, capfd's certificate, LSCs it issued
$PT cert create $OLD/ca.pem --cn "Certificate Authority" --rsa 2048 --years 20 >/dev/null
$PT cert create $OLD/asterisk.pem --cn Asterisk --issuer $OLD/ca.pem --rsa 2048 >/dev/null
$PT cert create $OLD/apache.pem --cn Apache --issuer $OLD/ca.pem --rsa 2048 >/dev/null
$PT cert create $OLD/capf.pem --cn CAPF-usecallmanager --issuer $OLD/ca.pem --rsa 2048 >/dev/null
for n in 01 02 03; do
    $PT cert create $OLD/lsc$n.pem --cn SEP001EF70000$n --issuer $OLD/ca.pem --rsa 2048 --days 365 >/dev/null
done
# tlvfile: ITLFile.tlv signed by the SAST (its record first), Asterisk as CCM+TFTP
$PT tlv build $OLD/ITLFile.tlv --signer $OLD/ca.pem --record ccm+tftp=$OLD/asterisk.pem >/dev/null
# tvsctl's and capfctl's databases, in their schemas
python3 - $OLD <<'EOF'
import sqlite3, subprocess, sys
old = sys.argv[1]
def pem(f): return open(f"{old}/{f}").read()[open(f"{old}/{f}").read().index("-----BEGIN CERTIFICATE"):]
def fp(f):
    der = subprocess.run(["openssl", "x509", "-in", f"{old}/{f}", "-outform", "DER"], capture_output=True, check=True).stdout
    import hashlib; return hashlib.sha256(der).hexdigest()
t = sqlite3.connect(f"{old}/tvs.sqlite3")
t.execute("CREATE TABLE certificates (certificate_hash TEXT PRIMARY KEY, serial_number TEXT NOT NULL, "
          "subject_name TEXT NOT NULL, issuer_name TEXT NOT NULL, certificate TEXT NOT NULL, roles TEXT NOT NULL, "
          "ttl INTEGER) WITHOUT ROWID")
t.execute("INSERT INTO certificates VALUES (?, '01', 'CN=Apache', 'CN=Certificate Authority', ?, 'APP-SERVER', 3600)",
          (fp("apache.pem"), pem("apache.pem")))
t.execute("INSERT INTO certificates VALUES (?, '02', 'CN=Asterisk', 'CN=Certificate Authority', ?, 'CCM,TFTP', 86400)",
          (fp("asterisk.pem"), pem("asterisk.pem")))
t.commit()
c = sqlite3.connect(f"{old}/capf.sqlite3")
c.execute("CREATE TABLE devices (device_name TEXT PRIMARY KEY, operation TEXT NOT NULL, authentication TEXT, "
          "password TEXT, key_size INTEGER, curve_name TEXT, certificate TEXT, serial_number TEXT, "
          "not_valid_before TEXT, not_valid_after TEXT) WITHOUT ROWID")
for i in range(1, 21):
    name = "SEP001EF7%06X" % i
    row = [name, "none", "no password", None, None, None, None, None, None, None]
    if i <= 3:
        row[6] = pem(f"lsc{i:02d}.pem")
    elif i in (4, 5):
        row[1:5] = ["install", "password", "1234%d" % i, 2048]
    elif i == 6:
        row[1:6] = ["install", "certificate", None, None, "secp384r1"]
    elif i == 7:
        row[1:5] = ["install", "password", "abc", 2048]
    c.execute("INSERT INTO devices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
c.commit()
EOF

# the fleet as it is today: 20 phones holding that ITL
$PT fleet boot --count 20 --first-mac 001EF7000001 --model 8845 --tftp 127.0.0.1:$DEAD --timeout 200ms >/dev/null 2>&1
for p in $PHONETRUST_PHONES/SEP*; do cp $OLD/ITLFile.tlv $p/ITLFile.tlv; done

# the new cluster
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null
$PT set param "CAPF Phone Port" $CAPF >/dev/null
$PT device add SEP001EF7000001 --count 20 --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF
fleet() { $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP --json "$@"; }
counts() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["trusted"], j["locked"])' $SCRATCH/out; }

# without the import, the same fleet locks (a copy of it, reset against the new cluster)
cp -a $PHONETRUST_PHONES $SCRATCH/control
expect_exit 1 "without the import: the fleet is locked (exit 1)" env PHONETRUST_PHONES=$SCRATCH/control \
    $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP --json
expect_true "all 20 locked" test "$(counts)" = "0 20"

expect_exit 2 "the import needs the SAST" $PT utils import usecallmanager --tvs-db $OLD/tvs.sqlite3
expect_err "says which" "--sast PEM"
$PT cert create $SCRATCH/certonly.pem --cn x --rsa 2048 >/dev/null
openssl x509 -in $SCRATCH/certonly.pem -out $SCRATCH/certonly.crt
expect_exit 5 "a SAST without its key: exit 5" $PT utils import usecallmanager --sast $SCRATCH/certonly.crt
expect_err "says the key is missing" "certonly.crt: no usable private key"
printf 'not a database' >$SCRATCH/bad.sqlite3
expect_exit 3 "a file that is not tvsctl's database: refused, nothing changed" \
    $PT utils import usecallmanager --sast $OLD/ca.pem --tvs-db $SCRATCH/bad.sqlite3
expect_err "names it" "bad.sqlite3"
expect_true "nothing changed: CallManager is still the cluster's own" sh -c "! $PT show cert own CallManager | cmp -s - $OLD/ca.pem"

expect_exit 0 "utils import usecallmanager" $PT utils import usecallmanager --sast $OLD/ca.pem --tftp $OLD/asterisk.pem \
    --tvs-db $OLD/tvs.sqlite3 --capf-db $OLD/capf.sqlite3 --capf $OLD/capf.pem
expect_out "says what it took" "capf.sqlite3: 20 devices (0 new), 3 LSCs, 3 operations scheduled"
expect_out "from TVS" "tvs.sqlite3: 2 certificates for TVS"
expect_err "and what it could not" "SEP001EF7000007: install by authentication string: the string is not 4 to 10 digits"
expect_exit 0 "show itl" $PT show itl
expect_out "the ITL is signed by the old SAST" "CN=Certificate Authority"
expect_out "it verifies" "The ITL file was verified successfully."
expect_exit 0 "TVS vouches for the services server as the old TVS did" $PT tvs lookup $OLD/apache.pem
expect_out "with its role" "APP-SERVER"
expect_exit 0 "device show" $PT device show SEP001EF7000002
expect_out "the LSC capfd issued is on record" "LSC:                  Installed"
expect_exit 0 "device show SEP001EF7000004" $PT device show SEP001EF7000004
expect_out "its operation is scheduled" "Certificate Operation: install"
settle

expect_exit 0 "the fleet reset against phonetrust after the import" fleet
expect_true "every phone trusts, none locked" test "$(counts)" = "20 0"
expect_true "the ITL they hold is phonetrust's" cmp -s $PHONETRUST_PHONES/SEP001EF7000011/ITLFile.tlv $PHONETRUST_HOME/tftp/pub/ITLFile.tlv
expect_exit 0 "utils service restart Cisco Tftp" $PT utils service restart "Cisco Tftp"
expect_exit 0 "a second reset" fleet
expect_true "still every phone trusts, none locked" test "$(counts)" = "20 0"

expect_exit 0 "running the import again completes or repeats it" $PT utils import usecallmanager --sast $OLD/ca.pem \
    --tftp $OLD/asterisk.pem --tvs-db $OLD/tvs.sqlite3 --capf-db $OLD/capf.sqlite3 --capf $OLD/capf.pem
expect_exit 0 "show itl records" $PT show itl records
expect_true "Asterisk's certificate once, as CCM" test "$(grep -c usecallmanager-tftp $SCRATCH/out)" = 1
# later changes follow the normal rules: a new CallManager key, vouched for by TVS
expect_exit 0 "CallManager regenerated (the old SAST retires)" $PT set cert regen CallManager --yes --force
expect_exit 0 "Cisco Tftp restarted" $PT utils service restart "Cisco Tftp"
settle
expect_exit 0 "a third reset" fleet
expect_true "every phone takes the new ITL through TVS" test "$(counts)" = "20 0"
$PT show itl --json >$SCRATCH/itl.json
expect_true "signed by the new key, no longer the old SAST's" python3 -c '
import hashlib, json, subprocess, sys
j = json.load(open(sys.argv[1]))
signer = [r for r in j["records"] if r.get("signer")][0]["certificate_sha1"]
old = hashlib.sha1(subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-outform", "DER"], capture_output=True).stdout).hexdigest()
assert signer != old and j["verified"], (signer, old)' $SCRATCH/itl.json $OLD/ca.pem

finish
