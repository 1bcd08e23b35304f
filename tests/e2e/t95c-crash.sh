# An operation is whole, or it did not happen (hostile networks): kill -9 at
# random instants of set cert regen, utils service restart "Cisco Tftp",
# utils itl reset localkey and device add --count, and a full disk; after
# each, every TFTP node serves one whole set (served_check.py: the ITL
# verifies and every signed configuration is signed by a key it holds), the
# same command again completes, and keys no certificate uses are swept.
# PT_CRASH_SEED replays a run's instants.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add sub --ip 192.0.2.11 >/dev/null
$PT device add SEP001EF7000001 --count 120 --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
$PT --node sub utils service restart "Cisco Tftp" >/dev/null
SEED=${PT_CRASH_SEED:-$(date +%s)}
echo "# PT_CRASH_SEED=$SEED"
# delays N MS: N random instants within MS milliseconds, in seconds
# delays N MS: N kill instants spread over the first 80% of a command that
# took MS once (sleep's own start adds to each, and the next run may be
# quicker: over the whole of MS too many would land after the command ended)
delays() { python3 -c "import random, sys; random.seed($SEED + $1); print(' '.join('%.3f' % (random.uniform(0, 0.8 * $2) / 1000) for _ in range($1)))"; }
# kill_at DELAY CMD...: CMD in the background, killed -9 after DELAY; counts kills that landed
landed=0
kill_at() { delay=$1; shift; "$@" >/dev/null 2>&1 & pid=$!; sleep $delay; kill -9 $pid 2>/dev/null && landed=$((landed + 1)); wait $pid 2>/dev/null; }
timed() { t0=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
whole() { python3 $E2E/served_check.py $PT $PHONETRUST_HOME > check.out 2>&1; }
bad=""
# kills N M: N kill instants, or M under the sanitizers (the normal build's
# run covers the instants; ASan's run looks for memory errors, not more of them)
kills() { if [ "${PT_SANITIZE:-OFF}" = ON ]; then echo $2; else echo $1; fi; }
total=0

# (first the checks that need no kill, so their mutants die in seconds)
expect_exit 0 "device add --count of devices that exist just so: exit 0 (a killed add, run again, completes)" \
    $PT device add SEP001EF7000001 --count 120 --model 8845
# private keys no certificate uses (a kill between the key file and its row) are swept
orphans() { sqlite3 $PHONETRUST_HOME/cluster.db "SELECT key_file FROM certs" | sort > used; ls $PHONETRUST_HOME/keys | sort > present; comm -13 used present; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $PHONETRUST_HOME/keys/pub_CallManager_0badc0de.pem 2>/dev/null
touch -d '-2 minutes' $PHONETRUST_HOME/keys/pub_CallManager_0badc0de.pem
$PT node list >/dev/null
expect_true "an unused key is gone at the next command" sh -c "! ls $PHONETRUST_HOME/keys | grep -q 0badc0de"
expect_true "and logged" grep -q "removed pub_CallManager_0badc0de.pem: a private key no certificate uses" $PHONETRUST_HOME/log/phonetrust.log

# an install killed after cluster.db moved up, before its staging directory went
mkdir -m 0700 $PHONETRUST_HOME/.install-Zq3x9a
$PT node list >/dev/null
expect_true "an empty staging directory left by a killed install is gone at the next command" test ! -e $PHONETRUST_HOME/.install-Zq3x9a

# a full disk (a file-size limit, SIGXFSZ ignored, the database held open so
# it need not grow) during a restart: exit 4, the previous set still served
find $PHONETRUST_HOME/tftp/pub/ -type f | sort | xargs sha1sum > before.sum
$PT set cert regen CallManager --yes --force >/dev/null
python3 -c "import sqlite3, time; c = sqlite3.connect('$PHONETRUST_HOME/cluster.db'); c.execute('SELECT 1 FROM cluster').fetchall(); time.sleep(30)" &
holder=$!
sleep 0.5
expect_exit 4 "a restart on a full disk: exit 4" sh -c "ulimit -f 2; trap '' XFSZ; exec $PT utils service restart 'Cisco Tftp'"
# (where it fails first - a served file, or the database the open touches - varies)
expect_true "says a write failed, or the disk is full" grep -Eq "write failed|the disk is full" $SCRATCH/err
kill $holder 2>/dev/null; wait $holder 2>/dev/null
find $PHONETRUST_HOME/tftp/pub/ -type f | sort | xargs sha1sum > after.sum
expect_same "the previous set is still served, unchanged" before.sum after.sum
expect_true "and no half-built generation is left" sh -c "[ \$(ls -a $PHONETRUST_HOME/tftp | grep -c '^\.pub\.g') -eq 1 ]"
expect_exit 4 "the database cannot grow either: exit 4 (a full disk), not 7 (damaged)" sh -c \
    "ulimit -f 2; trap '' XFSZ; exec $PT device add SEP003EF7000001 --count 50 --model 8845"
expect_err "says the disk is full" "the disk is full"
expect_exit 0 "with room again, the same command completes" $PT device add SEP003EF7000001 --count 50 --model 8845
whole
expect_true "every node serves one whole set" grep -q "pub: 170 configurations" check.out

# install into an existing empty home (the package's /var/lib/phonetrust,
# whose parent the service user cannot write): killed, the home is a whole
# cluster or none, and install again completes
bad=""
EMPTY=$SCRATCH/empty-home
mkdir -m 0700 $EMPTY
INST="$PT --home $EMPTY install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123"
inst() { $INST; }
ms=$(timed inst)
n=$(kills 4 1); total=$((total + n))
for delay in $(delays $n $ms); do
    rm -rf $EMPTY && mkdir -m 0700 $EMPTY
    kill_at $delay $INST # (the command itself: a function in the background would be killed without it)
    if [ -e $EMPTY/cluster.db ]; then
        $PT --home $EMPTY show cert own CallManager >/dev/null 2>&1 || bad="$bad install@$delay(a cluster.db that does not open)"
    else
        inst >/dev/null 2>&1 || bad="$bad install@$delay(install again failed: $(inst 2>&1 | tail -1))"
        $PT --home $EMPTY show cert own CallManager >/dev/null 2>&1 || bad="$bad install@$delay(install again made no cluster)"
    fi
    ls -a $EMPTY | grep -q '^\.install-' && bad="$bad install@$delay(a staging directory left)"
done
expect_true "install killed $n times in an existing home: a whole cluster or none, then install completes${bad:+:$bad}" test -z "$bad"
bad=""

# a restart after a regenerated CallManager key: the whole set moves to the new key, or none of it
ms=$(timed $PT utils service restart "Cisco Tftp")
n=$(kills 10 2); total=$((total + n))
for delay in $(delays $n $ms); do
    $PT set cert regen CallManager --yes --force >/dev/null
    kill_at $delay $PT utils service restart "Cisco Tftp"
    whole || bad="$bad restart@$delay($(cat check.out))"
done
expect_true "after $n kills inside restarts every node served one whole set${bad:+:$bad}" test -z "$bad"
expect_exit 0 "the restart again completes" $PT utils service restart "Cisco Tftp"
expect_true "with the new key" sh -c "whole() { python3 $E2E/served_check.py $PT $PHONETRUST_HOME; }; whole | grep -x 'pub: 170 configurations' >/dev/null"
expect_true "and no half-built generation left beside it" sh -c "[ \$(ls -a $PHONETRUST_HOME/tftp | grep -c '^\.pub\.g') -eq 1 ]"

# set cert regen itself
bad=""
ms=$(timed $PT set cert regen CallManager --yes --force)
n=$(kills 6 1); total=$((total + n))
for delay in $(delays $n $ms); do
    kill_at $delay $PT set cert regen CallManager --yes --force
    whole || bad="$bad regen@$delay($(cat check.out))"
    $PT show cert own CallManager >/dev/null 2>&1 || bad="$bad regen@$delay(no CallManager certificate)"
done
expect_true "after $n kills inside regenerations: one whole set, a CallManager certificate with its key${bad:+:$bad}" test -z "$bad"

# utils itl reset localkey
bad=""
ms=$(timed sh -c "echo adminpw1 | $PT utils itl reset localkey")
n=$(kills 6 1); total=$((total + n))
for delay in $(delays $n $ms); do
    kill_at $delay sh -c "echo adminpw1 | exec $PT utils itl reset localkey"
    whole || bad="$bad reset@$delay($(cat check.out))"
done
expect_true "after $n kills inside ITL resets: one whole set on every node${bad:+:$bad}" test -z "$bad"
expect_exit 0 "a restart after them" $PT utils service restart "Cisco Tftp"

# device add --count: killed, then the same command again completes it
bad=""
i=0
n=$(kills 6 1); total=$((total + n))
for delay in $(delays $n 400); do
    i=$((i + 1))
    first=$(printf 'SEP002EF700%02X01' $i)
    kill_at $delay $PT device add $first --count 40 --model 8845
    $PT device add $first --count 40 --model 8845 >/dev/null 2>&1 || bad="$bad add@$delay(rerun failed)"
    n=$(ls $PHONETRUST_HOME/tftp/pub | grep -c "^SEP002EF700$(printf %02X $i)..\.cnf\.xml\.sgn\$")
    [ "$n" -eq 40 ] || bad="$bad add@$delay($n of 40 configs)"
    whole || bad="$bad add@$delay($(cat check.out))"
done
expect_true "device add --count killed $n times: each rerun completes, every config served${bad:+:$bad}" test -z "$bad"
expect_exit 2 "a device that exists otherwise is still an error" $PT device add SEP002EF7000101 --model 7841
expect_err "naming how it exists" "already exists (Cisco 8845"
# (the normal build's 32 kills; the sanitizers' handful is too few to count)
if [ "${PT_SANITIZE:-OFF}" = ON ]; then
    ok "kills that landed: counted in the normal build's run ($landed of $total here)"
else
    expect_true "enough of the kills landed inside the commands ($landed of $total)" test $((landed * 10)) -ge $((total * 6))
fi

# after all the kills, two minutes on (NO_FAKE_STAT: libfaketime moves a
# file's lstat times by the same two minutes, so no key would look older);
# one planted just now, so the sweep has at least one key to take
cp $PHONETRUST_HOME/keys/$(ls $PHONETRUST_HOME/keys | head -1) $PHONETRUST_HOME/keys/pub_CallManager_0ddba11.pem
NO_FAKE_STAT=1 faketime -f "+2m" $PT node list >/dev/null
left=$(orphans) # (in this shell: a function does not reach an sh -c)
expect_true "no key file left that no certificate uses, after all the kills${left:+: $left}" test -z "$left"
missing=$(comm -23 used present)
expect_true "every certificate's key is there${missing:+: $missing}" test -z "$missing"
expect_true "(and the certificates name key files at all)" test -s used


finish
