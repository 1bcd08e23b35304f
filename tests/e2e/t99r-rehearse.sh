# rehearse PLAN: a change tried on a copy of the cluster and the fleet.
# A two-node cluster on loopback and 200 phones (half on each node; 40
# under the sanitizers, which run it five times slower) that hold its ITL;
# two plans of seed 003:
# - the safe order (TVS, the phones take it, CallManager): nobody locked,
#   exit 0, every step as it would go for real (the hold timer passed by
#   "wait 6m");
# - the unsafe one (CallManager while the phones hold the old TVS): the
#   guard rail refuses it inside the rehearsal too, --force is allowed
#   there, and the count it predicts is the count that locks at the reset;
#   the first stranding step is named, with the phone's own words; exit 1;
# - the real cluster home, its served files, the phones' state and the real
#   servers are untouched (hashes before and after; no request reached them);
# - a plan that would reach outside the copy is refused before anything runs.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
# a planted bug (make mutate) may leave a copy's servers running: not past this test
at_exit "pkill -f '$TMPDIR/phonetrust-rehears[e]-' 2>/dev/null"
# 200 phones; 40 under the sanitizers, and for a mutant (make mutate): a
# planted bug shows on 40 phones as on 200
N=200
[ "${PT_SANITIZE:-OFF}" = ON ] || [ -n "${PT_FAIL_FAST:-}" ] && N=40
HALF=$((N / 2))

# plans that would reach outside the copy: refused before anything runs
printf 'reset\n--home /tmp/elsewhere show itl-status\n' >p1.plan
expect_exit 3 "another --home" $PT rehearse p1.plan
expect_err "named with its line" "p1.plan: line 2: --home: a rehearsal runs on its own copy only"
printf 'serve --addr 0.0.0.0\n' >p2.plan
expect_exit 3 "a server" $PT rehearse p2.plan
expect_err "what a plan holds" "line 1: 'serve --addr 0.0.0.0' cannot be rehearsed"
printf 'wait 5 minutes\n' >p3.plan
expect_exit 3 "a wait it cannot read" $PT rehearse p3.plan
printf 'utils disaster_recovery backup /tmp/x.bak\n' >p4.plan
expect_exit 3 "a file written outside the copy" $PT rehearse p4.plan
expect_true "nothing was copied for them" sh -c "[ -z \"\$(ls -A $TMPDIR)\" ]"
set -- $(free_ports 3)
TFTP=$1 HTTP=$2 TVS=$3
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add sub --ip 127.0.0.2 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null
$PT device add SEP001EF7200001 --count $N --model 8845 >/dev/null
LOG=$SCRATCH/pub.log
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --log $LOG &
P1=$!
$PT --node sub serve $SERVE_AS --addr 127.0.0.2 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --log sub.log &
P2=$!
at_exit "kill $P1 $P2 2>/dev/null"
for _ in $(seq 50); do [ "$(cat $LOG sub.log 2>/dev/null | grep -c 'SERVE node')" = 2 ] && break; sleep 0.1; done
SERVERS=127.0.0.1:$TFTP,127.0.0.2:$TFTP
expect_exit 0 "$N phones boot, half on each node" sh -c "$PT fleet boot --count $N --first-mac 001EF7200001 --model 8845 \
    --tftp $SERVERS --http-port $HTTP --timeout 1000ms --no-progress >fleet.out 2>&1"
expect_true "they all reported the ITL their node serves" sh -c "$PT show itl-status | tail -1 | grep -q '$N Match'"

# what must not change: the home (the database's contents, keys, served
# files), every phone's state, and what reached the real servers
state() {
    python3 -c '
import hashlib, os, sqlite3, sys
h = hashlib.sha256()
db = sqlite3.connect("file:%s/cluster.db?mode=ro" % sys.argv[1], uri=True)
for line in db.iterdump():
    h.update(line.encode())
for top in (sys.argv[1] + "/keys", sys.argv[1] + "/tftp", sys.argv[2]):
    for d, _, fs in sorted(os.walk(top)):
        for f in sorted(fs):
            p = os.path.join(d, f)
            st = os.stat(p)
            h.update(p.encode() + open(p, "rb").read() + str((st.st_mode, st.st_mtime_ns)).encode())
print(h.hexdigest())' "$PHONETRUST_HOME" "$PHONETRUST_PHONES"
    grep -c "RRQ\|DeviceTLInfo\|TVS" $LOG sub.log
}
echo secpw123 | $PT utils disaster_recovery backup $SCRATCH/old.bak >/dev/null
state >before

# (the stop and the restore first: a planted bug in either shows in seconds)
# stopped (TERM, as Ctrl-C or a hang-up): after the step it is in, its
# copy - the keys in it - and its servers gone, ended by the signal
printf 'reset\nwait 6m\nreset\nreset\nreset\nreset\nreset\nreset\n' >long.plan
$PT rehearse long.plan --tftp $SERVERS >int.out 2>int.err &
R=$!
for _ in $(seq 100); do ls $TMPDIR/phonetrust-rehearse-*/logs/* >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.5
kill -TERM $R
wait $R
expect_true "ended by the signal ($?)" test $? -eq 143
expect_true "it says so, and stopped after the step it was in, not at the end of the plan" \
    sh -c "n=\$(sed -n 's/.*interrupted after step \([0-9]*\);.*/\1/p' int.err); [ -n \"\$n\" ] && [ \"\$n\" -lt 8 ]"
expect_true "its copy is gone" sh -c "[ -z \"\$(ls -A $TMPDIR)\" ]"
expect_true "and its servers" sh -c "! pgrep -f '$TMPDIR/phonetrust-rehears[e]-' >/dev/null"

# restoring a backup from before a CallManager and TVS change (seed 003):
# refused, then forced; the restored copy served from the next reset
cat >restore.plan <<PLAN
set cert regen TVS
--node sub set cert regen TVS
utils service restart "Cisco Trust Verification Service"
--node sub utils service restart "Cisco Trust Verification Service"
utils service restart "Cisco Tftp"
--node sub utils service restart "Cisco Tftp"
reset
wait 6m
set cert regen CallManager
utils service restart "Cisco Tftp"
reset
utils disaster_recovery restore $SCRATCH/old.bak
utils disaster_recovery restore $SCRATCH/old.bak --force
reset
PLAN
expect_exit 1 "an old backup restored: exit 1" sh -c "printf 'secpw123\nsecpw123\n' | $PT rehearse restore.plan --tftp $SERVERS --json >res.json 2>res.err"
expect_true "refused, then forced: the predicted count is the count that locks" python3 -c '
import json, re, sys
r = json.load(open(sys.argv[1]))
s = r["steps"]
assert s[10]["locked"] == 0 and s[10]["trusted"] == int(sys.argv[2]), s[10]
assert s[11]["result"] == "refused" and "Restoring this backup now would strand" in s[11]["message"], s[11]
assert s[12]["result"] == "ok", s[12]
predicted = int(re.search(r"--force: (\d+) phones", s[12]["message"]).group(1))
assert predicted > 0 and s[13]["locked"] == predicted == r["locked_at_end"], (predicted, s[13])' res.json $N


cat >safe.plan <<'PLAN'
# TVS first; the phones take the ITL that holds it; then CallManager
set cert regen TVS
utils service restart "Cisco Trust Verification Service"
utils service restart "Cisco Tftp"
--node sub utils service restart "Cisco Tftp"
reset
wait 6m
set cert regen CallManager
utils service restart "Cisco Tftp"
reset
PLAN
expect_exit 0 "the safe order: exit 0" $PT rehearse safe.plan --tftp $SERVERS --json
expect_true "every step as it would go, nobody locked at either reset" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["steps"]
assert [x["result"] for x in s] == ["ok"] * 4 + ["booted", "waited", "ok", "ok", "booted"], [x["result"] for x in s]
n = int(sys.argv[2])
assert s[4]["trusted"] == n and s[4]["locked"] == 0, s[4]
assert s[8]["trusted"] == n and s[8]["locked"] == 0, s[8]
assert s[6]["message"] == "" and r["stranded"] is None and r["locked_at_end"] == 0, r' $SCRATCH/out $N

cat >unsafe.plan <<'PLAN'
# CallManager 6 minutes after TVS, the phones still holding the old TVS
set cert regen TVS
utils service restart "Cisco Trust Verification Service"
utils service restart "Cisco Tftp"
--node sub utils service restart "Cisco Tftp"
wait 6m
set cert regen CallManager
set cert regen CallManager --force
utils service restart "Cisco Tftp"
reset
PLAN
expect_exit 1 "the unsafe order: exit 1 (phones end locked)" $PT rehearse unsafe.plan --tftp $SERVERS
cp $SCRATCH/out unsafe.txt
expect_true "refused inside the rehearsal; forced; the predicted count is the count that locks" python3 -c '
import re, sys
t = open(sys.argv[1]).read()
rows = {int(m.group(1)): m.group(0) for m in re.finditer(r"^ +(\d+) +\d+  .*$", t, re.M)}
assert re.search(r"set cert regen CallManager +refused", rows[6]), rows[6]
half = int(sys.argv[2])
assert "would strand %d phones" % half in t.split(rows[6])[1].split(rows[7])[0], t
assert re.search(r"set cert regen CallManager --force +ok", rows[7]), rows[7]
predicted = int(re.search(r"--force: (\d+) phones will be stranded", t).group(1))
trusting, locked = map(int, re.search(r"reset +booted +(\d+) +(\d+)", rows[9]).groups())
assert predicted == half == locked and trusting == half, (predicted, rows[9])
assert "At the end: %d phones locked." % half in t, t' unsafe.txt $HALF
expect_out "the step that strands, and the command it is put down to" \
    "First stranded: step 9 (reset, line 10) locked $HALF phones, after step 7 (line 8: set cert regen CallManager --force)"
expect_out "in the phone's own words" "SEP001EF7200001: ITLFile.tlv (ITLSEP001EF7200001.tlv) refused: ITL: signer CN=pub.lab.example is not a SAST of the installed ITL, not in the CTL, and TVS does not vouch for it"
expect_out "the refusal under its row" "| Regenerating CallManager on pub now would strand $HALF phones"

# seed 003's way back, rehearsed: the ITL re-signed with the recovery key
# the phones hold; the password it asks for read from the rehearsal's input
{ sed '/^reset$/d' unsafe.plan; cat <<'PLAN'; } >recover.plan
reset
utils itl reset localkey
reset
utils service restart "Cisco Tftp"
reset
PLAN
expect_exit 0 "stranded, then brought back: exit 0" sh -c "echo adminpw1 | $PT rehearse recover.plan --tftp $SERVERS --json >rec.json 2>rec.err"
expect_true "the reset asked for the password on the rehearsal's terminal, naming its step" \
    grep -q 'step 10 (line 11): Enter CCM Administrator password :' rec.err
expect_true "locked at the first reset, trusting again after the ITL reset and the TFTP restart" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["steps"]
n, half = int(sys.argv[2]), int(sys.argv[3])
assert s[8]["locked"] == half, s[8]
assert s[9]["result"] == "ok" and s[10]["locked"] == 0, (s[9], s[10])
assert s[12]["trusted"] == n and r["locked_at_end"] == 0, s[12]' rec.json $N $HALF

state >after
expect_same "the real home, served files and phones are untouched; no request reached the real servers" before after
expect_true "and the copies are gone" sh -c "[ -z \"\$(ls -A $TMPDIR)\" ]"
expect_exit 0 "for real, the phones are all still current" sh -c "$PT show itl-status | tail -1 | grep -q '$N Match'"

finish
