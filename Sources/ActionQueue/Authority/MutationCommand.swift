/// A command for the mutation authority: the event it would record and the sequence the
/// caller expects it to get (which must be `projection.latestSequence + 1`).
///
/// Commands are expressed as the event they record; the authority maps each command to
/// exactly one log record. The reserved `budgetExhausted` is refused.
public struct MutationCommand: Sendable, Hashable {
    /// The log sequence the record must receive: `projection.latestSequence + 1`.
    public var sequence: UInt64
    /// The event to record.
    public var event: WalEventType
    /// Creates a command recording `event` at `sequence`.
    public init(sequence: UInt64, event: WalEventType) {
        self.sequence = sequence
        self.event = event
    }
}

/// The result of an accepted command.
public struct MutationOutcome: Sendable, Hashable {
    /// The log sequence of the appended record.
    public var sequence: UInt64
    /// Whether the record was flushed before the command was applied.
    public var durable: Bool
}
