#!/bin/sh
# Runs every fuzz target of fuzz/targets.txt for a bounded time with a seed
# corpus made from the test vectors.  usage: fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET
set -eu
build=${1:-build-fuzz}
secs=${2:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
data=$top/tests/data
status=0
# the messages of the vectors' transcripts (hex, one per JSON string) as files;
# $2 = number of header bytes to drop (CAPF bodies)
transcript_corpus() {
    python3 - "$1" "$2" "$3" <<'PY'
import glob, json, os, sys
src, skip, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = 0
for f in sorted(glob.glob(os.path.join(src, '*.json'))):
    for _, h in json.load(open(f)):
        m = bytes.fromhex(h)[skip:]
        open(os.path.join(out, 'msg%04d' % n), 'wb').write(m)
        n += 1
PY
}
for t in $(sed -n 's/^\([a-z_]*\) .*/\1/p' "$top/fuzz/targets.txt"); do
    corpus=$top/fuzz/corpus-$t
    mkdir -p "$corpus"
    case $t in
        header) cp "$data"/vectors/tlv/*.tlv "$data"/vectors/sgn/*.sgn "$corpus"/ ;;
        trustlist) cp "$data"/vectors/tlv/*.tlv "$data"/real/*.tlv "$corpus"/ ;;
        sgn) cp "$data"/vectors/sgn/*.sgn "$corpus"/ ;;
        enccnf) cp "$data"/vectors/sgn/*.enc.sgn "$data"/vectors/sgn/*.plain "$corpus"/ ;;
        tvs) transcript_corpus "$data"/vectors/tvs 0 "$corpus" ;;
        capf) transcript_corpus "$data"/vectors/capf 8 "$corpus" ;;
        tftp)
            printf '\000\001ITLFile.tlv\000octet\000blksize\0001428\000tsize\0000\000windowsize\0008\000' > "$corpus"/rrq
            printf '\000\006blksize\0001024\000tsize\00012345\000' > "$corpus"/oack ;;
        devicetlinfo)
            printf 'DeviceName=SEP001122334455&ITL_Signature=0a0b&CTL_Signature=&ITL_TFTP_Server=192.0.2.10' > "$corpus"/form
            printf '<DeviceTLInfo><DeviceName>SEP001122334455</DeviceName><ITL_Signature>0a</ITL_Signature></DeviceTLInfo>' > "$corpus"/xml ;;
        phone_config) cp "$data"/vectors/sgn/*.plain "$corpus"/ ;;
        config_merge) cp "$data"/vectors/sgn/*.plain "$corpus"/ ;;
    esac
    echo "fuzz_$t: ${secs}s"
    if ! "$build/fuzz_$t" -max_total_time="$secs" -max_len=70000 -print_final_stats=1 \
            -artifact_prefix="$top/fuzz/" "$corpus" 2>"$build/fuzz_$t.log"; then
        echo "fuzz_$t FAILED (see $build/fuzz_$t.log and fuzz/crash-*)"
        tail -30 "$build/fuzz_$t.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz_$t.log" | sed 's/^/  /'
    fi
done
exit $status
