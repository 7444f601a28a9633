#if canImport(Glibc)
import Glibc
#endif

/// Frames staged for one commit: records, then the commit frame, in a block-aligned buffer
/// that starts at the block holding the segment's current end (its already-written prefix is
/// carried over so an aligned write rewrites it unchanged).
final class BatchBuffer {
    private let storage: AlignedBuffer
    /// File offset of byte 0 of the buffer (block-aligned).
    private(set) var fileOffset: Int = 0
    /// Bytes at the start of the buffer that are already on disk.
    private(set) var carried: Int = 0
    /// Bytes used: carried prefix plus staged frames.
    private(set) var used: Int = 0
    /// Records staged (commit frame excluded).
    private(set) var recordCount = 0
    private(set) var firstSequence: UInt64 = 0
    private(set) var lastSequence: UInt64 = 0
    /// Each staged record's checksum and frame offset, in order, in memory the batch manages
    /// itself: appending to an array held by a class costs a uniqueness check and a runtime
    /// exclusivity check per record, more than the rest of staging a small record.
    private var checksums: UnsafeMutablePointer<UInt32>
    private var offsets: UnsafeMutablePointer<UInt32>
    private var entryCapacity = 1024
    private(set) var isFinished = false

    init(capacity: Int) {
        storage = AlignedBuffer(capacity: capacity)
        checksums = .allocate(capacity: entryCapacity)
        offsets = .allocate(capacity: entryCapacity)
    }

    deinit {
        checksums.deallocate()
        offsets.deallocate()
    }

    /// Each staged record's checksum, in order (folded into the segment digest on commit).
    /// Valid until the batch next changes.
    var recordChecksums: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: checksums, count: recordCount) }
    /// Each staged record's frame offset in the file. Valid until the batch next changes.
    var frameOffsets: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: offsets, count: recordCount) }

    /// Room for one more entry.
    private func growEntries() {
        let capacity = entryCapacity * 2
        let (newChecksums, newOffsets) = (UnsafeMutablePointer<UInt32>.allocate(capacity: capacity),
                                          UnsafeMutablePointer<UInt32>.allocate(capacity: capacity))
        newChecksums.initialize(from: checksums, count: recordCount)
        newOffsets.initialize(from: offsets, count: recordCount)
        checksums.deallocate()
        offsets.deallocate()
        (checksums, offsets, entryCapacity) = (newChecksums, newOffsets, capacity)
    }

    var isEmpty: Bool { recordCount == 0 }
    /// File offset just past the staged frames.
    var fileEnd: Int { fileOffset + used }
    /// Bytes staged beyond the carried prefix.
    var stagedBytes: Int { used - carried }

    /// Starts an empty batch at file offset `end`, carrying `prefix` (the bytes of the
    /// segment from `alignDown(end)` to `end`).
    ///
    /// Bytes past the prefix keep whatever an earlier batch left there: each frame writes its
    /// own padding, and ``finish(durableThrough:markerSequence:)`` zeroes the rest of its last
    /// block, so zeroing the whole buffer per batch (a memset as large as the batch) is not needed.
    func reset(at end: Int, prefix: UnsafeRawBufferPointer) {
        fileOffset = alignDown(end, SegmentLayout.blockSize)
        carried = end - fileOffset
        precondition(prefix.count == carried)
        if carried > 0 { storage.mutableBytes.baseAddress!.copyMemory(from: prefix.baseAddress!, byteCount: carried) }
        used = carried
        recordCount = 0
        isFinished = false
    }

    /// The buffer's size (it grows for large records).
    var capacity: Int { storage.capacity }

    /// Moves the staged frames to start at the next block boundary, dropping the carried
    /// prefix: the batch is begun while the previous one is still in flight, and two writes in
    /// flight never share a block (the bytes skipped stay zero: padding the scan crosses).
    /// Frames do not encode their offset, so only the index entries move.
    func moveToFreshBlock() {
        precondition(!isFinished)
        guard carried > 0 else { return }
        let staged = used - carried
        let base = storage.mutableBytes.baseAddress!
        if staged > 0 { memmove(base, base + carried, staged) }
        storage.zero(staged..<used)
        let shift = UInt32(SegmentLayout.blockSize - carried)
        for i in 0..<recordCount { offsets[i] += shift }
        fileOffset += SegmentLayout.blockSize
        carried = 0
        used = staged
    }

    /// The bytes of the last partial block after this batch (the next batch's carried prefix).
    var tailPrefix: UnsafeRawBufferPointer {
        let end = fileEnd
        let start = alignDown(end, SegmentLayout.blockSize) - fileOffset
        return storage.bytes(start..<used)
    }

    /// Appends a record frame for `payload`, whose CRC-32C is `payloadChecksum`.
    func stage(_ payload: UnsafeRawBufferPointer, sequence: UInt64, payloadChecksum: UInt32) {
        precondition(!isFinished)
        let frame = FrameHeader.frameSize(payloadLength: payload.count)
        storage.reserve(used + frame + FrameHeader.size + CommitPayload.size, keeping: used)
        let out = storage.mutableBytes
        let crc = FrameHeader.write(into: out, at: used, payloadLength: payload.count, isCommit: false,
                                    sequence: sequence, payloadChecksum: payloadChecksum)
        if payload.count > 0 {
            // The padding after the payload reads as zeros (the last word, then the payload over it).
            if payload.count % 8 != 0 { out.storeBytes(of: UInt64(0), toByteOffset: used + frame - 8, as: UInt64.self) }
            (out.baseAddress! + used + FrameHeader.size).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        }
        if recordCount == entryCapacity { growEntries() }
        offsets[recordCount] = UInt32(fileOffset + used)
        checksums[recordCount] = crc
        if recordCount == 0 { firstSequence = sequence }
        lastSequence = sequence
        recordCount += 1
        used += frame
    }

    /// Appends the commit frame that makes the staged records recoverable. With no records
    /// staged it is a close marker: it vouches that everything through `durableThrough` was
    /// synced, so damage to the last batch is later recognised as corruption, not a torn tail.
    func finish(durableThrough: UInt64, markerSequence: UInt64? = nil) {
        precondition(!isFinished && (recordCount > 0 || markerSequence != nil))
        if recordCount == 0 { lastSequence = markerSequence! }
        let out = storage.mutableBytes
        let payloadAt = used + FrameHeader.size
        // The batch digest: CRC-32C over the staged records' checksums, in one pass.
        let commit = CommitPayload(recordCount: UInt32(recordCount), batchDigest: digestFold(0, all: recordChecksums),
                                   durableThrough: durableThrough)
        commit.store(into: out, at: payloadAt)
        let payloadCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: out[payloadAt..<payloadAt + CommitPayload.size]))
        FrameHeader.write(into: out, at: used, payloadLength: CommitPayload.size, isCommit: true,
                          sequence: lastSequence, payloadChecksum: payloadCRC)
        used += FrameHeader.frameSize(payloadLength: CommitPayload.size)
        // Zeros to the block's end: an aligned write carries them (``writeBytes``).
        storage.zero(used..<alignUp(used, SegmentLayout.blockSize))
        isFinished = true
    }

    /// The checksum field of the finished batch's commit frame.
    var commitChecksum: UInt32 {
        precondition(isFinished)
        return UnsafeRawBufferPointer(storage.mutableBytes).u32(at: used - Self.commitCost)
    }

    /// The bytes to hand to ``StorageFile/write(_:at:newBytesFrom:sync:)``; block-aligned start,
    /// readable zeros up to the next block boundary.
    var writeBytes: UnsafeRawBufferPointer { storage.bytes(0..<used) }

    static let commitCost = FrameHeader.frameSize(payloadLength: CommitPayload.size)
}
