/// The write-back that one accepted event causes: computed by ``ReplayReducer/plan(_:)``
/// without touching the projection, then committed infallibly.
public enum ProjectionChange: Sendable, Hashable {
    /// Nothing to write back (an event about an unknown budget, subscription, actor or grant);
    /// only ``ReplayReducer/latestSequence`` moves.
    case none
    /// Stores the task's record.
    case task(TaskId, TaskRecord)
    /// Stores the run's record; `isNew` when the event created the run.
    case run(RunRecord, isNew: Bool)
    /// Replaces the engine's pause state.
    case engine(EngineControl)
    /// Stores the task's dependency record.
    case dependency(TaskId, DependencyRecord)
    /// Stores a budget.
    case budget(BudgetKey, BudgetRecord)
    /// Stores a subscription.
    case subscription(SubscriptionId, SubscriptionRecord)
    /// Stores an actor.
    case actor(ActorId, ActorRecord)
    /// Stores a tenant.
    case tenant(TenantId, TenantRecord)
    /// Stores a role assignment.
    case role(RoleAssignmentKey, RoleAssignmentRecord)
    /// Stores a capability grant.
    case capability(CapabilityGrantKey, CapabilityGrantRecord)
    /// Appends a ledger entry.
    case ledger(LedgerEntry)
}
