# Simulated phones against a real `phonetrust serve` on loopback (issue 6,
# first part): seed scenarios 1 (first boot), 2 (CallManager regenerated),
# 3 (TVS and CallManager back to back, then utils itl reset localkey) and
# 9 (manual erase), asserted on the phones' state.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster PHONETRUST_PHONES=$SCRATCH/phones
ports=$(free_ports 3)
set -- $ports
TFTP=$1 HTTP=$2 TVS=$3
$PT install --publisher pub --domain lab.example --ip 127.0.0.1 --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT set param "TVS Port" $TVS >/dev/null           # what the phones' configs tell them
$PT device add SEP001122334455 --model 8845 >/dev/null
$PT device add SEP0011223344AA --model 7965 >/dev/null
$PT device add SEP0011223344BB --model 7960 >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
D=$PHONETRUST_HOME/tftp/pub
LOG=$SCRATCH/serve.log
start_serve $LOG --tftp-port $TFTP --http-port $HTTP --tvs-port $TVS --capf-port 0
boot() { $PT phone boot --mac $1 --tftp 127.0.0.1:$TFTP --http-port $HTTP ${2:+--model $2}; }
itl_of() { $PT phone show --mac $1 --json | python3 -c 'import json,sys; i=json.load(sys.stdin)["itl"]; print(i["sha1"] if i else "none")'; }
served_itl() { sha1sum $D/ITLFile.tlv | cut -c1-40; }

# 1. first boot: ITL on trust, signed config accepted; a 7960 takes the unsigned config
expect_exit 0 "8845 first boot" boot 001122334455 8845
expect_out "trusted, with the ITL and the config" "SEP001122334455: trusted, new ITL, new config"
expect_true "its ITL is the served one" test "$(itl_of 001122334455)" = "$(served_itl)"
expect_exit 0 "phone show" $PT phone show --mac 001122334455
expect_out "first ITL trusted on first use" "installed: trusted on first use"
expect_out "signed config in force" "SEP001122334455.cnf.xml.sgn accepted and in force"
expect_exit 0 "7965 first boot" boot 0011223344AA 7965
expect_exit 0 "7960 (no Security By Default) first boot" boot 0011223344BB 7960
expect_true "the 7960 holds no ITL" test "$(itl_of 0011223344BB)" = none
expect_exit 0 "7960 show" $PT phone show --mac 0011223344BB
expect_out "it took the unsigned config" "SEP0011223344BB.cnf.xml accepted and in force"
expect_exit 0 "the reports arrived" $PT show itl-status
expect_out "two SBD phones match" "2 Match"
expect_exit 2 "an unknown model" boot 0011223344CC 1234
expect_err "names the models" "expected one of"
expect_exit 2 "a bad MAC" boot 00112233 8845
expect_exit 4 "no TFTP server there" $PT phone boot --mac 0011223344DD --model 8845 --tftp 127.0.0.1:9 --timeout 100ms --http-port 0
expect_err "says which file and server" "TFTP 127.0.0.1:9 CTLSEP0011223344DD.tlv: no answer"
expect_exit 0 "TFTP by host name" $PT phone boot --mac 0011223344DE --model 8845 --tftp localhost:$TFTP --http-port 0
expect_out "the same cluster, trusted" "SEP0011223344DE: trusted, new ITL"
expect_exit 2 "a TFTP host name that does not resolve" $PT phone boot --mac 0011223344DF --model 8845 --tftp tftp.invalid --http-port 0
expect_err "says so" "TFTP server tftp.invalid: cannot resolve it"

# HTTPS application servers: the lists, then TVS (tvs add ... --roles app-server)
set -- $(free_ports 1)
$PT cert create app.pem --cn apps.lab.example --role app-server >/dev/null
openssl s_server -quiet -accept 127.0.0.1:$1 -cert app.pem -key app.pem >/dev/null 2>&1 &
at_exit "kill $! 2>/dev/null"
sleep 0.5
expect_exit 1 "an unknown application server" $PT phone https-check --mac 001122334455 https://127.0.0.1:$1/
expect_out "not trusted, and why" "not trusted: HTTPS: the server's certificate is in no trust list and TVS does not vouch for it"
$PT tvs add app.pem --roles app-server --ttl 1h >/dev/null
settle
expect_exit 0 "once TVS knows it" $PT phone https-check --mac 001122334455 https://127.0.0.1:$1/
expect_out "trusted through TVS" "trusted (signer vouched for by TVS)"
$PT tvs remove app.pem >/dev/null
settle
expect_exit 0 "TVS forgot it, but the phone's answer cache holds it for the TTL" $PT phone https-check --mac 001122334455 https://127.0.0.1:$1/
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "from the cache" "TVS cache: certificate"
expect_exit 1 "another phone has no such cache" $PT phone https-check --mac 0011223344AA https://127.0.0.1:$1/
expect_exit 2 "not an https URL" $PT phone https-check --mac 001122334455 http://127.0.0.1:$1/

# 2. CallManager regenerated, TFTP restarted, phones reset: TVS vouches for the new signer
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
settle   # TVS notices the database change
expect_exit 0 "after a CallManager regeneration" boot 001122334455
expect_true "the new ITL is installed" test "$(itl_of 001122334455)" = "$(served_itl)"
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "through TVS" "installed: signer vouched for by TVS"
expect_true "seed 002's console lines: the query, the answer, then the cache flushed" python3 -c '
import sys
t = [l.split(" ", 3)[3] for l in open(sys.argv[1]).read().splitlines()]
seq = ["SECD: setupSocketToTvsProxy: Connected to TVS proxy server", "SECD: tvsReqFlushTvsCertCache: Sent Request to TVS proxy, len: ",
       "SECD: clpTvsInit: Client message received on TVS proxy socket", "SECD: processTvsClntReq: Success reading the client TVS request, len : ",
       "installed: signer vouched for by TVS", "SECD: processTvsClntReq: TVS Certificate cache flush request received",
       "SECD: tvsFlushCertCache: Completed TVS Certificate cache flush request"]
i = 0
for l in t:
    if i < len(seq) and seq[i] in l:
        i += 1
assert i == len(seq), seq[i]' $PHONETRUST_PHONES/SEP001122334455/console.log
expect_true "the answer cache is gone" test ! -e $PHONETRUST_PHONES/SEP001122334455/tvs-cache
expect_exit 0 "the 7965 too" boot 0011223344AA

# 3. TVS and CallManager regenerated back to back: locked
$PT set cert regen TVS --yes --force >/dev/null
$PT utils service restart "Cisco Trust Verification Service" >/dev/null
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
settle
old=$(itl_of 001122334455)
expect_exit 1 "locked" boot 001122334455
expect_out "the summary says so" "locked (Trust List Update Failed), config refused"
expect_true "keeps its old ITL" test "$(itl_of 001122334455)" = "$old"
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "status message of the seeds" "Trust List Update Failed"
expect_out "TVS is not in its ITL any more" "the server's certificate is not a TVS record of the ITL"
expect_out "seed 000's console line" "SECD: EROR:verifyFile: sgn verify file failed </usr/ram/SEP001122334455.cnf.xml>, errclass 8, errcode 19 (signer not in CTL)"
expect_out "and the second" "SECD: EROR:verifyFile: verify FAILED, </usr/ram/SEP001122334455.cnf.xml>"
expect_true "numbered, at level ERR, to the microsecond, as on the phone" python3 -c '
import re, sys
lines = open(sys.argv[1]).read().splitlines()
i = next(k for k, l in enumerate(lines) if "sgn verify file failed </usr/ram/SEP001122334455.cnf.xml>" in l)
m = re.match(r"(\d+): ERR \d\d:\d\d:\d\d\.\d{6} SECD: EROR:verifyFile: sgn verify file failed", lines[i])
assert m and int(m.group(1)) == i + 1, lines[i]
assert re.match(r"%d: ERR .* SECD: EROR:verifyFile: verify FAILED" % (i + 2), lines[i + 1]), lines[i + 1]
assert all(re.match(r"\d+: (NOT|ERR) ", l) for l in lines), [l for l in lines if not re.match(r"\d+: (NOT|ERR) ", l)][:1]
assert re.match(r"\d+: NOT .* boot: ", lines[0]), lines[0]' $PHONETRUST_PHONES/SEP001122334455/console.log
expect_out "Locked: yes" "yes: cannot verify"
# a config change does not take effect on a locked phone
CFG=$PHONETRUST_PHONES/SEP001122334455/config.xml
cp $CFG cfg_before.xml
expect_exit 0 "a config change on the cluster" $PT device set SEP001122334455 directory-url http://directory.lab.example/xmldirectory
$PT utils service restart "Cisco Tftp" >/dev/null
expect_true "the served config has the change" grep -q "directory.lab.example/xmldirectory" $D/SEP001122334455.cnf.xml.sgn
expect_exit 1 "still locked" boot 001122334455
expect_same "the config in force is unchanged, byte for byte" cfg_before.xml $CFG
expect_exit 0 "show itl-status finds it" $PT show itl-status
expect_true "its row: MisMatch, and when it said so" grep -qE "^SEP001122334455 +pub +[0-9a-fA-F]{40} +[0-9a-fA-F]{40} +MisMatch +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\$" $SCRATCH/out
# utils itl reset localkey, then reset: recovered through the ITLRecovery SAST it holds
echo adminpw1 | $PT utils itl reset localkey >/dev/null
expect_exit 0 "recovered by utils itl reset localkey" boot 001122334455
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "the recovery signer was in its ITL" "installed: signer in the installed ITL"
expect_out "not locked" "Locked:   no"
expect_true "and the config change took effect" grep -q "directory.lab.example/xmldirectory" $CFG
# (--force: the other phones here have not taken the reset ITL, and are knowingly left behind)
expect_exit 6 "a TFTP restart while phones have not taken the reset ITL: refused" $PT utils service restart "Cisco Tftp"
$PT utils service restart "Cisco Tftp" --force >/dev/null
expect_exit 0 "TFTP restart + reset: back to the CallManager signer" boot 001122334455
expect_true "holding the served ITL" test "$(itl_of 001122334455)" = "$(served_itl)"
expect_exit 0 "show --json" $PT phone show --mac 001122334455 --json
expect_out "signed by CallManager again" '"signer":"CN=pub.lab.example'
# a phone that holds an ITL refuses an unsigned configuration file
cp $CFG cfg_before.xml
mv $D/SEP001122334455.cnf.xml.sgn signed.bak
$PT sgn strip signed.bak $D/SEP001122334455.cnf.xml >/dev/null
sed -i 's|directory.lab.example/xmldirectory|evil.example/dir|' $D/SEP001122334455.cnf.xml
expect_exit 1 "only an unsigned config served: refused" boot 001122334455
expect_exit 0 "show" $PT phone show --mac 001122334455
expect_out "and why" "SEP001122334455.cnf.xml: unsigned, and this phone holds trust lists: refused"
expect_same "the signed config stays in force" cfg_before.xml $CFG
rm $D/SEP001122334455.cnf.xml
mv signed.bak $D/SEP001122334455.cnf.xml.sgn

# 9. manual erase as the last resort: a locked 7965 erased from its menu trusts what is served
# (the 8845's configuration in force disables Settings Access: factory reset only)
$PT device set SEP001122334455 settings-access 0 >/dev/null
boot 001122334455 >/dev/null
$PT set cert regen TVS --yes --force >/dev/null
$PT utils service restart "Cisco Trust Verification Service" >/dev/null
$PT set cert regen CallManager --yes --force >/dev/null
$PT utils service restart "Cisco Tftp" >/dev/null
settle
expect_exit 1 "the 7965 is locked" boot 0011223344AA
expect_exit 0 "erase from the settings menu" $PT phone erase-trust-list --mac 0011223344AA
expect_out "the 79XX menu path of M24" "Settings > Security > Trust List > ITL File > **# > Erase"
expect_exit 0 "the next boot trusts the served ITL" boot 0011223344AA
expect_true "it holds the served ITL" test "$(itl_of 0011223344AA)" = "$(served_itl)"
expect_exit 6 "Settings Access disabled: no menu erase" $PT phone erase-trust-list --mac 001122334455
expect_err "newer menus, and what is left" "Settings > Administrator Settings > Reset Settings > Security Settings: not reachable, the configuration in force disables Settings Access (settingsAccess 0); only a factory reset erases the trust lists"
expect_true "the trust lists are still there" test "$(itl_of 001122334455)" != none
expect_exit 0 "factory reset" $PT phone factory-reset --mac 001122334455
expect_true "nothing left but the model" sh -c "[ \$($PT phone show --mac 001122334455 --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j[\"itl\"] is None and j[\"config_bytes\"] == 0)') = True ]"
expect_exit 2 "an unknown phone" $PT phone show --mac 0000000000EE
kill -TERM $SERVE
wait $SERVE
finish
