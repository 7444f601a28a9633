import AQLog

/// Snapshots travel with the log's segments to the archive, so that a standby restored from
/// an archive that starts after the log's head (compacted before archiving began) still has
/// the snapshot it recovers from.
///
/// Each archived segment may carry one snapshot: the oldest whose sequence lies in the
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

    /// The path of the snapshot to archive with `segment`: the oldest whose sequence lies in
    /// `segment.firstSequence - 1 ... segment.lastSequence`, checked as a restore will check
    /// it; nil when there is none. The oldest, so that a segment sent again (after a crash
    /// before it was recorded) is paired with the same snapshot although newer ones were
    /// written since, and the archive, which refuses to replace an object, is not stopped by a
    /// different one. (Only pruning that snapshot in between changes the choice; the archive
    /// command then refuses the new pairing and the run stops until the operator removes that
    /// `.aqsnap` object, docs/OPERATIONS.md.)
    ///
    /// - Throws: ``Failure/directoryMissing(_:)`` when the store's directory does not exist: a
    ///   run told to send snapshots that sent none would record its segments as archived
    ///   without them for good. ``Failure/format(path:_:)`` when the paired snapshot is
    ///   damaged: once archived it could not be replaced, and every restore would refuse it.
    ///   ``Failure/io(_:)`` when it cannot be read.
    public func pairedSnapshot(for segment: ArchiveSegment) throws(Failure) -> String? {
        let low = segment.firstSequence &- 1
        guard let sequence = try sequences().last(where: { $0 >= low && $0 <= segment.lastSequence }) else { return nil }
        _ = try load(sequence: sequence)
        return path(forSequence: sequence)
    }

    /// Validates the snapshot file fetched at `path` and files it in this store under its own
    /// sequence (atomically, durably), removing `path`; returns the sequence. `covering`: the
    /// range its sequence must lie in (the segment it travelled with, first sequence - 1 to
    /// last): a snapshot ahead of the log would make recovery refuse the log.
    ///
    /// - Throws: ``Failure/format(path:_:)`` when the bytes are not a valid snapshot,
    ///   ``Failure/notCovering(path:sequence:expected:)`` when its sequence lies outside
    ///   `covering` (the fetched file is removed either way), ``Failure/io(_:)``,
    ///   ``Failure/directoryMissing(_:)``.
    @discardableResult
    public func adopt(fetched path: String, covering: ClosedRange<UInt64>? = nil) throws(Failure) -> UInt64 {
        let bytes: [UInt8]
        do {
            bytes = try storage.readWholeFile(path, limit: SnapshotFileFormat.headerLength + Int(SnapshotFileFormat.maxPayloadLength))
        } catch { throw .io(error) }
        defer { try? storage.removeFile(path) }
        let snapshot: Snapshot
        do { snapshot = try SnapshotFileFormat.decode(bytes) } catch { throw .format(path: path, error) }
        if let covering, !covering.contains(snapshot.walSequence) {
            throw .notCovering(path: path, sequence: snapshot.walSequence, expected: covering)
        }
        try write(snapshot)
        return snapshot.walSequence
    }
}
