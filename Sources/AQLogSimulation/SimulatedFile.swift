import AQLog
import SystemPackage

/// An open file of a ``SimulatedStorage``: a handle on an inode, valid until closed or until
/// the simulated machine crashes (then every call fails with `EIO`, as for a dead process).
/// With the storage's `writesInFlight` above 1 it keeps synced writes in flight
/// (``InFlightWrite``).
final class SimulatedFile: StorageFile, @unchecked Sendable {
    // Immutable except `closed`, which only the single owner touches (like PosixFile's fd).
    private let storage: SimulatedStorage
    private let inode: Int
    private let generation: Int
    /// Tells this handle's writes in flight from other handles'.
    private let serial: Int
    private var closed = false
    /// Opened for reading only: anything that writes fails with `EBADF`, as on an `O_RDONLY`
    /// descriptor (so the simulator catches a reader that writes).
    private let readOnly: Bool
    let path: String
    var requiresAlignedWrites: Bool { false }
    var writesInFlightLimit: Int { storage.writesInFlight }

    init(storage: SimulatedStorage, inode: Int, path: String, generation: Int, serial: Int, readOnly: Bool = false) {
        self.readOnly = readOnly
        self.storage = storage
        self.inode = inode
        self.path = path
        self.generation = generation
        self.serial = serial
    }

    private func open(_ operation: String) throws(IOFailure) {
        if closed { throw IOFailure(operation, path: path, errno: .badFileDescriptor) }
    }

    private func writable(_ operation: String) throws(IOFailure) {
        try open(operation)
        if readOnly { throw IOFailure(operation, path: path, errno: .badFileDescriptor) }
    }

    func size() throws(IOFailure) -> Int {
        try open("fstat")
        return try storage.withVisibleBytes(inode, generation: generation, operation: "fstat", path: path) { $0.count }
    }

    func preallocateZeroed(size: Int) throws(IOFailure) {
        try writable("fallocate")
        try storage.preallocate(inode, generation: generation, path: path, size: size, synced: true)
    }

    /// Like `fallocate` without a sync: the size is durable only after the next sync.
    func reserve(size: Int) throws(IOFailure) {
        try writable("fallocate")
        try storage.preallocate(inode, generation: generation, path: path, size: size, synced: false)
    }

    /// A hint only: the simulator keeps written bytes volatile until a sync either way.
    func startWriteback(from offset: Int, length: Int) {}

    /// Forgets the pages a failed sync left readable but never durable.
    func dropCleanPages() { storage.dropCleanPages(inode, generation: generation) }
    func dropCleanPages(from offset: Int) { storage.dropCleanPages(inode, generation: generation, from: offset) }

    /// Like `PosixFile`: skips the already-written prefix, continues short writes, then syncs.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        try writable("pwrite")
        precondition(!storage.hasWritesInFlight(file: serial, generation: generation), "a blocking write while writes are in flight")
        let skip = max(0, min(newBytesFrom - offset, bytes.count))
        var done = skip
        while done < bytes.count {
            done += try storage.pwrite(inode, generation: generation, path: path,
                                       UnsafeRawBufferPointer(rebasing: bytes[done...]), at: offset + done)
        }
        if sync { try storage.sync(inode, generation: generation, path: path) }
    }

    /// Like the io_uring backend: a synced write is kept in flight when the storage allows
    /// more than one (the bytes not written before, like ``write(_:at:newBytesFrom:sync:)``);
    /// anything else is written at once.
    func submitWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool, tag: UInt64) -> WriteCompletion? {
        guard sync, writesInFlightLimit > 1, !closed, !readOnly else {
            do throws(IOFailure) {
                try write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
                return WriteCompletion(tag: tag, failure: nil)
            } catch { return WriteCompletion(tag: tag, failure: error) }
        }
        let skip = max(0, min(newBytesFrom - offset, bytes.count))
        return storage.submit(file: serial, inode: inode, generation: generation, path: path,
                              UnsafeRawBufferPointer(rebasing: bytes[skip...]), at: offset + skip, tag: tag)
    }

    func awaitWriteCompletion(timeout: Duration?) -> WriteCompletion? {
        storage.awaitCompletion(file: serial, generation: generation, timeout: timeout)
    }

    func syncData() throws(IOFailure) {
        try open("fdatasync")
        precondition(!storage.hasWritesInFlight(file: serial, generation: generation), "a sync while writes are in flight")
        try storage.sync(inode, generation: generation, path: path)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try open("pread")
        return try storage.withVisibleBytes(inode, generation: generation, operation: "pread", path: path) { current in
            let available = max(0, min(buffer.count, current.count - offset))
            guard available > 0 else { return 0 }
            current.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: available)
            }
            return available
        }
    }

    /// A region over a private copy of the current bytes (later writes do not show through).
    func mapReadOnly() throws(IOFailure) -> MappedRegion {
        try open("mmap")
        return try storage.withVisibleBytes(inode, generation: generation, operation: "mmap", path: path) { current in
            let count = current.count
            guard count > 0 else { return MappedRegion(bytes: UnsafeRawBufferPointer(start: nil, count: 0), release: { _ in }) }
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 4096)
            current.withUnsafeBytes { copy.copyMemory(from: $0) }
            return MappedRegion(bytes: UnsafeRawBufferPointer(copy)) { $0.deallocate() }
        }
    }

    func truncate(to size: Int) throws(IOFailure) {
        try writable("ftruncate")
        try storage.truncate(inode, generation: generation, path: path, size: size)
    }

    func close() { closed = true }
}
