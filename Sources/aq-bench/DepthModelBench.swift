import CBaseline
import Foundation

/// Would more than one commit in flight pay? A C model of the log's write path with up to
/// `depth` (1...4) batches written at once (`cbase_pipelined_commit`): one thread per producer
/// (closed loop) or one scheduler thread (open loop), one committer thread keeping up to `depth`
/// O_DIRECT `RWF_DSYNC` writes in flight through one io_uring ring, acknowledgements released
/// strictly in order, a batch started while another write is in flight beginning on a fresh
/// 4 KiB block (padding).
///
/// With N closed-loop producers about N/(d+1) records ride in each batch (one batch filling,
/// d in flight), so depth d pays only if the device completes d overlapping syncs faster than
/// (d+1)/2 times one. The model measures it: closed loop at every depth (interleaved
/// repetitions, medians), then open loop (a fixed schedule, latency from the scheduled time)
/// at fractions of the best closed-loop rate, for depth 1 and the best depth above 1.
struct DepthModelPlan: Sendable {
    var recordSize = 256
    var producers = [8, 64]
    var depths = [1, 2, 3, 4]
    /// Runs per depth, interleaved (1 2 3 4 1 2 3 4 ...), closed and open loop; the table shows medians.
    var repetitions = 3
    /// Open-loop offered rates, as fractions of the best closed-loop records/s.
    var openFractions = [0.5, 0.8]
    /// Best depth's records/s over depth 1's at or above which depth counts as paying: the
    /// disk's run-to-run noise is about ±10-20% (docs/BENCHMARKS.md, "The machine").
    static let paysThreshold = 1.1

    static func name(recordSize: Int, producers: Int) -> String {
        "sync \(formatSize(recordSize)) x\(producers) uring-direct depth model"
    }

    var settings: String {
        "depths \(depths.map(String.init).joined(separator: ",")), \(repetitions) interleaved runs per depth and load, "
            + "open loop at \(openFractions.map { "\(Int($0 * 100))%" }.joined(separator: ", ")) of the best closed-loop rate"
    }
}

/// One run of the model.
struct DepthModelRun: Codable, Sendable {
    var depth: Int
    /// The scenario's producers: threads in closed loop; open loop issues from one scheduler.
    var producers: Int
    /// "closed" (each producer waits for its acknowledgement) or "open" (a fixed schedule).
    var loop: String
    /// Open loop: records/s offered, and as a fraction of the best closed-loop records/s.
    var offeredRecordsPerSecond: Double? = nil
    var offeredFractionOfPeak: Double? = nil
    var seconds: Double
    var records: Int
    var recordsPerSecond: Double
    var batches: Int
    var batchesPerSecond: Double
    var recordsPerBatch: Double
    /// Bytes handed to the device: whole 4 KiB blocks, a rewritten tail block counted again.
    var bytesWritten: Int
    /// Zeros left between a batch's end and the next batch's fresh block.
    var paddingBytes: Int
    var paddingBytesPerRecord: Double
    var maxInFlight: Int
    /// Closed loop: append -> the producer sees its acknowledgement. Open loop: the record's
    /// scheduled time -> its acknowledgement's release.
    var latencyMicros: Latency
    var cpuCores: Double
    var cpuMicrosPerRecord: Double?
    /// Closed-loop medians at depth > 1: records/s and batches/s over depth 1's, and the
    /// batches/s gain (d+1)/2 that N/(d+1) records per batch would need to break even.
    var recordsPerSecondOverDepth1: Double? = nil
    var batchesPerSecondOverDepth1: Double? = nil
    var batchGainNeeded: Double? = nil
    /// Open loop at depth > 1: latency over depth 1's at the same offered rate.
    var p50OverDepth1: Double? = nil
    var p99OverDepth1: Double? = nil
}

/// The model for one producer count.
struct DepthModelResult: Codable, Sendable {
    var name: String
    var recordSize: Int
    var producers: Int
    /// Closed loop, one per depth: the median (by records/s) of its repetitions.
    var closed: [DepthModelRun]
    /// Every closed-loop run, in the order run.
    var closedRuns: [DepthModelRun]
    var bestDepth: Int
    /// The best depth's median records/s: what the open-loop rates are fractions of.
    var peakRecordsPerSecond: Double
    /// The best depth's records/s over depth 1's (1 when depth 1 is best).
    var bestOverDepth1: Double
    /// The best depth is above 1 and beats depth 1 by ``DepthModelPlan/paysThreshold`` or more.
    var depthPays: Bool
    /// Open loop, per offered fraction: depth 1, then the best depth above 1; each the median
    /// (by p99) of its repetitions, run interleaved.
    var open: [DepthModelRun]
    /// Every open-loop run, in the order run.
    var openRuns: [DepthModelRun]
}

extension Latency {
    init(_ r: cbase_pipeline_result) {
        p50 = r.p50_us; p99 = r.p99_us; p999 = r.p999_us; mean = r.mean_us; max = r.max_us; samples = r.latency_samples
    }
}

/// One run of `cbase_pipelined_commit` on `file` (O_DIRECT): `offeredRate` 0 = closed loop.
func runPipelinedCommit(file: BaselineFile, recordSize: Int, producers: Int, depth: Int, offeredRate: Double,
                        duration: Double) throws -> DepthModelRun {
    guard file.directFD >= 0 else { throw BenchError("depth model: no O_DIRECT on this file system") }
    var r = cbase_pipeline_result()
    let capacity = min(1 << 20, file.size / 16)  // wrapped writes never meet one in flight
    let clock = ContinuousClock()
    let cpuBefore = processCPUSeconds()
    let start = clock.now
    let rc = cbase_pipelined_commit(file.directFD, UInt64(file.size), recordSize, producers, UInt32(depth), offeredRate,
                                    duration, capacity, &r)
    let (s, a) = (clock.now - start).components
    let wall = Double(s) + Double(a) / 1e18
    let cpu = processCPUSeconds() - cpuBefore
    guard rc == 0 else { throw BenchError("depth model (x\(producers), depth \(depth), rate \(offeredRate)): errno \(-rc)") }
    let records = Int(r.records), batches = Int(r.batches), seconds = max(r.seconds, 1e-9)
    return DepthModelRun(
        depth: depth, producers: producers, loop: offeredRate > 0 ? "open" : "closed",
        offeredRecordsPerSecond: offeredRate > 0 ? offeredRate : nil,
        seconds: r.seconds, records: records, recordsPerSecond: Double(records) / seconds,
        batches: batches, batchesPerSecond: Double(batches) / seconds,
        recordsPerBatch: batches > 0 ? Double(records) / Double(batches) : 0,
        bytesWritten: Int(r.bytes_written), paddingBytes: Int(r.padding_bytes),
        paddingBytesPerRecord: records > 0 ? Double(r.padding_bytes) / Double(records) : 0,
        maxInFlight: Int(r.max_in_flight), latencyMicros: Latency(r),
        cpuCores: cpu / wall, cpuMicrosPerRecord: records > 0 ? cpu / Double(records) * 1e6 : nil)
}

/// Closed loop at every depth of `plan` (interleaved repetitions), then open loop at each of
/// `plan.openFractions` of the best median records/s, for depth 1 and the best depth above 1
/// (interleaved repetitions).
func runDepthModel(file: BaselineFile, plan: DepthModelPlan, producers: Int, duration: Double) throws -> DepthModelResult {
    var closedRuns: [DepthModelRun] = []
    for _ in 0..<max(plan.repetitions, 1) {
        for depth in plan.depths {
            closedRuns.append(try runPipelinedCommit(file: file, recordSize: plan.recordSize, producers: producers,
                                                     depth: depth, offeredRate: 0, duration: duration))
        }
    }
    var closed = plan.depths.map { depth in
        let runs = closedRuns.filter { $0.depth == depth }.sorted { $0.recordsPerSecond < $1.recordsPerSecond }
        return runs[runs.count / 2]
    }
    let one = closed.first { $0.depth == 1 }
    if let one {
        for i in closed.indices where closed[i].depth > 1 {
            closed[i].recordsPerSecondOverDepth1 = closed[i].recordsPerSecond / one.recordsPerSecond
            closed[i].batchesPerSecondOverDepth1 = closed[i].batchesPerSecond / one.batchesPerSecond
            closed[i].batchGainNeeded = Double(closed[i].depth + 1) / 2
        }
    }
    let best = closed.max { $0.recordsPerSecond < $1.recordsPerSecond }!
    let bestAbove1 = closed.filter { $0.depth > 1 }.max { $0.recordsPerSecond < $1.recordsPerSecond }
    let bestOverDepth1 = one.map { best.recordsPerSecond / $0.recordsPerSecond } ?? 1

    let openDepths = [one?.depth, bestAbove1?.depth].compactMap { $0 }
    var openRuns: [DepthModelRun] = []
    for _ in 0..<max(plan.repetitions, 1) {
        for fraction in plan.openFractions {
            for depth in openDepths {
                var run = try runPipelinedCommit(file: file, recordSize: plan.recordSize, producers: producers, depth: depth,
                                                 offeredRate: fraction * best.recordsPerSecond, duration: duration)
                run.offeredFractionOfPeak = fraction
                openRuns.append(run)
            }
        }
    }
    var open: [DepthModelRun] = []
    for fraction in plan.openFractions {
        for depth in openDepths {
            let runs = openRuns.filter { $0.offeredFractionOfPeak == fraction && $0.depth == depth }
                .sorted { $0.latencyMicros.p99 < $1.latencyMicros.p99 }
            var run = runs[runs.count / 2]
            if depth > 1, let base = open.first(where: { $0.offeredFractionOfPeak == fraction && $0.depth == 1 }) {
                run.p50OverDepth1 = run.latencyMicros.p50 / max(base.latencyMicros.p50, 0.001)
                run.p99OverDepth1 = run.latencyMicros.p99 / max(base.latencyMicros.p99, 0.001)
            }
            open.append(run)
        }
    }
    return DepthModelResult(
        name: DepthModelPlan.name(recordSize: plan.recordSize, producers: producers), recordSize: plan.recordSize,
        producers: producers, closed: closed, closedRuns: closedRuns, bestDepth: best.depth,
        peakRecordsPerSecond: best.recordsPerSecond, bestOverDepth1: bestOverDepth1,
        depthPays: best.depth > 1 && bestOverDepth1 >= DepthModelPlan.paysThreshold, open: open, openRuns: openRuns)
}

extension BenchReport {
    /// The model's section of the text report.
    func depthModelTable() -> String {
        guard !depthModel.isEmpty else { return "" }
        var out = "Commits in flight, a C model (cbase_pipelined_commit): O_DIRECT RWF_DSYNC batch writes through one io_uring ring,\n"
        out += "up to `depth` in flight, acknowledged in order, a batch started beside another on a fresh 4 KiB block (padding).\n"
        out += "Closed loop: medians (records/s) of interleaved runs; open loop: one scheduler at a fraction of the best closed-loop rate,\n"
        out += "latency from the scheduled time, medians (p99). x d1 = over depth 1; need = (d+1)/2, the batches/s gain at which\n"
        out += "N/(d+1) records per batch break even.\n"
        out += pad("  loop", 22) + lpad("depth", 6) + lpad("rec/s", 10) + lpad("rec/batch", 10) + lpad("batch/s", 9)
        out += lpad("x d1", 6) + lpad("batch x d1", 11) + lpad("need", 6) + lpad("pad B/rec", 10)
        out += lpad("p50 us", 9) + lpad("p99 us", 9) + lpad("p99.9 us", 10) + lpad("cores", 7) + "\n"
        for m in depthModel {
            out += m.name + "\n"
            for r in m.closed + m.open {
                let loop = r.loop == "closed"
                    ? "  closed"
                    : "  open \(Int((r.offeredFractionOfPeak ?? 0) * 100))% (\(si(r.offeredRecordsPerSecond ?? 0))/s)"
                out += pad(loop, 22) + lpad("\(r.depth)", 6) + lpad(si(r.recordsPerSecond), 10) + lpad(f1(r.recordsPerBatch), 10)
                out += lpad(si(r.batchesPerSecond), 9) + lpad(r.recordsPerSecondOverDepth1.map(f2) ?? "-", 6)
                out += lpad(r.batchesPerSecondOverDepth1.map(f2) ?? "-", 11) + lpad(r.batchGainNeeded.map(f1) ?? "-", 6)
                out += lpad(f0(r.paddingBytesPerRecord), 10) + lpad(f1(r.latencyMicros.p50), 9) + lpad(f1(r.latencyMicros.p99), 9)
                out += lpad(f1(r.latencyMicros.p999), 10) + lpad(f2(r.cpuCores), 7) + "\n"
            }
            out += "  best depth \(m.bestDepth): \(f2(m.bestOverDepth1))x depth 1's records/s -> "
            out += m.depthPays
                ? "depth \(m.bestDepth) pays here\n"
                : "depth does not pay here (needs a best depth above 1 at >= \(f2(DepthModelPlan.paysThreshold))x)\n"
            if let log = find("sync", m.recordSize, m.producers, "uring-direct") {
                out += "  (the log at its default depth, same run: \(si(log.log.recordsPerSecond)) records/s, p50 \(f1(log.log.latencyMicros.p50)) us)\n"
            }
        }
        return out + "\n"
    }
}
