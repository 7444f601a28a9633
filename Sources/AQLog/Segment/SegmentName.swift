/// Segment file naming: the base sequence, zero-padded to 20 digits, so that name order is
/// sequence order (`00000000000000000001.seg`).
public enum SegmentName {
    /// The segment file extension, `.seg`.
    public static let suffix = ".seg"
    /// Suffix of a zero-filled file prepared for the next roll (one a crash or a close left is
    /// adopted when it has the segment size and its whole data area reads as zeros, else prepared again).
    public static let preparedSuffix = ".prealloc"

    /// The name of the segment file whose first sequence is `baseSequence`: 20 zero-padded
    /// decimal digits, then ``suffix`` (``baseSequence(of:)`` reads it back).
    public static func fileName(baseSequence: UInt64) -> String {
        let digits = String(baseSequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The base sequence a segment file name encodes, or nil for any other name.
    public static func baseSequence(of name: String) -> UInt64? {
        guard name.count == 20 + suffix.count, name.hasSuffix(suffix) else { return nil }
        let digits = name.prefix(20)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }
}

/// The fixed names inside a log directory.
public enum LogDirectoryLayout {
    /// `LOCK`: the writer's lock, which also carries its published ``WriterProgress``
    /// (docs/FORMAT.md).
    public static let lockFile = "LOCK"
    /// `HIGHWATER`: how far the writer may have written in its open segment (docs/FORMAT.md).
    public static let highWaterFile = "HIGHWATER"
    /// `CHECKPOINT`: the file ``Checkpoint`` replaces atomically; absent until one is written.
    public static let checkpointFile = "CHECKPOINT"
    /// `next.prealloc`: the file prepared for the next roll (``SegmentName/preparedSuffix``),
    /// renamed to the new segment's name when the log rolls.
    public static let preparedSegment = "next" + SegmentName.preparedSuffix

    /// The last component of `path` (a file's name within its directory).
    static func name(of path: String) -> String { String(path.split(separator: "/").last ?? "") }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// The directory containing `path` ("." for a bare name).
func parentDirectory(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "." }
    return slash == p.startIndex ? "/" : String(p[..<slash])
}
