# Running as a service: the audit line of every administrative change
# (never a secret), serve refusing to serve the keys as root unless told,
# --user dropping every id after binding the ports (TFTP, TVS and CAPF
# still answer), administrative commands as root on a home that belongs to
# the service user refused, the log reopened after logrotate's rename and
# SIGHUP; as systemd runs it (the service user with CAP_NET_BIND_SERVICE)
# no capability left once the ports are bound; the phonetrust user's home
# as its default cluster home.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
export PHONETRUST_HOME=$SCRATCH/cluster
expect_exit 0 "install" $PT install --publisher pub --domain lab.example --ip 127.0.0.1 \
    --admin-password adminpw1 --security-password secpw123
$PT device add SEP001122334455 --model 8845 >/dev/null
echo 123456 | $PT device capf SEP001122334455 --op install --auth auth-string >/dev/null
$PT device capf SEP001122334455 --op install --auth auth-string --password 987654 >/dev/null
expect_exit 0 "CallManager regenerated" $PT set cert regen CallManager --yes --force
expect_exit 2 "a command that fails" $PT set param "No Such Parameter" 1
$PT show itl >/dev/null
$PT device list >/dev/null

# the audit log
expect_exit 0 "show audit" $PT show audit
expect_out "the install, its passwords replaced" "install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password *** --security-password ***"
expect_out "the regeneration" "set cert regen CallManager --yes --force"
expect_out "the CAPF string given as an option, replaced" "--auth auth-string --password ***"
expect_true "who ran it" grep -q "	$(id -un)	0	set cert regen CallManager" $PHONETRUST_HOME/audit.log
expect_true "a failed change says its exit status" grep -q "	2	set param \"No Such Parameter\" 1" $PHONETRUST_HOME/audit.log
expect_true "never a password, typed or given" sh -c "! grep -e adminpw1 -e secpw123 -e 987654 -e 123456 $PHONETRUST_HOME/audit.log"
expect_true "what only reads is not a change" sh -c "! grep -e 'show itl' -e 'device list' $PHONETRUST_HOME/audit.log"
expect_true "the log is 0640" test "$(stat -c %a $PHONETRUST_HOME/audit.log)" = 640
$PT show audit --json >$SCRATCH/audit.json
expect_true "show audit --json: time, user, command, exit" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert a[0]["command"].startswith("install --publisher pub"), a[0]
assert a[0]["exit"] == 0 and a[0]["user"] and a[0]["time"].endswith("Z"), a[0]
assert any(e["command"] == "set cert regen CallManager --yes --force" for e in a)' $SCRATCH/audit.json

# the log: renamed by logrotate, reopened on SIGHUP
set -- $(free_ports 4)
TFTP=$1 HTTP=$2 TVS=$3 CAPF=$4
$PT utils service restart "Cisco Tftp" >/dev/null
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF
curl -sS tftp://127.0.0.1:$TFTP/ITLFile.tlv -o /dev/null
mv $LOG $LOG.1
kill -HUP $SERVE
for _ in $(seq 50); do test -s $LOG && break; sleep 0.1; done
curl -sS tftp://127.0.0.1:$TFTP/ITLFile.tlv -o /dev/null
sleep 0.2
expect_true "after the rename and SIGHUP the log is written anew" grep -q "RRQ ITLFile.tlv" $LOG
expect_true "the rotated one kept what came before" grep -q "RRQ ITLFile.tlv" $LOG.1
expect_true "and nothing after" test "$(grep -c 'RRQ ITLFile.tlv' $LOG.1)" = 1
kill -TERM $SERVE
wait $SERVE 2>/dev/null

if [ "$(id -u)" != 0 ]; then
    ok "root's refusals and --user: skipped (not root)"
    finish; exit
fi
# root: refuses to serve the keys unless told
expect_exit 6 "serve as root without --user or --allow-root: exit 6" \
    timeout 3 $PT serve --addr 127.0.0.1 --tftp-port 0 --http-port 0 --tvs-port 0 --capf-port 0
expect_err "says why and what to do" "give --user USER"
expect_exit 6 "--user on a home that is not that user's: refused" \
    timeout 10 $PT serve --addr 127.0.0.1 --tftp-port 0 --http-port 0 --tvs-port 0 --capf-port 0 --user nobody
expect_err "says whose it must be" "it must be nobody's (chown -R nobody"
# the home belongs to the service user: root's administrative commands are refused
chown -R nobody $PHONETRUST_HOME
expect_exit 6 "an administrative command as root on nobody's home: refused" $PT set param "Auto-registration" True
expect_err "says as whom to run it" "belongs to nobody: run phonetrust as nobody"
expect_true "and nothing it could have written belongs to root" sh -c "test -z \"\$(find $PHONETRUST_HOME ! -user nobody)\""
# --user: ports bound as root (TFTP 69-like: any port), then every id dropped
chmod 711 $SCRATCH # the home's parent: passable, as /var/lib is
LOG2=$SCRATCH/serve2.log
touch $LOG2
$PT serve --addr 127.0.0.1 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port $CAPF --user nobody --log $LOG2 &
SERVE=$!
at_exit "kill $SERVE 2>/dev/null"
for _ in $(seq 50); do grep -q "SERVE running as nobody" $LOG2 2>/dev/null && break; sleep 0.1; done
expect_true "it says as whom it runs" grep -q "SERVE running as nobody" $LOG2
nobody=$(id -u nobody) nogroup=$(id -g nobody)
expect_true "every uid is nobody's (/proc/PID/status)" \
    sh -c "grep '^Uid:' /proc/$SERVE/status | awk '{exit !(\$2==$nobody && \$3==$nobody && \$4==$nobody && \$5==$nobody)}'"
expect_true "every gid is nobody's group" \
    sh -c "grep '^Gid:' /proc/$SERVE/status | awk '{exit !(\$2==$nogroup && \$3==$nogroup && \$4==$nogroup && \$5==$nogroup)}'"
expect_true "the supplementary groups are nobody's, none of root's" \
    test "$(grep '^Groups:' /proc/$SERVE/status | cut -f2 | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" = "$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')"
expect_true "no capability left" sh -c "grep '^CapEff:' /proc/$SERVE/status | grep -q '0000000000000000'"
expect_exit 0 "TFTP still answers" curl -sS tftp://127.0.0.1:$TFTP/ITLFile.tlv -o $SCRATCH/itl
expect_same "the cluster's ITL" $SCRATCH/itl $PHONETRUST_HOME/tftp/pub/ITLFile.tlv
expect_exit 0 "TVS still answers over TLS" sh -c "echo | openssl s_client -connect 127.0.0.1:$TVS -brief 2>&1 | grep -q 'CONNECTION ESTABLISHED'"
expect_exit 0 "CAPF too" sh -c "echo | openssl s_client -connect 127.0.0.1:$CAPF -brief 2>&1 | grep -q 'CONNECTION ESTABLISHED'"
kill -HUP $SERVE
sleep 1.3
expect_true "a reload as nobody reads the keys it owns" sh -c "! grep -q 'reload failed' $LOG2"
kill -TERM $SERVE
wait $SERVE 2>/dev/null

# as systemd runs it: the service user with CAP_NET_BIND_SERVICE alone binds
# a port below 1024, then holds no capability at all
LOW=$(python3 -c '
import socket
for p in range(1023, 600, -1):
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p)); u.close(); print(p); break
    except OSError:
        pass')
LOG3=$SCRATCH/serve3.log
touch $LOG3
chown nobody $LOG3
setpriv --reuid=nobody --regid=$nogroup --init-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
    -- $PT serve --addr 127.0.0.1 --tftp-port $LOW --http-port 0 --tvs-port $TVS --capf-port 0 --log $LOG3 &
SERVE=$!
at_exit "kill $SERVE 2>/dev/null"
for _ in $(seq 50); do grep -q "SERVE node" $LOG3 2>/dev/null && break; sleep 0.1; done
expect_exit 0 "nobody with CAP_NET_BIND_SERVICE serves TFTP on port $LOW" curl -sS tftp://127.0.0.1:$LOW/ITLFile.tlv -o $SCRATCH/itl
expect_same "the cluster's ITL" $SCRATCH/itl $PHONETRUST_HOME/tftp/pub/ITLFile.tlv
expect_true "and once bound holds no capability: effective, permitted, inheritable, ambient" sh -c \
    "grep -E '^Cap(Eff|Prm|Inh|Amb):' /proc/$SERVE/status | grep -vc '0000000000000000' | grep -qx 0"
expect_true "and cannot gain any by exec" sh -c "grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$SERVE/status"
kill -TERM $SERVE
wait $SERVE 2>/dev/null

# the package's service user: run as it, its home is the cluster home
if getent passwd phonetrust >/dev/null; then
    ok "the service user's default home: skipped (a phonetrust user exists here)"
    finish; exit
fi
SVC=$SCRATCH/svc
mkdir -m 0700 $SVC
useradd --system --no-create-home --home-dir $SVC --shell /usr/sbin/nologin phonetrust
at_exit "userdel phonetrust 2>/dev/null"
chown phonetrust $SVC
install -m 0755 $PT $SCRATCH/phonetrust.bin
as_phonetrust() { setpriv --reuid=phonetrust --regid=phonetrust --init-groups -- env -u PHONETRUST_HOME HOME=/nonexistent "$@"; }
expect_exit 0 "install as the phonetrust user, no --home" as_phonetrust $SCRATCH/phonetrust.bin install --publisher pub \
    --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123
expect_true "the cluster is in that user's home directory" test -s $SVC/cluster.db
expect_exit 0 "and the next command finds it there" as_phonetrust $SCRATCH/phonetrust.bin node list
expect_out "the publisher" "pub"
finish
