/// A run as rebuilt by replay: the instance, its state history, attempt lineage and lease.
public struct RunRecord: Sendable, Hashable {
    public var instance: RunInstance
    /// Starts with `(nil -> Scheduled @ createdAt)`; each later entry chains from the previous.
    public var history: [StateHistoryEntry]
    public var attempts: [AttemptRecord]
    public var lease: LeaseRecord?

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
    public var from: RunState?
    public var to: RunState
    public var timestamp: UInt64
    public init(from: RunState?, to: RunState, timestamp: UInt64) {
        self.from = from
        self.to = to
        self.timestamp = timestamp
    }
}

/// One attempt of a run; unfinished while `finishedAt` is nil.
public struct AttemptRecord: Sendable, Hashable {
    public var attemptId: AttemptId
    public var startedAt: UInt64
    public var finishedAt: UInt64?
    public var result: AttemptResultKind?
    public var error: String?
    public var output: [UInt8]?
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
    public var owner: String
    public var expiry: UInt64
    public var acquiredAt: UInt64
    public var updatedAt: UInt64
    public init(owner: String, expiry: UInt64, acquiredAt: UInt64, updatedAt: UInt64) {
        self.owner = owner
        self.expiry = expiry
        self.acquiredAt = acquiredAt
        self.updatedAt = updatedAt
    }
}
