/// The WAL-first command lane: validate → append → flush (if immediate) → apply.
///
/// Validation is the command's own preconditions plus ``ReplayReducer/plan(_:)``, the very
/// check replay makes, so a record replay would reject is never appended. Any failure after
/// the append fences the authority (``MutationAuthorityError/fenced(_:)``) instead of leaving
/// the log and projection apart (the reference's `Apply`/`PartialDurability` wedge); reopen
/// with ``RecoveryBootstrap`` to continue.
///
/// Not thread-safe: one owner, like the log writer it drives.
public final class MutationAuthority<Log: EventLog> {
    public private(set) var projection: ReplayReducer
    public let log: Log
    /// Set once a post-append failure happened.
    public private(set) var fence: AuthorityFence?

    public init(projection: ReplayReducer, log: Log) throws(MutationAuthorityError) {
        guard projection.latestSequence == log.lastSequence else {
            throw .projectionLogMismatch(projectionSequence: projection.latestSequence, logLastSequence: log.lastSequence)
        }
        self.projection = projection
        self.log = log
    }

    /// Validates a command without side effects.
    public func validate(_ command: MutationCommand) throws(MutationValidationError) {
        let (expected, overflow) = projection.latestSequence.addingReportingOverflow(1)
        guard !overflow else { throw .sequenceOverflow }
        guard command.sequence == expected else { throw .nonMonotonicSequence(expected: expected, provided: command.sequence) }
        try CommandPreconditions.check(command.event, against: projection)
        do { _ = try projection.plan(WalEvent(sequence: command.sequence, event: command.event)) } catch {
            throw .rejectedByReplay(error)
        }
    }

    /// Submits a command; see the type's documentation for the steps.
    @discardableResult
    public func submit(_ command: MutationCommand, durability: DurabilityPolicy = .immediate) throws(MutationAuthorityError) -> MutationOutcome {
        if let fence { throw .fenced(fence) }
        guard log.lastSequence == projection.latestSequence else {
            return try fenceNow(.logDiverged(projectionSequence: projection.latestSequence, logLastSequence: log.lastSequence))
        }
        do { try validate(command) } catch { throw .validation(error) }
        let event = WalEvent(sequence: command.sequence, event: command.event)
        let before = log.lastSequence
        do {
            _ = try log.append(event.postcardBytes(), expectedSequence: command.sequence)
        } catch {
            if log.lastSequence == before { throw .append(EventLogFailure(error)) }
            return try fenceNow(.ambiguousAppend(sequence: command.sequence, EventLogFailure(error)))
        }
        if durability == .immediate {
            do { try log.flush() } catch {
                return try fenceNow(.partialDurability(sequence: command.sequence, flushError: EventLogFailure(error)))
            }
        }
        do { try projection.apply(event) } catch {
            return try fenceNow(.apply(sequence: command.sequence, error))
        }
        return MutationOutcome(sequence: command.sequence, durable: durability == .immediate)
    }

    private func fenceNow(_ reason: AuthorityFence) throws(MutationAuthorityError) -> MutationOutcome {
        fence = reason
        throw .fenced(reason)
    }
}
