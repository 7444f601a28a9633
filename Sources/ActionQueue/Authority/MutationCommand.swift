/// A command for the mutation authority: the events it records and the sequence the caller
/// expects its record to get (which must be `projection.latestSequence + 1`).
///
/// A command is one log record: one event, or several (a lease and the state change it
/// implies) validated together and applied all or none (``WalRecord``). The reserved
/// `budgetExhausted` is refused.
public struct MutationCommand: Sendable, Hashable {
    /// The log sequence the record must receive: `projection.latestSequence + 1`.
    public var sequence: UInt64
    /// The events to record, in order (at least one).
    public var events: [WalEventType]
    /// The first (for a one-event command, the only) event; setting it makes a one-event command.
    public var event: WalEventType {
        get { events[0] }
        set { events = [newValue] }
    }
    /// Creates a command recording `event` at `sequence`.
    public init(sequence: UInt64, event: WalEventType) {
        self.sequence = sequence
        self.events = [event]
    }
    /// Creates a command recording `events` (at least one) as one record at `sequence`.
    public init(sequence: UInt64, events: [WalEventType]) {
        precondition(!events.isEmpty, "a command records at least one event")
        self.sequence = sequence
        self.events = events
    }
}

/// The result of an accepted command.
public struct MutationOutcome: Sendable, Hashable {
    /// The log sequence of the appended record.
    public var sequence: UInt64
    /// Whether the record was flushed before the command was applied.
    public var durable: Bool
}
