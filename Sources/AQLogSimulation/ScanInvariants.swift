import AQLog

/// What every ``SegmentImage/scan(_:)`` verdict must satisfy, whatever the input bytes:
/// the records it calls committed are real frames, in order, dense in sequence, within the
/// maximum size, inside the committed end, and carry valid checksums; a clean verdict has only
/// zeros after the commit point; what a repair would zero (a torn tail, or never-synced
/// batches after damage) starts exactly at the commit point, so no record the scan committed
/// is ever removed. Shared by the property test and the `aq-fuzz` harness.
package enum ScanInvariants {
    /// A description of the first violated invariant, or nil when the summary is consistent.
    package static func violation(in s: SegmentImage.Summary, of bytes: UnsafeRawBufferPointer) -> String? {
        guard let header = s.header else { return s.recordOffsets.isEmpty ? nil : "records without a header" }
        guard s.committedEnd >= SegmentLayout.dataStart, s.committedEnd <= bytes.count - SegmentLayout.trailerSize else {
            return "committed end \(s.committedEnd) out of bounds"
        }
        var previousEnd = SegmentLayout.dataStart
        for (i, offset) in s.recordOffsets.enumerated() {
            guard offset >= previousEnd, offset + FrameHeader.size <= s.committedEnd else { return "record \(i) at \(offset) out of order or bounds" }
            let frame = FrameHeader(bytes, at: offset)
            guard !frame.isCommit, frame.sequence == header.baseSequence &+ UInt64(i) else { return "record \(i): sequence not dense" }
            guard frame.length <= header.maxRecordSize else { return "record \(i): oversized record accepted" }
            guard offset + frame.frameSize <= s.committedEnd else { return "record \(i) runs past the committed end" }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + FrameHeader.size)..<(offset + FrameHeader.size + Int(frame.length))])
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + FrameHeader.size)]),
                                      continuing: CRC32C.checksum(payload))
            guard crc == frame.checksum else { return "record \(i): bad checksum accepted" }
            previousEnd = offset + frame.frameSize
        }
        if case .clean = s.verdict, !UnsafeRawBufferPointer(rebasing: bytes[s.committedEnd...]).allSatisfy({ $0 == 0 }) {
            return "clean verdict with bytes after the commit point"
        }
        switch s.verdict {
        case .tornTail(let t) where t.offset != s.committedEnd:
            return "torn tail at \(t.offset), not at the commit point \(s.committedEnd)"
        case .unsyncedAfterDamage(let t, _) where t.offset != s.committedEnd || t.unsyncedCommittedRecords == 0:
            return "unsynced-after-damage region at \(t.offset) (commit point \(s.committedEnd)) with \(t.unsyncedCommittedRecords) records"
        default: break
        }
        return nil
    }
}
