/// The fixed geometry of a segment file (see docs/FORMAT.md).
///
/// ```
/// [0, 4096)                     header block: SegmentHeader (64 B) + zeros
/// [4096, dataEnd)               frames: records and commit frames, 8-byte aligned
/// [dataEnd, indexOffset)        zeros (never written)
/// [indexOffset, size - 64)      sealed only: dense index, one u32 frame offset per record
/// [size - 64, size)             sealed only: SegmentTrailer
/// ```
package enum SegmentLayout {
    /// Write and alignment unit: every write covers whole blocks (O_DIRECT-ready).
    package static let blockSize = 4096
    /// Frames start here, after the header block.
    package static let dataStart = 4096
    /// Bytes of a SegmentHeader.
    package static let headerSize = 64
    /// Bytes of a SegmentTrailer, at the very end of the file.
    package static let trailerSize = 64
    /// Bytes of one dense index entry.
    package static let indexEntrySize = 4
    /// Smallest segment size accepted (header block, one data block, footer block).
    package static let minimumSegmentSize = 64 * 1024
    /// Largest segment size accepted (frame offsets are u32).
    package static let maximumSegmentSize = 1 << 32 - blockSize
    /// Default segment size: 64 MiB.
    package static let defaultSegmentSize = 64 << 20

    /// Where the index of a sealed segment with `recordCount` records starts.
    @inlinable public static func indexOffset(segmentSize: Int, recordCount: Int) -> Int {
        alignDown(segmentSize - trailerSize - indexEntrySize * recordCount, blockSize)
    }

    /// True when frames ending at `dataEnd` for `recordCount` records still leave room for the footer.
    @inlinable public static func fits(dataEnd: Int, recordCount: Int, segmentSize: Int) -> Bool {
        alignUp(dataEnd, blockSize) <= indexOffset(segmentSize: segmentSize, recordCount: recordCount)
    }

    /// The largest payload a segment of `segmentSize` can hold as a single-record batch.
    /// The smallest segment size (a multiple of 4096, at least the minimum) whose
    /// ``largestRecord(segmentSize:)`` is at least `record`.
    package static func segmentSize(holding record: Int) -> Int {
        var size = max(minimumSegmentSize, alignUp(record + dataStart + 2 * blockSize + FrameHeader.size * 2 + CommitPayload.size, blockSize))
        while largestRecord(segmentSize: size) < record { size += blockSize }
        return size
    }

    package static func largestRecord(segmentSize: Int) -> Int {
        // One record frame + one commit frame + the footer block must fit after the header block.
        let room = segmentSize - dataStart - blockSize - FrameHeader.size * 2 - CommitPayload.size - blockSize
        return max(0, alignDown(room, 8))
    }
}
