/// What one compaction run removed (or, for a dry run, would remove).
public struct CompactionReport: Sendable, Equatable {
    /// One removed segment file.
    public struct RemovedSegment: Sendable, Equatable {
        /// Full path of the (former) segment file.
        public var path: String
        /// The segment's base sequence (its first record's).
        public var firstSequence: UInt64
        /// Its last record's sequence; at or below the checkpoint when one bounded the run.
        public var lastSequence: UInt64
        /// File size, freed by the removal.
        public var bytes: Int

        /// The file name within the log directory.
        public var fileName: String { LogDirectoryLayout.name(of: path) }
    }

    /// True when nothing was removed because only a plan was asked for.
    public var dryRun = false
    /// The checkpoint that bounded the run.
    public var checkpoint: CheckpointStatus = .absent
    /// The retention floors that applied.
    public var retention = RetentionPolicy()
    /// Removed segments, oldest first.
    public var removed: [RemovedSegment] = []
    /// Segment files before the run.
    public var segmentsBefore = 0
    /// First sequence still in the log after the run (0 when the log holds no records).
    public var firstSequenceAfter: UInt64 = 0
    /// Last sequence in the log (unchanged by compaction).
    public var lastSequence: UInt64 = 0
    /// The consumer cursors found, by name.
    public var consumers: [ConsumerCursor.Status] = []
    /// Cursors lagging more than ``RetentionPolicy/maxConsumerLag``: removed by the run (a dry
    /// run only names them), so they hold nothing.
    public var droppedConsumers: [ConsumerCursor.Status] = []
    /// The consumer whose cursor kept a segment the checkpoint and retention would have let go.
    public var heldByConsumer: String?
    /// Which segments are archived, as the run found them (``ArchiveStatus``).
    public var archive: ArchiveStatus?
    /// True when a segment the checkpoint and retention let go was kept because it is not yet
    /// archived (``CompactionHolds/archive``).
    public var heldByArchive = false
    /// Wall time of the run.
    public var duration: Duration = .zero

    /// Bytes freed (or that would be freed by a dry run).
    public var bytesFreed: Int { removed.reduce(0) { $0 + $1.bytes } }
    /// Segment files after the run.
    public var segmentsAfter: Int { segmentsBefore - removed.count }
}
