import AQLog
import CBaseline
import Foundation

/// Reopening a log after its `.sync` writer was killed: N records of 256 B in the open segment, as a
/// SIGKILL leaves them (the files' bytes, no close marker, the writer's `LOCK` and `HIGHWATER` records), with the
/// pages dirty (the writer's bytes never written back) or clean (synced). The open is timed
/// in-process; the settling sync (the dirty bytes made durable) is reported apart from the
/// recovery scan, beside the raw work: the same file read through a mapping and checksummed in C.
struct CrashReopenResult: Codable, Sendable {
    var records: Int
    var pages: String
    var openMillis: Double
    var settleMillis: Double
    var recoveryMillis: Double
    var bytesScanned: Int
    /// Bytes of the open segment the open trusted without reading them (its durable prefix).
    var bytesTrusted: Int
    /// The C mmap + CRC loop over the open segment file, same cache state, milliseconds.
    var rawMillis: Double
}

/// Idle open with a given segment size: a log of one record whose open segment has the full
/// segment size (a log that grew to it), closed cleanly, then opened and closed again.
struct IdleOpenResult: Codable, Sendable {
    var segmentSize: Int
    var openMillis: Double
    var bytesScanned: Int
}

func runCrashReopen(root: String, records: Int, segmentSize: Int, dirty: Bool, highWaterStep: Int? = nil) throws -> CrashReopenResult {
    let dir = root + "/crash-reopen"
    try? FileManager.default.removeItem(atPath: dir)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var options = LogOptions(segmentSize: segmentSize)
    options.initialSegmentSize = segmentSize
    if let highWaterStep { options.highWaterStep = highWaterStep }
    // Acknowledged as durable (`.sync`, batches of 256), as the writer a crash interrupts
    // in production: its `HIGHWATER` holds the durable prefix the reopen trusts.
    let writer = try LogWriter.open(directory: dir, options: options, durability: .sync)
    let payload = [UInt8](repeating: 0x6B, count: 256)
    var left = records
    while left > 0 {
        let n = min(left, 256)
        try writer.append(contentsOf: [[UInt8]](repeating: payload, count: n))
        left -= n
    }
    // What a SIGKILL leaves: the bytes as they are now, in the page cache.
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".seg") || $0 == "LOCK" || $0 == "HIGHWATER" }
    let images = try names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0))) }
    try writer.close()
    try FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    for (name, bytes) in images {
        let fd = open(dir + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError("crash image: open failed") }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if !dirty { fsync(fd) }
        close(fd)
    }
    let segment = dir + "/" + names.filter { $0.hasSuffix(".seg") }.sorted().last!
    let raw = try rawReadChecksum([segment], mmap: true, cold: false)
    let clock = ContinuousClock()
    let start = clock.now
    let reopened = try LogWriter(directory: dir, options: options, durability: .deferred, storage: PosixStorage(), backgroundPreparation: true)
    let open = millis(clock.now - start)
    let report = reopened.recoveryReport
    try reopened.close()
    guard report.lastSequence == UInt64(records) else { throw BenchError("crash reopen recovered \(report.lastSequence) of \(records)") }
    return CrashReopenResult(records: records, pages: dirty ? "dirty" : "clean", openMillis: open,
                             settleMillis: millis(report.settleDuration), recoveryMillis: millis(report.duration),
                             bytesScanned: report.bytesScanned, bytesTrusted: report.bytesTrusted, rawMillis: Double(raw.bytes) / raw.gigabytesPerSecond / 1e6)
}

func runIdleOpen(root: String, segmentSize: Int) throws -> IdleOpenResult {
    let dir = root + "/idle-open"
    try? FileManager.default.removeItem(atPath: dir)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var options = LogOptions(segmentSize: segmentSize)
    options.initialSegmentSize = segmentSize
    let writer = try LogWriter.open(directory: dir, options: options, durability: .sync)
    try writer.append([UInt8](repeating: 1, count: 256))
    try writer.close()
    let clock = ContinuousClock()
    var runs: [(Double, Int)] = []
    for _ in 0..<3 {
        let start = clock.now
        let w = try LogWriter(directory: dir, options: options, durability: .sync, storage: PosixStorage(), backgroundPreparation: true)
        runs.append((millis(clock.now - start), w.recoveryReport.bytesScanned))
        try w.close()
    }
    let median = runs.sorted { $0.0 < $1.0 }[1]
    return IdleOpenResult(segmentSize: segmentSize, openMillis: median.0, bytesScanned: median.1)
}
