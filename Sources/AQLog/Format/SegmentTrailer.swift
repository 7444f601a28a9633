/// The 64-byte trailer at the fixed end of a sealed segment.
///
/// ```
///  0  u64  magic "AQSEALED"
///  8  u32  format version (the header's: 2; 1 is read as well)
/// 12  u32  record count
/// 16  u64  first sequence
/// 24  u64  last sequence
/// 32  u64  data end (offset just past the last frame)
/// 40  u64  index offset (dense u32 frame offsets, one per record)
/// 48  u32  CRC-32C of the index bytes
/// 52  u32  segment digest: CRC-32C over every record's checksum field, in order
/// 56  u32  the header's checksum (ties the trailer to this file's header)
/// 60  u32  CRC-32C of bytes 0..<60 (the segment's identity in the next header's chain)
/// ```
package struct SegmentTrailer: Equatable, Sendable {
    package static let magic: UInt64 = 0x4445_4C41_4553_5141  // bytes "AQSEALED"

    package var recordCount: UInt32
    package var firstSequence: UInt64
    package var lastSequence: UInt64
    package var dataEnd: UInt64
    package var indexOffset: UInt64
    package var indexChecksum: UInt32
    package var segmentDigest: UInt32
    package var headerChecksum: UInt32

    package init(recordCount: UInt32, firstSequence: UInt64, lastSequence: UInt64, dataEnd: UInt64,
                indexOffset: UInt64, indexChecksum: UInt32, segmentDigest: UInt32, headerChecksum: UInt32) {
        self.recordCount = recordCount
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.dataEnd = dataEnd
        self.indexOffset = indexOffset
        self.indexChecksum = indexChecksum
        self.segmentDigest = segmentDigest
        self.headerChecksum = headerChecksum
    }

    /// Writes the trailer into the first 64 bytes of `out`; returns its checksum.
    @discardableResult
    package func encode(into out: UnsafeMutableRawBufferPointer) -> UInt32 {
        out.setU64(Self.magic, at: 0)
        out.setU32(SegmentHeader.currentVersion, at: 8)
        out.setU32(recordCount, at: 12)
        out.setU64(firstSequence, at: 16)
        out.setU64(lastSequence, at: 24)
        out.setU64(dataEnd, at: 32)
        out.setU64(indexOffset, at: 40)
        out.setU32(indexChecksum, at: 48)
        out.setU32(segmentDigest, at: 52)
        out.setU32(headerChecksum, at: 56)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: out[0..<60]))
        out.setU32(crc, at: 60)
        return crc
    }

    /// Decodes and verifies a trailer; nil when it is absent, torn or inconsistent.
    /// Returns the trailer with its checksum.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> (SegmentTrailer, UInt32)? {
        guard bytes.count >= SegmentLayout.trailerSize, bytes.u64(at: 0) == magic,
              (SegmentHeader.oldestReadableVersion...SegmentHeader.currentVersion).contains(bytes.u32(at: 8)) else { return nil }
        let crc = bytes.u32(at: 60)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60])) == crc else { return nil }
        let t = SegmentTrailer(
            recordCount: bytes.u32(at: 12), firstSequence: bytes.u64(at: 16), lastSequence: bytes.u64(at: 24),
            dataEnd: bytes.u64(at: 32), indexOffset: bytes.u64(at: 40), indexChecksum: bytes.u32(at: 48),
            segmentDigest: bytes.u32(at: 52), headerChecksum: bytes.u32(at: 56))
        return (t, crc)
    }
}
