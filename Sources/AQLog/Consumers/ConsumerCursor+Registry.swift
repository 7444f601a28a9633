extension ConsumerCursor {
    /// One registered cursor as ``list(directory:storage:)-(String,_)`` found it.
    public struct Status: Sendable, Equatable {
        /// The consumer's name.
        public var name: String
        /// Its cursor file.
        public var path: String
        /// The last sequence it committed as processed; nil when the file is damaged.
        public var position: UInt64?
        /// What is wrong with the file, when it holds no valid value (`bad_cursor`): compaction
        /// then removes nothing until the cursor is set again or dropped.
        public var damage: CorruptionDiagnosis?

        /// Records the log holds past this cursor (`lastSequence − position`, 0 when it is at or
        /// past the end); nil for a damaged cursor.
        public func lag(lastSequence: UInt64) -> UInt64? {
            position.map { lastSequence > $0 ? lastSequence - $0 : 0 }
        }

        /// This cursor in a log whose last sequence is `logEnd`: one past it is damaged (as a
        /// checkpoint past the end is). A cursor is set and committed only at or below a durable
        /// sequence, so past the log's end it belongs to another log (a file copied from
        /// elsewhere, segments replaced by older copies) or was crafted; left as it is, its
        /// consumer would skip the records written up to it. Read the cursors before the log's
        /// end, so that one committed meanwhile beside a live writer is not taken for this.
        package func checked(logEnd: UInt64) -> Status {
            guard let position, position > logEnd else { return self }
            var damaged = self
            damaged.position = nil
            damaged.damage = CorruptionDiagnosis(file: path, offset: 16,
                                                 reason: .badCursor("position \(position) above the log's last sequence \(logEnd)"))
            return damaged
        }
    }

    /// Every cursor registered in the log in `directory`, by name; needs read permission only.
    public static func list(directory: String, storage: any Storage = PosixStorage()) throws(LogError) -> [Status] {
        try list(directory: directory, storage: storage, syncing: false)
    }

    /// ``list(directory:storage:)-(String,_)``; `syncing` first makes each file durable
    /// (`fdatasync`), so compaction never acts on a commit the page cache holds but the disk
    /// does not (a commit in progress, or one whose sync failed).
    static func list(directory: String, storage: any Storage, syncing: Bool) throws(LogError) -> [Status] {
        try storage.requireDirectory(directory)
        let folder = consumersDirectory(directory)
        let names: [String]
        do { names = try storage.listDirectory(folder) } catch {
            if error.errno == .noSuchFileOrDirectory { return [] }
            throw .io(error)
        }
        var found: [Status] = []
        for file in names.sorted() where file.hasSuffix(fileSuffix) && !file.hasPrefix(".") {
            let name = String(file.dropLast(fileSuffix.count))
            let path = LogDirectoryLayout.join(folder, file)
            let handle: any StorageFile
            do { handle = try storage.openFileForReading(path) } catch {
                if error.errno == .noSuchFileOrDirectory { continue }  // dropped meanwhile
                throw .io(error)
            }
            defer { handle.close() }
            if syncing { try io { () throws(IOFailure) in try handle.syncData() } }
            do throws(LogError) {
                let (slot, _) = try read(handle)
                found.append(Status(name: name, path: path, position: slot.position))
            } catch {
                guard case .corruption(let diagnosis) = error else { throw error }
                found.append(Status(name: name, path: path, damage: diagnosis))
            }
        }
        return found
    }

    /// Creates the cursor `name` at `position` (the last sequence already processed: 0 to read
    /// from the start), durably: first the checkpoint file records that cursors exist
    /// (``CompactionHolds/consumerCursors``, so a binary without cursors compacts nothing), then
    /// a new file written in full is renamed into `consumers/` and both directories are synced.
    /// A cursor whose file is damaged (no valid slot) is replaced: this is how it is set again.
    ///
    /// Serialised with compaction through `COMPACT.LOCK` (waiting up to `lockTimeout`), so a
    /// compaction never removes what a cursor being registered would hold. Throws
    /// ``LogError/invalidArgument(_:)`` for a malformed or taken name or a position above the
    /// log's last durable sequence (as for a checkpoint), ``LogError/logLocked(path:)`` when a compaction holds the lock
    /// longer, the recovery error of a corrupt log, and ``LogError/io(_:)``.
    ///
    /// A consumer that still has a dropped (or replaced) cursor open keeps committing into the
    /// removed file without error: open the cursor again after a restart to learn it is gone.
    public static func register(directory: String, name: String, position: UInt64, storage: any Storage = PosixStorage(),
                                lockTimeout: Duration = .seconds(10)) throws(LogError) {
        try validate(name: name)
        try storage.requireDirectory(directory)
        try CompactionLock.withLock(directory: directory, storage: storage, waiting: lockTimeout) { () throws(LogError) in
            let path = self.path(directory: directory, name: name)
            let folder = consumersDirectory(directory)
            if let existing = try list(directory: directory, storage: storage).first(where: { $0.name == name }), existing.damage == nil {
                throw .invalidArgument("\(directory): consumer \(name) is already registered")
            }
            // Bounded as a checkpoint is: a position past what a power loss could take back would
            // skip the records a writer later gives those sequences.
            let last = try Checkpoint.lastDurableSequence(directory: directory, storage: storage)
            guard position <= last else {
                throw .invalidArgument("\(directory): consumer position \(position) is above the log's last durable sequence \(last)")
            }
            try Checkpoint.recordHolds(directory: directory, storage: storage, adding: .consumerCursors)
            try io { () throws(IOFailure) in
                try storage.createDirectory(folder)
                try storage.syncDirectory(directory)
                let temporary = LogDirectoryLayout.join(folder, ".\(name).tmp.\(String(UInt64.random(in: 0...UInt64.max), radix: 16))")
                try storage.writeAtomically(ConsumerCursorFormat.newFile(position: position), to: path, temporary: temporary, directory: folder)
            }
        }
    }

    /// Removes the cursor `name` (the escape hatch for a consumer that is gone): its hold ends
    /// at once. Serialised with compaction as ``register(directory:name:position:storage:lockTimeout:)-(String,_,_,_,_)``.
    /// Throws ``LogError/invalidArgument(_:)`` when no such cursor exists. Any name
    /// ``list(directory:storage:)-(String,_)`` lists can be dropped, even one that
    /// ``register(directory:name:position:storage:lockTimeout:)-(String,_,_,_,_)`` would refuse
    /// (a file copied in by hand).
    public static func drop(directory: String, name: String, storage: any Storage = PosixStorage(),
                            lockTimeout: Duration = .seconds(10)) throws(LogError) {
        try validateExisting(name: name)
        try storage.requireDirectory(directory)
        try CompactionLock.withLock(directory: directory, storage: storage, waiting: lockTimeout) { () throws(LogError) in
            try remove(directory: directory, name: name, storage: storage)
            try Checkpoint.recordHolds(directory: directory, storage: storage)
        }
    }

    /// Unlinks the cursor file and syncs its directory; the caller holds the compaction lock.
    static func remove(directory: String, name: String, storage: any Storage) throws(LogError) {
        do { try storage.removeFile(path(directory: directory, name: name)) } catch {
            if error.errno == .noSuchFileOrDirectory { throw .invalidArgument("\(directory): no consumer named \(name)") }
            throw .io(error)
        }
        try io { () throws(IOFailure) in try storage.syncDirectory(consumersDirectory(directory)) }
    }

    /// Whether any cursor file exists in the log in `directory` (damaged ones included).
    static func anyRegistered(directory: String, storage: any Storage) throws(LogError) -> Bool {
        do {
            return try storage.listDirectory(consumersDirectory(directory)).contains { $0.hasSuffix(fileSuffix) && !$0.hasPrefix(".") }
        } catch {
            if error.errno == .noSuchFileOrDirectory { return false }
            throw .io(error)
        }
    }
}
