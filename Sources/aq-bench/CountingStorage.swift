import AQLog
import Synchronization

/// Counts what the log asks of its storage: writes, syncs (a synced write or a `syncData`)
/// and new bytes written. Wraps a real ``Storage``; adds two relaxed atomic adds per write.
final class IOCounters: Sendable {
    let writes = Atomic<Int>(0)
    let syncs = Atomic<Int>(0)
    let newBytes = Atomic<Int>(0)
    /// Bytes a write skipped past the previous write's end in the same file: the padding of a
    /// batch begun on a fresh block beside another in flight.
    let paddingBytes = Atomic<Int>(0)

    struct Snapshot: Sendable {
        var writes = 0, syncs = 0, newBytes = 0, paddingBytes = 0
        static func - (a: Snapshot, b: Snapshot) -> Snapshot {
            Snapshot(writes: a.writes - b.writes, syncs: a.syncs - b.syncs, newBytes: a.newBytes - b.newBytes,
                     paddingBytes: a.paddingBytes - b.paddingBytes)
        }
    }

    func snapshot() -> Snapshot {
        Snapshot(writes: writes.load(ordering: .relaxed), syncs: syncs.load(ordering: .relaxed),
                 newBytes: newBytes.load(ordering: .relaxed), paddingBytes: paddingBytes.load(ordering: .relaxed))
    }
}

final class CountingStorage: Storage {
    let inner: any Storage
    let counters: IOCounters

    init(_ inner: any Storage, counters: IOCounters) {
        self.inner = inner
        self.counters = counters
    }

    func createDirectory(_ path: String) throws(IOFailure) { try inner.createDirectory(path) }
    func listDirectory(_ path: String) throws(IOFailure) -> [String] { try inner.listDirectory(path) }
    func isDirectory(_ path: String) -> Bool { inner.isDirectory(path) }
    var keepsWritesInFlight: Bool { inner.keepsWritesInFlight }
    func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile {
        CountingFile(inner: try inner.openFile(path, create: create), counters: counters)
    }
    func openFileForReading(_ path: String) throws(IOFailure) -> any StorageFile {
        CountingFile(inner: try inner.openFileForReading(path), counters: counters)
    }
    func rename(_ from: String, to: String) throws(IOFailure) { try inner.rename(from, to: to) }
    func removeFile(_ path: String) throws(IOFailure) { try inner.removeFile(path) }
    func syncDirectory(_ path: String) throws(IOFailure) { try inner.syncDirectory(path) }
    func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock { try inner.lockExclusive(path) }
    func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try inner.writerProgress(lockPath: path) }
    func recordedProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? { try inner.recordedProgress(lockPath: path) }
}

final class CountingFile: StorageFile {
    let inner: any StorageFile
    let counters: IOCounters
    /// End of the last record write submitted (the log's I/O thread only).
    private let lastEnd = Atomic<Int>(0)

    init(inner: any StorageFile, counters: IOCounters) {
        self.inner = inner
        self.counters = counters
    }

    var path: String { inner.path }
    var requiresAlignedWrites: Bool { inner.requiresAlignedWrites }
    func size() throws(IOFailure) -> Int { try inner.size() }
    func preallocateZeroed(size: Int) throws(IOFailure) { try inner.preallocateZeroed(size: size) }
    func reserve(size: Int) throws(IOFailure) { try inner.reserve(size: size) }
    func startWriteback(from offset: Int, length: Int) { inner.startWriteback(from: offset, length: length) }
    func dropCleanPages() { inner.dropCleanPages() }
    func dropCleanPages(from offset: Int) { inner.dropCleanPages(from: offset) }
    func isNamed(by path: String) -> Bool { inner.isNamed(by: path) }
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) throws(IOFailure) {
        try inner.write(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
        count(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
    }
    var writesInFlightLimit: Int { inner.writesInFlightLimit }
    func submitWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool, tag: UInt64) -> WriteCompletion? {
        count(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync)
        return inner.submitWrite(bytes, at: offset, newBytesFrom: newBytesFrom, sync: sync, tag: tag)
    }
    func awaitWriteCompletion(timeout: Duration?) -> WriteCompletion? { inner.awaitWriteCompletion(timeout: timeout) }
    private func count(_ bytes: UnsafeRawBufferPointer, at offset: Int, newBytesFrom: Int, sync: Bool) {
        // Padding is less than a block (a fresh block starts at the previous end rounded up);
        // a seal's index lands further on, and is no padding.
        let gap = newBytesFrom - lastEnd.exchange(offset + bytes.count, ordering: .relaxed)
        if gap > 0 && gap < 4096 { counters.paddingBytes.add(gap, ordering: .relaxed) }
        counters.writes.add(1, ordering: .relaxed)
        counters.newBytes.add(max(0, offset + bytes.count - max(offset, newBytesFrom)), ordering: .relaxed)
        if sync { counters.syncs.add(1, ordering: .relaxed) }
    }
    func syncData() throws(IOFailure) {
        try inner.syncData()
        counters.syncs.add(1, ordering: .relaxed)
    }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try inner.read(into: buffer, at: offset)
    }
    func mapReadOnly() throws(IOFailure) -> MappedRegion { try inner.mapReadOnly() }
    func truncate(to size: Int) throws(IOFailure) { try inner.truncate(to: size) }
    func close() { inner.close() }
}
