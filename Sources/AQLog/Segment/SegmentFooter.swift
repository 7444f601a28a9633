/// Building and checking a sealed segment's footer: the dense index and the trailer.
///
/// The index is dense (one u32 frame offset per record, record i ↔ sequence base + i):
/// sequences are dense, so lookup is one load, and 4 bytes per record is ≤ 5% of a segment
/// even for 64-byte payloads (80-byte frames). See docs/FORMAT.md.
enum SegmentFooter {
    /// Writes the footer block(s) `[indexOffset, segmentSize)` for a segment into a fresh
    /// aligned buffer; returns it with its file offset and the trailer checksum.
    static func build(header: SegmentHeader, headerChecksum: UInt32, offsets: [UInt32], dataEnd: Int,
                      segmentDigest: UInt32) -> (buffer: AlignedBuffer, offset: Int, length: Int, trailerChecksum: UInt32) {
        let size = Int(header.segmentSize)
        let indexOffset = SegmentLayout.indexOffset(segmentSize: size, recordCount: offsets.count)
        let length = size - indexOffset
        let buffer = AlignedBuffer(capacity: length)
        let out = buffer.mutableBytes
        for (i, off) in offsets.enumerated() { out.setU32(off, at: i * SegmentLayout.indexEntrySize) }
        let indexCRC = CRC32C.checksum(buffer.bytes(0..<(offsets.count * SegmentLayout.indexEntrySize)))
        let trailer = SegmentTrailer(
            recordCount: UInt32(offsets.count), firstSequence: header.baseSequence,
            lastSequence: header.baseSequence &+ UInt64(offsets.count) &- 1, dataEnd: UInt64(dataEnd),
            indexOffset: UInt64(indexOffset), indexChecksum: indexCRC, segmentDigest: segmentDigest,
            headerChecksum: headerChecksum)
        let trailerCRC = trailer.encode(into: UnsafeMutableRawBufferPointer(rebasing: out[(length - SegmentLayout.trailerSize)..<length]))
        return (buffer, indexOffset, length, trailerCRC)
    }

    /// Decodes the trailer back out of a built footer.
    static func trailer(of footer: (buffer: AlignedBuffer, offset: Int, length: Int, trailerChecksum: UInt32)) -> SegmentTrailer {
        SegmentTrailer.decode(footer.buffer.bytes((footer.length - SegmentLayout.trailerSize)..<footer.length))!.0
    }

    /// Checks a decoded trailer against its header and file size; returns why it is inconsistent.
    static func inconsistency(_ t: SegmentTrailer, header: SegmentHeader, headerChecksum: UInt32, fileSize: Int) -> String? {
        if t.headerChecksum != headerChecksum { return "trailer belongs to another header" }
        if t.recordCount == 0 { return "sealed segment without records" }
        if t.firstSequence != header.baseSequence { return "first sequence \(t.firstSequence) differs from header base \(header.baseSequence)" }
        if t.lastSequence &- t.firstSequence &+ 1 != UInt64(t.recordCount) { return "record count does not match sequence range" }
        // In 64 bits before any conversion: a crafted count or data end (its checksum fixed up)
        // must be refused here, never trap in the arithmetic below.
        let room = UInt64(max(0, fileSize - SegmentLayout.dataStart - SegmentLayout.trailerSize))
        if UInt64(t.recordCount) * UInt64(SegmentLayout.indexEntrySize) > room { return "record count \(t.recordCount) does not fit the segment" }
        if t.dataEnd > UInt64(fileSize) { return "data end \(t.dataEnd) out of range" }
        let expectedIndex = SegmentLayout.indexOffset(segmentSize: fileSize, recordCount: Int(t.recordCount))
        if t.indexOffset != UInt64(expectedIndex) { return "index offset \(t.indexOffset), expected \(expectedIndex)" }
        if t.dataEnd < UInt64(SegmentLayout.dataStart) || alignUp(Int(t.dataEnd), SegmentLayout.blockSize) > expectedIndex {
            return "data end \(t.dataEnd) out of range"
        }
        return nil
    }
}
