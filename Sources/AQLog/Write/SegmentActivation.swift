/// Turning a prepared, zero-filled file into the log's next segment: what a writer does when
/// it opens a log with no open segment and at every roll, the one place it is done.
///
/// Steps: header block written and synced, rename of `next.prealloc` to the segment's name,
/// directory synced. Until the rename the file is only a prepared file (recovery adopts or
/// replaces it); after the directory sync the segment is durable and empty.
enum SegmentActivation {
    /// Activates `file` (taken from the preparer at `preparedPath`) as the segment whose first
    /// record will be `header.baseSequence`. The caller closes `file` when this throws.
    static func activate(storage: any Storage, directory: String, file: any StorageFile, preparedPath: String,
                         header: SegmentHeader) throws(IOFailure) -> ActiveSegment {
        let block = AlignedBuffer(capacity: SegmentLayout.blockSize)
        let crc = header.encode(into: block.mutableBytes)
        let path = LogDirectoryLayout.join(directory, SegmentName.fileName(baseSequence: header.baseSequence))
        try file.write(block.bytes(0..<SegmentLayout.blockSize), at: 0, newBytesFrom: 0, sync: true)
        try storage.rename(preparedPath, to: path)
        // Replaced between the preparer's look and the rename: the segment's name now holds
        // another file, and records written here would be in none the directory holds. That
        // entry came from the prepared file's name, the log's own: removed (and the removal
        // made durable), so the log opens again as it was before this activation.
        guard file.isNamed(by: path) else {
            try? storage.removeFile(path)
            try? storage.syncDirectory(directory)
            throw IOFailure("activate (next.prealloc was replaced before its rename)", path: path, errno: .noSuchFileOrDirectory)
        }
        try storage.syncDirectory(directory)
        let descriptor = SegmentDescriptor(path: path, header: header, headerChecksum: crc, trailer: nil, trailerChecksum: nil,
                                           lastSequence: header.baseSequence &- 1, dataEnd: SegmentLayout.dataStart)
        return ActiveSegment(file: file, descriptor: descriptor, offsets: [], segmentDigest: 0)
    }
}
