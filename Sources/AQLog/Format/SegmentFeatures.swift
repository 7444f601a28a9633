/// Features a segment's bytes use that a reader must understand to read them
/// (the header's required-features field, docs/FORMAT.md).
///
/// A reader refuses a segment that sets a bit it does not know (`unsupported_features`),
/// so an older binary never misreads, repairs or compacts a log written with a newer
/// feature: it stops at the header, with the file named.
public struct SegmentFeatures: OptionSet, Sendable, Hashable {
    /// The bits as stored in the header's required-features field (offset 52).
    public let rawValue: UInt32
    /// The set with exactly these bits, known or not (``known`` holds those this version reads).
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The writer may have had more than one commit in flight (the header's commit depth is
    /// above 1): a batch begun while another was in flight starts on a fresh 4096-byte block
    /// after zero padding, and up to `commitDepth` batches after the last vouched point may be
    /// torn at a crash, a later one intact after an earlier damaged one.
    public static let pipelinedCommits = SegmentFeatures(rawValue: 1 << 0)

    /// The writer kept the log's `HIGHWATER` record for this segment while it was open: it
    /// never wrote past the mark recorded there before recording a higher one, synced, so
    /// recovery trusts the zeros past a valid mark and scans only up to it. A writer that does
    /// not keep the record must not append to the segment: an older binary refuses it.
    public static let highWaterMark = SegmentFeatures(rawValue: 1 << 1)

    /// Every feature this version reads.
    public static let known: SegmentFeatures = [.pipelinedCommits, .highWaterMark]
}
