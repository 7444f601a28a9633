/// Execution limits of a task's runs (wire order as in actionqueue core).
public struct TaskConstraints: Sendable, Hashable {
    /// Most attempts each run may make (default 1).
    public var maxAttempts: UInt32
    /// Execution time limit, in seconds (nil: none).
    public var timeoutSecs: UInt64?
    /// Runs sharing a concurrency key never run at the same time (nil: no key).
    public var concurrencyKey: String?
    /// Whether a run keeps its concurrency key while it waits to retry.
    public var concurrencyKeyHoldPolicy: ConcurrencyKeyHoldPolicy
    /// Side-effect class of the task's handler.
    public var safetyLevel: SafetyLevel
    /// Labels an actor must declare to be given the task's runs (nil: any actor).
    public var requiredCapabilities: [String]?

    /// Creates constraints; the defaults are one attempt, no timeout, no concurrency key,
    /// ``ConcurrencyKeyHoldPolicy/holdDuringRetry``, ``SafetyLevel/pure`` and no required
    /// capabilities.
    public init(maxAttempts: UInt32 = 1, timeoutSecs: UInt64? = nil, concurrencyKey: String? = nil,
                concurrencyKeyHoldPolicy: ConcurrencyKeyHoldPolicy = .holdDuringRetry,
                safetyLevel: SafetyLevel = .pure, requiredCapabilities: [String]? = nil) {
        self.maxAttempts = maxAttempts
        self.timeoutSecs = timeoutSecs
        self.concurrencyKey = concurrencyKey
        self.concurrencyKeyHoldPolicy = concurrencyKeyHoldPolicy
        self.safetyLevel = safetyLevel
        self.requiredCapabilities = requiredCapabilities
    }
}

/// What happens to a concurrency key while a run waits to retry.
public enum ConcurrencyKeyHoldPolicy: UInt32, Sendable, Hashable, CaseIterable {
    /// The run keeps its key while waiting to retry.
    case holdDuringRetry = 0
    /// The run gives its key up while waiting to retry.
    case releaseOnRetry = 1
}

/// Side-effect classification of a task's handler.
public enum SafetyLevel: UInt32, Sendable, Hashable, CaseIterable {
    /// No side effects: safe to retry unconditionally.
    case pure = 0
    /// Side effects, but safe to retry: applying it twice has the effect of once.
    case idempotent = 1
    /// Side effects that are not idempotent: a retry may repeat them.
    case transactional = 2
}
