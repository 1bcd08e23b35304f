# lib.sh - a tiny test library for end-to-end tests of the phonetrust
# binary, in the spirit of git's t/test-lib.sh: every test runs the real
# command in a scratch directory; one assertion per step.
#
# Environment (set by ctest): PHONETRUST (the binary), PT_TEST_DATA.
set -u
PT=${PHONETRUST:?PHONETRUST must name the phonetrust binary}
DATA=${PT_TEST_DATA:?PT_TEST_DATA must name tests/data}
V=$DATA/vectors
# libfaketime is preloaded by some tests; under ASan that needs this
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
passed=0
failed=0
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/phonetrust-test.XXXXXX")
# at_exit CMD: run CMD when the test ends (servers it started), newest first
_at_exit=""
at_exit() { _at_exit="$1; $_at_exit"; }
trap 'eval "$_at_exit"; rm -rf "$SCRATCH"' EXIT
cd "$SCRATCH" || exit 1
# python3 may be a pyenv shim, a shell script that costs ~0.4 s a call (most
# of some tests' time): the interpreter it runs goes first on PATH instead
_py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$_py" ] && \
    mkdir "$SCRATCH/.bin" && ln -s "$_py" "$SCRATCH/.bin/python3" && PATH=$SCRATCH/.bin:$PATH && export PATH
# serve as root only when told (the tests run as root in CI)
[ "$(id -u)" = 0 ] && SERVE_AS=--allow-root || SERVE_AS=
# start_serve LOG ARGS...: `phonetrust serve --addr 127.0.0.1 ARGS --log LOG`
# in the background (PID in SERVE, killed at exit), once it is listening
start_serve() {
    _log=$1
    shift
    $PT serve $SERVE_AS --addr 127.0.0.1 "$@" --log "$_log" &
    SERVE=$!
    at_exit "kill $SERVE 2>/dev/null"
    for _ in $(seq 50); do grep -q "SERVE node" "$_log" 2>/dev/null && break; sleep 0.1; done
    settle_init "$_log"
}
# settle [LOG]: after an admin change, until the running serve (LOG, default
# $LOG) has noticed it: a "Recaching" or "restarted" line newer than the
# last settle (or than settle_init, which start_serve calls), then a quiet
# 1.1 s - its refresh tick - for a change that arrived in two parts.  Ten
# seconds at most; says so when nothing came.
_recaches() { grep -cE "Recaching|restarted" "$1" 2>/dev/null || true; }
settle_init() { _recaches "$1" >"$1.settled"; }
settle() {
    _slog=${1:-${LOG:?settle needs the serve log}}
    _base=$(cat "$_slog.settled" 2>/dev/null || echo 0)
    _i=0
    while [ "$(_recaches "$_slog")" -le "$_base" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ $_i -ge 100 ] && echo "# settle: no recache in $_slog after 10 s"
    _c=$(_recaches "$_slog")
    while :; do sleep 1.1; [ "$(_recaches "$_slog")" -eq "$_c" ] && break; _c=$(_recaches "$_slog"); done
    echo "$_c" >"$_slog.settled"
}
# N free ports on loopback (bound together, so distinct), space-separated
free_ports() {
    # below the kernel's ephemeral range (32768-60999 here): an outgoing
    # socket of another test running at the same time (a fleet's TFTP
    # clients) can never be given one of these between our pick and the
    # server's bind; each free for TCP and UDP on 127.0.0.1 and 127.0.0.2
    python3 -c '
import random, socket, sys
lo, hi = 20000, 32000
try:
    lo_e = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    hi = min(hi, lo_e)
except (OSError, ValueError):
    pass
def free(p):
    for addr in ("127.0.0.1", "127.0.0.2"):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind((addr, p))
            except OSError:
                return False
            finally:
                s.close()
    return True
got = []
while len(got) < int(sys.argv[1]):
    p = random.randrange(lo, hi)
    if p not in got and free(p):
        got.append(p)
print(" ".join(map(str, got)))' "$1"
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
# PT_FAIL_FAST=1 (make mutate): the first failure ends the test
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    if [ -n "${PT_FAIL_FAST:-}" ]; then echo "$passed passed, $failed failed"; exit 1; fi
}

# run CMD...: runs it with stdout in $SCRATCH/out, stderr in $SCRATCH/err, exit in $rc
run() { "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"; rc=$?; }

# expect_exit CODE DESCRIPTION CMD...
expect_exit() {
    want=$1 desc=$2
    shift 2
    run "$@"
    if [ "$rc" -eq "$want" ]; then
        ok "$desc"
    else
        sed 's/^/    stderr: /' "$SCRATCH/err" | head -5
        not_ok "$desc (exit $rc, expected $want)"
    fi
}

# expect_out DESCRIPTION FIXED-STRING: the last run's stdout contains it
expect_out() {
    if grep -qF -- "$2" "$SCRATCH/out"; then ok "$1"; else not_ok "$1: stdout lacks '$2'"; fi
}
expect_err() {
    if grep -qF -- "$2" "$SCRATCH/err"; then ok "$1"; else sed 's/^/    stderr: /' "$SCRATCH/err" | head -3; not_ok "$1: stderr lacks '$2'"; fi
}
expect_no_out() {
    if grep -qF -- "$2" "$SCRATCH/out"; then not_ok "$1: stdout has '$2'"; else ok "$1"; fi
}
expect_same() {
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1: $2 and $3 differ"; fi
}
expect_true() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
