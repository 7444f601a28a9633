/// The 31 actionqueue WAL event variants, in postcard discriminant order (0…30).
///
/// Never reorder or remove a case: the index is the wire discriminant. `budgetExhausted`
/// is reserved (the authority never appends it) but keeps its slot.
public enum WalEventType: Sendable, Hashable {
    case taskCreated(taskSpec: TaskSpec, timestamp: UInt64)
    case runCreated(runInstance: RunInstance)
    case runStateChanged(runId: RunId, previousState: RunState, newState: RunState, timestamp: UInt64)
    case attemptStarted(runId: RunId, attemptId: AttemptId, timestamp: UInt64)
    case attemptFinished(runId: RunId, attemptId: AttemptId, result: AttemptResultKind,
                         error: String?, output: [UInt8]?, timestamp: UInt64)
    case taskCanceled(taskId: TaskId, timestamp: UInt64)
    case runCanceled(runId: RunId, timestamp: UInt64)
    case leaseAcquired(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    case leaseHeartbeat(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    case leaseExpired(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    case leaseReleased(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    case enginePaused(timestamp: UInt64)
    case engineResumed(timestamp: UInt64)
    case dependencyDeclared(taskId: TaskId, dependsOn: [TaskId], timestamp: UInt64)
    case runSuspended(runId: RunId, reason: String?, timestamp: UInt64)
    case runResumed(runId: RunId, timestamp: UInt64)
    case budgetAllocated(taskId: TaskId, dimension: BudgetDimension, limit: UInt64, timestamp: UInt64)
    case budgetConsumed(taskId: TaskId, dimension: BudgetDimension, amount: UInt64, timestamp: UInt64)
    case budgetExhausted(taskId: TaskId, dimension: BudgetDimension, timestamp: UInt64)
    case budgetReplenished(taskId: TaskId, dimension: BudgetDimension, newLimit: UInt64, timestamp: UInt64)
    case subscriptionCreated(subscriptionId: SubscriptionId, taskId: TaskId, filter: EventFilter, timestamp: UInt64)
    case subscriptionTriggered(subscriptionId: SubscriptionId, timestamp: UInt64)
    case subscriptionCanceled(subscriptionId: SubscriptionId, timestamp: UInt64)
    case actorRegistered(actorId: ActorId, identity: String, capabilities: [String], department: String?,
                         heartbeatIntervalSecs: UInt64, tenantId: TenantId?, timestamp: UInt64)
    case actorDeregistered(actorId: ActorId, timestamp: UInt64)
    case actorHeartbeat(actorId: ActorId, timestamp: UInt64)
    case tenantCreated(tenantId: TenantId, name: String, timestamp: UInt64)
    case roleAssigned(actorId: ActorId, role: Role, tenantId: TenantId, timestamp: UInt64)
    case capabilityGranted(actorId: ActorId, capability: Capability, tenantId: TenantId, timestamp: UInt64)
    case capabilityRevoked(actorId: ActorId, capability: Capability, tenantId: TenantId, timestamp: UInt64)
    case ledgerEntryAppended(entryId: LedgerEntryId, tenantId: TenantId, ledgerKey: String, actorId: ActorId?,
                             payload: [UInt8], timestamp: UInt64)

    /// Number of variants (the discriminant range is `0..<variantCount`).
    public static let variantCount: UInt32 = 31

    /// Variant names in discriminant order (as spelled by the reference).
    public static let variantNames: [String] = [
        "TaskCreated", "RunCreated", "RunStateChanged", "AttemptStarted", "AttemptFinished",
        "TaskCanceled", "RunCanceled", "LeaseAcquired", "LeaseHeartbeat", "LeaseExpired",
        "LeaseReleased", "EnginePaused", "EngineResumed", "DependencyDeclared", "RunSuspended",
        "RunResumed", "BudgetAllocated", "BudgetConsumed", "BudgetExhausted", "BudgetReplenished",
        "SubscriptionCreated", "SubscriptionTriggered", "SubscriptionCanceled", "ActorRegistered",
        "ActorDeregistered", "ActorHeartbeat", "TenantCreated", "RoleAssigned", "CapabilityGranted",
        "CapabilityRevoked", "LedgerEntryAppended",
    ]

    /// The postcard discriminant of this variant.
    public var discriminant: UInt32 {
        switch self {
        case .taskCreated: 0
        case .runCreated: 1
        case .runStateChanged: 2
        case .attemptStarted: 3
        case .attemptFinished: 4
        case .taskCanceled: 5
        case .runCanceled: 6
        case .leaseAcquired: 7
        case .leaseHeartbeat: 8
        case .leaseExpired: 9
        case .leaseReleased: 10
        case .enginePaused: 11
        case .engineResumed: 12
        case .dependencyDeclared: 13
        case .runSuspended: 14
        case .runResumed: 15
        case .budgetAllocated: 16
        case .budgetConsumed: 17
        case .budgetExhausted: 18
        case .budgetReplenished: 19
        case .subscriptionCreated: 20
        case .subscriptionTriggered: 21
        case .subscriptionCanceled: 22
        case .actorRegistered: 23
        case .actorDeregistered: 24
        case .actorHeartbeat: 25
        case .tenantCreated: 26
        case .roleAssigned: 27
        case .capabilityGranted: 28
        case .capabilityRevoked: 29
        case .ledgerEntryAppended: 30
        }
    }

    /// The reference's name of this variant.
    public var name: String { Self.variantNames[Int(discriminant)] }
}
