// Projection <-> snapshot conversion.

extension Snapshot {
    /// Builds the snapshot of `projection` (validated by the caller before publication).
    public init(projection p: ReplayReducer, timestamp: UInt64) {
        func sorted<K: PostcardCodable & Hashable & Sendable, V>(_ dict: [K: V]) -> [SnapshotEntry<K, V>] {
            dict.map { (key: $0.key.postcardBytes(), entry: SnapshotEntry(key: $0.key, value: $0.value)) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .map(\.entry)
        }
        self.init(
            walSequence: p.latestSequence, timestamp: timestamp,
            tasks: p.tasks.values.sorted { $0.spec.id < $1.spec.id },
            runs: p.runs.values.sorted { $0.instance.id < $1.instance.id },
            engine: p.engine, dependencies: sorted(p.dependencies), budgets: sorted(p.budgets),
            subscriptions: sorted(p.subscriptions), actors: sorted(p.actors), tenants: sorted(p.tenants),
            roleAssignments: sorted(p.roleAssignments), capabilityGrants: sorted(p.capabilityGrants),
            ledger: p.ledger)
    }
}

extension ReplayReducer {
    /// Rebuilds the projection a snapshot describes, after validating it.
    public init(snapshot s: Snapshot) throws(SnapshotValidationError) {
        try SnapshotValidator.validate(s)
        self.init()
        latestSequence = s.walSequence
        for task in s.tasks { tasks[task.spec.id] = task }
        for run in s.runs { setRun(run.instance.id, run) }
        engine = s.engine
        for e in s.dependencies { dependencies[e.key] = e.value }
        for e in s.budgets { budgets[e.key] = e.value }
        for e in s.subscriptions { subscriptions[e.key] = e.value }
        for e in s.actors { actors[e.key] = e.value }
        for e in s.tenants { tenants[e.key] = e.value }
        for e in s.roleAssignments { roleAssignments[e.key] = e.value }
        for e in s.capabilityGrants { capabilityGrants[e.key] = e.value }
        ledger = s.ledger
    }
}
