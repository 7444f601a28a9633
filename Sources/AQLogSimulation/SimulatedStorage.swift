import AQLog
import Foundation
import SystemPackage

/// An in-memory, fault-injecting file system: the third implementation of ``Storage``.
///
/// Modelled on TigerBeetle's testing storage and on LazyFS: every file keeps its durable
/// bytes and its unsynced writes separately, so ``crash(_:)`` can decide, per ``CrashMode``,
/// which unsynced bytes survive (none, all, a random subset of 512-byte sectors, or a torn
/// prefix of the last writes). Directory entries (creation, rename, removal) become durable
/// only on ``syncDirectory(_:)``, like ext4 without a journal (SPEC §11). Directories
/// themselves are durable as soon as they are created (a simplification: the log never
/// syncs its parent directory).
///
/// Faults are injected on chosen operations (``schedule(_:)``) or at random
/// (``faultRates``); bits can be flipped at rest (``flipBit(path:bit:)``). Everything random
/// comes from one ``SimulationRandom`` seeded at init, and the log's own work is
/// deterministic when opened with `backgroundPreparation: false`, so a run replays exactly
/// from its seed.
///
/// ```swift
/// let disk = SimulatedStorage(seed: 42)
/// let log = try LogWriter(directory: "/log", options: .init(segmentSize: 64 << 10),
///                         storage: disk, backgroundPreparation: false)
/// try log.append([1, 2, 3])
/// disk.crash(.randomSubset)          // power loss: the old writer's handles are dead
/// let reopened = try LogWriter(directory: "/log", storage: disk, backgroundPreparation: false)
/// ```
///
/// Thread-safe (one lock around all state), so the concurrent log may use it too.
public final class SimulatedStorage: Storage, @unchecked Sendable {
    private let lock = NSLock()
    private var random: SimulationRandom
    private var inodes: [Int: SimulatedInode] = [:]
    private var nextInode = 1
    /// Directory entries as the running system sees them: path → inode.
    private var live: [String: Int] = [:]
    /// Directory entries that survive a crash.
    private var durable: [String: Int] = [:]
    private var directories: Set<String> = ["/"]
    private var held: Set<String> = []
    /// What each held lock published (``StorageLock/publish(_:)``).
    private var published: [String: WriterProgress] = [:]
    private var triggers: [FaultTrigger] = []
    private var statistics = SimulationStatistics()
    /// Incremented by every crash; handles of an older generation belong to a dead process.
    private(set) var generation = 0

    /// Probabilities of random faults per operation.
    public var faultRates: FaultRates {
        get { locked { rates } }
        set { locked { rates = newValue } }
    }
    private var rates = FaultRates()

    /// A fresh, empty file system whose random choices all derive from `seed`.
    public init(seed: UInt64) { random = SimulationRandom(seed: seed) }

    /// What has been done and injected so far.
    public var stats: SimulationStatistics { locked { statistics } }

    // MARK: - Faults and crashes

    /// Receives one line per mutating operation, fault and crash (debugging a failing seed).
    public func trace(_ sink: (@Sendable (String) -> Void)?) { locked { tracer = sink } }
    private var tracer: (@Sendable (String) -> Void)?

    /// Arms a fault that fires on a future operation (see ``FaultTrigger``).
    public func schedule(_ trigger: FaultTrigger) { locked { triggers.append(trigger) } }

    /// Disarms every scheduled fault and zeroes the random fault rates.
    public func clearFaults() { locked { triggers.removeAll(); rates = FaultRates() } }

    /// Crashes the machine (or, with ``CrashMode/keepUnsynced``, the process) now: unsynced
    /// data survives per `mode`, directory entries revert to their last synced state on a power
    /// loss, locks are released and every open handle is dead.
    public func crash(_ mode: CrashMode) { locked { crashLocked(mode) } }

    /// The kernel's write-back of one file's dirty pages, then dropping its clean ones (names
    /// and other files untouched): reads then show its medium. For tests that act on the medium
    /// (``flipBit(path:bit:)``) after a process crash left dirty pages, which write-back would
    /// otherwise lay over such a change.
    public func writeBack(path: String) {
        locked {
            guard let id = live[path] else { return }
            inodes[id]?.sync()
            inodes[id]?.dropCleanPages()
        }
    }

    /// Flips one bit of a file on the medium (a latent sector error that no sync repairs).
    public func flipBit(path: String, bit: Int) {
        locked {
            guard let id = live[path] ?? durable[path] else { return }
            inodes[id]!.flipBit(bit)
            statistics.bitFlips += 1
        }
    }

    // MARK: - Inspection (tests)

    /// The bytes a read of `path` returns now, or nil when it does not exist.
    public func contents(of path: String) -> [UInt8]? { locked { live[path].map { inodes[$0]!.current } } }

    /// The bytes of `path` that would survive a crash that drops all unsynced writes, or nil
    /// when its directory entry would not survive.
    public func durableContents(of path: String) -> [UInt8]? { locked { durable[path].map { inodes[$0]!.durable } } }

    /// Replaces (or creates) `path` with `bytes`, durably, entry included (test setup).
    public func setContents(of path: String, _ bytes: [UInt8]) {
        locked {
            let id = live[path] ?? newInode()
            inodes[id]!.setDurable(bytes)
            live[path] = id
            durable[path] = id
        }
    }

    /// The files in `directory` as a crash would leave them (entry names, sorted).
    public func durableNames(in directory: String) -> [String] {
        locked { durable.keys.filter { Self.parent($0) == directory }.map { Self.name($0) }.sorted() }
    }

    // MARK: - Storage

    public func createDirectory(_ path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard directories.contains(Self.parent(path)) else { throw IOFailure("mkdir", path: path, errno: .noSuchFileOrDirectory) }
            directories.insert(Self.normalize(path))
        }
    }

    public func listDirectory(_ path: String) throws(IOFailure) -> [String] {
        try lockedThrowing { () throws(IOFailure) in
            let dir = Self.normalize(path)
            guard directories.contains(dir) else { throw IOFailure("opendir", path: path, errno: .noSuchFileOrDirectory) }
            return live.keys.filter { Self.parent($0) == dir }.map { Self.name($0) }.sorted()
        }
    }

    public func isDirectory(_ path: String) -> Bool { locked { directories.contains(Self.normalize(path)) } }

    public func openFile(_ path: String, create: Bool) throws(IOFailure) -> any StorageFile {
        try lockedThrowing { () throws(IOFailure) in
            if let id = live[path] { return SimulatedFile(storage: self, inode: id, path: path, generation: generation) }
            guard create, directories.contains(Self.parent(path)) else { throw IOFailure("open", path: path, errno: .noSuchFileOrDirectory) }
            try fault(.create, path: path)
            let id = newInode()
            live[path] = id
            return SimulatedFile(storage: self, inode: id, path: path, generation: generation)
        }
    }

    public func rename(_ from: String, to: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard let id = live[from] else { throw IOFailure("rename", path: from, errno: .noSuchFileOrDirectory) }
            try fault(.rename, path: to)
            live[from] = nil
            live[to] = id
        }
    }

    public func removeFile(_ path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard live[path] != nil else { throw IOFailure("unlink", path: path, errno: .noSuchFileOrDirectory) }
            try fault(.remove, path: path)
            live[path] = nil
        }
    }

    public func syncDirectory(_ path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            let dir = Self.normalize(path)
            try fault(.syncDirectory, path: dir)
            for key in durable.keys where Self.parent(key) == dir { durable[key] = nil }
            for (key, id) in live where Self.parent(key) == dir { durable[key] = id }
        }
    }

    public func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock {
        try lockedThrowing { () throws(IOFailure) in
            if live[path] == nil {
                guard directories.contains(Self.parent(path)) else { throw IOFailure("open", path: path, errno: .noSuchFileOrDirectory) }
                live[path] = newInode()
            }
            guard !held.contains(path) else { throw IOFailure("fcntl(F_OFD_SETLK)", path: path, errno: .wouldBlock) }
            held.insert(path)
            return SimulatedLock(storage: self, path: path, generation: generation)
        }
    }

    public func writerProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? {
        locked { held.contains(path) ? published[path] ?? .nothing : nil }
    }

    // MARK: - File operations (called by SimulatedFile)

    /// Runs `body` on a live handle's inode, or fails with `EIO` when the handle's process died.
    func withInode<T>(_ id: Int, generation: Int, operation: String, path: String,
                      _ body: (SimulatedInode) throws(IOFailure) -> T) throws(IOFailure) -> T {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else {
                throw IOFailure(operation, path: path, errno: .ioError)
            }
            return try body(inode)
        }
    }

    /// One `pwrite` of at most `bytes.count` bytes; returns how many were stored.
    func pwrite(_ id: Int, generation: Int, path: String, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(IOFailure) -> Int {
        try lockedThrowing { () throws(IOFailure) -> Int in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset) }
            var action = triggered(.write, path: path)
            if action == nil {
                if random.chance(rates.writeIOError) { action = .fail(.ioError) }
                else if random.chance(rates.writeNoSpace) { action = .fail(.noSpace) }
                else if random.chance(rates.shortWrite) { action = .shortWrite }
            }
            tracer?("   @\(offset) +\(bytes.count) \(action.map { "\($0)" } ?? "ok")")
            guard let action else {
                inode.write(bytes, at: offset)
                return bytes.count
            }
            // Faulted writes store a random sector-aligned prefix first (possibly nothing).
            let spans = SimulatedInode.sectorSpans(offset: offset, count: bytes.count)
            switch action {
            case .shortWrite:
                guard spans.count > 1 else { inode.write(bytes, at: offset); return bytes.count }
                statistics.shortWrites += 1
                let n = spans[random.int(in: 0..<(spans.count - 1))].upperBound - offset
                inode.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset)
                return n
            case .fail(let errno):
                if errno == .noSpace { statistics.writeNoSpace += 1 } else if errno == .ioError { statistics.writeIOErrors += 1 } else { statistics.otherFailures += 1 }
                let n = spans[random.int(in: 0..<spans.count)].lowerBound - offset
                if n > 0 { inode.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset) }
                throw IOFailure("pwrite", path: path, errno: errno, offset: offset + n)
            case .crash(let mode):
                let n = spans[random.int(in: 0..<spans.count)].upperBound - offset
                inode.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), at: offset)
                crashLocked(mode)
                throw IOFailure("pwrite", path: path, errno: .ioError, offset: offset + n)
            }
        }
    }

    func dropCleanPages(_ id: Int, generation: Int) {
        locked {
            guard generation == self.generation else { return }
            inodes[id]?.dropCleanPages()
        }
    }

    /// `fdatasync`: pending changes become durable, or (on an injected failure) are forgotten.
    func sync(_ id: Int, generation: Int, path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("fdatasync", path: path, errno: .ioError) }
            var action = triggered(.sync, path: path)
            if action == nil, random.chance(rates.syncIOError) { action = .fail(.ioError) }
            switch action {
            case nil: inode.sync()
            case .shortWrite?: inode.sync()
            case .fail(let errno)?:
                if errno == .ioError { statistics.syncIOErrors += 1 } else { statistics.otherFailures += 1 }
                inode.forgetPending()
                throw IOFailure("fdatasync", path: path, errno: errno)
            case .crash(let mode)?:
                crashLocked(mode)
                throw IOFailure("fdatasync", path: path, errno: .ioError)
            }
        }
    }

    /// Zero-fills to `size` and syncs, or fails (`ENOSPC`) leaving the file as it was.
    func preallocate(_ id: Int, generation: Int, path: String, size: Int, synced: Bool) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("fallocate", path: path, errno: .ioError) }
            var action = triggered(.preallocate, path: path)
            if action == nil, random.chance(rates.preallocateNoSpace) { action = .fail(.noSpace) }
            switch action {
            case nil, .shortWrite?:
                if size > inode.current.count { inode.resize(to: size) }
                if synced { inode.sync() }
            case .fail(let errno)?:
                if errno == .noSpace { statistics.preallocateNoSpace += 1 } else { statistics.otherFailures += 1 }
                throw IOFailure("fallocate", path: path, errno: errno)
            case .crash(let mode)?:
                crashLocked(mode)
                throw IOFailure("fallocate", path: path, errno: .ioError)
            }
        }
    }

    /// `ftruncate` (unsynced until the next sync).
    func truncate(_ id: Int, generation: Int, path: String, size: Int) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            guard generation == self.generation, let inode = inodes[id] else { throw IOFailure("ftruncate", path: path, errno: .ioError) }
            try fault(.truncate, path: path)
            inode.resize(to: size)
        }
    }

    func release(lock path: String, generation: Int) {
        locked {
            guard generation == self.generation else { return }
            held.remove(path)  // the record stays, as in a real LOCK file
        }
    }

    /// What the lock file at `path` holds, held or not (as a `pread` of a real `LOCK` sees it).
    func lastPublished(lock path: String) -> WriterProgress {
        locked { published[path] ?? .nothing }
    }

    func publish(lock path: String, generation: Int, _ progress: WriterProgress) -> Bool {
        locked {
            guard generation == self.generation else { return false }
            published[path] = progress
            return true
        }
    }

    // MARK: - Internals (lock held)

    private func newInode() -> Int {
        let id = nextInode
        nextInode += 1
        inodes[id] = SimulatedInode()
        return id
    }

    private func crashLocked(_ mode: CrashMode) {
        tracer?("crash \(mode)")
        statistics.crashes[mode, default: 0] += 1
        for id in inodes.keys.sorted() { statistics.sectorsLost += inodes[id]!.crash(mode, random: &random) }
        // A process crash keeps the page cache and the directory entries in it, unsynced (a
        // later power loss still reverts them); a power loss reverts to what was synced.
        if mode != .keepUnsynced { live = durable }
        let referenced = Set(durable.values).union(live.values)
        for id in inodes.keys where !referenced.contains(id) { inodes[id] = nil }
        held.removeAll()
        // `LOCK` is rewritten in place and never synced: a process crash leaves its record in
        // the page cache; after a power loss write-back may or may not have reached it.
        if mode != .keepUnsynced, Bool.random(using: &random) { published.removeAll() }
        generation += 1
    }

    /// Counts the operation and returns the action of the first trigger that fires on it.
    private func triggered(_ operation: StorageOperation, path: String) -> FaultAction? {
        statistics.operations += 1
        tracer?("#\(statistics.operations) \(operation) \(path)")
        for i in triggers.indices {
            let t = triggers[i]
            guard t.operation == nil || t.operation == operation, t.pathContains.map({ path.contains($0) }) ?? true else { continue }
            if t.skip > 0 { triggers[i].skip -= 1; continue }
            if !t.persistent { triggers.remove(at: i) }
            return t.action
        }
        return nil
    }

    /// For operations whose only faults are failures and crashes.
    private func fault(_ operation: StorageOperation, path: String) throws(IOFailure) {
        switch triggered(operation, path: path) {
        case nil, .shortWrite?: return
        case .fail(let errno)?:
            statistics.otherFailures += 1
            throw IOFailure(operation.rawValue, path: path, errno: errno)
        case .crash(let mode)?:
            crashLocked(mode)
            throw IOFailure(operation.rawValue, path: path, errno: .ioError)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func lockedThrowing<T>(_ body: () throws(IOFailure) -> T) throws(IOFailure) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static func normalize(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    static func parent(_ path: String) -> String {
        let p = normalize(path)
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    static func name(_ path: String) -> String {
        let p = normalize(path)
        guard let slash = p.lastIndex(of: "/") else { return p }
        return String(p[p.index(after: slash)...])
    }
}

/// A lock of ``SimulatedStorage``: in memory, dropped by a crash.
final class SimulatedLock: StorageLock, @unchecked Sendable {
    private let storage: SimulatedStorage
    private let path: String
    private let generation: Int
    private var released = false
    private var publishing = false
    private let guardLock = NSLock()

    init(storage: SimulatedStorage, path: String, generation: Int) {
        self.storage = storage
        self.path = path
        self.generation = generation
    }

    func release() {
        guardLock.lock()
        let first = !released
        released = true
        guardLock.unlock()
        if first { storage.release(lock: path, generation: generation) }
    }

    func startPublishing() throws(IOFailure) -> WriterProgress {
        guardLock.withLock { publishing = true }
        let previous = storage.lastPublished(lock: path)
        _ = storage.publish(lock: path, generation: generation,
                            WriterProgress(readableThrough: 0, durableThrough: previous.durableThrough))
        return previous
    }

    @discardableResult func publish(_ progress: WriterProgress) -> Bool {
        guard guardLock.withLock({ publishing && !released }) else { return false }
        return storage.publish(lock: path, generation: generation, progress)
    }

    deinit { release() }
}
