@testable import ActionQueue

/// Generates legal event streams: proposes a random plausible event for the current
/// projection and keeps it only if the reducer accepts it.
struct LegalStream {
    var rng: SplitMix
    var reducer = ReplayReducer()
    var events: [WalEvent] = []
    var clock: UInt64 = 1000
    var counter: UInt64 = 0

    init(seed: UInt64) { rng = SplitMix(seed: seed) }

    mutating func fresh() -> UInt64 { counter += 1; return counter }

    mutating func propose() -> WalEventType {
        clock += rng.next() % 5
        let taskIds = reducer.tasks.keys.sorted()
        let runs = reducer.runs.values.sorted { $0.instance.id < $1.instance.id }
        let anyTask = taskIds.isEmpty ? nil : taskIds[Int(rng.next() % UInt64(taskIds.count))]
        let anyRun = runs.isEmpty ? nil : runs[Int(rng.next() % UInt64(runs.count))]
        switch rng.next() % 14 {
        case 0, 1: return taskCreated(fresh(), at: clock)
        case 2, 3:
            guard let task = anyTask else { return taskCreated(fresh(), at: clock) }
            return .runCreated(runInstance: RunInstance(id: R(fresh()), taskId: task, createdAt: clock, scheduledAt: clock + 10))
        case 4, 5, 6:
            guard let run = anyRun else { return .enginePaused(timestamp: clock) }
            let state = run.instance.state
            let next = state.successors.isEmpty ? RunState.canceled : state.successors[Int(rng.next() % UInt64(state.successors.count))]
            return .runStateChanged(runId: run.instance.id, previousState: state, newState: next, timestamp: clock)
        case 7:
            let running = runs.filter { $0.instance.state == .running }
            guard let run = running.isEmpty ? anyRun : running[Int(rng.next() % UInt64(running.count))] else {
                return .engineResumed(timestamp: clock)
            }
            if let open = run.instance.currentAttemptId {
                return .attemptFinished(runId: run.instance.id, attemptId: open, result: rng.next() % 2 == 0 ? .success : .timeout,
                                        error: "e", output: [1, 2], timestamp: clock)
            }
            return .attemptStarted(runId: run.instance.id, attemptId: A(fresh()), timestamp: clock)
        case 8:
            guard let run = anyRun else { return .enginePaused(timestamp: clock) }
            if let lease = run.lease {
                switch rng.next() % 3 {
                case 0: return .leaseHeartbeat(runId: run.instance.id, owner: lease.owner, expiry: lease.expiry + 10, timestamp: clock)
                case 1: return .leaseExpired(runId: run.instance.id, owner: lease.owner, expiry: lease.expiry, timestamp: clock)
                default: return .leaseReleased(runId: run.instance.id, owner: lease.owner, expiry: lease.expiry, timestamp: clock)
                }
            }
            return .leaseAcquired(runId: run.instance.id, owner: "w\(rng.next() % 3)", expiry: clock + 100, timestamp: clock)
        case 9: return reducer.engine.paused ? .engineResumed(timestamp: clock) : .enginePaused(timestamp: clock)
        case 10:
            guard let task = anyTask, let other = taskIds.last else { return .enginePaused(timestamp: clock) }
            return rng.next() % 3 == 0 ? .taskCanceled(taskId: task, timestamp: clock)
                : .dependencyDeclared(taskId: task, dependsOn: [other], timestamp: clock)
        case 11:
            guard let task = anyTask else { return .enginePaused(timestamp: clock) }
            let dim = BudgetDimension.allCases[Int(rng.next() % 3)]
            switch rng.next() % 3 {
            case 0: return .budgetAllocated(taskId: task, dimension: dim, limit: 100, timestamp: clock)
            case 1: return .budgetConsumed(taskId: task, dimension: dim, amount: rng.next() % 80, timestamp: clock)
            default: return .budgetReplenished(taskId: task, dimension: dim, newLimit: 200, timestamp: clock)
            }
        case 12:
            guard let task = anyTask else { return .enginePaused(timestamp: clock) }
            let sub = S(rng.next() % 4)
            switch rng.next() % 3 {
            case 0: return .subscriptionCreated(subscriptionId: sub, taskId: task, filter: .taskCompleted(taskId: task), timestamp: clock)
            case 1: return .subscriptionTriggered(subscriptionId: sub, timestamp: clock)
            default: return .subscriptionCanceled(subscriptionId: sub, timestamp: clock)
            }
        default:
            let actor = Act(rng.next() % 3), tenant = Ten(rng.next() % 2)
            switch rng.next() % 6 {
            case 0: return .actorRegistered(actorId: actor, identity: "a", capabilities: ["x"], department: nil,
                                            heartbeatIntervalSecs: 5, tenantId: tenant, timestamp: clock)
            case 1: return .actorHeartbeat(actorId: actor, timestamp: clock)
            case 2: return .tenantCreated(tenantId: tenant, name: "t", timestamp: clock)
            case 3: return .roleAssigned(actorId: actor, role: .auditor, tenantId: tenant, timestamp: clock)
            case 4: return .capabilityGranted(actorId: actor, capability: .canExecute, tenantId: tenant, timestamp: clock)
            default: return .ledgerEntryAppended(entryId: L(fresh()), tenantId: tenant, ledgerKey: "audit", actorId: actor,
                                                 payload: [7], timestamp: clock)
            }
        }
    }

    /// Grows the stream to `count` accepted events (bounded number of proposals).
    mutating func generate(count: Int) {
        var attempts = 0
        while events.count < count && attempts < count * 20 {
            attempts += 1
            let event = WalEvent(sequence: reducer.latestSequence + 1, event: propose())
            if (try? reducer.apply(event)) != nil { events.append(event) }
        }
    }
}
