/// Publishes a snapshot of a projection safely with respect to the log.
///
/// Order: (1) refuse a projection ahead of the log; (2) flush the log, so every record the
/// snapshot covers is durable (the reference could publish a snapshot ahead of the durable
/// WAL); (3) validate and atomically write the snapshot; (4) prune to `retain` snapshots;
/// (5) write the log checkpoint at the oldest retained snapshot's sequence, so compaction
/// only drops records that every retained snapshot covers.
///
/// ```swift
/// try SnapshotPublisher.publish(authority.projection, timestamp: now, log: log, store: store)
/// ```
public enum SnapshotPublisher {
    /// Errors of publication; the log and the previous snapshots are untouched on failure
    /// before step 3.
    public enum Failure: Error, Sendable, Hashable {
        /// The projection covers sequences the log does not hold (step 1); nothing was done.
        case projectionAheadOfLog(projectionSequence: UInt64, logLastSequence: UInt64)
        /// Flushing the log failed (step 2); no snapshot was written.
        case logFlush(EventLogFailure)
        /// Writing, pruning or listing the snapshots failed (steps 3 and 4); the new snapshot
        /// may or may not be on disk, and the checkpoint was not moved.
        case store(SnapshotStore.Failure)
        /// Writing the log checkpoint failed (step 5): the snapshot is written and the old
        /// ones pruned, and the checkpoint keeps its previous, lower value.
        case checkpoint(EventLogFailure)
    }

    /// Publishes a snapshot of `projection` in the five steps above.
    ///
    /// - Parameters:
    ///   - projection: The state to snapshot; its `latestSequence` may not exceed the log's.
    ///   - timestamp: When the snapshot is taken (caller's clock), stored in the snapshot.
    ///   - log: The log the projection was built from; flushed, then checkpointed.
    ///   - store: Where the snapshot file goes.
    ///   - retain: How many snapshots to keep, newest first (at least 1).
    /// - Returns: The snapshot written.
    /// - Throws: A ``Failure`` naming the step that failed.
    @discardableResult
    public static func publish(_ projection: ReplayReducer, timestamp: UInt64, log: some EventLog,
                               store: SnapshotStore, retain: Int = 2) throws(Failure) -> Snapshot {
        guard projection.latestSequence <= log.lastSequence else {
            throw .projectionAheadOfLog(projectionSequence: projection.latestSequence, logLastSequence: log.lastSequence)
        }
        do { try log.flush() } catch { throw .logFlush(EventLogFailure(error)) }
        let snapshot = Snapshot(projection: projection, timestamp: timestamp)
        do {
            try store.write(snapshot)
            try store.prune(keeping: retain)
        } catch { throw .store(error) }
        let retained: [UInt64]
        do { retained = try store.sequences() } catch { throw .store(error) }
        let checkpoint = retained.min() ?? snapshot.walSequence
        do { try log.writeCheckpoint(sequence: checkpoint) } catch { throw .checkpoint(EventLogFailure(error)) }
        return snapshot
    }
}
