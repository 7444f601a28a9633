/// The 16-byte header in front of every frame (a record or a commit frame).
///
/// ```
///  0  u32  CRC-32C of (payload ‖ header bytes 4..<16)
///  4  u32  payload length (bits 0...30) | commit flag (bit 31)
///  8  u64  sequence (a record's own; a commit frame's = its batch's last record)
/// 16  ...  payload, then zero padding to the next multiple of 8
/// ```
/// The checksum covers the payload first so producers can checksum their payload before
/// the sequence is assigned and finish with the 12 header bytes (see `FrameEncoder`).
/// An all-zero header means "never written": no valid frame has length 0, flag 0 and sequence 0.
package struct FrameHeader: Equatable, Sendable {
    package static let size = 16
    package static let commitFlag: UInt32 = 1 << 31
    /// Largest length the 31-bit field can carry.
    package static let maxEncodableLength = Int(commitFlag - 1)

    package var checksum: UInt32
    package var length: UInt32
    package var isCommit: Bool
    package var sequence: UInt64

    /// Bytes the frame occupies on disk, header and padding included.
    @inlinable public var frameSize: Int { FrameHeader.frameSize(payloadLength: Int(length)) }
    @inlinable public static func frameSize(payloadLength: Int) -> Int { size + alignUp(payloadLength, 8) }

    /// Decodes the fields at `offset` (no validation: see `SegmentScanner.frame(at:)`).
    @inlinable public init(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        checksum = bytes.u32(at: offset)
        let word = bytes.u32(at: offset + 4)
        length = word & ~FrameHeader.commitFlag
        isCommit = word & FrameHeader.commitFlag != 0
        sequence = bytes.u64(at: offset + 8)
    }

    /// The CRC-32C the frame at `offset` must carry, computed from its bytes: the fields after
    /// the checksum word, continuing the CRC of its `length`-byte payload. The caller checked
    /// that the whole frame lies inside `bytes`.
    @inlinable public static func checksumOfFrame(in bytes: UnsafeRawBufferPointer, at offset: Int, length: Int) -> UInt32 {
        // One call into C per frame on the hardware engine, the 12 header bytes by the crc32
        // instruction: per-call set-up, not bytes, dominates small frames.
        if CRC32C.engine == .isal { return CRC32C.hardwareFrame(bytes.baseAddress! + offset, payloadLength: length) }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + size)..<(offset + size + length)])
        return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + size)]),
                               continuing: CRC32C.checksum(payload))
    }

    /// The CRC-32C a frame with these fields and this payload must carry.
    @inlinable public static func expectedChecksum(payloadChecksum: UInt32, word: UInt32, sequence: UInt64) -> UInt32 {
        if CRC32C.engine == .isal { return CRC32C.hardwareFrameFields(payloadChecksum, word: word, sequence: sequence) }
        return withUnsafeTemporaryAllocation(byteCount: 12, alignment: 8) { tmp in
            tmp.setU32(word, at: 0)
            tmp.setU64(sequence, at: 4)
            return CRC32C.checksum(UnsafeRawBufferPointer(tmp), continuing: payloadChecksum)
        }
    }

    /// Writes a complete frame header at `offset` for a payload whose CRC-32C is `payloadChecksum`.
    @inlinable @discardableResult
    package static func write(into out: UnsafeMutableRawBufferPointer, at offset: Int, payloadLength: Int,
                             isCommit: Bool, sequence: UInt64, payloadChecksum: UInt32) -> UInt32 {
        let word = UInt32(payloadLength) | (isCommit ? commitFlag : 0)
        let crc = expectedChecksum(payloadChecksum: payloadChecksum, word: word, sequence: sequence)
        out.setU32(crc, at: offset)
        out.setU32(word, at: offset + 4)
        out.setU64(sequence, at: offset + 8)
        return crc
    }
}

/// The 16-byte payload of a commit frame: proof that a whole batch reached the disk.
///
/// ```
///  0  u32  number of records in the batch
///  4  u32  batch digest: CRC-32C over the records' checksum fields, in order
///  8  u64  durable-through: the highest sequence known synced when this batch was written
/// ```
/// Recovery accepts a batch only when its commit frame is intact and matches the records
/// before it; a commit frame whose durable-through exceeds the last intact batch proves the
/// damage lies below an acknowledged point (corruption, never a torn tail).
package struct CommitPayload: Equatable, Sendable {
    package static let size = 16
    package var recordCount: UInt32
    package var batchDigest: UInt32
    package var durableThrough: UInt64

    package init(recordCount: UInt32, batchDigest: UInt32, durableThrough: UInt64) {
        self.recordCount = recordCount
        self.batchDigest = batchDigest
        self.durableThrough = durableThrough
    }

    package init(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        recordCount = bytes.u32(at: offset)
        batchDigest = bytes.u32(at: offset + 4)
        durableThrough = bytes.u64(at: offset + 8)
    }

    func store(into out: UnsafeMutableRawBufferPointer, at offset: Int) {
        out.setU32(recordCount, at: offset)
        out.setU32(batchDigest, at: offset + 4)
        out.setU64(durableThrough, at: offset + 8)
    }
}

/// Folds a record's checksum into a running batch or segment digest.
@inlinable func digestFold(_ digest: UInt32, _ recordChecksum: UInt32) -> UInt32 {
    if CRC32C.engine == .isal { return CRC32C.hardwareFold(digest, recordChecksum) }
    return withUnsafeBytes(of: recordChecksum.littleEndian) { CRC32C.checksum($0, continuing: digest) }
}

/// Folds every checksum in `recordChecksums`, in order, into `digest`: the same value as
/// folding them one at a time (a digest is the CRC-32C of the checksums as little-endian
/// u32s), in one call of the CRC engine over the array's bytes instead of one per record.
@inlinable func digestFold(_ digest: UInt32, all recordChecksums: UnsafeBufferPointer<UInt32>) -> UInt32 {
    #if _endian(little)
    return CRC32C.checksum(UnsafeRawBufferPointer(recordChecksums), continuing: digest)
    #else
    return recordChecksums.reduce(digest, digestFold)
    #endif
}

/// ``digestFold(_:all:)-(_,UnsafeBufferPointer<UInt32>)`` over an array.
@inlinable func digestFold(_ digest: UInt32, all recordChecksums: [UInt32]) -> UInt32 {
    recordChecksums.withUnsafeBufferPointer { digestFold(digest, all: $0) }
}
