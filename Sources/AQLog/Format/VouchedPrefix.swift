/// The part of the open segment a sync made durable, recorded in `HIGHWATER` beside the mark
/// (docs/FORMAT.md): where that data ends, how many records it holds, their digest and the
/// frame offset of each (the dense index a seal would write). A writer's open trusts it as it
/// trusts a sealed segment's trailer, and reads the segment only from its end to the mark.
///
/// Bytes 32..<96 of `HIGHWATER`'s first block:
/// ```
/// 32  u32  magic "AQVP"
/// 36  u32  the segment header's checksum
/// 40  u64  the segment's base sequence
/// 48  u64  end: the offset just past the commit frame of the last batch it covers
/// 56  u64  records below end
/// 64  u64  the highest durable-through a commit frame below end claims
/// 72  u32  the segment digest of those records (as the trailer's)
/// 76  u32  CRC-32C of the index: records × 4 bytes from offset 4096
/// 80  u32  the checksum field of the commit frame that ends at end
/// 84  u32  CRC-32C of bytes 32..<84
/// 88  8 zero bytes
/// ```
/// From offset 4096 on: the index, one u32 frame offset per record, in sequence order.
///
/// It is written (with the mark, synced) only for batches a sync had already made durable, so
/// whatever survives of it describes durable frames; an index that does not match its
/// checksum, a record for another segment, or an end not preceded by the intact commit frame
/// it names (sequence and checksum) means a scan from the data start, as without it.
package struct VouchedPrefix: Equatable, Sendable {
    var headerChecksum: UInt32
    var baseSequence: UInt64
    package var end: Int
    package var recordCount: Int
    var durableThrough: UInt64
    var segmentDigest: UInt32
    var indexChecksum: UInt32
    package var lastCommitChecksum: UInt32

    static let magic: UInt32 = 0x5056_5141
    /// Where the record sits in `HIGHWATER`'s first block.
    package static let offset = HighWaterMark.size
    package static let size = 64
    /// Where the index starts in `HIGHWATER`.
    package static let indexOffset = SegmentLayout.blockSize
    static let entriesPerBlock = SegmentLayout.blockSize / SegmentLayout.indexEntrySize

    /// True when this record names `segment` (base sequence and header checksum).
    func names(_ segment: SegmentDescriptor) -> Bool {
        baseSequence == segment.baseSequence && headerChecksum == segment.headerChecksum
    }

    /// This record when it names `segment` and lies inside its data, below `mark`.
    func matching(_ segment: SegmentDescriptor, mark: Int) -> VouchedPrefix? {
        guard names(segment), end > SegmentLayout.dataStart, end <= mark, end <= segment.segmentSize - SegmentLayout.trailerSize,
              recordCount <= (end - SegmentLayout.dataStart) / FrameHeader.size,
              // A durable point inside the prefix, as a commit frame's must be (a later one
              // would pass for vouching records the prefix does not hold).
              durableThrough <= segment.baseSequence &+ UInt64(recordCount) &- 1 else { return nil }
        return self
    }

    func encode(into block: UnsafeMutableRawBufferPointer) {
        let at = Self.offset
        block.setU32(Self.magic, at: at)
        block.setU32(headerChecksum, at: at + 4)
        block.setU64(baseSequence, at: at + 8)
        block.setU64(UInt64(end), at: at + 16)
        block.setU64(UInt64(recordCount), at: at + 24)
        block.setU64(durableThrough, at: at + 32)
        block.setU32(segmentDigest, at: at + 40)
        block.setU32(indexChecksum, at: at + 44)
        block.setU32(lastCommitChecksum, at: at + 48)
        block.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(block)[at..<(at + 52)])), at: at + 52)
    }

    /// The record in `HIGHWATER`'s first block, when one reads whole.
    package static func decode(_ block: UnsafeRawBufferPointer) -> VouchedPrefix? {
        let at = offset
        guard block.count >= at + size, block.u32(at: at) == magic,
              block.u32(at: at + 52) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: block[at..<(at + 52)])) else { return nil }
        let end = block.u64(at: at + 16), count = block.u64(at: at + 24)
        guard end <= UInt64(SegmentLayout.maximumSegmentSize), count <= end else { return nil }
        return VouchedPrefix(headerChecksum: block.u32(at: at + 4), baseSequence: block.u64(at: at + 8), end: Int(end),
                             recordCount: Int(count), durableThrough: block.u64(at: at + 32),
                             segmentDigest: block.u32(at: at + 40), indexChecksum: block.u32(at: at + 44),
                             lastCommitChecksum: block.u32(at: at + 48))
    }

    /// The checksum of the index entries `offsets[from..<to]` as the index stores them
    /// (little-endian u32s), continuing `crc` (the checksum of the entries before `from`).
    static func indexChecksum(_ offsets: [UInt32], from: Int = 0, to count: Int, continuing crc: UInt32 = 0) -> UInt32 {
        #if _endian(little)
        return offsets[from..<count].withUnsafeBytes { CRC32C.checksum($0, continuing: crc) }
        #else
        return offsets[from..<count].reduce(crc) { crc, entry in
            withUnsafeBytes(of: entry.littleEndian) { CRC32C.checksum($0, continuing: crc) }
        }
        #endif
    }

    /// Reads the index this record describes from `HIGHWATER`: nil when the file is short, the
    /// checksum does not match, or an offset is out of order or outside the prefix.
    func readIndex(from file: any StorageFile) -> [UInt32]? {
        let length = recordCount * SegmentLayout.indexEntrySize
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        let complete = bytes.withUnsafeMutableBytes { b -> Bool in
            while done < length {
                guard let n = try? file.read(into: UnsafeMutableRawBufferPointer(rebasing: b[done...]), at: Self.indexOffset + done),
                      n > 0 else { return false }
                done += n
            }
            return true
        }
        guard complete else { return nil }
        return bytes.withUnsafeBytes { b -> [UInt32]? in
            guard CRC32C.checksum(b) == indexChecksum else { return nil }
            var offsets = [UInt32](repeating: 0, count: recordCount)
            var previous = SegmentLayout.dataStart - FrameHeader.size
            for i in 0..<recordCount {
                let offset = Int(b.u32(at: i * SegmentLayout.indexEntrySize))
                guard offset >= previous + FrameHeader.size, offset + FrameHeader.size <= end else { return nil }
                offsets[i] = UInt32(offset)
                previous = offset
            }
            return offsets
        }
    }
}
