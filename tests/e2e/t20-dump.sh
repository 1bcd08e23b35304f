# Every vector's TLV walk equals the listing beside it (spec §9.2).
. "$PT_TESTLIB"

for listing in $V/tlv/*.dump.txt $V/sgn/*.dump.txt; do
    src=${listing%.dump.txt}
    [ -f "$src" ] || src=$src.tlv
    name=$(basename "$src")
    shown=$(head -n 1 "$listing" | cut -d: -f1)
    (cd "$(dirname "$src")" && $PT tlv dump "$name") | sed "1s|^$name:|$shown:|" > walk.txt
    if cmp -s walk.txt "$listing"; then
        ok "tlv dump $name matches $(basename "$listing")"
    else
        not_ok "tlv dump $name differs from $(basename "$listing")"
        diff walk.txt "$listing" | head -5
    fi
done
for f in $DATA/real/*.tlv; do
    expect_exit 0 "real file $(basename "$f") parses and verifies" $PT show itl "$f"
    expect_out "real file $(basename "$f"): verdict" "The ITL file was verified successfully."
done
finish
