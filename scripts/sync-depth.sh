#!/usr/bin/env bash
# Would two commits in flight help? The thinnest durable loop (linked O_DIRECT write +
# fdatasync through liburing, into a pre-zeroed file, each write to its own blocks) with 1, 2
# and 4 such chains in flight at once: syncs/s and the ratio to one at a time. The log keeps
# one commit in flight (docs/BENCHMARKS.md, "Found, not fixed").
# usage: scripts/sync-depth.sh [directory on the disk under test] [bytes per write]
set -euo pipefail
dir=${1:-/var/tmp}
bytes=${2:-12288}
work=$(mktemp -d)
trap 'rm -rf "$work"; rm -f "$dir/sync-depth.dat"' EXIT

gcc -O2 -o "$work/depth" "$(dirname "$0")/sync-loop.c" -luring
run() {
    local r; r=$("$work/depth" "$dir/sync-depth.dat" "$bytes" 1.5 "$1")
    [ -n "$r" ] && [ "$r" -gt 0 ] || { echo "sync-depth: the loop failed" >&2; exit 1; }
    echo "$r"
}
one=$(run 1); two=$(run 2); four=$(run 4); again=$(run 1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
base=$(( (one + again) / 2 ))
echo "linked O_DIRECT write ($bytes B) + fdatasync chains in flight, syncs/s (1.5 s each) in $dir:"
echo "  1 in flight: $one, again at the end: $again"
echo "  2 in flight: $two ($(ratio "$two" "$base")x)"
echo "  4 in flight: $four ($(ratio "$four" "$base")x)"
