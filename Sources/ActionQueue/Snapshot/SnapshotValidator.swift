/// The snapshot validation boundary (the reference's `validate_snapshot`, adapted).
///
/// Checked, in order: schema version; unique, non-nil task ids; `canceledAt >= createdAt`;
/// per run: non-nil ids, known task, active attempt only in Running/Canceled and only with
/// `attemptCount > 0`, history non-empty and starting `(nil -> Scheduled @ createdAt)`,
/// every later entry chained and legal, last `to` equal to the state,
/// `attempts.count == attemptCount`, the active attempt present exactly once and
/// unfinished, a lease only in Ready/Leased/Running; unique run ids; engine rules;
/// dependency, budget and subscription uniqueness and task references; platform key
/// uniqueness. The reference's "Ready ⇒ scheduledAt <= createdAt" is not checked: it is a
/// constructor rule for runs created Ready, and replay legitimately reaches Ready for a
/// run scheduled after its creation.
public enum SnapshotValidator {
    /// Checks every rule above, in that order.
    ///
    /// - Throws: The first ``SnapshotValidationError`` found.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    public static func validate(_ s: Snapshot) throws(SnapshotValidationError) {
        guard s.schemaVersion == Snapshot.currentSchemaVersion else {
            throw .unsupportedSchemaVersion(expected: Snapshot.currentSchemaVersion, found: s.schemaVersion)
        }
        var taskIds = Set<TaskId>()
        for task in s.tasks {
            let id = task.spec.id
            guard !id.isNil else { throw .invalidTaskId(id) }
            guard taskIds.insert(id).inserted else { throw .duplicateTaskId(id) }
            if let canceledAt = task.canceledAt, canceledAt < task.createdAt {
                throw .invalidTaskCanceledAtCausality(id, createdAt: task.createdAt, canceledAt: canceledAt)
            }
        }
        var runIds = Set<RunId>()
        for run in s.runs {
            let r = run.instance
            guard !r.id.isNil else { throw .invalidRunId(r.id) }
            guard !r.taskId.isNil else { throw .invalidTaskId(r.taskId) }
            if r.currentAttemptId != nil {
                guard r.state == .running || r.state == .canceled else { throw .invalidAttemptLineageState(r.id, state: r.state) }
                guard r.attemptCount > 0 else { throw .invalidAttemptLineageCount(r.id) }
            }
            guard let first = run.history.first, first.from == nil, first.to == .scheduled,
                  first.timestamp == r.createdAt else { throw .missingInitialRunStateHistory(r.id) }
            for index in run.history.indices.dropFirst() {
                let entry = run.history[index]
                guard let from = entry.from, from == run.history[index - 1].to, from.canTransition(to: entry.to) else {
                    throw .invalidRunStateHistoryTransition(r.id, index: index)
                }
            }
            guard run.history.last?.to == r.state else {
                throw .invalidRunStateHistoryTransition(r.id, index: run.history.count - 1)
            }
            guard run.attempts.count == Int(r.attemptCount) else {
                throw .invalidAttemptHistoryCount(r.id, declared: r.attemptCount, actual: run.attempts.count)
            }
            if let active = r.currentAttemptId {
                let matches = run.attempts.filter { $0.attemptId == active }
                guard matches.count == 1, matches[0].finishedAt == nil else { throw .invalidActiveAttemptHistory(r.id, active) }
            }
            if run.lease != nil, !r.state.admitsLease { throw .invalidLeasePresence(r.id, state: r.state) }
            guard runIds.insert(r.id).inserted else { throw .duplicateRunId(r.id) }
            guard taskIds.contains(r.taskId) else { throw .runReferencesUnknownTask(r.id, r.taskId) }
        }
        let e = s.engine
        if e.paused {
            guard e.pausedAt != nil, e.resumedAt == nil else { throw .invalidEnginePausedCausality }
        } else if e.pausedAt != nil || e.resumedAt != nil {
            guard let pausedAt = e.pausedAt, let resumedAt = e.resumedAt else { throw .invalidEngineResumedCausality }
            guard resumedAt >= pausedAt else { throw .invalidEnginePauseResumeOrdering(pausedAt: pausedAt, resumedAt: resumedAt) }
        }
        var declared = Set<TaskId>()
        for entry in s.dependencies {
            guard taskIds.contains(entry.key) else { throw .dependencyDeclarationUnknownTask(entry.key) }
            guard declared.insert(entry.key).inserted else { throw .duplicateDependencyDeclaration(entry.key) }
            for prerequisite in entry.value.prerequisites where !taskIds.contains(prerequisite) {
                throw .dependencyReferencesUnknownTask(entry.key, prerequisite: prerequisite)
            }
        }
        var budgetKeys = Set<BudgetKey>()
        for entry in s.budgets {
            guard budgetKeys.insert(entry.key).inserted else { throw .duplicateBudgetAllocation(entry.key) }
            guard taskIds.contains(entry.key.taskId) else { throw .budgetReferencesUnknownTask(entry.key) }
        }
        var subscriptionIds = Set<SubscriptionId>()
        for entry in s.subscriptions {
            guard subscriptionIds.insert(entry.key).inserted else { throw .duplicateSubscriptionId(entry.key) }
            guard taskIds.contains(entry.value.taskId) else {
                throw .subscriptionReferencesUnknownTask(entry.key, entry.value.taskId)
            }
        }
        guard Set(s.actors.map(\.key)).count == s.actors.count else { throw .duplicatePlatformKey(section: "actors") }
        guard Set(s.tenants.map(\.key)).count == s.tenants.count else { throw .duplicatePlatformKey(section: "tenants") }
        guard Set(s.roleAssignments.map(\.key)).count == s.roleAssignments.count else {
            throw .duplicatePlatformKey(section: "roleAssignments")
        }
        guard Set(s.capabilityGrants.map(\.key)).count == s.capabilityGrants.count else {
            throw .duplicatePlatformKey(section: "capabilityGrants")
        }
    }
}
