#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The writer's `LOCK` file: an exclusive open-file-description lock, and in its first 8 bytes
/// the sequence readers may read through, updated in place through a shared mapping.
///
/// Readers in any process test the lock without taking it (``readableThrough(path:)``), so a
/// reader never delays a writer's open, and read the word with an acquiring load: the writer
/// stores it (releasing) only after the records' sync completed, so every byte below it is
/// already in the page cache the reader maps. A writer that dies releases the lock with its
/// file descriptors, and readers then read everything intact, as recovery would.
final class PosixLock: StorageLock, @unchecked Sendable {
    // Set in init and cleared only by release(), which the owner calls once.
    private var fd: Int32
    private let word: UnsafeMutablePointer<Atomic<UInt64>>
    static let wordSize = 8

    init(path: String) throws(IOFailure) {
        fd = try Syscalls.open(path, flags: O_RDWR | O_CREAT)
        do throws(IOFailure) {
            try Syscalls.lockExclusive(fd, path: path)
            // Write the word's bytes (not just a size) when the file is new: a store through
            // the mapping into a hole would need a block, and on a full disk raise SIGBUS.
            if try Syscalls.fileSize(fd, path: path) < Self.wordSize {
                let zeros = AlignedBuffer(capacity: Self.wordSize)
                try Syscalls.pwriteAll(fd, zeros.bytes(0..<Self.wordSize), at: 0, path: path)
            }
            guard let p = mmap(nil, Self.wordSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
                throw Syscalls.failure("mmap", path)
            }
            word = p.bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        } catch {
            Syscalls.close(fd)
            throw error
        }
    }

    func publish(readableThrough sequence: UInt64) {
        // Host byte order; the file is only ever read on the machine that wrote it.
        word.pointee.store(sequence, ordering: .releasing)
    }

    func release() {
        guard fd >= 0 else { return }
        munmap(UnsafeMutableRawPointer(word), Self.wordSize)
        Syscalls.close(fd)
        fd = -1
    }

    deinit { release() }

    /// The published word when a writer holds the lock at `path`, else nil (also when the file
    /// does not exist). 0 while the holder has not written the word yet.
    static func readableThrough(path: String) throws(IOFailure) -> UInt64? {
        let fd: Int32
        do throws(IOFailure) { fd = try Syscalls.open(path, flags: O_RDONLY) } catch {
            if error.errno == .noSuchFileOrDirectory { return nil }
            throw error
        }
        defer { Syscalls.close(fd) }
        guard try Syscalls.isLockedByOther(fd, path: path) else { return nil }
        guard try Syscalls.fileSize(fd, path: path) >= wordSize else { return 0 }
        guard let p = mmap(nil, wordSize, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw Syscalls.failure("mmap", path)
        }
        defer { munmap(p, wordSize) }
        return p.bindMemory(to: Atomic<UInt64>.self, capacity: 1).pointee.load(ordering: .acquiring)
    }
}
