#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The writer's `LOCK` file: an exclusive open-file-description lock, and in its first 16
/// bytes the writer's ``WriterProgress`` (readable-through, then durable-through), updated in
/// place through a shared mapping.
///
/// Readers in any process test the lock without taking it (``progress(path:)``), so a reader
/// never delays a writer's open, and read each word with an acquiring load: the writer stores
/// them (releasing) only after the records' write or sync completed, so every byte below them
/// is already in the page cache the reader maps. A writer that dies releases the lock with its
/// file descriptors; readers then read everything intact, as recovery would.
final class PosixLock: StorageLock, @unchecked Sendable {
    // Set in init and cleared only by release(), which the owner calls once.
    private var fd: Int32
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    static let size = 16

    init(path: String) throws(IOFailure) {
        fd = try Syscalls.open(path, flags: O_RDWR | O_CREAT)
        do throws(IOFailure) {
            try Syscalls.lockExclusive(fd, path: path)
            // Write the words' bytes (not just a size) when the file is new: a store through
            // the mapping into a hole needs a block, and on a full disk raises SIGBUS.
            if try Syscalls.fileSize(fd, path: path) < Self.size {
                try Syscalls.pwriteAll(fd, AlignedBuffer(capacity: Self.size).bytes(0..<Self.size), at: 0, path: path)
            }
            guard let p = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
                throw Syscalls.failure("mmap", path)
            }
            words = p.bindMemory(to: Atomic<UInt64>.self, capacity: 2)
        } catch {
            Syscalls.close(fd)
            throw error
        }
    }

    func publish(_ progress: WriterProgress) {
        // Host byte order: the file is only ever read on the machine that wrote it.
        words[0].store(progress.readableThrough, ordering: .releasing)
        words[1].store(progress.durableThrough, ordering: .releasing)
    }

    func release() {
        guard fd >= 0 else { return }
        munmap(UnsafeMutableRawPointer(words), Self.size)
        Syscalls.close(fd)
        fd = -1
    }

    deinit { release() }

    /// The published progress when a writer holds the lock at `path`, else nil (also when the
    /// file does not exist). Zeros while the holder has not written the words yet.
    static func progress(path: String) throws(IOFailure) -> WriterProgress? {
        let fd: Int32
        do throws(IOFailure) { fd = try Syscalls.open(path, flags: O_RDONLY) } catch {
            if error.errno == .noSuchFileOrDirectory { return nil }
            throw error
        }
        defer { Syscalls.close(fd) }
        guard try Syscalls.isLockedByOther(fd, path: path) else { return nil }
        guard try Syscalls.fileSize(fd, path: path) >= size else { return WriterProgress(readableThrough: 0, durableThrough: 0) }
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw Syscalls.failure("mmap", path)
        }
        defer { munmap(p, size) }
        let words = p.bindMemory(to: Atomic<UInt64>.self, capacity: 2)
        return WriterProgress(readableThrough: words[0].load(ordering: .acquiring), durableThrough: words[1].load(ordering: .acquiring))
    }
}
