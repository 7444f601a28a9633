#!/bin/bash
# The committer's cycle against the raw loop's, from io_uring_enter system calls (docs/BENCHMARKS.md,
# "Where the cycle went"): per thread, the time from one submission to the next and the gap from
# the call that returned a completion to the next submission. Needs root and `perf`.
# usage: scripts/commit-gap.sh [path/to/aq-bench]   (default .build/release/aq-bench)
set -euo pipefail
BENCH=${1:-.build/release/aq-bench}
TRACE=$(mktemp)
"$BENCH" --skip-recovery --seconds 3 --filter "sync 256 B x64 uring-direct" >/dev/null 2>&1 &
RUN=$!
sleep 4.2   # past the CRC figures and the file preparation: inside the log run
timeout 5 perf trace -p "$RUN" -e io_uring_enter -o "$TRACE" >/dev/null 2>&1 || true
wait "$RUN"
python3 - "$TRACE" <<'PY'
import re, statistics as st, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r'\s*([\d.]+) \(\s*([\d.]+) ms\): (\S+)/\d+ io_uring_enter\(fd: \d+, (to_submit: (\d+), )?(min_complete: (\d+), )?', line)
    if m and m.group(3):
        rows.setdefault(m.group(3)[:14], []).append((float(m.group(1)), float(m.group(2)), int(m.group(5) or 0), int(m.group(7) or 0)))
q = lambda a: [round(st.quantiles(a, n=100)[k], 1) for k in (9, 49, 89)] if len(a) > 1 else a
for thread, r in rows.items():
    subs = [x for x in r if x[2] > 0]
    cycle = [c for c in ((subs[i + 1][0] - subs[i][0]) * 1000 for i in range(len(subs) - 1)) if c < 5000]
    gap = [g for g in ((r[i + 1][0] - r[i][0] - r[i][1]) * 1000 for i in range(len(r) - 1) if r[i][3] > 0 and r[i + 1][2] > 0) if g < 5000]
    print(f"{thread:15} submissions {len(subs):6}  cycle µs p10/50/90 {q(cycle)}  completion -> next submission µs {q(gap)}")
PY
rm -f "$TRACE"
