/// Keeping `HIGHWATER` (``HighWaterMark``) ahead of every write into the active segment.
extension LogEngine {
    /// The least a raise moves the mark past the write that needs it: few enough syncs of
    /// `HIGHWATER` (the mark then at least doubles the covered range), a short scan for an
    /// idle log.
    static let highWaterStep = 4 << 20

    /// Before a write that ends at `end`: when it would pass the active segment's mark, records
    /// a higher one (the write's end plus at least ``highWaterStep`` and at least the data
    /// already covered, up to the segment's end), synced. The I/O thread only.
    func raiseHighWater(through end: Int) throws(IOFailure) {
        guard end > active.highWater else { return }
        let covered = end - SegmentLayout.dataStart
        let mark = min(active.size, alignUp(end + max(Self.highWaterStep, covered), SegmentLayout.blockSize))
        let file: any StorageFile
        if let open = highWaterFile {
            file = open
        } else {
            file = try storage.openFile(LogDirectoryLayout.join(directory, LogDirectoryLayout.highWaterFile), create: true)
            highWaterFile = file
            // Its name must be durable before a mark in it can count.
            try storage.syncDirectory(directory)
        }
        let block = AlignedBuffer(capacity: HighWaterMark.fileSize)
        block.zero(0..<HighWaterMark.fileSize)
        HighWaterMark(headerChecksum: active.descriptor.headerChecksum, baseSequence: active.descriptor.baseSequence, mark: mark)
            .encode(into: block.mutableBytes)
        try file.write(block.bytes(0..<HighWaterMark.fileSize), at: 0, newBytesFrom: 0, sync: true)
        active.highWater = mark
    }
}
