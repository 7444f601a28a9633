/// Why a command was refused before anything was appended.
public enum MutationValidationError: Error, Sendable, Hashable {
    /// The command's sequence is not the next one (`expected` is `latestSequence + 1`).
    case nonMonotonicSequence(expected: UInt64, provided: UInt64)
    /// The projection's latest sequence is `UInt64.max`: no next sequence exists.
    case sequenceOverflow
    /// The reserved `BudgetExhausted` event is never appended.
    case reservedEvent(String)
    /// A `dependencyDeclared` event for this task names no prerequisite.
    case emptyDependencyList(TaskId)
    /// A `budgetConsumed` or `budgetReplenished` event for a budget never allocated.
    case budgetNotAllocated(BudgetKey)
    /// A `subscriptionCreated` event reuses an existing subscription id.
    case subscriptionAlreadyExists(SubscriptionId)
    /// A `subscriptionTriggered` or `subscriptionCanceled` event names an unknown subscription.
    case unknownSubscription(SubscriptionId)
    /// A `subscriptionCanceled` event for a subscription already canceled.
    case subscriptionAlreadyCanceled(SubscriptionId)
    /// A command with no event.
    case emptyCommand
    /// The command's record would exceed the log's maximum record size.
    case recordTooLarge(size: Int, limit: Int)
    /// The reducer would reject the event (the same check replay makes).
    case rejectedByReplay(ReplayError)
}
