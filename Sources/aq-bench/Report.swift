import Foundation

/// A performance target the project holds itself to, measured in this run.
struct TargetCheck: Codable, Sendable {
    var name: String
    var value: Double
    var threshold: Double
    /// ">=" or "<=".
    var comparison: String
    var met: Bool
}

/// Everything one run measured (the `--json` document).
struct BenchReport: Codable, Sendable {
    var tool = "aq-bench"
    var schemaVersion = 1
    var mode: String
    var startedAt: String
    var machine: MachineInfo
    var settings: [String: String]
    var durationSeconds = 0.0
    var crc: [CRCResult] = []
    /// CRC32C.checksum (dispatching) over ISA-L, per size.
    var crcDispatchOverIsal: [String: Double] = [:]
    var append: [AppendResult] = []
    /// `AsyncMutationAuthority` commands beside `Log` records of the same sizes.
    var actionQueue: [ActionQueueBench.Result] = []
    /// The commits-in-flight model (`cbase_pipelined_commit`), per producer count.
    var depthModel: [DepthModelResult] = []
    var openLoop: [OpenLoopResult] = []
    /// Interleaved pairs: `.group` beside `.sync` per producer count, `Log` beside `LogWriter`.
    var pairs: [PairResult] = []
    var archive: [ArchiveBenchResult] = []
    var recovery: [RecoveryResult] = []
    var verify: [VerifyResult] = []
    var readPath: [ReadPathResult] = []
    var crashReopen: [CrashReopenResult] = []
    var idleOpen: [IdleOpenResult] = []
    var follow: FollowResult?
    /// `.deferred` 64 KiB records at the disk's streaming bandwidth, against the same contract in C.
    var streaming: StreamingResult?
    /// `LogTail` catching up on the main actor against a detached task.
    var tailCatchUp: TailCatchUpResult?
    var targets: [TargetCheck] = []

    func crcRate(_ engine: CRCEngineName, _ size: Int) -> Double? {
        crc.first { $0.engine == engine.rawValue && $0.size == size }?.gigabytesPerSecond
    }

    func find(_ mode: String, _ size: Int, _ producers: Int, _ backend: String, api: AppendSpec.API = .single) -> AppendResult? {
        append.first {
            $0.durability == mode && $0.recordSize == size && $0.producers == producers && $0.backend == backend && $0.api == api.rawValue
                && $0.rollingSegmentSize == nil
        }
    }

    mutating func computeTargets() {
        var t: [TargetCheck] = []
        func add(_ name: String, _ value: Double, _ cmp: String, _ threshold: Double) {
            t.append(TargetCheck(name: name, value: value, threshold: threshold, comparison: cmp,
                                 met: cmp == ">=" ? value >= threshold : value <= threshold))
        }
        for size in Set(crc.map(\.size)).sorted() {
            if let d = crcRate(.dispatch, size), let i = crcRate(.isal, size), i > 0 {
                crcDispatchOverIsal[String(size)] = d / i
                add("CRC32C.checksum / ISA-L at \(formatSize(size))", d / i, ">=", 0.8)
            }
            if let swift = crcRate(.slicingBy8, size), let c = crcRate(.slicingBy8C, size), c > 0 {
                add("slicing-by-8 Swift / C at \(formatSize(size))", swift / c, ">=", 0.9)
            }
        }
        for backend in ["uring-direct", "uring"] {
            guard let u = find("sync", 256, 64, backend) else { continue }
            add("sync 256 B x64 \(backend) / raw io_uring baseline (same mode)", u.ratioToBaseline, ">=", 0.9)
            if let r = u.ratioToSecondBaseline {
                add("sync 256 B x64 \(backend) / raw RWF_DSYNC write (same op)", r, ">=", 0.9)
            }
            if let r = u.ratioToThreadedBaseline {
                add("sync 256 B x64 \(backend) / C group commit, threads (same design)", r, ">=", 0.9)
            }
            if let p = find("sync", 256, 64, "posix") {
                add("sync 256 B x64: \(backend) / posix records/s", u.log.recordsPerSecond / p.log.recordsPerSecond, ">=", 1.0)
            }
        }
        for r in pairs where r.comparison == ".group / .sync" {
            add(".group / .sync, \(r.names[1]) (median of \(r.runs.count) interleaved pairs)", r.ratio, ">=", 1.0)
        }
        for r in pairs where r.comparison == "Log batch / LogWriter batch" {
            add(".deferred Log batch / LogWriter batch, \(r.names[1]) (median of \(r.runs.count) interleaved pairs)", r.ratio, ">=", 0.9)
        }
        // `.deferred` against the thinnest C loop keeping the same contract (buffered writes into
        // fresh segment files, a sync per full file), same batches, same run.
        if let b = find("deferred", 256, 1, "uring", api: .batch), let r = b.ratioToSecondBaseline {
            add("deferred 256 B x1 Log batch / C loop, same contract", r, ">=", 0.9)
        }
        if let w = find("deferred", 256, 1, "posix", api: .writerBatch), let r = w.ratioToSecondBaseline {
            add("deferred 256 B x1 LogWriter batch / C loop, same contract", r, ">=", 0.9)
        }
        if let r = archive.first(where: { $0.variant == "closure" })?.p99OverNone {
            add("archiving beside a live writer, closure off the disk: p99 / none", r, "<=", 1.1)
        }
        if let c = tailCatchUp {
            add("LogTail catch-up, main actor / detached task", c.mainActorOverDetached, ">=", 0.5)
        }
        if let s = streaming {
            add("deferred 64 KiB x1 LogWriter, \(formatSize(s.bytes)) / streaming write, same contract", s.ratio, ">=", 0.8)
        }
        let emptyWarm = recovery.filter { $0.tail == "empty" && $0.cache == "warm" }.sorted { $0.sealedBytes < $1.sealedBytes }
        if let big = emptyWarm.last {
            add("open, \(formatSize(big.sealedBytes)) sealed + empty tail, warm (ms)", big.openMillis, "<=", 50)
            if let small = emptyWarm.first, small.sealedBytes < big.sealedBytes {
                add("open time growth \(formatSize(small.sealedBytes)) -> \(formatSize(big.sealedBytes)) sealed (x)",
                    big.openMillis / max(small.openMillis, 0.001), "<=", 2)
            }
        }
        // Reads against the raw work of the same bytes in C: read the same files, checksum them
        // with the same engine.
        // A writer's open reads the open segment from the medium whatever the cache holds (it
        // drops the file's clean pages first): held to the cold loop. A reader's open scan of
        // a warm segment is in the read-path targets.
        let coldRaw = recovery.first { $0.cache == "cold" && $0.tail == "full segment" }?.rawScanGigabytesPerSecond
        for cache in ["warm", "cold"] {
            // The fullest tail of the first log size: the scan with the most frames to parse.
            let rows = recovery.filter { $0.cache == cache && $0.sealedBytes == recovery.first?.sealedBytes }
            if let scan = rows.first(where: { $0.tail == "full segment" }) ?? rows.max(by: { $0.bytesScanned < $1.bytesScanned }),
               let raw = coldRaw ?? scan.rawScanGigabytesPerSecond, raw > 0 {
                add("writer's open-segment scan (from the medium), \(scan.tail), \(cache) / C mmap+CRC cold", scan.tailScanGigabytesPerSecond / raw, ">=", 0.8)
            }
            // verify reads with pread (SegmentAccess.read): held to the same method.
            if let v = verify.first(where: { $0.cache == cache }), let raw = v.raw.first(where: { $0.method == "pread" }) {
                add("verify \(cache) / C pread+CRC", v.gigabytesPerSecond / raw.gigabytesPerSecond, ">=", 0.8)
            }
        }
        readPathTargets(add)
        targets = t
    }

    // MARK: - Text

    func table() -> String {
        var out = "aq-bench (\(mode)) on \(machine.cpus) CPUs (\(machine.cpuModel)), \(String(format: "%.0f", machine.memoryGiB)) GiB, "
        out += "Linux \(machine.kernel), \(machine.filesystem) on \(machine.device); CRC engine: \(machine.crcEngine); "
        out += "io_uring: \(machine.uringAvailable ? "yes" : "no"); \(String(format: "%.1f", durationSeconds)) s\n\n"

        out += "CRC in memory (GB/s, best of 3)\n"
        let sizes = Set(crc.map(\.size)).sorted()
        out += pad("engine", 26) + sizes.map { lpad(formatSize($0), 10) }.joined() + "\n"
        for e in CRCEngineName.allCases {
            out += pad(e.rawValue, 26) + sizes.map { lpad(crcRate(e, $0).map { f2($0) } ?? "-", 10) }.joined() + "\n"
        }
        out += pad("checksum/isa-l", 26) + sizes.map { lpad(crcDispatchOverIsal[String($0)].map { f2($0) + "x" } ?? "-", 10) }.joined() + "\n\n"

        out += "Appends (log = median of runs; baseline = same bytes in the same batches, run right after each log run)\n"
        out += pad("scenario", 40) + lpad("rec/s", 11) + lpad("MB/s", 8) + lpad("syncs/s", 9) + lpad("rec/sync", 9)
        out += lpad("p50 us", 9) + lpad("p99 us", 9) + lpad("p99.9 us", 10) + lpad("base rec/s", 12) + lpad("base p50", 9) + lpad("ratio", 7) + "\n"
        for a in append {
            out += pad(a.name, 40) + lpad(si(a.log.recordsPerSecond), 11) + lpad(f0(a.log.megabytesPerSecond), 8)
            out += lpad(si(a.log.syncsPerSecond), 9) + lpad(f1(a.log.recordsPerSync), 9)
            out += lpad(f1(a.log.latencyMicros.p50), 9) + lpad(f1(a.log.latencyMicros.p99), 9) + lpad(f1(a.log.latencyMicros.p999), 10)
            out += lpad(si(a.baseline.recordsPerSecond), 12) + lpad(f1(a.baseline.latencyMicros.p50), 9) + lpad(f2(a.ratioToBaseline), 7) + "\n"
        }
        out += "  (latency: per call, append->durable for sync/group, append->acknowledged (page cache) for deferred; baseline: per batch)\n"
        for a in append where a.rollingSegmentSize != nil {
            out += "  (\(a.name): \(a.log.rolls ?? 0) rolls in the run, next segment prepared in the background)\n"
        }
        out += "  (baselines: uring-direct = liburing linked O_DIRECT write+fdatasync, uring = the same buffered, posix = pwrite+fdatasync, deferred = buffered pwrite, no sync)\n"
        let seconds = append.filter { $0.secondBaseline != nil }
        if !seconds.isEmpty {
            out += "\nSecond baselines: the operation the log submits (uring-direct sync: one RWF_DSYNC write per batch) or the\n"
            out += "contract it keeps (deferred: buffered writes into fresh fallocate'd segment files, write-back every 8 MiB, fdatasync per full file)\n"
            out += pad("scenario", 40) + lpad("rec/s", 11) + lpad("MB/s", 8) + lpad("base rec/s", 12) + lpad("base MB/s", 10) + lpad("base p50", 9) + lpad("ratio", 7) + "\n"
            for a in seconds {
                let b = a.secondBaseline!
                out += pad(a.name, 40) + lpad(si(a.log.recordsPerSecond), 11) + lpad(f0(a.log.megabytesPerSecond), 8)
                out += lpad(si(b.recordsPerSecond), 12) + lpad(f0(b.megabytesPerSecond), 10) + lpad(f1(b.latencyMicros.p50), 9)
                out += lpad(f2(a.ratioToSecondBaseline!), 7) + "\n"
            }
        }
        out += "\n"

        let threaded = append.filter { $0.threadedBaseline != nil }
        if !threaded.isEmpty {
            out += "The log's architecture in C: one thread per producer, a committer thread, double buffer, one RWF_DSYNC O_DIRECT write per batch\n"
            out += pad("scenario", 40) + lpad("rec/s", 11) + lpad("rec/sync", 9) + lpad("p50 us", 9) + lpad("C rec/s", 11) + lpad("C rec/sync", 11)
            out += lpad("C p50 us", 9) + lpad("ratio", 7) + "\n"
            for a in threaded {
                let c = a.threadedBaseline!
                out += pad(a.name, 40) + lpad(si(a.log.recordsPerSecond), 11) + lpad(f1(a.log.recordsPerSync), 9) + lpad(f1(a.log.latencyMicros.p50), 9)
                out += lpad(si(c.recordsPerSecond), 11) + lpad(f1(c.recordsPerSync), 11) + lpad(f1(c.latencyMicros.p50), 9)
                out += lpad(f2(a.ratioToThreadedBaseline!), 7) + "\n"
            }
            out += "\n"
        }
        out += depthModelTable()
        out += openLoopTable()
        out += pairTable()
        out += archiveTable()

        out += "CPU charged to this process (user + system, all its threads) over each run: cores kept busy (of \(machine.cpus)) and per record\n"
        out += pad("scenario", 40) + lpad("cores", 7) + lpad("us/rec", 8) + lpad("base cores", 11) + lpad("base us/rec", 12)
        out += lpad("C cores", 8) + lpad("C us/rec", 9) + "\n"
        for a in append {
            func cells(_ f: RunFigures?, _ w1: Int, _ w2: Int) -> String {
                lpad(f?.cpuCores.map(f2) ?? "-", w1) + lpad(f?.cpuMicrosPerRecord.map(f2) ?? "-", w2)
            }
            out += pad(a.name, 40) + cells(a.log, 7, 8) + cells(a.baseline, 11, 12) + cells(a.threadedBaseline, 8, 9) + "\n"
        }
        out += "\n"

        if !recovery.isEmpty {
            out += "Recovery (LogWriter open, 5 rounds: open ms = median round, scan GB/s and C = best round (cold: each open followed by the C loop); "
            out += "cold = posix_fadvise(POSIX_FADV_DONTNEED) on every segment first)\n"
            out += pad("sealed", 10) + pad("tail", 14) + pad("cache", 6) + lpad("open ms", 9) + lpad("report ms", 10) + lpad("segs", 6)
            out += lpad("sealed", 7) + lpad("sealedRead", 11) + lpad("scanned", 11) + lpad("repaired", 9) + lpad("scan GB/s", 10) + "\n"
            for r in recovery {
                out += pad(formatSize(r.sealedBytes), 10) + pad(r.tail, 14) + pad(r.cache, 6) + lpad(f2(r.openMillis), 9)
                out += lpad(f2(r.reportMillis), 10) + lpad("\(r.segments)", 6) + lpad("\(r.sealedSegments)", 7)
                out += lpad("\(r.sealedBytesRead)", 11) + lpad("\(r.bytesScanned)", 11) + lpad("\(r.bytesRepaired)", 9)
                out += lpad(r.bytesScanned > 0 ? f2(r.tailScanGigabytesPerSecond) : "-", 10) + "\n"
            }
            if let f = follow {
                out += "reader following the writer: open \(f2(f.openMillis)) ms (\(f.openBytesScanned) bytes scanned); "
                out += "refresh after one commit \(f3(f.refreshMillis)) ms median (\(f.refreshBytesScanned) bytes scanned, \(f.commits) commits)\n"
            }
            for v in verify {
                out += "verify (\(v.cache), best of 3 rounds interleaved with C): \(formatSize(v.bytesVerified)) in \(f3(v.seconds)) s = \(f2(v.gigabytesPerSecond)) GB/s; "
                out += "C read+CRC of the same files: " + v.raw.map { "\($0.method) \(f2($0.gigabytesPerSecond)) GB/s" }.joined(separator: ", ") + "\n"
            }
            for r in recovery where r.rawScanGigabytesPerSecond != nil {
                out += "open-segment scan (\(formatSize(r.sealedBytes)) sealed, \(r.tail), \(r.cache)): \(f2(r.tailScanGigabytesPerSecond)) GB/s; "
                out += "C mmap+CRC of the same file \(f2(r.rawScanGigabytesPerSecond!)) GB/s\n"
            }
            out += "\n"
        }
        out += readPathTable()
        if let c = tailCatchUp {
            out += "LogTail catching up on \(c.records) records: detached task \(si(c.detachedRecordsPerSecond))/s, "
            out += "main actor \(si(c.mainActorRecordsPerSecond))/s (\(f2(c.mainActorOverDetached))x)\n\n"
        }
        if let s = streaming {
            out += "Streaming, .deferred (\(formatSize(s.bytes)) of \(formatSize(s.recordSize)) records, batches of 16, LogWriter + close): "
            out += "\(f0(s.logMegabytesPerSecond)) MB/s; the same contract in C (fresh files, write-back every 8 MiB, fdatasync per file): "
            out += "\(f0(s.rawMegabytesPerSecond)) MB/s (\(f2(s.ratio))x)\n\n"
        }

        out += "Targets\n"
        for t in targets {
            out += "  [\(t.met ? "met " : "MISS")] " + pad(t.name, 58) + lpad(f2(t.value), 9) + " (target \(t.comparison) \(f2(t.threshold)))\n"
        }
        return out
    }

    // MARK: - SVG

    /// Two panels: records/s vs producers (sync 256 B, log and baselines, log scale) and the
    /// append->durable latency percentiles of the same runs.
    func svg() -> String {
        let series: [(String, String, (AppendResult) -> Double, String)] = [
            ("log, uring-direct", "uring-direct", { $0.log.recordsPerSecond }, "#1f77b4"),
            ("log, uring (buffered)", "uring", { $0.log.recordsPerSecond }, "#9467bd"),
            ("log, posix", "posix", { $0.log.recordsPerSecond }, "#ff7f0e"),
            ("raw io_uring O_DIRECT write+fdatasync", "uring-direct", { $0.baseline.recordsPerSecond }, "#1f77b4"),
            ("raw io_uring write+fdatasync", "uring", { $0.baseline.recordsPerSecond }, "#9467bd"),
            ("raw pwrite+fdatasync", "posix", { $0.baseline.recordsPerSecond }, "#ff7f0e"),
        ]
        let runs = append.filter { $0.durability == "sync" && $0.recordSize == 256 && $0.api == AppendSpec.API.single.rawValue }
        let producers = Set(runs.map(\.producers)).sorted()
        let w = 1040.0, h = 420.0
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"10\" y=\"18\" font-size=\"14\">aq-bench \(mode): \(machine.cpus) CPUs, Linux \(machine.kernel), \(machine.filesystem); sync, 256 B records</text>\n"
        // Panel 1: throughput.
        let (px, py, pw, ph) = (70.0, 50.0, 400.0, 300.0)
        let values = runs.flatMap { r in series.filter { $0.1 == r.backend }.map { $0.2(r) } }.filter { $0 > 0 }
        let lo = log10(max(1, (values.min() ?? 1) / 2)).rounded(.down), hi = log10(max(10, (values.max() ?? 10) * 2)).rounded(.up)
        func y1(_ v: Double) -> Double { py + ph - (log10(max(v, 1)) - lo) / max(hi - lo, 1) * ph }
        func x1(_ i: Int) -> Double { px + (producers.count > 1 ? Double(i) / Double(producers.count - 1) : 0.5) * pw }
        s += axes(px, py, pw, ph, title: "records/s vs producers (log scale)")
        var e = lo
        while e <= hi {
            s += "<text x=\"\(f0(px - 6))\" y=\"\(f0(y1(pow(10, e)) + 4))\" text-anchor=\"end\">\(si(pow(10, e)))</text>\n"
            s += "<line x1=\"\(f0(px))\" x2=\"\(f0(px + pw))\" y1=\"\(f1(y1(pow(10, e))))\" y2=\"\(f1(y1(pow(10, e))))\" stroke=\"#ddd\"/>\n"
            e += 1
        }
        for (i, p) in producers.enumerated() {
            s += "<text x=\"\(f0(x1(i)))\" y=\"\(f0(py + ph + 16))\" text-anchor=\"middle\">\(p)</text>\n"
        }
        s += "<text x=\"\(f0(px + pw / 2))\" y=\"\(f0(py + ph + 32))\" text-anchor=\"middle\">producers</text>\n"
        for (k, (label, backend, value, color)) in series.enumerated() {
            let pts = producers.enumerated().compactMap { (i, p) -> String? in
                guard let r = runs.first(where: { $0.producers == p && $0.backend == backend }) else { return nil }
                return "\(f1(x1(i))),\(f1(y1(value(r))))"
            }
            let dash = k >= 3 ? " stroke-dasharray=\"5,4\"" : ""
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(pts.joined(separator: " "))\"/>\n"
            for p in pts { let c = p.split(separator: ","); s += "<circle cx=\"\(c[0])\" cy=\"\(c[1])\" r=\"3\" fill=\"\(color)\"/>\n" }
            s += "<line x1=\"\(f0(px + 10))\" x2=\"\(f0(px + 30))\" y1=\"\(f0(py + 14 + Double(k) * 16))\" y2=\"\(f0(py + 14 + Double(k) * 16))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
            s += "<text x=\"\(f0(px + 36))\" y=\"\(f0(py + 18 + Double(k) * 16))\">\(label)</text>\n"
        }
        // Panel 2: latency percentiles (log scale, microseconds).
        let (qx, qy, qw, qh) = (560.0, 50.0, 460.0, 300.0)
        let bars = runs.sorted { ($0.backend, $0.producers) < ($1.backend, $1.producers) }
        let lats = bars.flatMap { [$0.log.latencyMicros.p50, $0.log.latencyMicros.p99, $0.log.latencyMicros.p999] }.filter { $0 > 0 }
        let llo = log10(max(1, (lats.min() ?? 10) / 2)).rounded(.down), lhi = log10(max(10, (lats.max() ?? 100) * 2)).rounded(.up)
        func y2(_ v: Double) -> Double { qy + qh - (log10(max(v, 1)) - llo) / max(lhi - llo, 1) * qh }
        s += axes(qx, qy, qw, qh, title: "append->durable latency, us (p50 / p99 / p99.9, log scale)")
        e = llo
        while e <= lhi {
            s += "<text x=\"\(f0(qx - 6))\" y=\"\(f0(y2(pow(10, e)) + 4))\" text-anchor=\"end\">\(si(pow(10, e)))</text>\n"
            s += "<line x1=\"\(f0(qx))\" x2=\"\(f0(qx + qw))\" y1=\"\(f1(y2(pow(10, e))))\" y2=\"\(f1(y2(pow(10, e))))\" stroke=\"#ddd\"/>\n"
            e += 1
        }
        let groupW = qw / Double(max(bars.count, 1))
        let colors = ["#9ecae1", "#3182bd", "#08519c"]
        for (i, r) in bars.enumerated() {
            let l = r.log.latencyMicros
            for (j, v) in [l.p50, l.p99, l.p999].enumerated() {
                let x = qx + Double(i) * groupW + 4 + Double(j) * (groupW - 8) / 3
                let top = y2(v)
                s += "<rect x=\"\(f1(x))\" y=\"\(f1(top))\" width=\"\(f1((groupW - 8) / 3 - 1))\" height=\"\(f1(qy + qh - top))\" fill=\"\(colors[j])\"><title>\(r.name) p\(["50", "99", "99.9"][j]) \(f1(v)) us</title></rect>\n"
            }
            s += "<text x=\"\(f1(qx + (Double(i) + 0.5) * groupW))\" y=\"\(f0(qy + qh + 14 + Double(i % 2) * 12))\" text-anchor=\"middle\" font-size=\"10\">\(r.backend) x\(r.producers)</text>\n"
        }
        for (j, label) in ["p50", "p99", "p99.9"].enumerated() {
            s += "<rect x=\"\(f0(qx + 10 + Double(j) * 60))\" y=\"\(f0(qy + 6))\" width=\"12\" height=\"12\" fill=\"\(colors[j])\"/>"
            s += "<text x=\"\(f0(qx + 26 + Double(j) * 60))\" y=\"\(f0(qy + 16))\">\(label)</text>\n"
        }
        s += "<text x=\"10\" y=\"\(Int(h) - 10)\" fill=\"#555\">dashed: raw C loops through liburing / pwrite with the log's mean batch size, run right after each log run</text>\n"
        s += "</svg>\n"
        return s
    }

    private func axes(_ x: Double, _ y: Double, _ w: Double, _ h: Double, title: String) -> String {
        "<text x=\"\(f0(x))\" y=\"\(f0(y - 10))\" font-size=\"13\">\(title)</text>\n"
            + "<line x1=\"\(f0(x))\" y1=\"\(f0(y))\" x2=\"\(f0(x))\" y2=\"\(f0(y + h))\" stroke=\"black\"/>\n"
            + "<line x1=\"\(f0(x))\" y1=\"\(f0(y + h))\" x2=\"\(f0(x + w))\" y2=\"\(f0(y + h))\" stroke=\"black\"/>\n"
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
func f0(_ v: Double) -> String { String(format: "%.0f", v) }
func f1(_ v: Double) -> String { String(format: "%.1f", v) }
func f2(_ v: Double) -> String { String(format: "%.2f", v) }
func f3(_ v: Double) -> String { String(format: "%.3f", v) }
/// 1234567 -> "1.23M".
func si(_ v: Double) -> String {
    if v >= 1e9 { return String(format: "%.2fG", v / 1e9) }
    if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
    if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
    return String(format: "%.0f", v)
}
