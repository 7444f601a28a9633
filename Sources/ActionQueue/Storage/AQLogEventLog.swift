import AQLog

/// ``EventLog`` over AQLog's segmented log: appends through a `LogWriter` (which owns the
/// directory lock), reads through a fresh `LogReader` per iteration, and records the
/// compaction checkpoint through `writeCheckpoint` (by default AQLog's
/// `Checkpoint.write(directory:sequence:)`).
///
/// Close it (``close()``) when done: that releases the directory's writer lock.
///
/// ```swift
/// let log = try AQLogEventLog.open(directory: "/var/lib/app/events", durability: .deferred)
/// defer { try? log.close() }
/// ```
public final class AQLogEventLog: EventLog {
    /// The log directory.
    public let directory: String
    /// The writer every append and flush goes through; it holds the directory's writer lock.
    public let writer: LogWriter
    private let checkpointWriter: (UInt64) throws -> Void

    /// Wraps an open writer for `directory`.
    public init(directory: String, writer: LogWriter, writeCheckpoint: @escaping (UInt64) throws -> Void) {
        self.directory = directory
        self.writer = writer
        self.checkpointWriter = writeCheckpoint
    }

    /// Opens (or creates) the log in `directory`; checkpoints go to AQLog's checkpoint file
    /// (reporting to `options.logger`) unless `writeCheckpoint` says otherwise.
    ///
    /// `durability` is the writer's: under `.sync` (the default) an append is durable when it
    /// returns, and ``MutationAuthority``'s ``DurabilityPolicy/immediate`` flush costs nothing
    /// more; under `.deferred` an append reaches the page cache and a ``flush()`` makes it
    /// durable (``DurabilityPolicy/deferred`` then skips the flush). `.group` behaves as `.sync`
    /// for this single-owner writer.
    ///
    /// - Throws: AQLog's `LogError` from `LogWriter.open(directory:options:durability:)`, for
    ///   example `logLocked` while another writer holds the directory, or `corruption`.
    public static func open(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                            writeCheckpoint: ((UInt64) throws -> Void)? = nil) throws(LogError) -> AQLogEventLog {
        let checkpoint = writeCheckpoint ?? { [logger = options.logger] sequence in
            try Checkpoint.write(directory: directory, sequence: sequence, logger: logger)
        }
        return AQLogEventLog(directory: directory, writer: try LogWriter.open(directory: directory, options: options, durability: durability),
                             writeCheckpoint: checkpoint)
    }

    /// The writer's last appended sequence (0 for an empty log); survives compaction.
    public var lastSequence: UInt64 { writer.lastSequence }

    /// Appends through `LogWriter.append(_:expectedSequence:)`; returns the record's sequence.
    ///
    /// - Throws: AQLog's `LogError`: `sequenceViolation` (nothing appended) when
    ///   `expectedSequence` is not the next sequence, `recordTooLarge`, `poisoned`, `io`, ….
    public func append(_ payload: [UInt8], expectedSequence: UInt64) throws -> UInt64 {
        try writer.append(payload, expectedSequence: expectedSequence)
    }

    /// Syncs the writer (`LogWriter.flush()`). A failed sync poisons the writer: reopen the log.
    public func flush() throws { try writer.flush() }

    /// Opens a fresh `LogReader` and calls `body` for every record from `sequence` through the
    /// last one it sees, in order; the payload view is valid only inside `body`.
    ///
    /// When `sequence` was compacted away the walk starts at the first record the log still
    /// holds; ``LogReplayer`` reports that gap as
    /// ``RecoveryError/logHeadMissing(expected:found:)``.
    public func forEach(from sequence: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        let reader = try LogReader.open(directory: directory)
        try reader.forEach(from: sequence, ifCompacted: .startAtFirstAvailable) { seq, payload in
            try body(seq, payload)
            return true
        }
    }

    /// Closes the writer (`LogWriter.close()`): syncs what was appended and releases the
    /// directory's lock. Appends after it throw `LogError.closed`.
    public func close() throws(LogError) { try writer.close() }

    /// Calls the checkpoint closure given at creation; the default, AQLog's
    /// `Checkpoint.write(directory:sequence:)`, refuses a sequence above the log's last durable
    /// one.
    public func writeCheckpoint(sequence: UInt64) throws { try checkpointWriter(sequence) }
}
