# Devices (M5), their configuration files (M11), auto-registration
# defaults, DeviceTLInfo and show itl-status (M22).
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --org Lab --unit Voice \
    --admin-password adminpw1 --security-password secpw123 >/dev/null
$PT node add sub --ip 192.0.2.11 >/dev/null
T=$PHONETRUST_HOME/tftp
$PT show cert own CallManager > pub-cm.pem
$PT --node sub show cert own CallManager > sub-cm.pem

expect_exit 0 "device add" $PT device add SEP001122334455 --model 8845
expect_exit 0 "lower-case MAC is accepted and made canonical" $PT device add sep00112233aabb --model 7965
expect_exit 0 "a phone without Security By Default" $PT device add SEP0011223344CC --model 7960
expect_exit 2 "a name that is not SEP + 12 hex digits" $PT device add SEP00112233 --model 8845
expect_err "says what a device name is" "is not a device name (SEP and 12 hex digits)"
expect_exit 2 "not hex" $PT device add SEP00112233445Z --model 8845
expect_exit 2 "an unknown model" $PT device add SEP0011223344DD --model 1234
expect_err "lists the known ones" "7940 7960"
expect_exit 0 "twice, just as it is: no error (an interrupted add completes when run again)" $PT device add SEP001122334455 --model 8845
expect_exit 2 "twice, as another model" $PT device add SEP001122334455 --model 7841
expect_err "says how it exists" "device SEP001122334455 already exists (Cisco 8845, Default, Standard Non-Secure)"
expect_exit 2 "an unknown pool" $PT device add SEP0011223344DD --model 8845 --pool Nowhere
expect_exit 0 "device list" $PT device list
expect_out "canonical name" "SEP00112233AABB  7965"
expect_exit 0 "device show" $PT device show SEP0011223344CC
expect_out "non-SBD marked" "Cisco 7960 (no Security By Default)"

# configuration files on every TFTP node, signed by that node's CallManager (TFTP) key
for node in pub sub; do
    expect_true "$node serves SEP001122334455.cnf.xml" test -f $T/$node/SEP001122334455.cnf.xml
    expect_exit 0 "$node's .sgn is signed by $node's CallManager" $PT sgn verify $T/$node/SEP001122334455.cnf.xml.sgn --cert $node-cm.pem
done
expect_exit 1 "and not by the other node's" $PT sgn verify $T/sub/SEP001122334455.cnf.xml.sgn --cert pub-cm.pem
$PT sgn strip $T/pub/SEP001122334455.cnf.xml.sgn cfg.xml
expect_same "the .sgn carries the plain file" cfg.xml $T/pub/SEP001122334455.cnf.xml
expect_true "TVS list from the CallManager group" grep -q "<address>192.0.2.10</address>" cfg.xml
expect_true "CAPF settings" grep -q "<phonePort>3804</phonePort>" cfg.xml
expect_true "device security mode" grep -q "<deviceSecurityMode>1</deviceSecurityMode>" cfg.xml

# the device pool's CallManager group is the phone's TVS list, in order
expect_exit 0 "device pool with two nodes" $PT device pool Group2 --group sub,pub
expect_exit 2 "a group naming an unknown node" $PT device pool Bad --group nosuch
expect_exit 0 "move the phone to it" $PT device set SEP001122334455 pool Group2
$PT sgn strip $T/pub/SEP001122334455.cnf.xml.sgn cfg.xml
expect_true "sub first, then pub" python3 -c "
t = open('cfg.xml').read()
assert t.index('<address>192.0.2.11</address>') < t.index('<address>192.0.2.10</address>')"
expect_exit 0 "settings: web access off, span to PC on, a directory URL" sh -c \
    "$PT device set SEP001122334455 web-access off && $PT device set SEP001122334455 span-to-pc on && $PT device set SEP001122334455 directory-url 'http://dir.example/x?a=1&b=2'"
$PT sgn strip $T/sub/SEP001122334455.cnf.xml.sgn cfg.xml
expect_true "web access off (Cisco: 1 = disabled)" grep -q "<webAccess>1</webAccess>" cfg.xml
expect_true "span to PC on" grep -q "<spanToPCPort>1</spanToPCPort>" cfg.xml
expect_true "URL escaped" grep -q "http://dir.example/x?a=1&amp;b=2" cfg.xml
expect_exit 2 "an unknown setting" $PT device set SEP001122334455 colour blue
expect_exit 2 "on/off only" $PT device set SEP001122334455 web-access maybe

# encrypted configuration: profile asks, and the device has an LSC on record
expect_exit 0 "an encrypted-config profile" $PT device profile Enc --mode encrypted --encrypted-config on --capf-auth lsc
expect_exit 2 "a bad CAPF authentication mode" $PT device profile Bad --capf-auth magic
$PT cert create lsc.pem --cn SEP00112233AABB >/dev/null
expect_exit 0 "profile set" $PT device set SEP00112233AABB profile Enc
expect_true "no LSC yet: still a plain signed file" test -f $T/pub/SEP00112233AABB.cnf.xml
expect_exit 0 "record the LSC" $PT device cert SEP00112233AABB lsc lsc.pem
expect_true "now .enc.sgn" test -f $T/pub/SEP00112233AABB.cnf.xml.enc.sgn
expect_true "and no plain file left" test ! -e $T/pub/SEP00112233AABB.cnf.xml
$PT sgn strip $T/pub/SEP00112233AABB.cnf.xml.sgn stub.xml
expect_true "the .sgn is the stub" grep -q "<encrConfig>true</encrConfig>" stub.xml
expect_exit 0 "the phone decrypts it with its key" $PT enccnf decrypt $T/pub/SEP00112233AABB.cnf.xml.enc.sgn enc.xml --key lsc.pem --cert pub-cm.pem
expect_true "the full configuration" grep -q "<deviceSecurityMode>3</deviceSecurityMode>" enc.xml
$PT cert create lsc-ec.pem --cn SEP00112233AABB --ec P-256 >/dev/null
expect_exit 0 "an EC LSC on record (EC keys cannot be encrypted to)" $PT device cert SEP00112233AABB lsc lsc-ec.pem
expect_exit 0 "the TFTP restart still succeeds" $PT utils service restart "Cisco Tftp"
expect_true "a signed file, not encrypted" sh -c "test -f $T/pub/SEP00112233AABB.cnf.xml && test ! -e $T/pub/SEP00112233AABB.cnf.xml.enc.sgn"
$PT device cert SEP00112233AABB lsc lsc.pem >/dev/null
expect_exit 0 "forget the LSC" $PT device cert SEP00112233AABB lsc --delete
expect_true "plain again" sh -c "test -f $T/pub/SEP00112233AABB.cnf.xml && test ! -e $T/pub/SEP00112233AABB.cnf.xml.enc.sgn"

# auto-registration defaults (M5): signed for SBD models, unsigned for the rest
expect_exit 0 "Auto-registration on" $PT set param Auto-registration True
expect_exit 0 "TFTP restart" $PT utils service restart "Cisco Tftp"
expect_true "XMLDefault.cnf.xml (unsigned, for 7940/7960/7935/7936/7937)" test -f $T/pub/XMLDefault.cnf.xml
expect_exit 0 "XMLDefault.cnf.xml.sgn (signed)" $PT sgn verify $T/pub/XMLDefault.cnf.xml.sgn --cert pub-cm.pem
expect_exit 0 "Auto-registration off" $PT set param Auto-registration False
$PT utils service restart "Cisco Tftp" >/dev/null
expect_true "defaults withdrawn" test ! -e $T/pub/XMLDefault.cnf.xml

# DeviceTLInfo and show itl-status (M22)
$PT --node sub utils service restart "Cisco Tftp" >/dev/null
pub_itl=$(sha1sum $T/pub/ITLFile.tlv | cut -c1-40)
expect_exit 0 "a matching report" $PT device report SEP001122334455 --itl-sha1 $pub_itl --tftp pub
expect_exit 0 "a stale report" $PT device report SEP00112233AABB --itl-sha1 0123456789abcdef0123456789abcdef01234567 --tftp sub
expect_exit 0 "a phone without an ITL" $PT device report SEP0011223344CC --tftp pub
expect_exit 2 "a malformed hash" $PT device report SEP0011223344CC --itl-sha1 xyz
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "Match" "SEP001122334455  pub          $pub_itl $pub_itl Match"
expect_true "MisMatch" grep -q "SEP00112233AABB  sub .* MisMatch" "$SCRATCH/out"
expect_true "Not Installed" grep -q "SEP0011223344CC  pub .* Not Installed" "$SCRATCH/out"
expect_out "summary" "3 devices: 1 Match, 1 MisMatch, 1 Not Installed, 0 Unknown"
# each phone is compared with the ITL of the TFTP node it reported
sub_itl=$(sha1sum $T/sub/ITLFile.tlv | cut -c1-40)
expect_true "the two nodes' ITLs differ" test "$sub_itl" != "$pub_itl"
$PT device report SEP00112233AABB --itl-sha1 $sub_itl --tftp sub >/dev/null
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "a subscriber's phone holding the subscriber's ITL: Match" "SEP00112233AABB  sub          $sub_itl $sub_itl Match"
$PT device report SEP00112233AABB --itl-sha1 $sub_itl --tftp pub >/dev/null
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "the same ITL reported through the publisher: MisMatch" "SEP00112233AABB  pub          $sub_itl $pub_itl MisMatch"
$PT device report SEP00112233AABB --itl-sha1 0123456789abcdef0123456789abcdef01234567 --tftp sub >/dev/null
$PT device add SEP0011223344DD --model 8865 >/dev/null
expect_exit 0 "show itl-status" $PT show itl-status
expect_out "a device that never reported" "1 Unknown"
expect_exit 0 "after a regeneration the old report no longer matches" sh -c \
    "$PT set cert regen CallManager --yes >/dev/null && $PT utils service restart 'Cisco Tftp' >/dev/null && $PT show itl-status"
expect_out "MisMatch now" "0 Match, 2 MisMatch"

expect_exit 0 "device remove" $PT device remove SEP001122334455
expect_true "its files are gone from every node" sh -c "! ls $T/pub $T/sub | grep -q SEP001122334455"
expect_exit 2 "remove it again" $PT device remove SEP001122334455
finish
