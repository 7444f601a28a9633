import AQLog
import ArgumentParser
import Foundation

@main
struct AQBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aq-bench",
        abstract: "Append throughput, append->durable latency, recovery time and CRC speed of AQLog, beside raw baselines.",
        discussion: "The default run takes about two minutes on 2 cores (it writes 4 GiB for the streaming comparison); --quick is a few-second smoke run; --full runs the whole matrix.")

    @Flag(help: "A few-second smoke run (tiny sizes; figures are not meaningful).") var quick = false
    @Flag(help: "The whole matrix: every record size, producer count, durability mode and backend; 4 GiB recovery.") var full = false
    @Option(help: "Directory to write under (default: a temporary directory, removed afterwards).") var dir: String?
    @Option(help: "Write every figure as JSON to this file.") var json: String?
    @Option(help: "Draw throughput vs producers and latency percentiles as SVG to this file.") var svg: String?
    @Option(help: "Seconds per append run (default 0.4, 0.3 with --full, 0.05 with --quick).") var seconds: Double?
    @Flag(help: "Skip the recovery scenarios.") var skipRecovery = false
    @Flag(help: "Skip the append scenarios (e.g. to profile recovery alone).") var skipAppends = false
    @Option(help: "Run only the append scenarios whose name contains this text (e.g. \"deferred 256 B\"); or one section by a part of its name: \"depth model\", \"group pairs\", \"deferred pairs\" (both: \"pairs\"), \"archive\", \"streaming\", \"read path\" (the read-path comparison without the other recovery rows).") var filter: String?
    @Option(help: "Most commits the log keeps in flight (LogOptions.maxCommitsInFlight, 1-4; default: the library's).") var commitDepth: Int?
    @Option(help: ArgumentHelp("Bytes the writers of the append runs and of the reopen rows move their high-water mark by at least (default: the library's; 1073741824 raises once per segment): what recording the durable prefix costs, and what a reopen reads past it.", visibility: .hidden))
    var highWaterStep: Int?
    @Option(help: ArgumentHelp("Fix the rule that begins a further commit beside those in flight: eager or batching (default: measured while the log runs).", visibility: .hidden))
    var commitRule: String?
    @Flag(help: ArgumentHelp("Run each producer of the Log append runs on a thread of its own (a task executor preference), as the C baselines' producers are, instead of the shared cooperative pool.", visibility: .hidden))
    var producerThreads = false
    @Flag(help: "Skip the commits-in-flight model (C, depths 1-4, closed and open loop; about 25 s by default).") var skipDepthModel = false
    @Option(help: "Depths the commits-in-flight model runs, comma-separated, 1 among them (default 1,2,3,4).") var depthModelDepths: String?

    mutating func validate() throws {
        if quick && full { throw ValidationError("--quick and --full exclude each other") }
        if let commitRule, !["eager", "batching"].contains(commitRule) { throw ValidationError("--commit-rule is eager or batching") }
        if let depthModelDepths {
            let depths = depthModelDepths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !depths.isEmpty, depths.allSatisfy({ $0 != nil && (1...4).contains($0!) }), depths.contains(1) else {
                throw ValidationError("--depth-model-depths: depths 1 to 4, comma-separated, 1 among them")
            }
        }
    }

    mutating func run() async throws {
        var plan = Plan(quick: quick, full: full, seconds: seconds)
        if let depthModelDepths {
            plan.depthModel.depths = Array(Set(depthModelDepths.split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            })).sorted()
        }
        let root: String
        let removeRoot: Bool
        if let dir {
            root = dir + "/aq-bench-\(getpid())"
            removeRoot = true
        } else {
            root = NSTemporaryDirectory() + "aq-bench-\(getpid())"
            removeRoot = true
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if removeRoot { try? FileManager.default.removeItem(atPath: root) } }

        let started = Date()
        let clock = ContinuousClock()
        let t0 = clock.now
        var report = BenchReport(mode: plan.name, startedAt: ISO8601DateFormatter().string(from: started),
                                 machine: MachineInfo.probe(directory: root), settings: plan.settings)
        let progress = Progress(total: plan.steps)

        // 1. CRC engines in memory.
        progress.step("crc engines")
        report.crc = runCRC(sizes: plan.crcSizes, minSeconds: plan.crcSeconds)

        // 2. Append scenarios, each log run followed by its baseline (A B A B ...).
        let baselineFile = try BaselineFile(path: root + "/baseline.dat", size: plan.baselineFileSize)
        var written: [String: Int] = [:]
        let appends = skipAppends ? [] : plan.appends.filter { filter == nil || $0.name.contains(filter!) }
        for spec in appends {
            progress.step(spec.name)
            // A segment keeps the depth it was created with: one directory per depth.
            let logDir = root + (spec.rollingSegmentSize == nil ? "/log-\(spec.backend.rawValue)" : "/log-rolling") + "-d\(commitDepth ?? 0)"
            if spec.mode == .deferred { try? FileManager.default.removeItem(atPath: logDir) }
            var logRuns: [RunFigures] = []
            var baseRuns: [RunFigures] = []
            var secondRuns: [RunFigures] = []
            var threadedRuns: [RunFigures] = []
            var batchBytes = 0
            for _ in 0..<spec.repetitions {
                let f = try await runLog(spec, directory: logDir, segmentSize: plan.segmentSize, duration: plan.appendSeconds, commitDepth: commitDepth,
                                           highWaterStep: highWaterStep, commitRule: commitRule.map { $0 == "eager" ? .eager : .batching },
                                           producerThreads: producerThreads)
                logRuns.append(f)
                let batches = spec.mode == .deferred ? max(f.writes, 1) : max(f.syncs, 1)
                batchBytes = max(f.bytesWritten / batches, 1)
                let recordsPerBatch = Double(f.records) / Double(batches)
                baseRuns.append(try runBaseline(spec.baselineKind, file: baselineFile, batchBytes: batchBytes, batches: batches,
                                                recordsPerBatch: recordsPerBatch, recordSize: spec.recordSize))
                if let kind = spec.secondBaselineKind {
                    secondRuns.append(try runBaseline(kind, file: baselineFile, batchBytes: batchBytes, batches: batches,
                                                      recordsPerBatch: recordsPerBatch, recordSize: spec.recordSize,
                                                      segmentSize: plan.segmentSize))
                }
                if spec.hasThreadedBaseline {
                    threadedRuns.append(try runThreadedBaseline(file: baselineFile, recordSize: spec.recordSize,
                                                                producers: spec.producers, duration: plan.appendSeconds))
                }
            }
            // A fresh directory after deferred runs and once a backend's log took a quarter
            // segment: sync runs stay inside one segment (no roll), disk use stays bounded.
            written[logDir, default: 0] += logRuns.reduce(0) { $0 + $1.bytesWritten }
            if spec.mode == .deferred || spec.rollingSegmentSize != nil || written[logDir, default: 0] > plan.segmentSize / 4 {
                try? FileManager.default.removeItem(atPath: logDir)
                written[logDir] = 0
            }
            let log = median(logRuns), base = median(baseRuns)
            let second = secondRuns.isEmpty ? nil : median(secondRuns)
            let threaded = threadedRuns.isEmpty ? nil : median(threadedRuns)
            report.append.append(AppendResult(
                name: spec.name, recordSize: spec.recordSize, producers: spec.producers, durability: spec.mode.rawValue,
                backend: spec.backend.rawValue, api: spec.api.rawValue, recordsPerCall: spec.batch,
                log: log, logRuns: logRuns, baselineKind: spec.baselineKind.rawValue, baseline: base, baselineRuns: baseRuns,
                baselineBatchBytes: batchBytes, ratioToBaseline: log.recordsPerSecond / base.recordsPerSecond,
                secondBaselineKind: spec.secondBaselineKind?.rawValue, secondBaseline: second,
                ratioToSecondBaseline: second.map { log.recordsPerSecond / $0.recordsPerSecond },
                threadedBaseline: threaded, ratioToThreadedBaseline: threaded.map { log.recordsPerSecond / $0.recordsPerSecond },
                rollingSegmentSize: spec.rollingSegmentSize))
        }
        // 2b. The ActionQueue authority beside `Log`, same producers and payload sizes.
        for mode in ActionQueueBench.modes where !skipAppends && (filter == nil || ActionQueueBench.name(mode).contains(filter!)) {
            report.actionQueue.append(try await ActionQueueBench.run(mode: mode, root: root, segmentSize: plan.segmentSize,
                                                                     duration: plan.appendSeconds))
        }
        // 3. The commits-in-flight model (C), on the baseline file.
        if !skipAppends && !skipDepthModel {
            for producers in plan.depthModel.producers {
                let name = DepthModelPlan.name(recordSize: plan.depthModel.recordSize, producers: producers)
                guard filter == nil || name.contains(filter!) else { continue }
                progress.step(name)
                report.depthModel.append(try runDepthModel(file: baselineFile, plan: plan.depthModel, producers: producers,
                                                           duration: plan.appendSeconds))
            }
        }
        // 4. The log itself at fixed offered rates, depth 1 against the default depth.
        if !skipAppends && !skipDepthModel {
            let peaks = report.append.filter { r in
                r.durability == "sync" && r.backend == "uring-direct" && r.recordSize == 256 && r.rollingSegmentSize == nil
                    && r.api == AppendSpec.API.single.rawValue && plan.depthModel.producers.contains(r.producers)
                    && (filter == nil || r.name.contains(filter!))
            }
            if !peaks.isEmpty {
                progress.step("log open loop")
                report.openLoop = try await runOpenLoop(peaks: peaks, root: root, fractions: plan.depthModel.openFractions,
                                                        defaultDepth: commitDepth ?? LogOptions().maxCommitsInFlight,
                                                        repetitions: plan.depthModel.repetitions, duration: plan.appendSeconds)
            }
        }
        // 4a. Interleaved pairs: `.group` beside `.sync`, `Log` beside `LogWriter`.
        for producers in plan.groupPairProducers where !skipAppends && (filter == nil || "group pairs".contains(filter!)) {
            progress.step("group beside sync, x\(producers), \(plan.pairs) interleaved pairs")
            let sync = AppendSpec(recordSize: 256, producers: producers, mode: .sync, backend: .uringDirect)
            var group = sync
            group.mode = .group
            report.pairs.append(try await runPair(group, over: sync, comparison: ".group / .sync", root: root, pairs: plan.pairs,
                                                  segmentSize: plan.segmentSize, duration: plan.appendSeconds, commitDepth: commitDepth))
        }
        if !skipAppends && (filter == nil || "deferred pairs".contains(filter!)) {
            progress.step("Log beside LogWriter, deferred batches, \(plan.pairs) interleaved pairs")
            let writer = AppendSpec(recordSize: 256, producers: 1, mode: .deferred, backend: .uring, api: .writerBatch,
                                    batch: plan.deferredPairBatch)
            var log = writer
            log.api = .batch
            report.pairs.append(try await runPair(log, over: writer, comparison: "Log batch / LogWriter batch", root: root,
                                                  pairs: plan.pairs, segmentSize: plan.segmentSize,
                                                  duration: plan.appendSeconds, commitDepth: commitDepth))
        }
        // 4b. Archiving beside a live writer.
        if !skipAppends && (filter == nil || "archive".contains(filter!)) {
            progress.step("archiving beside a live writer")
            report.archive = try await ArchiveBench.run(root: root, seconds: max(1, plan.appendSeconds * 5),
                                                        repetitions: max(plan.depthModel.repetitions, 3))
        }
        try? FileManager.default.removeItem(atPath: root + "/log-uring")
        try? FileManager.default.removeItem(atPath: root + "/log-posix")

        // 5. `.deferred` at the disk's streaming bandwidth.
        if !skipAppends && (filter == nil || "streaming".contains(filter!)) {
            progress.step("streaming: \(formatSize(plan.streamingBytes)) deferred, log and C")
            report.streaming = try runStreaming(root: root, bytes: plan.streamingBytes, segmentSize: plan.segmentSize)
        }

        // 6. Recovery: open time vs sealed bytes and vs open-tail bytes, warm and cold; verify.
        // `--filter "read path"` runs the read-path comparison alone.
        let readPathOnly = filter.map { "read path".contains($0) } ?? false
        if !skipRecovery && !readPathOnly {
            let bench = RecoveryBench(directory: root + "/recovery", segmentSize: plan.recoverySegmentSize)
            let first = plan.sealedSegments[0]
            progress.step("recovery: build \(formatSize(first * plan.recoverySegmentSize)) sealed")
            try bench.growSealed(to: first)
            for (label, bytes) in plan.tails {
                progress.step("recovery: open, tail \(label)")
                if bytes > 0 { try bench.growTail(to: bytes) }
                report.recovery.append(try bench.measureOpen(tail: label, cold: false))
                report.recovery.append(try bench.measureOpen(tail: label, cold: true))
            }
            for sealed in plan.sealedSegments.dropFirst() {
                progress.step("recovery: build \(formatSize(sealed * plan.recoverySegmentSize)) sealed")
                try bench.growSealed(to: sealed)
                report.recovery.append(try bench.measureOpen(tail: plan.tails[0].0, cold: false))
                report.recovery.append(try bench.measureOpen(tail: plan.tails[0].0, cold: true))
            }
            report.follow = try bench.follow()
            progress.step("tail catch-up: main actor and detached")
            report.tailCatchUp = try await runTailCatchUp(root: root, records: plan.tailCatchUpRecords)
            progress.step("verify")
            _ = try bench.verify(cold: false)  // warms the cache
            report.verify.append(try bench.verify(cold: false))
            report.verify.append(try bench.verify(cold: true))
            try bench.finish()
            try? FileManager.default.removeItem(atPath: root + "/recovery")
        }
        if !skipRecovery {
            for size in [256, 4064] {
                progress.step("read path: \(size) B records, forEach / verify / open scan against C")
                report.readPath.append(try runReadPath(root: root, recordSize: size, segmentSize: plan.recoverySegmentSize,
                                                       sealedSegments: plan.sealedSegments[0]))
            }
        }
        if !skipRecovery && !readPathOnly {
            progress.step("reopen after a killed writer: 256 B records, dirty and clean pages")
            // A full segment: what fits beside its index (4 bytes a record) and a last batch.
            let full = (plan.recoverySegmentSize - (256 << 10)) / (FrameHeader.frameSize(payloadLength: 256) + 4)
            for records in plan.crashReopenRecords + [full] {
                for dirty in [true, false] {
                    report.crashReopen.append(try runCrashReopen(root: root, records: records, segmentSize: plan.recoverySegmentSize, dirty: dirty,
                                                                  highWaterStep: highWaterStep))
                }
            }
            progress.step("idle open: \(plan.idleOpenSegmentSizes.map(formatSize).joined(separator: ", ")) segments")
            for size in plan.idleOpenSegmentSizes { report.idleOpen.append(try runIdleOpen(root: root, segmentSize: size)) }
        }
        progress.done()

        report.durationSeconds = {
            let (s, a) = (clock.now - t0).components
            return Double(s) + Double(a) / 1e18
        }()
        report.computeTargets()

        print(report.table())
        print(ActionQueueBench.table(report.actionQueue))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
        if let svg { try report.svg().write(toFile: svg, atomically: true, encoding: .utf8) }
    }
}

/// One progress line on stderr, rewritten in place.
final class Progress {
    let total: Int
    private var index = 0
    private let start = ContinuousClock.now

    init(total: Int) { self.total = total }

    func step(_ what: String) {
        index += 1
        let (s, _) = (ContinuousClock.now - start).components
        let line = "\r\u{1B}[K[\(min(index, total))/\(total) \(s)s] \(what)"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }

    func done() {
        let (s, _) = (ContinuousClock.now - start).components
        FileHandle.standardError.write("\r\u{1B}[K[done in \(s)s]\n".data(using: .utf8)!)
    }
}
