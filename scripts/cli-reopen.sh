#!/usr/bin/env bash
# The CLI's reopen after a kill, as an operator meets it: `aq-wal append` (default `.sync`)
# takes RECORDS lines of 256 B from a pipe kept open, is SIGKILLed once it acknowledged every
# line, the page cache is written back (`sync`), and `aq-wal append DIR < /dev/null` opens and
# closes the log. Prints, for RUNS logs, the whole process's time beside the process start alone
# (`aq-wal --help`). Usage: scripts/cli-reopen.sh [RECORDS] [RUNS] (default 200000 3).
# Builds the release `aq-wal` into .build-release; scratch space under ${TMPDIR:-/tmp}.
set -euo pipefail
records=${1:-200000}
runs=${2:-3}
cd "$(dirname "$0")/.."
swift build -c release --product aq-wal --scratch-path .build-release >/dev/null
wal=$PWD/.build-release/release/aq-wal
scratch=$(mktemp -d "${TMPDIR:-/tmp}/aq-cli-reopen.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
python3 -c "import sys; sys.stdout.write(('x' * 256 + '\n') * $records)" > "$scratch/lines"

micros() { local start end; start=$(date +%s%N); "$@" > /dev/null 2>&1 < /dev/null || true; end=$(date +%s%N); echo $(( (end - start) / 1000 )); }

for run in $(seq 1 "$runs"); do
    dir="$scratch/log$run"
    # The writer reads a FIFO this script keeps open, so it is killed, never sees end of input.
    mkfifo "$scratch/input$run"
    "$wal" append "$dir" < "$scratch/input$run" > "$scratch/acks$run" &
    writer=$!
    exec 3> "$scratch/input$run"
    cat "$scratch/lines" >&3
    for _ in $(seq 1 600); do
        [ "$(wc -l < "$scratch/acks$run")" -ge "$records" ] && break
        sleep 0.2
    done
    kill -9 "$writer"
    wait "$writer" 2>/dev/null || true
    exec 3>&-
    acked=$(wc -l < "$scratch/acks$run")
    sync
    help_us=$(micros "$wal" --help)
    reopen_us=$(micros "$wal" append "$dir")
    recovered=$("$wal" inspect "$dir" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['last_sequence'])")
    awk -v r="$run" -v a="$acked" -v c="$recovered" -v o="$reopen_us" -v h="$help_us" 'BEGIN {
        printf "run %d: %d acknowledged, %d recovered; reopen %.1f ms for the whole process, process start (aq-wal --help) %.1f ms\n", r, a, c, o / 1000, h / 1000 }'
done
