/// The I/O interface every byte of the log goes through.
///
/// Three implementations exist: ``PosixStorage`` (`pwrite` + `fdatasync`), the same with an
/// io_uring write path (`PosixStorage(writePath: .uring)`), and the fault-injecting simulator
/// in `AQLogSimulation`. The log's code is identical over all three, so the simulator's crash
/// and fault tests exercise the production write, roll and recovery paths.
public protocol Storage: AnyObject, Sendable {
    /// Whether this storage's files can keep several synced writes in flight
    /// (``StorageFile/writesInFlightLimit`` above 1 where the file system allows): a concurrent
    /// log over it may then have several commits in flight. Default false.
    var keepsWritesInFlight: Bool { get }
    /// Creates `path` (and no parents). Succeeds when it already exists as a directory.
    func createDirectory(_ path: String) throws(IOFailure)
    /// Names of the entries in `path` (no `.`/`..`), in no particular order.
    func listDirectory(_ path: String) throws(IOFailure) -> [String]
    /// True when `path` names an existing directory.
    func isDirectory(_ path: String) -> Bool
    /// Opens an existing file, or creates an empty one when `create` is true.
    func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile
    /// Opens an existing file for reading only (`read`, `size`, `mapReadOnly`): what readers,
    /// `verify` and recovery without repair use, so they need read permission alone.
    func openFileForReading(_ path: String) throws(IOFailure) -> any StorageFile
    /// Atomically renames `from` to `to`, replacing `to`.
    func rename(_ from: String, to: String) throws(IOFailure)
    /// Removes a file.
    func removeFile(_ path: String) throws(IOFailure)
    /// Makes the directory's entries (creations, renames, removals) durable.
    func syncDirectory(_ path: String) throws(IOFailure)
    /// Takes an exclusive, non-blocking lock on `path` (created if missing); throws `EWOULDBLOCK`
    /// when another holder has it. The lock lasts until the returned token is released.
    func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock
    /// What the holder of the lock at `path` last passed to ``StorageLock/publish(_:)``, or nil
    /// when nobody holds that lock. Between locking and ``StorageLock/startPublishing()`` it is
    /// still the previous holder's; zeros from a holder that publishes nothing. Does not take
    /// the lock.
    func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress?
    /// What the lock file at `path` holds, whether or not anyone holds the lock: the last
    /// holder's publication, which outlives it (a writer that was killed leaves its durable
    /// point there). Nil when there is no such file or no record in it that reads whole. Needs
    /// read permission only, and does not take the lock.
    func recordedProgress(lockPath path: String) throws(IOFailure) -> WriterProgress?
}

/// An open file of a ``Storage``.
public protocol StorageFile: AnyObject, Sendable {
    /// The path it was opened with (used in diagnostics).
    var path: String { get }
    /// The current file size in bytes.
    func size() throws(IOFailure) -> Int
    /// Extends the file to `size` bytes of written zeros (not sparse, not unwritten extents)
    /// and syncs them, so later writes into it never allocate (a synced write into written extents is cheaper than into unwritten ones).
    func preallocateZeroed(size: Int) throws(IOFailure)
    /// Writes all of `bytes` at `offset` (short writes are continued), then, when `sync` is
    /// true, makes them durable with `fdatasync`. `bytes` and `offset` are block-aligned when
    /// the caller uses ``requiresAlignedWrites``; `newBytesFrom` is the first byte the caller
    /// has not written before (a buffered backend may skip the rewritten prefix).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure)
    /// Starts the write ``write(_:at:newBytesFrom:sync:)`` describes, identified by `tag`.
    /// Returns its completion when the write finished inside this call (every backend that
    /// cannot keep writes in flight), nil when ``awaitWriteCompletion(timeout:)`` will report
    /// it; `bytes` must stay untouched until then. At most ``writesInFlightLimit`` may be
    /// pending at once, and completions may arrive in any order.
    func submitWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool, tag: UInt64) -> WriteCompletion?
    /// The completion of a write ``submitWrite(_:at:newBytesFrom:sync:tag:)`` left pending (any
    /// of them), or nil when none completed within `timeout` (nil: wait as long as it takes).
    func awaitWriteCompletion(timeout: Duration?) -> WriteCompletion?
    /// How many writes ``submitWrite(_:at:newBytesFrom:sync:tag:)`` can keep pending at once
    /// (1: every write completes inside the call).
    var writesInFlightLimit: Int { get }
    /// Makes everything written so far durable (`fdatasync`).
    func syncData() throws(IOFailure)
    /// Reads up to `buffer.count` bytes at `offset`; returns the number read (0 at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int
    /// Maps the whole file read-only. The mapping stays valid while the region is alive, even
    /// after the file is closed or removed.
    func mapReadOnly() throws(IOFailure) -> MappedRegion
    /// Shrinks or extends the file to `size` bytes (`ftruncate`).
    func truncate(to size: Int) throws(IOFailure)
    /// True when writes must be whole blocks at block-aligned offsets (O_DIRECT).
    var requiresAlignedWrites: Bool { get }
    /// Closes the file; later calls fail with `EBADF`.
    func close()
    /// Reserves `size` bytes of blocks (`fallocate`) without writing them or syncing; the range
    /// reads as zeros. Cheaper than ``preallocateZeroed(size:)`` when commits are not synced one
    /// by one. The new size becomes durable with the file's next ``syncData()``.
    /// (No default: a wrapper that forgot to forward it would silently zero-fill instead.)
    func reserve(size: Int) throws(IOFailure)
    /// Starts write-back of `[offset, offset + length)` without waiting (a hint; durability
    /// still comes only from ``syncData()``).
    func startWriteback(from offset: Int, length: Int)
    /// Drops the file's clean cached pages (`POSIX_FADV_DONTNEED`), so the next reads come from
    /// the medium. After a failed `fdatasync` the kernel may keep the pages it could not write,
    /// marked clean: readable, never durable ("fsyncgate"). A writer opening a log syncs, then
    /// drops them, so recovery does not build on them. Best effort.
    /// (No default: a wrapper that forgot to forward it would silently keep them.)
    func dropCleanPages()
    /// Drops the clean cached pages from `offset` to the end of the file; those before it may
    /// stay cached (a file may drop from a lower boundary, or all of them). The default drops
    /// them all.
    func dropCleanPages(from offset: Int)
    /// Whether `path` still names this file: false only when it names nothing or another entry
    /// (a link to this file included). The writer asks before it renames a prepared file into
    /// place and after, so that records never go into a file the directory no longer holds.
    /// The default answers true (a storage that cannot tell); wrappers forward it.
    func isNamed(by path: String) -> Bool
}

extension StorageFile {
    public func dropCleanPages(from offset: Int) { dropCleanPages() }
    public func isNamed(by path: String) -> Bool { true }
}

/// A held lock; released by ``release()`` or when the process exits.
///
/// The writer's lock also carries its ``WriterProgress``, so that readers in any process see a
/// record only once the writer acknowledged it and checkpoints stay at or below
/// what is durable.
public protocol StorageLock: AnyObject, Sendable {
    /// Releases the lock; later calls do nothing.
    func release()
    /// Returns the progress the previous holder left (``WriterProgress/nothing`` when none is
    /// intact), then publishes nothing readable, keeping the previous holder's durable point
    /// (readers stop trusting its readable point; the next opener still learns what it made
    /// durable), and lets ``publish(_:)`` work. A log's writer and `LogRepair` call it right
    /// after locking, before anything else touches the log: recovery never removes as torn a
    /// record at or below the durable point returned.
    func startPublishing() throws(IOFailure) -> WriterProgress
    /// Makes `progress` what ``Storage/writerProgress(lockPath:)`` returns while this lock is
    /// held (one small `pwrite` for ``PosixStorage``). Returns false when that failed (readers
    /// then stay behind the writer, never ahead; the writer publishes again later).
    @discardableResult func publish(_ progress: WriterProgress) -> Bool
}

extension Storage {
    public var keepsWritesInFlight: Bool { false }
    /// A storage that cannot read a lock file's record without its holder reports only a live
    /// holder's (``writerProgress(lockPath:)``).
    public func recordedProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? {
        try writerProgress(lockPath: path)
    }
    /// A storage without read-only handles opens the file as ``openFile(_:create:)`` does.
    public func openFileForReading(_ path: String) throws(IOFailure) -> any StorageFile { try openFile(path, create: false) }
}

/// The outcome of a write started with ``StorageFile/submitWrite(_:at:newBytesFrom:sync:tag:)``.
public struct WriteCompletion: Sendable, Equatable {
    /// The `tag` the write was submitted with: which pending write this is (completions may
    /// arrive in any order).
    public var tag: UInt64
    /// Why the write (or its sync) failed; nil when the bytes are written (and synced).
    public var failure: IOFailure?

    /// The completion of the write submitted as `tag`, with `failure` nil when it succeeded.
    public init(tag: UInt64, failure: IOFailure?) {
        self.tag = tag
        self.failure = failure
    }
}

extension StorageFile {
    /// Backends without writes in flight write at once.
    public func submitWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool,
                            tag: UInt64) -> WriteCompletion? {
        do throws(IOFailure) {
            try write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
            return WriteCompletion(tag: tag, failure: nil)
        } catch {
            return WriteCompletion(tag: tag, failure: error)
        }
    }

    public func awaitWriteCompletion(timeout: Duration?) -> WriteCompletion? {
        preconditionFailure("\(Self.self) keeps no write in flight")
    }

    public var writesInFlightLimit: Int { 1 }
}
