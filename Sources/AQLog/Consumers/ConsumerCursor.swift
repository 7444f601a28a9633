/// A named, durable consumer position kept in the log directory: the last sequence a consumer
/// has processed, which compaction never passes (PostgreSQL's replication slots, Kafka's
/// committed offsets).
///
/// A cursor is created by ``register(directory:name:position:storage:lockTimeout:)-(String,_,_,_,_)`` (or
/// `aq-wal consumer set`), which needs write permission on the log directory; the consumer then
/// opens it and advances it with ``commit(_:)``, which needs write permission on the cursor's own
/// file only (`consumers/<name>.cursor`, written in place: docs/FORMAT.md). ``Compactor`` keeps
/// every segment holding a record above the slowest cursor's position until that consumer
/// advances or is dropped (``drop(directory:name:storage:lockTimeout:)-(String,_,_,_)``, `aq-wal consumer drop`, or
/// ``RetentionPolicy/maxConsumerLag``).
///
/// ```swift
/// let cursor = try ConsumerCursor.open(directory: "/var/lib/app/wal", name: "indexer")
/// for try await record in LogTail(resuming: cursor) {
///     try index(record.payload)
///     try cursor.commit(record.sequence)
/// }
/// ```
///
/// A commit is a read of `LOCK`'s record, one 32-byte `pwrite` and an `fdatasync`: commit
/// every N records or every few milliseconds rather than after each one when throughput
/// matters. A commit may move the position backwards (to reprocess), but records compaction
/// already removed stay removed.
public final class ConsumerCursor: Sendable {
    /// The log directory.
    public let directory: String
    /// The consumer's name: 1 to 64 of `A-Z a-z 0-9 . _ -`, not starting with `.`.
    public let name: String
    /// The cursor file.
    public let path: String
    private let storage: any Storage
    private let state: Locked<State>

    private struct State {
        var file: (any StorageFile)?
        var current: ConsumerCursorFormat.Slot
        var slotIndex: Int
    }

    private init(directory: String, name: String, path: String, storage: any Storage, file: any StorageFile,
                 current: ConsumerCursorFormat.Slot, slotIndex: Int) {
        self.directory = directory
        self.name = name
        self.path = path
        self.storage = storage
        self.state = Locked(State(file: file, current: current, slotIndex: slotIndex))
    }

    deinit { close() }

    /// Opens the registered cursor `name` of the log in `directory` for reading and committing.
    ///
    /// Throws ``LogError/invalidArgument(_:)`` for a malformed name or a cursor that is not
    /// registered, ``LogError/corruption(_:)`` (`bad_cursor`) for a damaged file, and
    /// ``LogError/io(_:)`` (for example `EACCES` without write permission on the file). The
    /// storage must write unaligned bytes (``PosixStorage`` with its default write path).
    public static func open(directory: String, name: String, storage: any Storage = PosixStorage()) throws(LogError) -> ConsumerCursor {
        try validate(name: name)
        try storage.requireDirectory(directory)
        let path = self.path(directory: directory, name: name)
        let file: any StorageFile
        do { file = try storage.openFile(path, create: false) } catch {
            if error.errno == .noSuchFileOrDirectory { throw .invalidArgument("\(directory): no consumer named \(name)") }
            throw .io(error)
        }
        do throws(LogError) {
            // A cursor commit is a 32-byte write at offset 0 or 32: not for files written in
            // whole aligned blocks (io_uring with O_DIRECT).
            guard !file.requiresAlignedWrites else {
                throw .invalidArgument("\(path): cursor files need a storage that writes unaligned bytes (PosixStorage(writePath: .posix))")
            }
            let (slot, index) = try read(file)
            return ConsumerCursor(directory: directory, name: name, path: path, storage: storage, file: file, current: slot, slotIndex: index)
        } catch {
            file.close()
            throw error
        }
    }

    /// The last sequence the consumer committed as processed (0: none).
    public var position: UInt64 { state.withLock { $0.current.position } }

    /// Records `position` as the last sequence processed, durably (written into the slot the
    /// current value is not in, then `fdatasync`: a crash leaves the old or the new value).
    ///
    /// Never past the log's durable point, the one its writer records in `LOCK`: a position
    /// above it is recorded as that point, and ``position`` then reads it. A `.deferred`
    /// writer's readers see records before they are durable; after a power loss the log may end
    /// below them and hand their sequences to new records, which a cursor past them would skip
    /// for good. So a consumer of a `.deferred` log processes again, after a restart, what it
    /// read past the last flush (at least once, never lost); with `.sync` and `.group`
    /// everything a reader sees is durable and nothing changes. A log whose `LOCK` holds no
    /// record (written by a version without it, or whose writer has published none) is not
    /// bounded, and a bounded commit never moves the cursor below where it is. Throws ``LogError/closed``
    /// after ``close()`` and ``LogError/io(_:)`` (also when `LOCK` cannot be read).
    public func commit(_ position: UInt64) throws(LogError) {
        if state.withLock({ $0.file == nil }) { throw .closed }
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        let durable = try io { () throws(IOFailure) in try storage.recordedProgress(lockPath: lockPath)?.durableThrough } ?? 0
        let result: Result<Void, LogError> = state.withLock { s in
            // Bounded only when a point is known (0: no record, or a writer that has published
            // none), and never below where the cursor already is: a stale point (after a power
            // loss `LOCK` may lag the segments) holds a cursor back, it does not move it back.
            let position = durable > 0 && position > durable ? max(durable, s.current.position) : position
            guard let file = s.file else { return .failure(.closed) }
            let next = ConsumerCursorFormat.Slot(generation: s.current.generation &+ 1, position: position)
            let index = 1 - s.slotIndex
            let bytes = ConsumerCursorFormat.encode(next)
            var written = Result<Void, IOFailure>.success(())
            bytes.withUnsafeBytes { b in
                written = Result { () throws(IOFailure) in
                    try file.write(b, at: index * ConsumerCursorFormat.slotSize, newBytesFrom: 0, sync: true)
                }
            }
            if case .failure(let failure) = written { return .failure(.io(failure)) }
            s.current = next
            s.slotIndex = index
            return .success(())
        }
        try result.get()
    }

    /// Closes the file; later commits throw ``LogError/closed``. Idempotent; `deinit` calls it.
    public func close() {
        let file = state.withLock { s -> (any StorageFile)? in
            defer { s.file = nil }
            return s.file
        }
        file?.close()
    }

    // MARK: - Files

    /// `consumers`: the subdirectory of the log directory that holds the cursor files.
    public static let directoryName = "consumers"
    static let fileSuffix = ".cursor"

    static func consumersDirectory(_ directory: String) -> String { LogDirectoryLayout.join(directory, directoryName) }

    static func path(directory: String, name: String) -> String {
        LogDirectoryLayout.join(consumersDirectory(directory), name + fileSuffix)
    }

    /// Refuses a name that is empty, longer than 64 bytes, starts with `.`, or holds a byte
    /// other than `A-Z a-z 0-9 . _ -` (so a name is always one plain file name).
    static func validate(name: String) throws(LogError) {
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
        guard !bytes.isEmpty, bytes.count <= 64, bytes.first != 0x2E, allowed else {
            throw .invalidArgument("invalid consumer name \"\(name)\": 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'")
        }
    }

    /// Refuses, for ``drop(directory:name:storage:lockTimeout:)-(String,_,_,_)``, only what
    /// could name a file outside `consumers/`: a cursor file that arrived there by other means
    /// under a name ``validate(name:)`` refuses holds compaction as any other, so it can be
    /// dropped by that name.
    static func validateExisting(name: String) throws(LogError) {
        guard !name.isEmpty, !name.hasPrefix("."), !name.utf8.contains(0x2F), !name.utf8.contains(0) else {
            throw .invalidArgument("invalid consumer name \"\(name)\": empty, starting with '.', or holding '/'")
        }
    }

    /// The current slot of an open cursor file.
    static func read(_ file: any StorageFile) throws(LogError) -> (ConsumerCursorFormat.Slot, Int) {
        var bytes = [UInt8](repeating: 0, count: ConsumerCursorFormat.size + 1)
        var read = Result<Int, IOFailure>.success(0)
        bytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try file.read(into: b, at: 0) } }
        let n = try io { () throws(IOFailure) in try read.get() }
        let decoded = bytes.withUnsafeBytes { ConsumerCursorFormat.decode(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        switch decoded {
        case .success(let current): return current
        case .failure(let problem):
            throw .corruption(CorruptionDiagnosis(file: file.path, offset: problem.offset, reason: .badCursor(problem.reason)))
        }
    }
}
