/// Execution limits of a task's runs (wire order as in actionqueue core).
public struct TaskConstraints: Sendable, Hashable {
    public var maxAttempts: UInt32
    public var timeoutSecs: UInt64?
    public var concurrencyKey: String?
    public var concurrencyKeyHoldPolicy: ConcurrencyKeyHoldPolicy
    public var safetyLevel: SafetyLevel
    public var requiredCapabilities: [String]?

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
    case holdDuringRetry = 0
    case releaseOnRetry = 1
}

/// Side-effect classification of a task's handler.
public enum SafetyLevel: UInt32, Sendable, Hashable, CaseIterable {
    case pure = 0
    case idempotent = 1
    case transactional = 2
}
