/// How much history ``Compactor`` keeps in addition to what the checkpoint requires.
///
/// Both limits are floors: compaction removes the oldest sealed segment only while the
/// segments that remain still number at least ``keepSegments`` and hold at least
/// ``keepBytes`` bytes (the open segment counts towards both and is never removed).
///
/// With a valid checkpoint, nothing above it is ever removed and the floors keep extra
/// history. Without a checkpoint (an operator with no snapshots who wants to bound disk use),
/// the floors alone decide; with neither, nothing is removed.
public struct RetentionPolicy: Sendable, Equatable {
    /// Keep at least this many of the newest segments (nil: no floor).
    public var keepSegments: Int?
    /// Keep at least this many bytes of the newest segments (nil: no floor).
    public var keepBytes: Int?

    /// The escape hatch for a consumer that is gone: a ``ConsumerCursor`` more than this many
    /// records behind the log's last sequence is dropped by compaction (a warning is logged)
    /// instead of holding segments for ever: in a run that then removes a segment holding
    /// records it has not processed (never in one where it holds nothing back). nil (the default): cursors hold until moved or
    /// dropped by hand.
    public var maxConsumerLag: UInt64?

    /// Floors of `keepSegments` segments and `keepBytes` bytes; nil (the default) sets no
    /// floor, so `RetentionPolicy()` keeps nothing beyond what the checkpoint requires.
    /// `maxConsumerLag` drops cursors lagging more than that many records.
    public init(keepSegments: Int? = nil, keepBytes: Int? = nil, maxConsumerLag: UInt64? = nil) {
        self.keepSegments = keepSegments
        self.keepBytes = keepBytes
        self.maxConsumerLag = maxConsumerLag
    }

    /// True when at least one floor is set.
    public var isSet: Bool { keepSegments != nil || keepBytes != nil }

    /// Whether `remainingSegments` segments of `remainingBytes` bytes still satisfy the floors.
    func allows(remainingSegments: Int, remainingBytes: Int) -> Bool {
        remainingSegments >= (keepSegments ?? 0) && remainingBytes >= (keepBytes ?? 0)
    }
}
