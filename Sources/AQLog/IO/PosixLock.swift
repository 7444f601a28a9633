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
    /// The directory's descriptor holding its `flock` (-1: none, see ``init(path:mode:lockingDirectory:contentionWindow:)``).
    private var directoryFD: Int32 = -1
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

    /// Locks `path`. With `lockingDirectory`, also takes an exclusive `flock` on that directory
    /// (the writer's `LOCK` takes its log directory's): a `LOCK` unlinked while its holder runs
    /// (by hand, against the documented procedure) would otherwise let a second writer lock a new
    /// file of that name and write over the first one's records. A directory cannot be replaced
    /// while it holds files, so its lock stays with the log. Where the file system cannot lock a
    /// directory (`flock` emulated over NFS, say), the file's locks alone stand.
    init(path: String, mode: mode_t = 0o666, lockingDirectory directory: String? = nil,
         contentionWindow: Duration = PosixLock.contentionWindow) throws(IOFailure) {
        self.path = path
        fd = try Self.openLocked(path, mode: mode, contentionWindow: contentionWindow)
        guard let directory else { return }
        do throws(IOFailure) {
            directoryFD = try Self.lockDirectory(directory, deadline: ContinuousClock.now + contentionWindow)
        } catch {
            release()
            throw error
        }
    }

    /// Opens `directory` and takes an exclusive `flock` on it, retrying a held lock until
    /// `deadline` (then `EWOULDBLOCK`); -1 when this file system cannot lock a directory.
    private static func lockDirectory(_ directory: String, deadline: ContinuousClock.Instant) throws(IOFailure) -> Int32 {
        let fd = try Syscalls.open(directory, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        while true {
            do throws(IOFailure) {
                try Syscalls.flockFile(fd, LOCK_EX | LOCK_NB, path: directory)
                return fd
            } catch where error.errno == .wouldBlock && ContinuousClock.now < deadline {
                usleep(2_000)
            } catch where error.errno != .wouldBlock {
                try? Syscalls.close(fd, path: directory)
                return -1
            } catch {
                try? Syscalls.close(fd, path: directory)
                throw error
            }
        }
    }

    /// Opens `path` and takes both locks; on failure nothing stays open. Kept out of `init` on
    /// purpose: a class initializer that throws once every stored property is set runs
    /// `deinit`, whose ``release()`` would close the descriptor a second time, by then perhaps
    /// a number another thread has just been given (a segment file, which then fails `EBADF`).
    private static func openLocked(_ path: String, mode: mode_t, contentionWindow: Duration) throws(IOFailure) -> Int32 {
        let deadline = ContinuousClock.now + contentionWindow
        while true {
            // O_CLOEXEC: a spawned child must not keep the lock's file (and so the lock) open.
            let fd = try RegularFile.open(path, flags: O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode: mode)
            do throws(IOFailure) {
                try lockWithin(fd, path: path, deadline: deadline)
                // The holder before may have unlinked the file (a run removing the log it had
                // just created) after this open: a lock on a file no longer at `path` excludes
                // nobody, so open the one there now. Holders unlink only while they hold it.
                if try isStillAt(path, fd) { return fd }
                try? Syscalls.close(fd, path: path)
            } catch {
                try? Syscalls.close(fd, path: path)  // the lock's failure is the one to report
                throw error
            }
        }
    }

    /// Takes both locks on `fd`, retrying a held lock until `deadline`.
    private static func lockWithin(_ fd: Int32, path: String, deadline: ContinuousClock.Instant) throws(IOFailure) {
        while true {
            do throws(IOFailure) {
                try Syscalls.flockFile(fd, LOCK_EX | LOCK_NB, path: path)
                try lockRecord(fd, path: path)
                return
            } catch where error.errno == .wouldBlock && ContinuousClock.now < deadline {
                usleep(2_000)
            }
        }
    }

    /// Whether `path` still names the file open at `fd`.
    private static func isStillAt(_ path: String, _ fd: Int32) throws(IOFailure) -> Bool {
        let open = try Syscalls.fileStatus(fd, path: path)
        do throws(IOFailure) {
            return RegularFile.sameFile(open, try Syscalls.status(path))
        } catch where error.errno == .noSuchFileOrDirectory {
            return false
        }
    }

    /// Takes the open-file-description lock readers test. A held lock is `EWOULDBLOCK`, as for
    /// `flock` and as ``Storage/lockExclusive(_:)`` promises: POSIX lets `fcntl` report a
    /// conflicting lock with `EACCES` as well as `EAGAIN` (which is `EWOULDBLOCK` on Linux).
    private static func lockRecord(_ fd: Int32, path: String) throws(IOFailure) {
        do throws(IOFailure) { try Syscalls.setLock(fd, type: F_WRLCK, path: path) } catch where error.errno == .permissionDenied {
            throw IOFailure(error.operation, path: path, errno: .wouldBlock)
        }
    }

    func startPublishing() throws(IOFailure) -> WriterProgress {
        let n = try Syscalls.pread(fd, UnsafeMutableRawBufferPointer(rebasing: record.mutableBytes[0..<WriterProgressRecord.size]),
                                   at: 0, path: path)
        let previous = WriterProgressRecord.decode(record.bytes(0..<n)) ?? .nothing
        // Nothing readable first: until this holder publishes, readers must not trust the last
        // holder's readable point (its records may be about to be repaired away). Its durable
        // point stays true, and stays for the next opener should this one stop early.
        try write(WriterProgress(readableThrough: 0, durableThrough: previous.durableThrough))
        publishing = true
        return previous
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
        // Unlocks both explicitly: unlike a close, this frees them even while a child spawned
        // by another thread still holds a copy of the descriptor (until its exec). Errors
        // ignored: release has no caller to report to, and the close frees them anyway once
        // no copy is left.
        try? Syscalls.setLock(fd, type: F_UNLCK, path: path)
        try? Syscalls.flockFile(fd, LOCK_UN, path: path)
        try? Syscalls.close(fd, path: path)
        fd = -1
        if directoryFD >= 0 {
            try? Syscalls.flockFile(directoryFD, LOCK_UN, path: path)
            try? Syscalls.close(directoryFD, path: path)
            directoryFD = -1
        }
    }

    deinit { release() }

    /// The published progress when a writer holds the lock at `path`, else nil (also when the
    /// file does not exist). Zeros while the holder has published nothing readable. With
    /// `heldOnly` false, the record whether or not the lock is held (nil when none reads whole).
    static func progress(path: String, heldOnly: Bool = true) throws(IOFailure) -> WriterProgress? {
        let fd: Int32
        do throws(IOFailure) { fd = try RegularFile.open(path, flags: O_RDONLY | O_CLOEXEC) } catch {
            if error.errno == .noSuchFileOrDirectory { return nil }
            throw error
        }
        defer { try? Syscalls.close(fd, path: path) }  // read only: nothing to lose
        if heldOnly { guard try Syscalls.isLockedByOther(fd, path: path) else { return nil } }
        let buffer = AlignedBuffer(capacity: WriterProgressRecord.size)
        for _ in 0..<16 {
            let n = try Syscalls.pread(fd, UnsafeMutableRawBufferPointer(rebasing: buffer.mutableBytes[0..<WriterProgressRecord.size]), at: 0, path: path)
            if let progress = WriterProgressRecord.decode(buffer.bytes(0..<n)) { return progress }
            if n < WriterProgressRecord.size { break }  // the holder has not written one yet
        }
        // Torn by a publication each time, or never written: the safe answer.
        return heldOnly ? .nothing : nil
    }
}
