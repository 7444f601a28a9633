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

    init(descriptor: SegmentDescriptor, region: MappedRegion, scannedOffsets: [UInt32]?, lastSequence: UInt64) {
        self.descriptor = descriptor
        self.region = region
        self.scannedOffsets = scannedOffsets
        self.lastSequence = lastSequence
        limit = descriptor.trailer.map { Int($0.dataEnd) } ?? descriptor.dataEnd
        indexOffset = descriptor.trailer.map { Int($0.indexOffset) } ?? 0
        maxRecordSize = descriptor.header.maxRecordSize
        baseSequence = descriptor.baseSequence
    }


    /// Frame offset of `sequence` (which must lie in this segment): one index load.
    @inline(__always)
    func frameOffset(of sequence: UInt64) -> Int {
        let i = Int(sequence &- baseSequence)
        if let scannedOffsets { return Int(scannedOffsets[i]) }
        return Int(region.bytes.u32(at: indexOffset + i * SegmentLayout.indexEntrySize))
    }

    /// The payload of `sequence`, validated (bounds, sequence, length limit, checksum).
    func payload(of sequence: UInt64, verify: Bool) throws(LogError) -> UnsafeRawBufferPointer {
        let bytes = region.bytes
        let offset = frameOffset(of: sequence)
        guard offset >= SegmentLayout.dataStart, offset + FrameHeader.size <= limit else {
            throw .corruption(.init(file: descriptor.path, offset: offset, reason: .badFooter("index entry for \(sequence) out of range")))
        }
        let h = FrameHeader(bytes, at: offset)
        guard !h.isCommit, h.sequence == sequence else {
            throw .corruption(.init(file: descriptor.path, offset: offset, reason: .sequenceGap(expected: sequence, found: h.sequence)))
        }
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
}
