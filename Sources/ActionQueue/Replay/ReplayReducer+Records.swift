// Atomic application of a multi-event record: every event planned against the state the
// previous ones left, or none applied.

/// What a committed change overwrote, so a multi-event record that fails part-way can be
/// undone without copying the projection.
enum ProjectionUndo {
    case none
    case task(TaskId, TaskRecord?)
    case run(RunId, RunRecord?)
    case engine(EngineControl)
    case dependency(TaskId, DependencyRecord?)
    case budget(BudgetKey, BudgetRecord?)
    case subscription(SubscriptionId, SubscriptionRecord?)
    case actor(ActorId, ActorRecord?)
    case tenant(TenantId, TenantRecord?)
    case role(RoleAssignmentKey, RoleAssignmentRecord?)
    case capability(CapabilityGrantKey, CapabilityGrantRecord?)
    case ledger
}

extension ReplayReducer {
    /// Applies every event of `record` at its sequence, in order, each checked against the
    /// state the previous ones left; if one is refused, none is applied and the projection
    /// (including ``latestSequence``) is unchanged.
    ///
    /// - Throws: The ``ReplayError`` of the first event refused.
    public mutating func apply(_ record: WalRecord) throws(ReplayError) {
        _ = try commitAtomically(record.events, sequence: record.sequence) { event, reducer throws(ReplayError) in
            try reducer.plan(event)
        }
    }

    /// Plans each event with `plan` against the state the previous ones left and commits it;
    /// on the first error undoes what was committed and rethrows. Returns the changes, in
    /// order, for a second projection that must follow (the authority's acknowledged one).
    mutating func commitAtomically<E: Error>(_ events: [WalEventType], sequence: UInt64,
                                             _ plan: (WalEvent, ReplayReducer) throws(E) -> ProjectionChange) throws(E) -> [ProjectionChange] {
        let before = latestSequence
        var undos: [ProjectionUndo] = []
        var changes: [ProjectionChange] = []
        changes.reserveCapacity(events.count)
        for event in events {
            latestSequence = before  // every event of the record carries the record's sequence
            let change: ProjectionChange
            do { change = try plan(WalEvent(sequence: sequence, event: event), self) } catch {
                for undo in undos.reversed() { restore(undo) }
                latestSequence = before
                throw error
            }
            undos.append(saved(before: change))
            commit(change, sequence: sequence)
            changes.append(change)
        }
        return changes
    }

    /// Checks `events` as ``commitAtomically(_:sequence:_:)`` would, then undoes them: the
    /// projection ends as it began, whether they pass or not.
    mutating func checkAtomically<E: Error>(_ events: [WalEventType], sequence: UInt64,
                                            _ plan: (WalEvent, ReplayReducer) throws(E) -> ProjectionChange) throws(E) {
        let before = latestSequence
        var undos: [ProjectionUndo] = []
        defer {
            for undo in undos.reversed() { restore(undo) }
            latestSequence = before
        }
        for event in events {
            latestSequence = before
            let change = try plan(WalEvent(sequence: sequence, event: event), self)
            undos.append(saved(before: change))
            commit(change, sequence: sequence)
        }
    }

    /// Commits changes planned elsewhere for the record at `sequence` (see ``commitAtomically(_:sequence:_:)``).
    mutating func commit(_ changes: [ProjectionChange], sequence: UInt64) {
        for change in changes { commit(change, sequence: sequence) }
    }

    func saved(before change: ProjectionChange) -> ProjectionUndo {
        switch change {
        case .none: .none
        case .task(let id, _): .task(id, tasks[id])
        case .run(let record, _): .run(record.instance.id, runs[record.instance.id])
        case .engine: .engine(engine)
        case .dependency(let id, _): .dependency(id, dependencies[id])
        case .budget(let key, _): .budget(key, budgets[key])
        case .subscription(let id, _): .subscription(id, subscriptions[id])
        case .actor(let id, _): .actor(id, actors[id])
        case .tenant(let id, _): .tenant(id, tenants[id])
        case .role(let key, _): .role(key, roleAssignments[key])
        case .capability(let key, _): .capability(key, capabilityGrants[key])
        case .ledger: .ledger
        }
    }

    mutating func restore(_ undo: ProjectionUndo) {
        switch undo {
        case .none: break
        case .task(let id, let old): tasks[id] = old
        case .run(let id, let old): setRun(id, old)
        case .engine(let old): engine = old
        case .dependency(let id, let old): dependencies[id] = old
        case .budget(let key, let old): budgets[key] = old
        case .subscription(let id, let old): subscriptions[id] = old
        case .actor(let id, let old): actors[id] = old
        case .tenant(let id, let old): tenants[id] = old
        case .role(let key, let old): roleAssignments[key] = old
        case .capability(let key, let old): capabilityGrants[key] = old
        case .ledger: ledger.removeLast()
        }
    }
}
