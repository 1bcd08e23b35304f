#!/bin/sh
# Runs every fuzz target for a bounded time with a seed corpus made from
# the test vectors.  usage: fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET
set -eu
build=${1:-build-fuzz}
secs=${2:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
data=$top/tests/data
status=0
for t in header trustlist sgn enccnf; do
    corpus=$top/fuzz/corpus-$t
    mkdir -p "$corpus"
    case $t in
        header) cp "$data"/vectors/tlv/*.tlv "$data"/vectors/sgn/*.sgn "$corpus"/ ;;
        trustlist) cp "$data"/vectors/tlv/*.tlv "$data"/real/*.tlv "$corpus"/ ;;
        sgn) cp "$data"/vectors/sgn/*.sgn "$corpus"/ ;;
        enccnf) cp "$data"/vectors/sgn/*.enc.sgn "$data"/vectors/sgn/*.plain "$corpus"/ ;;
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
