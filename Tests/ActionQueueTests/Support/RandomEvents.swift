@testable import ActionQueue

/// Random values of every model type, for codec round-trips.
struct RandomEvents {
    var rng: SplitMix

    mutating func u64() -> UInt64 {
        switch rng.next() % 4 {
        case 0: return 0
        case 1: return rng.next() % 128
        case 2: return UInt64.max - rng.next() % 3
        default: return rng.next()
        }
    }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: u64()) }
    mutating func i32() -> Int32 { Int32(truncatingIfNeeded: rng.next()) }
    mutating func bool() -> Bool { rng.next() & 1 == 1 }
    mutating func string() -> String {
        let pool = ["", "a", "worker-1", "ünïcødé ✓", "longer string with spaces", "\u{0}nul"]
        return pool[Int(rng.next() % UInt64(pool.count))]
    }
    mutating func bytes() -> [UInt8] { (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
    mutating func opt<T>(_ make: (inout RandomEvents) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func id<I: UUIDIdentifier>() -> I { I(bytes: (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) })! }
    mutating func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }

    mutating func spec() -> TaskSpec {
        let policy: RunPolicy = switch rng.next() % 3 {
        case 0: .once
        case 1: .repeat(count: u32(), intervalSecs: u64())
        default: .cron(expression: string(), maxOccurrences: opt { $0.u32() })
        }
        return TaskSpec(
            id: id(), payload: TaskPayload(bytes: bytes(), contentType: opt { $0.string() }), runPolicy: policy,
            constraints: TaskConstraints(maxAttempts: u32(), timeoutSecs: opt { $0.u64() }, concurrencyKey: opt { $0.string() },
                                         concurrencyKeyHoldPolicy: pick(ConcurrencyKeyHoldPolicy.allCases),
                                         safetyLevel: pick(SafetyLevel.allCases),
                                         requiredCapabilities: opt { r in (0..<Int(r.rng.next() % 3)).map { _ in r.string() } }),
            metadata: TaskMetadata(tags: (0..<Int(rng.next() % 3)).map { _ in string() }, priority: i32(),
                                   description: opt { $0.string() }),
            parentTaskId: opt { $0.id() }, tenantId: opt { $0.id() })
    }

    mutating func filter() -> EventFilter {
        switch rng.next() % 4 {
        case 0: .taskCompleted(taskId: id())
        case 1: .runStateChanged(taskId: id(), state: pick(RunState.allCases))
        case 2: .budgetThreshold(taskId: id(), dimension: pick(BudgetDimension.allCases), thresholdPercent: UInt8(truncatingIfNeeded: rng.next()))
        default: .custom(key: string())
        }
    }
    mutating func role() -> Role { pick([.operator, .auditor, .gatekeeper, .custom(string())]) }
    mutating func capability() -> Capability {
        pick([.canSubmit, .canExecute, .canReview, .canApprove, .canCancel, .custom(string())])
    }

    /// A random event of variant `index` (0…30).
    mutating func event(variant index: UInt32) -> WalEventType {
        switch index {
        case 0: return .taskCreated(taskSpec: spec(), timestamp: u64())
        case 1:
            return .runCreated(runInstance: RunInstance(
                id: id(), taskId: id(), state: pick(RunState.allCases), currentAttemptId: opt { $0.id() },
                attemptCount: u32(), createdAt: u64(), scheduledAt: u64(), effectivePriority: i32(), lastStateChangeAt: u64()))
        case 2: return .runStateChanged(runId: id(), previousState: pick(RunState.allCases), newState: pick(RunState.allCases), timestamp: u64())
        case 3: return .attemptStarted(runId: id(), attemptId: id(), timestamp: u64())
        case 4:
            return .attemptFinished(runId: id(), attemptId: id(), result: pick(AttemptResultKind.allCases),
                                    error: opt { $0.string() }, output: opt { $0.bytes() }, timestamp: u64())
        case 5: return .taskCanceled(taskId: id(), timestamp: u64())
        case 6: return .runCanceled(runId: id(), timestamp: u64())
        case 7: return .leaseAcquired(runId: id(), owner: string(), expiry: u64(), timestamp: u64())
        case 8: return .leaseHeartbeat(runId: id(), owner: string(), expiry: u64(), timestamp: u64())
        case 9: return .leaseExpired(runId: id(), owner: string(), expiry: u64(), timestamp: u64())
        case 10: return .leaseReleased(runId: id(), owner: string(), expiry: u64(), timestamp: u64())
        case 11: return .enginePaused(timestamp: u64())
        case 12: return .engineResumed(timestamp: u64())
        case 13: return .dependencyDeclared(taskId: id(), dependsOn: (0..<Int(rng.next() % 4)).map { _ in id() }, timestamp: u64())
        case 14: return .runSuspended(runId: id(), reason: opt { $0.string() }, timestamp: u64())
        case 15: return .runResumed(runId: id(), timestamp: u64())
        case 16: return .budgetAllocated(taskId: id(), dimension: pick(BudgetDimension.allCases), limit: u64(), timestamp: u64())
        case 17: return .budgetConsumed(taskId: id(), dimension: pick(BudgetDimension.allCases), amount: u64(), timestamp: u64())
        case 18: return .budgetExhausted(taskId: id(), dimension: pick(BudgetDimension.allCases), timestamp: u64())
        case 19: return .budgetReplenished(taskId: id(), dimension: pick(BudgetDimension.allCases), newLimit: u64(), timestamp: u64())
        case 20: return .subscriptionCreated(subscriptionId: id(), taskId: id(), filter: filter(), timestamp: u64())
        case 21: return .subscriptionTriggered(subscriptionId: id(), timestamp: u64())
        case 22: return .subscriptionCanceled(subscriptionId: id(), timestamp: u64())
        case 23:
            return .actorRegistered(actorId: id(), identity: string(), capabilities: (0..<Int(rng.next() % 3)).map { _ in string() },
                                    department: opt { $0.string() }, heartbeatIntervalSecs: u64(), tenantId: opt { $0.id() }, timestamp: u64())
        case 24: return .actorDeregistered(actorId: id(), timestamp: u64())
        case 25: return .actorHeartbeat(actorId: id(), timestamp: u64())
        case 26: return .tenantCreated(tenantId: id(), name: string(), timestamp: u64())
        case 27: return .roleAssigned(actorId: id(), role: role(), tenantId: id(), timestamp: u64())
        case 28: return .capabilityGranted(actorId: id(), capability: capability(), tenantId: id(), timestamp: u64())
        case 29: return .capabilityRevoked(actorId: id(), capability: capability(), tenantId: id(), timestamp: u64())
        default:
            return .ledgerEntryAppended(entryId: id(), tenantId: id(), ledgerKey: string(), actorId: opt { $0.id() },
                                        payload: bytes(), timestamp: u64())
        }
    }
}
