/// How a log is opened and written, and where it reports (``logger`` and ``metricsFactory``).
///
/// Two options are equal (`==`) when they open and write a log alike: the logger and the metrics
/// factory only observe the log and are not compared.
public struct LogOptions: Sendable, Equatable {
    /// The segment size of a new log unless the options say otherwise: 64 MiB.
    public static let defaultSegmentSize = SegmentLayout.defaultSegmentSize
    /// Segment file size for new segments (default 64 MiB). An existing log keeps the size
    /// recorded in each segment's header.
    public var segmentSize: Int = LogOptions.defaultSegmentSize
    /// Largest payload accepted; recorded in each new segment header and enforced on read.
    /// Default: 16 MiB, or what fits in one segment if that is less.
    public var maxRecordSize: Int?
    /// What recovery does with a torn tail on open.
    public var recoveryPolicy: RecoveryPolicy = .truncateTornTail
    /// Create the directory (not its parents) and an empty log when none exists.
    public var createIfMissing: Bool = true
    /// How appends reach the disk.
    public var backend: Backend = .auto
    /// On the io_uring backend, write commits with `O_DIRECT` (whole aligned blocks, bypassing
    /// the page cache and ext4's write-back workers); files on file systems without O_DIRECT
    /// stay buffered. Default true: measured faster here (docs/BENCHMARKS.md).
    public var directIO: Bool = true
    /// Bytes the concurrent ``Log`` may hold staged but not yet written before producers wait
    /// (back-pressure). Default 8 MiB.
    public var maxPendingBytes: Int = 8 << 20
    /// After this long idle, the concurrent ``Log`` writes and syncs an empty commit frame
    /// vouching for its last batch, which no later frame vouches for yet: damage to that batch
    /// at rest is then refused as corruption rather than cut as a torn tail. One small synced
    /// write per idle period; `nil` never writes it. Default 50 ms.
    public var idleVouchDelay: Duration? = .milliseconds(50)
    /// Under ``Durability/deferred``, a lone producer of the concurrent ``Log`` (no other append
    /// staged or waiting) writes its own batch on its own thread instead of handing it to the
    /// committer thread and waiting to be woken: one buffered `pwrite` (microseconds, or as
    /// long as the kernel pauses writers over its dirty-page limit) instead of two thread
    /// wake-ups. `false` keeps every write on the committer thread, so an append never blocks
    /// its caller's thread (a main actor, say). Default true.
    public var inlineDeferredCommits: Bool = true
    /// Most commits the concurrent ``Log`` keeps in flight at once (1 to 4) where the storage
    /// can overlap synced writes (io_uring with `O_DIRECT` and `RWF_DSYNC`); elsewhere, and
    /// for ``LogWriter`` and `.deferred`, one. A further commit begins beside one in flight
    /// only once that one has taken half a typical commit, so depth costs nothing when
    /// producers keep each batch full. Recorded in each new segment's header.
    public var maxCommitsInFlight: Int = 2
    /// With more than one commit in flight, the most bytes in flight past the end of the
    /// oldest (recovery's look-ahead bound, recorded in each new segment's header). Default 1 MiB.
    public var maxInFlightBytes: Int = 1 << 20
    /// Permission bits of the files the writer creates (segments, `LOCK`, the prepared segment,
    /// torn-tail backups); the directory, when the writer creates it, gets the same bits plus
    /// search (`x`) wherever read is granted. The process's umask applies to both, as for any
    /// `open(2)`. Default `0o666` (with the usual umask `022`: `0644` files, a `0755` directory):
    /// `0o600` keeps a log private to its service user, `0o640` shares it with a monitoring group
    /// that only reads (readers need read permission only).
    public var filePermissions: UInt16 = 0o666
    /// Where the log reports (``logger``, ``metricsFactory``): left out of `==`.
    var observability = Observability()

    /// Options with these five fields and every other at its default (set those as
    /// properties). Nothing is validated here: opening a log throws
    /// ``LogError/invalidOptions(_:)`` for a segment size that is not a multiple of 4096 in the
    /// supported range, or a maximum record size that does not fit one segment.
    public init(segmentSize: Int = LogOptions.defaultSegmentSize, maxRecordSize: Int? = nil,
                recoveryPolicy: RecoveryPolicy = .truncateTornTail, createIfMissing: Bool = true, backend: Backend = .auto) {
        self.segmentSize = segmentSize
        self.maxRecordSize = maxRecordSize
        self.recoveryPolicy = recoveryPolicy
        self.createIfMissing = createIfMissing
        self.backend = backend
    }

    /// The effective maximum record size for a segment size.
    func effectiveMaxRecordSize(segmentSize: Int) -> Int {
        min(maxRecordSize ?? (16 << 20), SegmentLayout.largestRecord(segmentSize: segmentSize), FrameHeader.maxEncodableLength)
    }
}

/// What recovery may repair.
public enum RecoveryPolicy: String, Sendable, Equatable, CaseIterable {
    /// Zero a torn tail (never-acknowledged bytes after the last commit point) and report it.
    case truncateTornTail
    /// Refuse any damage, torn tail included, changing nothing.
    case strict
    /// As `truncateTornTail`, and also zero committed batches that follow damage when no
    /// intact commit frame vouches that the damaged records were ever synced: what a power
    /// loss can leave of a `.deferred` log, whose batches reach the disk in any order until
    /// the next sync. Those records were acknowledged only to the page cache, which is what
    /// `.deferred` promises to lose on a power loss. Damage at or below a point any commit
    /// frame vouches durable stays corruption. Never the default: an operator opts in
    /// (`aq-wal repair --discard-unsynced`).
    case discardUnsynced
}

/// The write path.
public enum Backend: String, Sendable, Equatable, CaseIterable {
    /// io_uring when the kernel allows a ring, else `pwritev` + `fdatasync`.
    case auto
    /// io_uring only (opening fails when rings are unavailable).
    case uring
    /// `pwrite` + `fdatasync`.
    case posix
}
