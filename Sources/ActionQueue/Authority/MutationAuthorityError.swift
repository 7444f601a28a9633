/// Errors of the mutation authority.
public enum MutationAuthorityError: Error, Sendable, Hashable {
    /// Refused before anything was appended; the authority stays usable.
    case validation(MutationValidationError)
    /// The append failed and the log did not advance; nothing changed, the authority stays usable.
    case append(EventLogFailure)
    /// The authority is fenced: a failure after an append left the log and the projection
    /// possibly apart. Every command is refused until the store is reopened (recovery
    /// rebuilds the projection from the log).
    case fenced(AuthorityFence)
    /// The projection and the log disagree when the authority is created.
    case projectionLogMismatch(projectionSequence: UInt64, logLastSequence: UInt64)
    /// ``AsyncMutationAuthority/close()`` began before the command was accepted; nothing changed.
    case closed
}

/// Why an authority was fenced.
public enum AuthorityFence: Sendable, Hashable {
    /// The append threw but the log advanced (the record may or may not be durable), or,
    /// under ``AsyncMutationAuthority``, the log failed a batch holding accepted commands
    /// (they may or may not be in the log after reopen); `sequence` is the batch's first.
    case ambiguousAppend(sequence: UInt64, EventLogFailure)
    /// The record was appended but the flush failed (never retried: fsyncgate).
    case partialDurability(sequence: UInt64, flushError: EventLogFailure)
    /// Appended (and flushed if immediate) but the projection refused it. Unreachable while
    /// validation and replay share ``ReplayReducer/plan(_:)``; kept as a typed fence.
    case apply(sequence: UInt64, ReplayError)
    /// The log advanced behind the authority's back.
    case logDiverged(projectionSequence: UInt64, logLastSequence: UInt64)
}
