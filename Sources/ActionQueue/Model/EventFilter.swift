/// Which events trigger a subscription. Discriminants: TaskCompleted 0, RunStateChanged 1,
/// BudgetThreshold 2, Custom 3.
public enum EventFilter: Sendable, Hashable {
    /// Fires when the task reaches Completed.
    case taskCompleted(taskId: TaskId)
    /// Fires when any run of the task enters `state`.
    case runStateChanged(taskId: TaskId, state: RunState)
    /// Fires when the task's consumption in `dimension` crosses `thresholdPercent` (0 to 100)
    /// of its budget's limit.
    case budgetThreshold(taskId: TaskId, dimension: BudgetDimension, thresholdPercent: UInt8)
    /// Fires on the application-defined event `key`.
    case custom(key: String)
}
