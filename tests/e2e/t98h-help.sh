# The command table: every command explains itself (--help: exit 0, its
# words, the cluster untouched), refuses what it does not know, reads MACs
# in any form and durations with their unit; every --json is valid JSON.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT device add SEP001122334455 --model 8845 >/dev/null
db_sum() { sha1sum $PHONETRUST_HOME/cluster.db $PHONETRUST_HOME/audit.log 2>/dev/null | cut -c1-40 | tr '\n' ' '; }

expect_exit 0 "a group's help: utils service --help" $PT utils service --help
expect_out "lists its commands" "utils service restart"
expect_exit 0 "help WORDS" $PT help set cert regen
expect_out "prints that command's help" "usage: phonetrust set cert regen NAME"
expect_out "with the certificates it takes" "ITLRecovery"
expect_exit 2 "an unknown command" $PT frobnicate
expect_err "is named" "unknown command 'frobnicate'"
expect_exit 2 "an unknown subcommand" $PT device frobnicate
expect_err "lists the group's commands" "device add"
expect_exit 2 "a missing argument" $PT sgn verify
expect_err "is named with the usage" "missing FILE"
expect_exit 2 "a choice outside the list" $PT set cert regen Tomcat --yes
expect_err "lists the choices" "CallManager|CallManager-ECDSA|TVS|CAPF|ITLRecovery"
expect_exit 0 "a choice in another case is CUCM's spelling" $PT show cert own callmanager --json
expect_out "as CallManager" '"name":"CallManager"'

# a signed file whose header file name is not UTF-8: escaped, never copied
printf 'hello\n' >hello.txt
$PT cert create signer.pem --cn signer >/dev/null
$PT sgn build hello.txt hello.sgn --signer signer.pem --filename "$(printf 'caf\351\377.txt')" >/dev/null
$PT tlv dump hello.sgn --json >j.out
expect_true "tlv dump --json of a file name that is not UTF-8: valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' j.out
expect_true "the bytes escaped, never copied" grep -qF 'caf\u00e9\u00ff.txt' j.out

# durations carry their unit; MACs in four forms
expect_exit 2 "a duration without its unit" $PT tvs add no-such.pem --roles tvs --ttl 3600
expect_err "says how to write one" "give a duration with its unit: 500ms, 10s, 5m, 2h or 1d"
expect_exit 2 "out of range" $PT serve --timeout 2h
i=0
for mac in SEP001EF7000001 001ef7000002 00:1e:f7:00:00:03 00-1E-F7-00-00-04; do
    i=$((i + 1))
    expect_exit 0 "device add $mac" $PT device add $mac --model 8845
    expect_out "is SEP001EF700000$i" "Device SEP001EF700000$i added"
done
expect_exit 0 "device show in another form" $PT device show 00:1E:F7:00:00:02
expect_out "finds it" "SEP001EF7000002"
expect_exit 2 "the same phone in another form is the same device" $PT device add 001e.f700.0001 --model 7841
expect_err "that already exists" "already exists"
expect_exit 2 "not a MAC" $PT phone show --mac 00:11:22:33:44
expect_err "says so" "not a MAC address"

# no progress bar when standard error is not a terminal: the summary line only
expect_exit 0 "device add --count to a file" $PT device add SEP003EF7000001 --count 50 --model 8845
expect_true "no progress bar in it" sh -c "! grep -q '#' $SCRATCH/err && ! grep -q \"\$(printf '\\r')\" $SCRATCH/err"
expect_out "the summary line" "50 devices added from SEP003EF7000001 (8845), their configuration files served, in"

# every command of the table (after the quick checks above: a planted bug shows sooner)
before=$(db_sum)
expect_exit 0 "help --commands" $PT help --commands
cp $SCRATCH/out commands.txt
expect_true "the table has every command ($(wc -l <commands.txt))" test "$(wc -l <commands.txt)" -ge 70

# every command: --help (and -h) exit 0 with its own usage; nothing opened for writing, nothing audited
bad=""
while read -r words; do
    set -f; set -- $words; set +f
    $PT "$@" --help >h.out 2>h.err || bad="$bad [$words --help: exit $?]"
    grep -qF "usage: phonetrust $words" h.out || bad="$bad [$words --help: no usage line]"
done <commands.txt
# -h, and an unknown option (under the sanitizers, which start each process
# ten times slower, on every fourth row: the normal build's run covers them all)
step=1
[ "${PT_SANITIZE:-OFF}" = ON ] && step=4
expect_true "every command: --help exits 0 with its usage${bad:+:$bad}" test -z "$bad"
expect_true "and the cluster database and audit log are byte-identical after all of them" test "$(db_sum)" = "$before"
bad=""
awk -v step=$step 'NR % step == 0' commands.txt >sample.txt
while read -r words; do
    set -f; set -- $words; set +f
    $PT "$@" -h >h.out 2>/dev/null || bad="$bad [$words -h: exit $?]"
    grep -qF "usage: phonetrust $words" h.out || bad="$bad [$words -h: no usage line]"
    # an unknown option: exit 2, named, whatever else the command needs
    $PT "$@" --no-such-option >u.out 2>u.err; rc=$?
    [ $rc -eq 2 ] || bad="$bad [$words --no-such-option: exit $rc]"
    grep -qF "unknown option --no-such-option" u.err || bad="$bad [$words: unknown option not named]"
done <sample.txt
expect_true "every command: -h is the help too; an unknown option is refused, named${bad:+:$bad}" test -z "$bad"
expect_true "and the cluster database is byte-identical (the refused changes are in the audit log only)" \
    test "$(sha1sum <$PHONETRUST_HOME/cluster.db)" = "$(echo "$before" | cut -d' ' -f1)  -"
expect_true "no security profile named --help was made" sh -c "! $PT device profile --help | grep -q 'Security profile --help'"
(cd $SCRATCH && $PT utils bulk-cert export --help >/dev/null)
expect_true "no file named --help was written" test ! -e $SCRATCH/--help
# every --json is valid JSON
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }
bad=""
cp $PHONETRUST_HOME/tftp/pub/ITLFile.tlv itl.tlv
$PT cert create tvs.pem --cn tvs --role tvs >/dev/null
$PT tvs add tvs.pem --roles tvs --ttl 1h >/dev/null
for cmd in "show itl" "show itl itl.tlv" "tlv dump itl.tlv" "tlv dump hello.sgn" "sgn verify itl.tlv" \
    "sgn verify hello.sgn --cert signer.pem" "sgn verify hello.sgn" "node list" "show param" \
    "show param Cluster Security Mode" "show cert list" "show cert own TVS" "show itl records" "show alerts" \
    "show audit" "show itl-status" "device list" "device show 001122334455" "tvs lookup tvs.pem" \
    "tvs lookup signer.pem"; do
    set -f; set -- $cmd; set +f
    $PT "$@" --json >j.out 2>/dev/null
    json_ok j.out 2>/dev/null || bad="$bad [$cmd: $(head -c 80 j.out)]"
done
expect_true "every --json above is valid JSON${bad:+:$bad}" test -z "$bad"
finish
