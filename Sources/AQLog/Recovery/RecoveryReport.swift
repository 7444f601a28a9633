/// What opening a log found and did.
public struct RecoveryReport: Sendable, Equatable {
    /// Segment files in the log.
    public var segments = 0
    /// Of which sealed (opened from header + trailer alone).
    public var sealedSegments = 0
    /// First sequence in the log (0 when empty; above 1 once compaction removed the head).
    public var firstSequence: UInt64 = 0
    /// Last committed sequence in the log (0 when empty); a torn tail's records do not count.
    public var lastSequence: UInt64 = 0
    /// Bytes read to open sealed segments (headers and trailers only).
    public var sealedBytesRead = 0
    /// Bytes of the open segment examined by the scanner.
    public var bytesScanned = 0
    /// Bytes of the open segment trusted without being read: the durable prefix its last
    /// writer recorded in `HIGHWATER` (a writer's open and a repair; docs/FORMAT.md), as a
    /// sealed segment's trailer is trusted. Readers and `verify` check those records when
    /// they read them.
    public var bytesTrusted = 0
    /// Bytes zeroed by repair (torn tail or interrupted footer).
    public var bytesRepaired = 0
    /// The torn tail found (and zeroed unless the policy was strict or the open was read-only).
    public var tornTail: TornTail?
    /// Where the torn tail's bytes were copied before they were zeroed
    /// (`DIR/<segment>.torn-<offset>.bak`, synced first); nil when nothing was zeroed.
    public var tornTailBackup: String?
    /// True when an interrupted seal's footer bytes were found and cleared.
    public var footerArtefactCleared = false
    /// True when `HIGHWATER`'s mark lay below records of the open segment (the file is older
    /// than the segment: a copy restored from a backup, say), so the open scanned the whole
    /// segment instead of stopping at the mark (docs/FORMAT.md, "`HIGHWATER`"). The file keeps
    /// that mark until a writer's first write past it raises the mark; until then every open
    /// finds it so again.
    public var staleHighWaterMark = false
    /// Wall time of recovery (after settling).
    public var duration: Duration = .zero
    /// Wall time of a writer's settling before recovery: the last segment's dirty pages and the
    /// directory made durable, so that recovery trusts only what the disk holds. About as long
    /// as the disk takes to write what a killed writer left in the page cache; zero for
    /// read-only opens, which settle nothing.
    public var settleDuration: Duration = .zero

    /// Records in the log, ``firstSequence`` through ``lastSequence`` (0 when empty).
    public var records: UInt64 { lastSequence >= firstSequence && lastSequence > 0 ? lastSequence - firstSequence + 1 : 0 }
}
