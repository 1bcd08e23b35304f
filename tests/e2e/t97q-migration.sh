# Seed scenarios across two clusters on loopback, with simulated phones
# (issue 6, continued): 5 migration prepared by the rollback parameter (M26),
# 6 migration without preparation, 7 migration by bulk certificates (M27),
# 13 ITLRecovery regeneration found by show itl-status, 14 rollback to a
# release without ITL and back (M21).
. "$PT_TESTLIB"
export PHONETRUST_PHONES=$SCRATCH/phones
A=$SCRATCH/a B=$SCRATCH/b
set -- $(free_ports 6)
TA=$1 HA=$2 SA=$3 TB=$4 HB=$5 SB=$6
ROLLBACK="Prepare Cluster for Rollback to pre-8.0"
for c in "$A pubA a.example $SA" "$B pubB b.example $SB"; do
    set -- $c
    $PT --home $1 install --publisher $2 --domain $3 --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
    $PT --home $1 set param "TVS Port" $4 >/dev/null
    for mac in 001122334401 001122334402 001122334403 001122334404; do
        $PT --home $1 device add SEP$mac --model 8845 >/dev/null
    done
    $PT --home $1 device add SEP001EF7000001 --count 20 --model 8845,7965 >/dev/null   # a fleet's phones
    $PT --home $1 utils service restart "Cisco Tftp" >/dev/null
done
$PT --home $A serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TA --http-port $HA --tvs-port $SA --capf-port 0 --log $SCRATCH/a.log &
SA_PID=$!
$PT --home $B serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TB --http-port $HB --tvs-port $SB --capf-port 0 --log $SCRATCH/b.log &
SB_PID=$!
at_exit 'kill $SA_PID $SB_PID 2>/dev/null'
for _ in $(seq 50); do grep -q "SERVE node" $SCRATCH/a.log $SCRATCH/b.log 2>/dev/null && [ $(cat $SCRATCH/a.log $SCRATCH/b.log | grep -c "SERVE node") = 2 ] && break; sleep 0.1; done
settle_init $SCRATCH/a.log
onA() { $PT phone boot --mac $1 --tftp 127.0.0.1:$TA --http-port $HA ${2:+--model $2}; }
onB() { $PT phone boot --mac $1 --tftp 127.0.0.1:$TB --http-port $HB; }
itl_of() { $PT phone show --mac $1 --json | python3 -c 'import json,sys; i=json.load(sys.stdin)["itl"]; print(i["sha1"] if i else "none")'; }
served() { sha1sum $1/tftp/$2/ITLFile.tlv | cut -c1-40; }
for mac in 001122334401 001122334402 001122334403 001122334404; do
    expect_exit 0 "SEP$mac first boot on A" onA $mac 8845
done

# 13. ITLRecovery regenerated: show itl-status finds the phones on the old ITL, a reset cures them
$PT --home $A set cert regen ITLRecovery --yes --force >/dev/null
$PT --home $A utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "show itl-status before the reset" $PT --home $A show itl-status
expect_out "every phone on the old ITL" "4 MisMatch"
for mac in 001122334401 001122334402 001122334403 001122334404; do
    expect_exit 0 "SEP$mac reset" onA $mac
done
expect_exit 0 "show itl-status after" $PT --home $A show itl-status
expect_out "all on the new ITL" "4 Match"

# 14. rollback to a release without ITL (M21), and back
expect_exit 0 "rollback parameter on" $PT --home $A set param "$ROLLBACK" True
$PT --home $A utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "the phone takes the rollback ITL" onA 001122334404
expect_true "it is the served one" test "$(itl_of 001122334404)" = "$(served $A pubA)"
expect_exit 0 "rollback parameter off" $PT --home $A set param "$ROLLBACK" False
$PT --home $A utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "back: the normal ITL is accepted over the rollback one" onA 001122334404
expect_exit 0 "show" $PT phone show --mac 001122334404
expect_out "unconditionally" "installed: accepted over a rollback ITL"

# 6. migration without preparation: phones pointed at B stay locked on A's ITL
held=$(itl_of 001122334401)
expect_exit 1 "moved to B unprepared: locked" onB 001122334401
expect_true "still the ITL it had from A" test "$(itl_of 001122334401)" = "$held"
expect_exit 0 "show" $PT phone show --mac 001122334401
expect_out "Trust List Update Failed" "Trust List Update Failed"
expect_out "B's config does not take effect" "SECD: EROR:verifyFile: sgn verify file failed </usr/ram/SEP001122334401.cnf.xml>, errclass 8, errcode 19 (signer not in CTL)"

# the same rehearsed with a fleet of 20: every phone moved unprepared is locked
F="--state $SCRATCH/fleet --json"
counts() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["trusted"], j["locked"], j["failed"])' "$SCRATCH/out"; }
expect_exit 0 "a fleet of 20 on A" $PT fleet boot --count 20 --first-mac 001EF7000001 --model 8845,7965 --tftp 127.0.0.1:$TA --http-port $HA $F
expect_true "20 trusted" test "$(counts)" = "20 0 0"
expect_exit 1 "the fleet moved to B unprepared" $PT fleet boot --tftp 127.0.0.1:$TB --http-port $HB $F
expect_true "20 locked" test "$(counts)" = "0 20 0"
expect_exit 0 "fleet status names them" $PT fleet status $F
expect_out "the first" "SEP001EF7000001"

# 5. migration prepared by the rollback parameter (M26): empty ITL on A, then B trusted
$PT --home $A set param "$ROLLBACK" True >/dev/null
$PT --home $A utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "on A: the rollback ITL" onA 001122334402
expect_exit 0 "moved to B: trusted" onB 001122334402
expect_true "B's ITL" test "$(itl_of 001122334402)" = "$(served $B pubB)"
$PT --home $B device set SEP001122334402 directory-url http://dir.b.example/ >/dev/null
$PT --home $B utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "a config change on B" onB 001122334402
expect_out "takes effect" "new config"
$PT --home $A set param "$ROLLBACK" False >/dev/null
$PT --home $A utils service restart "Cisco Tftp" >/dev/null

# 7. migration by bulk certificates (M27): A's TVS vouches for B's signer
mkdir $SCRATCH/central
expect_exit 0 "A exports" $PT --home $A utils bulk-cert export $SCRATCH/central
expect_exit 0 "B exports" $PT --home $B utils bulk-cert export $SCRATCH/central
expect_exit 0 "consolidate" $PT utils bulk-cert consolidate $SCRATCH/central
expect_exit 0 "A imports B's certificates" $PT --home $A utils bulk-cert import $SCRATCH/central
settle $SCRATCH/a.log   # A's TVS recaches
expect_exit 0 "SEP001122334403 on A's ITL" onA 001122334403
expect_exit 0 "moved to B: trusted through A's TVS" onB 001122334403
expect_true "B's ITL" test "$(itl_of 001122334403)" = "$(served $B pubB)"
expect_exit 0 "show" $PT phone show --mac 001122334403
expect_out "vouched for by A's TVS" "installed: signer vouched for by TVS"
expect_true "A's TVS said so" grep -q "TVS 127.0.0.1:[0-9]* CP-8845-SEP001122334403 certificate [0-9a-f]*: Valid" $SCRATCH/a.log
expect_exit 0 "B's config in force" onB 001122334403
# the locked fleet (still on A's ITL and A's config) moves too: A's TVS vouches for B
expect_exit 0 "the fleet moved to B after the bulk certificate import" $PT fleet boot --tftp 127.0.0.1:$TB --http-port $HB $F
expect_true "20 trusted on B" test "$(counts)" = "20 0 0"
expect_exit 0 "a fleet phone" $PT phone show --state $SCRATCH/fleet --mac 001EF7000002
expect_out "vouched for by A's TVS" "installed: signer vouched for by TVS"
expect_exit 0 "B's show itl-status: the fleet reported B's ITL" $PT --home $B show itl-status
expect_out "the fleet and the two moved phones match" "22 Match"
kill -TERM $SA_PID $SB_PID
wait $SA_PID $SB_PID
finish
