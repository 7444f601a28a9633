/// Engine pause state: `paused` with `pausedAt`; after a resume, `resumedAt >= pausedAt`.
public struct EngineControl: Sendable, Hashable {
    public var paused: Bool
    public var pausedAt: UInt64?
    public var resumedAt: UInt64?
    public init(paused: Bool = false, pausedAt: UInt64? = nil, resumedAt: UInt64? = nil) {
        self.paused = paused
        self.pausedAt = pausedAt
        self.resumedAt = resumedAt
    }
}
