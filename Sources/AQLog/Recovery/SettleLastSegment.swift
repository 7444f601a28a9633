import Logging

extension LogRecovery {
    /// Makes what recovery is about to trust durable before anything builds on it: the last
    /// segment's cached bytes (a writer killed between a write or a seal and its sync leaves
    /// them in the page cache only) and the directory's names (killed between a roll's rename
    /// and its directory sync). Then drops the pages a failed sync left readable but never
    /// durable ("fsyncgate"), so recovery scans the medium, not them. Without this, a power
    /// loss after the reopen could take records this writer acknowledged, or unseal a segment
    /// before the last.
    ///
    /// Only the pages past the durable prefix `HIGHWATER` records for the last segment are
    /// dropped, when the prefix names this very file (``StorageFile/dropCleanPages(from:)``,
    /// which may start lower): the bytes below it were made durable by a sync that completed,
    /// so their cached pages are the medium's, and recovery does not read them when it trusts
    /// the prefix. Returns the `HIGHWATER` record, read once it is synced (what the open builds
    /// on), and the prefix's end when it asked for the drop to begin there (0: it dropped all
    /// of them); recovery drops the rest before it reads below it
    /// (``LogRecovery/pagesDroppedFrom``).
    ///
    /// A writer (``LogEngine``) and ``LogRepair`` call it holding the lock. Limit: the kernel
    /// does not drop pages another process has mapped (a reader following the open segment),
    /// so those stay as cached.
    static func settleLastSegment(storage: any Storage, directory: String,
                                  logger: Logger) throws(IOFailure) -> (highWater: HighWaterMark?, pagesDroppedFrom: Int) {
        // The log directory's own entry too: a writer killed between creating it and syncing
        // its parent leaves it in the cache only.
        try storage.syncDirectory(parentDirectory(of: directory))
        guard let last = try listSegments(storage, directory).last else { return (HighWaterMark.read(storage: storage, directory: directory), 0) }
        let file: any StorageFile
        do { file = try storage.openFile(LogDirectoryLayout.join(directory, last.1), create: false) } catch {
            // Nothing to settle: recovery reports it as damage.
            if notASegment(error) != nil { return (HighWaterMark.read(storage: storage, directory: directory), 0) }
            throw error
        }
        defer { file.close() }
        var droppedFrom = 0
        do throws(IOFailure) { try file.syncData() } catch {
            // A write-back error that no earlier sync reported surfaces here, once; the pages
            // it concerns were marked clean, never written. Drop them (recovery then sees the
            // medium: only records nobody was told are durable can be missing) and ask again.
            logger.warning("write-back error found at open; rescanning from the medium",
                           metadata: ["cause": "\(error)", "directory": "\(directory)"])
            file.dropCleanPages()
            try file.syncData()
            droppedFrom = -1  // all of them, whatever the prefix says
        }
        // `HIGHWATER` too: a writer killed inside a raise leaves a mark (and prefix) in the
        // cache that this open would build on; a power loss after it would then take the mark
        // back while the bytes written up to it stayed, and recovery would stop short of them.
        // None there, or a directory in its place (no mark can be read from it): nothing to settle.
        let highWater: (any StorageFile)?
        do {
            highWater = try storage.openFile(LogDirectoryLayout.join(directory, LogDirectoryLayout.highWaterFile), create: false)
        } catch where error.errno == .noSuchFileOrDirectory || error.errno == .isDirectory {
            highWater = nil
        }
        if let mark = highWater {
            defer { mark.close() }
            do throws(IOFailure) { try mark.syncData() } catch {
                // As for the segment: drop what a failed write-back left readable, ask again.
                mark.dropCleanPages()
                try mark.syncData()
            }
            mark.dropCleanPages()
        }
        let record = HighWaterMark.read(storage: storage, directory: directory)
        if droppedFrom == 0, let prefix = record?.prefix, prefix.baseSequence == last.0, try prefixNames(prefix, file) {
            droppedFrom = prefix.end
        }
        file.dropCleanPages(from: max(droppedFrom, 0))
        try storage.syncDirectory(directory)
        return (record, max(droppedFrom, 0))
    }

    /// Whether `prefix` names this very file (its header's checksum) and ends inside its data,
    /// before its trailer: only then may the pages below its end stay cached.
    private static func prefixNames(_ prefix: VouchedPrefix, _ file: any StorageFile) throws(IOFailure) -> Bool {
        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: SegmentLayout.headerSize, alignment: 8)
        defer { header.deallocate() }
        guard try file.read(into: header, at: 0) == SegmentLayout.headerSize,
              case .success(let (_, checksum)) = SegmentHeader.decode(UnsafeRawBufferPointer(header)) else { return false }
        let size = try file.size()
        return checksum == prefix.headerChecksum && prefix.end > SegmentLayout.dataStart && prefix.end <= size - SegmentLayout.trailerSize
    }
}
