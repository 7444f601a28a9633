/// A point-in-time copy of the whole projection, covering log records `1...walSequence`.
///
/// Collections are laid out deterministically (sorted by the postcard bytes of their key),
/// so the same projection always yields the same snapshot bytes. The snapshot is lossless:
/// `ReplayReducer(snapshot: Snapshot(projection))` equals the projection.
public struct Snapshot: Sendable, Hashable {
    /// The payload schema this build writes and accepts.
    public static let currentSchemaVersion: UInt32 = 1

    /// The payload schema (``currentSchemaVersion``; any other value is refused).
    public var schemaVersion: UInt32
    /// The last log sequence folded in; replay resumes at `walSequence + 1`.
    public var walSequence: UInt64
    /// When the snapshot was taken (caller's clock, Unix seconds).
    public var timestamp: UInt64
    /// Every task, sorted by id.
    public var tasks: [TaskRecord]
    /// Every run, sorted by id.
    public var runs: [RunRecord]
    /// The engine's pause state.
    public var engine: EngineControl
    /// Dependency records by dependent task, sorted by key bytes.
    public var dependencies: [SnapshotEntry<TaskId, DependencyRecord>]
    /// Budgets, sorted by key bytes.
    public var budgets: [SnapshotEntry<BudgetKey, BudgetRecord>]
    /// Subscriptions, sorted by key bytes.
    public var subscriptions: [SnapshotEntry<SubscriptionId, SubscriptionRecord>]
    /// Actors, sorted by key bytes.
    public var actors: [SnapshotEntry<ActorId, ActorRecord>]
    /// Tenants, sorted by key bytes.
    public var tenants: [SnapshotEntry<TenantId, TenantRecord>]
    /// Role assignments, sorted by key bytes.
    public var roleAssignments: [SnapshotEntry<RoleAssignmentKey, RoleAssignmentRecord>]
    /// Capability grants, sorted by key bytes.
    public var capabilityGrants: [SnapshotEntry<CapabilityGrantKey, CapabilityGrantRecord>]
    /// Ledger entries, in append order.
    public var ledger: [LedgerEntry]

    /// Creates a snapshot from its sections as given (not sorted, not validated); use
    /// ``init(projection:timestamp:)`` to snapshot a projection.
    public init(schemaVersion: UInt32 = Snapshot.currentSchemaVersion, walSequence: UInt64, timestamp: UInt64,
                tasks: [TaskRecord] = [], runs: [RunRecord] = [], engine: EngineControl = EngineControl(),
                dependencies: [SnapshotEntry<TaskId, DependencyRecord>] = [],
                budgets: [SnapshotEntry<BudgetKey, BudgetRecord>] = [],
                subscriptions: [SnapshotEntry<SubscriptionId, SubscriptionRecord>] = [],
                actors: [SnapshotEntry<ActorId, ActorRecord>] = [],
                tenants: [SnapshotEntry<TenantId, TenantRecord>] = [],
                roleAssignments: [SnapshotEntry<RoleAssignmentKey, RoleAssignmentRecord>] = [],
                capabilityGrants: [SnapshotEntry<CapabilityGrantKey, CapabilityGrantRecord>] = [],
                ledger: [LedgerEntry] = []) {
        self.schemaVersion = schemaVersion
        self.walSequence = walSequence
        self.timestamp = timestamp
        self.tasks = tasks
        self.runs = runs
        self.engine = engine
        self.dependencies = dependencies
        self.budgets = budgets
        self.subscriptions = subscriptions
        self.actors = actors
        self.tenants = tenants
        self.roleAssignments = roleAssignments
        self.capabilityGrants = capabilityGrants
        self.ledger = ledger
    }
}

/// One keyed entry of a snapshot section.
public struct SnapshotEntry<Key: Hashable & Sendable, Value: Hashable & Sendable>: Sendable, Hashable {
    /// The entry's key.
    public var key: Key
    /// The entry's value.
    public var value: Value
    /// Creates an entry.
    public init(key: Key, value: Value) {
        self.key = key
        self.value = value
    }
}
