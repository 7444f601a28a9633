/// The canonical outcome of an attempt. Raw values are the postcard discriminants.
public enum AttemptResultKind: UInt32, Sendable, Hashable, CaseIterable {
    /// The handler completed successfully (any error text is dropped on replay).
    case success = 0
    /// The attempt failed.
    case failure = 1
    /// The attempt exceeded its time limit.
    case timeout = 2
    /// The attempt was preempted and its run suspended.
    case suspended = 3
}
