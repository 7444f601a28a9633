/// A run as rebuilt by replay: the instance, its state history, attempt lineage and lease.
public struct RunRecord: Sendable, Hashable {
    /// The run as it stands: state, open attempt, counters.
    public var instance: RunInstance
    /// Starts with `(nil -> Scheduled @ createdAt)`; each later entry chains from the previous.
    public var history: [StateHistoryEntry]
    /// Every attempt started, oldest first (its length is `instance.attemptCount`).
    public var attempts: [AttemptRecord]
    /// The active lease, if any; only Ready, Leased and Running runs hold one.
    public var lease: LeaseRecord?

    /// Creates a run record.
    public init(instance: RunInstance, history: [StateHistoryEntry], attempts: [AttemptRecord] = [],
                lease: LeaseRecord? = nil) {
        self.instance = instance
        self.history = history
        self.attempts = attempts
        self.lease = lease
    }
}

/// One recorded state change of a run.
public struct StateHistoryEntry: Sendable, Hashable {
    /// The state left (nil for the creation entry).
    public var from: RunState?
    /// The state entered.
    public var to: RunState
    /// When the change happened.
    public var timestamp: UInt64
    /// Creates a history entry.
    public init(from: RunState?, to: RunState, timestamp: UInt64) {
        self.from = from
        self.to = to
        self.timestamp = timestamp
    }
}

/// One attempt of a run; unfinished while `finishedAt` is nil.
public struct AttemptRecord: Sendable, Hashable {
    /// The attempt's identifier, unique within its run.
    public var attemptId: AttemptId
    /// When the attempt started.
    public var startedAt: UInt64
    /// When it finished (nil: still open).
    public var finishedAt: UInt64?
    /// Its outcome (nil while open).
    public var result: AttemptResultKind?
    /// The error text reported with a result other than success.
    public var error: String?
    /// The output reported when it finished.
    public var output: [UInt8]?
    /// Creates an attempt record; a new attempt is open (no finish time, result, error or output).
    public init(attemptId: AttemptId, startedAt: UInt64, finishedAt: UInt64? = nil, result: AttemptResultKind? = nil,
                error: String? = nil, output: [UInt8]? = nil) {
        self.attemptId = attemptId
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.result = result
        self.error = error
        self.output = output
    }
}

/// The active lease of a run.
public struct LeaseRecord: Sendable, Hashable {
    /// Who holds the lease.
    public var owner: String
    /// When the lease lapses (caller's clock); heartbeats only move it later.
    public var expiry: UInt64
    /// When the lease was acquired.
    public var acquiredAt: UInt64
    /// When the lease was acquired or last extended.
    public var updatedAt: UInt64
    /// Creates a lease record.
    public init(owner: String, expiry: UInt64, acquiredAt: UInt64, updatedAt: UInt64) {
        self.owner = owner
        self.expiry = expiry
        self.acquiredAt = acquiredAt
        self.updatedAt = updatedAt
    }
}
