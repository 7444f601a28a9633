/// The WAL-first command lane: validate → append → flush (if immediate) → apply.
///
/// Validation is the command's own preconditions plus ``ReplayReducer/plan(_:)``, the very
/// check replay makes, so a record replay would reject is never appended. Any failure after
/// the append fences the authority (``MutationAuthorityError/fenced(_:)``) instead of leaving
/// the log and projection apart (the reference's `Apply`/`PartialDurability` wedge); reopen
/// with ``RecoveryBootstrap`` to continue.
///
/// Not thread-safe: one owner, like the log writer it drives. The authority must be the
/// log's only writer; a record appended behind its back fences it
/// (``AuthorityFence/logDiverged(projectionSequence:logLastSequence:)``).
///
/// ```swift
/// let authority = try MutationAuthority(projection: recovered.projection, log: log)
/// let outcome = try authority.submit(MutationCommand(
///     sequence: authority.projection.latestSequence + 1,
///     event: .enginePaused(timestamp: 1_700_000_000)))
/// ```
public final class MutationAuthority<Log: EventLog> {
    /// The state of the log: every record through `projection.latestSequence` applied.
    ///
    /// It moves only when a command is accepted, after its record was appended (and, under
    /// ``DurabilityPolicy/immediate``, flushed).
    public private(set) var projection: ReplayReducer
    /// The event log the authority appends to.
    public let log: Log
    /// Set once a post-append failure happened.
    public private(set) var fence: AuthorityFence?

    /// Creates an authority over a projection that is exactly the state of `log`.
    ///
    /// - Parameters:
    ///   - projection: The state rebuilt from `log`, usually ``RecoveryResult/projection``.
    ///   - log: The log to append to.
    /// - Throws: ``MutationAuthorityError/projectionLogMismatch(projectionSequence:logLastSequence:)``
    ///   when `projection.latestSequence` differs from `log.lastSequence` (for example after a
    ///   recovery that flagged ``RecoveryResult/logEmptyBehindSnapshot``).
    public init(projection: ReplayReducer, log: Log) throws(MutationAuthorityError) {
        guard projection.latestSequence == log.lastSequence else {
            throw .projectionLogMismatch(projectionSequence: projection.latestSequence, logLastSequence: log.lastSequence)
        }
        self.projection = projection
        self.log = log
    }

    /// Validates a command without side effects.
    ///
    /// Checks, in order: the command's sequence is exactly `projection.latestSequence + 1`;
    /// then for each event, against the state the previous ones leave: the command-level
    /// rules (the reserved `budgetExhausted` event, an empty dependency list, a budget event
    /// for a budget never allocated, a subscription created twice, triggered or canceled
    /// while unknown, or canceled twice), and ``ReplayReducer/plan(_:)``, the check replay
    /// makes.
    ///
    /// - Throws: The first ``MutationValidationError`` found.
    public func validate(_ command: MutationCommand) throws(MutationValidationError) {
        let (expected, overflow) = projection.latestSequence.addingReportingOverflow(1)
        guard !overflow else { throw .sequenceOverflow }
        guard command.sequence == expected else { throw .nonMonotonicSequence(expected: expected, provided: command.sequence) }
        guard !command.events.isEmpty else { throw .emptyCommand }  // `events` is a public var
        guard command.events.count > 1 else {
            try CommandPreconditions.check(command.event, against: projection)
            do { _ = try projection.plan(WalEvent(sequence: command.sequence, event: command.event)) } catch {
                throw .rejectedByReplay(error)
            }
            return
        }
        try projection.checkAtomically(command.events, sequence: command.sequence) { event, p throws(MutationValidationError) in
            try CommandPreconditions.check(event.event, against: p)
            do throws(ReplayError) { return try p.plan(event) } catch { throw .rejectedByReplay(error) }
        }
    }

    /// Submits a command; see the type's documentation for the steps.
    ///
    /// - Parameters:
    ///   - command: The events to record (one record) and the sequence it must receive.
    ///   - durability: ``DurabilityPolicy/immediate`` flushes the log before the command is
    ///     applied; ``DurabilityPolicy/deferred`` only appends, and a later flush makes the
    ///     record durable.
    /// - Returns: The record's sequence and whether it was flushed.
    /// - Throws: ``MutationAuthorityError/validation(_:)`` or
    ///   ``MutationAuthorityError/append(_:)`` when nothing changed (the authority stays
    ///   usable); ``MutationAuthorityError/fenced(_:)`` when the authority is, or now
    ///   becomes, fenced.
    @discardableResult
    public func submit(_ command: MutationCommand, durability: DurabilityPolicy = .immediate) throws(MutationAuthorityError) -> MutationOutcome {
        if let fence { throw .fenced(fence) }
        guard log.lastSequence == projection.latestSequence else {
            return try fenceNow(.logDiverged(projectionSequence: projection.latestSequence, logLastSequence: log.lastSequence))
        }
        do { try validate(command) } catch { throw .validation(error) }
        let record = WalRecord(sequence: command.sequence, events: command.events)
        let before = log.lastSequence
        do {
            _ = try log.append(record.postcardBytes(), expectedSequence: command.sequence)
        } catch {
            if log.lastSequence == before { throw .append(EventLogFailure(error)) }
            return try fenceNow(.ambiguousAppend(sequence: command.sequence, EventLogFailure(error)))
        }
        if durability == .immediate {
            do { try log.flush() } catch {
                return try fenceNow(.partialDurability(sequence: command.sequence, flushError: EventLogFailure(error)))
            }
        }
        do { try projection.apply(record) } catch {
            return try fenceNow(.apply(sequence: command.sequence, error))
        }
        return MutationOutcome(sequence: command.sequence, durable: durability == .immediate)
    }

    private func fenceNow(_ reason: AuthorityFence) throws(MutationAuthorityError) -> MutationOutcome {
        fence = reason
        throw .fenced(reason)
    }
}
