#!/usr/bin/env bash
# Coverage-guided fuzzing of Skein's parsers (docs/fuzzing.md). For each fuzz target: build it with libFuzzer,
# replay its committed corpus (Fuzz/Corpora/<target>), then fuzz it for SECONDS (default 15) into a temporary copy
# of that corpus, so the committed one does not grow. Exits non-zero when an input crashes a target or breaks one
# of its properties, after printing the target and the input (base64).
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 FuzzQueryFile
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-15}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzGooseParser FuzzCommandSplitter FuzzConnectionString FuzzProjectConfiguration FuzzQueryFile)

scratch=.build-fuzz
# Swift's own crash handler would catch the trap first and exit without libFuzzer writing the input down.
export SWIFT_BACKTRACE=enable=no
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()

# The inputs a run left behind (crash-*, timeout-*, oom-*), each with the lines that say why.
report() {
    local target=$1 log=$2
    echo "fuzz: $target failed:" >&2
    grep -E 'Precondition failed|Fatal error|Assertion failed|ERROR: libFuzzer|SUMMARY: libFuzzer|^MS: ' "$log" >&2 || tail -n 25 "$log" >&2
    for input in "$work/$target-"*; do
        [ -f "$input" ] || continue
        echo "fuzz: $target: input $(basename "$input") (base64): $(base64 -w0 "$input")" >&2
        echo "fuzz: reproduce: echo '$(base64 -w0 "$input")' | base64 -d >input && SWIFT_BACKTRACE=enable=no $scratch/debug/$target input" >&2
    done
    failed+=("$target")
}

for target in "${targets[@]}"; do
    corpus=Fuzz/Corpora/$target
    [ -d "$corpus" ] || { echo "fuzz: no corpus $corpus" >&2; exit 2; }
    start=$SECONDS
    swift build --sanitize fuzzer --product "$target" --scratch-path "$scratch" >"$work/$target.build.log" 2>&1 \
        || { cat "$work/$target.build.log" >&2; exit 2; }
    built=$((SECONDS - start))
    binary=$scratch/debug/$target
    options=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/$target-")
    [ -f "Fuzz/Dictionaries/$target.dict" ] && options+=(-dict="Fuzz/Dictionaries/$target.dict")

    start=$SECONDS
    if ! "$binary" "${options[@]}" -runs=0 "$corpus" >"$work/$target.replay.log" 2>&1; then
        report "$target" "$work/$target.replay.log"
        continue
    fi
    replayed=$((SECONDS - start))

    mkdir "$work/$target.corpus"
    cp "$corpus"/* "$work/$target.corpus/"
    start=$SECONDS
    if ! "$binary" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 "$work/$target.corpus" \
        >"$work/$target.fuzz.log" 2>&1; then
        report "$target" "$work/$target.fuzz.log"
        continue
    fi
    fuzzed=$((SECONDS - start))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.fuzz.log")
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/$target.fuzz.log" | tail -n 1)
    echo "fuzz: $target ok: build ${built}s, replay of $(ls "$corpus" | wc -l) inputs ${replayed}s," \
        "fuzz ${fuzzed}s: $executions executions, $coverage"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets ok"
