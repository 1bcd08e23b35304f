# The README's examples run as written, in order, in a sandbox of their own
# (a home directory, the built phonetrust first on PATH, loopback only):
# each command's exit status is what the README says (0, or its "exit N").
# The blocks that need root, systemd, the package or another machine say
# so and are left out (readme_run.py).  The README's servers listen on
# fixed ports (TFTP 6969; HTTP 6970, TVS 2445, CAPF 3804, the defaults) on
# 127.0.0.1 and 127.0.0.2: every other test gives serve free ports of its own.
. "$PT_TESTLIB"
if [ "${PT_SANITIZE:-OFF}" = ON ]; then
    ok "the README's examples: run by the normal build (their commands are each tested under the sanitizers)"
    finish; exit
fi
TOP=$(cd "$(dirname "$PT_TESTLIB")/../.." && pwd)
mkdir -p home work tmp
python3 "$(dirname "$PT_TESTLIB")/readme_run.py" $TOP/README.md >readme.sh
expect_true "the README has examples to run ($(grep -c '^__check' readme.sh) commands)" test "$(grep -c '^__check' readme.sh)" -ge 30
# what the examples ask (install's two passwords; the rehearsed utils itl reset's), in order
printf 'Admin-pw1\nSecurity-pw1\nAdmin-pw1\n' >answers
# as an ordinary user, as the README says (no root needed): root runs it as nobody
mkdir -p bin && cp $PT bin/phonetrust
AS=""
if [ "$(id -u)" = 0 ]; then
    chmod 755 $SCRATCH && chmod -R a+rX bin && chown -R nobody home work tmp
    AS="runuser -u nobody --"
fi
(cd work && $AS env -u PHONETRUST_HOME -u PHONETRUST_PHONES HOME=$SCRATCH/home TMPDIR=$SCRATCH/tmp \
    PATH="$SCRATCH/bin:$PATH" bash ../readme.sh <../answers >../readme.out 2>../readme.err)
while IFS= read -r line; do
    case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }"; sed 's/^/    stderr: /' readme.err | tail -5 ;;
    esac
done <readme.out
expect_true "every block ran to its end" grep -q "^README blocks run: " readme.out
finish
