import AQLog

/// The records of an AQLog directory as seen by one `LogReader`, for recovery.
///
/// It reads what the reader saw when it was opened (``lastSequence`` does not move), which is
/// what recovery under a `Log` needs: open the `Log` first (its recovery settles the tail),
/// then read its directory with this, then hand both to ``AsyncMutationAuthority``.
///
/// ```swift
/// let log = try Log.open(directory: "/var/lib/app/events")
/// let result = try RecoveryBootstrap.recover(
///     log: try LogDirectoryEvents(directory: "/var/lib/app/events"), snapshots: nil)
/// ```
public struct LogDirectoryEvents: EventLogReading {
    /// The log directory.
    public let directory: String
    private let reader: LogReader

    /// Opens a reader over `directory` through `storage` (AQLog's POSIX storage by default).
    ///
    /// - Throws: AQLog's `LogError` from `LogReader(directory:storage:)`.
    public init(directory: String, storage: any Storage = PosixStorage()) throws(LogError) {
        self.directory = directory
        reader = try LogReader(directory: directory, storage: storage)
    }

    /// The last sequence the reader saw when it was opened (0 for an empty log).
    public var lastSequence: UInt64 { reader.lastSequence }

    /// Calls `body` for every record from `sequence` through ``lastSequence``, in order.
    ///
    /// When `sequence` was compacted away the walk starts at the first record the log still
    /// holds; ``LogReplayer`` reports that gap as ``RecoveryError/logHeadMissing(expected:found:)``.
    public func forEach(from sequence: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard sequence <= reader.lastSequence else { return }
        try reader.forEach(from: max(sequence, 1), through: reader.lastSequence, ifCompacted: .startAtFirstAvailable) { seq, payload in
            try body(seq, payload)
            return true
        }
    }
}
