/// The 24 bytes at the start of the writer's `LOCK` file (see docs/FORMAT.md):
///
/// ```
/// [0, 8)    readable-through (u64 LE)
/// [8, 16)   durable-through (u64 LE)
/// [16, 20)  CRC-32C of [0, 16)
/// [20, 24)  zero
/// ```
///
/// Rewritten in place with one `pwrite` per publication; a reader's `pread` racing it may see
/// a mix of two records, which the checksum rejects (the reader reads again).
enum WriterProgressRecord {
    static let size = 24

    static func encode(_ progress: WriterProgress, into bytes: UnsafeMutableRawBufferPointer) {
        bytes.setU64(progress.readableThrough, at: 0)
        bytes.setU64(progress.durableThrough, at: 8)
        bytes.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<16])), at: 16)
        bytes.setU32(0, at: 20)
    }

    /// The progress, or nil for a torn, damaged, short or never-written record.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> WriterProgress? {
        guard bytes.count >= size, bytes.u32(at: 16) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<16])) else { return nil }
        return WriterProgress(readableThrough: bytes.u64(at: 0), durableThrough: bytes.u64(at: 8))
    }
}
