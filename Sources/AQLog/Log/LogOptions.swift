/// How a log is opened and written, and where it reports (``logger`` and ``metricsFactory``).
///
/// Two options are equal (`==`) when they open and write a log alike: the logger and the metrics
/// factory only observe the log and are not compared.
public struct LogOptions: Sendable, Equatable {
    /// The segment size of a new log unless the options say otherwise: 64 MiB.
    public static let defaultSegmentSize = SegmentLayout.defaultSegmentSize
    /// The size a log's segments grow to (default 64 MiB): a new log starts with a segment of
    /// ``initialSegmentSize``, and each roll doubles the size up to this one. Each segment
    /// records its own size; a log never gets smaller segments than its current one, so an
    /// existing log with larger segments keeps their size.
    public var segmentSize: Int = LogOptions.defaultSegmentSize
    /// The size of a new log's first segment; nil (the default) takes the smallest multiple of
    /// 4096 of at least 1 MiB that holds one record of the maximum size (about 16 MiB with the
    /// default maximum record), capped at ``segmentSize``. Segments are zero-filled before use
    /// (they sync fastest so), so this is what an idle new log costs on disk: a service with
    /// many small logs lowers it (with ``maxRecordSize``), a benchmark of steady state sets it to
    /// ``segmentSize``. Must be a multiple of 4096, at most ``segmentSize``, holding one
    /// maximum record.
    public var initialSegmentSize: Int?
    /// Largest payload accepted; recorded in the segment headers and enforced on read.
    /// Default: 16 MiB, or what fits in one segment if that is less. Fixed when the log is
    /// created: a log that exists keeps the value its segments record, whatever this says.
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
    /// for ``LogWriter`` and `.deferred`, one. How soon a further commit begins beside one in
    /// flight the log measures while it runs: once the staged batch cannot grow and the one in
    /// flight has taken half a typical commit (many producers, or a device that gains little
    /// from overlapping syncs; then at most two are in flight), or at once, up to this many,
    /// where that completes more records per second (a few producers on a device that overlaps
    /// syncs well). docs/DESIGN.md, "Concurrency". Recorded in each new segment's header.
    /// Default 4.
    public var maxCommitsInFlight: Int = 4
    /// With more than one commit in flight, the most bytes in flight past the end of the
    /// oldest (recovery's look-ahead bound, recorded in each new segment's header). Default 1 MiB.
    public var maxInFlightBytes: Int = 1 << 20
    /// The concurrent ``Log`` seals its open segment once the segment has held records for
    /// this long, even when it is not full, so that it can be archived (``LogArchiving``): it
    /// bounds what a standby restored from the archive lacks when it is promoted (the records
    /// of the open segment, never sealed). Once due, later records wait for the next segment,
    /// so the seal comes under steady load too; the next segment is prepared ahead. A segment
    /// sealed early keeps its full size (segments never shrink): every seal archives
    /// ``segmentSize`` bytes, so pair a short age with small segments (a minute's age with 64
    /// MiB segments archives about 92 GB a day of a nearly idle log). `nil` (the default):
    /// segments are sealed when full. Must be positive. ``LogWriter`` seals when full only.
    public var maximumSegmentAge: Duration?
    /// Permission bits of the files the writer creates (segments, `LOCK`, the prepared segment,
    /// torn-tail backups); the directory, when the writer creates it, gets the same bits plus
    /// search (`x`) wherever read is granted. The process's umask applies to both, as for any
    /// `open(2)`. Default `0o666` (with the usual umask `022`: `0644` files, a `0755` directory):
    /// `0o600` keeps a log private to its service user, `0o640` shares it with a monitoring group
    /// that only reads (readers need read permission only).
    public var filePermissions: UInt16 = 0o666
    /// Where the log reports (``logger``, ``metricsFactory``): left out of `==`.
    var observability = Observability()
    /// The least the writer moves its high-water mark past a write (docs/FORMAT.md, `HIGHWATER`):
    /// 4 MiB. Simulations shrink it so that segments of 64 KiB see several raises.
    package var highWaterStep = 4 << 20
    /// Bytes a writer's open reads at a time when it reads its open segment from the medium
    /// (``SegmentStream``): 4 MiB. Simulations shrink it so that segments of 64 KiB are read
    /// that way too.
    package var recoveryReadWindow = SegmentStream.window
    /// The rule that begins a further commit beside those in flight, fixed (benchmarks and
    /// simulations compare and exercise each); nil (the default): measured while the log runs
    /// (``CommitPacing``).
    package var commitRule: CommitRule?

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

    /// The first segment's size for a log whose records may hold `maxRecordSize` bytes.
    func initialSegmentSize(maxRecordSize: Int) -> Int {
        if let initialSegmentSize { return initialSegmentSize }
        return min(segmentSize, max(1 << 20, SegmentLayout.segmentSize(holding: maxRecordSize)))
    }

    /// Throws ``LogError/invalidOptions(_:)`` for an explicit ``initialSegmentSize`` that is not
    /// a multiple of 4096, exceeds ``segmentSize`` or cannot hold one maximum record.
    func validateInitialSegmentSize() throws(LogError) {
        guard let size = initialSegmentSize else { return }
        let record = effectiveMaxRecordSize(segmentSize: segmentSize)
        guard size % SegmentLayout.blockSize == 0, size <= segmentSize, size >= SegmentLayout.segmentSize(holding: record) else {
            throw .invalidOptions("initial segment size \(size) must be a multiple of 4096, at most the segment size \(segmentSize), and hold one \(record)-byte record (\(SegmentLayout.segmentSize(holding: record)) bytes)")
        }
    }
}

/// What recovery may repair.
public enum RecoveryPolicy: String, Sendable, Equatable, CaseIterable {
    /// Zero a torn tail and report it, its bytes backed up first: never-acknowledged bytes after
    /// the last commit point, and committed batches after damage that no intact commit frame
    /// vouches durable. The second are what a power loss leaves of a `.deferred` log, whose
    /// batches reach the disk in any order until the next sync; their records were
    /// acknowledged to the page cache only, which is what `.deferred` promises to lose at a
    /// power loss (``TornTail/unsyncedCommittedRecords`` counts them). Damage at or below a
    /// point any commit frame, or the last writer's `LOCK`, vouches durable is corruption.
    case truncateTornTail
    /// Refuse any damage, torn tail included, changing nothing.
    case strict
    /// The same as ``truncateTornTail``, which removes committed batches that follow damage
    /// when no intact commit frame vouches that the damaged records were ever synced (what a
    /// power loss can leave of a `.deferred` log): kept so that callers naming it, and
    /// `aq-wal repair --discard-unsynced`, go on working.
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
