/// What recovery rebuilt and how.
public struct RecoveryResult: Sendable, Hashable {
    /// The rebuilt state: the snapshot's, with every later log record applied.
    public var projection: ReplayReducer
    /// Sequence of the snapshot used (nil: the whole log was replayed).
    public var snapshotSequence: UInt64?
    /// Records applied from the log after the snapshot (or from sequence 1).
    public var tailEventsApplied: UInt64
    /// True when a snapshot was present but unusable, so recovery fell back.
    public var snapshotFallback: Bool
    /// The snapshots skipped, newest first, with the reason.
    public var skippedSnapshots: [SkippedSnapshot]
    /// True when a snapshot was accepted over an empty log (its records are gone).
    public var logEmptyBehindSnapshot: Bool
}

/// A snapshot recovery could not use.
public struct SkippedSnapshot: Sendable, Hashable {
    /// The snapshot's sequence; 0 when the snapshot directory itself could not be listed.
    public var sequence: UInt64
    /// Why it could not be used.
    public var reason: SnapshotStore.Failure
}
