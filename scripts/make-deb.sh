#!/bin/sh
# make-deb.sh [DIR [DEST]]: the Debian package, built by dpkg-buildpackage
# from debian/ in a copy of the tree under DIR (default build-deb; the source
# tree gets no debian/phonetrust, obj-* or ../*.deb), checked by lintian (no
# errors), copied into DEST (default: the top of the tree).
set -eu
cd "$(dirname "$0")/.."
out=${1:-build-deb}
dest=${2:-.}
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
src=$out/phonetrust-$version
rm -rf "$out"
mkdir -p "$src"
# the tracked files (a fresh clone's tree), or everything but the builds
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
    git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src"
else
    tar -cf - --exclude='./build*' --exclude=./.git --exclude='./*.deb' . | tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b --no-sign >../build.log 2>&1) || {
    tail -30 "$out/build.log"
    echo "make-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
    exit 1
}
deb=phonetrust_${version}_${arch}.deb
lintian --fail-on error "$out/phonetrust_${version}_${arch}.changes" \
    >"$out/lintian.log" 2>&1 || {
    cat "$out/lintian.log"
    echo "make-deb: lintian found errors" >&2
    exit 1
}
cp "$out/$deb" "$dest"
echo "make-deb: $deb (lintian: $(grep -c '^[EW]:' "$out/lintian.log" || true) errors or warnings, see $out/lintian.log)"
