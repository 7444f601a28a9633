import AQLog
import Foundation
import SystemPackage

/// An in-memory, fault-injecting file system: the third implementation of ``Storage``.
///
/// Modelled on TigerBeetle's testing storage and on LazyFS: every file keeps its durable
/// bytes and its unsynced writes separately, so ``crash(_:)`` can decide, per ``CrashMode``,
/// which unsynced bytes survive (none, all, a random subset of 512-byte sectors, or a torn
/// prefix of the last writes), and tears every write still in flight (``InFlightWrite``).
/// Directory entries (creation, rename, removal) become durable
/// only on ``syncDirectory(_:)``, like ext4 without a journal. Directories
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
    var random: SimulationRandom
    var inodes: [Int: SimulatedInode] = [:]
    var nextInode = 1
    /// Directory entries as the running system sees them: path → inode.
    var live: [String: Int] = [:]
    /// Directory entries that survive a crash.
    var durable: [String: Int] = [:]
    private var directories: Set<String> = ["/"]
    var held: Set<String> = []
    /// What each held lock published (``StorageLock/publish(_:)``).
    var published: [String: WriterProgress] = [:]
    var triggers: [FaultTrigger] = []
    var statistics = SimulationStatistics()
    /// Incremented by every crash; handles of an older generation belong to a dead process.
    var generation = 0
    /// How many synced writes each file keeps in flight (``StorageFile/writesInFlightLimit``).
    public let writesInFlight: Int
    /// A log over it may keep several commits in flight when its files can (``writesInFlight`` above 1).
    public var keepsWritesInFlight: Bool { writesInFlight > 1 }
    /// Synced writes submitted and not yet completed, in submission order (``InFlightWrite``).
    var inFlight: [InFlightWrite] = []
    /// Identifies open handles (their writes in flight).
    var nextFileSerial = 1
    /// With ``haltsAfterCrash``: a crash happened and ``resume()`` was not called yet.
    var halted = false

    /// After a crash, every operation fails with `EIO` until ``resume()``: the crashed
    /// process's threads (a `Log`'s committer finishing a roll, its close) cannot reach the
    /// disk through names, only the next process can. Off by default: a handle opened after the
    /// crash then works, which is what single-threaded harnesses that reopen rely on.
    public var haltsAfterCrash: Bool {
        get { locked { halts } }
        set { locked { halts = newValue } }
    }
    var halts = false

    /// Ends the halt after a crash (``haltsAfterCrash``): the next process starts.
    public func resume() { locked { halted = false } }

    /// Throws `EIO` while halted after a crash.
    func checkAlive(_ operation: String, path: String) throws(IOFailure) {
        if halted { throw IOFailure(operation, path: path, errno: .ioError) }
    }

    /// Probabilities of random faults per operation.
    public var faultRates: FaultRates {
        get { locked { rates } }
        set { locked { rates = newValue } }
    }
    var rates = FaultRates()

    /// A fresh, empty file system whose random choices all derive from `seed`.
    ///
    /// `writesInFlight` is each file's ``StorageFile/writesInFlightLimit``. 1 (the default):
    /// every write completes inside the call that starts it, as over the posix backend. Above
    /// 1 the files behave like the io_uring backend writing `O_DIRECT` + `RWF_DSYNC`: a synced
    /// write ``StorageFile/submitWrite(_:at:newBytesFrom:sync:tag:)`` starts stays pending
    /// until ``StorageFile/awaitWriteCompletion(timeout:)`` completes it, in an order the
    /// seeded random source picks (see ``InFlightWrite``); unsynced writes still complete at
    /// once. The log then keeps up to its commit depth of batches in flight.
    public init(seed: UInt64, writesInFlight: Int = 1) {
        precondition(writesInFlight >= 1)
        random = SimulationRandom(seed: seed)
        self.writesInFlight = writesInFlight
    }

    /// What has been done and injected so far.
    public var stats: SimulationStatistics { locked { statistics } }

    // MARK: - Faults and crashes

    /// Receives one line per mutating operation, fault and crash (debugging a failing seed).
    public func trace(_ sink: (@Sendable (String) -> Void)?) { locked { tracer = sink } }
    var tracer: (@Sendable (String) -> Void)?

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

    /// Flips one bit of a file on the medium while its cached page, if any, keeps the bit as it
    /// was (a sector damaged under a page the cache still holds): reads show it once the page
    /// is dropped.
    public func flipBitOnMedium(path: String, bit: Int) {
        locked {
            guard let id = live[path] ?? durable[path] else { return }
            inodes[id]!.flipBitOnMedium(bit)
            statistics.bitFlips += 1
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
    public func contents(of path: String) -> [UInt8]? { locked { live[path].map { visibleBytes($0) } } }

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
            try checkAlive("mkdir", path: path)
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
            try checkAlive("open", path: path)
            if let id = live[path] { return newFile(inode: id, path: path) }
            guard create, directories.contains(Self.parent(path)) else { throw IOFailure("open", path: path, errno: .noSuchFileOrDirectory) }
            try fault(.create, path: path)
            let id = newInode()
            live[path] = id
            return newFile(inode: id, path: path)
        }
    }

    public func openFileForReading(_ path: String) throws(IOFailure) -> any StorageFile {
        try lockedThrowing { () throws(IOFailure) in
            try checkAlive("open", path: path)
            guard let id = live[path] else { throw IOFailure("open", path: path, errno: .noSuchFileOrDirectory) }
            return newFile(inode: id, path: path, readOnly: true)
        }
    }

    public func rename(_ from: String, to: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            try checkAlive("rename", path: from)
            guard let id = live[from] else { throw IOFailure("rename", path: from, errno: .noSuchFileOrDirectory) }
            try fault(.rename, path: to)
            live[from] = nil
            live[to] = id
        }
    }

    public func removeFile(_ path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            try checkAlive("unlink", path: path)
            guard live[path] != nil else { throw IOFailure("unlink", path: path, errno: .noSuchFileOrDirectory) }
            try fault(.remove, path: path)
            live[path] = nil
            published[path] = nil  // a lock file's record goes with it
        }
    }

    public func syncDirectory(_ path: String) throws(IOFailure) {
        try lockedThrowing { () throws(IOFailure) in
            try checkAlive("fsync", path: path)
            let dir = Self.normalize(path)
            try fault(.syncDirectory, path: dir)
            for key in durable.keys where Self.parent(key) == dir { durable[key] = nil }
            for (key, id) in live where Self.parent(key) == dir { durable[key] = id }
        }
    }

    public func lockExclusive(_ path: String) throws(IOFailure) -> any StorageLock {
        try lockedThrowing { () throws(IOFailure) in
            try checkAlive("fcntl(F_OFD_SETLK)", path: path)
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

    public func recordedProgress(lockPath path: String) throws(IOFailure) -> WriterProgress? {
        locked { published[path] }
    }

    // MARK: - Internals (lock held)

    func newFile(inode id: Int, path: String, readOnly: Bool = false) -> SimulatedFile {
        nextFileSerial += 1
        return SimulatedFile(storage: self, inode: id, path: path, generation: generation, serial: nextFileSerial, readOnly: readOnly)
    }

    func newInode() -> Int {
        let id = nextInode
        nextInode += 1
        inodes[id] = SimulatedInode()
        return id
    }


    func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    func lockedThrowing<T>(_ body: () throws(IOFailure) -> T) throws(IOFailure) -> T {
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
