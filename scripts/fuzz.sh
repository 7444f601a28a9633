#!/usr/bin/env bash
# Fuzzes the segment scanner / frame decoder (aq-fuzz) with libFuzzer for ~60 s.
#   scripts/fuzz.sh [SECONDS]      (default 60; extra libFuzzer flags via FUZZ_FLAGS)
# Builds with --sanitize=fuzzer (not -Xswiftc -sanitize=fuzzer: SwiftPM renames the entry
# point) into .build-fuzz, seeds from Tests/Fuzz/corpus, writes new inputs to
# .build-fuzz/corpus and crashes to .build-fuzz/artifacts. Exit status is libFuzzer's.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
swift build -c release --product aq-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING --scratch-path .build-fuzz
mkdir -p .build-fuzz/corpus .build-fuzz/artifacts
SWIFT_BACKTRACE=enable=no .build-fuzz/release/aq-fuzz \
    -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
    -artifact_prefix=.build-fuzz/artifacts/ ${FUZZ_FLAGS:-} \
    .build-fuzz/corpus Tests/Fuzz/corpus
