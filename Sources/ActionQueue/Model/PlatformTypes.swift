/// An actor's organisational role within a tenant. Discriminants: Operator 0, Auditor 1,
/// Gatekeeper 2, Custom 3.
public enum Role: Sendable, Hashable {
    /// Submits work plans and manages tasks.
    case `operator`
    /// Reviews plans and decides their approval or rejection.
    case auditor
    /// Executes privileged actions once approved.
    case gatekeeper
    /// An organisation-specific role, by name.
    case custom(String)
}

/// A typed permission of an actor within a tenant. Discriminants: CanSubmit 0 … CanCancel 4,
/// Custom 5.
public enum Capability: Sendable, Hashable {
    /// May submit tasks.
    case canSubmit
    /// May execute (claim and complete) runs.
    case canExecute
    /// May review tasks and decide their approval or rejection.
    case canReview
    /// May approve proposed actions.
    case canApprove
    /// May cancel tasks and runs.
    case canCancel
    /// An organisation-specific capability, by name.
    case custom(String)
}
