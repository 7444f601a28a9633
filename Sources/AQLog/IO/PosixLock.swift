#if canImport(Glibc)
import Glibc
#endif

/// A lock file: an exclusive `flock` (what excludes other writers, of any version), plus an
/// open-file-description lock on the same file that readers can test without taking it
/// (``progress(path:)``): a reader never delays a writer's open. For the writer's `LOCK` it
/// also carries the writer's ``WriterProgress`` (``WriterProgressRecord``, 24 bytes at
/// offset 0).
///
/// Published with `pwrite`, not through a shared mapping: a store into a mapped page that
/// write-back cleaned may need space again (copy-on-write file systems, quotas), and a
/// mapping answers that with SIGBUS, where `pwrite` returns an error. A failed publication
/// leaves readers behind the writer, never ahead of it. The writer publishes only after the
/// records' write (and sync) completed, so every byte below what a reader reads is already in
/// the page cache it maps. A writer that dies releases both locks with its descriptors;
/// readers then read everything intact, as recovery would.
final class PosixLock: StorageLock, @unchecked Sendable {
    // Set in init and cleared only by release(); the owner serialises calls.
    private var fd: Int32
    private let path: String
    private var publishing = false
    private let record = AlignedBuffer(capacity: WriterProgressRecord.size)

    /// How long a held lock is retried before it counts as taken. A process that spawns a
    /// child holds every open file of its own in that child until the child's `exec` closes
    /// them (`O_CLOEXEC` acts only then). ``release()`` unlocks explicitly, which frees the lock
    /// despite such a copy; the window covers holders that only close (a killed writer, a
    /// version before the explicit unlock). Seen as spurious `logLocked` in a test suite that
    /// spawns processes.
    static let contentionWindow: Duration = .milliseconds(200)

    init(path: String) throws(IOFailure) {
        self.path = path
        fd = try Syscalls.open(path, flags: O_RDWR | O_CREAT)
        let deadline = ContinuousClock.now + Self.contentionWindow
        while true {
            do throws(IOFailure) {
                try Syscalls.flockExclusive(fd, path: path)
                try Syscalls.lockExclusive(fd, path: path)
                return
            } catch where error.errno == .wouldBlock && ContinuousClock.now < deadline {
                usleep(2_000)
            } catch {
                Syscalls.close(fd)
                throw error
            }
        }
    }

    func startPublishing() throws(IOFailure) {
        // Zeros first: until this holder publishes, readers must not trust the last holder's
        // values (its records may be about to be repaired away).
        try write(.nothing)
        publishing = true
    }

    @discardableResult func publish(_ progress: WriterProgress) -> Bool {
        guard publishing, fd >= 0 else { return false }
        do { try write(progress) } catch { return false }
        return true
    }

    private func write(_ progress: WriterProgress) throws(IOFailure) {
        WriterProgressRecord.encode(progress, into: record.mutableBytes)
        try Syscalls.pwriteAll(fd, record.bytes(0..<WriterProgressRecord.size), at: 0, path: path)
    }

    func release() {
        guard fd >= 0 else { return }
        Syscalls.unlock(fd)
        Syscalls.close(fd)
        fd = -1
    }

    deinit { release() }

    /// The published progress when a writer holds the lock at `path`, else nil (also when the
    /// file does not exist). Zeros while the holder has published nothing readable.
    static func progress(path: String) throws(IOFailure) -> WriterProgress? {
        let fd: Int32
        do throws(IOFailure) { fd = try Syscalls.open(path, flags: O_RDONLY) } catch {
            if error.errno == .noSuchFileOrDirectory { return nil }
            throw error
        }
        defer { Syscalls.close(fd) }
        guard try Syscalls.isLockedByOther(fd, path: path) else { return nil }
        let buffer = AlignedBuffer(capacity: WriterProgressRecord.size)
        for _ in 0..<16 {
            let n = try Syscalls.pread(fd, UnsafeMutableRawBufferPointer(rebasing: buffer.mutableBytes[0..<WriterProgressRecord.size]), at: 0, path: path)
            if let progress = WriterProgressRecord.decode(buffer.bytes(0..<n)) { return progress }
            if n < WriterProgressRecord.size { break }  // the holder has not written one yet
        }
        // Torn by a publication each time, or never written: the safe answer.
        return .nothing
    }
}
