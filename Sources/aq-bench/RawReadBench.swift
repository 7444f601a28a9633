import CBaseline
import Foundation

/// The raw work under verify and the open-segment scan, in C over the same files: read each
/// file (`pread` in 1 MiB chunks, or one mapping per file) and checksum it with the log's
/// CRC-32C engine (ISA-L). What a verify or scan that did nothing else would cost.
struct RawReadResult: Codable, Sendable {
    /// "pread" or "mmap".
    var method: String
    /// "warm" or "cold" (the files' pages dropped first).
    var cache: String
    var bytes: Int
    var gigabytesPerSecond: Double
}

/// One timed pass of `cbase_read_checksum` over `paths`.
func rawReadChecksum(_ paths: [String], mmap: Bool, cold: Bool) throws -> RawReadResult {
    let cStrings = paths.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var bytes: UInt64 = 0, crc: UInt32 = 0, nanos: UInt64 = 0
    let rc = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer { list -> Int32 in
        if cold, cbase_drop_files(list.baseAddress, list.count) != 0 { return -1 }
        return cbase_read_checksum(list.baseAddress, list.count, mmap ? 1 : 0, &bytes, &crc, &nanos)
    }
    guard rc == 0 else { throw BenchError("raw read+checksum: errno \(-rc)") }
    return RawReadResult(method: mmap ? "mmap" : "pread", cache: cold ? "cold" : "warm", bytes: Int(bytes),
                         gigabytesPerSecond: Double(bytes) / Double(max(nanos, 1)))
}

/// One timed pass of `cbase_walk_frames` over `paths` (segment files, warm): GB/s over the
/// files' bytes and the frames that passed.
func rawWalkFrames(_ paths: [String]) throws -> (gigabytesPerSecond: Double, frames: Int) {
    let cStrings = paths.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var bytes: UInt64 = 0, frames: UInt64 = 0, nanos: UInt64 = 0
    let rc = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer {
        cbase_walk_frames($0.baseAddress, $0.count, &bytes, &frames, &nanos)
    }
    guard rc == 0 else { throw BenchError("raw frame walk: errno \(-rc)") }
    return (Double(bytes) / Double(max(nanos, 1)), Int(frames))
}
