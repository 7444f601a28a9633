/// The canonical outcome of an attempt. Raw values are the postcard discriminants.
public enum AttemptResultKind: UInt32, Sendable, Hashable, CaseIterable {
    case success = 0
    case failure = 1
    case timeout = 2
    case suspended = 3
}
