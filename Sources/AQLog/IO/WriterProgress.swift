/// How far a live writer has got, as published in its lock. Each field only grows while one
/// writer holds the lock. ``nothing`` (all zero) means the holder has published nothing yet:
/// it is opening (recovering) or repairing the log, or the log is empty.
public struct WriterProgress: Sendable, Equatable {
    /// Nothing published: readers read nothing of the open segment.
    public static let nothing = WriterProgress(readableThrough: 0, durableThrough: 0)

    /// Readers may read through this sequence: what the writer acknowledged (synced records,
    /// or written ones for a `.deferred` writer).
    public var readableThrough: UInt64
    /// Records through this sequence are synced.
    public var durableThrough: UInt64

    /// Progress with these two points. No order between them is required: a holder that has
    /// just started publishing has readable point 0 and the previous holder's durable point.
    public init(readableThrough: UInt64, durableThrough: UInt64) {
        self.readableThrough = readableThrough
        self.durableThrough = durableThrough
    }
}
