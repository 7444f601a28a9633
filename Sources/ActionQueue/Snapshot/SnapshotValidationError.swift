/// Why a snapshot violates the projection invariants (checked on build, write and load).
public enum SnapshotValidationError: Error, Sendable, Hashable {
    /// The snapshot's schema version is not ``Snapshot/currentSchemaVersion``.
    case unsupportedSchemaVersion(expected: UInt32, found: UInt32)
    /// Two task records share an id.
    case duplicateTaskId(TaskId)
    /// A task id (of a task, or a run's task) is the all-zero UUID.
    case invalidTaskId(TaskId)
    /// A task canceled before it was created.
    case invalidTaskCanceledAtCausality(TaskId, createdAt: UInt64, canceledAt: UInt64)
    /// Two run records share an id.
    case duplicateRunId(RunId)
    /// A run id is the all-zero UUID.
    case invalidRunId(RunId)
    /// A run of a task the snapshot does not hold.
    case runReferencesUnknownTask(RunId, TaskId)
    /// An active attempt outside Running, or with `attempt_count == 0`.
    case invalidAttemptLineageState(RunId, state: RunState)
    /// An active attempt on a run whose `attemptCount` is 0.
    case invalidAttemptLineageCount(RunId)
    /// The run's history does not start with `(nil -> Scheduled @ createdAt)`.
    case missingInitialRunStateHistory(RunId)
    /// History entry `index` does not chain from the previous entry by a legal transition,
    /// or (at the last index) the last entry's `to` is not the run's state.
    case invalidRunStateHistoryTransition(RunId, index: Int)
    /// The attempt lineage's length differs from the run's `attemptCount`.
    case invalidAttemptHistoryCount(RunId, declared: UInt32, actual: Int)
    /// The run's active attempt is not in its lineage exactly once, unfinished.
    case invalidActiveAttemptHistory(RunId, AttemptId)
    /// A lease on a run whose state admits none (only Ready, Leased and Running do).
    case invalidLeasePresence(RunId, state: RunState)
    /// Dependencies declared for a task the snapshot does not hold.
    case dependencyDeclarationUnknownTask(TaskId)
    /// A prerequisite the snapshot does not hold.
    case dependencyReferencesUnknownTask(TaskId, prerequisite: TaskId)
    /// Two dependency entries for one task.
    case duplicateDependencyDeclaration(TaskId)
    /// Two budget entries with one key.
    case duplicateBudgetAllocation(BudgetKey)
    /// A budget of a task the snapshot does not hold.
    case budgetReferencesUnknownTask(BudgetKey)
    /// Two subscription entries with one id.
    case duplicateSubscriptionId(SubscriptionId)
    /// A subscription of a task the snapshot does not hold.
    case subscriptionReferencesUnknownTask(SubscriptionId, TaskId)
    /// The engine is paused without `pausedAt`, or with `resumedAt`.
    case invalidEnginePausedCausality
    /// The engine is running with only one of `pausedAt` and `resumedAt` set.
    case invalidEngineResumedCausality
    /// The engine was resumed before it was paused.
    case invalidEnginePauseResumeOrdering(pausedAt: UInt64, resumedAt: UInt64)
    /// A duplicate key in the actor, tenant, role or capability section.
    case duplicatePlatformKey(section: String)
}
