/// `HIGHWATER`: how far any writer may have written in the open segment (docs/FORMAT.md).
///
/// A writer of a segment whose header sets ``SegmentFeatures/highWaterMark`` never writes a
/// byte at or past the mark recorded here for that segment before it has recorded a higher
/// mark, synced. So everything past a valid mark is as the segment was prepared: zeros. A
/// writer's open scans the open segment up to the mark only, and its open time follows what the
/// segment holds, not its size. The record names its segment by base sequence and header
/// checksum; a record for another segment, a torn or missing one, means a scan of the whole
/// segment.
///
/// ```
///  0  u32  magic "AQHW"
///  4  u32  the segment header's checksum
///  8  u64  the segment's base sequence
/// 16  u64  the mark: a segment offset, at most the segment size
/// 24  u32  CRC-32C of bytes 0..<24
/// 28  u32  zero
/// ```
/// The record is the first 32 bytes of the file's first 4096-byte block, written whole (any
/// backend, direct I/O included, takes it) with its data synced; the block's next 64 bytes
/// hold the segment's durable prefix (``VouchedPrefix``), whose index follows the block.
struct HighWaterMark: Equatable, Sendable {
    var headerChecksum: UInt32
    var baseSequence: UInt64
    var mark: Int
    /// The durable prefix recorded with the mark (nil: none reads whole).
    var prefix: VouchedPrefix?

    static let magic: UInt32 = 0x5748_5141
    static let size = 32
    static let fileSize = SegmentLayout.blockSize

    /// The mark for `segment` if this record names it and the mark lies inside it.
    func mark(for segment: SegmentDescriptor) -> Int? {
        guard segment.header.requiredFeatures.contains(.highWaterMark), baseSequence == segment.baseSequence,
              headerChecksum == segment.headerChecksum, mark >= SegmentLayout.dataStart, mark <= segment.segmentSize else { return nil }
        return mark
    }

    func encode(into out: UnsafeMutableRawBufferPointer) {
        out.setU32(Self.magic, at: 0)
        out.setU32(headerChecksum, at: 4)
        out.setU64(baseSequence, at: 8)
        out.setU64(UInt64(mark), at: 16)
        out.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(out)[0..<24])), at: 24)
        out.setU32(0, at: 28)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> HighWaterMark? {
        guard bytes.count >= size, bytes.u32(at: 0) == magic,
              bytes.u32(at: 24) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<24])) else { return nil }
        let mark = bytes.u64(at: 16)
        guard mark <= UInt64(Int.max) else { return nil }
        return HighWaterMark(headerChecksum: bytes.u32(at: 4), baseSequence: bytes.u64(at: 8), mark: Int(mark),
                             prefix: VouchedPrefix.decode(bytes))
    }

    /// The record in `directory` (from the file's first block), or nil when there is none
    /// that reads whole.
    static func read(storage: any Storage, directory: String) -> HighWaterMark? {
        let path = LogDirectoryLayout.join(directory, LogDirectoryLayout.highWaterFile)
        guard let file = try? storage.openFileForReading(path) else { return nil }
        defer { file.close() }
        var bytes = [UInt8](repeating: 0, count: VouchedPrefix.offset + VouchedPrefix.size)
        let count = bytes.withUnsafeMutableBytes { b in (try? file.read(into: b, at: 0)) ?? 0 }
        return bytes.withUnsafeBytes { decode(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
}
