/// A task as rebuilt by replay: its spec and lifecycle timestamps.
public struct TaskRecord: Sendable, Hashable {
    public var spec: TaskSpec
    public var createdAt: UInt64
    public var updatedAt: UInt64?
    public var canceledAt: UInt64?
    public init(spec: TaskSpec, createdAt: UInt64, updatedAt: UInt64? = nil, canceledAt: UInt64? = nil) {
        self.spec = spec
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.canceledAt = canceledAt
    }
}
