/// Command-level rules the authority adds on top of replay's (the reference's
/// `EmptyDependencyList`, `BudgetNotAllocated`, subscription rules, reserved events).
enum CommandPreconditions {
    static func check(_ event: WalEventType, against p: ReplayReducer) throws(MutationValidationError) {
        switch event {
        case .budgetExhausted:
            throw .reservedEvent(event.name)
        case .dependencyDeclared(let taskId, let dependsOn, _):
            if dependsOn.isEmpty { throw .emptyDependencyList(taskId) }
        case .budgetConsumed(let taskId, let dimension, _, _), .budgetReplenished(let taskId, let dimension, _, _):
            let key = BudgetKey(taskId: taskId, dimension: dimension)
            if p.budgets[key] == nil { throw .budgetNotAllocated(key) }
        case .subscriptionCreated(let id, _, _, _):
            if p.subscriptions[id] != nil { throw .subscriptionAlreadyExists(id) }
        case .subscriptionTriggered(let id, _):
            if p.subscriptions[id] == nil { throw .unknownSubscription(id) }
        case .subscriptionCanceled(let id, _):
            guard let record = p.subscriptions[id] else { throw .unknownSubscription(id) }
            if record.canceledAt != nil { throw .subscriptionAlreadyCanceled(id) }
        default:
            break
        }
    }
}
