import Logging
import Metrics
import SystemPackage

// Every entry point that takes a log directory, with the directory as swift-system's
// `FilePath`. Each forwards `directory.string` to its `String` spelling, whose documentation
// describes it; a string literal still picks the `String` one.

extension Log {
    /// ``open(directory:options:durability:)-(String,_,_)`` with the directory as a `FilePath`.
    public static func open(directory: FilePath, options: LogOptions = .init(),
                            durability: Durability = .sync) throws(LogError) -> Log {
        try open(directory: directory.string, options: options, durability: durability)
    }

    /// ``init(directory:options:durability:storage:)-(String,_,_,_)`` with the directory as a
    /// `FilePath`.
    public convenience init(directory: FilePath, options: LogOptions = .init(), durability: Durability = .sync,
                            storage: any Storage) throws(LogError) {
        try self.init(directory: directory.string, options: options, durability: durability, storage: storage)
    }
}

extension LogWriter {
    /// ``open(directory:options:durability:)-(String,_,_)`` with the directory as a `FilePath`.
    public static func open(directory: FilePath, options: LogOptions = .init(),
                            durability: Durability = .sync) throws(LogError) -> LogWriter {
        try open(directory: directory.string, options: options, durability: durability)
    }

    /// ``init(directory:options:durability:storage:)-(String,_,_,_)`` with the directory as a
    /// `FilePath`.
    public convenience init(directory: FilePath, options: LogOptions = .init(), durability: Durability = .sync,
                            storage: any Storage) throws(LogError) {
        try self.init(directory: directory.string, options: options, durability: durability, storage: storage)
    }
}

extension LogReader {
    /// ``open(directory:access:)-(String,_)`` with the directory as a `FilePath`.
    public static func open(directory: FilePath, access: SegmentAccess = .mapped) throws(LogError) -> LogReader {
        try open(directory: directory.string, access: access)
    }

    /// ``salvaging(directory:storage:access:)-(String,_,_)`` with the directory as a `FilePath`.
    public static func salvaging(directory: FilePath, storage: any Storage = PosixStorage(),
                                 access: SegmentAccess = .mapped) throws(LogError) -> LogReader {
        try salvaging(directory: directory.string, storage: storage, access: access)
    }

    /// ``init(directory:storage:access:)-(String,_,_)`` with the directory as a `FilePath`.
    public convenience init(directory: FilePath, storage: any Storage, access: SegmentAccess = .mapped) throws(LogError) {
        try self.init(directory: directory.string, storage: storage, access: access)
    }
}

extension LogTail {
    /// ``init(directory:from:storage:notifier:)-(String,_,_,_)`` with the directory as a
    /// `FilePath`; ``directory`` holds its `string`.
    public init(directory: FilePath, from start: UInt64 = 1, storage: any Storage = PosixStorage(),
                notifier: DurabilityNotifier = .shared) {
        self.init(directory: directory.string, from: start, storage: storage, notifier: notifier)
    }
}

extension Compactor {
    /// ``init(directory:retention:storage:logger:metricsFactory:)-(String,_,_,_,_)`` with the directory as a `FilePath`.
    public init(directory: FilePath, retention: RetentionPolicy = .init(), storage: any Storage = PosixStorage(),
                logger: Logger? = nil, metricsFactory: (any MetricsFactory)? = nil) {
        self.init(directory: directory.string, retention: retention, storage: storage, logger: logger, metricsFactory: metricsFactory)
    }
}

extension Checkpoint {
    /// ``write(directory:sequence:logger:)-(String,_,_)`` with the directory as a `FilePath`.
    public static func write(directory: FilePath, sequence: UInt64, logger: Logger? = nil) throws(LogError) {
        try write(directory: directory.string, sequence: sequence, logger: logger)
    }

    /// ``write(directory:sequence:storage:logger:)-(String,_,_,_)`` with the directory as a `FilePath`.
    public static func write(directory: FilePath, sequence: UInt64, storage: any Storage, logger: Logger? = nil) throws(LogError) {
        try write(directory: directory.string, sequence: sequence, storage: storage, logger: logger)
    }

    /// ``read(directory:storage:logger:)-(String,_,_)`` with the directory as a `FilePath`.
    public static func read(directory: FilePath, storage: any Storage = PosixStorage(), logger: Logger? = nil) throws(LogError) -> CheckpointStatus {
        try read(directory: directory.string, storage: storage, logger: logger)
    }
}

extension LogRepair {
    /// ``repair(directory:policy:storage:logger:metricsFactory:)-(String,_,_,_,_)`` with the directory as a `FilePath`.
    public static func repair(directory: FilePath, policy: RecoveryPolicy = .truncateTornTail, storage: any Storage = PosixStorage(),
                              logger: Logger? = nil, metricsFactory: (any MetricsFactory)? = nil) throws(LogError) -> RepairReport {
        try repair(directory: directory.string, policy: policy, storage: storage, logger: logger, metricsFactory: metricsFactory)
    }
}

extension ConsumerCursor {
    /// ``open(directory:name:storage:)-(String,_,_)`` with the directory as a `FilePath`.
    public static func open(directory: FilePath, name: String, storage: any Storage = PosixStorage()) throws(LogError) -> ConsumerCursor {
        try open(directory: directory.string, name: name, storage: storage)
    }

    /// ``register(directory:name:position:storage:lockTimeout:)-(String,_,_,_,_)`` with the directory as a `FilePath`.
    public static func register(directory: FilePath, name: String, position: UInt64, storage: any Storage = PosixStorage(),
                                lockTimeout: Duration = .seconds(10)) throws(LogError) {
        try register(directory: directory.string, name: name, position: position, storage: storage, lockTimeout: lockTimeout)
    }

    /// ``drop(directory:name:storage:lockTimeout:)-(String,_,_,_)`` with the directory as a `FilePath`.
    public static func drop(directory: FilePath, name: String, storage: any Storage = PosixStorage(),
                            lockTimeout: Duration = .seconds(10)) throws(LogError) {
        try drop(directory: directory.string, name: name, storage: storage, lockTimeout: lockTimeout)
    }

    /// ``list(directory:storage:)-(String,_)`` with the directory as a `FilePath`.
    public static func list(directory: FilePath, storage: any Storage = PosixStorage()) throws(LogError) -> [Status] {
        try list(directory: directory.string, storage: storage)
    }
}

extension LogVerifier {
    /// ``init(directory:storage:)-(String,_)`` with the directory as a `FilePath`.
    public init(directory: FilePath, storage: any Storage = PosixStorage()) {
        self.init(directory: directory.string, storage: storage)
    }
}
