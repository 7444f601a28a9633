#!/usr/bin/env bash
# The CLI's reopen after a kill, as an operator meets it: `aq-wal append` (default `.sync`)
# takes RECORDS lines of 256 B from a pipe kept open, is SIGKILLed once it acknowledged every
# line, the page cache is written back (`sync`), and `aq-wal append DIR < /dev/null` opens and
# closes the log. Prints, for RUNS logs, the whole process's time beside the process start alone
# (`aq-wal --help`). Usage: scripts/cli-reopen.sh [RECORDS] [RUNS] [DIR] (default 200000 3
# .build-release). Builds the release `aq-wal` into .build-release; the logs go under DIR, which
# must be on the disk under test (not tmpfs, where O_DIRECT is refused and `sync` is free).
set -euo pipefail
records=${1:-200000}
runs=${2:-3}
case "$records$runs" in *[!0-9]*) echo "usage: $0 [RECORDS] [RUNS] [DIR]" >&2; exit 64 ;; esac
cd "$(dirname "$0")/.."
swift build -c release --product aq-wal --scratch-path .build-release >/dev/null
wal=$PWD/.build-release/release/aq-wal
scratch=$(mktemp -d "${3:-$PWD/.build-release}/aq-cli-reopen.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
python3 -c "import sys; sys.stdout.write(('x' * 256 + '\n') * $records)" > "$scratch/lines"

# Microseconds `$@` takes, stdin from /dev/null; a failure ends the script with its message.
micros() {
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null < /dev/null || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
}

for run in $(seq 1 "$runs"); do
    dir="$scratch/log$run"
    # The writer reads a FIFO this script keeps open, so it is killed, never sees end of input.
    mkfifo "$scratch/input$run"
    "$wal" append "$dir" < "$scratch/input$run" > "$scratch/acks$run" &
    writer=$!
    exec 3> "$scratch/input$run"
    cat "$scratch/lines" >&3 || { echo "aq-wal append stopped reading its input" >&2; exit 1; }
    for _ in $(seq 1 600); do
        [ "$(wc -l < "$scratch/acks$run" 2>/dev/null || echo 0)" -ge "$records" ] && break
        sleep 0.2
    done
    kill -9 "$writer" 2>/dev/null || { echo "aq-wal append ended before it was killed" >&2; exit 1; }
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
