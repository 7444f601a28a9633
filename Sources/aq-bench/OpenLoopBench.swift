import AQLog
import Foundation
import Histogram
import Synchronization

/// `Log` at a fixed offered rate (open loop): one scheduler task issues appends on a schedule
/// (evenly spaced arrivals at `rate` records/s), each in its own task, however many are still
/// waiting; latency runs from an append's scheduled time to its acknowledgement, so a stall
/// is charged to every record scheduled during it (no coordinated omission). Run at fractions
/// of the closed-loop peak, at depth 1 and at the default depth, interleaved: where latency,
/// not peak throughput, is what counts.
struct OpenLoopResult: Codable, Sendable {
    /// The closed-loop scenario whose records/s the rate is a fraction of.
    var peakScenario: String
    var peakRecordsPerSecond: Double
    var fraction: Double
    var offeredRecordsPerSecond: Double
    var depth: Int
    /// Medians over the repetitions.
    var recordsPerSecond: Double
    var latencyMicros: Latency
    /// p50 and p99 over depth 1's at the same rate (depth > 1).
    var p50OverDepth1: Double?
    var p99OverDepth1: Double?
    var runs: [Latency]
}

/// One open-loop run: `rate` appends/s of `recordSize` bytes for `duration` seconds.
func runLogOpenLoop(directory: String, recordSize: Int, rate: Double, depth: Int, duration: Double,
                    options given: LogOptions? = nil) async throws -> (Double, Latency) {
    var options = given ?? LogOptions()
    if given == nil { options.initialSegmentSize = options.segmentSize }  // a busy log's segments, from the first record
    options.maxCommitsInFlight = depth
    // The next segment is prepared during open, before the clock starts (as the closed-loop
    // sync runs do): its zero-fill would otherwise share the disk with the first commits.
    let log = try Log(directory: directory, options: options, durability: .sync,
                      storage: PosixStorage(writePath: .uringDirect), backgroundPreparation: false)
    let payload = [UInt8](repeating: 0x5A, count: recordSize)
    let clock = ContinuousClock()
    let histogram = LatencyRecorder()
    let interval = Duration.nanoseconds(Int64(1e9 / rate))
    let total = Int(rate * duration)
    let start = clock.now + .milliseconds(5)
    try await withThrowingTaskGroup(of: Void.self) { group in
        var issued = 0
        while issued < total {
            let now = clock.now
            // Every arrival due by now is issued at once; its latency counts from its schedule.
            while issued < total, start + interval * issued <= now {
                let scheduled = start + interval * issued
                group.addTask {
                    _ = try await log.append(payload)
                    let latency = clock.now - scheduled
                    histogram.record(latency)
                }
                issued += 1
            }
            if issued < total { try await Task.sleep(until: start + interval * issued, clock: clock) }
        }
        try await group.waitForAll()
    }
    let elapsed = clock.now - start
    try await log.close()
    let (s, a) = elapsed.components
    let seconds = Double(s) + Double(a) / 1e18
    return (Double(total) / seconds, histogram.latency)
}

/// A histogram many tasks record into.
final class LatencyRecorder: Sendable {
    private let histogram = Mutex(newHistogram())

    func record(_ latency: Duration) {
        let value = nanos(latency)
        histogram.withLock { _ = $0.record(value) }
    }

    var latency: Latency { histogram.withLock { Latency($0) } }
}

/// For each closed-loop `sync 256 B xN uring-direct` result, open loop at `fractions` of its
/// records/s, depth 1 and `defaultDepth` interleaved, `repetitions` each; medians.
func runOpenLoop(peaks: [AppendResult], root: String, fractions: [Double], defaultDepth: Int, repetitions: Int,
                 duration: Double) async throws -> [OpenLoopResult] {
    var results: [OpenLoopResult] = []
    for peak in peaks {
        for fraction in fractions {
            let rate = fraction * peak.log.recordsPerSecond
            var runs: [Int: [(Double, Latency)]] = [:]
            for _ in 0..<repetitions {
                for depth in [1, defaultDepth] {
                    let dir = root + "/open-loop-d\(depth)"
                    runs[depth, default: []].append(try await runLogOpenLoop(directory: dir, recordSize: peak.recordSize, rate: rate,
                                                                             depth: depth, duration: duration))
                    try? FileManager.default.removeItem(atPath: dir)
                }
            }
            var one: OpenLoopResult?
            for depth in [1, defaultDepth] {
                let rs = runs[depth]!
                let middle = rs.sorted { $0.1.p99 < $1.1.p99 }[rs.count / 2]
                var r = OpenLoopResult(peakScenario: peak.name, peakRecordsPerSecond: peak.log.recordsPerSecond, fraction: fraction,
                                       offeredRecordsPerSecond: rate, depth: depth, recordsPerSecond: middle.0,
                                       latencyMicros: middle.1, runs: rs.map(\.1))
                if let one {
                    r.p50OverDepth1 = r.latencyMicros.p50 / one.latencyMicros.p50
                    r.p99OverDepth1 = r.latencyMicros.p99 / one.latencyMicros.p99
                } else { one = r }
                results.append(r)
            }
        }
    }
    return results
}

extension BenchReport {
    /// The open-loop section of the text report.
    func openLoopTable() -> String {
        guard !openLoop.isEmpty else { return "" }
        var out = "Log, open loop (.sync, 256 B, uring-direct): appends issued on a fixed schedule at a fraction of the closed-loop\n"
        out += "rate of the named scenario, latency from the scheduled time to the acknowledgement; median run by p99.\n"
        out += pad("  rate", 36) + lpad("depth", 6) + lpad("rec/s", 10) + lpad("p50 us", 9) + lpad("p99 us", 9)
        out += lpad("p99.9 us", 10) + lpad("p50 x d1", 9) + lpad("p99 x d1", 9) + "\n"
        for r in openLoop {
            let label = "  \(Int(r.fraction * 100))% of \(r.peakScenario.replacingOccurrences(of: " uring-direct", with: "")) (\(si(r.offeredRecordsPerSecond))/s)"
            out += pad(label, 36) + lpad("\(r.depth)", 6) + lpad(si(r.recordsPerSecond), 10) + lpad(f1(r.latencyMicros.p50), 9)
            out += lpad(f1(r.latencyMicros.p99), 9) + lpad(f1(r.latencyMicros.p999), 10)
            out += lpad(r.p50OverDepth1.map(f2) ?? "-", 9) + lpad(r.p99OverDepth1.map(f2) ?? "-", 9) + "\n"
        }
        return out + "\n"
    }
}
