/// A sealed segment handed to an archiver's `send` (``LogArchiver``).
///
/// The file is immutable (sealed) and stays in place while `send` runs: compaction never
/// removes a segment that is not archived. `send` must store it atomically and durably under
/// ``fileName`` (a partial object must never be taken for the segment), succeed when an
/// identical object is already there (a retry after a crash between storing and recording),
/// and refuse to replace a different one (docs/OPERATIONS.md, "Archiving").
public struct ArchiveSegment: Sendable, Equatable {
    /// The segment file's path.
    public var path: String
    /// Its name, which is also the name restore asks for: the base sequence in 20 digits and `.seg`.
    public var fileName: String { LogDirectoryLayout.name(of: path) }
    /// Its first sequence.
    public var firstSequence: UInt64
    /// Its last sequence.
    public var lastSequence: UInt64
    /// Its size in bytes.
    public var bytes: Int

    /// The segment file at `path` holding `firstSequence...lastSequence` in `bytes` bytes.
    public init(path: String, firstSequence: UInt64, lastSequence: UInt64, bytes: Int) {
        self.path = path
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.bytes = bytes
    }
}

/// Why archiving or restoring stopped.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    /// The log (or its `ARCHIVED` file) could not be read, is locked, or is damaged; for a
    /// restore, also a fetched segment that is damaged or does not continue the log
    /// (``LogError/corruption(_:)``, naming it).
    case log(LogError)
    /// `send` threw for this segment (its path); nothing from it was recorded as archived.
    case sendFailed(segment: String, underlying: any Error)
    /// `fetch` threw for this segment name; what was restored before it stays.
    case fetchFailed(segment: String, underlying: any Error)
    /// The `ARCHIVED` file is damaged: nothing is sent until it is reset
    /// (``ArchiveState/stopArchiving(directory:storage:)``); compaction meanwhile removes nothing.
    case damagedState(ArchiveStateDamage)

    /// One line naming the segment and the cause.
    public var description: String {
        switch self {
        case .log(let error): return error.description
        case .sendFailed(let segment, let error): return "\(segment): archiving failed: \(error)"
        case .fetchFailed(let segment, let error): return "\(segment): fetching from the archive failed: \(error)"
        case .damagedState(let damage): return "\(damage); reset it with aq-wal archive --stop"
        }
    }
}

/// What one archiving run did.
public struct ArchiveReport: Sendable, Equatable {
    /// Segments sent and recorded, oldest first.
    public var sent: [ArchiveSegment] = []
    /// The log's archive state after the run, from the segments' headers and trailers (the
    /// open segment is listed with no record: it is not read).
    public var status: ArchiveStatus
    /// Wall time of the run.
    public var duration: Duration = .zero
}
