#!/bin/sh
# Install the Debian packages phonetrust needs to build and test, and only
# those that are missing. Idempotent; works as root and uses sudo otherwise.
# Called by `make demo` and `make check`, so a fresh Debian machine needs
# nothing else.
set -eu

PKGS="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev llvm \
libssl-dev openssl libsqlite3-dev sqlite3 libevent-dev libcurl4-openssl-dev libxml2-dev \
libcmocka-dev libedit-dev libp11-kit-dev softhsm2 faketime \
openssh-server openssh-client tftp-hpa tftpd-hpa curl xxd python3 opensc \
debhelper dpkg-dev fakeroot lintian mandoc man-db systemd time"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: missing packages:$missing (run as root or install sudo)" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tftpd-hpa and openssh-server must not start system daemons during install:
# the tests start their own instances on unprivileged loopback ports.
if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q >/dev/null 2>&1 || $SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
