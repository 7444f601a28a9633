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

    init(descriptor: SegmentDescriptor, region: MappedRegion, scannedOffsets: [UInt32]?, lastSequence: UInt64) {
        self.descriptor = descriptor
        self.region = region
        self.scannedOffsets = scannedOffsets
        self.lastSequence = lastSequence
    }

    var baseSequence: UInt64 { descriptor.baseSequence }

    /// Frame offset of `sequence` (which must lie in this segment): one index load.
    func frameOffset(of sequence: UInt64) -> Int {
        let i = Int(sequence - baseSequence)
        if let scannedOffsets { return Int(scannedOffsets[i]) }
        let indexOffset = Int(descriptor.trailer!.indexOffset)
        return Int(region.bytes.u32(at: indexOffset + i * SegmentLayout.indexEntrySize))
    }

    /// The payload of `sequence`, validated (bounds, sequence, length limit, checksum).
    func payload(of sequence: UInt64, verify: Bool) throws(LogError) -> UnsafeRawBufferPointer {
        let bytes = region.bytes
        let offset = frameOffset(of: sequence)
        let limit = descriptor.isSealed ? Int(descriptor.trailer!.dataEnd) : descriptor.dataEnd
        guard offset >= SegmentLayout.dataStart, offset + FrameHeader.size <= limit else {
            throw .corruption(.init(file: descriptor.path, offset: offset, reason: .badFooter("index entry for \(sequence) out of range")))
        }
        let h = FrameHeader(bytes, at: offset)
        guard !h.isCommit, h.sequence == sequence else {
            throw .corruption(.init(file: descriptor.path, offset: offset, reason: .sequenceGap(expected: sequence, found: h.sequence)))
        }
        guard h.length <= descriptor.header.maxRecordSize else {
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
