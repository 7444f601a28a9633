/// The storage the ActionQueue layer needs from a log: dense sequences, append with an
/// expected sequence, flush, ordered reads and a compaction checkpoint.
///
/// ``AQLogEventLog`` adapts AQLog's `LogWriter`/`LogReader`/`Checkpoint`;
/// ``InMemoryEventLog`` is the fault-injecting implementation the tests drive.
public protocol EventLog: AnyObject {
    /// Sequence of the last appended record (0 when empty). Survives compaction.
    var lastSequence: UInt64 { get }
    /// Appends `payload` as record `expectedSequence`, which must be `lastSequence + 1`.
    func append(_ payload: [UInt8], expectedSequence: UInt64) throws -> UInt64
    /// Makes every appended record durable.
    func flush() throws
    /// Calls `body` with each record from `sequence` on, in order; the view is valid only
    /// inside the call.
    func forEach(from sequence: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws
    /// Records `sequence` as the point at or below which compaction may drop records.
    func writeCheckpoint(sequence: UInt64) throws
}

/// A storage failure reported through ``EventLog``, kept as text so errors stay `Equatable`.
public struct EventLogFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The failure's text.
    public var description: String
    /// Keeps the text of `error` (`String(describing:)`).
    public init(_ error: any Error) { description = String(describing: error) }
    /// A failure with the given text.
    public init(description: String) { self.description = description }
}
