import AQLog

/// The reads recovery needs from a log: its last sequence and its records in order.
///
/// ``EventLog`` refines it; ``LogDirectoryEvents`` reads an AQLog directory through a
/// `LogReader` (recovery under an ``AsyncMutationAuthority``, whose writer is a `Log`).
public protocol EventLogReading {
    /// Sequence of the last record (0 when empty). Survives compaction.
    var lastSequence: UInt64 { get }
    /// Calls `body` with each record from `sequence` on, in order; the view is valid only
    /// inside the call.
    func forEach(from sequence: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws
}

/// The storage the ActionQueue layer needs from a log: dense sequences, append with an
/// expected sequence, flush, ordered reads and a compaction checkpoint.
///
/// ``AQLogEventLog`` adapts AQLog's `LogWriter`/`LogReader`/`Checkpoint`;
/// ``InMemoryEventLog`` is the fault-injecting implementation the tests drive.
public protocol EventLog: AnyObject, EventLogReading {
    /// Appends `payload` as record `expectedSequence`, which must be `lastSequence + 1`.
    func append(_ payload: [UInt8], expectedSequence: UInt64) throws -> UInt64
    /// Makes every appended record durable.
    func flush() throws
    /// Records `sequence` as the point at or below which compaction may drop records.
    func writeCheckpoint(sequence: UInt64) throws
}

/// A storage failure reported through ``EventLog`` or the log under an authority.
///
/// It keeps AQLog's `LogError` when the failure was one (``logError``), so a caller can tell
/// `closed` from `io` (`ENOSPC`, `EIO`, …) or `poisoned` by its case; any other error (an
/// in-memory test log's) is kept as its text. Two failures are equal when their texts and
/// their `LogError`s are.
public struct EventLogFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The failure's text.
    public var description: String
    /// The AQLog error behind the failure, when it was one.
    public var logError: LogError?

    /// Keeps `error` as ``logError`` when it is a `LogError`, and its text
    /// (`String(describing:)`).
    public init(_ error: any Error) {
        description = String(describing: error)
        logError = error as? LogError
    }

    /// A failure with the given text and no `LogError`.
    public init(description: String) {
        self.description = description
        logError = nil
    }

    /// Equal texts and equal `LogError`s (or both without one).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.description == rhs.description && lhs.logError == rhs.logError
    }

    /// Hashes the text (equal failures have equal texts).
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
