# Installed as a Debian administrator expects: `make install DESTDIR=...`
# puts the command, its man pages, the systemd unit and bash completion
# under the prefix; the unit verifies and is sandboxed; the man pages name
# every command and option the command accepts, and lint clean; completion
# offers every command word; the package builds (once: in the normal build,
# not again under the sanitizers), lintian finds no error, and it holds
# the binary, unit, man pages and conffiles.
. "$PT_TESTLIB"
E2E=$(dirname "$PT_TESTLIB")
TOP=$(cd "$E2E/../.." && pwd)
BUILD=$(dirname "$PT")

# make install DESTDIR=... (the install step of it, on this build)
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' $BUILD/CMakeCache.txt)
DEST=$SCRATCH/dest
expect_exit 0 "make install's step: cmake --install with DESTDIR" env DESTDIR=$DEST cmake --install $BUILD
I=$DEST$PREFIX
expect_exit 0 "the command, installed, runs" $I/bin/phonetrust --version
expect_true "phonetrust(1)" test -s $I/share/man/man1/phonetrust.1
expect_true "phonetrust-serve(8)" test -s $I/share/man/man8/phonetrust-serve.8
expect_true "bash completion" test -s $I/share/bash-completion/completions/phonetrust
UNIT=$I/lib/systemd/system/phonetrust.service
expect_true "the unit" test -s $UNIT
expect_true "which starts the installed command" grep -qx "ExecStart=$PREFIX/bin/phonetrust serve \$PHONETRUST_SERVE_OPTS" $UNIT
expect_true "nothing else" sh -c "[ \$(find $DEST -type f | wc -l) -eq 5 ]"

# the unit: verified by systemd, run as the service user with one capability, sandboxed
sed "s|^ExecStart=$PREFIX/bin/phonetrust|ExecStart=$I/bin/phonetrust|" $UNIT >phonetrust.service
expect_exit 0 "systemd-analyze verify accepts the unit" systemd-analyze verify --man=no phonetrust.service
expect_true "and says nothing against it" test ! -s $SCRATCH/err
for want in User=phonetrust AmbientCapabilities=CAP_NET_BIND_SERVICE CapabilityBoundingSet=CAP_NET_BIND_SERVICE \
    ProtectSystem=strict ReadWritePaths=/var/lib/phonetrust PrivateTmp=yes NoNewPrivileges=yes \
    EnvironmentFile=-/etc/default/phonetrust 'ExecReload=/bin/kill -HUP $MAINPID' Environment=PHONETRUST_HOME=/var/lib/phonetrust; do
    expect_true "the unit says $want" grep -qxF "$want" phonetrust.service
done
systemd-analyze security --offline=true phonetrust.service >security.out 2>&1
exposure=$(sed -n 's/.*Overall exposure level for phonetrust.service: \([0-9.]*\).*/\1/p' security.out)
expect_true "systemd's exposure level of the unit is low (${exposure:-?} of 10, at most 2.0)" \
    python3 -c "import sys; sys.exit(not (0 <= float('${exposure:-99}') <= 2.0))"

# the man pages: lint clean, every command and option of `phonetrust help`
expect_exit 0 "mandoc -Tlint: phonetrust(1) has no warning" mandoc -Tlint -W warning $TOP/man/phonetrust.1
expect_exit 0 "mandoc -Tlint: phonetrust-serve(8) has no warning" mandoc -Tlint -W warning $TOP/man/phonetrust-serve.8
expect_exit 0 "man --warnings: nothing to say" sh -c "MANWIDTH=80 man --warnings -l $TOP/man/phonetrust.1 2>&1 >/dev/null | grep . && exit 1 || exit 0"
expect_exit 0 "phonetrust(1)'s command reference is what the command table says (make man)" \
    $TOP/scripts/man-commands.sh $PT $TOP/man/phonetrust.1 --check
$PT help >help.txt
python3 $E2E/commands_of_help.py <help.txt >commands.txt
python3 $E2E/commands_of_help.py --options <help.txt >options.txt
mandoc -Tascii $TOP/man/phonetrust.1 | col -b >man1.txt
mandoc -Tascii $TOP/man/phonetrust-serve.8 | col -b >man8.txt
expect_true "help lists the commands ($(wc -l <commands.txt))" test "$(wc -l <commands.txt)" -ge 60
expect_true "every command of help is in phonetrust(1)" python3 -c '
import re, sys
text = " ".join(open("man1.txt").read().split())
missing = []
for cmd in open("commands.txt").read().splitlines():
    words = re.findall(r"\"[^\"]*\"|\S+", cmd)
    # "a b c" as written, or as one of "a b x | c | y"
    pat = r"\s+".join(re.escape(w) for w in words[:-1]) + r"\s+(?:\S+\s+\|\s+)*" + re.escape(words[-1]) if len(words) > 1 else re.escape(words[0])
    if not re.search(r"(?<![\w-])" + pat + r"(?![\w-])", text):
        missing.append(cmd)
if missing:
    sys.exit("not in phonetrust(1): " + ", ".join(missing))'
expect_true "every option of help is in the man pages" sh -c "cat man1.txt man8.txt >man.txt; \
    for o in \$(cat options.txt); do grep -q -- \"\$o\\b\" man.txt || { echo \"    missing \$o\"; exit 1; }; done"
expect_true "every serve option is in phonetrust-serve(8)" sh -c "for o in --addr --tftp-port --http-port --tvs-port \
    --capf-port --workers --max-clients --max-per-peer --timeout --tls-min --log --root --user --allow-root --trace-tvs; do \
    grep -q -- \"\$o\" man8.txt || { echo \"    missing \$o\"; exit 1; }; done"
expect_true "every exit status of help is in phonetrust(1)" sh -c "for n in 0 1 2 3 4 5 6 7 8; do \
    grep -Eq \"^ +\$n[[:space:]]+[A-Za-z]\" man1.txt || { echo \"    missing \$n\"; exit 1; }; done"

# bash completion offers each command word after the ones before it (one
# phonetrust per word: in the normal build's run; under the sanitizers, which
# start each process ten times slower, the first word of each command only)
[ "${PT_SANITIZE:-OFF}" = ON ] && awk '!seen[$1]++ {print $1}' commands.txt >commands.cut && mv commands.cut commands.txt
expect_true "completion offers every command word of help" bash -c '
. "$1"
pt=$3
fail=0
while read -r line; do
    set -f; set -- $line; set +f
    words=("$pt")
    for w in "$@"; do
        case $w in \"*) break ;; esac
        COMP_WORDS=("${words[@]}" "${w:0:1}"); COMP_CWORD=${#words[@]}; COMPREPLY=()
        _phonetrust
        printf "%s\n" "${COMPREPLY[@]}" | grep -qx -- "$w" || { echo "    $line: \"$w\" not offered after ${words[*]}"; fail=1; break; }
        words+=("$w")
    done
done <"$2"
exit $fail' _ $TOP/dist/phonetrust.bash-completion commands.txt $PT

# the package: built once, in the normal build
if [ "${PT_SANITIZE:-OFF}" = ON ]; then
    ok "the package: built by the normal build's run of this test, not again under the sanitizers"
    finish; exit
fi
expect_exit 0 "make deb's script builds the package, lintian finds no error" $TOP/scripts/make-deb.sh $SCRATCH/deb $SCRATCH
DEB=$(ls $SCRATCH/phonetrust_*.deb 2>/dev/null | head -1)
expect_true "phonetrust_VERSION_ARCH.deb" test -s "$DEB"
dpkg-deb -c "$DEB" | awk '{print $6}' >contents.txt
for f in ./usr/bin/phonetrust ./lib/systemd/system/phonetrust.service ./usr/share/man/man1/phonetrust.1.gz \
    ./usr/share/man/man8/phonetrust-serve.8.gz ./usr/share/bash-completion/completions/phonetrust \
    ./etc/default/phonetrust ./etc/logrotate.d/phonetrust; do
    expect_true "the package holds $f" grep -qx -- "$f" contents.txt
done
dpkg-deb -e "$DEB" control
expect_true "its conffiles: /etc/default/phonetrust, /etc/logrotate.d/phonetrust" sh -c \
    "grep -qx /etc/default/phonetrust control/conffiles && grep -qx /etc/logrotate.d/phonetrust control/conffiles"
expect_true "its postinst makes the phonetrust system user, home /var/lib/phonetrust 0700" sh -c \
    "grep -q 'adduser --system' control/postinst && grep -q 'home /var/lib/phonetrust' control/postinst && grep -q 'chmod 0700 /var/lib/phonetrust' control/postinst"
expect_true "the service is not started before a cluster exists" sh -c "! grep -q 'deb-systemd-invoke start' control/postinst"
mkdir pkg && dpkg-deb -x "$DEB" pkg
sed "s|^ExecStart=/usr/bin/phonetrust|ExecStart=$SCRATCH/pkg/usr/bin/phonetrust|" pkg/lib/systemd/system/phonetrust.service >pkg.service
expect_exit 0 "the packaged unit verifies too" systemd-analyze verify --man=no pkg.service
expect_true "its logrotate reopens the log with SIGHUP" grep -q -- "--signal=HUP phonetrust.service" pkg/etc/logrotate.d/phonetrust
expect_exit 0 "the packaged command runs" pkg/usr/bin/phonetrust --version
finish
