/// A task as rebuilt by replay: its spec and lifecycle timestamps.
public struct TaskRecord: Sendable, Hashable {
    /// The task as submitted.
    public var spec: TaskSpec
    /// When the task was created (the `taskCreated` event's timestamp).
    public var createdAt: UInt64
    /// When the task was last updated; carried in snapshots, but no event sets it (replay
    /// leaves it nil).
    public var updatedAt: UInt64?
    /// When the task was canceled (nil: not canceled); never before `createdAt`.
    public var canceledAt: UInt64?
    /// Creates a task record.
    public init(spec: TaskSpec, createdAt: UInt64, updatedAt: UInt64? = nil, canceledAt: UInt64? = nil) {
        self.spec = spec
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.canceledAt = canceledAt
    }
}
