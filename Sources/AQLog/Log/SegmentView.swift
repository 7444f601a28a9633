import CCRC

/// A mapped segment and the offsets of its readable records.
///
/// Sealed segments read their dense index straight from the mapping; the open segment uses
/// the offsets its scan found. Records are checked against their CRC-32C as they are read.
final class SegmentView {
    let descriptor: SegmentDescriptor
    let region: MappedRegion
    /// Offsets from a scan (open segment); nil when the sealed index is used.
    private let scannedOffsets: [UInt32]?
    let lastSequence: UInt64

    // What every record read needs, taken from the descriptor once (its struct holds the path
    // and the footer: reading them per record costs more than the frame checks themselves).
    /// Where frames may lie: below the sealed data end, or the scanned one.
    private let limit: Int
    /// The sealed index's offset in the mapping; 0 when the scan's offsets are used.
    private let indexOffset: Int
    private let maxRecordSize: UInt32
    let baseSequence: UInt64
    /// How far walks have faulted the mapping in (``payload(of:verify:walking:)``,
    /// ``checkRun(from:count:verify:into:)``); `Int.max`
    /// when they never do: a copy, not a mapping; a kernel without `MADV_POPULATE_READ`; or
    /// frames smaller than ``populateFromFrameSize`` on average.
    /// Unchecked: a view is read by one reader at a time (``LogReader`` is not `Sendable`), so a
    /// dynamic exclusivity check on every record read would guard nothing.
    @exclusivity(unchecked) private var populated: Int

    /// What one `MADV_POPULATE_READ` faults in ahead of a walk.
    static let populateChunk = 1 << 20
    /// The average frame size from which walks fault the mapping in ahead. A walk over 4 KiB
    /// frames stalls in its checksums on each page fault and gains about a third from faulting
    /// ahead; one over 256-byte frames is bound by its work per frame, and there the kernel's
    /// own read-around on a fault costs less than faulting ahead (docs/BENCHMARKS.md, "Where a
    /// record's time goes on the read path").
    static let populateFromFrameSize = 1024

    init(descriptor: SegmentDescriptor, region: MappedRegion, scannedOffsets: [UInt32]?, lastSequence: UInt64, mapped: Bool) {
        self.descriptor = descriptor
        self.region = region
        self.scannedOffsets = scannedOffsets
        self.lastSequence = lastSequence
        limit = descriptor.trailer.map { Int($0.dataEnd) } ?? descriptor.dataEnd
        indexOffset = descriptor.trailer.map { Int($0.indexOffset) } ?? 0
        maxRecordSize = descriptor.header.maxRecordSize
        baseSequence = descriptor.baseSequence
        let frames = max(1, Int(lastSequence &- baseSequence &+ 1))
        populated = mapped && (limit - SegmentLayout.dataStart) / frames >= Self.populateFromFrameSize ? 0 : .max
    }


    /// Frame offset of `sequence` (which must lie in this segment): one index load.
    @inline(__always)
    func frameOffset(of sequence: UInt64) -> Int {
        let i = Int(sequence &- baseSequence)
        if let scannedOffsets { return Int(scannedOffsets[i]) }
        return Int(region.bytes.u32(at: indexOffset + i * SegmentLayout.indexEntrySize))
    }

    /// The payload of `sequence`, validated (bounds, sequence, length limit, checksum).
    /// `walking`: the caller reads the records that follow next (``populateAhead(from:)``).
    func payload(of sequence: UInt64, verify: Bool, walking: Bool = false) throws(LogError) -> UnsafeRawBufferPointer {
        let bytes = region.bytes
        let offset = frameOffset(of: sequence)
        guard offset >= SegmentLayout.dataStart, offset + FrameHeader.size <= limit else { throw .corruption(outOfRange(sequence, at: offset)) }
        if walking, offset + FrameHeader.size > populated { populateAhead(from: offset) }
        let h = FrameHeader(bytes, at: offset)
        guard !h.isCommit, h.sequence == sequence else { throw .corruption(misplaced(sequence, at: offset, header: h)) }
        guard h.length <= maxRecordSize else {
            throw .corruption(.init(file: descriptor.path, offset: offset, reason: .oversizedLength(h.length)))
        }
        guard offset + h.frameSize <= limit else {
            throw .corruption(.init(file: descriptor.path, offset: offset, reason: .incompletePayload))
        }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + FrameHeader.size)..<(offset + FrameHeader.size + Int(h.length))])
        if verify {
            guard FrameHeader.checksumOfFrame(in: bytes, at: offset, length: Int(h.length)) == h.checksum else {
                throw .corruption(.init(file: descriptor.path, offset: offset, reason: .checksumMismatch))
            }
        }
        return payload
    }

    /// Most records a walk checks in one call (``checkRun(from:count:verify:into:)``).
    static let runCapacity = 64
    /// Frame bytes after which a run ends (one record at least): a walk the caller stops early
    /// has read little past where it stopped, whatever the records' size.
    static let runBytes = 256 << 10

    /// Checks up to `count` records from `sequence` (all in this segment, `count` at most
    /// ``runCapacity``) in one call into C, writing each passing record's payload to `out`, and
    /// returns how many passed before the first that did not, or fewer once they reach
    /// ``runBytes``: the checks of ``payload(of:verify:walking:)``, which the caller then asks
    /// about the record the run stopped at, for its diagnosis. Returns 0 without the hardware
    /// CRC engine (the C loop is built for it). Faults the mapping in ahead of the run, as
    /// ``payload(of:verify:walking:)`` does ahead of a record.
    func checkRun(from sequence: UInt64, count: Int, verify: Bool, into out: UnsafeMutablePointer<ccrc_payload>) -> Int {
        guard CRC32C.engine == .isal, let base = region.bytes.baseAddress else { return 0 }
        let first = frameOffset(of: sequence)
        // A run reaches at most runBytes and one frame past `first`; a fault-in covers a MiB or more.
        if first >= SegmentLayout.dataStart, first + Self.runBytes > populated, first < limit { populateAhead(from: first) }
        let i = Int(sequence &- baseSequence)
        func check(_ offsets: UnsafeRawPointer) -> Int {
            ccrc_check_run(base, limit, offsets, count, sequence, maxRecordSize, SegmentLayout.dataStart, verify ? 1 : 0,
                           Self.runBytes, out)
        }
        if let scannedOffsets { return scannedOffsets.withUnsafeBufferPointer { check($0.baseAddress! + i) } }
        return check(base + indexOffset + i * SegmentLayout.indexEntrySize)
    }

    /// An index entry (or a scanned offset) for `sequence` outside the segment's records: the
    /// sealed index's damage, located at the entry (the offset it holds may lie past the file).
    @inline(never)
    private func outOfRange(_ sequence: UInt64, at offset: Int) -> CorruptionDiagnosis {
        let entry = indexOffset + Int(sequence &- baseSequence) * SegmentLayout.indexEntrySize
        let reason = CorruptionReason.badFooter("index entry of sequence \(sequence) points at offset \(offset), outside the records")
        return .init(file: descriptor.path, offset: indexOffset != 0 ? entry : offset, reason: reason)
    }

    /// Why the frame at `offset`, where the index (or the scan) puts `sequence`, is not that
    /// record. A sealed index entry that points between frames, or at an intact frame of another
    /// record, is the index's damage, located at the entry; otherwise the frame's, at the frame.
    @inline(never)
    private func misplaced(_ sequence: UInt64, at offset: Int, header h: FrameHeader) -> CorruptionDiagnosis {
        let atFrame = CorruptionDiagnosis(file: descriptor.path, offset: offset, reason: .sequenceGap(expected: sequence, found: h.sequence))
        guard indexOffset != 0 else { return atFrame }
        let entry = indexOffset + Int(sequence &- baseSequence) * SegmentLayout.indexEntrySize
        let intactFrame = offset % 8 == 0 && h.length <= maxRecordSize && offset + h.frameSize <= limit
            && FrameHeader.checksumOfFrame(in: region.bytes, at: offset, length: Int(h.length)) == h.checksum
        guard offset % 8 != 0 || intactFrame else { return atFrame }
        return .init(file: descriptor.path, offset: entry,
                     reason: .badFooter("index entry of sequence \(sequence) points at offset \(offset), not at its frame"))
    }

    /// Faults in the mapping's pages from `offset` to a chunk past it ahead of a walk in file
    /// order (``MappedRegion/populate(_:)``); a kernel that cannot turns it off.
    @inline(never)
    private func populateAhead(from offset: Int) {
        let end = min(region.bytes.count, alignUp(offset + 1, Self.populateChunk) + Self.populateChunk)
        populated = region.populate(max(populated, offset)..<end) ? end : .max
    }
}
