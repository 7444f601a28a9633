import Foundation
@testable import AQLog

/// Writes `count` records of `size` bytes in batches of `batch` and closes; with 64 KiB
/// segments and 200-byte records that is about 290 records per segment.
@discardableResult
func makeBatchedLog(_ dir: String, count: Int, size: Int = 200, batch: Int = 50) throws -> [[UInt8]] {
    let w = try LogWriter.open(directory: dir, options: smallSegments)
    var written: [[UInt8]] = []
    var i = 0
    while i < count {
        let chunk = (i..<min(count, i + batch)).map { payload($0, size: size) }
        try w.append(contentsOf: chunk)
        written += chunk
        i += chunk.count
    }
    try w.close()
    return written
}

/// Segments as recovery sees them (read-only).
func descriptors(_ dir: String) throws -> [SegmentDescriptor] { try LogReader.open(directory: dir).segments }

/// Every record the log still holds, with its sequence, through a fresh reader.
func readNumbered(_ dir: String) throws -> [(UInt64, [UInt8])] {
    let reader = try LogReader.open(directory: dir)
    var out: [(UInt64, [UInt8])] = []
    try reader.forEach(ifCompacted: .startAtFirstAvailable) { s, b in out.append((s, Array(b))); return true }
    return out
}
