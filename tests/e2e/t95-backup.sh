# Disaster recovery (M19): backup -> restore -> byte-identical files, and
# what must fail: wrong password, tampering; a restore over a cluster put
# in place whole, the replaced one kept.
# Also: a crash in the middle of a rebuild leaves the served ITL intact,
# and two commands at once do not corrupt the database.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add sub --ip 192.0.2.11 >/dev/null
$PT device add SEP001122334455 --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
$PT --node sub utils service restart "Cisco Tftp" >/dev/null

expect_exit 6 "backup with the wrong security password" sh -c "echo nope | $PT utils disaster_recovery backup drs.bak"
expect_true "writes nothing" test ! -e drs.bak
expect_exit 0 "utils disaster_recovery backup" sh -c "echo secpw123 | $PT utils disaster_recovery backup drs.bak"
expect_true "the backup is 0600" sh -c "[ \"\$(stat -c %a drs.bak)\" = 600 ]"
expect_true "and encrypted: no key material in clear" sh -c "! grep -q 'PRIVATE KEY' drs.bak && ! grep -q 'SQLite format' drs.bak"

# the publisher is lost; restore into a new home
O=$SCRATCH/over
echo secpw123 | $PT --home $O utils disaster_recovery restore drs.bak >/dev/null
$PT --home $O device add SEP0011223344AA --model 8845 >/dev/null
expect_exit 6 "over a cluster, with the wrong password: refused" sh -c "echo nope | $PT --home $O utils disaster_recovery restore drs.bak"
expect_true "the cluster there as it was, nothing left beside it" sh -c \
    "$PT --home $O device show SEP0011223344AA >/dev/null && [ \"\$(ls -d $O.* 2>/dev/null)\" = '' ]"
expect_exit 0 "restore over a cluster (no phone has reported: nothing to strand)" sh -c "echo secpw123 | $PT --home $O utils disaster_recovery restore drs.bak"
expect_out "says where the replaced cluster is kept" "the cluster it replaced is kept in $O.replaced-"
expect_exit 2 "the restored cluster is the backup's" $PT --home $O device show SEP0011223344AA
expect_true "the replaced one is kept whole" sh -c "$PT --home $O.replaced-* device show SEP0011223344AA >/dev/null"
expect_exit 6 "restore with the wrong password" sh -c "echo nope | $PT --home $SCRATCH/restored utils disaster_recovery restore drs.bak"
expect_err "says so" "wrong cluster security password, or the file is damaged"
expect_true "and leaves nothing behind" sh -c "! ls -d $SCRATCH/restored* 2>/dev/null"
cp drs.bak bad.bak
python3 -c "b = bytearray(open('bad.bak', 'rb').read()); b[200] ^= 0xff; open('bad.bak', 'r+b').write(b)"  # one byte flipped
expect_exit 6 "a tampered backup is refused" sh -c "echo secpw123 | $PT --home $SCRATCH/restored utils disaster_recovery restore bad.bak"
expect_exit 3 "not a backup at all" sh -c "echo secpw123 | $PT --home $SCRATCH/restored utils disaster_recovery restore $V/tlv/tiny.tlv"
expect_exit 0 "utils disaster_recovery restore" sh -c "echo secpw123 | $PT --home $SCRATCH/restored utils disaster_recovery restore drs.bak"
expect_true "the restored cluster serves byte-identical files" sh -c \
    "diff -r $PHONETRUST_HOME/tftp/pub/ $SCRATCH/restored/tftp/pub/ && diff -r $PHONETRUST_HOME/tftp/sub/ $SCRATCH/restored/tftp/sub/"
expect_true "keys restored 0600 in a 0700 directory" sh -c \
    "[ \"\$(stat -c %a $SCRATCH/restored/keys)\" = 700 ] && [ -z \"\$(find $SCRATCH/restored/keys -type f ! -perm 0600)\" ]"
expect_exit 0 "the restored cluster works" $PT --home $SCRATCH/restored show itl
expect_exit 0 "and re-signs with the same keys" $PT --home $SCRATCH/restored show cert own CallManager
$PT show cert own CallManager > orig.pem
expect_true "same CallManager certificate" sh -c "$PT --home $SCRATCH/restored show cert own CallManager | cmp -s - orig.pem"
expect_exit 0 "admin password survives" sh -c "echo adminpw1 | $PT --home $SCRATCH/restored utils itl reset localkey"

# kill -9 at instants spread over a rebuild: the served ITL stays whole.
# The instants are fractions of a measured rebuild (400 devices, so there is
# time to be inside it; 100 under the sanitizers and for a mutant, where
# each rebuild is slower or only one failure is looked for), and enough of
# them must land while it runs.
DEVICES=400
[ "${PT_SANITIZE:-OFF}" = ON ] || [ -n "${PT_FAIL_FAST:-}" ] && DEVICES=100
$PT device add SEP001EF7000001 --count $DEVICES --model 8845 >/dev/null
cp $PHONETRUST_HOME/tftp/pub/ITLFile.tlv served.tlv
t0=$(date +%s%N)
$PT utils service restart "Cisco Tftp" >/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
inside=0
for delay in $(python3 -c "print(' '.join('%.3f' % ($ms * (i + 0.5) / 20 / 1000) for i in range(20)))"); do
    $PT utils service restart "Cisco Tftp" >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null && inside=$((inside + 1))
    wait $pid 2>/dev/null
done
expect_true "most of the 20 kills landed inside a rebuild ($inside; one takes ${ms} ms)" test $inside -ge 10
expect_exit 0 "after them the served ITL is whole and verifies" $PT show itl
expect_true "any leftover temporary file is hidden (never servable)" sh -c \
    "! ls $PHONETRUST_HOME/tftp/pub | grep -v -e '^ITLFile.tlv\$' -e '^SEP[0-9A-F]*.cnf.xml'"
expect_exit 0 "the next TFTP restart" $PT utils service restart "Cisco Tftp"
expect_true "sweeps the leftovers" sh -c "! ls -a $PHONETRUST_HOME/tftp/pub | grep -q '\.tmp\.'"

# a full disk (here: a file-size limit, with SIGXFSZ ignored so write()
# fails with EFBIG) while a file is written: the write fails after the
# output's temporary file is open; the old file stays, exit 4, no leftover
$PT cert create signer.pem --cn signer.lab.example >/dev/null
$PT tlv build out.tlv --signer signer.pem --record sast=signer.pem >/dev/null
cp out.tlv out.before
expect_exit 4 "a write that fails half way: exit 4" sh -c \
    "ulimit -f 1; trap '' XFSZ; exec $PT tlv build out.tlv --signer signer.pem --record sast=signer.pem --record tftp=signer.pem"
expect_err "says the write failed and the previous file is unchanged" "write failed (the previous file is unchanged)"
expect_same "the old file is intact" out.before out.tlv
expect_true "and no temporary file is left beside it" sh -c "! ls -a | grep -q '\.tmp\.'"
printf '<device>%04096d</device>' 0 > cfg.xml
$PT sgn build cfg.xml cfg.sgn --signer signer.pem --filename cfg.xml.sgn >/dev/null
cp cfg.sgn cfg.before
expect_exit 4 "the same for sgn build" sh -c \
    "ulimit -f 1; trap '' XFSZ; exec $PT sgn build cfg.xml cfg.sgn --signer signer.pem --filename cfg.xml.sgn"
expect_same "the old .sgn is intact" cfg.before cfg.sgn
# a rebuild of the cluster's files under the same limit: today it stops at
# the database (which cannot grow either) before any file is written; the
# served ITL is the previous one
cp $PHONETRUST_HOME/tftp/pub/ITLFile.tlv before.tlv
expect_true "a rebuild that cannot write fails" sh -c "ulimit -f 1; trap '' XFSZ; ! $PT utils service restart 'Cisco Tftp' >/dev/null 2>&1"
expect_same "and the served ITL is the previous one" before.tlv $PHONETRUST_HOME/tftp/pub/ITLFile.tlv

# two commands at once: both finish (one waits), the database stays sound
( $PT device add SEP0011223344A1 --model 8845 >/dev/null 2>&1; echo $? > r1 ) &
( $PT device add SEP0011223344A2 --model 8845 >/dev/null 2>&1; echo $? > r2 ) &
( $PT set cert regen TVS --yes --force >/dev/null 2>&1; echo $? > r3 ) &
wait
expect_true "all three succeeded" sh -c "[ \$(cat r1 r2 r3 | tr -d '\n') = 000 ]"
expect_true "database integrity" sh -c "sqlite3 $PHONETRUST_HOME/cluster.db 'PRAGMA integrity_check' | grep -qx ok"
expect_exit 0 "both devices are there" $PT device show SEP0011223344A2
finish
