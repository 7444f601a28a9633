/// The write-back that one accepted event causes: computed by ``ReplayReducer/plan(_:)``
/// without touching the projection, then committed infallibly.
public enum ProjectionChange: Sendable, Hashable {
    case none
    case task(TaskId, TaskRecord)
    case run(RunRecord, isNew: Bool)
    case engine(EngineControl)
    case dependency(TaskId, DependencyRecord)
    case budget(BudgetKey, BudgetRecord)
    case subscription(SubscriptionId, SubscriptionRecord)
    case actor(ActorId, ActorRecord)
    case tenant(TenantId, TenantRecord)
    case role(RoleAssignmentKey, RoleAssignmentRecord)
    case capability(CapabilityGrantKey, CapabilityGrantRecord)
    case ledger(LedgerEntry)
}
