/// Which events trigger a subscription. Discriminants: TaskCompleted 0, RunStateChanged 1,
/// BudgetThreshold 2, Custom 3.
public enum EventFilter: Sendable, Hashable {
    case taskCompleted(taskId: TaskId)
    case runStateChanged(taskId: TaskId, state: RunState)
    case budgetThreshold(taskId: TaskId, dimension: BudgetDimension, thresholdPercent: UInt8)
    case custom(key: String)
}
