/// Keeping `HIGHWATER` (``HighWaterMark``) ahead of every write into the active segment, and
/// recording with it the segment's durable prefix (``VouchedPrefix``).
extension LogEngine {
    /// The least a raise moves the mark past the write that needs it (``LogOptions/highWaterStep``).
    /// With the prefix it records, this bounds what a writer's open reads of a log that syncs:
    /// the bytes from the last durable batch to the mark.
    static let defaultHighWaterStep = LogOptions().highWaterStep

    /// Before a write that ends at `end`: when it would pass the active segment's mark, records
    /// a higher one, synced, together with the durable prefix (and the index entries it adds).
    /// The mark moves to the write's end plus at least ``highWaterStep`` and at least the data
    /// written since the durable prefix, up to the segment's end: a log that syncs raises it
    /// every step, one that defers its syncs at least doubles what it covers each time. The
    /// I/O thread only.
    ///
    /// `withPrefix` false (the raise before a seal, which the trailer follows at once) records
    /// the mark alone: the seal's own index makes the prefix's redundant.
    func raiseHighWater(through end: Int, withPrefix: Bool = true) throws(IOFailure) {
        guard end > active.highWater else { return }
        let durable = active.durable
        let mark = min(active.size, alignUp(end + max(highWaterStep, end - durable.end), SegmentLayout.blockSize))
        let file = try highWaterHandle()
        let prefix = withPrefix ? try writeIndex(through: durable, to: file) : nil
        try writeHighWaterBlock(mark: mark, prefix: prefix, to: file)
        active.highWater = mark
        active.indexInHighWater = prefix.map { ($0.recordCount, $0.indexChecksum) } ?? (0, 0)
    }

    /// At open, when `HIGHWATER` holds a prefix naming the active segment that recovery did not
    /// trust (the segment was scanned whole): records the mark alone, synced, before anything
    /// is written, so that frames written later at the same place can never make that stale
    /// prefix look valid.
    func clearUntrustedPrefix() throws(IOFailure) {
        let file = try highWaterHandle()
        do throws(IOFailure) { try writeHighWaterBlock(mark: active.highWater, prefix: nil, to: file) } catch {
            // The open fails with this: nothing will close the handle later.
            file.close()
            highWaterFile = nil
            throw error
        }
        active.indexInHighWater = (0, 0)
    }

    private func highWaterHandle() throws(IOFailure) -> any StorageFile {
        if let open = highWaterFile { return open }
        let file = try storage.openFile(LogDirectoryLayout.join(directory, LogDirectoryLayout.highWaterFile), create: true)
        highWaterFile = file
        // Its name must be durable before a mark in it can count.
        try storage.syncDirectory(directory)
        return file
    }

    /// The first block, then one `fdatasync` for it and the index entries written before it
    /// (a write with its own durability flag would leave those in the device's cache).
    private func writeHighWaterBlock(mark: Int, prefix: VouchedPrefix?, to file: any StorageFile) throws(IOFailure) {
        let block = AlignedBuffer(capacity: HighWaterMark.fileSize)
        block.zero(0..<HighWaterMark.fileSize)
        HighWaterMark(headerChecksum: active.descriptor.headerChecksum, baseSequence: active.descriptor.baseSequence, mark: mark)
            .encode(into: block.mutableBytes)
        prefix?.encode(into: block.mutableBytes)
        try file.write(block.bytes(0..<HighWaterMark.fileSize), at: 0, newBytesFrom: 0, sync: false)
        try file.syncData()
    }

    /// Writes the index entries `durable` adds to those already in `HIGHWATER` (whole blocks,
    /// unsynced: the block's sync covers them) and returns the prefix record describing them;
    /// nil when nothing durable follows the data start.
    private func writeIndex(through durable: ActiveSegment.Committed, to file: any StorageFile) throws(IOFailure) -> VouchedPrefix? {
        guard durable.end > SegmentLayout.dataStart else { return nil }
        let (have, checksum) = active.indexInHighWater
        let count = durable.recordCount
        // Set only from this segment's durable state, which never shrinks; reset at a roll.
        assert(have <= count, "HIGHWATER holds more index entries than are durable")
        var newChecksum = checksum
        if count > have {
            let perBlock = VouchedPrefix.entriesPerBlock
            let first = have / perBlock * perBlock
            let blocks = (count - first + perBlock - 1) / perBlock
            let buffer = AlignedBuffer(capacity: blocks * SegmentLayout.blockSize)
            buffer.zero(0..<(blocks * SegmentLayout.blockSize))
            let bytes = buffer.mutableBytes
            for i in first..<count { bytes.setU32(active.offsets[i], at: (i - first) * SegmentLayout.indexEntrySize) }
            let at = VouchedPrefix.indexOffset + first * SegmentLayout.indexEntrySize
            try file.write(buffer.bytes(0..<(blocks * SegmentLayout.blockSize)), at: at,
                           newBytesFrom: VouchedPrefix.indexOffset + have * SegmentLayout.indexEntrySize, sync: false)
            newChecksum = VouchedPrefix.indexChecksum(active.offsets, from: have, to: count, continuing: checksum)
        }
        return VouchedPrefix(headerChecksum: active.descriptor.headerChecksum, baseSequence: active.descriptor.baseSequence,
                             end: durable.end, recordCount: count, durableThrough: durable.claimed,
                             segmentDigest: durable.segmentDigest, indexChecksum: newChecksum,
                             lastCommitChecksum: durable.lastCommitChecksum)
    }
}
