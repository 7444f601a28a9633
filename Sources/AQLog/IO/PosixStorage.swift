#if canImport(Glibc)
import Glibc
#endif
import Logging
import SystemPackage

/// The real file system: `pwrite` + `fdatasync` by default; see ``WritePath``.
public final class PosixStorage: Storage {
    /// How segment bytes reach the disk.
    public enum WritePath: Sendable, Equatable {
        /// Buffered `pwrite` then `fdatasync`.
        case posix
        /// An io_uring ring per file: one linked write + `fdatasync` submission per synced
        /// commit (an unsynced `.deferred` commit is a plain `pwrite`: no sync to link).
        case uring
        /// As `uring`, with commits written `O_DIRECT` in whole aligned blocks, each synced
        /// commit one `RWF_DSYNC` write.
        case uringDirect
    }

    /// The write path files opened by this storage use.
    public let writePath: WritePath
    /// How `uringDirect` makes a synced commit durable (tests force the fallback form).
    let directCommitSync: URingFile.DirectCommitSync

    /// `O_DIRECT` writes flagged `RWF_DSYNC` through io_uring complete one by one, each durable.
    public var keepsWritesInFlight: Bool { writePath == .uringDirect && directCommitSync == .dataSyncedWrite }

    /// A storage whose writable files use `writePath` (default `.posix`). Nothing is checked
    /// here: with `.uring` or `.uringDirect` a file sets up its ring at first use, and that
    /// call fails where the kernel refuses one (``Backend/auto`` checks before choosing).
    /// Permission bits of the files this storage creates (the umask applies); directories get
    /// search permission wherever read is granted.
    public let fileMode: mode_t

    /// Where its io_uring files report that commits stay buffered (no `O_DIRECT` there).
    let logger: Logger

    /// A storage writing through `writePath`, creating files with `fileMode` (default `0o666`:
    /// the umask decides, as for any `open(2)`), its files reporting to `logger` (`nil`: label
    /// `aqlog`; a log opened with ``Log/open(directory:options:durability:)-(String,_,_)`` gives its
    /// storage ``LogOptions/logger``).
    public convenience init(writePath: WritePath = .posix, fileMode: mode_t = 0o666, logger: Logger? = nil) {
        self.init(writePath: writePath, directCommitSync: .dataSyncedWrite, fileMode: fileMode, logger: logger)
    }

    init(writePath: WritePath, directCommitSync: URingFile.DirectCommitSync, fileMode: mode_t = 0o666, logger: Logger? = nil) {
        self.writePath = writePath
        self.directCommitSync = directCommitSync
        self.fileMode = fileMode & 0o777
        self.logger = logger.orDefault
    }

    /// `fileMode` with search permission added wherever read is granted.
    var directoryMode: mode_t { fileMode | ((fileMode & 0o444) >> 2) }

    /// `mkdir` with mode 0755 (less the umask). An existing directory is success; anything
    /// else already at `path` throws `EEXIST`, and a missing parent `ENOENT`.
    public func createDirectory(_ path: String) throws(IOFailure) {
        do throws(IOFailure) { try Syscalls.mkdir(path, mode: directoryMode) } catch where error.errno == .fileExists {
            // The protocol's contract: an existing directory is success (opening a log creates
            // its directory every time). Anything else there keeps mkdir's EEXIST.
            guard isDirectory(path) else { throw error }
        }
    }

    /// `opendir` and `readdir`: every entry's name except `.` and `..`, unsorted. A failing
    /// `readdir` throws rather than end the list early.
    public func listDirectory(_ path: String) throws(IOFailure) -> [String] {
        try Syscalls.listDirectory(path).filter { $0 != "." && $0 != ".." }
    }

    /// Any `stat` failure (missing, no permission) reads as "not a directory": the protocol
    /// answers a yes/no question, and a caller acting on the answer meets the real error then.
    public func isDirectory(_ path: String) -> Bool {
        guard let st = try? Syscalls.status(path) else { return false }
        return st.st_mode & S_IFMT == S_IFDIR
    }

    /// `rename(2)`: atomic within one file system, replacing `to`; the new entry is durable
    /// only after ``syncDirectory(_:)``. A failure names `from`.
    public func rename(_ from: String, to: String) throws(IOFailure) { try Syscalls.rename(from, to) }
    /// `unlink`; the removal is durable only after ``syncDirectory(_:)``. A missing file throws `ENOENT`.
    public func removeFile(_ path: String) throws(IOFailure) { try Syscalls.unlink(path) }

    /// Opens the directory read-only (`O_DIRECTORY`) and `fsync`s it, so the entries created,
    /// renamed or removed in it are durable; `fsync`'s failure is the one thrown.
    public func syncDirectory(_ path: String) throws(IOFailure) {
        let fd = try Syscalls.open(path, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        // Nothing is written through this descriptor: fsync's result is the whole answer.
        defer { try? Syscalls.close(fd, path: path) }
        try Syscalls.fsync(fd, path: path)
    }

    /// Opens `path` read-write with `O_CLOEXEC` and `O_NOFOLLOW` (a symbolic link is refused,
    /// `ELOOP`) (and `O_CREAT`, mode 0644, when `create`), as
    /// a file of ``writePath``: buffered `pwrite` and `fdatasync` for `.posix`, io_uring for
    /// `.uring` and `.uringDirect`.
    public func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile {
        // O_CLOEXEC: a child the embedding process spawns must not keep the log's files open.
        // O_NOFOLLOW: a log never makes links, and one planted in its place (a `next.prealloc`
        // leading elsewhere) must not have the log write outside its directory.
        let fd = try RegularFile.open(path, flags: O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), mode: fileMode)
        switch writePath {
        case .posix: return PosixFile(fd: fd, path: path)
        case .uring, .uringDirect:
            do throws(IOFailure) {
                return try URingFile(fd: fd, path: path, direct: writePath == .uringDirect, directCommitSync: directCommitSync,
                                     logger: logger)
            } catch {
                try? Syscalls.close(fd, path: path)  // the ring's failure is the one to report
                throw error
            }
        }
    }

    /// `O_RDONLY`: a reader needs read permission only. Plain `pread`/`mmap` whatever the
    /// write path (a reader writes nothing, so it needs no ring).
    public func openFileForReading(_ path: String) throws(IOFailure) -> any StorageFile {
        PosixFile(fd: try RegularFile.open(path, flags: O_RDONLY | O_CLOEXEC), path: path)
    }

    /// Opens (creating, mode 0644) `path` and takes an exclusive `flock` plus the
    /// open-file-description lock ``writerProgress(lockPath:)`` tests. A lock held elsewhere is
    /// retried for 200 ms, then throws `EWOULDBLOCK`. A log's writer lock (`LOCK`) also locks
    /// the directory holding it, so that a second writer stays out even after `LOCK` was
    /// removed by hand while its holder runs.
    public func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock {
        let writerLock = LogDirectoryLayout.name(of: path) == LogDirectoryLayout.lockFile
        return try PosixLock(path: path, mode: fileMode, lockingDirectory: writerLock ? parentDirectory(of: path) : nil)
    }

    /// Tests the open-file-description lock on `path` without taking it: nil when nobody holds
    /// it (or the file does not exist), else the holder's 24-byte progress record, read with
    /// `pread` (a read torn by a concurrent publication is retried); ``WriterProgress/nothing``
    /// when none is intact.
    public func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try PosixLock.progress(path: path) }
    public func recordedProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try PosixLock.progress(path: path, heldOnly: false) }
}

/// A file written with buffered `pwrite` and synced with `fdatasync`.
final class PosixFile: StorageFile, @unchecked Sendable {
    // fd is immutable after init; the owner (one writer) serialises use.
    let fd: Int32
    let path: String
    var requiresAlignedWrites: Bool { false }

    init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    func size() throws(IOFailure) -> Int { try Syscalls.fileSize(fd, path: path) }

    func preallocateZeroed(size: Int) throws(IOFailure) { try zeroFill(fd: fd, path: path, size: size) }
    func reserve(size: Int) throws(IOFailure) { try reserveBlocks(fd: fd, path: path, size: size) }
    // Both hints: a failure costs only speed, never durability, which comes from syncData().
    func startWriteback(from offset: Int, length: Int) { try? Syscalls.startWriteback(fd, from: offset, length: length, path: path) }
    func dropCleanPages() { try? Syscalls.dropCleanPages(fd, path: path) }
    func dropCleanPages(from offset: Int) { dropCleanPagesAfter(fd: fd, offset: offset, path: path) }
    func isNamed(by path: String) -> Bool { RegularFile.isNamed(path, by: fd) }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        let skip = max(0, min(newBytesFrom - offset, bytes.count))
        try Syscalls.pwriteAll(fd, UnsafeRawBufferPointer(rebasing: bytes[skip...]), at: offset + skip, path: path)
        if sync { try Syscalls.fdatasync(fd, path: path) }
    }

    func syncData() throws(IOFailure) { try Syscalls.fdatasync(fd, path: path) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try Syscalls.pread(fd, buffer, at: offset, path: path)
    }

    func mapReadOnly() throws(IOFailure) -> MappedRegion { try mapWholeFile(fd: fd, path: path, size: try size()) }

    func truncate(to size: Int) throws(IOFailure) { try Syscalls.ftruncate(fd, size, path: path) }

    /// Errors ignored: durability comes from syncData(), and the descriptor is gone either way.
    func close() { try? Syscalls.close(fd, path: path) }
}

/// Extends the file to `size` with reserved blocks (`fallocate`). Where the file system has
/// no `fallocate` (`EOPNOTSUPP`: ramfs, ext4 without extents) it only sets the size, and the
/// writes allocate the blocks. No sync: the size change leaves the inode dirty for `fdatasync`, so the
/// synced header write that activates the segment persists it. A sync here would wait behind
/// a deferred log's write-back of the whole active segment at every roll.
func reserveBlocks(fd: Int32, path: String, size: Int) throws(IOFailure) {
    try fallocateUnlessUnsupported(fd: fd, path: path, size: size)
    if try Syscalls.fileSize(fd, path: path) < size { try Syscalls.ftruncate(fd, size, path: path) }
}

/// `fallocate`, where `EOPNOTSUPP` is no failure: reserving is an optimisation (`ENOSPC` up
/// front); the caller extends the file itself and its writes allocate the blocks.
private func fallocateUnlessUnsupported(fd: Int32, path: String, size: Int) throws(IOFailure) {
    do throws(IOFailure) { try Syscalls.fallocate(fd, size: size, path: path) } catch where error.errno == .notSupported {}
}

/// ``StorageFile/dropCleanPages(from:)`` for a file descriptor. The kernel drops only the folios
/// that lie wholly inside the range, and file systems cache files in folios of up to 2 MiB
/// (naturally aligned), so the drop starts at the 2 MiB boundary at or below `offset`; when the
/// page there is still cached after it (a larger folio), all of the file's clean pages are
/// dropped instead. Best effort, as the whole drop.
func dropCleanPagesAfter(fd: Int32, offset: Int, path: String) {
    let start = offset / largestFolio * largestFolio
    guard start > 0, (try? Syscalls.dropCleanPages(fd, from: start, path: path)) != nil,
          (try? Syscalls.isPageCached(fd, at: start, path: path)) == false else {
        try? Syscalls.dropCleanPages(fd, path: path)
        return
    }
}

/// The largest page-cache folio on common configurations (a PMD: 2 MiB with 4 KiB pages).
private let largestFolio = 2 << 20

/// Maps the whole file (`size` bytes) read-only. An empty file is an empty region: `mmap`
/// refuses a zero length. Read-ahead advice is a hint (a failure costs only speed), and a
/// failed `munmap` has no one to report to: the region's release runs in a deinit.
func mapWholeFile(fd: Int32, path: String, size: Int) throws(IOFailure) -> MappedRegion {
    guard size > 0 else { return MappedRegion(bytes: UnsafeRawBufferPointer(start: nil, count: 0), release: { _ in }) }
    let start = try Syscalls.mapShared(fd, size: size, path: path)
    try? Syscalls.madvise(start, size: size, advice: MADV_SEQUENTIAL, path: path)
    return MappedRegion(bytes: UnsafeRawBufferPointer(start: start, count: size)) { region in
        try? Syscalls.munmap(UnsafeMutableRawPointer(mutating: region.baseAddress!), size: region.count, path: path)
    }
}

/// Reserves (where the file system can) and zero-fills `[current size, size)` then syncs, so
/// the extents are written (not "unwritten") and later commits never allocate or convert extents.
func zeroFill(fd: Int32, path: String, size: Int) throws(IOFailure) {
    let current = try Syscalls.fileSize(fd, path: path)
    guard size > current else { return }
    try fallocateUnlessUnsupported(fd: fd, path: path, size: size)
    let chunk = 1 << 20
    let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: SegmentLayout.blockSize)
    zeros.initializeMemory(as: UInt8.self, repeating: 0)
    defer { zeros.deallocate() }
    var offset = current
    while offset < size {
        let n = min(chunk, size - offset)
        try Syscalls.pwriteAll(fd, UnsafeRawBufferPointer(rebasing: zeros[0..<n]), at: offset, path: path)
        offset += n
    }
    try Syscalls.fdatasync(fd, path: path)
}
