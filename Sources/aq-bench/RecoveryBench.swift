import AQLog
import CBaseline
import Foundation

/// One open of a log of a given shape.
struct RecoveryResult: Codable, Sendable {
    var sealedBytes: Int
    var tail: String
    /// "warm" (page cache as the writer left it) or "cold" (posix_fadvise(POSIX_FADV_DONTNEED)
    /// on every segment file just before the open).
    var cache: String
    /// Wall time of `LogWriter(directory:...)` (lock, listing, recovery), milliseconds.
    var openMillis: Double
    // The recovery report's fields.
    var segments: Int
    var sealedSegments: Int
    var sealedBytesRead: Int
    var bytesScanned: Int
    var bytesRepaired: Int
    var records: UInt64
    var reportMillis: Double
    /// bytesScanned / report duration (the open-tail scan rate), GB/s; 0 when nothing was scanned.
    var tailScanGigabytesPerSecond: Double
    /// The raw work of the scan: the open segment read through a mapping and checksummed in C,
    /// in the same cache state (GB/s); nil when nothing was scanned.
    var rawScanGigabytesPerSecond: Double? = nil
}

/// A reader following the writer (what ``LogTail`` does): its open, then one refresh per commit.
struct FollowResult: Codable, Sendable {
    /// `LogReader` open: lists segments, scans the whole open segment.
    var openMillis: Double
    var openBytesScanned: Int
    /// Median `refresh()` after each of `commits` one-record commits.
    var refreshMillis: Double
    var refreshBytesScanned: Int
    var commits: Int
}

struct VerifyResult: Codable, Sendable {
    var cache: String
    var bytesVerified: Int
    var recordsVerified: Int
    var seconds: Double
    var gigabytesPerSecond: Double
    /// The raw work: the same segment files read and checksummed in C, same cache state.
    var raw: [RawReadResult] = []
}

/// `d` in milliseconds.
func millis(_ d: Duration) -> Double {
    let (s, a) = d.components
    return Double(s) * 1000 + Double(a) / 1e15
}

/// Builds one log quickly (4 KiB records, batches of 1 MiB, `.deferred`) and opens it at
/// several shapes: growing sealed bytes with an empty tail, then growing open-tail bytes.
final class RecoveryBench {
    let directory: String
    var options: LogOptions
    let segmentSize: Int
    private var writer: LogWriter?
    private let record = [UInt8](repeating: 0xA5, count: 4096 - 32)
    private let batch: [[UInt8]]
    private var tailPayload = 0
    var progress: (String) -> Void = { _ in }

    init(directory: String, segmentSize: Int) {
        self.directory = directory
        self.segmentSize = segmentSize
        options = LogOptions(segmentSize: segmentSize)
        options.initialSegmentSize = segmentSize  // the segment size under test, from the first record
        batch = [[UInt8]](repeating: [UInt8](repeating: 0xA5, count: 4096 - 32), count: 256)
    }

    func segmentFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(SegmentName.suffix) }.sorted().map { directory + "/" + $0 }
    }

    private func openWriter() throws -> LogWriter {
        if let w = writer { return w }
        let w = try LogWriter.open(directory: directory, options: options, durability: .deferred)
        writer = w
        return w
    }

    private func closeWriter() throws {
        try writer?.close()
        writer = nil
    }

    /// Appends until `sealed` segments are sealed and the open one holds a single record.
    func growSealed(to sealed: Int) throws {
        let w = try openWriter()
        while segmentFiles().count < sealed { try w.append(contentsOf: batch) }
        while segmentFiles().count < sealed + 1 { try w.append(record) }
        tailPayload = record.count
    }

    /// Appends to the open segment until it holds about `bytes` of payload.
    func growTail(to bytes: Int) throws {
        let w = try openWriter()
        let batchBytes = batch.count * record.count
        while tailPayload + batchBytes <= bytes {
            try w.append(contentsOf: batch)
            tailPayload += batchBytes
        }
        while tailPayload + record.count <= bytes {
            try w.append(record)
            tailPayload += record.count
        }
    }

    /// Drops the segment files' clean pages from the page cache.
    func dropCaches() {
        for path in segmentFiles() {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { continue }
            _ = cbase_drop_cache(fd)
            close(fd)
        }
    }

    /// Opens (and closes) the log in five rounds: the open time is the median round's, the scan
    /// rate the best round's. Cold: every segment's pages are dropped before each open, and each
    /// open is followed by the C loop over the open segment, its pages dropped too (best round):
    /// interleaved, because this VM's device read rate swings by 2x between consecutive passes
    /// over the same file. Warm: the C loop runs after the opens (best of five), since it caches
    /// the whole file, which the next open would then drop.
    func measureOpen(tail: String, cold: Bool, rounds: Int = 5) throws -> RecoveryResult {
        try closeWriter()
        let clock = ContinuousClock()
        var runs: [(Double, RecoveryReport)] = []
        var raw: Double?
        func rawRound() throws {
            guard runs.last.map({ $0.1.bytesScanned > 0 }) == true, let open = segmentFiles().last else { return }
            raw = max(raw ?? 0, try rawReadChecksum([open], mmap: true, cold: cold).gigabytesPerSecond)
        }
        for _ in 0..<rounds {
            if cold { dropCaches() }
            let start = clock.now
            // Background preparation as users get it: the next segment's zero-fill runs on
            // another thread and is not part of the open (close waits for it).
            let w = try LogWriter(directory: directory, options: options, durability: .deferred,
                                  storage: PosixStorage(), backgroundPreparation: true)
            let wall = millis(clock.now - start)
            runs.append((wall, w.recoveryReport))
            try w.close()
            if cold { try rawRound() }
        }
        if !cold { for _ in 0..<rounds { try rawRound() } }
        let (wall, r) = runs.sorted { $0.0 < $1.0 }[runs.count / 2]
        let scanRate = runs.map { run -> Double in
            let ms = millis(run.1.duration)
            return run.1.bytesScanned > 0 && ms > 0 ? Double(run.1.bytesScanned) / (ms / 1000) / 1e9 : 0
        }.max() ?? 0
        return RecoveryResult(sealedBytes: r.sealedSegments * segmentSize, tail: tail, cache: cold ? "cold" : "warm",
                              openMillis: wall, segments: r.segments, sealedSegments: r.sealedSegments,
                              sealedBytesRead: r.sealedBytesRead, bytesScanned: r.bytesScanned, bytesRepaired: r.bytesRepaired,
                              records: r.records, reportMillis: millis(r.duration),
                              tailScanGigabytesPerSecond: scanRate, rawScanGigabytesPerSecond: raw)
    }

    /// Opens a reader, then times `refresh()` after each of `commits` single-record commits.
    func follow(commits: Int = 200) throws -> FollowResult {
        let clock = ContinuousClock()
        let w = try openWriter()
        let start = clock.now
        let reader = try LogReader.open(directory: directory)
        let open = millis(clock.now - start)
        let openScanned = reader.report.bytesScanned
        var refreshes: [(Double, Int)] = []
        for _ in 0..<commits {
            try w.append(record)
            tailPayload += record.count
            let t0 = clock.now
            try reader.refresh()
            refreshes.append((millis(clock.now - t0), reader.report.bytesScanned))
        }
        let median = refreshes.sorted { $0.0 < $1.0 }[refreshes.count / 2]
        return FollowResult(openMillis: open, openBytesScanned: openScanned, refreshMillis: median.0,
                            refreshBytesScanned: median.1, commits: commits)
    }

    /// `verify` of the whole log in `rounds` rounds, each followed by the C loops over the same
    /// files (`pread`, then a mapping) in the same cache state (cold: the pages dropped before
    /// each pass): the best round of each, interleaved as ``measureOpen(tail:cold:rounds:)``'s.
    func verify(cold: Bool, rounds: Int = 3) throws -> VerifyResult {
        try closeWriter()
        var best: VerifyResult?
        var raw: [String: RawReadResult] = [:]
        for _ in 0..<rounds {
            if cold { dropCaches() }
            let r = try LogVerifier(directory: directory).verify()
            if let c = r.corruption { throw BenchError("verify found corruption: \(c)") }
            let s = millis(r.duration) / 1000
            if best == nil || s < best!.seconds {
                best = VerifyResult(cache: cold ? "cold" : "warm", bytesVerified: r.bytesVerified, recordsVerified: r.recordsVerified,
                                    seconds: s, gigabytesPerSecond: Double(r.bytesVerified) / s / 1e9)
            }
            // The same files, read and checksummed in C, in the same cache state.
            for mmap in [false, true] {
                let c = try rawReadChecksum(segmentFiles(), mmap: mmap, cold: cold)
                if c.gigabytesPerSecond > raw[c.method]?.gigabytesPerSecond ?? 0 { raw[c.method] = c }
            }
        }
        var result = best!
        result.raw = ["pread", "mmap"].compactMap { raw[$0] }
        return result
    }

    func finish() throws { try closeWriter() }
}
