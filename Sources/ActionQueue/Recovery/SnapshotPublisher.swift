/// Publishes a snapshot of a projection safely with respect to the log.
///
/// Order: (1) refuse a projection ahead of the log; (2) flush the log, so every record the
/// snapshot covers is durable (the reference could publish a snapshot ahead of the durable
/// WAL); (3) validate and atomically write the snapshot; (4) prune to `retain` snapshots;
/// (5) write the log checkpoint at the oldest retained snapshot's sequence, so compaction
/// only drops records that every retained snapshot covers.
public enum SnapshotPublisher {
    /// Errors of publication; the log and the previous snapshots are untouched on failure
    /// before step 3.
    public enum Failure: Error, Sendable, Hashable {
        case projectionAheadOfLog(projectionSequence: UInt64, logLastSequence: UInt64)
        case logFlush(EventLogFailure)
        case store(SnapshotStore.Failure)
        case checkpoint(EventLogFailure)
    }

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
