import SystemPackage

/// The mutating operations of ``SimulatedStorage`` that faults can target.
public enum StorageOperation: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One `pwrite` call of a file write (a write may take several after short writes), or
    /// the completion of a write kept in flight (its write part).
    case write
    /// `fdatasync` of a file (also the one inside `write(…, sync: true)`), or the sync part of
    /// a write kept in flight (`RWF_DSYNC`), checked at its completion after its write part.
    case sync
    /// Zero-filling a file to its segment size (`fallocate` + zero writes + `fdatasync`).
    case preallocate
    /// `ftruncate`.
    case truncate
    /// Creating a file (`open(O_CREAT)` of a missing path).
    case create
    /// `rename`.
    case rename
    /// `unlink`.
    case remove
    /// `fsync` of a directory.
    case syncDirectory

    public var description: String { rawValue }
}

/// What happens to the writes a file holds that were never synced, when the machine crashes.
public enum CrashMode: String, Sendable, CaseIterable {
    /// A process crash (`SIGKILL`): the page cache survives, every written byte and directory
    /// entry is kept, and stays unsynced: a later power loss can still lose it.
    case keepUnsynced
    /// Power loss with nothing written back: every unsynced write is lost.
    case dropUnsynced
    /// Power loss with arbitrary partial write-back: each 512-byte sector of each unsynced
    /// write is independently kept or lost.
    case randomSubset
    /// Power loss while the last writes were in flight: earlier unsynced writes are kept, the
    /// last one to three are torn, keeping a prefix of their 512-byte sectors.
    case tornTail

    /// The power-loss modes (everything but ``keepUnsynced``).
    public static let powerLoss: [CrashMode] = [.dropUnsynced, .randomSubset, .tornTail]
}

/// What a triggered fault does to the operation it fires on.
public enum FaultAction: Sendable, Equatable {
    /// The operation fails with `errno`. A failed write may have stored a sector-aligned prefix
    /// of its bytes first; a failed `fdatasync` forgets the pages it could not write (they stay
    /// readable until a crash but are never made durable: the "fsyncgate" semantics).
    case fail(Errno)
    /// A write stores only part of its bytes and reports the short count (the caller continues).
    case shortWrite
    /// The machine crashes in the middle of the operation (see ``CrashMode``); the operation
    /// and every later one on the old handles fail with `EIO`.
    case crash(CrashMode)
}

/// A fault that fires on a chosen future operation.
public struct FaultTrigger: Sendable, Equatable {
    /// The operation kind that counts (nil: any mutating operation).
    public var operation: StorageOperation?
    /// Only operations on paths containing this string count (nil: any path).
    public var pathContains: String?
    /// Matching operations to let pass before firing (0: the next one fires).
    public var skip: Int
    /// What it does.
    public var action: FaultAction
    /// Keep firing on every later matching operation (e.g. a disk that stays full).
    public var persistent: Bool

    public init(on operation: StorageOperation? = nil, pathContains: String? = nil, skip: Int = 0,
                action: FaultAction, persistent: Bool = false) {
        self.operation = operation
        self.pathContains = pathContains
        self.skip = skip
        self.action = action
        self.persistent = persistent
    }
}

/// Per-operation probabilities of random faults (all zero by default).
public struct FaultRates: Sendable, Equatable {
    /// A `pwrite` fails with `EIO`.
    public var writeIOError = 0.0
    /// A `pwrite` fails with `ENOSPC`.
    public var writeNoSpace = 0.0
    /// A `pwrite` is short.
    public var shortWrite = 0.0
    /// An `fdatasync` fails with `EIO`.
    public var syncIOError = 0.0
    /// A preallocation fails with `ENOSPC`.
    public var preallocateNoSpace = 0.0

    public init(writeIOError: Double = 0, writeNoSpace: Double = 0, shortWrite: Double = 0,
                syncIOError: Double = 0, preallocateNoSpace: Double = 0) {
        self.writeIOError = writeIOError
        self.writeNoSpace = writeNoSpace
        self.shortWrite = shortWrite
        self.syncIOError = syncIOError
        self.preallocateNoSpace = preallocateNoSpace
    }
}

/// Counts of what the simulator did and injected (for closing notes and assertions).
public struct SimulationStatistics: Sendable, Equatable {
    public var operations = 0
    public var writeIOErrors = 0
    public var writeNoSpace = 0
    public var shortWrites = 0
    public var syncIOErrors = 0
    public var preallocateNoSpace = 0
    public var otherFailures = 0
    public var crashes: [CrashMode: Int] = [:]
    public var bitFlips = 0
    /// Unsynced 512-byte sectors lost in crashes.
    public var sectorsLost = 0
    /// Synced writes kept in flight (submitted, completed later; `writesInFlight` above 1).
    public var writesKeptInFlight = 0
    /// The most writes one file had in flight at once.
    public var mostWritesInFlight = 0
    /// Completions handed out before that of an earlier-submitted write still in flight.
    public var completionsOutOfOrder = 0
    /// Writes in flight when a crash stopped them (each torn to a random subset of sectors).
    public var inFlightWritesAtCrash = 0

    public init() {}

    /// Adds another run's counts.
    public mutating func add(_ o: SimulationStatistics) {
        operations += o.operations
        writeIOErrors += o.writeIOErrors
        writeNoSpace += o.writeNoSpace
        shortWrites += o.shortWrites
        syncIOErrors += o.syncIOErrors
        preallocateNoSpace += o.preallocateNoSpace
        otherFailures += o.otherFailures
        for (k, v) in o.crashes { crashes[k, default: 0] += v }
        bitFlips += o.bitFlips
        sectorsLost += o.sectorsLost
        writesKeptInFlight += o.writesKeptInFlight
        mostWritesInFlight = max(mostWritesInFlight, o.mostWritesInFlight)
        completionsOutOfOrder += o.completionsOutOfOrder
        inFlightWritesAtCrash += o.inFlightWritesAtCrash
    }
}
