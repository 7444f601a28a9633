#!/usr/bin/env python3
"""Prints the markdown tables of docs/BENCHMARKS.md from an aq-bench --json file.

usage: scripts/bench-tables.py docs/bench.json > /tmp/tables.md
"""
import json
import sys


def k(n):
    """records/s as 5.2 k / 1.50 M."""
    return f"{n / 1e6:.2f} M" if n >= 1e6 else f"{n / 1e3:.1f} k" if n >= 1e3 else f"{n:.0f}"


def size(n):
    return {1 << 20: "1 MiB", 1 << 30: "1 GiB"}.get(n) or (f"{n >> 30} GiB" if n >= 1 << 30 else f"{n >> 20} MiB")


def main(path):
    d = json.load(open(path))
    out = []
    p = out.append

    p("### CRC in memory (GB/s, best of 3)\n")
    sizes = sorted({c["size"] for c in d["crc"]})
    names = {64 << 20: "64 MiB", 4096: "4 KiB", 256: "256 B"}
    p("| engine | " + " | ".join(names.get(s, str(s)) for s in sizes) + " |")
    p("|---" * (len(sizes) + 1) + "|")
    for engine in dict.fromkeys(c["engine"] for c in d["crc"]):
        row = {c["size"]: c["gigabytesPerSecond"] for c in d["crc"] if c["engine"] == engine}
        p(f"| {engine} | " + " | ".join(f"{row[s]:.2f}" for s in sizes) + " |")
    ratios = " / ".join(f"{d['crcDispatchOverIsal'][str(s)]:.2f}×" for s in sizes)
    p(f"\n`CRC32C.checksum` (dispatching) / ISA-L: {ratios} (target ≥ 0.8).\n")

    p("### Appends\n")
    p("| scenario | API | records/s | MB/s | syncs/s | rec/sync | p50 / p99 / p99.9 µs | baseline rec/s | baseline p50 µs | log/baseline |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for a in d["append"]:
        log, base = a["log"], a["baseline"]
        lat = log["latencyMicros"]
        per_sync = f"{log['recordsPerSync']:.1f}" if log["syncs"] else "–"  # deferred: no syncs in the run
        p(f"| {a['name']} | {a['api']} | {k(log['recordsPerSecond'])} | {log['megabytesPerSecond']:.0f} | "
          f"{k(log['syncsPerSecond'])} | {per_sync} | "
          f"{lat['p50']:.0f} / {lat['p99']:.0f} / {lat['p999']:.0f} | {k(base['recordsPerSecond'])} | "
          f"{base['latencyMicros']['p50']:.0f} | **{a['ratioToBaseline']:.2f}** |")

    for a in d["append"]:
        if a.get("rollingSegmentSize"):
            p(f"\n`{a['name']}`: {a['log'].get('rolls', 0)} rolls in the run, the next segment prepared in the background.")

    if d.get("pairs"):
        p("\nInterleaved pairs (records/s; each run a fresh log, which of the two goes first alternates):\n")
        for r in d["pairs"]:
            runs = lambda xs: " / ".join(k(x) for x in xs)
            p(f"- `{r['names'][0]}` {runs(r['runs'])}; `{r['names'][1]}` {runs(r['baselineRuns'])}; "
              f"{r['comparison']} by medians **{r['ratio']:.2f}**")

    p("\n### Second baselines (same operation / same contract)\n")
    p("| scenario | log records/s | second baseline | baseline records/s | baseline MB/s | baseline p50 µs | log/baseline |")
    p("|---|---|---|---|---|---|---|")
    for a in d["append"]:
        if "secondBaseline" not in a:
            continue
        kind = "RWF_DSYNC write" if "RWF_DSYNC" in a["secondBaselineKind"] else "segments, sync per file"
        s = a["secondBaseline"]
        p(f"| {a['name']} | {k(a['log']['recordsPerSecond'])} | {kind} | {k(s['recordsPerSecond'])} | "
          f"{s['megabytesPerSecond']:.0f} | {s['latencyMicros']['p50']:.0f} | **{a['ratioToSecondBaseline']:.2f}** |")

    p("\n### The log's architecture in C (threads instead of tasks)\n")
    p("| scenario | log records/s | log rec/sync | log p50 µs | C records/s | C rec/sync | C p50 µs | log/C |")
    p("|---|---|---|---|---|---|---|---|")
    for a in d["append"]:
        if "threadedBaseline" not in a:
            continue
        log, c = a["log"], a["threadedBaseline"]
        p(f"| {a['name']} | {k(log['recordsPerSecond'])} | {log['recordsPerSync']:.1f} | "
          f"{log['latencyMicros']['p50']:.0f} | {k(c['recordsPerSecond'])} | {c['recordsPerSync']:.1f} | "
          f"{c['latencyMicros']['p50']:.0f} | **{a['ratioToThreadedBaseline']:.2f}** |")

    if any("cpuCores" in a["log"] for a in d["append"]):
        p("\n### CPU charged to the process (user + system, all its threads) over each run\n")
        p("| scenario | log cores | log µs/record | baseline cores | baseline µs/record | C design cores | C design µs/record |")
        p("|---|---|---|---|---|---|---|")
        for a in d["append"]:
            cells = []
            for run in (a["log"], a["baseline"], a.get("threadedBaseline")):
                if run and "cpuCores" in run:
                    per = run.get("cpuMicrosPerRecord")
                    cells += [f"{run['cpuCores']:.2f}", f"{per:.2f}" if per is not None else "–"]
                else:
                    cells += ["–", "–"]
            p(f"| {a['name']} | " + " | ".join(cells) + " |")

    p("\n### Recovery (open), following, verify\n")
    p("Each open row: five rounds; open ms is the median round's, scan GB/s and the C figure over the open segment the "
      "best round's. Cold: every segment's pages dropped before each open, and each open followed by the C loop, its "
      "pages dropped too; warm: the C loop's five rounds after the opens (it caches the whole file, which an open would "
      "drop). Verify: three rounds, each followed by the C loops, best of each.\n")
    p("| sealed | tail | cache | open ms | segments | sealed | sealedBytesRead | bytesScanned | scan GB/s | C mmap+CRC GB/s |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for r in d["recovery"]:
        raw = r.get("rawScanGigabytesPerSecond")
        p(f"| {size(r['sealedBytes'])} | {r['tail']} | {r['cache']} | {r['openMillis']:.1f} | {r['segments']} | "
          f"{r['sealedSegments']} | {r['sealedBytesRead']} | {r['bytesScanned']:,} | {r['tailScanGigabytesPerSecond']:.2f} | "
          f"{f'{raw:.2f}' if raw else '–'} |")
    f = d["follow"]
    p(f"\nA reader following the writer (`LogTail`'s loop, 16 sealed segments + the open one): open "
      f"{f['openMillis']:.2f} ms ({f['openBytesScanned']:,} bytes scanned); `refresh()` after a one-record commit "
      f"{f['refreshMillis']:.3f} ms median over {f['commits']} commits ({f['refreshBytesScanned']:,} bytes scanned).\n")
    for v in d["verify"]:
        raw = ", ".join(f"{r['method']} {r['gigabytesPerSecond']:.2f} GB/s" for r in v.get("raw", []))
        p(f"verify ({v['cache']}, pread): {v['bytesVerified'] >> 20} MiB in {v['seconds']:.3f} s = {v['gigabytesPerSecond']:.2f} GB/s; "
          f"C read+CRC of the same files: {raw}")
    if d.get("readPath"):
        p("\n### Read path, warm, against C read+CRC of the same files (GB/s, best of 5 interleaved rounds)\n")
        p("| record | records | `forEach` | C mmap+CRC | C mmap, frame by frame | ns a record (log, C) | `verify` | C pread+CRC | reader's open scan | C mmap+CRC of that file |")
        p("|---|---|---|---|---|---|---|---|---|---|")
        frame_walk = lambda r: f"{r['rawMmapPerFrame']:.2f}" if r.get("rawMmapPerFrame") else "–"
        for r in d["readPath"]:
            per = lambda gbs: r["bytes"] / gbs / r["frames"]
            p(f"| {r['recordSize']} B | {r['frames']:,} | {r['forEach']:.2f} | {r['rawMmap']:.2f} | {frame_walk(r)} | {per(r['forEach']):.1f}, {per(r['rawMmap']):.1f} "
              f"| {r['verify']:.2f} | {r['rawPread']:.2f} | {r['openScan']:.2f} | {r['rawOpenMmap']:.2f} |")
    if d.get("crashReopen"):
        p("\n### Reopen after a killed `.sync` writer (256 B records in the open segment, `LogWriter` open in-process)\n")
        p("| records | pages | open ms | settling sync ms | recovery ms | bytes scanned | bytes trusted (durable prefix) | C mmap+CRC of the segment ms |")
        p("|---|---|---|---|---|---|---|---|")
        for r in d["crashReopen"]:
            p(f"| {r['records']:,} | {r['pages']} | {r['openMillis']:.1f} | {r['settleMillis']:.1f} | {r['recoveryMillis']:.1f} "
              f"| {r['bytesScanned']:,} | {r.get('bytesTrusted', 0):,} | {r['rawMillis']:.1f} |")
    if d.get("idleOpen"):
        p("\nIdle open (one record in an open segment of the full size, median of 3): " + "; ".join(
            f"{size(r['segmentSize'])} segments {r['openMillis']:.1f} ms ({r['bytesScanned']:,} bytes scanned)" for r in d["idleOpen"]) + ".")
    s = d.get("streaming")
    if s:
        p(f"\nStreaming, `.deferred` ({s['bytes'] >> 20} MiB of {s['recordSize'] >> 10} KiB records, batches of 16, `LogWriter` + close): "
          f"{s['logMegabytesPerSecond']:.0f} MB/s; the same contract in C: {s['rawMegabytesPerSecond']:.0f} MB/s "
          f"({s['logMegabytesPerSecond'] / s['rawMegabytesPerSecond']:.2f}×).")
    if d.get("archive"):
        a0 = d["archive"][0]
        p(f"\n### Archiving beside a live writer (`Log` .sync 256 B x8, open loop at 80% of its peak of {k(a0['peakRecordsPerSecond'])}/s, "
          f"{size(a0['segmentSize'])} segments, median run by p99)\n")
        p("| archiving | records/s | p50 µs | p99 µs | p99.9 µs | p99 × none | segments | ms per send |")
        p("|---|---|---|---|---|---|---|---|")
        names = {"none": "none", "noop": "closure doing nothing", "closure": "closure, off the disk (to tmpfs)",
                 "closure-disk": "closure, copy + fsync on the log's disk", "command": "command `cp; sync; mv` (a process per segment)"}
        for r in d["archive"]:
            l = r["latencyMicros"]
            ratio = f"{r['p99OverNone']:.2f}" if r.get("p99OverNone") else "–"
            send = f"{r['meanSendMillis']:.1f}" if r.get("meanSendMillis") else "–"
            p(f"| {names.get(r['variant'], r['variant'])} | {k(r['recordsPerSecond'])} | {l['p50']:.0f} | {l['p99']:.0f} | {l['p999']:.0f} "
              f"| {ratio} | {r['segmentsArchived']} | {send} |")
    p("")

    p("### Targets (this run)\n")
    p("| target | value | wanted | |")
    p("|---|---|---|---|")
    for t in d["targets"]:
        p(f"| {t['name']} | {t['value']:.2f} | {t['comparison']} {t['threshold']:g} | {'met' if t['met'] else '**missed**'} |")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/bench.json")
