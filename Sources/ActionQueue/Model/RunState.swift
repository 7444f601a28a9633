/// The lifecycle state of a run. Raw values are the postcard discriminants (do not reorder).
///
/// Transition table (actionqueue core):
/// ```
/// Scheduled -> Ready, Canceled
/// Ready     -> Leased, Canceled
/// Leased    -> Running, Ready, Canceled
/// Running   -> RetryWait, Suspended, Completed, Failed, Canceled
/// RetryWait -> Ready, Failed, Canceled
/// Suspended -> Ready, Canceled
/// Completed, Failed, Canceled: terminal
/// ```
public enum RunState: UInt32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case scheduled = 0
    case ready = 1
    case leased = 2
    case running = 3
    case retryWait = 4
    case suspended = 5
    case completed = 6
    case failed = 7
    case canceled = 8

    /// True for Completed, Failed and Canceled.
    public var isTerminal: Bool { self == .completed || self == .failed || self == .canceled }

    /// The states directly reachable from this one.
    public var successors: [RunState] {
        switch self {
        case .scheduled: [.ready, .canceled]
        case .ready: [.leased, .canceled]
        case .leased: [.running, .ready, .canceled]
        case .running: [.retryWait, .suspended, .completed, .failed, .canceled]
        case .retryWait: [.ready, .failed, .canceled]
        case .suspended: [.ready, .canceled]
        case .completed, .failed, .canceled: []
        }
    }

    /// Whether `self -> next` is a legal transition.
    public func canTransition(to next: RunState) -> Bool { successors.contains(next) }

    /// Whether a lease may exist while a run is in this state (Ready, Leased, Running).
    public var admitsLease: Bool { self == .ready || self == .leased || self == .running }

    public var description: String {
        switch self {
        case .scheduled: "Scheduled"
        case .ready: "Ready"
        case .leased: "Leased"
        case .running: "Running"
        case .retryWait: "RetryWait"
        case .suspended: "Suspended"
        case .completed: "Completed"
        case .failed: "Failed"
        case .canceled: "Canceled"
        }
    }
}
