/// One scheduled occurrence of a task, as carried by `RunCreated` and kept by the reducer.
///
/// Field order is the postcard wire order of actionqueue core's `RunInstance`.
public struct RunInstance: Sendable, Hashable {
    /// The run's identifier.
    public var id: RunId
    /// The task this run is an occurrence of.
    public var taskId: TaskId
    /// The run's lifecycle state (``RunState/scheduled`` when created).
    public var state: RunState
    /// The open attempt, if any (set by `AttemptStarted`, cleared by `AttemptFinished`).
    public var currentAttemptId: AttemptId?
    /// Attempts started so far (each `AttemptStarted` adds one).
    public var attemptCount: UInt32
    /// When the run was created (caller's clock); the first history entry's timestamp.
    public var createdAt: UInt64
    /// When the run is due to become ready (caller's clock).
    public var scheduledAt: UInt64
    /// The run's scheduling priority.
    public var effectivePriority: Int32
    /// Timestamp of the latest recorded state change (defaults to `createdAt`).
    public var lastStateChangeAt: UInt64

    /// Creates a run; `lastStateChangeAt` defaults to `createdAt`. `RunCreated` requires the
    /// defaults for `state`, `currentAttemptId` and `attemptCount`.
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
