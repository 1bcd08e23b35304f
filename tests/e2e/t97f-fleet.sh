# The fleet (issue 6): many simulated phones on one event loop against a
# real `phonetrust serve`, remembered in a state directory; scenarios 1, 2,
# 3 and 11 with a fleet, the table and the JSON counts, the locked list,
# growth, failures, and the per-phone state `phone show` reads.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
set -- $(free_ports 4)
TFTP=$1 HTTP=$2 TVS=$3 CAPF=$4
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null
$PT set param "CAPF Phone Port" $CAPF >/dev/null
expect_exit 0 "bulk device add" $PT device add SEP001EF7000001 --count 30 --model 8845,7965,7940
expect_out "says how many" "30 devices added from SEP001EF7000001 (8845,7965,7940)"
expect_exit 0 "the 30th device exists" $PT device show SEP001EF700001E
expect_out "its model is the cycled one" "Cisco 7940"
expect_exit 2 "bulk add refuses a device that exists, and adds none" $PT device add SEP001EF700001E --count 3 --model 8845
expect_exit 2 "so the next one is not there" $PT device show SEP001EF700001F
$PT utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF
fleet() { $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP "$@"; }
# count KEY: from the last run's JSON
count() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SCRATCH/out" "$1"; }
expect_counts() { # DESCRIPTION phones trusted locked no_itl lsc_installed pending failed
    got=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(" ".join(str(j[k]) for k in ("phones","trusted","locked","no_itl","lsc_installed","pending","failed")))' "$SCRATCH/out")
    if [ "$got" = "$2 $3 $4 $5 $6 $7 $8" ]; then ok "$1"; else not_ok "$1: counts $got, expected $2 $3 $4 $5 $6 $7 $8"; fi
}

expect_exit 0 "help" $PT help
expect_out "lists fleet boot" "  fleet boot "
expect_exit 0 "its own help" $PT fleet boot --help
expect_out "documents --first-mac" "--first-mac MAC"
expect_exit 2 "no fleet yet" $PT fleet status
expect_err "says how to make one" "fleet boot --count N"
expect_exit 2 "fleet boot without a count on an empty state" fleet
expect_err "asks for the count" "--count N"

# 1. first boot: 20 SBD phones trust the ITL on first use, 10 7940s take the unsigned config
expect_exit 0 "first boot of 30 phones" fleet --count 30 --first-mac 001EF7000001 --model 8845,7965,7940 --json
expect_counts "20 trusted, 10 without an ITL" 30 20 0 10 0 0 0
expect_true "one event loop: the JSON says how many at a time" test "$(count concurrency)" = 30
expect_true "memory per phone reported, and plausible (1 KB to 5 MB a phone)" \
    sh -c "[ $(count kb_per_phone_in_flight) -ge 1 ] && [ $(count kb_per_phone_in_flight) -le 5000 ]"
expect_true "peak memory reported" test "$(count peak_rss_kb)" -gt 1000
expect_exit 0 "fleet status" $PT fleet status --json
expect_counts "status reads the same states from disk" 30 20 0 10 0 0 0
expect_exit 0 "a fleet phone is a phone" $PT phone show --mac 001EF7000001
expect_out "trusted on first use" "installed: trusted on first use"
expect_out "signed config" "SEP001EF7000001.cnf.xml.sgn accepted and in force"
expect_exit 0 "a 7940 of the fleet" $PT phone show --mac 001EF7000003
expect_out "unsigned config" "SEP001EF7000003.cnf.xml accepted and in force"
expect_exit 0 "the fleet reported to the cluster" $PT show itl-status
expect_out "20 SBD phones match" "20 Match"
expect_exit 0 "the table" $PT fleet status
expect_out "trusting" "trusting the current ITL        20"
expect_out "no locked phones" "Locked phones: none"

# 2. CallManager regenerated, TFTP restarted, the fleet reset: TVS vouches for every SBD phone
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
settle
before=$(grep -c "TVS .* certificate [0-9a-f]*: Valid" $LOG)
expect_exit 0 "boot again: the same phones (a reset)" fleet --json
expect_counts "all 20 still trusted" 30 20 0 10 0 0 0
asked=$(( $(grep -c "TVS .* certificate [0-9a-f]*: Valid" $LOG) - before ))
expect_true "TVS vouched once for each of the 20 SBD phones (it did $asked times)" test "$asked" -eq 20
expect_exit 0 "show" $PT phone show --mac 001EF7000002
expect_out "through TVS" "installed: signer vouched for by TVS"
expect_exit 0 "text table" $PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP
expect_out "time and rate" "Booted 30 phones in"
expect_out "memory per phone" "KB per phone in flight"

# 3. TVS and CallManager back to back: the SBD phones lock; the locked list names them
$PT set cert regen TVS --yes --force >/dev/null
$PT utils service restart "Cisco Trust Verification Service" >/dev/null
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
settle
expect_exit 1 "locked phones: exit 1" fleet --json
expect_counts "20 locked" 30 0 20 10 0 0 0
expect_true "the locked list names an 8845" sh -c "grep -q SEP001EF7000001 $SCRATCH/out"
expect_true "and not a 7940" sh -c "! grep -q SEP001EF7000003 $SCRATCH/out"
expect_exit 0 "status after" $PT fleet status
expect_out "locked in the table" "locked                          20"
expect_out "locked names listed" "SEP001EF7000001"
expect_exit 0 "a locked phone's status" $PT phone show --mac 001EF7000001
expect_out "Trust List Update Failed" "Trust List Update Failed"
echo adminpw1 | $PT utils itl reset localkey >/dev/null
expect_exit 0 "utils itl reset localkey + reset: every phone back" fleet --json
expect_counts "20 trusted again" 30 20 0 10 0 0 0
$PT utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "TFTP restart + reset: CallManager signs again" fleet --json
expect_counts "still 20 trusted" 30 20 0 10 0 0 0

# 11. bulk LSC install by model over the fleet; a string-authenticated one stays pending
expect_exit 0 "bulk CAPF by model" $PT device capf --model 8845 --op install --auth null-string --key ec256 --deadline +1d
$PT utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "fleet boot: the 8845s get an LSC" fleet --json
expect_counts "10 LSCs installed" 30 20 0 10 10 0 0
for i in $(seq 0 9); do # the 7965s: every third MAC from ...02
    $PT device capf SEP$(printf %012X $((0x001EF7000002 + 3 * i))) --op install --auth auth-string --password 123456 --deadline +1d >/dev/null
done
$PT utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "fleet boot: the 7965s are pending" fleet --json
expect_counts "10 pending" 30 20 0 10 10 10 0
expect_exit 0 "the string typed on every phone" fleet --json --auth-string 123456
expect_counts "20 LSCs" 30 20 0 10 20 0 0

# (a finished operation is gone from the config: the next boots are not pending)
# growth, and what a fleet refuses
expect_exit 0 "grow to 33 (new MACs follow the last)" fleet --count 33 --model 8865 --json
expect_counts "33 phones" 33 23 0 10 20 0 0
expect_exit 0 "the new one" $PT phone show --mac 001EF7000021
expect_out "is an 8865" "Cisco 8865"
expect_exit 2 "--count cannot shrink the fleet" fleet --count 5
expect_err "says why" "cannot shrink it"
expect_exit 2 "unknown model" $PT fleet boot --tftp 127.0.0.1:$TFTP --state $SCRATCH/other --count 2 --model 1234
expect_err "names the models" "expected one of"
expect_exit 2 "--tftp is required" $PT fleet boot --count 2
expect_exit 2 "status takes no --tftp" $PT fleet status --tftp 127.0.0.1
mkdir -p $SCRATCH/bad
printf 'SEP001EF7000001 8845 0 0\nnot a phone\n' >$SCRATCH/bad/fleet
expect_exit 3 "a damaged fleet file" $PT fleet status --state $SCRATCH/bad
expect_err "names the file and line" "bad/fleet: line 2"

# failed: nothing answers TFTP; the phones keep their state and are counted as failed
expect_exit 1 "no TFTP server" $PT fleet boot --state $SCRATCH/phones --tftp 127.0.0.1:9 --http-port 0 --timeout 50ms --json
expect_counts "33 failed, the states kept" 33 23 0 10 20 0 33
expect_out "why, for one of them" "no answer"
expect_exit 0 "and a good boot clears it" fleet --json
expect_counts "none failed" 33 23 0 10 20 0 0
expect_true "no progress bar when stderr is not a terminal" sh -c "! grep -q 'phones  ' $SCRATCH/err"
# on a terminal (script(1) gives it one): the progress bar, ending at 33/33
expect_exit 0 "on a terminal" script -qec "$PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP" /dev/null
expect_out "a progress bar" "[########################################] 33/33 phones"
expect_exit 0 "--no-progress on a terminal" script -qec "$PT fleet boot --tftp 127.0.0.1:$TFTP --http-port $HTTP --no-progress" /dev/null
expect_no_out "no bar" "33/33 phones"
# phones spread over TFTP servers (as device pools give them theirs): phone i
# boots from server i mod n - here every second phone from a silent one
expect_exit 1 "two TFTP servers, the second silent" fleet --tftp 127.0.0.1:$TFTP,127.0.0.1:9 --timeout 50ms --json
expect_counts "the 16 odd phones failed, the others booted" 33 23 0 10 20 0 16
expect_exit 0 "the first phone's server" $PT phone show --mac 001EF7000001
expect_out "was the live one" "from TFTP 127.0.0.1:$TFTP"
expect_exit 0 "the second phone's" $PT phone show --mac 001EF7000002
expect_out "the silent one" "from TFTP 127.0.0.1:9"
expect_exit 2 "a bad port in the list" fleet --tftp 127.0.0.1:$TFTP,127.0.0.1:x
expect_exit 0 "all from the live one again" fleet --json
expect_counts "none failed" 33 23 0 10 20 0 0

# Ctrl-C during a storm: stops at once, the phones keep their state, exit 130
$PT fleet boot --tftp 127.0.0.1:9 --http-port 0 --timeout 5000ms --concurrency 5 --json >$SCRATCH/int.json 2>&1 &
FB=$!
sleep 1
kill -INT $FB
t0=$(date +%s)
wait $FB
rc=$?
expect_true "interrupted: exit 130" test $rc -eq 130
expect_true "at once, not after the 25 s of retries" test $(($(date +%s) - t0)) -le 2
expect_true "says so" grep -q '"interrupted":true' $SCRATCH/int.json
expect_true "no phone booted" grep -q '"booted":0' $SCRATCH/int.json
expect_true "the fleet is intact: 33 phones, their lists kept" grep -q '"phones":33,"trusted":23' $SCRATCH/int.json
expect_exit 2 "a TFTP host name that does not resolve: refused before any phone" $PT fleet boot --tftp tftp.invalid
expect_err "says so once" "TFTP server tftp.invalid: cannot resolve it"
finish
