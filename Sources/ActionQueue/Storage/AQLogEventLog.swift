import AQLog

/// ``EventLog`` over AQLog's segmented log: appends through a `LogWriter` (which owns the
/// directory lock), reads through a fresh `LogReader` per iteration, and records the
/// compaction checkpoint through `writeCheckpoint` (by default AQLog's
/// `Checkpoint.write(directory:sequence:)`).
public final class AQLogEventLog: EventLog {
    public let directory: String
    public let writer: LogWriter
    private let checkpointWriter: (UInt64) throws -> Void

    /// Wraps an open writer for `directory`.
    public init(directory: String, writer: LogWriter, writeCheckpoint: @escaping (UInt64) throws -> Void) {
        self.directory = directory
        self.writer = writer
        self.checkpointWriter = writeCheckpoint
    }

    /// Opens (or creates) the log in `directory` with AQLog's default options; checkpoints go
    /// to AQLog's checkpoint file unless `writeCheckpoint` says otherwise.
    public static func open(directory: String, options: LogOptions = .init(),
                            writeCheckpoint: ((UInt64) throws -> Void)? = nil) throws(LogError) -> AQLogEventLog {
        let checkpoint = writeCheckpoint ?? { sequence in try Checkpoint.write(directory: directory, sequence: sequence) }
        return AQLogEventLog(directory: directory, writer: try LogWriter.open(directory: directory, options: options),
                             writeCheckpoint: checkpoint)
    }

    public var lastSequence: UInt64 { writer.lastSequence }

    public func append(_ payload: [UInt8], expectedSequence: UInt64) throws -> UInt64 {
        try writer.append(payload, expectedSequence: expectedSequence)
    }

    public func flush() throws { try writer.flush() }

    public func forEach(from sequence: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        let reader = try LogReader.open(directory: directory)
        try reader.forEach(from: sequence) { seq, payload in
            try body(seq, payload)
            return true
        }
    }

    public func writeCheckpoint(sequence: UInt64) throws { try checkpointWriter(sequence) }
}
