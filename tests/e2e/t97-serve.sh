# phonetrust serve: TFTP (tftp-hpa, curl and a raw client), HTTP 6970, workers,
# signals and capacity - real sockets on loopback (TVS: t97v-tvs.sh).
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT device add SEP001122334455 --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
D=$PHONETRUST_HOME/tftp/pub
ports=$(free_ports 3)
set -- $ports
TFTP=$1 HTTP=$2 TVS=$3
LOG=$SCRATCH/serve.log
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0 --timeout 2s --max-clients 200 --log $LOG &
SERVE=$!
at_exit 'kill $SERVE 2>/dev/null'
for _ in $(seq 50); do grep -q "SERVE node" $LOG 2>/dev/null && break; sleep 0.1; done
expect_true "the server is up" grep -q "SERVE node pub on 127.0.0.1" $LOG
settle_init $LOG

# a second serve (this cluster or another) on ports already in use stops at start
set -- $(free_ports 3)
expect_exit 8 "a second serve on the same TFTP port: exit 8" \
    timeout 10 $PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $TFTP --http-port $1 --tvs-port $2 --capf-port 0 --log second.log
expect_err "says which and why" "serve: TFTP: 127.0.0.1:$TFTP is already in use"
expect_exit 8 "the same HTTP port on every address (0.0.0.0): exit 8" \
    timeout 10 $PT serve $SERVE_AS --addr 0.0.0.0 --tftp-port $1 --http-port $HTTP --tvs-port $2 --capf-port 0 --log second.log
expect_err "names the port" "serve: HTTP: 0.0.0.0:$HTTP is already in use"
expect_exit 8 "the same TVS port: exit 8" \
    timeout 10 $PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $1 --http-port $2 --tvs-port $TVS --capf-port 0 --log second.log
expect_exit 0 "the first serve still answers every TFTP request" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv first.out
expect_same "with its own ITL" first.out $D/ITLFile.tlv

# TFTP with the Debian tftp-hpa client and curl: exactly the bytes on disk
expect_exit 0 "tftp-hpa: ITLFile.tlv" tftp 127.0.0.1 $TFTP -m binary -c get ITLFile.tlv itl.1
expect_same "the bytes on disk" itl.1 $D/ITLFile.tlv
expect_exit 0 "curl tftp with blksize 1428" curl -sS --tftp-blksize 1428 tftp://127.0.0.1:$TFTP/SEP001122334455.cnf.xml.sgn -o cfg.sgn
expect_same "the signed config" cfg.sgn $D/SEP001122334455.cnf.xml.sgn
expect_exit 0 "ITLSEP<MAC>.tlv falls back to ITLFile.tlv" tftp 127.0.0.1 $TFTP -m binary -c get ITLSEP001122334455.tlv itl.2
expect_same "the same bytes" itl.2 $D/ITLFile.tlv
for opt in "blksize=8" "blksize=65464" "windowsize=8" "windowsize=16 blksize=1024" "tsize=0" "timeout=2"; do
    set -- $opt
    args=""; for o in "$@"; do args="$args --opt $o"; done
    expect_exit 0 "raw client, options $opt" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv raw.out $args
    expect_same "options $opt: exact bytes" raw.out $D/ITLFile.tlv
done
expect_exit 0 "blksize past the largest: answered with the largest" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv raw.out --opt blksize=70000
expect_out "blksize 65464 (RFC 2348)" "blksize=65464"
expect_exit 0 "windowsize past the server's: answered with its own" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv raw.out --opt windowsize=1000
expect_out "windowsize 64" "windowsize=64"
# --timeout (2 s here) bounds a transfer that gets no ACK, whatever the client asks
before=$(grep -c "RRQ ITLFile.tlv: timed out" $LOG)
expect_true "a client's timeout=200 is not acknowledged (more than --timeout)" python3 -c "
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b'\0\1ITLFile.tlv\0octet\0timeout\0' + b'200\0blksize\0' + b'1024\0', ('127.0.0.1', $TFTP))
p, _ = s.recvfrom(2000)
assert p[:2] == b'\0\6', p[:2]
opts = p[2:].split(b'\0')
assert b'timeout' not in opts and b'blksize' in opts, opts
time.sleep(4.5)   # never ACK: the server must give up within --timeout (+ one interval)"
expect_true "and the unanswered transfer ended within --timeout" \
    test "$(grep -c "RRQ ITLFile.tlv: timed out" $LOG)" -gt "$before"
expect_exit 0 "tsize is answered with the file size" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv raw.out --opt tsize=0
expect_out "tsize" "tsize=$(stat -c %s $D/ITLFile.tlv)"
expect_exit 0 "a lost ACK: the server retransmits" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv raw.out --opt timeout=1 --drop-first-ack
expect_same "and the file arrives whole" raw.out $D/ITLFile.tlv

# refusals: a TFTP error, never a crash, nothing held
expect_exit 1 "a missing file" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP nosuch.xml raw.out
expect_out "File not found" "ERROR 1 File not found"
expect_exit 1 "CTLSEP<MAC>.tlv with no CTL at all" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP CTLSEP001122334455.tlv raw.out
expect_out "File not found" "ERROR 1 File not found"
for bad in ../cluster.db /etc/passwd sub/../../cluster.db .hidden 'a\\b'; do
    expect_exit 1 "refused: $bad" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP "$bad" raw.out
    expect_out "access violation: $bad" "ERROR 2"
done
# symbolic links: one that stays inside the served directory is followed,
# one that leads out of it (the keys, the database) never
ln -s ../../keys $D/k
ln -s ../../cluster.db $D/db.bin
ln -s ITLFile.tlv $D/alias.tlv
key=$(ls $PHONETRUST_HOME/keys | head -1)
expect_exit 1 "TFTP: a key through a link to keys/ is refused" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP "k/$key" raw.out
expect_out "access violation" "ERROR 2"
expect_exit 1 "TFTP: the database through a link is refused" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP db.bin raw.out
expect_out "access violation" "ERROR 2"
expect_true "HTTP: 403 for the key" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/k/$key) = 403 ]"
expect_true "HTTP: 403 for the database" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/db.bin) = 403 ]"
expect_true "the refusal is logged" grep -q "FILES db.bin: refused, it leads outside" $LOG
expect_exit 0 "a link inside the directory is served" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP alias.tlv raw.out
expect_same "its target's bytes" raw.out $D/ITLFile.tlv
mkfifo $D/pipe.xml
expect_exit 1 "a FIFO is refused at once, not waited on" timeout 5 python3 $E2E/tftp_client.py 127.0.0.1 $TFTP pipe.xml raw.out
rm $D/k $D/db.bin $D/alias.tlv $D/pipe.xml
expect_true "a write request is refused" sh -c "tftp 127.0.0.1 $TFTP -m binary -c put itl.1 ITLFile.tlv 2>&1 | grep -q 'Error code 2'"
expect_same "and the served file is unchanged" itl.1 $D/ITLFile.tlv

# auto-registration defaults for unknown phones
$PT set param Auto-registration True >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
expect_exit 0 "an unknown SBD phone gets the signed default" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP SEPAABBCCDDEEFF.cnf.xml.sgn raw.out
expect_same "XMLDefault.cnf.xml.sgn" raw.out $D/XMLDefault.cnf.xml.sgn
expect_exit 0 "a 7960 asks for the unsigned file" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP SEPAABBCCDDEE00.cnf.xml raw.out
expect_same "XMLDefault.cnf.xml" raw.out $D/XMLDefault.cnf.xml

# many transfers at once
i=0
pids=""
while [ $i -lt 40 ]; do
    tftp 127.0.0.1 $TFTP -m binary -c get ITLFile.tlv par.$i &
    pids="$pids $!"
    i=$((i + 1))
done
wait $pids   # (not $(jobs -p): under dash that runs in a subshell with no jobs)
expect_true "40 concurrent transfers, all exact" sh -c "for f in par.*; do cmp -s \$f $D/ITLFile.tlv || exit 1; done; [ \$(ls par.* | wc -l) -eq 40 ]"

# a file changes under a transfer: the transfer finishes with the version it started with
cp $D/ITLFile.tlv old.tlv
python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv slow.out --ack-delay 0.2 --started slow.started >/dev/null &
SLOW=$!
for _ in $(seq 100); do [ -e slow.started ] && break; sleep 0.05; done
$PT set cert regen CallManager --yes >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
expect_true "the ITL changed while that transfer was still running" kill -0 $SLOW
wait $SLOW
expect_same "the transfer in progress got the old ITL, whole" slow.out old.tlv
expect_exit 0 "the next request gets the new one" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP ITLFile.tlv new.out
expect_same "new ITL" new.out $D/ITLFile.tlv
expect_true "which differs" sh -c "! cmp -s new.out old.tlv"

# HTTP 6970
expect_exit 0 "HTTP GET ITLFile.tlv" curl -sS -D headers -o http.out http://127.0.0.1:$HTTP/ITLFile.tlv
expect_same "exact bytes" http.out $D/ITLFile.tlv
expect_true "Content-Length" grep -qi "Content-Length: $(stat -c %s $D/ITLFile.tlv)" headers
expect_true "404 for a missing file" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/nosuch) = 404 ]"
expect_true "403 for an escape" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --path-as-is http://127.0.0.1:$HTTP/../cluster.db) = 403 ]"
itl_sha1=$(sha1sum $D/ITLFile.tlv | cut -c1-40)
expect_exit 0 "POST /DeviceTLInfo" curl -sS -f -d "DeviceName=SEP001122334455&ITL_Signature=$itl_sha1&CTL_Signature=Not+Installed&ITL_TFTP_Server=pub" http://127.0.0.1:$HTTP/DeviceTLInfo
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "the report arrived: Match" "1 Match"
# a report counts only from the address that last fetched the device's configuration
post() { curl -s -o /dev/null -w '%{http_code}' ${2:+--interface $2} -d "DeviceName=$1&ITL_Signature=0123456789abcdef0123456789abcdef01234567&CTL_Signature=Not+Installed&ITL_TFTP_Server=pub" http://127.0.0.1:$HTTP/DeviceTLInfo; }
expect_true "a report from another address than the phone's: 403" test "$(post SEP001122334455 127.0.0.2)" = 403
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "and itl-status still shows the phone's own report" "1 Match"
expect_true "the refusal names the fetching address" grep -q "POST /DeviceTLInfo SEP001122334455: refused, its configuration was last fetched from 127.0.0.1" $LOG
$PT device add SEP0011223344FE --model 8845 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
expect_true "a device that fetched no configuration here: 403" test "$(post SEP0011223344FE)" = 403
expect_exit 0 "show itl-status" $PT show itl-status
expect_true "and it shows as never reported (Unknown)" grep -qE "^SEP0011223344FE .* Unknown +-\$" $SCRATCH/out
expect_exit 0 "the device fetches its configuration over HTTP" curl -sS -f -o /dev/null http://127.0.0.1:$HTTP/SEP0011223344FE.cnf.xml.sgn
expect_true "then its report from that address: 200" test "$(post SEP0011223344FE)" = 200
expect_exit 0 "TFTP fetch from 127.0.0.2 (another phone at that address now)" \
    python3 $E2E/tftp_client.py 127.0.0.1 $TFTP SEP0011223344FE.cnf.xml.sgn raw.out --bind 127.0.0.2
for _ in $(seq 50); do grep -q "TFTP 127.0.0.2:[0-9]* RRQ SEP0011223344FE.cnf.xml.sgn: OK" $LOG && break; sleep 0.1; done
codes="$(post SEP0011223344FE) $(post SEP0011223344FE 127.0.0.2)"
expect_true "now only 127.0.0.2 may report for it (got $codes)" test "$codes" = "403 200"
# a request from 127.0.0.3 that never acknowledges (as a spoofed one could not) changes nothing
python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.3', 0))
s.sendto(b'\\0\\1SEP0011223344FE.cnf.xml.sgn\\0octet\\0', ('127.0.0.1', $TFTP))"
for _ in $(seq 60); do grep -q "TFTP 127.0.0.3:[0-9]* RRQ SEP0011223344FE.cnf.xml.sgn: timed out" $LOG && break; sleep 0.1; done
codes="$(post SEP0011223344FE 127.0.0.3) $(post SEP0011223344FE 127.0.0.2)"
expect_true "an unacknowledged transfer does not make its sender the phone (got $codes)" test "$codes" = "403 200"
expect_exit 0 "an unknown device fetches the auto-registration default" python3 $E2E/tftp_client.py 127.0.0.1 $TFTP SEP0000000000AA.cnf.xml.sgn raw.out
expect_true "its report is refused as unknown: 404" test "$(post SEP0000000000AA)" = 404


# SIGTERM stops cleanly
kill -TERM $SERVE
wait $SERVE
expect_true "SIGTERM: exit 0" test $? -eq 0
expect_true "and says so" grep -q "SERVE stopped" $LOG

# --workers 2: two event loops share the ports; every request still answered exactly
$PT tvs add $V/certs/ccm.pem --roles ccm,app-server --ttl 1h >/dev/null   # what valid.json asks
ports=$(free_ports 3)
set -- $ports
LOG2=$SCRATCH/serve2.log
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port $1 --http-port $2 --tvs-port $3 --capf-port 0 --workers 2 --log $LOG2 &
SERVE=$!
for _ in $(seq 50); do grep -q "SERVE node" $LOG2 2>/dev/null && break; sleep 0.1; done
expect_true "two workers" grep -q "2 workers" $LOG2
pids=""
i=0
while [ $i -lt 20 ]; do
    python3 $E2E/tftp_client.py 127.0.0.1 $1 ITLFile.tlv w.$i --opt blksize=1024 >/dev/null &
    pids="$pids $!"
    python3 $E2E/tvs_client.py 127.0.0.1 $3 --json $V/tvs/valid.json > tvsw.$i &
    pids="$pids $!"
    i=$((i + 1))
done
wait $pids
expect_true "20 transfers through two workers, all exact" sh -c "for f in w.*; do cmp -s \$f $D/ITLFile.tlv || exit 1; done"
expect_true "20 TVS answers through two workers" sh -c "[ \$(grep -l 0e10 tvsw.* | wc -l) -eq 20 ]"
expect_exit 0 "HTTP through two workers" curl -sS -o http2.out http://127.0.0.1:$2/ITLFile.tlv
expect_same "exact bytes" http2.out $D/ITLFile.tlv
kill -HUP $SERVE
sleep 1.5
expect_true "SIGHUP reloads" grep -q "SERVE SIGHUP: reloading certificates and caches" $LOG2
expect_exit 0 "HTTP after SIGHUP" curl -sS -o http3.out http://127.0.0.1:$2/ITLFile.tlv
expect_exit 0 "TVS after SIGHUP" python3 $E2E/tvs_client.py 127.0.0.1 $3 --json $V/tvs/valid.json
kill -TERM $SERVE
wait $SERVE
expect_true "SIGTERM stops every worker: exit 0" test $? -eq 0

# --max-clients: HTTP keep-alive connections count until they close; one more gets 503
LOG3=$SCRATCH/serve3.log
$PT serve $SERVE_AS --addr 127.0.0.1 --tftp-port 0 --http-port $2 --tvs-port 0 --capf-port 0 --max-clients 2 --log $LOG3 &
SERVE=$!
for _ in $(seq 50); do grep -q "SERVE node" $LOG3 2>/dev/null && break; sleep 0.1; done
expect_exit 0 "HTTP: two clients held open, a third refused, then admitted once one leaves" python3 -c "
import http.client, time
def get(c):
    c.request('GET', '/ITLFile.tlv'); r = c.getresponse(); r.read(); return r.status
a = http.client.HTTPConnection('127.0.0.1', $2, timeout=5)
b = http.client.HTTPConnection('127.0.0.1', $2, timeout=5)
assert get(a) == 200 and get(b) == 200
assert get(a) == 200, 'a counted client keeps being served'
c = http.client.HTTPConnection('127.0.0.1', $2, timeout=5)
st = get(c)
assert st == 503, st
a.close(); time.sleep(0.5)
d = http.client.HTTPConnection('127.0.0.1', $2, timeout=5)
assert get(d) == 200
"
for _ in $(seq 30); do grep -q "HTTP: refused" $LOG3 && break; sleep 0.1; done
expect_true "the refusal is logged, as a summary line" grep -qE "HTTP: refused 1 in the last second \([0-9]+ clients; most from 127.0.0.1: 1," $LOG3
kill -TERM $SERVE
wait $SERVE
expect_true "SIGTERM with clients connected: exit 0" test $? -eq 0
finish
