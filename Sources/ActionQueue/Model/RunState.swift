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
    /// Created and waiting for its scheduled time. Every run starts here.
    case scheduled = 0
    /// Due, and waiting to be leased by an executor.
    case ready = 1
    /// Leased to an executor that has not started it yet.
    case leased = 2
    /// Executing; attempts start and finish only in this state.
    case running = 3
    /// Failed an attempt, and waiting before a retry.
    case retryWait = 4
    /// Preempted while running (by budget exhaustion, say), and waiting to be resumed.
    case suspended = 5
    /// Finished successfully (terminal).
    case completed = 6
    /// Failed with no retry left (terminal).
    case failed = 7
    /// Canceled (terminal).
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

    /// The state's name in upper camel case: `Scheduled`, `RetryWait`, ….
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
