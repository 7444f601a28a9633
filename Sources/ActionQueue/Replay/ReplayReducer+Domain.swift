// Dependencies, budgets, subscriptions and the platform (actor/tenant/role/capability/ledger).

extension ReplayReducer {
    func requireTask(_ taskId: TaskId, seq: UInt64) throws(ReplayError) {
        guard tasks[taskId] != nil else { throw .taskCausality(sequence: seq, .unknownTask(taskId)) }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func planDomainEvent(_ event: WalEventType, seq: UInt64) throws(ReplayError) -> ProjectionChange {
        switch event {
        case .dependencyDeclared(let taskId, let dependsOn, let ts):
            try requireTask(taskId, seq: seq)
            for prerequisite in dependsOn { try requireTask(prerequisite, seq: seq) }
            var record = dependencies[taskId] ?? DependencyRecord(prerequisites: [], declaredAt: ts)
            record.prerequisites.formUnion(dependsOn)
            record.declaredAt = ts
            return .dependency(taskId, record)
        case .budgetAllocated(let taskId, let dimension, let limit, let ts):
            try requireTask(taskId, seq: seq)
            return .budget(BudgetKey(taskId: taskId, dimension: dimension), BudgetRecord(limit: limit, allocatedAt: ts))
        case .budgetConsumed(let taskId, let dimension, let amount, _):
            let key = BudgetKey(taskId: taskId, dimension: dimension)
            guard var budget = budgets[key] else { return .none }
            let (sum, overflow) = budget.consumed.addingReportingOverflow(amount)
            budget.consumed = overflow ? .max : sum
            budget.exhausted = budget.consumed >= budget.limit
            return .budget(key, budget)
        case .budgetExhausted(let taskId, let dimension, _):
            let key = BudgetKey(taskId: taskId, dimension: dimension)
            guard var budget = budgets[key] else { return .none }
            budget.exhausted = true
            return .budget(key, budget)
        case .budgetReplenished(let taskId, let dimension, let newLimit, _):
            let key = BudgetKey(taskId: taskId, dimension: dimension)
            guard var budget = budgets[key] else { return .none }
            budget.limit = newLimit
            budget.consumed = 0
            budget.exhausted = false
            return .budget(key, budget)
        case .subscriptionCreated(let id, let taskId, let filter, let ts):
            try requireTask(taskId, seq: seq)
            return .subscription(id, SubscriptionRecord(taskId: taskId, filter: filter, createdAt: ts))
        case .subscriptionTriggered(let id, let ts):
            guard var record = subscriptions[id] else { return .none }
            record.triggeredAt = ts
            return .subscription(id, record)
        case .subscriptionCanceled(let id, let ts):
            guard var record = subscriptions[id] else { return .none }
            record.canceledAt = ts
            return .subscription(id, record)
        case .actorRegistered(let id, let identity, let capabilities, let department, let interval, let tenantId, let ts):
            return .actor(id, ActorRecord(identity: identity, capabilities: capabilities, department: department,
                                          heartbeatIntervalSecs: interval, tenantId: tenantId, registeredAt: ts))
        case .actorDeregistered(let id, let ts):
            guard var record = actors[id] else { return .none }
            record.deregisteredAt = ts
            return .actor(id, record)
        case .actorHeartbeat(let id, let ts):
            guard var record = actors[id] else { return .none }
            record.lastHeartbeatAt = ts
            return .actor(id, record)
        case .tenantCreated(let id, let name, let ts):
            return .tenant(id, TenantRecord(name: name, createdAt: ts))
        case .roleAssigned(let actorId, let role, let tenantId, let ts):
            return .role(RoleAssignmentKey(actorId: actorId, tenantId: tenantId), RoleAssignmentRecord(role: role, assignedAt: ts))
        case .capabilityGranted(let actorId, let capability, let tenantId, let ts):
            return .capability(CapabilityGrantKey(actorId: actorId, capability: capability, tenantId: tenantId),
                               CapabilityGrantRecord(grantedAt: ts))
        case .capabilityRevoked(let actorId, let capability, let tenantId, let ts):
            let key = CapabilityGrantKey(actorId: actorId, capability: capability, tenantId: tenantId)
            guard var record = capabilityGrants[key] else { return .none }
            record.revokedAt = ts
            return .capability(key, record)
        case .ledgerEntryAppended(let entryId, let tenantId, let key, let actorId, let payload, let ts):
            return .ledger(LedgerEntry(entryId: entryId, tenantId: tenantId, ledgerKey: key, actorId: actorId,
                                       payload: payload, timestamp: ts))
        default:
            // Task, run, attempt, lease and engine events are planned by `plan(_:)` itself.
            throw .corruptedData(sequence: seq, reason: "event \(event.name) routed to the domain planner")
        }
    }
}
