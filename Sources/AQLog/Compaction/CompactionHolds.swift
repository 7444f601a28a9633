/// Kinds of hold that keep segments from compaction beyond what the checkpoint allows,
/// recorded in the `CHECKPOINT` file (docs/FORMAT.md) while any exists.
///
/// The record is for binaries that do not know a hold: one that reads only the first
/// checkpoint version sees a file carrying holds as damaged and removes nothing, and one that
/// meets an unknown bit does the same. This version decides what a hold keeps from the hold
/// itself (the cursor files, for instance), never from these bits.
public struct CompactionHolds: OptionSet, Sendable, Hashable {
    /// The bits as stored in the checkpoint file (offset 12).
    public let rawValue: UInt16
    /// The set with exactly these bits, known or not.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Named consumer cursors (``ConsumerCursor``) exist: compaction keeps every segment holding
    /// a record above the slowest cursor's position.
    public static let consumerCursors = CompactionHolds(rawValue: 1 << 0)

    /// The log is archived (``ArchiveState``): compaction keeps every segment not yet archived.
    public static let archive = CompactionHolds(rawValue: 1 << 1)

    /// Every hold this version knows.
    public static let known: CompactionHolds = [.consumerCursors, .archive]
}
