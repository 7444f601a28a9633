/// One scheduled occurrence of a task, as carried by `RunCreated` and kept by the reducer.
///
/// Field order is the postcard wire order of actionqueue core's `RunInstance`.
public struct RunInstance: Sendable, Hashable {
    public var id: RunId
    public var taskId: TaskId
    public var state: RunState
    /// The open attempt, if any (set by `AttemptStarted`, cleared by `AttemptFinished`).
    public var currentAttemptId: AttemptId?
    public var attemptCount: UInt32
    public var createdAt: UInt64
    public var scheduledAt: UInt64
    public var effectivePriority: Int32
    /// Timestamp of the latest recorded state change (defaults to `createdAt`).
    public var lastStateChangeAt: UInt64

    public init(id: RunId, taskId: TaskId, state: RunState = .scheduled, currentAttemptId: AttemptId? = nil,
                attemptCount: UInt32 = 0, createdAt: UInt64, scheduledAt: UInt64,
                effectivePriority: Int32 = 0, lastStateChangeAt: UInt64? = nil) {
        self.id = id
        self.taskId = taskId
        self.state = state
        self.currentAttemptId = currentAttemptId
        self.attemptCount = attemptCount
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt
        self.effectivePriority = effectivePriority
        self.lastStateChangeAt = lastStateChangeAt ?? createdAt
    }
}
