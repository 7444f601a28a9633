#if canImport(Glibc)
import Glibc
#endif
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

    public convenience init(writePath: WritePath = .posix) { self.init(writePath: writePath, directCommitSync: .dataSyncedWrite) }

    init(writePath: WritePath, directCommitSync: URingFile.DirectCommitSync) {
        self.writePath = writePath
        self.directCommitSync = directCommitSync
    }

    public func createDirectory(_ path: String) throws(IOFailure) { try Syscalls.mkdir(path) }
    public func listDirectory(_ path: String) throws(IOFailure) -> [String] { try Syscalls.listDirectory(path) }
    public func isDirectory(_ path: String) -> Bool { Syscalls.isDirectory(path) }
    public func rename(_ from: String, to: String) throws(IOFailure) { try Syscalls.rename(from, to) }
    public func removeFile(_ path: String) throws(IOFailure) { try Syscalls.unlink(path) }
    public func syncDirectory(_ path: String) throws(IOFailure) { try Syscalls.syncDirectory(path) }

    public func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile {
        let fd = try Syscalls.open(path, flags: O_RDWR | (create ? O_CREAT : 0))
        switch writePath {
        case .posix: return PosixFile(fd: fd, path: path)
        case .uring, .uringDirect:
            do throws(IOFailure) {
                return try URingFile(fd: fd, path: path, direct: writePath == .uringDirect, directCommitSync: directCommitSync)
            } catch {
                Syscalls.close(fd)
                throw error
            }
        }
    }

    public func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock { try PosixLock(path: path) }

    public func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try PosixLock.progress(path: path) }
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
    func reserve(size: Int) throws(IOFailure) { try Syscalls.reserve(fd, size: size, path: path) }
    func startWriteback(from offset: Int, length: Int) { Syscalls.startWriteback(fd, from: offset, length: length) }
    func dropCleanPages() { Syscalls.dropCleanPages(fd) }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        let skip = max(0, min(newBytesFrom - offset, bytes.count))
        try Syscalls.pwriteAll(fd, UnsafeRawBufferPointer(rebasing: bytes[skip...]), at: offset + skip, path: path)
        if sync { try Syscalls.fdatasync(fd, path: path) }
    }

    func syncData() throws(IOFailure) { try Syscalls.fdatasync(fd, path: path) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try Syscalls.pread(fd, buffer, at: offset, path: path)
    }

    func mapReadOnly() throws(IOFailure) -> MappedRegion {
        try Syscalls.mapReadOnly(fd, size: try size(), path: path)
    }

    func truncate(to size: Int) throws(IOFailure) { try Syscalls.ftruncate(fd, size, path: path) }

    func close() { Syscalls.close(fd) }
}

/// Reserves and zero-fills `[current size, size)` then syncs, so the extents are written
/// (not "unwritten") and later commits never allocate or convert extents.
func zeroFill(fd: Int32, path: String, size: Int) throws(IOFailure) {
    let current = try Syscalls.fileSize(fd, path: path)
    guard size > current else { return }
    try Syscalls.fallocate(fd, size: size, path: path)
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
