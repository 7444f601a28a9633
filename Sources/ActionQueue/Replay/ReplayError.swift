/// Why the reducer rejected an event. A rejected event leaves the projection unchanged,
/// so the same sequence can be retried.
public enum ReplayError: Error, Sendable, Hashable {
    /// Sequence regression or duplicate, or an illegal run/attempt transition.
    case invalidTransition(sequence: UInt64, InvalidTransitionReason)
    /// An entity created twice (task or run).
    case duplicateEvent(sequence: UInt64, DuplicateEventReason)
    /// The projection's internal records disagree (attempt lineage, counters).
    case corruptedData(sequence: UInt64, reason: String)
    case leaseCausality(sequence: UInt64, LeaseCausalityError)
    case taskCausality(sequence: UInt64, TaskCausalityError)
    case engineControlCausality(sequence: UInt64, EngineControlCausalityError)

    /// The sequence of the rejected event.
    public var sequence: UInt64 {
        switch self {
        case .invalidTransition(let s, _), .duplicateEvent(let s, _), .corruptedData(let s, _),
             .leaseCausality(let s, _), .taskCausality(let s, _), .engineControlCausality(let s, _):
            s
        }
    }
}

/// Detail of ``ReplayError/invalidTransition(sequence:_:)``.
public enum InvalidTransitionReason: Sendable, Hashable {
    case sequenceNotAfterLatest(latest: UInt64)
    case unknownRun(RunId)
    case runCreatedNotScheduled(RunId, state: RunState)
    case previousStateMismatch(RunId, recorded: RunState, actual: RunState)
    case illegalTransition(RunId, from: RunState, to: RunState)
    case attemptInProgress(RunId, AttemptId)
    case attemptRequiresRunning(RunId, state: RunState)
    case attemptAlreadyActive(RunId, AttemptId)
    case attemptMismatch(RunId, expected: AttemptId?, provided: AttemptId)
}

/// Detail of ``ReplayError/duplicateEvent(sequence:_:)``.
public enum DuplicateEventReason: Sendable, Hashable {
    case taskExists(TaskId)
    case runExists(RunId)
    case attemptExists(RunId, AttemptId)
}

/// The lease event a ``LeaseCausalityError`` is about.
public enum LeaseEventKind: Sendable, Hashable {
    case acquire, heartbeat, expire, release
}

/// Lease rule violations.
public enum LeaseCausalityError: Sendable, Hashable {
    case unknownRun(RunId, LeaseEventKind)
    case invalidRunState(RunId, state: RunState, LeaseEventKind)
    case missingActiveLease(RunId, LeaseEventKind)
    case leaseAlreadyActive(RunId, owner: String)
    case ownerMismatch(RunId, expected: String, provided: String, LeaseEventKind)
    case expiryMismatch(RunId, expected: UInt64, provided: UInt64, LeaseEventKind)
    case nonMonotonicHeartbeatExpiry(RunId, current: UInt64, provided: UInt64)
}

/// Task rule violations (and references to unknown tasks).
public enum TaskCausalityError: Sendable, Hashable {
    case unknownTask(TaskId)
    case alreadyCanceled(TaskId, first: UInt64, duplicate: UInt64)
    case canceledBeforeCreated(TaskId, createdAt: UInt64, canceledAt: UInt64)
}

/// Engine pause/resume rule violations.
public enum EngineControlCausalityError: Sendable, Hashable {
    case alreadyPaused(pausedAt: UInt64?, timestamp: UInt64)
    case notPaused(timestamp: UInt64)
    case resumeBeforePause(pausedAt: UInt64, resumedAt: UInt64)
}
