/// Why a snapshot violates the projection invariants (checked on build, write and load).
public enum SnapshotValidationError: Error, Sendable, Hashable {
    case unsupportedSchemaVersion(expected: UInt32, found: UInt32)
    case duplicateTaskId(TaskId)
    case invalidTaskId(TaskId)
    case invalidTaskCanceledAtCausality(TaskId, createdAt: UInt64, canceledAt: UInt64)
    case duplicateRunId(RunId)
    case invalidRunId(RunId)
    case runReferencesUnknownTask(RunId, TaskId)
    /// An active attempt outside Running, or with `attempt_count == 0`.
    case invalidAttemptLineageState(RunId, state: RunState)
    case invalidAttemptLineageCount(RunId)
    case missingInitialRunStateHistory(RunId)
    case invalidRunStateHistoryTransition(RunId, index: Int)
    case invalidAttemptHistoryCount(RunId, declared: UInt32, actual: Int)
    case invalidActiveAttemptHistory(RunId, AttemptId)
    case invalidLeasePresence(RunId, state: RunState)
    case dependencyDeclarationUnknownTask(TaskId)
    case dependencyReferencesUnknownTask(TaskId, prerequisite: TaskId)
    case duplicateDependencyDeclaration(TaskId)
    case duplicateBudgetAllocation(BudgetKey)
    case budgetReferencesUnknownTask(BudgetKey)
    case duplicateSubscriptionId(SubscriptionId)
    case subscriptionReferencesUnknownTask(SubscriptionId, TaskId)
    case invalidEnginePausedCausality
    case invalidEngineResumedCausality
    case invalidEnginePauseResumeOrdering(pausedAt: UInt64, resumedAt: UInt64)
    /// A duplicate key in the actor, tenant, role or capability section.
    case duplicatePlatformKey(section: String)
}
