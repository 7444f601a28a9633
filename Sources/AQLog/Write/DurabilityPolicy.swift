/// How a writer commits: everything the write side decides from ``Durability`` and
/// ``LogOptions``, derived once when the log opens and passed down.
struct DurabilityPolicy: Sendable, Equatable {
    /// Every commit is synced before it is acknowledged (`.sync`, `.group`); otherwise
    /// (`.deferred`) records are acknowledged, and readable, once in the page cache.
    let syncsEachCommit: Bool
    /// `.group`: how long the committer may wait for more producers, and for how many bytes.
    let gatherDelay: Duration?
    let gatherBytes: Int
    /// Lone `.deferred` producers of a `Log` write their own batch (``LogOptions/inlineDeferredCommits``).
    let inlineCommits: Bool
    /// Most batches written but not yet synced at once, for new segments (1...4); the
    /// active segment's header caps it (``SegmentHeader/commitDepth``).
    let commitDepth: Int
    /// Most bytes in flight past the end of the oldest batch in flight, when beginning
    /// another beside it (recorded in new headers, rounded up to blocks).
    let inFlightBytes: Int
    /// The rule that begins a further commit beside those in flight; nil: measured
    /// (``CommitPacing``).
    let commitRule: CommitRule?
    /// After this long idle, `Log`'s committer vouches for its last batch; nil: never.
    let idleVouchDelay: Duration?
    /// Staged-but-unwritten bytes past which producers wait (back-pressure).
    let maxPendingBytes: Int
    /// `Log`'s committer seals an open segment holding records once it is this old.
    let maximumSegmentAge: Duration?

    /// Readers may read records before they are synced.
    var acknowledgesUnsynced: Bool { !syncsEachCommit }
    /// New segments are written with zeros before use (synced writes into written extents are
    /// cheaper); `.deferred` only reserves them (it would otherwise write each segment twice).
    var zeroFillsSegments: Bool { syncsEachCommit }
    /// Whether the committer waits for more producers before committing.
    var gathers: Bool { gatherDelay != nil }

    /// `overlappingWrites`: the storage can keep several synced writes in flight (the
    /// io_uring backend writing `O_DIRECT` + `RWF_DSYNC`); elsewhere the depth is 1.
    init(durability: Durability, options: LogOptions, overlappingWrites: Bool) {
        syncsEachCommit = durability != .deferred
        if case .group(let delay, let bytes) = durability {
            gatherDelay = delay
            gatherBytes = bytes
        } else {
            gatherDelay = nil
            gatherBytes = 0
        }
        inlineCommits = options.inlineDeferredCommits && durability == .deferred
        commitDepth = syncsEachCommit && overlappingWrites
            ? min(max(options.maxCommitsInFlight, 1), SegmentHeader.maximumCommitDepth) : 1
        // Clamped (as `maxPendingBytes`): the header records it in blocks, at most 65,535 of them.
        inFlightBytes = commitDepth > 1 ? min(max(options.maxInFlightBytes, SegmentLayout.blockSize), Int(UInt16.max) * SegmentLayout.blockSize) : 0
        commitRule = options.commitRule
        idleVouchDelay = options.idleVouchDelay
        maxPendingBytes = max(options.maxPendingBytes, 64 * 1024)
        maximumSegmentAge = options.maximumSegmentAge
    }

    /// The header fields of a segment this writer creates.
    var headerDepth: (depth: Int, blocks: Int) {
        (commitDepth, commitDepth > 1 ? min(alignUp(inFlightBytes, SegmentLayout.blockSize) / SegmentLayout.blockSize, Int(UInt16.max)) : 0)
    }
}
