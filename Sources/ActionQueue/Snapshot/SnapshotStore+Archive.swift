import AQLog

/// Snapshots travel with the log's segments to the archive, so that a standby restored from
/// an archive that starts after the log's head (compacted before archiving began) still has
/// the snapshot it recovers from.
///
/// Each archived segment may carry one snapshot: the newest whose sequence lies in the
/// segment's range extended by one below (`firstSequence - 1 ... lastSequence`), stored under
/// the segment's name with `.aqsnap` for `.seg` (``archiveName(pairedWith:)``). A restore asks
/// for that name beside each segment it adopts; ``adopt(fetched:)`` checks the file and files
/// it under its own sequence. Compaction removes a segment only once the checkpoint (the
/// snapshot's sequence) covers it, so the first segment an archive holds always has the
/// snapshot a standby starting there needs, sent with it.
extension SnapshotStore {
    /// The object name of the snapshot archived with the segment `segmentFileName`
    /// (`00000000000000000265.seg` → `00000000000000000265.aqsnap`).
    public static func archiveName(pairedWith segmentFileName: String) -> String {
        (segmentFileName.hasSuffix(SegmentName.suffix) ? String(segmentFileName.dropLast(SegmentName.suffix.count)) : segmentFileName) + ".aqsnap"
    }

    /// The path of the snapshot to archive with `segment`: the newest whose sequence lies in
    /// `segment.firstSequence - 1 ... segment.lastSequence`; nil when there is none (or no
    /// snapshot directory).
    public func pairedSnapshot(for segment: ArchiveSegment) throws(Failure) -> String? {
        let all: [UInt64]
        do { all = try sequences() } catch .directoryMissing { return nil }
        let low = segment.firstSequence &- 1
        return all.first { $0 >= low && $0 <= segment.lastSequence }.map { path(forSequence: $0) }
    }

    /// Validates the snapshot file fetched at `path` and files it in this store under its own
    /// sequence (atomically, durably), removing `path`; returns the sequence.
    ///
    /// - Throws: ``Failure/format(path:_:)`` when the bytes are not a valid snapshot (the
    ///   fetched file is removed), ``Failure/io(_:)``, ``Failure/directoryMissing(_:)``.
    @discardableResult
    public func adopt(fetched path: String) throws(Failure) -> UInt64 {
        let bytes: [UInt8]
        do {
            bytes = try storage.readWholeFile(path, limit: SnapshotFileFormat.headerLength + Int(SnapshotFileFormat.maxPayloadLength))
        } catch { throw .io(error) }
        defer { try? storage.removeFile(path) }
        let snapshot: Snapshot
        do { snapshot = try SnapshotFileFormat.decode(bytes) } catch { throw .format(path: path, error) }
        try write(snapshot)
        return snapshot.walSequence
    }
}
