/// An actor's organisational role within a tenant. Discriminants: Operator 0, Auditor 1,
/// Gatekeeper 2, Custom 3.
public enum Role: Sendable, Hashable {
    case `operator`
    case auditor
    case gatekeeper
    case custom(String)
}

/// A typed permission of an actor within a tenant. Discriminants: CanSubmit 0 … CanCancel 4,
/// Custom 5.
public enum Capability: Sendable, Hashable {
    case canSubmit
    case canExecute
    case canReview
    case canApprove
    case canCancel
    case custom(String)
}
