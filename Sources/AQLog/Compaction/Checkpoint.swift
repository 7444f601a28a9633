import Logging

/// The log's checkpoint: the sequence through which records may be discarded (for example
/// because a snapshot covers them). ``Compactor`` removes only sealed segments entirely at or
/// below it.
///
/// The `CHECKPOINT` file (layout in `CheckpointFormat`) is replaced atomically: the new value
/// is written to a uniquely named temporary file, `fdatasync`ed, renamed over `CHECKPOINT`,
/// and the directory is synced. A crash leaves either the old or the new value (plus, at
/// worst, an ignored `CHECKPOINT.tmp.*` file). A torn or corrupt file reads as
/// ``CheckpointStatus/damaged(_:)``, which compaction treats as "no checkpoint".
///
/// ```swift
/// try Checkpoint.write(directory: "/var/lib/app/wal", sequence: snapshot.lastSequence)
/// if let through = try Checkpoint.read(directory: "/var/lib/app/wal").sequence { … }
/// ```
public enum Checkpoint {
    /// Prefix of temporary files; a crash may leave one behind, which is harmless.
    public static let temporaryPrefix = LogDirectoryLayout.checkpointFile + ".tmp."

    /// Records `sequence` as the log's checkpoint (atomically, durably).
    ///
    /// Waits (up to 10 s, then ``LogError/logLocked(path:)``) while a compaction or a consumer
    /// cursor's registration holds `COMPACT.LOCK`; writes without it when this user may not open
    /// that file.
    ///
    /// Refuses (``LogError/invalidArgument(_:)``, nothing written) a sequence above the log's
    /// last durable sequence: the one a live writer published in its lock, else the last one
    /// a read-only recovery pass finds (flush a `.deferred` log first); throws the recovery's
    /// error when the log is corrupt, and ``LogError/notFound(path:)`` without a log directory.
    /// Reports to `logger` (`nil`: label `aqlog`).
    public static func write(directory: String, sequence: UInt64, logger: Logger? = nil) throws(LogError) {
        try write(directory: directory, sequence: sequence, storage: PosixStorage(), logger: logger)
    }

    /// ``write(directory:sequence:logger:)-(String,_,_)`` over an explicit ``Storage``.
    public static func write(directory: String, sequence: UInt64, storage: any Storage, logger: Logger? = nil) throws(LogError) {
        try storage.requireDirectory(directory)
        let last = try lastDurableSequence(directory: directory, storage: storage)
        guard sequence <= last else {
            throw .invalidArgument("\(directory): checkpoint \(sequence) is above the log's last durable sequence \(last)")
        }
        // Under the compaction lock, so a cursor registered or dropped meanwhile never has its
        // record in this file overwritten by one computed before it. A lock file this user may
        // not open (created by an operator's compaction as another user) must not stop
        // checkpoints: the record it protects matters only to older binaries, and compaction
        // restores it.
        let record = { () throws(LogError) in
            try replace(directory: directory, with: .init(sequence: sequence, holds: try holdsPresent(directory: directory, storage: storage)),
                        storage: storage)
        }
        do { try CompactionLock.withLock(directory: directory, storage: storage, waiting: .seconds(10), record) } catch {
            guard case .io(let failure) = error, failure.errno == .permissionDenied,
                  failure.path.hasSuffix(CompactionLock.fileName) else { throw error }
            try record()
        }
        logger.orDefault.debug("checkpoint written", metadata: ["directory": "\(directory)", "sequence": "\(sequence)"])
    }

    /// The log's last durable sequence: the one a live writer published in its lock, else the
    /// last one a read-only recovery pass finds. A live writer knows better than the files: a
    /// `.deferred` one has written (and acknowledged) records that a power loss could still
    /// take. One that has published nothing yet is opening: its recovery is about to sync what
    /// this pass recovered, as it would with no writer. Asked before the pass (its durable
    /// point only grows), which also tells the pass whether a writer is there.
    ///
    /// With no writer, what the files hold may be a crashed `.deferred` writer's records still
    /// only in the page cache: the open segment is synced before its last sequence is
    /// returned, so a checkpoint or cursor set at it never outlives those records at a power
    /// loss (and then names a sequence past the log's end).
    package static func lastDurableSequence(directory: String, storage: any Storage) throws(LogError) -> UInt64 {
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        let writer = try io { () throws(IOFailure) in try storage.writerProgress(lockPath: lockPath) }
        let outcome = try LogRecovery(storage: storage, directory: directory).recoverBesideWriter(writerBefore: writer != nil)
        defer { outcome.open?.file.close() }
        if writer == nil, let open = outcome.open { try io { () throws(IOFailure) in try open.file.syncData() } }
        let recovered = outcome.report.lastSequence
        return if let writer, writer != .nothing { min(recovered, writer.durableThrough) } else { recovered }
    }

    /// Makes the file record the holds that exist now (``CompactionHolds``), keeping its
    /// sequence: version 2 while any hold exists, version 1 (or no file, when it records no
    /// sequence) once none does. Leaves a damaged file alone (compaction removes nothing while
    /// it is damaged, and it is the operator's evidence). `adding`: holds about to be created,
    /// recorded first so a crash in between leaves a record without a hold (the safe way
    /// round), never a hold without its record. The caller holds the compaction lock.
    static func recordHolds(directory: String, storage: any Storage, adding: CompactionHolds = []) throws(LogError) {
        let holds = try holdsPresent(directory: directory, storage: storage).union(adding)
        let current: CheckpointFormat.Content
        switch try readContent(directory: directory, storage: storage) {
        case .damaged: return
        case .absent: current = .init(sequence: nil)
        case .valid(let content): current = content
        }
        guard current.holds != holds else { return }
        if current.sequence == nil, holds.isEmpty {
            let path = LogDirectoryLayout.join(directory, LogDirectoryLayout.checkpointFile)
            try io { () throws(IOFailure) in
                try storage.removeFile(path)
                try storage.syncDirectory(directory)
            }
            return
        }
        try replace(directory: directory, with: .init(sequence: current.sequence, holds: holds), storage: storage)
    }

    /// The holds the directory's contents establish.
    static func holdsPresent(directory: String, storage: any Storage) throws(LogError) -> CompactionHolds {
        var holds: CompactionHolds = try ConsumerCursor.anyRegistered(directory: directory, storage: storage) ? .consumerCursors : []
        if try ArchiveState.read(directory: directory, storage: storage) != .notArchiving { holds.insert(.archive) }
        return holds
    }

    private static func replace(directory: String, with content: CheckpointFormat.Content, storage: any Storage) throws(LogError) {
        let bytes = CheckpointFormat.encode(content)
        let temporary = LogDirectoryLayout.join(directory, temporaryPrefix + String(UInt64.random(in: 0...UInt64.max), radix: 16))
        let final = LogDirectoryLayout.join(directory, LogDirectoryLayout.checkpointFile)
        try io { () throws(IOFailure) in try storage.writeAtomically(bytes, to: final, temporary: temporary, directory: directory) }
    }

    /// The checkpoint recorded in `directory`: absent, a valid sequence, or damaged (reported
    /// with file, offset and reason, and to be treated as absent). Throws only when the
    /// directory is missing or the file cannot be read. A damaged file is reported to `logger`
    /// (`nil`: label `aqlog`) as a warning.
    public static func read(directory: String, storage: any Storage = PosixStorage(), logger: Logger? = nil) throws(LogError) -> CheckpointStatus {
        switch try readContent(directory: directory, storage: storage) {
        case .absent: return .absent
        case .valid(let content): return content.sequence.map { .recorded($0) } ?? .absent
        case .damaged(let damage):
            logger.orDefault.warning("damaged checkpoint treated as absent", metadata: [
                "file": "\(damage.file)", "offset": "\(damage.offset)", "reason": "\(damage.reason)"])
            return .damaged(damage)
        }
    }

    /// What the file holds, holds included.
    enum Content {
        case absent
        case valid(CheckpointFormat.Content)
        case damaged(CheckpointDamage)
    }

    static func readContent(directory: String, storage: any Storage) throws(LogError) -> Content {
        try storage.requireDirectory(directory)
        let path = LogDirectoryLayout.join(directory, LogDirectoryLayout.checkpointFile)
        let names = try io { () throws(IOFailure) in try storage.listDirectory(directory) }
        guard names.contains(LogDirectoryLayout.checkpointFile) else { return .absent }
        let file: any StorageFile
        do { file = try storage.openFileForReading(path) } catch {
            if error.errno == .noSuchFileOrDirectory { return .absent }
            throw .io(error)
        }
        defer { file.close() }
        let size = try io { () throws(IOFailure) in try file.size() }
        // Read at most one byte more than a valid file holds, so oversize is detected cheaply.
        var bytes = [UInt8](repeating: 0, count: min(size, CheckpointFormat.size + 1))
        var read = Result<Int, IOFailure>.success(0)
        bytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.read(into: b, at: 0) } }
        let n = try io { () throws(IOFailure) in try read.get() }
        switch bytes.withUnsafeBytes({ CheckpointFormat.decode(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
        case .success(let content): return .valid(content)
        case .failure(let problem): return .damaged(CheckpointDamage(file: path, offset: problem.offset, reason: problem.reason))
        }
    }
}

/// What reading the checkpoint file found.
public enum CheckpointStatus: Sendable, Equatable, CustomStringConvertible {
    /// No `CHECKPOINT` file.
    case absent
    /// A valid checkpoint at this sequence.
    case recorded(UInt64)
    /// A torn or corrupt file: treated as no checkpoint (never as some other value).
    case damaged(CheckpointDamage)

    /// This status in a log whose last sequence is `logEnd` (`directory`'s): a checkpoint past
    /// it is damaged. A checkpoint is written only at or below a durable sequence, so past the
    /// log's end it belongs to another log (segments replaced by older copies) or was crafted;
    /// compaction acts on neither, and `verify` and `inspect` report it as they report a
    /// damaged file.
    package func checked(logEnd: UInt64, directory: String) -> CheckpointStatus {
        guard case .recorded(let sequence) = self, sequence > logEnd else { return self }
        return .damaged(CheckpointDamage(file: LogDirectoryLayout.join(directory, LogDirectoryLayout.checkpointFile), offset: 16,
                                         reason: "checkpoint sequence \(sequence) above the log's last sequence \(logEnd)"))
    }

    /// The checkpoint sequence to act on: nil when absent or damaged.
    public var sequence: UInt64? {
        if case .recorded(let s) = self { return s }
        return nil
    }

    /// Stable name: `absent`, `recorded` or `damaged`.
    public var code: String {
        switch self {
        case .absent: return "absent"
        case .recorded: return "recorded"
        case .damaged: return "damaged"
        }
    }

    /// `no checkpoint`, `checkpoint at sequence N`, or the damage's own one-line description.
    public var description: String {
        switch self {
        case .absent: return "no checkpoint"
        case .recorded(let s): return "checkpoint at sequence \(s)"
        case .damaged(let d): return d.description
        }
    }
}

/// Where and why a checkpoint file is unusable.
public struct CheckpointDamage: Error, Sendable, Equatable, CustomStringConvertible {
    /// The checkpoint file.
    public var file: String
    /// Offset of the first bad field.
    public var offset: Int
    /// What is wrong there.
    public var reason: String

    /// `<file>: damaged checkpoint at offset <offset>: <reason>`, ending with what compaction
    /// does about it (treats it as no checkpoint).
    public var description: String { "\(file): damaged checkpoint at offset \(offset): \(reason) (treated as no checkpoint)" }
}
