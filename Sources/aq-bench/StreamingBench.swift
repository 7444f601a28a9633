import AQLog
import CBaseline
import Foundation

/// `.deferred` at the disk's streaming bandwidth: `LogWriter` appending 64 KiB records in
/// batches of 16 until `bytes` are written, then closing (its final sync), against the same
/// contract in C (`cbase_segmented_write`: buffered writes into fresh segment files kept as a
/// log keeps its segments, write-back every 8 MiB, one `fdatasync` per full file), both writing
/// at least 2 GiB in the default run so the page cache cannot hide the disk.
struct StreamingResult: Codable, Sendable {
    var bytes: Int
    var recordSize: Int
    var logMegabytesPerSecond: Double
    var rawMegabytesPerSecond: Double
    var ratio: Double { logMegabytesPerSecond / max(rawMegabytesPerSecond, 1e-9) }
}

func runStreaming(root: String, bytes: Int, segmentSize: Int) throws -> StreamingResult {
    let recordSize = 64 << 10, batch = 16
    let batchBytes = recordSize * batch
    let batches = max(bytes / batchBytes, 1)
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    let buffer = [UInt8](repeating: 0x5A, count: batchBytes)

    // The contract in C, keeping its segment files (and their cached pages) as the log does.
    func rawPass() throws -> Double {
        let rawDir = root + "/stream-raw"
        try FileManager.default.createDirectory(atPath: rawDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: rawDir) }
        let start = clock.now
        let rc = buffer.withUnsafeBytes {
            cbase_segmented_write(rawDir, $0.baseAddress, batchBytes, batches, UInt64(segmentSize), 8 << 20, 1, nil)
        }
        guard rc == 0 else { throw BenchError("streaming baseline: errno \(-rc)") }
        return seconds(clock.now - start)
    }

    func logPass() throws -> Double {
        let logDir = root + "/stream-log"
        try? FileManager.default.removeItem(atPath: logDir)
        defer { try? FileManager.default.removeItem(atPath: logDir) }
        let writer = try LogWriter(directory: logDir, options: LogOptions(segmentSize: segmentSize), durability: .deferred,
                                   storage: PosixStorage(), backgroundPreparation: true)
        let records = [[UInt8]](repeating: [UInt8](repeating: 0x5A, count: recordSize), count: batch)
        let start = clock.now
        for _ in 0..<batches { try writer.append(contentsOf: records) }
        try writer.close()
        return seconds(clock.now - start)
    }

    // One untimed pass first: on a virtual machine the first touch of guest memory the page
    // cache has never used costs a host page fault per page, several times the copy itself
    // (docs/BENCHMARKS.md). Both timed passes then run on memory in use once already.
    _ = try rawPass()
    let rawSeconds = try rawPass()
    let logSeconds = try logPass()
    let written = Double(batches * batchBytes)
    return StreamingResult(bytes: batches * batchBytes, recordSize: recordSize,
                           logMegabytesPerSecond: written / logSeconds / 1e6, rawMegabytesPerSecond: written / rawSeconds / 1e6)
}
