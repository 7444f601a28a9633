/// Why a command was refused before anything was appended.
public enum MutationValidationError: Error, Sendable, Hashable {
    case nonMonotonicSequence(expected: UInt64, provided: UInt64)
    case sequenceOverflow
    /// The reserved `BudgetExhausted` event is never appended.
    case reservedEvent(String)
    case emptyDependencyList(TaskId)
    case budgetNotAllocated(BudgetKey)
    case subscriptionAlreadyExists(SubscriptionId)
    case unknownSubscription(SubscriptionId)
    case subscriptionAlreadyCanceled(SubscriptionId)
    /// The reducer would reject the event (the same check replay makes).
    case rejectedByReplay(ReplayError)
}
