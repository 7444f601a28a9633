/// Engine pause state: `paused` with `pausedAt`; after a resume, `resumedAt >= pausedAt`.
public struct EngineControl: Sendable, Hashable {
    /// Whether the engine is paused now.
    public var paused: Bool
    /// When the engine was last paused (nil: never).
    public var pausedAt: UInt64?
    /// When the engine was last resumed (nil while paused, or when never paused).
    public var resumedAt: UInt64?
    /// Creates an engine state; the default is running, never paused.
    public init(paused: Bool = false, pausedAt: UInt64? = nil, resumedAt: UInt64? = nil) {
        self.paused = paused
        self.pausedAt = pausedAt
        self.resumedAt = resumedAt
    }
}
