import SystemPackage

// Every entry point that takes a log directory, with the directory as swift-system's
// `FilePath`. Each forwards `directory.string` to its `String` spelling, whose documentation
// describes it; a string literal still picks the `String` one.

extension Log {
    /// Opens (or creates) the log in `directory`, as the `String` spelling of
    /// `open(directory:options:durability:)` does.
    public static func open(directory: FilePath, options: LogOptions = .init(),
                            durability: Durability = .sync) throws(LogError) -> Log {
        try open(directory: directory.string, options: options, durability: durability)
    }

    /// Opens the log in `directory` over an explicit ``Storage``, as the `String` spelling does.
    public convenience init(directory: FilePath, options: LogOptions = .init(), durability: Durability = .sync,
                            storage: any Storage) throws(LogError) {
        try self.init(directory: directory.string, options: options, durability: durability, storage: storage)
    }
}

extension LogWriter {
    /// Opens the log in `directory`, as the `String` spelling of
    /// `open(directory:options:durability:)` does.
    public static func open(directory: FilePath, options: LogOptions = .init(),
                            durability: Durability = .sync) throws(LogError) -> LogWriter {
        try open(directory: directory.string, options: options, durability: durability)
    }

    /// Opens the log in `directory` over an explicit ``Storage``, as the `String` spelling does.
    public convenience init(directory: FilePath, options: LogOptions = .init(), durability: Durability = .sync,
                            storage: any Storage) throws(LogError) {
        try self.init(directory: directory.string, options: options, durability: durability, storage: storage)
    }
}

extension LogReader {
    /// Opens the log in `directory` for reading, as the `String` spelling of
    /// `open(directory:access:)` does.
    public static func open(directory: FilePath, access: SegmentAccess = .mapped) throws(LogError) -> LogReader {
        try open(directory: directory.string, access: access)
    }

    /// Opens the log in `directory` for salvage, as the `String` spelling of
    /// `salvaging(directory:storage:access:)` does.
    public static func salvaging(directory: FilePath, storage: any Storage = PosixStorage(),
                                 access: SegmentAccess = .mapped) throws(LogError) -> LogReader {
        try salvaging(directory: directory.string, storage: storage, access: access)
    }

    /// Opens the log in `directory` over an explicit ``Storage``, as the `String` spelling does.
    public convenience init(directory: FilePath, storage: any Storage, access: SegmentAccess = .mapped) throws(LogError) {
        try self.init(directory: directory.string, storage: storage, access: access)
    }
}

extension LogTail {
    /// A tail of the log in `directory` from sequence `start`, as the `String` spelling of
    /// `init(directory:from:storage:notifier:)` makes; ``directory`` holds `directory.string`.
    public init(directory: FilePath, from start: UInt64 = 1, storage: any Storage = PosixStorage(),
                notifier: DurabilityNotifier = .shared) {
        self.init(directory: directory.string, from: start, storage: storage, notifier: notifier)
    }
}

extension Compactor {
    /// A compactor for the log in `directory`, as the `String` spelling makes.
    public init(directory: FilePath, retention: RetentionPolicy = .init(), storage: any Storage = PosixStorage()) {
        self.init(directory: directory.string, retention: retention, storage: storage)
    }
}

extension Checkpoint {
    /// Records `sequence` as the checkpoint of the log in `directory`, as the `String`
    /// spelling of `write(directory:sequence:)` does.
    public static func write(directory: FilePath, sequence: UInt64) throws(LogError) {
        try write(directory: directory.string, sequence: sequence)
    }

    /// Records `sequence` as the checkpoint over an explicit ``Storage``, as the `String`
    /// spelling does.
    public static func write(directory: FilePath, sequence: UInt64, storage: any Storage) throws(LogError) {
        try write(directory: directory.string, sequence: sequence, storage: storage)
    }

    /// The checkpoint recorded in `directory`, as the `String` spelling of
    /// `read(directory:storage:)` reads it.
    public static func read(directory: FilePath, storage: any Storage = PosixStorage()) throws(LogError) -> CheckpointStatus {
        try read(directory: directory.string, storage: storage)
    }
}

extension LogRepair {
    /// Repairs the log in `directory`, as the `String` spelling of
    /// `repair(directory:policy:storage:)` does.
    public static func repair(directory: FilePath, policy: RecoveryPolicy = .truncateTornTail,
                              storage: any Storage = PosixStorage()) throws(LogError) -> RepairReport {
        try repair(directory: directory.string, policy: policy, storage: storage)
    }
}

extension LogVerifier {
    /// A verifier of the log in `directory`, as the `String` spelling makes.
    public init(directory: FilePath, storage: any Storage = PosixStorage()) {
        self.init(directory: directory.string, storage: storage)
    }
}
