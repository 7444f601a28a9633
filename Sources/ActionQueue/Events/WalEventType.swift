/// The 31 actionqueue WAL event variants, in postcard discriminant order (0…30).
///
/// Never reorder or remove a case: the index is the wire discriminant. `budgetExhausted`
/// is reserved (the authority never appends it) but keeps its slot.
///
/// Each case documents the rule replay (``ReplayReducer/plan(_:)``) applies to it; a
/// `timestamp` is the caller's clock, compared only where a rule says so.
public enum WalEventType: Sendable, Hashable {
    /// A task was submitted, with its spec; `timestamp` becomes the task's `createdAt`. Replay
    /// refuses a task id it already holds.
    case taskCreated(taskSpec: TaskSpec, timestamp: UInt64)
    /// A run of a known task was created. It must be ``RunState/scheduled``, with no attempt (no
    /// current attempt, `attemptCount` 0), and its id must be new.
    case runCreated(runInstance: RunInstance)
    /// A run moved from `previousState`, which must be its current state, to `newState` along the
    /// transition table (``RunState/successors``). Refused while an attempt is open unless
    /// `newState` is Canceled; a lease is dropped when `newState` admits none.
    case runStateChanged(runId: RunId, previousState: RunState, newState: RunState, timestamp: UInt64)
    /// An attempt of a Running run began. The run must have no open attempt and the attempt id must
    /// be new within the run; `attemptCount` grows by one.
    case attemptStarted(runId: RunId, attemptId: AttemptId, timestamp: UInt64)
    /// The run's open attempt ended with `result`, an error text (dropped when `result` is
    /// ``AttemptResultKind/success``) and an output. The run must be Running and `attemptId` its
    /// open attempt.
    case attemptFinished(runId: RunId, attemptId: AttemptId, result: AttemptResultKind,
                         error: String?, output: [UInt8]?, timestamp: UInt64)
    /// A known task was canceled, once, no earlier than its creation. Its runs are left as they
    /// are.
    case taskCanceled(taskId: TaskId, timestamp: UInt64)
    /// A run was canceled from its current state, which must allow Canceled.
    case runCanceled(runId: RunId, timestamp: UInt64)
    /// `owner` took the run's lease until `expiry`. The run must be Ready or Leased and hold no
    /// lease.
    case leaseAcquired(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    /// The lease's owner extended it to `expiry`, which may not be earlier than the current expiry.
    /// The run must be Leased or Running.
    case leaseHeartbeat(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    /// The run's lease (same owner and expiry) lapsed. A Leased run returns to Ready, recorded in
    /// its history.
    case leaseExpired(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    /// The owner gave the run's lease up (same owner and expiry). A Leased run returns to Ready,
    /// recorded in its history.
    case leaseReleased(runId: RunId, owner: String, expiry: UInt64, timestamp: UInt64)
    /// The engine was paused; refused while it is paused already.
    case enginePaused(timestamp: UInt64)
    /// The paused engine was resumed, no earlier than it was paused.
    case engineResumed(timestamp: UInt64)
    /// A known task depends on the known tasks `dependsOn`; declarations for one task add up. The
    /// authority refuses an empty list.
    case dependencyDeclared(taskId: TaskId, dependsOn: [TaskId], timestamp: UInt64)
    /// A Running run was suspended (Running to Suspended), with an optional reason.
    case runSuspended(runId: RunId, reason: String?, timestamp: UInt64)
    /// A Suspended run was resumed (Suspended to Ready).
    case runResumed(runId: RunId, timestamp: UInt64)
    /// A budget of `limit` in `dimension` was allocated to a known task, replacing any earlier
    /// allocation of that dimension (consumption starts at 0).
    case budgetAllocated(taskId: TaskId, dimension: BudgetDimension, limit: UInt64, timestamp: UInt64)
    /// `amount` was consumed from the task's budget (saturating at `UInt64.max`); the budget is
    /// exhausted once consumption reaches the limit. Replay ignores it for a budget never
    /// allocated; the authority refuses it.
    case budgetConsumed(taskId: TaskId, dimension: BudgetDimension, amount: UInt64, timestamp: UInt64)
    /// Reserved: replay marks the budget exhausted, but the authority never appends it (exhaustion
    /// follows from ``budgetConsumed(taskId:dimension:amount:timestamp:)``).
    case budgetExhausted(taskId: TaskId, dimension: BudgetDimension, timestamp: UInt64)
    /// The task's budget got `newLimit`; consumption restarts at 0 and the budget is no longer
    /// exhausted. Replay ignores it for a budget never allocated; the authority refuses it.
    case budgetReplenished(taskId: TaskId, dimension: BudgetDimension, newLimit: UInt64, timestamp: UInt64)
    /// A known task subscribed to the events `filter` matches. The authority refuses an id already
    /// in use.
    case subscriptionCreated(subscriptionId: SubscriptionId, taskId: TaskId, filter: EventFilter, timestamp: UInt64)
    /// The subscription fired; its latest trigger time is kept. The authority refuses an unknown
    /// subscription.
    case subscriptionTriggered(subscriptionId: SubscriptionId, timestamp: UInt64)
    /// The subscription was canceled. The authority refuses an unknown or already canceled
    /// subscription.
    case subscriptionCanceled(subscriptionId: SubscriptionId, timestamp: UInt64)
    /// A remote actor registered with its identity, capabilities, optional department and tenant,
    /// and heartbeat interval; registering an id again replaces its record.
    case actorRegistered(actorId: ActorId, identity: String, capabilities: [String], department: String?,
                         heartbeatIntervalSecs: UInt64, tenantId: TenantId?, timestamp: UInt64)
    /// The actor deregistered (ignored for an unknown actor).
    case actorDeregistered(actorId: ActorId, timestamp: UInt64)
    /// The actor sent a heartbeat (ignored for an unknown actor).
    case actorHeartbeat(actorId: ActorId, timestamp: UInt64)
    /// A tenant named `name` was created (creating an id again replaces its record).
    case tenantCreated(tenantId: TenantId, name: String, timestamp: UInt64)
    /// The actor holds `role` within the tenant, replacing its previous role there.
    case roleAssigned(actorId: ActorId, role: Role, tenantId: TenantId, timestamp: UInt64)
    /// The actor was granted `capability` within the tenant (a fresh, unrevoked grant).
    case capabilityGranted(actorId: ActorId, capability: Capability, tenantId: TenantId, timestamp: UInt64)
    /// The actor's grant of `capability` within the tenant was revoked (ignored when no such grant
    /// exists).
    case capabilityRevoked(actorId: ActorId, capability: Capability, tenantId: TenantId, timestamp: UInt64)
    /// An entry was appended to the tenant's ledger under `ledgerKey`, by an optional actor.
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
