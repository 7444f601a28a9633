import AQLog
import ActionQueue
import Foundation
import Histogram

/// The ActionQueue rows: `AsyncMutationAuthority` with 32 submitters, each driving its own
/// tasks through a task's life in 7 commands (task + first run, ready, lease + leased,
/// running, attempt started, attempt finished, completed), beside `Log` with 32 producers
/// appending records of the same payload sizes, in the same run and durability mode.
enum ActionQueueBench {
    static let submitters = 32
    static let modes: [AppendSpec.Mode] = [.sync, .group, .deferred]

    static func name(_ mode: AppendSpec.Mode) -> String { "actionqueue submit x\(submitters) \(mode.rawValue)" }

    /// One row: the authority's commands beside the log's records.
    struct Result: Codable, Sendable {
        var name: String
        var durability: String
        var submitters: Int
        /// Payload bytes of the 7 records of a task's life (what the log side appends too).
        var payloadSizes: [Int]
        /// Commands acknowledged (per second in ``commandsPerSecond``); latency is
        /// submit->acknowledged (durable under sync and group).
        var commands: Int
        var commandsPerSecond: Double
        var latencyMicros: Latency
        /// `Log` with the same producers and payload sizes.
        var log: RunFigures
        var ratioToLog: Double
    }

    /// The commands of task `n`'s life, at timestamp `ts`.
    static func life(_ n: UInt64, at ts: UInt64) -> [[WalEventType]] {
        func id(_ tag: UInt8) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 16)
            bytes[0] = tag
            for i in 0..<8 { bytes[15 - i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
            return bytes
        }
        let task = TaskId(bytes: id(0))!, run = RunId(bytes: id(1))!, attempt = AttemptId(bytes: id(2))!
        let payload = TaskPayload(bytes: [UInt8](repeating: 0x5A, count: 64))
        func move(_ from: RunState, _ to: RunState) -> WalEventType {
            .runStateChanged(runId: run, previousState: from, newState: to, timestamp: ts)
        }
        return [
            [.taskCreated(taskSpec: TaskSpec(id: task, payload: payload), timestamp: ts),
             .runCreated(runInstance: RunInstance(id: run, taskId: task, createdAt: ts, scheduledAt: ts))],
            [move(.scheduled, .ready)],
            [.leaseAcquired(runId: run, owner: "worker-\(n % 32)", expiry: ts + 30_000, timestamp: ts), move(.ready, .leased)],
            [move(.leased, .running)],
            [.attemptStarted(runId: run, attemptId: attempt, timestamp: ts)],
            [.attemptFinished(runId: run, attemptId: attempt, result: .success, error: nil, output: [1, 2, 3, 4], timestamp: ts)],
            [move(.running, .completed)],
        ]
    }

    /// Runs the log side, then the authority side, in fresh directories under `root`.
    static func run(mode: AppendSpec.Mode, root: String, segmentSize: Int, duration: Double) async throws -> Result {
        let durability = AppendSpec(recordSize: 0, producers: submitters, mode: mode, backend: .uringDirect).durability
        var options = LogOptions(segmentSize: segmentSize)
        options.initialSegmentSize = segmentSize
        let sizes = life(1, at: 1).map { WalRecord(sequence: 1 << 20, events: $0).postcardBytes().count }
        let payloads = sizes.map { [UInt8](repeating: 0x5A, count: $0) }

        let logDir = root + "/aq-log-\(mode.rawValue)"
        try? FileManager.default.removeItem(atPath: logDir)
        let log = try Log.open(directory: logDir, options: options, durability: durability)
        let logRun = try await timed(duration) { _, deadline in
            var h = newHistogram(), n = 0
            let clock = ContinuousClock()
            while clock.now < deadline {
                let t0 = clock.now
                try await log.append(payloads[n % payloads.count])
                _ = h.record(nanos(clock.now - t0))
                n += 1
            }
            return (n, h)
        }
        try await log.close()
        try? FileManager.default.removeItem(atPath: logDir)
        let bytes = logRun.count * sizes.reduce(0, +) / sizes.count
        let logFigures = RunFigures(seconds: logRun.elapsed, records: logRun.count,
                                    recordsPerSecond: Double(logRun.count) / logRun.elapsed,
                                    megabytesPerSecond: Double(bytes) / logRun.elapsed / 1e6, syncs: 0, syncsPerSecond: 0, writes: 0,
                                    recordsPerSync: 0, bytesWritten: bytes, latencyMicros: Latency(logRun.latency))

        let authorityDir = root + "/aq-authority-\(mode.rawValue)"
        try? FileManager.default.removeItem(atPath: authorityDir)
        let authority = try await AsyncMutationAuthority.open(directory: authorityDir, options: options, durability: durability)
        let run = try await timed(duration) { submitter, deadline in
            var h = newHistogram(), n = 0
            let clock = ContinuousClock()
            var task = UInt64(submitter) + 1  // this submitter's tasks: submitter + 1, + 33, + 65, ...
            while clock.now < deadline {
                for command in life(task, at: 1) {
                    let t0 = clock.now
                    try await authority.submit(command)
                    _ = h.record(nanos(clock.now - t0))
                    n += 1
                }
                task += UInt64(submitters)
            }
            return (n, h)
        }
        try await authority.close()
        try? FileManager.default.removeItem(atPath: authorityDir)
        let perSecond = Double(run.count) / run.elapsed
        return Result(name: name(mode), durability: mode.rawValue, submitters: submitters, payloadSizes: sizes,
                      commands: run.count, commandsPerSecond: perSecond, latencyMicros: Latency(run.latency),
                      log: logFigures, ratioToLog: perSecond / logFigures.recordsPerSecond)
    }

    /// Runs `body` in `submitters` tasks until `duration` seconds pass; sums their counts and
    /// merges their latency histograms.
    static func timed(_ duration: Double, _ body: @escaping @Sendable (Int, ContinuousClock.Instant) async throws -> (Int, Histogram<UInt64>))
        async throws -> (count: Int, latency: Histogram<UInt64>, elapsed: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(duration * 1000))
        let (count, latency) = try await withThrowingTaskGroup(of: (Int, Histogram<UInt64>).self) { group in
            for submitter in 0..<submitters { group.addTask { try await body(submitter, deadline) } }
            var total = 0, merged = newHistogram()
            for try await (n, h) in group {
                total += n
                merged.add(h)
            }
            return (total, merged)
        }
        let (s, a) = (clock.now - start).components
        return (count, latency, Double(s) + Double(a) / 1e18)
    }

    /// The rows as a table.
    static func table(_ results: [Result]) -> String {
        guard !results.isEmpty else { return "" }
        var lines = ["", "ActionQueue: commands through AsyncMutationAuthority beside Log records of the same sizes",
                     "name                              commands/s   p50 us   p99 us |   Log rec/s   p50 us   p99 us | ratio"]
        for r in results {
            lines.append(r.name.padding(toLength: 33, withPad: " ", startingAt: 0) + String(format: "%11.0f %8.0f %8.0f | %11.0f %8.0f %8.0f | %5.2f",
                                r.commandsPerSecond, r.latencyMicros.p50, r.latencyMicros.p99,
                                r.log.recordsPerSecond, r.log.latencyMicros.p50, r.log.latencyMicros.p99, r.ratioToLog))
        }
        lines.append("payload sizes (bytes): \(results[0].payloadSizes)")
        return lines.joined(separator: "\n")
    }
}
