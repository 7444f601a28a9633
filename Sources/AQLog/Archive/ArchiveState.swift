/// What the log's `ARCHIVED` file says (docs/FORMAT.md): whether archiving began, and through
/// which sequence the sealed segments were sent.
///
/// Once archiving began, compaction (``Compactor``, `aq-wal compact`) never removes a segment
/// that is not archived, whatever the checkpoint; the checkpoint file records the hold
/// (``CompactionHolds/archive``), so a binary that does not know it removes nothing either.
public enum ArchiveState: Sendable, Equatable, CustomStringConvertible {
    /// No `ARCHIVED` file: the log is not archived, and compaction follows the checkpoint alone.
    case notArchiving
    /// Every sealed segment whose last sequence is at or below this one was archived (0:
    /// archiving began, nothing sent yet).
    case archived(through: UInt64)
    /// A torn or corrupt file: compaction removes nothing, archiving refuses.
    case damaged(ArchiveStateDamage)

    /// The file's name in the log directory.
    public static let fileName = "ARCHIVED"

    /// Whether the sealed segment ending at `lastSequence` was archived.
    public func hasArchived(lastSequence: UInt64) -> Bool {
        if case .archived(let through) = self { return lastSequence <= through }
        return false
    }

    /// `not archiving`, `archived through sequence N` (`archiving, nothing sent yet` for 0:
    /// a first run that has sent no segment), or the damage.
    public var description: String {
        switch self {
        case .notArchiving: return "not archiving"
        case .archived(0): return "archiving, nothing sent yet"
        case .archived(let through): return "archived through sequence \(through)"
        case .damaged(let d): return d.description
        }
    }

    /// The state recorded in `directory`. Throws only when the directory is missing or the file
    /// cannot be read.
    public static func read(directory: String, storage: any Storage = PosixStorage()) throws(LogError) -> ArchiveState {
        try storage.requireDirectory(directory)
        let path = LogDirectoryLayout.join(directory, fileName)
        let bytes: [UInt8]
        do { bytes = try storage.readWholeFile(path, limit: ArchiveStateFormat.size + 1) } catch {
            if error.errno == .noSuchFileOrDirectory { return .notArchiving }
            if error.errno == .fileTooLarge { return .damaged(.init(file: path, offset: ArchiveStateFormat.size, reason: "trailing bytes")) }
            throw .io(error)
        }
        switch bytes.withUnsafeBytes({ ArchiveStateFormat.decode($0) }) {
        case .success(let through): return .archived(through: through)
        case .failure(var damage):
            damage.file = path
            return .damaged(damage)
        }
    }

    /// Records that the log is archived through `through`, atomically. The first record of a
    /// log is made durable (directory synced), under the compaction lock, after the checkpoint
    /// file records the hold: a compaction that starts later keeps every segment not yet sent.
    /// Later records replace it with a synced file but leave the rename undurable (one flush,
    /// not two, per archived segment): a crash may bring back the previous record, never a
    /// damaged one, and that only sends a segment again (which the archive takes as identical)
    /// or keeps one a little longer. It never claims a segment the archive does not hold.
    static func record(through: UInt64, directory: String, storage: any Storage) throws(LogError) {
        let write = { (durable: Bool) throws(LogError) in
            let path = LogDirectoryLayout.join(directory, fileName)
            let temporary = path + ".tmp." + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            try io { () throws(IOFailure) in
                try storage.writeAtomically(ArchiveStateFormat.encode(through: through), to: path, temporary: temporary,
                                            directory: directory, syncingDirectory: durable)
            }
        }
        guard case .notArchiving = try read(directory: directory, storage: storage) else { return try write(false) }
        try CompactionLock.withLock(directory: directory, storage: storage, waiting: .seconds(10)) { () throws(LogError) in
            try Checkpoint.recordHolds(directory: directory, storage: storage, adding: .archive)
            try write(true)
        }
    }

    /// Ends archiving: removes `ARCHIVED` (and the hold it puts on compaction) under the
    /// compaction lock. The escape hatch when the archive is gone for good and held segments
    /// fill the disk; a later archive run starts again from the oldest sealed segment left, so
    /// stop whatever archives the log first (a cron job, ``LogOptions/archiving``). Holds
    /// `ARCHIVE.LOCK` meanwhile: throws ``LogError/logLocked(path:)`` naming it while an
    /// archive run holds it.
    public static func stopArchiving(directory: String, storage: any Storage = PosixStorage()) throws(LogError) {
        try storage.requireDirectory(directory)
        let lockPath = LogDirectoryLayout.join(directory, LogArchiver.lockFile)
        let archiving: any StorageLock
        do { archiving = try storage.lockExclusive(lockPath) } catch {
            throw error.errno == .wouldBlock ? .logLocked(path: lockPath) : .io(error)
        }
        defer { archiving.release() }
        try CompactionLock.withLock(directory: directory, storage: storage, waiting: .seconds(10)) { () throws(LogError) in
            do throws(IOFailure) {
                try storage.removeFile(LogDirectoryLayout.join(directory, fileName))
                try storage.syncDirectory(directory)
            } catch where error.errno == .noSuchFileOrDirectory {
            } catch { throw .io(error) }
            try Checkpoint.recordHolds(directory: directory, storage: storage)
        }
    }
}
