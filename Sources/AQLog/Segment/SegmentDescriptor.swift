/// What recovery learned about one segment file, without reading its records when sealed.
public struct SegmentDescriptor: Sendable, Equatable {
    /// Full path of the segment file.
    public var path: String
    public var header: SegmentHeader
    /// Checksum of the header (chained into the trailer).
    public var headerChecksum: UInt32
    /// The trailer when the segment is sealed.
    public var trailer: SegmentTrailer?
    /// Checksum of the trailer (the next segment's `previousDigest`), when sealed.
    public var trailerChecksum: UInt32?
    /// Last record's sequence (`baseSequence - 1` when the segment holds none).
    public var lastSequence: UInt64
    /// Offset just past the last committed frame.
    public var dataEnd: Int

    public var baseSequence: UInt64 { header.baseSequence }
    public var isSealed: Bool { trailer != nil }
    public var segmentSize: Int { Int(header.segmentSize) }
    public var recordCount: Int { Int(lastSequence &- header.baseSequence &+ 1) }
    public var fileName: String { LogDirectoryLayout.name(of: path) }
}
