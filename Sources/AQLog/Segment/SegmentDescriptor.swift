/// What recovery learned about one segment file, without reading its records when sealed.
public struct SegmentDescriptor: Sendable, Equatable {
    /// Full path of the segment file.
    public var path: String
    package var header: SegmentHeader
    /// Checksum of the header (chained into the trailer).
    package var headerChecksum: UInt32
    /// The trailer when the segment is sealed.
    package var trailer: SegmentTrailer?
    /// Checksum of the trailer (the next segment's `previousDigest`), when sealed.
    package var trailerChecksum: UInt32?
    /// Last record's sequence (`baseSequence - 1` when the segment holds none).
    public var lastSequence: UInt64
    /// Offset just past the last committed frame.
    public var dataEnd: Int

    /// The segment's first sequence: its header's base sequence, the number in its file name.
    public var baseSequence: UInt64 { header.baseSequence }
    /// True when the segment has its index and trailer: it is complete, and recovery trusts
    /// its ends without scanning it. Only the log's last segment may be unsealed.
    public var isSealed: Bool { trailer != nil }
    /// The file's size in bytes, as its header records it (recovery refuses a file of another size).
    public var segmentSize: Int { Int(header.segmentSize) }
    /// Records in the segment (0 when it holds none).
    public var recordCount: Int { Int(lastSequence &- header.baseSequence &+ 1) }
    /// The file name within the log directory (``SegmentName/fileName(baseSequence:)``).
    public var fileName: String { LogDirectoryLayout.name(of: path) }
    /// The on-disk format version the segment was written in (docs/FORMAT.md).
    public var formatVersion: Int { Int(header.version) }
    /// The most commits its writer kept in flight (1 for a writer that kept one).
    public var commitDepth: Int { header.commitDepth }
}
