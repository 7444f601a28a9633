import AQLog
import Foundation
import Synchronization

/// Archiving beside a live writer: `Log` (.sync, 256 B records, 2 MiB segments so seals come
/// every few hundred milliseconds) at 80% of its closed-loop peak with 8 producers, open loop,
/// interleaved: without archiving; with ``LogOptions/archiving`` through a closure that does
/// nothing (the archiver's own work: reading the segment to verify it, recording it); through a closure that sends
/// each segment off the log's disk (read it, write it to tmpfs: what an upload to object storage
/// asks of the machine); through a closure that copies it durably onto the log's own disk
/// (temporary name, `fsync`, rename, directory `fsync`: the device then serves both); and
/// through a command doing the same copy (`cp`, `sync`, `mv`: a process per segment). What
/// counts: the p99 append latency with archiving against without, and what each way of sending
/// costs per segment.
struct ArchiveBenchResult: Codable, Sendable {
    var variant: String
    var peakRecordsPerSecond: Double
    var offeredRecordsPerSecond: Double
    var segmentSize: Int
    /// Medians over the repetitions (the run with the median p99).
    var recordsPerSecond: Double
    var latencyMicros: Latency
    var segmentsArchived: Int
    /// Mean wall time of one segment's send.
    var meanSendMillis: Double?
    var p99OverNone: Double?
    var runs: [Latency]
}

enum ArchiveBench {
    static let segmentSize = 2 << 20
    static let variants = ["none", "noop", "closure", "closure-disk", "command"]

    static func run(root: String, seconds: Double, repetitions: Int) async throws -> [ArchiveBenchResult] {
        let peak = try await closedLoopPeak(directory: root + "/archive-peak", seconds: seconds)
        let rate = 0.8 * peak
        var runs: [String: [(Double, Latency, Int, Double?)]] = [:]
        for _ in 0..<repetitions {
            for variant in variants {
                let dir = root + "/archive-log", store = root + "/archive-store"
                try? FileManager.default.removeItem(atPath: dir)
                try? FileManager.default.removeItem(atPath: store)
                try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
                let sends = SendTimes()
                var options = LogOptions(segmentSize: segmentSize)
                options.initialSegmentSize = segmentSize
                switch variant {
                case "noop":
                    options.archiving = LogArchiving { segment in try await sends.time {} }
                case "closure":
                    let shm = "/dev/shm/aq-bench-archive"
                    try? FileManager.default.createDirectory(atPath: shm, withIntermediateDirectories: true)
                    options.archiving = LogArchiving { segment in
                        try await sends.time {
                            let data = try Data(contentsOf: URL(fileURLWithPath: segment.path))
                            try data.write(to: URL(fileURLWithPath: shm + "/" + segment.fileName))
                        }
                    }
                case "closure-disk":
                    options.archiving = LogArchiving { segment in
                        try await sends.time { try copyDurably(segment.path, to: store + "/" + segment.fileName) }
                    }
                case "command":
                    let command = ShellCommand("cp %p \(store)/.tmp.%f && sync \(store)/.tmp.%f && mv \(store)/.tmp.%f \(store)/%f && sync \(store)")
                    options.archiving = LogArchiving { segment in try await sends.time { try await command.archiving(segment) } }
                default: break
                }
                let (rps, latency) = try await runLogOpenLoop(directory: dir, recordSize: 256, rate: rate, depth: LogOptions().maxCommitsInFlight,
                                                              duration: seconds, options: options)
                let archived = sends.count
                try? FileManager.default.removeItem(atPath: "/dev/shm/aq-bench-archive")
                runs[variant, default: []].append((rps, latency, archived, sends.mean))
                try? FileManager.default.removeItem(atPath: dir)
                try? FileManager.default.removeItem(atPath: store)
            }
        }
        var results: [ArchiveBenchResult] = []
        for variant in variants {
            let rs = runs[variant]!
            let middle = rs.sorted { $0.1.p99 < $1.1.p99 }[rs.count / 2]
            var r = ArchiveBenchResult(variant: variant, peakRecordsPerSecond: peak, offeredRecordsPerSecond: rate, segmentSize: segmentSize,
                                       recordsPerSecond: middle.0, latencyMicros: middle.1, segmentsArchived: middle.2,
                                       meanSendMillis: middle.3, runs: rs.map(\.1))
            if let none = results.first { r.p99OverNone = r.latencyMicros.p99 / none.latencyMicros.p99 }
            results.append(r)
        }
        return results
    }

    /// Records/s of 8 producers appending 256 B records back to back for `seconds`.
    static func closedLoopPeak(directory: String, seconds: Double) async throws -> Double {
        var options = LogOptions(segmentSize: segmentSize)
        options.initialSegmentSize = segmentSize
        let log = try Log(directory: directory, options: options, durability: .sync,
                          storage: PosixStorage(writePath: .uringDirect), backgroundPreparation: false)
        let payload = [UInt8](repeating: 0x5A, count: 256)
        let clock = ContinuousClock()
        let deadline = clock.now + .nanoseconds(Int64(seconds * 1e9))
        let start = clock.now
        let count = AppendCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while clock.now < deadline {
                        _ = try await log.append(payload)
                        count.value.add(1, ordering: .relaxed)
                    }
                }
            }
            try await group.waitForAll()
        }
        let (s, a) = (clock.now - start).components
        try await log.close()
        try? FileManager.default.removeItem(atPath: directory)
        return Double(count.value.load(ordering: .relaxed)) / (Double(s) + Double(a) / 1e18)
    }

    /// Copies `source` to `target` as an archive command should: a temporary name, synced,
    /// renamed, the directory synced.
    static func copyDurably(_ source: String, to target: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let temporary = target + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { throw CocoaError(.fileWriteUnknown) }
        let fd = open(temporary, O_RDONLY)
        defer { close(fd) }
        guard fsync(fd) == 0, rename(temporary, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let dir = open((target as NSString).deletingLastPathComponent, O_RDONLY)
        defer { close(dir) }
        _ = fsync(dir)
    }
}

/// Appends counted by many tasks.
final class AppendCount: Sendable { let value = Atomic<Int>(0) }

/// Wall times of the sends of one run.
final class SendTimes: Sendable {
    private let totals = Mutex<(count: Int, seconds: Double)>((0, 0))

    func time(_ body: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        try await body()
        let (s, a) = (ContinuousClock.now - start).components
        totals.withLock { $0 = ($0.count + 1, $0.seconds + Double(s) + Double(a) / 1e18) }
    }

    var mean: Double? { totals.withLock { $0.count == 0 ? nil : 1000 * $0.seconds / Double($0.count) } }
    /// Sends that completed.
    var count: Int { totals.withLock { $0.count } }
}

extension BenchReport {
    /// The archiving section of the text report.
    func archiveTable() -> String {
        guard let first = archive.first else { return "" }
        var out = "Archiving beside a live writer: Log .sync 256 B x8 open loop at 80% of its peak (\(si(first.peakRecordsPerSecond))/s closed loop),\n"
        out += "\(formatSize(first.segmentSize)) segments, each archived as sealed (LogOptions.archiving); median run by p99, interleaved.\n"
        out += pad("  archiving", 26) + lpad("rec/s", 10) + lpad("p50 us", 9) + lpad("p99 us", 9) + lpad("p99.9 us", 10)
        out += lpad("p99 x none", 11) + lpad("segments", 9) + lpad("ms/send", 9) + "\n"
        for r in archive {
            let label = ["none": "  none", "noop": "  closure doing nothing", "closure": "  closure, off the disk", "closure-disk": "  closure, copy+fsync",
                         "command": "  command, cp;sync;mv"][r.variant] ?? r.variant
            out += pad(label, 26) + lpad(si(r.recordsPerSecond), 10) + lpad(f1(r.latencyMicros.p50), 9) + lpad(f1(r.latencyMicros.p99), 9)
            out += lpad(f1(r.latencyMicros.p999), 10) + lpad(r.p99OverNone.map(f2) ?? "-", 11) + lpad("\(r.segmentsArchived)", 9)
            out += lpad(r.meanSendMillis.map(f1) ?? "-", 9) + "\n"
        }
        return out + "\n"
    }
}
