import AQLog
import Benchmark
import Foundation

import CZlib

/// zlib's braided CRC-32 (IEEE), the reference speed for table CRCs.
@inline(__always) func zlibCRC(_ b: UnsafeRawBufferPointer) -> UInt32 {
    UInt32(crc32(0, b.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(b.count)))
}

/// Scratch logs, removed at exit.
let encodeDirectory = NSTemporaryDirectory() + "aq-benchmarks-encode-\(getpid())"
let readDirectory = NSTemporaryDirectory() + "aq-benchmarks-read-\(getpid())"
let lockFilePath = NSTemporaryDirectory() + "aq-benchmarks-LOCK-\(getpid())"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           maxDuration: .seconds(1), maxIterations: 10_000)

    // CRC engines at 64 B, 256 B, 4 KiB, 64 MiB.
    for size in [64, 256, 4096, 64 << 20] {
        let label = size >= 1 << 20 ? "\(size >> 20) MiB" : size >= 1024 ? "\(size >> 10) KiB" : "\(size) B"
        let block = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let config = Benchmark.Configuration(scalingFactor: size >= 1 << 20 ? .one : .kilo)
        Benchmark("crc32c slicing-by-8 \(label)", configuration: config) { b in
            block.withUnsafeBytes { p in for _ in b.scaledIterations { blackHole(CRC32C.portable(p)) } }
        }
        Benchmark("crc32c isa-l \(label)", configuration: config) { b in
            block.withUnsafeBytes { p in for _ in b.scaledIterations { blackHole(CRC32C.hardware(p)) } }
        }
        Benchmark("crc32 zlib \(label)", configuration: config) { b in
            block.withUnsafeBytes { p in for _ in b.scaledIterations { blackHole(zlibCRC(p)) } }
        }
    }

    // Record encode: LogWriter deferred batch appends (frame + CRC + copy into the staging
    // buffer + one buffered write per 1024 records) into a temporary directory.
    let payload = [UInt8](repeating: 0x5A, count: 256)
    let batch = [[UInt8]](repeating: payload, count: 1024)
    // One writer for every sample (opening creates and zero-fills a segment, which is not
    // what this measures); rolls inside the measured loop are, at 1 per ~230 batches.
    let encodeState = EncodeState()
    Benchmark("encode 1024 x 256 B (LogWriter deferred batch)",
              configuration: .init(scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 2_000)) { b in
        let writer = try encodeState.writer()
        b.startMeasurement()
        for _ in b.scaledIterations { blackHole(try writer.append(contentsOf: batch)) }
        b.stopMeasurement()
    }

    // A log of 100 k records of 256 B for the decode and lookup benchmarks.
    let readDir = readDirectory
    atexit {
        try? FileManager.default.removeItem(atPath: encodeDirectory)
        try? FileManager.default.removeItem(atPath: readDirectory)
        try? FileManager.default.removeItem(atPath: lockFilePath)
    }
    let records = 100_000
    func prepareReadLog() throws {
        guard !FileManager.default.fileExists(atPath: readDir) else { return }
        let writer = try LogWriter.open(directory: readDir, durability: .deferred)
        for _ in 0..<(records / batch.count) { try writer.append(contentsOf: batch) }
        try writer.close()
    }

    // Zero-copy decode: iterate every record (CRC checked) through LogReader.forEach.
    Benchmark("decode/iterate 100 k x 256 B (LogReader.forEach)", configuration: .init(scalingFactor: .one)) { b in
        try prepareReadLog()
        let reader = try LogReader.open(directory: readDir)
        b.startMeasurement()
        for _ in b.scaledIterations {
            var sum = 0
            try reader.forEach { _, bytes in sum &+= bytes.count; return true }
            blackHole(sum)
        }
    }

    // Footer index lookup: random sequences through LogReader.record(_:).
    Benchmark("index lookup 1000 random records (LogReader.record)", configuration: .init(scalingFactor: .one)) { b in
        try prepareReadLog()
        let reader = try LogReader.open(directory: readDir)
        var state: UInt64 = 42
        b.startMeasurement()
        for _ in b.scaledIterations {
            for _ in 0..<1000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                blackHole(try reader.record(1 + (state >> 33) % UInt64(reader.lastSequence)))
            }
        }
    }

    // The writer's progress in LOCK: one publication (a 24-byte pwrite, once per commit) and
    // one reader's probe (open, F_OFD_GETLK, pread; twice per LogReader.refresh).
    let lock = LockState(path: lockFilePath)
    Benchmark("LOCK publish (writer, per commit)", configuration: .init(scalingFactor: .kilo)) { b in
        let held = try lock.held()
        var sequence: UInt64 = 0
        b.startMeasurement()
        for _ in b.scaledIterations {
            sequence &+= 1
            blackHole(held.publish(WriterProgress(readableThrough: sequence, durableThrough: sequence)))
        }
    }
    Benchmark("LOCK probe (reader)", configuration: .init(scalingFactor: .kilo)) { b in
        _ = try lock.held()
        let storage = PosixStorage()
        b.startMeasurement()
        for _ in b.scaledIterations { blackHole(try storage.writerProgress(lockPath: lockFilePath)) }
    }
}

/// The LOCK benchmarks' lock, taken on first use and held for the process.
final class LockState: @unchecked Sendable {
    private var lock: (any StorageLock)?
    let path: String
    init(path: String) { self.path = path }

    func held() throws -> any StorageLock {
        if let lock { return lock }
        let l = try PosixStorage().lockExclusive(path)
        try l.startPublishing()
        lock = l
        return l
    }
}

/// The encode benchmark's writer, opened on first use in a temporary directory.
final class EncodeState: @unchecked Sendable {
    private var open: LogWriter?
    let directory = encodeDirectory

    func writer() throws -> LogWriter {
        if let open { return open }
        try? FileManager.default.removeItem(atPath: directory)
        let w = try LogWriter.open(directory: directory, durability: .deferred)
        open = w
        return w
    }

}
