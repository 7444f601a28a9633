/// Why the reducer rejected an event. A rejected event leaves the projection unchanged,
/// so the same sequence can be retried.
public enum ReplayError: Error, Sendable, Hashable {
    /// Sequence regression or duplicate, or an illegal run/attempt transition.
    case invalidTransition(sequence: UInt64, InvalidTransitionReason)
    /// An entity created twice (task or run).
    case duplicateEvent(sequence: UInt64, DuplicateEventReason)
    /// The projection's internal records disagree (attempt lineage, counters).
    case corruptedData(sequence: UInt64, reason: String)
    /// A lease event breaks a lease rule.
    case leaseCausality(sequence: UInt64, LeaseCausalityError)
    /// A task event breaks a task rule, or an event names an unknown task.
    case taskCausality(sequence: UInt64, TaskCausalityError)
    /// A pause or resume breaks the engine's pause rules.
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
    /// The event's sequence is not above the last applied one, `latest`.
    case sequenceNotAfterLatest(latest: UInt64)
    /// A run event names a run that was never created.
    case unknownRun(RunId)
    /// `runCreated` carries a state other than Scheduled.
    case runCreatedNotScheduled(RunId, state: RunState)
    /// `runStateChanged` records a previous state that is not the run's state.
    case previousStateMismatch(RunId, recorded: RunState, actual: RunState)
    /// The transition table (``RunState/successors``) does not allow `from` to `to`.
    case illegalTransition(RunId, from: RunState, to: RunState)
    /// A state change other than to Canceled while the attempt is open.
    case attemptInProgress(RunId, AttemptId)
    /// An attempt event for a run that is not Running.
    case attemptRequiresRunning(RunId, state: RunState)
    /// An attempt started while another one is open.
    case attemptAlreadyActive(RunId, AttemptId)
    /// `attemptFinished` names an attempt other than the open one (`expected`, nil when none).
    case attemptMismatch(RunId, expected: AttemptId?, provided: AttemptId)
}

/// Detail of ``ReplayError/duplicateEvent(sequence:_:)``.
public enum DuplicateEventReason: Sendable, Hashable {
    /// `taskCreated` for a task id already present.
    case taskExists(TaskId)
    /// `runCreated` for a run id already present.
    case runExists(RunId)
    /// `attemptStarted` reuses an attempt id of the run.
    case attemptExists(RunId, AttemptId)
}

/// The lease event a ``LeaseCausalityError`` is about.
public enum LeaseEventKind: Sendable, Hashable {
    /// The lease event, one case each: `acquire` is `leaseAcquired`, `heartbeat` is
    /// `leaseHeartbeat`, `expire` is `leaseExpired`, `release` is `leaseReleased`.
    case acquire, heartbeat, expire, release
}

/// Lease rule violations.
public enum LeaseCausalityError: Sendable, Hashable {
    /// The run was never created.
    case unknownRun(RunId, LeaseEventKind)
    /// The run's state does not allow this lease event (acquire: Ready or Leased; heartbeat:
    /// Leased or Running; expire and release: Ready, Leased or Running).
    case invalidRunState(RunId, state: RunState, LeaseEventKind)
    /// A heartbeat, expiry or release for a run that holds no lease.
    case missingActiveLease(RunId, LeaseEventKind)
    /// An acquire while `owner` holds the lease.
    case leaseAlreadyActive(RunId, owner: String)
    /// The event's owner is not the lease's owner.
    case ownerMismatch(RunId, expected: String, provided: String, LeaseEventKind)
    /// An expiry or release whose expiry is not the lease's.
    case expiryMismatch(RunId, expected: UInt64, provided: UInt64, LeaseEventKind)
    /// A heartbeat that would move the expiry earlier.
    case nonMonotonicHeartbeatExpiry(RunId, current: UInt64, provided: UInt64)
}

/// Task rule violations (and references to unknown tasks).
public enum TaskCausalityError: Sendable, Hashable {
    /// The event names a task that was never created.
    case unknownTask(TaskId)
    /// A second cancellation (`first` is the recorded one).
    case alreadyCanceled(TaskId, first: UInt64, duplicate: UInt64)
    /// A cancellation timestamped before the task's creation.
    case canceledBeforeCreated(TaskId, createdAt: UInt64, canceledAt: UInt64)
}

/// Engine pause/resume rule violations.
public enum EngineControlCausalityError: Sendable, Hashable {
    /// A pause while the engine is paused.
    case alreadyPaused(pausedAt: UInt64?, timestamp: UInt64)
    /// A resume while the engine is not paused.
    case notPaused(timestamp: UInt64)
    /// A resume timestamped before the pause.
    case resumeBeforePause(pausedAt: UInt64, resumedAt: UInt64)
}
