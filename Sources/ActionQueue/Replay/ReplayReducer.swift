
/// The projection rebuilt from WAL events: tasks, runs (state, attempts, leases, history),
/// engine pause state, dependencies, budgets, subscriptions, actors, tenants, roles,
/// capabilities and the ledger.
///
/// Validate-then-mutate: ``plan(_:)`` checks every precondition and computes the
/// ``ProjectionChange`` without mutating; ``apply(_:)-(WalEvent)`` plans then commits, and the commit
/// cannot fail. A rejected event therefore leaves the projection (including
/// ``latestSequence``) unchanged and the same sequence retryable. The mutation authority
/// validates with the very same ``plan(_:)``, so no event replay would reject is appended.
///
/// Deliberate differences from actionqueue-storage 0.1.2 (each keeps every reachable
/// projection valid under the snapshot rules): `RunCreated`, `DependencyDeclared`,
/// `BudgetAllocated` and `SubscriptionCreated` must name known tasks; `TaskCanceled`
/// before the task's `created_at` is refused; a lease is dropped whenever the run enters a
/// state that admits none (not only terminal states).
public struct ReplayReducer: Sendable, Hashable {
    /// Sequence of the last applied event (0 when nothing was applied).
    public internal(set) var latestSequence: UInt64 = 0
    /// Every task created, by id.
    public internal(set) var tasks: [TaskId: TaskRecord] = [:]
    /// Every run created, by id, with its history, attempts and lease.
    public internal(set) var runs: [RunId: RunRecord] = [:]
    /// Whether the engine is paused, and since when.
    public internal(set) var engine = EngineControl()
    /// Declared prerequisites, by dependent task.
    public internal(set) var dependencies: [TaskId: DependencyRecord] = [:]
    /// Budgets, one per task and dimension.
    public internal(set) var budgets: [BudgetKey: BudgetRecord] = [:]
    /// Subscriptions, by id (canceled ones included).
    public internal(set) var subscriptions: [SubscriptionId: SubscriptionRecord] = [:]
    /// Registered actors, by id (deregistered ones included).
    public internal(set) var actors: [ActorId: ActorRecord] = [:]
    /// Tenants, by id.
    public internal(set) var tenants: [TenantId: TenantRecord] = [:]
    /// Each actor's role within each tenant.
    public internal(set) var roleAssignments: [RoleAssignmentKey: RoleAssignmentRecord] = [:]
    /// Capability grants (revoked ones included).
    public internal(set) var capabilityGrants: [CapabilityGrantKey: CapabilityGrantRecord] = [:]
    /// Ledger entries, in append order.
    public internal(set) var ledger: [LedgerEntry] = []
    /// Indexes over ``runs`` (ready queue, lease expiries, runs by task, counts by state).
    public private(set) var runIndexes = RunIndexes()

    /// The empty projection: nothing applied, ``latestSequence`` 0.
    public init() {}

    // MARK: Queries

    /// Current state of a run.
    public func runState(_ runId: RunId) -> RunState? { runs[runId]?.instance.state }
    /// Runs of a task, ordered by id. O(k log k) for the task's k runs (``RunIndexes/runsByTask``).
    public func runs(ofTask taskId: TaskId) -> [RunRecord] {
        (runIndexes.runsByTask[taskId] ?? []).sorted().compactMap { runs[$0] }
    }
    /// The first `limit` ready runs in lease order (priority, then age). O(limit).
    public func readyRuns(limit: Int = .max) -> ArraySlice<ReadyRun> { runIndexes.ready.prefix(max(limit, 0)) }
    /// Active leases expiring before `time` (strictly), earliest first. O(log n + k).
    public func leases(expiringBefore time: UInt64) -> ArraySlice<LeaseExpiry> {
        let end = RunIndexes.lowerBound(LeaseExpiry(expiry: time, runId: RunId(bytes: [UInt8](repeating: 0, count: 16))!),
                                        in: runIndexes.leaseExpiries)
        return runIndexes.leaseExpiries[..<end]
    }
    /// How many runs are in `state`. O(1).
    public func runCount(in state: RunState) -> Int { runIndexes.countsByState[state, default: 0] }

    /// Stores (or, with nil, removes) run `id`'s record and moves the indexes with it.
    mutating func setRun(_ id: RunId, _ record: RunRecord?) {
        let old = runs[id]
        runs[id] = record
        runIndexes.replace(old, with: record)
    }
    /// Whether a task has been canceled.
    public func isTaskCanceled(_ taskId: TaskId) -> Bool { tasks[taskId]?.canceledAt != nil }

    // MARK: Apply

    /// Validates `event` and applies it, or throws and leaves the projection unchanged.
    ///
    /// - Throws: The ``ReplayError`` ``plan(_:)`` throws.
    public mutating func apply(_ event: WalEvent) throws(ReplayError) {
        let change = try plan(event)
        commit(change, sequence: event.sequence)
    }

    /// Commits a change computed by ``plan(_:)`` for the event at `sequence`.
    mutating func commit(_ change: ProjectionChange, sequence: UInt64) {
        switch change {
        case .none: break
        case .task(let id, let record): tasks[id] = record
        case .run(let record, _): setRun(record.instance.id, record)
        case .engine(let control): engine = control
        case .dependency(let id, let record): dependencies[id] = record
        case .budget(let key, let record): budgets[key] = record
        case .subscription(let id, let record): subscriptions[id] = record
        case .actor(let id, let record): actors[id] = record
        case .tenant(let id, let record): tenants[id] = record
        case .role(let key, let record): roleAssignments[key] = record
        case .capability(let key, let record): capabilityGrants[key] = record
        case .ledger(let entry): ledger.append(entry)
        }
        latestSequence = sequence
    }

    /// Checks `event` against the projection and returns the change it would make.
    ///
    /// The event's sequence must be above ``latestSequence`` (gaps are allowed); each
    /// ``WalEventType`` case documents its own rule.
    ///
    /// - Throws: A ``ReplayError`` naming the event's sequence and the rule it breaks.
    public func plan(_ event: WalEvent) throws(ReplayError) -> ProjectionChange {
        let seq = event.sequence
        guard seq > latestSequence else {
            throw .invalidTransition(sequence: seq, .sequenceNotAfterLatest(latest: latestSequence))
        }
        switch event.event {
        case .taskCreated(let spec, let ts):
            guard tasks[spec.id] == nil else { throw .duplicateEvent(sequence: seq, .taskExists(spec.id)) }
            return .task(spec.id, TaskRecord(spec: spec, createdAt: ts))
        case .taskCanceled(let taskId, let ts):
            guard var task = tasks[taskId] else { throw .taskCausality(sequence: seq, .unknownTask(taskId)) }
            if let first = task.canceledAt {
                throw .taskCausality(sequence: seq, .alreadyCanceled(taskId, first: first, duplicate: ts))
            }
            guard ts >= task.createdAt else {
                throw .taskCausality(sequence: seq, .canceledBeforeCreated(taskId, createdAt: task.createdAt, canceledAt: ts))
            }
            task.canceledAt = ts
            return .task(taskId, task)
        case .runCreated(let instance):
            return try planRunCreated(instance, seq: seq)
        case .runStateChanged(let runId, let previous, let next, let ts):
            return try planTransition(runId, recordedPrevious: previous, to: next, at: ts, seq: seq)
        case .runSuspended(let runId, _, let ts):
            return try planTransition(runId, recordedPrevious: .running, to: .suspended, at: ts, seq: seq)
        case .runResumed(let runId, let ts):
            return try planTransition(runId, recordedPrevious: .suspended, to: .ready, at: ts, seq: seq)
        case .runCanceled(let runId, let ts):
            guard let run = runs[runId] else { throw .invalidTransition(sequence: seq, .unknownRun(runId)) }
            return try planTransition(runId, recordedPrevious: run.instance.state, to: .canceled, at: ts, seq: seq)
        case .attemptStarted(let runId, let attemptId, let ts):
            return try planAttemptStarted(runId, attemptId, at: ts, seq: seq)
        case .attemptFinished(let runId, let attemptId, let result, let error, let output, let ts):
            return try planAttemptFinished(runId, attemptId, result: result, error: error, output: output, at: ts, seq: seq)
        case .leaseAcquired(let runId, let owner, let expiry, let ts):
            return try planLease(.acquire, runId, owner: owner, expiry: expiry, at: ts, seq: seq)
        case .leaseHeartbeat(let runId, let owner, let expiry, let ts):
            return try planLease(.heartbeat, runId, owner: owner, expiry: expiry, at: ts, seq: seq)
        case .leaseExpired(let runId, let owner, let expiry, let ts):
            return try planLease(.expire, runId, owner: owner, expiry: expiry, at: ts, seq: seq)
        case .leaseReleased(let runId, let owner, let expiry, let ts):
            return try planLease(.release, runId, owner: owner, expiry: expiry, at: ts, seq: seq)
        case .enginePaused(let ts):
            guard !engine.paused else {
                throw .engineControlCausality(sequence: seq, .alreadyPaused(pausedAt: engine.pausedAt, timestamp: ts))
            }
            return .engine(EngineControl(paused: true, pausedAt: ts, resumedAt: nil))
        case .engineResumed(let ts):
            guard engine.paused, let pausedAt = engine.pausedAt else {
                throw .engineControlCausality(sequence: seq, .notPaused(timestamp: ts))
            }
            guard ts >= pausedAt else {
                throw .engineControlCausality(sequence: seq, .resumeBeforePause(pausedAt: pausedAt, resumedAt: ts))
            }
            return .engine(EngineControl(paused: false, pausedAt: pausedAt, resumedAt: ts))
        default:
            return try planDomainEvent(event.event, seq: seq)
        }
    }
}
